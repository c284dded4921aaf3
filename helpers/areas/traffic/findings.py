"""Traffic findings: the verdict on each ad plan and the likely cause of an anomaly.

The rules look at the calculated figures and return what they conclude as data (a
:class:`~helpers.core.findings.Finding`, or a hint key); :func:`describe_verdict` and
:func:`hint_text` word them per language.

Rules
-----
- Ad plan (``ads.plan``, :func:`classify_plan`): a verdict only with at least
  ``min_orders`` orders and when the ROI interval lies wholly on one side of break-even
  (1 / contribution margin before ads); missing revenue is "unknown", not ROI 0; channels paid by commission
  on sales (淘宝客, CPS) are judged on the commission rate against the margin, never on CPC.
- Anomaly cause: visitors up with the bounce rate at least 15 points above its baseline
  -> bots (one-page visits that never buy); otherwise the direction of the metric that
  moved (traffic, conversion or UV value; drop or spike).
"""

from __future__ import annotations

import pandas as pd

from helpers.core.findings import Finding, not_enough_data
from helpers.i18n import is_zh, label
from helpers.present.format import format_value

AFFILIATE_CHANNELS = ("淘宝客", "淘客", "CPS")  # paid by commission on sales, not per click
HINTS = ("bots", "traffic_drop", "traffic_spike", "conversion_drop", "conversion_spike", "uv_drop", "uv_spike")
BOT_BOUNCE_JUMP = 0.15  # bounce-rate rise over the baseline (points) that marks a visitor spike as bots


def is_commission_channel(channel: object) -> bool:
    """A channel paid by commission on sales (淘宝客, CPS), not per click."""
    return any(a in str(channel) for a in AFFILIATE_CHANNELS)


def classify_plan(row: pd.Series, breakeven: float, scale_factor: float = 1.5, min_orders: int = 20,
                  min_days: int = 5) -> Finding:
    """Verdict on one plan (or channel) of :func:`helpers.areas.traffic.ads.summarize_ads`.

    A verdict is given only when the ROI interval (roi_low, roi_high) lies wholly on one side
    of the line it is judged against, so that another sample of days would not flip it.

    Rules, in order:

    - spend without clicks (a per-click plan) -> cut;
    - orders but no attributed amount (conversion-only export) -> "unknown": missing
      revenue is not zero revenue;
    - commission channels (淘宝客, CPS) are paid a share of each sale: judged on the
      commission rate (spend / amount) against the contribution margin before ads, the break-even rate:
      rate >= margin -> cut; rate <= margin / ``scale_factor`` -> scale; else keep. Spend
      follows sales, so no interval is needed;
    - no break-even ROI (margin unknown or <= 0) -> optimise; no spend -> optimise;
    - fewer than ``min_orders`` attributed orders or ``min_days`` days -> not enough data;
    - roi_high < break-even -> cut; roi_low >= ``scale_factor`` x break-even -> scale;
      roi_low >= break-even -> optimise (profitable, not surely enough to scale);
      otherwise the interval straddles break-even -> not enough data.

    Parameters
    ----------
    row : the plan's figures: spend, clicks, roi, roi_low, roi_high, days,
        attributed_orders, attributed_amount, revenue_known, commission_rate; its name is
        (channel, plan) or the channel.
    breakeven : break-even ROI = 1 / contribution margin before ads (NaN when the margin is unknown or <= 0).
    scale_factor : the interval must lie above this multiple of break-even to scale.
    min_orders, min_days : the minimum sample for any ROI verdict.

    Returns
    -------
    Finding with rule "ads.plan", verdict "cut", "optimise", "scale", "keep", "unknown" or
    ``not_enough_data``, evidence: reason ("no_clicks", "no_revenue", "commission_high",
    "commission_low", "commission_ok", "no_breakeven", "no_spend", "few_orders",
    "straddles", "below_breakeven", "above_breakeven", "thin_margin"), roi, roi_low,
    roi_high, breakeven_roi, attributed_orders, days, spend, clicks, commission_rate; and the
    interval level as confidence when the verdict rests on it.
    """
    name = row.name
    subject = " · ".join(map(str, name)) if isinstance(name, tuple) else str(name)
    evidence = {"roi": float(row["roi"]), "roi_low": float(row.get("roi_low", float("nan"))),
                "roi_high": float(row.get("roi_high", float("nan"))), "breakeven_roi": float(breakeven),
                "attributed_orders": float(row["attributed_orders"]), "days": int(row.get("days", 0)),
                "spend": float(row["spend"]), "clicks": float(row["clicks"]),
                "commission_rate": float(row.get("commission_rate", float("nan"))),
                "min_orders": min_orders, "min_days": min_days}

    def found(verdict: str, reason: str, confidence: float | None = None) -> Finding:
        return Finding("ads.plan", subject, verdict, {**evidence, "reason": reason}, confidence)

    channel = name[0] if isinstance(name, tuple) else name
    if row["spend"] > 0 and row["clicks"] == 0 and not is_commission_channel(channel):
        return found("cut", "no_clicks")
    if not row.get("revenue_known", True):
        return found("unknown", "no_revenue")
    if is_commission_channel(channel) and pd.notna(breakeven) and pd.notna(evidence["commission_rate"]):
        rate, margin = evidence["commission_rate"], 1 / breakeven
        if rate >= margin:
            return found("cut", "commission_high")
        if rate <= margin / scale_factor:
            return found("scale", "commission_low")
        return found("keep", "commission_ok")
    if pd.isna(breakeven):
        return found("optimise", "no_breakeven")
    if pd.isna(row["roi"]):
        return found("optimise", "no_spend")
    if row["attributed_orders"] < min_orders or evidence["days"] < min_days:
        return not_enough_data("ads.plan", subject, **evidence, reason="few_orders")
    low, high = evidence["roi_low"], evidence["roi_high"]
    level = float(row.get("confidence", 0.95))
    if high < breakeven:
        return found("cut", "below_breakeven", level)
    if low >= scale_factor * breakeven:
        return found("scale", "above_breakeven", level)
    if low >= breakeven:
        return found("optimise", "thin_margin", level)
    return not_enough_data("ads.plan", subject, **evidence, reason="straddles")


