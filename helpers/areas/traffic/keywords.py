"""Search ads down to the keyword (直通车 关键词报表): actions per keyword, rising search terms.

Reads ``ad_keywords`` (day x plan x keyword).

口径
----
- CTR = clicks / impressions; CPC = spend / clicks (yuan); 点击转化率 = attributed orders /
  clicks, with its Wilson interval; ROI = attributed amount / spend within the report's
  attribution window. The ROI interval is the conversion interval x amount per order / CPC
  (order value and CPC taken as known: the orders are the scarce count); a keyword without
  orders takes its plan's amount per order for the upper end.
- Break-even ROI = 1 / contribution margin before ads when the margin is positive, else unknown
  (NaN: no ROI breaks even), the one rule of :func:`helpers.core.costs.break_even_roi`;
  max CPC = attributed amount per click x margin (:func:`helpers.core.costs.max_cpc`): the
  highest bid at which a click's contribution pays for it.
- Quality score and average rank are click-weighted means over the days; bid is the last day's.
- Rising terms (飙升词): the last ``days`` against the ``days`` before, per keyword; growth
  against the other keywords = (x₂ / x₁) / (T₂ / T₁), x the keyword's impressions, T the other
  keywords'. Its interval follows from the Wilson interval of x₂ / (x₁ + x₂) (given the two
  weeks' total, a share of a Poisson count is binomial), divided by T₂ / T₁; measured against
  the other keywords so that a campaign lifting every search is no rising term. The interval
  counts the term's own sampling noise only (the others' total is taken as known), so it is
  narrower than the week-to-week wobble of a plan's budget: the rule also asks for
  ``min_growth``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from helpers.areas.traffic.roi import AD_SUMS, ad_sums, add_click_rates, known_amounts
from helpers.core.costs import break_even_roi, max_cpc
from helpers.core.findings import NOT_ENOUGH_DATA, Finding, not_enough_data
from helpers.core.stats import wilson_interval
from helpers.i18n import pick
from helpers.present.display import escape
from helpers.present.format import format_change, format_value

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

KEYWORD_ACTIONS = ("cut", "lower_bid", "raise_bid", "keep", "unknown")


def keyword_table(shop: Shop, period: Period, margin: float, confidence: float = 0.95) -> pd.DataFrame:
    """Per plan and keyword: the ad figures, ROI with its interval, max CPC and the break-even.

    Parameters
    ----------
    margin : contribution margin before ads of the period (a fraction;
        :func:`helpers.areas.traffic.ads.estimate_margin`).

    Returns
    -------
    DataFrame: plan, keyword, match_type, impressions, clicks, spend, attributed_orders,
    attributed_amount, ctr, cpc, conversion_rate/_low/_high, amount_per_order, roi, roi_low,
    roi_high, value_per_click, max_cpc, breakeven_roi, quality_score, avg_rank, bid; most
    spend first.
    """
    import ibis

    t = shop.table("ad_keywords")
    t = t.filter((t.date >= period.start.date()) & (t.date <= period.end.date()))
    weight = t.clicks.cast("float64")
    agg = ad_sums(t)
    for col in ("quality_score", "avg_rank"):
        known = t[col].notnull()
        agg[f"{col}_w"] = ibis.ifelse(known, t[col] * weight, 0.0).sum()
        agg[f"{col}_n"] = ibis.ifelse(known, weight, 0.0).sum()
    agg["last_day"] = t.date.max()
    group = ["plan", "keyword"]
    out = t.group_by(group).aggregate(**agg).execute()
    last = t.filter(t.bid.notnull()).select("plan", "keyword", "date", "bid").execute()
    last = last.sort_values("date").groupby(["plan", "keyword"])["bid"].last()
    match = t.select("plan", "keyword", "match_type").execute().groupby(["plan", "keyword"])["match_type"].last()
    out = out.set_index(group)
    out["bid"] = last.reindex(out.index)
    out["match_type"] = match.reindex(out.index)
    for col in ("quality_score", "avg_rank"):
        out[col] = out[f"{col}_w"] / out[f"{col}_n"].where(out[f"{col}_n"] > 0)
    out = known_amounts(out)
    out = add_click_rates(out.reset_index(), confidence)
    clicks = out["clicks"].where(out["clicks"] > 0)
    out["value_per_click"] = out["attributed_amount"] / clicks
    out["max_cpc"] = max_cpc(out["value_per_click"], margin)
    out["breakeven_roi"] = break_even_roi(margin)  # NaN unless the margin is known and positive
    keep = ["plan", "keyword", "match_type", *AD_SUMS, "ctr", "cpc", "conversion_rate", "conversion_low",
            "conversion_high", "amount_per_order", "roi", "roi_low", "roi_high", "value_per_click", "max_cpc",
            "breakeven_roi", "quality_score", "avg_rank", "bid"]
    return out[keep].sort_values(["spend", "keyword"], ascending=[False, True]).reset_index(drop=True)


def keyword_daily(shop: Shop, period: Period, plan: str, keyword: str) -> pd.DataFrame:
    """One keyword's day by day: clicks, CPC (yuan) and ROI (attributed amount / spend; NaN on
    a day without spend or without an attributed amount), by date."""
    t = shop.table("ad_keywords")
    t = t.filter((t.date >= period.start.date()) & (t.date <= period.end.date()) & (t.plan == plan)
                 & (t.keyword == keyword))
    out = t.group_by("date").aggregate(clicks=t.clicks.sum(), spend=t.spend.sum(),
                                       attributed_amount=t.attributed_amount.sum()).execute()
    out["date"] = pd.to_datetime(out["date"])
    for c in ("clicks", "spend", "attributed_amount"):
        out[c] = out[c].astype(float)
    out["cpc"] = out["spend"] / out["clicks"].where(out["clicks"] > 0)
    out["roi"] = out["attributed_amount"] / out["spend"].where(out["spend"] > 0)
    return out.sort_values("date").reset_index(drop=True)


def judge_keyword(row: pd.Series, min_clicks: int = 200, scale_factor: float = 1.5,
                  top_rank: float = 2.0) -> Finding:
    """The action on one keyword of :func:`keyword_table`, with its evidence.

    Rules, in order:

    - fewer than ``min_clicks`` clicks -> not enough data;
    - orders without an attributed amount -> "unknown" (missing revenue is not zero);
    - no break-even (margin unknown or <= 0) -> "unknown";
    - roi_high < break-even -> "cut" (否词 / pause: even the optimistic end loses money);
    - CPC above max CPC (the point ROI below break-even, the interval straddling it) ->
      "lower_bid" to the max CPC;
    - roi_low >= ``scale_factor`` x break-even and the average rank below ``top_rank`` (room
      to climb) -> "raise_bid", up to the max CPC;
    - otherwise "keep".
    """
    rule, subject = "traffic.keyword", f"{row['plan']} / {row['keyword']}"
    evidence = {k: (None if pd.isna(row.get(k)) else float(row[k])) for k in (
        "clicks", "attributed_orders", "spend", "roi", "roi_low", "roi_high", "breakeven_roi", "cpc", "max_cpc",
        "quality_score", "avg_rank", "bid")}
    if row["clicks"] < min_clicks:
        return not_enough_data(rule, subject, clicks=int(row["clicks"]), min_clicks=min_clicks)
    be = row["breakeven_roi"]
    if pd.isna(row["attributed_amount"]) or pd.isna(be):
        return Finding(rule, subject, "unknown", evidence)
    if row["roi_high"] < be:
        return Finding(rule, subject, "cut", evidence, 0.95)
    if row["cpc"] > row["max_cpc"]:
        return Finding(rule, subject, "lower_bid", {**evidence, "suggested_bid": float(row["max_cpc"])})
    if row["roi_low"] >= scale_factor * be and (pd.isna(row["avg_rank"]) or row["avg_rank"] > top_rank):
        return Finding(rule, subject, "raise_bid", {**evidence, "suggested_bid": float(row["max_cpc"])}, 0.95)
    return Finding(rule, subject, "keep", evidence)


def judge_keywords(table: pd.DataFrame, min_clicks: int = 200) -> list[Finding]:
    """:func:`judge_keyword` for every row."""
    return [judge_keyword(r, min_clicks) for _, r in table.iterrows()]


def rising_terms(shop: Shop, end: pd.Timestamp, days: int = 7, min_volume: int = 500, min_growth: float = 0.3,
                 confidence: float = 0.95) -> pd.DataFrame:
    """Keywords whose impressions grow faster than the others' (飙升词), last ``days`` vs the ``days`` before.

    Formula: see the module's 口径. A term rises when it has at least ``min_volume``
    impressions in the recent window and the lower end of its relative growth's interval
    exceeds 1 + ``min_growth``.

    Returns
    -------
    DataFrame indexed by keyword: previous, recent (impressions), growth (x₂ / x₁ - 1),
    relative_growth, relative_growth_low, relative_growth_high (ratios, 1 = as fast as the others), rising
    (bool); rising first, then by relative growth.
    """
    t = shop.table("ad_keywords")
    start = (end - pd.Timedelta(days=2 * days - 1)).date()
    split = (end - pd.Timedelta(days=days - 1)).date()
    t = t.filter((t.date >= start) & (t.date <= end.date()))
    recent = (t.date >= split)
    import ibis

    out = t.group_by("keyword").aggregate(
        previous=ibis.ifelse(recent, 0, t.impressions).sum(),
        recent=ibis.ifelse(recent, t.impressions, 0).sum()).execute().set_index("keyword").astype(float)
    if not len(out):
        return out.assign(growth=[], relative_growth=[], relative_growth_low=[], relative_growth_high=[], rising=[])
    others_prev = out["previous"].sum() - out["previous"]
    others_recent = out["recent"].sum() - out["recent"]
    baseline = others_recent / others_prev.where(others_prev > 0)
    both = out["previous"] + out["recent"]
    low, high = wilson_interval(out["recent"], both, confidence)
    odds = lambda p: p / (1 - p)  # noqa: E731
    out["growth"] = out["recent"] / out["previous"].where(out["previous"] > 0) - 1
    out["relative_growth"] = (out["recent"] / out["previous"].where(out["previous"] > 0)) / baseline
    out["relative_growth_low"] = odds(low) / baseline
    out["relative_growth_high"] = odds(high.where(high < 1)) / baseline
    out["rising"] = (out["recent"] >= min_volume) & (out["relative_growth_low"] > 1 + min_growth)
    return out.sort_values(["rising", "relative_growth"], ascending=False)


# --------------------------------------------------------------------------- sentences


def describe_keywords(findings: list[Finding], lang: str, top: int = 5) -> str:
    """Keywords to cut (否词), to bid down and to bid up, with their evidence."""
    ratio = lambda v: format_value(v, "ratio", lang)  # noqa: E731
    yuan = lambda v: format_value(v, "yuan", lang)  # noqa: E731
    by = {a: [f for f in findings if f.verdict == a] for a in (*KEYWORD_ACTIONS, NOT_ENOUGH_DATA)}
    parts = []
    if by["cut"]:
        items = [f"「{escape(f.subject)}」ROI {ratio(f.evidence['roi'])}（≤ {ratio(f.evidence['roi_high'])}）"
                 for f in by["cut"][:top]]
        items_en = [f"“{escape(f.subject)}” ROI {ratio(f.evidence['roi'])} (≤ {ratio(f.evidence['roi_high'])})"
                    for f in by["cut"][:top]]
        be = ratio(by["cut"][0].evidence["breakeven_roi"])
        parts.append(pick(lang, f"否词/暂停（ROI 区间整体低于保本 ROI {be}）：{'、'.join(items)}。",
                          f"Cut (negative keyword or pause; the whole ROI interval is below the break-even {be}): "
                          f"{', '.join(items_en)}."))
    if by["lower_bid"]:
        items = [f"「{escape(f.subject)}」{yuan(f.evidence['cpc'])} → {yuan(f.evidence['suggested_bid'])}"
                 for f in by["lower_bid"][:top]]
        items_en = [f"“{escape(f.subject)}” {yuan(f.evidence['cpc'])} → {yuan(f.evidence['suggested_bid'])}"
                    for f in by["lower_bid"][:top]]
        parts.append(pick(lang, f"降低出价到最高可承受点击花费：{'、'.join(items)}。",
                          f"Lower the bid to the highest affordable CPC: {', '.join(items_en)}."))
    if by["raise_bid"]:
        items = [f"「{escape(f.subject)}」ROI ≥ {ratio(f.evidence['roi_low'])}，上限 {yuan(f.evidence['suggested_bid'])}"
                 for f in by["raise_bid"][:top]]
        items_en = [f"“{escape(f.subject)}” ROI ≥ {ratio(f.evidence['roi_low'])}, up to {yuan(f.evidence['suggested_bid'])}"
                    for f in by["raise_bid"][:top]]
        parts.append(pick(lang, f"提高出价抢排名（ROI 区间下限也远高于保本）：{'、'.join(items)}。",
                          f"Raise the bid for a better rank (even the low end of ROI is well above break-even): "
                          f"{', '.join(items_en)}."))
    if by[NOT_ENOUGH_DATA]:
        parts.append(pick(lang, f"{len(by[NOT_ENOUGH_DATA])} 个关键词点击太少（少于 {by[NOT_ENOUGH_DATA][0].evidence['min_clicks']}），暂不下结论。",
                          f"{len(by[NOT_ENOUGH_DATA])} keyword(s) have too few clicks (under "
                          f"{by[NOT_ENOUGH_DATA][0].evidence['min_clicks']}) for a verdict yet."))
    if by["unknown"]:
        parts.append(pick(lang, f"{len(by['unknown'])} 个关键词缺少成交金额或保本线，ROI 未知。",
                          f"{len(by['unknown'])} keyword(s) have no attributed amount or no break-even: ROI unknown."))
    return " ".join(parts) or pick(lang, "所有关键词维持现状。", "Keep every keyword as it is.")


def describe_rising(rising: pd.DataFrame, lang: str) -> str:
    """The rising search terms, with their growth against the other keywords."""
    up = rising[rising["rising"]] if len(rising) else rising
    if not len(up):
        return pick(lang, "没有飙升词：没有关键词的展现增长明显快于其他词。",
                    "No rising term: no keyword's impressions grew clearly faster than the others'.")
    pct = lambda v: format_change(v, lang)  # noqa: E731
    ratio = lambda v: format_value(v, "ratio", lang)  # noqa: E731
    items = [f"「{escape(k)}」展现 {pct(r['growth'])}，是其他词增速的 {ratio(r['relative_growth'])} 倍（≥ {ratio(r['relative_growth_low'])}）"
             for k, r in up.iterrows()]
    items_en = [f"“{escape(k)}” impressions {pct(r['growth'])}, {ratio(r['relative_growth'])}× the others' pace "
                f"(≥ {ratio(r['relative_growth_low'])})" for k, r in up.iterrows()]
    return pick(lang, f"飙升词：{'、'.join(items)}。趁竞争还没跟上，加词、加预算，并把词写进标题。",
                f"Rising terms: {', '.join(items_en)}. Add them, fund them and put them in titles before "
                "competitors catch up.")


def keyword_actions(findings: list[Finding]) -> pd.Series:
    """``plan / keyword`` -> action of :func:`judge_keywords` (for the table)."""
    return pd.Series({f.subject: f.verdict for f in findings}, dtype=object)
