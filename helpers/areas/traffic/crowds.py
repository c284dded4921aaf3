"""Display and smart ads down to the crowd (引力魔方/万相台 人群报表): ROI per crowd and its action.

Reads ``ad_crowds`` (day x plan x crowd).

口径
----
- CTR = clicks / impressions; CPC = spend / clicks (yuan); 点击转化率 = attributed orders /
  clicks with its Wilson interval; ROI = attributed amount / spend within the report's
  attribution window. The ROI interval is the conversion interval x amount per order x
  clicks / spend (order value and CPC taken as known: the orders are the scarce count); a
  crowd without orders takes its plan's amount per order for the upper end.
- Break-even ROI = 1 / contribution margin before ads when the margin is positive, else unknown
  (NaN: no ROI breaks even), the one rule of :func:`helpers.core.costs.break_even_roi`.
- A crowd is judged only with at least ``min_clicks`` clicks: below that even a crowd that
  sold nothing may be a fair one unlucky so far.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from helpers.areas.traffic.roi import AD_SUMS, ad_sums, add_click_rates, known_amounts
from helpers.core.costs import break_even_roi
from helpers.core.findings import NOT_ENOUGH_DATA, Finding, not_enough_data
from helpers.i18n import pick
from helpers.present.display import escape
from helpers.present.format import format_value

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

CROWD_ACTIONS = ("cut", "scale", "keep", "unknown")


def crowd_table(shop: Shop, period: Period, margin: float, confidence: float = 0.95) -> pd.DataFrame:
    """Per plan and crowd: the ad figures, ROI with its interval and the break-even.

    Parameters
    ----------
    margin : contribution margin before ads of the period (a fraction;
        :func:`helpers.areas.traffic.ads.estimate_margin`).

    Returns
    -------
    DataFrame: plan, crowd, impressions, clicks, spend, attributed_orders, attributed_amount
    (NaN where some day of the crowd has none: ROI unknown), ctr, cpc,
    conversion_rate/_low/_high, roi, roi_low, roi_high, breakeven_roi; most spend first.
    """
    t = shop.table("ad_crowds")
    t = t.filter((t.date >= period.start.date()) & (t.date <= period.end.date()))
    out = known_amounts(t.group_by(["plan", "crowd"]).aggregate(**ad_sums(t)).execute())
    out = add_click_rates(out, confidence)
    out["breakeven_roi"] = break_even_roi(margin)  # NaN unless the margin is known and positive
    keep = ["plan", "crowd", *AD_SUMS, "ctr", "cpc", "conversion_rate", "conversion_low", "conversion_high", "roi",
            "roi_low", "roi_high", "breakeven_roi"]
    return out[keep].sort_values(["spend", "crowd"], ascending=[False, True]).reset_index(drop=True)


def judge_crowd(row: pd.Series, min_clicks: int = 300, scale_factor: float = 1.5) -> Finding:
    """The action on one crowd of :func:`crowd_table`, with its evidence.

    Rules, in order:

    - fewer than ``min_clicks`` clicks -> not enough data;
    - no attributed amount or no break-even -> "unknown" (missing revenue is not zero);
    - roi_high < break-even -> "cut" (exclude the crowd: even the optimistic end loses money);
    - roi_low >= ``scale_factor`` x break-even -> "scale" (raise the crowd's bid or budget);
    - otherwise "keep".
    """
    rule, subject = "traffic.crowd", f"{row['plan']} / {row['crowd']}"
    evidence = {k: (None if pd.isna(row.get(k)) else float(row[k])) for k in (
        "clicks", "attributed_orders", "spend", "roi", "roi_low", "roi_high", "breakeven_roi", "cpc")}
    if row["clicks"] < min_clicks:
        return not_enough_data(rule, subject, clicks=int(row["clicks"]), min_clicks=min_clicks)
    be = row["breakeven_roi"]
    if pd.isna(row["attributed_amount"]) or pd.isna(be):
        return Finding(rule, subject, "unknown", evidence)
    if row["roi_high"] < be:
        return Finding(rule, subject, "cut", evidence, 0.95)
    if row["roi_low"] >= scale_factor * be:
        return Finding(rule, subject, "scale", evidence, 0.95)
    return Finding(rule, subject, "keep", evidence)


def judge_crowds(table: pd.DataFrame, min_clicks: int = 300) -> list[Finding]:
    """:func:`judge_crowd` for every row."""
    return [judge_crowd(r, min_clicks) for _, r in table.iterrows()]


def describe_crowds(findings: list[Finding], lang: str) -> str:
    """Crowds to exclude and to scale, with their ROI intervals against the break-even."""
    ratio = lambda v: format_value(v, "ratio", lang)  # noqa: E731
    by = {a: [f for f in findings if f.verdict == a] for a in (*CROWD_ACTIONS, NOT_ENOUGH_DATA)}
    parts = []
    if by["cut"]:
        be = ratio(by["cut"][0].evidence["breakeven_roi"])
        items = [f"「{escape(f.subject)}」ROI {ratio(f.evidence['roi'])}（≤ {ratio(f.evidence['roi_high'])}）"
                 for f in by["cut"]]
        items_en = [f"“{escape(f.subject)}” ROI {ratio(f.evidence['roi'])} (≤ {ratio(f.evidence['roi_high'])})"
                    for f in by["cut"]]
        parts.append(pick(lang, f"关掉或排除这些人群（ROI 区间整体低于保本 ROI {be}）：{'、'.join(items)}。",
                          f"Switch off or exclude these crowds (the whole ROI interval is below the break-even {be}): "
                          f"{', '.join(items_en)}."))
    if by["scale"]:
        items = [f"「{escape(f.subject)}」ROI ≥ {ratio(f.evidence['roi_low'])}" for f in by["scale"]]
        items_en = [f"“{escape(f.subject)}” ROI ≥ {ratio(f.evidence['roi_low'])}" for f in by["scale"]]
        parts.append(pick(lang, f"提高溢价或预算（ROI 区间下限也在保本 1.5 倍以上）：{'、'.join(items)}。",
                          f"Raise the bid premium or budget (even the low end of ROI is 1.5 × break-even or more): "
                          f"{', '.join(items_en)}."))
    if by[NOT_ENOUGH_DATA]:
        need = by[NOT_ENOUGH_DATA][0].evidence["min_clicks"]
        parts.append(pick(lang, f"{len(by[NOT_ENOUGH_DATA])} 个人群点击少于 {need}，暂不下结论。",
                          f"{len(by[NOT_ENOUGH_DATA])} crowd(s) have fewer than {need} clicks: no verdict yet."))
    if by["unknown"]:
        parts.append(pick(lang, f"{len(by['unknown'])} 个人群缺少成交金额或保本线，ROI 未知。",
                          f"{len(by['unknown'])} crowd(s) have no attributed amount or no break-even: ROI unknown."))
    return " ".join(parts) or pick(lang, "所有人群维持现状。", "Keep every crowd as it is.")