def reason_code(finding: Finding) -> str:
    """The reason of a plan's finding as one code (the ``reason`` column of the ads table)."""
    return finding.evidence["reason"]


def describe_verdict(row: pd.Series, breakeven: float, lang: str) -> str:
    """The reason of a plan's verdict in words, with its numbers.

    ``row`` is a row of the ads table (its ``reason`` code, roi, roi_low, roi_high, cpc,
    max_cpc, spend, attributed_orders, days, commission_rate); a commission channel's reason
    is about its commission rate, never a CPC.
    """
    zh = is_zh(lang)

    def yuan(v):
        return format_value(v, "yuan", lang)

    def ratio(v):
        return format_value(v, "ratio", lang)

    def pct(v):
        return format_value(v, "pct", lang)

    reason = str(row["reason"])
    roi, be = ratio(row["roi"]), ratio(breakeven)
    span = f"{ratio(row.get('roi_low'))}–{ratio(row.get('roi_high'))}"
    cpc, max_cpc = yuan(row["cpc"]), yuan(row["max_cpc"])
    orders = row["attributed_orders"]
    if reason == "no_clicks":
        out = (f"花费 {yuan(row['spend'])} 却没有点击：检查计划设置、出价和定向" if zh else
               f"spent {yuan(row['spend'])} without a single click: check the plan's settings, bids and targeting")
    elif reason == "no_revenue":
        out = (f"{orders:.0f} 笔成交但数据没有成交金额：ROI 未知（缺少金额不等于金额为 0），补充成交金额后再判断" if zh else
               f"{orders:.0f} orders but the data has no attributed amount: ROI unknown (a missing amount is not "
               "a zero amount); add the amount before judging the plan")
    elif reason.startswith("commission_"):
        rate, margin = pct(row["commission_rate"]), pct(1 / breakeven)
        out = {
            "commission_high": (f"佣金率 {rate} 不低于贡献毛利率 {margin}：每笔成交都亏，下调佣金或只推高毛利商品",
                                f"commission rate {rate} is not below the contribution margin {margin}: every sale loses "
                                "money; lower the rate or promote only high-margin products"),
            "commission_low": (f"佣金率 {rate} 远低于贡献毛利率 {margin}：按成交付佣不亏，可提高佣金或招募更多推广者",
                               f"commission rate {rate} is well below the contribution margin {margin}: paid per sale, "
                               "it cannot lose; raise the rate or recruit more promoters"),
            "commission_ok": (f"佣金率 {rate} 低于贡献毛利率 {margin}，但余量不大：保持",
                              f"commission rate {rate} is below the contribution margin {margin} with little room: keep it"),
        }[reason][0 if zh else 1]
    elif reason == "no_breakeven":
        out = "贡献毛利率未知，无法判断是否保本" if zh else "contribution margin unknown, break-even cannot be judged"
    elif reason == "no_spend":
        out = "没有花费" if zh else "no spend"
    elif reason == "few_orders":
        need, days = row.get("min_orders", 20), int(row.get("days", 0))
        out = (f"仅 {orders:.0f} 笔成交、{days} 天数据（至少需要 {need:.0f} 笔）：数据不足，暂不下结论，拉长周期再看" if zh else
               f"only {orders:.0f} orders over {days} day(s) (at least {need:.0f} needed): not enough data for a "
               "verdict yet; look again over a longer period")
    elif reason == "straddles":
        out = (f"ROI {roi}，区间 {span} 跨过保本 ROI {be}：可能盈利也可能亏损，暂不下结论，拉长周期再看" if zh else
               f"ROI {roi}, interval {span}, straddles the break-even {be}: it may make or lose money; no "
               "verdict yet, look again over a longer period")
    elif reason == "below_breakeven":
        lost = yuan(100 * (1 - row["roi"] / breakeven))
        out = (f"ROI {roi}（区间 {span}）整体低于保本 ROI {be}，每花 100 元亏 {lost} 毛利；点击花费 {cpc} 高于可承受的 "
               f"{max_cpc}" if zh else
               f"ROI {roi} (interval {span}) is wholly below the break-even {be}: every ¥100 spent loses {lost} of "
               f"gross profit; CPC {cpc} is above the affordable {max_cpc}")
    elif reason == "above_breakeven":
        times = row["roi_low"] / breakeven
        out = (f"ROI {roi}（区间 {span}）下限也是保本 ROI {be} 的 {times:.1f} 倍：可加预算或提价，点击花费最高可到 {max_cpc}"
               if zh else
               f"ROI {roi} (interval {span}): even its low end is {times:.1f}x the break-even {be}; room to raise "
               f"budget or bids, up to a CPC of {max_cpc}")
    elif reason == "thin_margin":
        out = (f"ROI {roi}（区间 {span}）高于保本 {be}，但不足以确定能加投：先优化关键词、人群和创意，压低点击花费（当前 {cpc}）"
               if zh else
               f"ROI {roi} (interval {span}) is above the break-even {be}, but not surely enough to scale: tune "
               f"keywords, audiences and creatives and bring the CPC ({cpc}) down before adding budget")
    else:
        raise ValueError(f"unknown plan reason {row['reason']!r}")
    return out


