"""Paid traffic: the ads report per plan and the touch paths of the last weeks' orders.

Writes ``ads`` (impressions, clicks, spend and attributed orders per date and plan, tied to
the paid sources' traffic and orders; main stream) and ``touchpoints`` (multi-touch paths of
a share of the recent paid orders; own stream). Truth: ``ads`` (plan parameters, ROAS and
which plans lose money) and ``touchpoints`` (expected credit share per attribution model).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from .calendar import _dates, _iso_date
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
)
from .writers import _take, _timestamps

if TYPE_CHECKING:
    from .simulator import _Simulator


def _gross_margin(sim: _Simulator) -> float:
    """Realised gross margin of paid sales (1 - cost of units / paid amount)."""
    cost = float((sim.product_units.sum(0) * sim.products["cost"]).sum())
    sales = float(sim.product_cents.sum())
    return 1.0 - cost / sales if sales else 0.5


def _ads(rng: np.random.Generator, sim: _Simulator) -> tuple[dict, dict]:
    """Ads report per (date, channel, plan) tied to the paid sources' traffic and orders."""
    names = [s.name for s in SOURCES]
    vis, buyers, cents = (sim.traffic[k] for k in ("visitors", "paid_buyers", "paid_cents"))
    cpc_mult = sim.demand.effects["cpc"]
    per_plan: list[dict[str, np.ndarray]] = []
    for channel in dict.fromkeys(p.channel for p in PLANS):  # declared order
        s = names.index(channel)
        plans = [p for p in PLANS if p.channel == channel]
        clicks_left = vis[:, s] + rng.binomial(vis[:, s], REPEAT_CLICK_RATE)
        share_left = 1.0
        conv_norm = sum(p.click_share * p.conv_mult for p in plans)
        mean_aov = cents[:, s].sum() / max(buyers[:, s].sum(), 1)
        aov = np.where(buyers[:, s] > 0, cents[:, s] / np.maximum(buyers[:, s], 1), mean_aov)
        for i, plan in enumerate(plans):
            if i == len(plans) - 1:
                clicks = clicks_left
            else:
                clicks = rng.binomial(clicks_left, plan.click_share / share_left)
                clicks_left = clicks_left - clicks
                share_left -= plan.click_share
            # Impressions until `clicks` clicks at the true CTR (negative binomial).
            impressions = clicks + np.where(
                clicks > 0, rng.negative_binomial(np.maximum(clicks, 1), plan.ctr), 0)
            expected = (buyers[:, s] * plan.click_share * plan.conv_mult / conv_norm
                        * WINDOW_FACTOR[plan.window_days])
            orders = rng.poisson(expected)
            amount = np.rint(orders * aov * plan.aov_mult * _lognormal_noise(rng, 0.1, N_DAYS))
            if channel == COMMISSION_CHANNEL:
                spend = np.rint(amount * plan.cpc)
            else:
                spend = np.rint(clicks * plan.cpc * 100 * cpc_mult * _lognormal_noise(rng, 0.08, N_DAYS))
            per_plan.append({"impressions": impressions, "clicks": clicks, "spend": spend,
                             "orders": orders, "amount": amount})
    n_plans = len(PLANS)

    def interleave(key: str) -> np.ndarray:  # rows ordered by date, then plan
        return np.stack([p[key] for p in per_plan], axis=1).ravel()

    plan_idx = np.tile(np.arange(n_plans), N_DAYS)
    columns = {
        "date": _dates(np.repeat(np.arange(N_DAYS), n_plans)),
        "channel": _take([p.channel for p in PLANS], plan_idx),
        "plan": _take([p.plan for p in PLANS], plan_idx),
        "impressions": pa.array(interleave("impressions"), pa.int64()),
        "clicks": pa.array(interleave("clicks"), pa.int64()),
        "spend": pa.array(interleave("spend") / 100.0),
        "attributed_orders": pa.array(interleave("orders"), pa.int64()),
        "attributed_amount": pa.array(interleave("amount") / 100.0),
        "attribution_window_days": pa.array(
            np.array([p.window_days for p in PLANS])[plan_idx], pa.int64()),
    }
    return columns, _ads_truth(per_plan, _gross_margin(sim))


def _ads_truth(per_plan: list[dict[str, np.ndarray]], margin: float) -> dict:
    """True plan parameters and which plans lose or make money."""
    breakeven = 1.0 / margin if margin > 0 else None
    plans = {}
    for plan, data in zip(PLANS, per_plan, strict=True):
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
        "cpc_multiplier": {"warmup": WARMUP_CPC_MULTIPLIER, "event": EVENT_CPC_MULTIPLIER},
        "clicks_per_visitor": 1 + REPEAT_CLICK_RATE,
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
