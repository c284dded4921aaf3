"""Rules that turn the customer figures into advice: whom to recall and how, whether the
lifetime model's predictions can be trusted, whether two acquisition groups really differ.

Each rule returns data (a frame of keys, a :class:`helpers.core.findings.Finding`); the
sentences are :mod:`.sentences`'. The recall list's actions and reasons are keys whose
names are the labels ``action_<key>`` and ``recall_reason_<key>``.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.customers.lifetime import Holdout, ShortHistory, check_holdout
from helpers.areas.customers.models import why_not_converged
from helpers.areas.customers.repurchase import OTHER
from helpers.core.findings import NOT_ENOUGH_DATA, Finding, not_enough_data

if TYPE_CHECKING:
    from helpers.areas.customers.lifetime import Lifetime
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

#: Suggested actions of the recall list, in the order reports list them.
ACTIONS = ("vip_care", "remind", "save", "winback")
#: Why a customer is on the recall list.
REASONS = ("overdue", "falling")
#: P(alive) below which a customer gets a churn alert (save), and below which a win-back.
SAVE_BELOW, WINBACK_BELOW = 0.5, 0.2
#: The hold-out error (relative, either way) within which predictions are good for budgets.
HOLDOUT_TOLERANCE = 0.10
#: P(alive) under which a customer is not worth a contact: almost surely gone.
MIN_P_ALIVE = 0.1
#: Assumed share of a customer's expected value that a contact adds (an assumption until the
#: hold-out group measures it).
RESPONSE_UPLIFT = 0.05
#: Cost of one contact, yuan (an SMS; a coupon costs its expected redemption).
CONTACT_COST = 0.05
#: Share of the listed customers held out (not contacted) to measure the recall's effect.
HOLDOUT_SHARE = 0.1


def holdout_draw(ids) -> np.ndarray:
    """A stable uniform number in [0, 1) per customer id: the first 8 bytes of SHA-256(id) / 2^64.

    The same id always gets the same number, in every run and on every machine, so a customer
    stays in (or out of) the hold-out group as long as they are on the list.
    """
    return np.array([int.from_bytes(hashlib.sha256(str(v).encode("utf-8")).digest()[:8], "big") / 2.0**64
                     for v in ids], dtype=float)


def build_recall_list(rfm: pd.DataFrame, lifetime: Lifetime, summary: pd.DataFrame,
                      overdue_factor: float = 1.5, falling_by: float = 0.1, min_p_alive: float = MIN_P_ALIVE,
                      response_uplift: float = RESPONSE_UPLIFT, contact_cost: float = CONTACT_COST,
                      holdout_share: float = HOLDOUT_SHARE) -> pd.DataFrame:
    """Valuable customers slipping away, with their value and a suggested action.

    A customer is on the list when they are valuable, i.e. in an "important" RFM segment
    (M high), have a rhythm of their own (at least one repeat purchase in their history),
    and either

    - overdue: days since their last purchase > ``overdue_factor`` x their own mean gap
      between purchases (usual gap = t_x / x days), or
    - falling: their BG/NBD probability of being active fell by at least ``falling_by``
      over the last 30 days.

    One-time buyers are not on the list: they have no rhythm to be late against, and
    BG/NBD gives them P(alive) = 1 (they are the 重要发展/重要挽留 segments of RFM).
    Suggested action: VIP care for 重要价值 customers with P(alive) >= 0.5; a repurchase
    reminder when P(alive) >= 0.5; a churn alert when 0.2 <= P(alive) < 0.5; a low-cost
    win-back below 0.2. Sorted by sales in the period, largest first.

    A contact must pay: customers with P(alive) < ``min_p_alive`` are left out (almost surely
    gone), and so is anyone whose expected return of a contact, expected_value (yuan over the
    lifetime horizon) x ``response_uplift``, is not above ``contact_cost`` (yuan). A share
    ``holdout_share`` of the list, drawn by :func:`holdout_draw` from the customer id (stable
    across runs), is marked ``recall_holdout``: not to be contacted, so that the recall's
    effect can be measured afterwards (contacted against held-out customers). The
    parameters and how many customers each guard left out are in the frame's ``attrs``.

    Returns
    -------
    Frame indexed by customer_id with segment, sales (yuan), purchases, last_purchase,
    days_since_last, usual_gap_days, overdue_days = days_since_last - overdue_factor x
    usual_gap_days (0 when not overdue), p_alive, p_alive_change (over 30 days),
    expected_purchases, expected_value (yuan), why_listed and action (keys of :data:`REASONS`,
    :data:`ACTIONS`), recall_expected_return, recall_contact_cost (yuan) and recall_holdout
    (True: do not contact).
    """
    if overdue_factor <= 0:
        raise ValueError(f"overdue_factor={overdue_factor} must be > 0")
    for name, value in (("min_p_alive", min_p_alive), ("response_uplift", response_uplift),
                        ("holdout_share", holdout_share)):
        if not 0 <= value <= 1:
            raise ValueError(f"parameter recall {name}={value!r} must be a fraction from 0 to 1")
    if not contact_cost >= 0:
        raise ValueError(f"parameter recall contact_cost={contact_cost!r} must be yuan >= 0")
    # only the columns read, only for the candidates: a full reindex copies every column of
    # every customer (20 million at 50 million lines)
    repeat = summary["x"].reindex(rfm.index).to_numpy() > 0
    candidates = rfm[rfm["m_high"].to_numpy() & repeat]
    s = summary[["x", "t_x", "period_last_date"]].reindex(candidates.index)
    life = lifetime.scores[["p_alive", "p_alive_before", "expected_purchases", "expected_value"]].reindex(
        candidates.index)
    usual = s["t_x"].to_numpy(dtype=float) / s["x"].to_numpy(dtype=float)
    since = candidates["recency_days"].to_numpy(dtype=float)
    overdue_days = since - overdue_factor * usual
    overdue = overdue_days > 0
    change = (life["p_alive"] - life["p_alive_before"]).to_numpy(dtype=float)
    falling = np.nan_to_num(change, nan=0.0) <= -falling_by
    keep = overdue | falling
    out = pd.DataFrame({
        "segment": candidates["segment"],
        "sales": candidates["monetary"],
        "purchases": candidates["frequency"],
        "last_purchase": s["period_last_date"],
        "days_since_last": since,
        "usual_gap_days": usual,
        "overdue_days": np.where(overdue, overdue_days, 0.0),
        "p_alive": life["p_alive"],
        "p_alive_change": change,
        "expected_purchases": life["expected_purchases"],
        "expected_value": life["expected_value"],
    }, index=candidates.index)[keep]
    out["why_listed"] = np.where(overdue[keep], "overdue", "falling")
    alive = out["p_alive"].to_numpy()
    out["action"] = np.select([alive < WINBACK_BELOW, alive < SAVE_BELOW, out["segment"].eq("important_value").to_numpy()],
                              ["winback", "save", "vip_care"], "remind")
    out["recall_expected_return"] = out["expected_value"].to_numpy(dtype=float) * response_uplift
    out["recall_contact_cost"] = float(contact_cost)
    alive_enough = out["p_alive"].to_numpy(dtype=float) >= min_p_alive
    pays = out["recall_expected_return"].to_numpy(dtype=float) > contact_cost
    below_floor, below_cost = int((~alive_enough).sum()), int((alive_enough & ~pays).sum())
    out = out[alive_enough & pays]
    out["recall_holdout"] = holdout_draw(out.index) < holdout_share
    out = out.sort_values(["sales", "p_alive"], ascending=[False, True], kind="stable")
    out.attrs.update(min_p_alive=min_p_alive, response_uplift=response_uplift, contact_cost=float(contact_cost),
                     holdout_share=holdout_share, below_floor=below_floor, below_cost=below_cost)
    return out


def judge_holdout(check: Holdout, tolerance: float = HOLDOUT_TOLERANCE) -> Finding:
    """Whether the lifetime model's predictions can be trusted, from the shop's own hold-out.

    Verdict "trust" when the total of repeat purchases predicted for the hold-out is within
    ``tolerance`` of what customers did, |predicted - actual| / actual <= tolerance (good
    for budgets and stock); otherwise "rank_only" (use the predictions to rank customers).
    A fit that did not converge gives no verdict: "not enough data", with evidence
    calibration_end, holdout_days and not_converged (a key of
    :func:`.models.why_not_converged`).

    Returns
    -------
    Finding with evidence predicted, actual (repeat purchases), error (relative),
    calibration_end, holdout_days and, where Gamma-Gamma could be checked,
    spend_predicted and spend_actual (yuan per purchase).
    """
    if not check.fit.converged:
        return not_enough_data("customers.holdout", "bgnbd", calibration_end=check.calibration_end,
                               holdout_days=check.holdout_days, not_converged=why_not_converged(check.fit))
    agg = check.aggregate
    predicted, actual, error = (float(v) for v in agg.loc["repeat_purchases", ["predicted", "actual", "error"]])
    evidence = {"predicted": predicted, "actual": actual, "error": error,
                "calibration_end": check.calibration_end, "holdout_days": check.holdout_days}
    if "spend_per_purchase" in agg.index:
        evidence["spend_predicted"] = float(agg.loc["spend_per_purchase", "predicted"])
        evidence["spend_actual"] = float(agg.loc["spend_per_purchase", "actual"])
    good = bool(np.isfinite(error) and abs(error) <= tolerance)
    return Finding("customers.holdout", "bgnbd", "trust" if good else "rank_only", evidence)


def compare_groups(table: pd.DataFrame, subject: str, confidence: float = 0.95) -> Finding:
    """The groups of a :func:`.repurchase.repurchase_by` table with the highest and the lowest
    rate, and whether they really differ.

    Verdict "differ" when the best group's interval lies wholly above the worst's (low of the
    best > high of the worst), else "may_be_chance"; not enough data with fewer than two
    groups of customers (the pooled row left out).

    Returns
    -------
    Finding about ``subject`` (e.g. "first_source") with evidence best, worst (group names),
    and their rate, customers, low and high.
    """
    rows = table.drop(index=OTHER, errors="ignore")
    rows = rows[rows["customers"] > 0]
    if len(rows) < 2:
        return not_enough_data("customers.repurchase_by", subject, groups=len(rows))
    best, worst = rows["rate"].idxmax(), rows["rate"].idxmin()
    evidence = {"best": best, "worst": worst}
    for name, key in (("best", best), ("worst", worst)):
        for col in ("rate", "customers", "low", "high"):
            evidence[f"{name}_{col}"] = rows.loc[key, col].item()
    verdict = "differ" if evidence["best_low"] > evidence["worst_high"] else "may_be_chance"
    return Finding("customers.repurchase_by", subject, verdict, evidence, confidence)


def run_holdout(shop: Shop, period: Period, holdout_days: int,
                same_day_orders: str = "once") -> tuple[Holdout | None, Finding]:
    """:func:`check_holdout` and its verdict (:func:`judge_holdout`); when the data is
    too short, or the model fitted on it did not converge, no check and a "not enough data"
    finding with the numbers that say why (an unconverged fit's predictions are not shown).

    A non-positive ``holdout_days`` is still an error (a wrong parameter, not short data).
    """
    if holdout_days <= 0:
        raise ValueError(f"parameter holdout_days={holdout_days} must be > 0")
    try:
        check = check_holdout(shop, period, holdout_days, same_day_orders)
    except ShortHistory as exc:
        return None, not_enough_data("customers.holdout", "bgnbd", **exc.evidence)
    finding = judge_holdout(check)
    return (None if finding.verdict == NOT_ENOUGH_DATA else check), finding
