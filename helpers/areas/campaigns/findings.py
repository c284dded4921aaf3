"""The rules that turn a postmortem's figures into verdicts and advice, as findings.

Each rule returns a :class:`~helpers.core.findings.Finding` (rule ``campaigns.<name>``, the
campaign id as subject, a verdict and the figures behind it); the sentences of
:mod:`helpers.areas.campaigns.sentences` word them per language. Thresholds are the named
constants below, so a rule can be changed (and tested) in one place.

Verdicts
--------
- ``campaigns.uplift``: ``real`` when the event's effect is real with probability >=
  :data:`REAL_PROBABILITY`, else ``maybe_noise``.
- ``campaigns.event_lift``: ``clear_lift`` / ``no_clear_lift`` at :data:`CLEAR_PROBABILITY`
  (the bar for advice and for crediting the days around the event).
- ``campaigns.dip``: a phase (warm-up, post) ``dip`` when it lost sales with probability >=
  :data:`CLEAR_PROBABILITY`, else ``no_dip``.
- ``campaigns.pull_forward``: ``pulled`` or ``unclear`` (the share's probability).
- ``campaigns.profit``: ``break_even`` when the probability of a profit is between
  :data:`PROFIT_UNSURE` and :data:`PROFIT_SURE`, else ``made_money`` / ``lost_money``.
- ``campaigns.threshold`` (满减 and other thresholds, judged on reach): ``works`` (bunching
  found), ``too_low`` (most ordinary orders reach it anyway), ``too_high``; with the share
  of the event's orders that met the condition. Below :data:`MIN_ORDERS` orders in the
  test bands of either period: ``not_enough_data``.
- ``campaigns.bogo`` (买一送一, judged on paid amount and margin per order):
  ``earns_less_per_order`` / ``earns_more_per_order`` when the margin per order (the paid
  amount without unit costs) moved beyond its interval, else ``no_clear_change``.
- ``campaigns.time_discount`` (限时折扣, judged on velocity and margin, never on basket
  size): ``not_faster`` (velocity's interval reaches 1), else ``faster_more_profit`` /
  ``faster_less_profit`` by gross profit per day. Below :data:`MIN_UNITS` baseline units:
  ``not_enough_data``.
- ``campaigns.repeat_buyers``: ``come_back_less`` / ``no_difference``.
- :func:`recommend_next`: what to change next time, one finding per point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.areas.campaigns.mechanics import Mechanics
from helpers.areas.campaigns.model import safe_div
from helpers.areas.campaigns.profit import Profit
from helpers.areas.campaigns.uplift import Impact
from helpers.core.findings import NOT_ENOUGH_DATA, Finding, not_enough_data

REAL_PROBABILITY = 0.95  # below: the event's lift may be ordinary noise
CLEAR_PROBABILITY = 0.9  # a dip, a pull-forward or the event's lift is clear from here
PROFIT_SURE = 0.8  # probability of a profit from which the campaign made money (and is worth repeating)
PROFIT_UNSURE = 0.2  # ... and below which it lost money
PULL_FORWARD_SHARE = 0.25  # share of the gain taken from the days around the event worth acting on
REFUND_MULTIPLE = 1.3  # campaign lines refunded this many times the usual rate
TOO_LOW_REACH = 0.7  # share of ordinary orders already over a threshold that makes it too low
NEW_THRESHOLD_MULTIPLE = 1.2  # a threshold set this many times the usual basket
MIN_ORDERS = 30  # orders per period (in a threshold's test bands) below which a mechanic is not judged
MIN_UNITS = 30  # baseline units of a 限时折扣's products below which its velocity is not judged
MIN_REFUND_LINES = 30  # campaign lines below which their refund rate gives no advice
MIDNIGHT_SHARE = 0.15  # share of the peak day's sales in the 00:00 hour worth staffing for
AD_SHARE_OF_GAIN = 0.3  # extra ad spend above this share of the extra gross profit is too much


def judge_uplift(impact: Impact) -> Finding:
    """Is the event's lift real (probability >= :data:`REAL_PROBABILITY`) or maybe noise?"""
    cid = impact.campaign.campaign_id
    if not impact.ok:
        return not_enough_data("campaigns.uplift", cid)
    p = impact.value("event", "p_real")
    return Finding("campaigns.uplift", cid, "real" if p >= REAL_PROBABILITY else "maybe_noise",
                   {"p_real": p, "effect": impact.value("event", "effect")}, p)


