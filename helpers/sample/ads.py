"""Paid traffic: the ads report per plan and the touch paths of the last weeks' orders.

Writes ``ads`` (impressions, clicks, spend and attributed orders per date and plan, tied to
the paid sources' traffic and orders; main stream) and ``touchpoints`` (multi-touch paths of
a share of the recent paid orders; own stream). Some plans are sparse, as in a real account:
one starts late on a small budget, one pauses (no rows on those days), one changes its
attribution window (转化周期) midway. Truth: ``ads`` (plan parameters, the days each plan ran,
its windows, ROAS and which plans lose money) and ``touchpoints``
(expected credit share per attribution model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .calendar import _dates, _day_index, _iso_date
from .draws import _lognormal_noise
from .specs import (
    COMMISSION_CHANNEL,
    EVENT_CPC_MULTIPLIER,
    LAST_TOUCH_SECONDS,
    N_DAYS,
    PLANS,
    REPEAT_CLICK_RATE,
    SOURCES,
    STREAMS,
    TOUCH_ASSIST_WEIGHTS,
    TOUCH_DAYS,
    TOUCH_EXTRA_PROBS,
    TOUCH_GAP_SECONDS,
    TOUCH_ORDER_SHARE,
    WARMUP_CPC_MULTIPLIER,
    WINDOW_FACTOR,
    PlanSpec,
)
from .writers import _take, _timestamps

if TYPE_CHECKING:
    from .simulator import _Simulator


def _gross_margin(sim: _Simulator) -> float:
    """Realised gross margin of paid sales (1 - cost of units / paid amount)."""
    cost = float((sim.product_units.sum(0) * sim.products["cost"]).sum())
    sales = float(sim.product_cents.sum())
    return 1.0 - cost / sales if sales else 0.5


def _active_days(plan: PlanSpec) -> np.ndarray:
    """Days on which a plan runs (has a row): from its start, outside its pauses."""
    days = np.arange(N_DAYS)
    active = days >= (_day_index(plan.start) if plan.start else 0)
    for first, last in plan.pauses:
        active &= (days < _day_index(first)) | (days > _day_index(last))
    return active


def _plan_windows(plan: PlanSpec) -> np.ndarray:
    """Attribution window (days) of a plan on every day: its own, then the new one from
    ``window_from``."""
    window = np.full(N_DAYS, plan.window_days, dtype=np.int64)
    if plan.window_from is not None:
        first, days = plan.window_from
        window[_day_index(first):] = days
    return window


def _ads(rng: np.random.Generator, sim: _Simulator) -> tuple[dict, dict]:
    """Ads report per (date, channel, plan) tied to the paid sources' traffic and orders.

    A channel's clicks (its visitors plus repeat clicks) are split over the plans running
    that day in proportion to their click shares; a plan has rows only on the days it runs.
    Attributed orders are the same-day orders x WINDOW_FACTOR of the plan's window that day.
    """
    names = [s.name for s in SOURCES]
    vis, buyers, cents = (sim.traffic[k] for k in ("visitors", "paid_buyers", "paid_cents"))
    cpc_mult = sim.demand.effects["cpc"]
    active = np.stack([_active_days(p) for p in PLANS], axis=1)
    windows = np.stack([_plan_windows(p) for p in PLANS], axis=1)
    factor = np.vectorize(WINDOW_FACTOR.__getitem__)(windows)
    per_plan: dict[str, dict[str, np.ndarray]] = {}
    for channel in dict.fromkeys(p.channel for p in PLANS):  # declared order
        s = names.index(channel)
        idx = [i for i, p in enumerate(PLANS) if p.channel == channel]
        if not active[:, idx].any(1).all():
            raise ValueError(f"channel {channel} has days without a running plan")
        # Each day's click shares over the plans running then, summing to one.
        share = active[:, idx] * np.array([PLANS[i].click_share for i in idx])
        share = share / share.sum(1, keepdims=True)
        later = np.cumsum(active[:, idx][:, ::-1], axis=1)[:, ::-1] - active[:, idx]
        clicks_left = vis[:, s] + rng.binomial(vis[:, s], REPEAT_CLICK_RATE)
        share_left = np.ones(N_DAYS)
        conv_norm = (share * np.array([PLANS[i].conv_mult for i in idx])).sum(1)
        mean_aov = cents[:, s].sum() / max(buyers[:, s].sum(), 1)
        aov = np.where(buyers[:, s] > 0, cents[:, s] / np.maximum(buyers[:, s], 1), mean_aov)
        for j, i in enumerate(idx):
            plan = PLANS[i]
            # The last plan running on a day takes the clicks left, so they add up exactly.
            prob = np.where(later[:, j] == 0, 1.0,
                            np.clip(share[:, j] / np.maximum(share_left, 1e-12), 0.0, 1.0))
            clicks = np.where(active[:, i], rng.binomial(clicks_left, prob * active[:, i]), 0)
            clicks_left = clicks_left - clicks
            share_left = share_left - share[:, j]
            # Impressions until `clicks` clicks at the true CTR (negative binomial).
            impressions = clicks + np.where(
                clicks > 0, rng.negative_binomial(np.maximum(clicks, 1), plan.ctr), 0)
            expected = (buyers[:, s] * share[:, j] * plan.conv_mult / conv_norm
                        * factor[:, i])
            orders = rng.poisson(expected)
            amount = np.rint(orders * aov * plan.aov_mult * _lognormal_noise(rng, 0.1, N_DAYS))
            if channel == COMMISSION_CHANNEL:
                spend = np.rint(amount * plan.cpc)
            else:
                spend = np.rint(clicks * plan.cpc * 100 * cpc_mult * _lognormal_noise(rng, 0.08, N_DAYS))
            per_plan[plan.plan] = {"impressions": impressions, "clicks": clicks, "spend": spend,
                                   "orders": orders, "amount": amount}
    n_plans = len(PLANS)
    rows = active.ravel()  # (date, plan) cells in date order, then plan in declared order

    def interleave(key: str) -> np.ndarray:
        return np.stack([per_plan[p.plan][key] for p in PLANS], axis=1).ravel()[rows]

    plan_idx = np.tile(np.arange(n_plans), N_DAYS)[rows]
    columns = {
        "date": _dates(np.repeat(np.arange(N_DAYS), n_plans)[rows]),
        "channel": _take([p.channel for p in PLANS], plan_idx),
        "plan": _take([p.plan for p in PLANS], plan_idx),
        "impressions": pa.array(interleave("impressions"), pa.int64()),
        "clicks": pa.array(interleave("clicks"), pa.int64()),
        "spend": pa.array(interleave("spend") / 100.0),
        "attributed_orders": pa.array(interleave("orders"), pa.int64()),
        "attributed_amount": pa.array(interleave("amount") / 100.0),
        "attribution_window_days": pa.array(windows.ravel()[rows], pa.int64()),
    }
    return columns, _ads_truth(per_plan, active, _gross_margin(sim))


def _ads_truth(per_plan: dict[str, dict[str, np.ndarray]], active: np.ndarray, margin: float) -> dict:
    """True plan parameters, the days each plan ran, and which plans lose or make money."""
    breakeven = 1.0 / margin if margin > 0 else None
    plans = {}
    for i, plan in enumerate(PLANS):
        data = per_plan[plan.plan]
        spend = float(data["spend"].sum())
        roas = float(data["amount"].sum()) / spend if spend else None
        verdict = None
        if roas is not None and breakeven is not None:
            verdict = ("loss_making" if roas < 0.75 * breakeven
                       else "profitable" if roas > 1.5 * breakeven else "marginal")
        plans[plan.plan] = {
            "channel": plan.channel,
            "ctr": plan.ctr,
            "cpc": None if plan.channel == COMMISSION_CHANNEL else plan.cpc,
            "commission_rate": plan.cpc if plan.channel == COMMISSION_CHANNEL else None,
            "conversion_multiplier": plan.conv_mult,
            "order_value_multiplier": plan.aov_mult,
            "attribution_window_days": plan.window_days,
            "window_changes": ([] if plan.window_from is None else
                               [{"from": plan.window_from[0], "days": plan.window_from[1]}]),
            "click_share": plan.click_share,
            "first_day": _iso_date(int(np.argmax(active[:, i]))),
            "paused": [{"start": a, "end": b} for a, b in plan.pauses],
            "days_with_rows": int(active[:, i].sum()),
            "observed_roas": roas,
            "verdict": verdict,
        }
    return {
        "plans": plans,
        "gross_margin": margin,
        "breakeven_roas": breakeven,
        "loss_making_plans": sorted(k for k, v in plans.items() if v["verdict"] == "loss_making"),
        "profitable_plans": sorted(k for k, v in plans.items() if v["verdict"] == "profitable"),
        "attribution_factor_by_window": {str(k): v for k, v in WINDOW_FACTOR.items()},
        "window_ratios": {f"{a}-{b}": WINDOW_FACTOR[b] / WINDOW_FACTOR[a]
                          for a in WINDOW_FACTOR for b in WINDOW_FACTOR if a < b},
        "cpc_multiplier": {"warmup": WARMUP_CPC_MULTIPLIER, "event": EVENT_CPC_MULTIPLIER},
        "clicks_per_visitor": 1 + REPEAT_CLICK_RATE,
        "click_split": "a channel's clicks are split over the plans running that day in proportion "
                       "to their click_share; a plan has rows only from first_day on, outside paused",
        "sparse_plans": sorted(p.plan for p in PLANS if p.start or p.pauses),
    }


def _touchpoints(seed: int, sim: _Simulator) -> tuple[dict, dict]:
    """Touch paths of a random share of the paid orders of the last TOUCH_DAYS days.

    The last touch is the order's own source (``orders.source`` follows the platform's
    last-click convention) a few minutes before the order; 0-3 earlier touches come from
    TOUCH_ASSIST_WEIGHTS, each at least a minute before the next. The paths use their own
    random stream, so the other tables do not depend on them.
    """
    rng = np.random.default_rng([seed, STREAMS["touchpoints"]])
    names = [s.name for s in SOURCES]
    keys = ("order_id", "order_time", "source")
    orders = {k: np.concatenate([b[k] for b in sim.touch_orders] or [np.empty(0, np.int64)])
              for k in keys}
    keep = rng.random(len(orders["order_id"])) < TOUCH_ORDER_SHARE
    oid, otime, osrc = (orders[k][keep] for k in keys)
    m = len(oid)
    extra = rng.choice(len(TOUCH_EXTRA_PROBS), size=m, p=TOUCH_EXTRA_PROBS)
    counts = extra + 1
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    from_end = np.repeat(counts, counts) - 1 - (np.arange(total) - np.repeat(starts, counts))
    last = from_end == 0
    gap = 60 + np.floor(np.where(last, rng.exponential(LAST_TOUCH_SECONDS, total),
                                 rng.exponential(TOUCH_GAP_SECONDS, total))).astype(np.int64)
    after = np.r_[np.cumsum(gap[::-1])[::-1], 0]  # gaps from each touch to the array's end
    offset = after[:-1] - np.repeat(after[starts + counts], counts)  # ... to its order
    weights = np.array([TOUCH_ASSIST_WEIGHTS[n] for n in names])
    assist = rng.choice(len(names), size=total, p=weights / weights.sum())
    source = np.where(last, np.repeat(osrc, counts), assist)
    columns = {
        "order_id": pa.array(np.repeat(oid, counts)).cast(pa.string()),
        "touch_time": _timestamps(np.repeat(otime, counts) - offset),
        "source": _take(names, source),
    }
    probs = np.array(TOUCH_EXTRA_PROBS)
    share = np.bincount(osrc, minlength=len(names)) / max(m, 1)
    w = weights / weights.sum()
    k = np.arange(len(probs))
    expected = {
        "last_click": share,
        "first_click": probs[0] * share + (1 - probs[0]) * w,
        "linear": sum(p * (share + j * w) / (j + 1) for j, p in zip(k, probs, strict=True)),
        "position_based": (probs[0] * share + probs[1] * (share + w) / 2
                           + probs[2:].sum() * (0.4 * share + 0.6 * w)),
    }
    truth = {
        "days": TOUCH_DAYS, "from": _iso_date(N_DAYS - TOUCH_DAYS), "order_share": TOUCH_ORDER_SHARE,
        "orders": m, "touches": total,
        "earlier_touch_probabilities": list(TOUCH_EXTRA_PROBS),
        "assist_source_weights": dict(TOUCH_ASSIST_WEIGHTS),
        "mean_gap_hours": TOUCH_GAP_SECONDS / 3600,
        "last_touch": "the order's own source (orders.source), minutes before the order",
        "expected_credit_share": {
            model: {n: float(v) for n, v in zip(names, values, strict=True)}
            for model, values in expected.items()},
        "definition": "expected share of order credit per source given the observed last-touch "
                      "shares; position_based = 40/20/40 (two touches 50/50, one touch 100%)",
    }
    return columns, truth
