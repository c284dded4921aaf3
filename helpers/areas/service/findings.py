"""The rules that turn the after-sales figures into advice, as :class:`~helpers.core.findings.Finding`.

Each rule reads the frames of the calculation modules and says what it concludes about one
subject (a refund reason, a product, a warehouse, a DSR driver), with the numbers behind
it; :mod:`helpers.areas.service.sentences` writes them in the report's language. A verdict
that is advice names its label key (``refund_fix_*``), so the advice reads the same in
every report.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.core.findings import Finding, not_enough_data

#: What to do about a refund reason: the platform's reason text -> the label key of the advice.
REASON_ACTIONS: dict[str, str] = {
    "尺码不合适": "refund_fix_size_chart",
    "颜色与图片不符": "refund_fix_photos",
    "质量问题": "refund_fix_quality",
    "包装破损": "refund_fix_packing",
    "物流太慢": "refund_fix_shipping_speed",
    "发错货": "refund_fix_picking",
    "不想要了/七天无理由": "refund_fix_listing",
}
#: The advice for a reason the table does not know.
GENERIC_ACTION = "refund_fix_read_notes"


def refund_action(reason: Any) -> str:
    """The label key of what to do about refunds with this reason (:data:`REASON_ACTIONS`)."""
    return REASON_ACTIONS.get(str(reason), GENERIC_ACTION)


def costliest_reason(reasons: pd.DataFrame) -> Finding | None:
    """The refund reason with the largest refunded amount and what to do about it.

    ``reasons`` is :func:`helpers.areas.service.refunds.summarize_reasons` (sorted by amount).
    Verdict: the advice's label key. None without refunds.
    """
    if reasons.empty:
        return None
    reason = reasons.index[0]
    row = reasons.iloc[0]
    return Finding("service.costliest_reason", str(reason), refund_action(reason),
                   {"refund_amount": float(row["refund_amount"]), "share_of_refunds": float(row["share_of_refunds"])})


def abnormal_products(flags: pd.DataFrame, confidence: float = 0.95) -> list[Finding]:
    """One finding per product flagged by :func:`helpers.areas.service.flags.flag_products`.

    Verdict: the advice's label key for the product's main refund reason. Evidence: title,
    refund_rate_by_count, category_expected, excess_refunds, top_reason, top_reason_share.
    Confidence: the family-wise level of the joint test.
    """
    if flags.empty:
        return []
    found = []
    for pid, row in flags[flags["flagged"]].iterrows():
        evidence = {k: row[k] for k in ("title", "refund_rate_by_count", "category_expected", "excess_refunds",
                                        "top_reason", "top_reason_share")}
        found.append(Finding("service.abnormal_refunds", str(pid), refund_action(row["top_reason"]), evidence,
                             confidence))
    return found


def worse_review_products(summary: pd.Series, by_product: pd.DataFrame, confidence: float = 0.95) -> list[Finding]:
    """Products with enough reviews whose bad-review rate is clearly above the shop's.

    Clearly above: the lower end of the product's Wilson interval exceeds the shop's 差评率.
    Verdict "fix_bad_reviews"; evidence title, bad_rate, low, reviews. In the order of
    ``by_product`` (most bad reviews first).
    """
    if by_product.empty or not summary["reviews"]:
        return []
    enough = by_product[by_product["enough"]]
    worst = enough[enough["low"] > summary["bad_rate"]]
    return [Finding("service.bad_review_product", str(pid), "fix_bad_reviews",
                    {"title": row["title"], "bad_rate": row["bad_rate"], "low": row["low"],
                     "reviews": int(row["reviews"])}, confidence)
            for pid, row in worst.iterrows()]


def slowest_warehouse(by_warehouse: pd.DataFrame | None) -> Finding | None:
    """The warehouse with the lowest 及时发货率, against the best one (needs two warehouses).

    Verdict "add_staff_or_reroute"; evidence on_time_rate, best, best_on_time_rate.
    """
    if by_warehouse is None or len(by_warehouse) < 2:
        return None
    return Finding("service.slowest_warehouse", str(by_warehouse.index[0]), "add_staff_or_reroute",
                   {"on_time_rate": by_warehouse["on_time_rate"].iloc[0], "best": str(by_warehouse.index[-1]),
                    "best_on_time_rate": by_warehouse["on_time_rate"].iloc[-1]})


def slowest_carrier(by_carrier: pd.DataFrame | None) -> Finding | None:
    """The carrier with the longest median transit, against the fastest (needs two carriers).

    Verdict "slowest"; evidence median_transit_hours, fastest, fastest_transit_hours.
    """
    if by_carrier is None or len(by_carrier) < 2:
        return None
    slow = by_carrier.sort_values("median_transit_hours", ascending=False)
    fast = by_carrier.sort_values("median_transit_hours")
    return Finding("service.slowest_carrier", str(slow.index[0]), "slowest",
                   {"median_transit_hours": slow["median_transit_hours"].iloc[0], "fastest": str(fast.index[0]),
                    "fastest_transit_hours": fast["median_transit_hours"].iloc[0]})


def judge_late_shipping(effects: pd.DataFrame, confidence: float = 0.95) -> Finding:
    """Whether late parcels clearly cost refunds or bad reviews.

    Verdict "ship_on_time" when the stratified relative risk of a refund after shipping has
    its lower end above 1 or the risk difference of a bad review its lower end above 0;
    else "no_clear_link"; :data:`~helpers.core.findings.NOT_ENOUGH_DATA` without either
    outcome.
    """
    if effects.empty:
        return not_enough_data("service.late_shipping", "late_shipping")
    tests = (("refund_after_shipping", "rr_low", 1.0), ("bad_review", "rd_low", 0.0))
    evidence = {f"{i}_{col}": float(effects.loc[i, col]) for i, col, _ in tests if i in effects.index}
    significant = any(pd.notna(effects.loc[i, col]) and effects.loc[i, col] > threshold
                      for i, col, threshold in tests if i in effects.index)
    return Finding("service.late_shipping", "late_shipping", "ship_on_time" if significant else "no_clear_link",
                   evidence, confidence)


def judge_response_time(effect: pd.Series, confidence: float = 0.95) -> Finding:
    """Whether answering faster clearly converts more chats.

    Verdict "answer_faster" when the whole interval of the slope (log-odds per doubling of
    the wait) is below 0, else "no_clear_effect"; not enough data when there is no slope.
    """
    slope = effect.get("slope", float("nan"))
    if slope is None or pd.isna(slope):
        return not_enough_data("service.response_time", "first_response")
    evidence = {k: float(effect[k]) for k in ("slope", "slope_low", "slope_high", "odds_per_doubling")}
    verdict = "answer_faster" if effect["slope_high"] < 0 else "no_clear_effect"
    return Finding("service.response_time", "first_response", verdict, evidence, confidence)


def slowest_agent(by_agent: pd.DataFrame | None) -> Finding | None:
    """The agent with the longest median first response (needs two agents).

    Verdict "slowest"; evidence median_response (seconds), inquiry_conversion_rate.
    """
    if by_agent is None or len(by_agent) < 2:
        return None
    slow = by_agent.sort_values("median_response", ascending=False)
    return Finding("service.slowest_agent", str(slow.index[0]), "slowest",
                   {"median_response": slow["median_response"].iloc[0],
                    "inquiry_conversion_rate": slow["inquiry_conversion_rate"].iloc[0]})


def dsr_drags(drivers: pd.DataFrame, confidence: float = 0.95) -> list[Finding]:
    """The after-sales events that clearly pull a DSR score down, costliest first.

    Clearly: the whole interval of the driver's coefficient is below 0. Subject
    "<dsr_score>.<driver>"; verdict "drag"; evidence dsr_score, driver, coefficient, low,
    high, share_of_reviews, score_impact (points).
    """
    if drivers.empty:
        return []
    drags = drivers[drivers["high"] < 0].sort_values("score_impact")
    keys = ("dsr_score", "driver", "coefficient", "low", "high", "share_of_reviews", "score_impact")
    return [Finding("service.dsr_drag", f"{row['dsr_score']}.{row['driver']}", "drag",
                    {k: row[k] for k in keys}, confidence)
            for _, row in drags.iterrows()]


def below_peer(summary: pd.DataFrame) -> list[Finding]:
    """The DSR scores that end the period below the peer tier's average (gap < 0, points)."""
    return [Finding("service.dsr_below_peer", str(key), "below_peer", {"gap": float(row["gap"])})
            for key, row in summary.iterrows() if pd.notna(row["gap"]) and row["gap"] < 0]