def judge_event_lift(impact: Impact) -> Finding:
    """Did the event lift sales clearly (probability >= :data:`CLEAR_PROBABILITY`)?"""
    cid = impact.campaign.campaign_id
    if not impact.ok:
        return not_enough_data("campaigns.event_lift", cid)
    p = impact.value("event", "p_real")
    return Finding("campaigns.event_lift", cid, "no_clear_lift" if p < CLEAR_PROBABILITY else "clear_lift",
                   {"p_real": p}, p)


def judge_dip(pull: pd.DataFrame, phase: str, campaign_id: str) -> Finding | None:
    """Did ``phase`` (warmup or post) sell clearly less than without the campaign? None
    when the phase has no day in the data. The post-period is read on its ``post_dip`` row
    (the leading days the dip lasts, its probability corrected for choosing them; see
    :func:`~helpers.areas.campaigns.uplift.find_post_dip`) when there is one."""
    if phase not in pull.index:
        return None
    row = pull.loc["post_dip" if phase == "post" and "post_dip" in pull.index else phase]
    e, rel, p = row["effect"], row["relative"], row["p_real"]
    days = row["days"] if "days" in row.index else float("nan")
    dip = e < 0 and p >= CLEAR_PROBABILITY
    return Finding("campaigns.dip", campaign_id, "dip" if dip else "no_dip",
                   {"phase": phase, "effect": e, "relative": rel, "low": row.get("relative_low", np.nan),
                    "high": row.get("relative_high", np.nan), "days": days, "p_real": p}, p)


def judge_pull_forward(pull: pd.DataFrame, campaign_id: str) -> Finding:
    """Was part of the event's gain taken from the days around it?"""
    share = pull.loc["pull_forward_share"]
    evidence = {"share": share["effect"], "low": share["effect_low"], "high": share["effect_high"],
                "p_real": share["p_real"]}
    if pd.isna(share["effect"]):
        return not_enough_data("campaigns.pull_forward", campaign_id, **evidence)
    verdict = "unclear" if share["p_real"] < CLEAR_PROBABILITY else "pulled"
    return Finding("campaigns.pull_forward", campaign_id, verdict, evidence, share["p_real"])


def judge_profit(profit: Profit, campaign_id: str) -> Finding:
    """Did the campaign make money, lose money or roughly break even?"""
    p = profit.value("profit")
    evidence = {"profit": p, "low": profit.value("profit", "low"), "high": profit.value("profit", "high"),
                "p_profit": profit.p_profit, "roi": profit.roi, "breakeven_sales": profit.breakeven_sales}
    if pd.isna(p):
        return not_enough_data("campaigns.profit", campaign_id, **evidence)
    if PROFIT_UNSURE < profit.p_profit < PROFIT_SURE:
        verdict = "break_even"
    else:
        verdict = "made_money" if p > 0 else "lost_money"
    return Finding("campaigns.profit", campaign_id, verdict, evidence, profit.p_profit)


def judge_threshold(mech: Mechanics) -> Finding | None:
    """Did the threshold make buyers top up (凑单)? None without a threshold test."""
    if mech.bunching is None:
        return None
    c, b = mech.campaign, mech.bunching
    reach0 = mech.table.loc["reach_share", "baseline"]
    usual = mech.table.loc["list_per_order", "baseline"]
    t = mech.table
    counts = {p: b[f"{p}_orders"] * (b[f"{p}_above_share"] + b[f"{p}_below_share"])
              for p in ("baseline", "event") if f"{p}_orders" in b}
    reach = {"threshold": c.threshold, "event_reach": t.loc["reach_share", "event"],
             "event_band": t.loc["band_share", "event"], "event_below": t.loc["below_share", "event"],
             "usual_reach": reach0, "usual_band": t.loc["band_share", "baseline"],
             "tagged_share": t.loc["campaign_order_share", "event"] if "campaign_order_share" in t.index else np.nan}
    band_orders = min(counts.values()) if counts else 0.0
    if band_orders < MIN_ORDERS:
        return not_enough_data("campaigns.threshold", c.campaign_id, **reach, band_orders=band_orders,
                               needed=MIN_ORDERS)
    if b["detected"]:
        verdict = "works"
    elif reach0 >= TOO_LOW_REACH:
        verdict = "too_low"
    else:
        verdict = "too_high"
    return Finding("campaigns.threshold", c.campaign_id, verdict,
                   {**reach, "ratio": b["ratio"], "z": b["z"], "detected": bool(b["detected"]),
                    "band_orders": band_orders, "most_reach_anyway": bool(reach0 >= TOO_LOW_REACH), "usual_list_per_order": usual,
                    "threshold_vs_usual": safe_div(c.threshold, usual),
                    "suggested_threshold": NEW_THRESHOLD_MULTIPLE * usual})


