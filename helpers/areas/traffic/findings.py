"""Traffic findings: the verdict on each ad plan and the likely cause of an anomaly.

The rules look at the calculated figures and return what they conclude as data (a
:class:`~helpers.core.findings.Finding`, or a hint key); :func:`describe_verdict` and
:func:`hint_text` word them per language.

Rules
-----
- Ad plan (``ads.plan``): spend without clicks -> cut; no break-even ROI (margin unknown
  or <= 0) -> optimise; ROI below break-even (1 / gross margin) -> cut, every yuan spent
  loses gross profit; ROI at least ``scale_factor`` x break-even -> scale; otherwise
  optimise. Fewer than ``min_orders`` attributed orders marks the verdict as one to
  confirm over a longer period. Channels paid by commission on sales (淘宝客, CPS) get
  advice about the commission instead of bids.
- Anomaly cause: visitors up with the bounce rate at least 15 points above its baseline
  -> bots (one-page visits that never buy); otherwise the direction of the metric that
  moved (traffic, conversion or UV value; drop or spike).
"""

from __future__ import annotations

import pandas as pd

from helpers.core.findings import Finding
from helpers.i18n import is_zh, label
from helpers.present.format import format_value

AFFILIATE_CHANNELS = ("淘宝客", "淘客", "CPS")  # paid by commission on sales, not per click
HINTS = ("bots", "traffic_drop", "traffic_spike", "conversion_drop", "conversion_spike", "uv_drop", "uv_spike")
BOT_BOUNCE_JUMP = 0.15  # bounce-rate rise over the baseline (points) that marks a visitor spike as bots


def is_commission_channel(channel: object) -> bool:
    """A channel paid by commission on sales (淘宝客, CPS), not per click."""
    return any(a in str(channel) for a in AFFILIATE_CHANNELS)


def classify_plan(row: pd.Series, breakeven: float, scale_factor: float = 1.5, min_orders: int = 10) -> Finding:
    """Verdict on one plan (or channel) of :func:`helpers.areas.traffic.ads.summarize_ads`.

    Parameters
    ----------
    row : the plan's figures: spend, clicks, roi (attributed amount / spend) and
        attributed_orders; its name is (channel, plan) or the channel.
    breakeven : break-even ROI = 1 / gross margin (NaN when the margin is unknown or <= 0).
    scale_factor : ROI from this multiple of the break-even ROI up is marked to scale.
    min_orders : below this many attributed orders the verdict needs a longer period.

    Returns
    -------
    Finding with rule "ads.plan", verdict "cut", "optimise" or "scale", and evidence:
    reason ("no_clicks", "no_breakeven", "no_spend", "below_breakeven",
    "above_breakeven" or "thin_margin"), few_orders (bool), roi, breakeven_roi,
    attributed_orders, spend, clicks.
    """
    name = row.name
    subject = " · ".join(map(str, name)) if isinstance(name, tuple) else str(name)
    evidence = {"roi": float(row["roi"]), "breakeven_roi": float(breakeven),
                "attributed_orders": float(row["attributed_orders"]), "spend": float(row["spend"]),
                "clicks": float(row["clicks"]), "few_orders": False}
    if row["spend"] > 0 and row["clicks"] == 0:
        return Finding("ads.plan", subject, "cut", {**evidence, "reason": "no_clicks"})
    if pd.isna(breakeven):
        verdict, reason = "optimise", "no_breakeven"
    elif pd.isna(row["roi"]):
        return Finding("ads.plan", subject, "optimise", {**evidence, "reason": "no_spend"})
    elif row["roi"] < breakeven:
        verdict, reason = "cut", "below_breakeven"
    elif row["roi"] >= scale_factor * breakeven:
        verdict, reason = "scale", "above_breakeven"
    else:
        verdict, reason = "optimise", "thin_margin"
    few = bool(row["attributed_orders"] < min_orders)
    return Finding("ads.plan", subject, verdict, {**evidence, "reason": reason, "few_orders": few})


