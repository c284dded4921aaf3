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
- ``campaigns.threshold``: ``works`` (bunching found), ``too_low`` (most ordinary orders
  reach it anyway), ``too_high``.
- ``campaigns.discount``: ``bigger_baskets`` / ``no_bigger_baskets``.
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
from helpers.core.findings import Finding, not_enough_data

REAL_PROBABILITY = 0.95  # below: the event's lift may be ordinary noise
CLEAR_PROBABILITY = 0.9  # a dip, a pull-forward or the event's lift is clear from here
PROFIT_SURE = 0.8  # probability of a profit from which the campaign made money (and is worth repeating)
PROFIT_UNSURE = 0.2  # ... and below which it lost money
LOSS_PROBABILITY = 0.5  # a loss is advice to cut when a profit is less likely than this
PULL_FORWARD_SHARE = 0.25  # share of the gain taken from the days around the event worth acting on
REFUND_MULTIPLE = 1.3  # campaign lines refunded this many times the usual rate
TOO_LOW_REACH = 0.7  # share of ordinary orders already over a threshold that makes it too low
NEW_THRESHOLD_MULTIPLE = 1.2  # a threshold set this many times the usual basket
BIGGER_BASKET = 0.1  # rise in units per order that shows the discount bought bigger baskets
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
    when the phase has no day in the data."""
    if phase not in pull.index:
        return None
    e, rel, p = pull.loc[phase, "effect"], pull.loc[phase, "relative"], pull.loc[phase, "p_real"]
    dip = e < 0 and p >= CLEAR_PROBABILITY
    return Finding("campaigns.dip", campaign_id, "dip" if dip else "no_dip",
                   {"phase": phase, "effect": e, "relative": rel, "p_real": p}, p)


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
    if b["detected"]:
        verdict = "works"
    elif reach0 >= TOO_LOW_REACH:
        verdict = "too_low"
    else:
        verdict = "too_high"
    return Finding("campaigns.threshold", c.campaign_id, verdict,
                   {"threshold": c.threshold, "ratio": b["ratio"], "z": b["z"], "detected": bool(b["detected"]),
                    "usual_reach": reach0, "event_reach": mech.table.loc["reach_share", "event"],
                    "most_reach_anyway": bool(reach0 >= TOO_LOW_REACH), "usual_list_per_order": usual,
                    "threshold_vs_usual": safe_div(c.threshold, usual),
                    "suggested_threshold": NEW_THRESHOLD_MULTIPLE * usual})


def judge_discount(mech: Mechanics) -> Finding | None:
    """Did the discount buy bigger baskets (units per order up by > :data:`BIGGER_BASKET`)?
    None without an effective discount."""
    if pd.isna(mech.effective_discount):
        return None
    u = mech.table.loc["units_per_order", "change"]
    return Finding("campaigns.discount", mech.campaign.campaign_id,
                   "bigger_baskets" if u > BIGGER_BASKET else "no_bigger_baskets",
                   {"effective_discount": mech.effective_discount, "units_per_order_change": u})


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
                   mech: Mechanics, stockouts: pd.DataFrame, hourly: pd.DataFrame) -> list[Finding]:
    """What to change next time: one finding per point, each from the figures of the report.

    Rule ``campaigns.next`` with verdicts, in this order: ``keep_clean_weeks`` (no
    estimate), ``check_tagging`` (no order used the campaign), then one of ``not_worth_it``
    (no clear lift), ``cut_costs`` (a likely loss), ``repeat`` (a sure profit),
    ``test_smaller`` (an uncertain one); ``shorten_warmup`` (pull-forward),
    ``warmup_dip``, ``fewer_refunds``, the threshold's ``keep_threshold`` /
    ``raise_threshold`` / ``threshold_too_high`` or the discount's ``keep_discount`` /
    ``narrow_discount``, ``stock_up``, ``staff_midnight``, ``cap_bids``; ``keep_approach``
    when nothing stands out.
    """
    cid = impact.campaign.campaign_id
    tips: list[Finding] = []

    def tip(verdict: str, **evidence) -> None:
        tips.append(Finding("campaigns.next", cid, verdict, evidence))

    if not impact.ok:
        tip("keep_clean_weeks")
    p, pp = profit.value("profit"), profit.p_profit
    used = mech.table.loc["campaign_order_share", "event"] if "campaign_order_share" in mech.table.index else np.nan
    if impact.ok and used == 0:
        tip("check_tagging")
    lift = judge_event_lift(impact)
    if impact.ok and lift.verdict == "no_clear_lift":
        tip("not_worth_it", p_real=lift.evidence["p_real"])
    elif pd.notna(p):
        if p < 0 and pp < LOSS_PROBABILITY:
            tip("cut_costs", loss=-p, breakeven_sales=profit.breakeven_sales)
        elif pp >= PROFIT_SURE:
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
        if pd.notna(ratio) and ratio >= REFUND_MULTIPLE:
            tip("fewer_refunds", times_usual=ratio)
    threshold = judge_threshold(mech)
    discount = judge_discount(mech)
    if threshold is not None:
        verdict = {"works": "keep_threshold", "too_low": "raise_threshold",
                   "too_high": "threshold_too_high"}[threshold.verdict]
        tip(verdict, **threshold.evidence)
    elif discount is not None:
        tip("keep_discount" if discount.verdict == "bigger_baskets" else "narrow_discount", **discount.evidence)
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