def judge_bogo(mech: Mechanics) -> Finding | None:
    """买一送一 on what it is for: did each order bring in more or less money? None for another
    mechanic.

    The margin per order (paid - goods cost - platform costs, the free unit's cost included)
    decides when the products have unit costs, else the paid amount per order; a change
    counts when its Welch interval excludes 0. Units per order are no evidence: the extra
    units are the free ones. Below :data:`MIN_ORDERS` orders in either period:
    ``not_enough_data``.
    """
    if mech.campaign.mechanic != "bogo":
        return None
    t, po = mech.table, mech.per_order
    evidence = {"paid_per_order": t.loc["amount_per_order", "baseline"],
                "event_paid_per_order": t.loc["amount_per_order", "event"],
                "margin_per_order": t.loc["margin_per_order", "baseline"],
                "event_margin_per_order": t.loc["margin_per_order", "event"],
                "units_per_order_change": t.loc["units_per_order", "change"], **po}
    orders = min(v["orders"] for v in mech.orders.values()) if mech.orders else 0.0
    cid = mech.campaign.campaign_id
    if orders < MIN_ORDERS:
        return not_enough_data("campaigns.bogo", cid, **evidence, orders=orders, needed=MIN_ORDERS)
    key = "margin_per_order" if pd.notna(po.get("margin_per_order_diff")) else "amount_per_order"
    lo, hi = po.get(f"{key}_low", np.nan), po.get(f"{key}_high", np.nan)
    verdict = ("earns_less_per_order" if hi < 0 else "earns_more_per_order" if lo > 0 else "no_clear_change")
    return Finding("campaigns.bogo", cid, verdict, {**evidence, "judged_on": key, "orders": orders})


def judge_time_discount(mech: Mechanics) -> Finding | None:
    """限时折扣 on what it is for: did the discounted products sell faster, and at what margin?
    None for another mechanic.

    ``not_faster`` when the velocity ratio's interval reaches 1; otherwise
    ``faster_more_profit`` or ``faster_less_profit`` by gross profit per day of the same
    products against the baseline. Basket size is no evidence here. Below :data:`MIN_UNITS`
    baseline units (or no product in the campaign): ``not_enough_data``.
    """
    v = mech.velocity
    if mech.campaign.mechanic != "time_discount" or v is None:
        return None
    cid = mech.campaign.campaign_id
    evidence = {"effective_discount": mech.effective_discount, **v}
    if not v["baseline_units"] >= MIN_UNITS or pd.isna(v["velocity_low"]):
        return not_enough_data("campaigns.time_discount", cid, **evidence, needed=MIN_UNITS)
    if v["velocity_low"] <= 1:
        verdict = "not_faster"
    elif v["event_profit_per_day"] > v["baseline_profit_per_day"]:
        verdict = "faster_more_profit"
    else:
        verdict = "faster_less_profit"
    return Finding("campaigns.time_discount", cid, verdict, evidence)


def judge_repeat_buyers(buyers: pd.DataFrame, campaign_id: str) -> Finding:
    """Do the campaign's new buyers come back less than ordinary new buyers (the event's
    interval wholly below the baseline's)?"""
    if "event" not in buyers.index:
        return not_enough_data("campaigns.repeat_buyers", campaign_id)
    b, e = buyers.loc["baseline"], buyers.loc["event"]
    evidence = {"event_rate": e["repeat_rate"], "baseline_rate": b["repeat_rate"]}
    if pd.isna(e["repeat_rate"]) or pd.isna(b["repeat_rate"]):
        return not_enough_data("campaigns.repeat_buyers", campaign_id, **evidence)
    worse = e["repeat_high"] < b["repeat_low"]
    return Finding("campaigns.repeat_buyers", campaign_id, "come_back_less" if worse else "no_difference",
                   evidence)