def reason_code(finding: Finding) -> str:
    """The reason of a plan's finding as one code: ``"above_breakeven:few_orders"`` when the
    plan has too few orders, else the reason itself (the ``reason`` column of the ads table)."""
    reason = finding.evidence["reason"]
    return f"{reason}:few_orders" if finding.evidence["few_orders"] else reason


def describe_verdict(row: pd.Series, breakeven: float, lang: str) -> str:
    """The reason of a plan's verdict in words, with its numbers.

    ``row`` is a row of the ads table (its ``reason`` code, roi, cpc, max_cpc, spend,
    attributed_orders); a commission channel's reason is about its commission.
    """
    zh = is_zh(lang)

    def yuan(v):
        return format_value(v, "yuan", lang)

    def ratio(v):
        return format_value(v, "ratio", lang)

    reason, _, few = str(row["reason"]).partition(":")
    roi, be = ratio(row["roi"]), ratio(breakeven)
    cpc, max_cpc = yuan(row["cpc"]), yuan(row["max_cpc"])
    name = row.name[0] if isinstance(row.name, tuple) else row.name
    commission = is_commission_channel(name)
    if reason == "no_clicks":
        out = (f"花费 {yuan(row['spend'])} 却没有点击：检查计划设置、出价和定向" if zh else
               f"spent {yuan(row['spend'])} without a single click: check the plan's settings, bids and targeting")
    elif reason == "no_breakeven":
        out = "毛利率未知，无法判断是否保本" if zh else "gross margin unknown, break-even cannot be judged"
    elif reason == "no_spend":
        out = "没有花费" if zh else "no spend"
    elif reason == "below_breakeven" and commission:
        out = (f"ROI {roi} 低于保本 ROI {be}：佣金比例高于毛利所能承受，下调佣金或只推高毛利商品" if zh else
               f"ROI {roi} is below the break-even {be}: the commission is more than the margin allows; "
               "lower it or promote only high-margin products")
    elif reason == "below_breakeven":
        lost = yuan(100 * (1 - row["roi"] / breakeven))
        out = (f"ROI {roi} 低于保本 ROI {be}，每花 100 元亏 {lost} 毛利；点击花费 {cpc} 高于可承受的 {max_cpc}"
               if zh else
               f"ROI {roi} is below the break-even {be}: every ¥100 spent loses {lost} of gross profit; "
               f"CPC {cpc} is above the affordable {max_cpc}")
    elif reason == "above_breakeven" and commission:
        times = row["roi"] / breakeven
        out = (f"ROI {roi} 是保本 ROI {be} 的 {times:.1f} 倍：按成交付佣，可提高佣金或招募更多推广者" if zh else
               f"ROI {roi} is {times:.1f}x the break-even {be}: it pays a commission on sales, so raise the "
               "rate or recruit more promoters")
    elif reason == "above_breakeven":
        times = row["roi"] / breakeven
        out = (f"ROI {roi} 是保本 ROI {be} 的 {times:.1f} 倍：可加预算或提价，点击花费最高可到 {max_cpc}" if zh else
               f"ROI {roi} is {times:.1f}x the break-even {be}: room to raise budget or bids, up to a CPC "
               f"of {max_cpc}")
    elif reason == "thin_margin":
        out = (f"ROI {roi} 略高于保本 {be}：先优化关键词、人群和创意，压低点击花费（当前 {cpc}）" if zh else
               f"ROI {roi} is just above the break-even {be}: tune keywords, audiences and creatives and "
               f"bring the CPC ({cpc}) down before adding budget")
    else:
        raise ValueError(f"unknown plan reason {row['reason']!r}")
    if few:
        orders = row["attributed_orders"]
        out += (f"（仅 {orders:.0f} 笔成交，需更长周期确认）" if zh else
                f" (only {orders:.0f} orders: confirm over a longer period)")
    return out


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