WARMUP_MIN_VISITORS = 1000  # warm-up visitors below which the pattern is not read


def judge_campaign_phase(phases: pd.DataFrame, previous: pd.DataFrame, warm: dict, before: dict, prev: dict,
                         spans: dict, min_visitors: int = WARMUP_MIN_VISITORS) -> Finding:
    """Whether a period's change is the rhythm of a campaign rather than an ordinary change.

    Rule ``traffic.campaign_phase``: no campaign phase in the period or the previous one ->
    "ordinary". Warm-up (预热) days in the period whose conversion is below the other days'
    while their add-to-cart rate is above it -> "warmup": buyers add to cart and wait for the
    event price, so the conversion drop is the warm-up, not price, stock or the detail page.
    Any other overlap -> "campaign" (the comparison mixes campaign and ordinary days). Fewer
    than ``min_visitors`` warm-up visitors: the pattern is not read ("campaign").

    Parameters
    ----------
    phases, previous : :func:`helpers.core.calendar.campaign_phases` of the period and of the
        previous period.
    warm, before, prev : visitors, conversion and cart_rate (fractions) of the warm-up days,
        of the days they are set against, and of the whole previous period.
    spans : warmup_span and before_span, (first, last) of the warm-up days and of the days set
        against them, and compare_with ("period" or "previous").

    Returns
    -------
    Finding with subject the campaign names, evidence: phases and previous_phases (records
    of name, phase, first, last, days), the rates, spans.
    """
    def records(frame):
        return [{k: r[k] for k in ("name", "phase", "first", "last", "days")} for _, r in frame.iterrows()]

    names = list(dict.fromkeys([*phases["name"], *previous["name"]]))
    evidence = {"phases": records(phases), "previous_phases": records(previous), "warmup": warm, "before": before,
                "previous": prev, **spans}
    if not names:
        return Finding("traffic.campaign_phase", "", "ordinary", evidence)
    subject = "、".join(names)
    if ((phases["phase"] == "warmup").any() and warm["visitors"] >= min_visitors
            and warm["conversion"] < before["conversion"] and warm["cart_rate"] > before["cart_rate"]):
        return Finding("traffic.campaign_phase", subject, "warmup", evidence)
    return Finding("traffic.campaign_phase", subject, "campaign", evidence)


def anomaly_hint(row: pd.Series) -> str:
    """Likely cause of an anomaly cell: one of :data:`HINTS`.

    ``row`` is a cell of :func:`helpers.areas.traffic.anomalies.detect_anomalies` (metric,
    z, bounce_rate, baseline_bounce_rate). Bots: visitors up with the bounce rate at least
    :data:`BOT_BOUNCE_JUMP` above its baseline (one-page visits that never buy).
    """
    up = row["z"] > 0
    if row["metric"] == "visitors":
        if up and row["bounce_rate"] >= row["baseline_bounce_rate"] + BOT_BOUNCE_JUMP:
            return "bots"
        return "traffic_spike" if up else "traffic_drop"
    if row["metric"] == "conversion_rate":
        return "conversion_spike" if up else "conversion_drop"
    return "uv_spike" if up else "uv_drop"


def hint_text(hint: str, lang: str) -> str:
    """What to check for an anomaly's likely cause (the label ``hint_<hint>``)."""
    return label(f"hint_{hint}", lang)