def recommend_next(impact: Impact, pull: pd.DataFrame, refunds: pd.DataFrame, profit: Profit,
                   mech: Mechanics, stockouts: pd.DataFrame, hourly: pd.DataFrame,
                   models: Finding | None = None) -> list[Finding]:
    """What to change next time: one finding per point, each from the figures of the report.

    Rule ``campaigns.next`` with verdicts, in this order: ``keep_clean_weeks`` (no
    estimate), ``models_disagree`` (``models``, a :func:`~helpers.areas.campaigns.agreement.judge_models`
    finding, says the two models' intervals are apart: the profit advice below rests on one
    model), ``check_tagging`` (no order used the campaign), then one of ``not_worth_it``
    (no clear lift), ``cut_costs`` / ``repeat`` / ``test_smaller`` as :func:`judge_profit` reads the
    profit (lost money / made money / roughly broke even); ``shorten_warmup`` (pull-forward),
    ``warmup_dip``, ``fewer_refunds`` (from :data:`MIN_REFUND_LINES` campaign lines), the
    mechanic's point: the threshold's ``keep_threshold`` / ``raise_threshold`` /
    ``threshold_too_high``, 买一送一's ``rethink_bogo`` / ``keep_bogo``, 限时折扣's
    ``keep_flash`` / ``flash_costs_margin`` / ``flash_not_faster``, or ``mechanic_too_few``
    (the rule's minimum sample not reached); ``stock_up``, ``staff_midnight``, ``cap_bids``;
    ``keep_approach`` when nothing stands out.
    """
    cid = impact.campaign.campaign_id
    tips: list[Finding] = []

    def tip(verdict: str, **evidence) -> None:
        tips.append(Finding("campaigns.next", cid, verdict, evidence))

    if not impact.ok:
        tip("keep_clean_weeks")
    disagree = models is not None and models.verdict == "disagree"
    if disagree:
        tip("models_disagree", **models.evidence)
    p, pp = profit.value("profit"), profit.p_profit
    used = mech.table.loc["campaign_order_share", "event"] if "campaign_order_share" in mech.table.index else np.nan
    if impact.ok and used == 0:
        tip("check_tagging")
    lift = judge_event_lift(impact)
    if impact.ok and lift.verdict == "no_clear_lift":
        tip("not_worth_it", p_real=lift.evidence["p_real"])
    elif pd.notna(p) and not disagree:  # a profit verdict would be one model's answer
        # the advice follows the profit verdict the report states (judge_profit): a campaign
        # that "roughly broke even" is never told it lost money, whatever the point's sign
        earned = judge_profit(profit, cid).verdict
        if earned == "lost_money":
            tip("cut_costs", loss=-p, breakeven_sales=profit.breakeven_sales)
        elif earned == "made_money":
            tip("repeat", profit=p, roi=profit.roi)
        else:
            tip("test_smaller", p_profit=pp)
    if "pull_forward_share" in pull.index:
        share = judge_pull_forward(pull, cid)
        if share.verdict == "pulled" and share.evidence["share"] >= PULL_FORWARD_SHARE:
            tip("shorten_warmup", share=share.evidence["share"])
    warmup = judge_dip(pull, "warmup", cid)
    if warmup is not None and warmup.verdict == "dip":
        tip("warmup_dip", loss=-warmup.evidence["effect"])
    if not refunds.empty and "campaign_lines" in refunds.index:
        ratio = refunds.loc["campaign_lines", "vs_normal"]
        lines = refunds.loc["campaign_lines", "lines"] if "lines" in refunds.columns else np.nan
        if pd.notna(ratio) and ratio >= REFUND_MULTIPLE and lines >= MIN_REFUND_LINES:
            tip("fewer_refunds", times_usual=ratio)
    point = judge_threshold(mech) or judge_bogo(mech) or judge_time_discount(mech)
    if point is not None:
        verdict = {"works": "keep_threshold", "too_low": "raise_threshold", "too_high": "threshold_too_high",
                   "earns_less_per_order": "rethink_bogo", "earns_more_per_order": "keep_bogo",
                   "faster_more_profit": "keep_flash", "faster_less_profit": "flash_costs_margin",
                   "not_faster": "flash_not_faster", NOT_ENOUGH_DATA: "mechanic_too_few"}.get(point.verdict)
        if verdict is not None:
            tip(verdict, rule=point.rule, **point.evidence)
    if not stockouts.empty:
        tip("stock_up", products=len(stockouts))
    if not hourly.empty and hourly["peak_sales"].sum() > 0 and hourly.loc[0, "peak_share"] >= MIDNIGHT_SHARE:
        tip("staff_midnight", share=hourly.loc[0, "peak_share"])
    ads = profit.value("extra_ad_spend")
    gp = profit.value("incremental_gross_profit")
    if pd.notna(ads) and pd.notna(gp) and gp > 0 and ads > AD_SHARE_OF_GAIN * gp:
        tip("cap_bids", extra_ad_spend=ads, share_of_gain=ads / gp)
    if not tips:
        tip("keep_approach")
    return tips
