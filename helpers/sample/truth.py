"""The ground truth across tables and its assembly into ``ground_truth.json``.

Builds the truth of the sources (true and expected conversion), the campaigns (expected sales
with and without each, per phase) and the categories, and :func:`_ground_truth` gathers it
with the truth every simulator module returns. :func:`_clean` makes it JSON-ready (numpy
scalars to Python, floats rounded to 6 decimals) so the file is byte-identical between runs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .calendar import _campaign_windows, _day_index, _excluded_days, _iso_date
from .customers import _repeat_truth
from .demand import _Demand, _expected_order_value
from .specs import (
    ANNUAL_GROWTH,
    ANOMALIES,
    CAMPAIGN_REFUND_MULTIPLIER,
    CAMPAIGN_VISIT_AMPLIFIER,
    CAMPAIGNS,
    CANCELLED_SHARE,
    CART_RATE,
    CATEGORIES,
    DAY_CONVERSION_CV,
    N_DAYS,
    NEW_PRODUCT_RAMP_DAYS,
    REFUND_DAYS_SHIPPED,
    REFUND_DAYS_UNSHIPPED,
    REFUND_REASONS,
    SF_BOTTOM_HALF,
    SF_CONV_BOTTOM,
    SF_HALF_WINDOW,
    SF_VISIT_BOTTOM,
    SHIPPED_PROB,
    SHOP,
    SHOP_SEASON_AMP,
    SHOP_SEASON_PEAK,
    SOURCES,
    SPRING_FESTIVALS,
    START,
    TAG_RULE,
    TIER,
    UNPAID_RATIO,
    VISITOR_NOISE_SD,
    WARMUP_CART_MULTIPLIER,
    WEEKDAY,
)

if TYPE_CHECKING:
    from .simulator import _Simulator


def _source_truth(sim: _Simulator) -> dict:
    """True conversion per source and its expectation over normal days."""
    excluded, _ = _excluded_days()
    normal = ~excluded
    vis = sim.traffic["visitors"]
    out = {}
    for s, spec in enumerate(SOURCES):
        v = vis[normal, s]
        expected = float((v * sim.demand.conv[normal, s]).sum() / v.sum()) if v.sum() else None
        paid = sim.traffic["paid_buyers"][:, s].sum()
        out[spec.name] = {
            "source_group": spec.group,
            "conversion": spec.conversion,
            "base_visitors": spec.base_visitors * sim.scale,
            "expected_conversion_normal_days": expected,
            "returning_slot_share": spec.returning_share,
            "observed_returning_share": (float(sim.traffic["returning_buyers"][:, s].sum() / paid)
                                         if paid else None),
            "weekday_visitor_profile_mon_to_sun": list(WEEKDAY[spec.group]),
        }
    return out


def _campaign_truth(demand: _Demand, seed: int) -> dict:
    """Expected sales with and without each campaign, per phase (exact buyers, Monte Carlo
    order value with common random numbers)."""
    buyers_with = (demand.lam * demand.conv).sum(1)
    buyers_without = (demand.lam_nc * demand.conv_nc).sum(1)
    out = {}
    for spec in CAMPAIGNS:
        win = _campaign_windows(spec)
        entry = {"name": spec.name, "mechanic": spec.mechanic, "scope": spec.scope,
                 "tag_rule": TAG_RULE[spec.mechanic],
                 "multipliers": {
                     "event_visitors": spec.visit_lift, "event_conversion": spec.conv_lift,
                     "peak_day": spec.peak_day, "peak_visitors": spec.peak_visit,
                     "peak_conversion": spec.peak_conv, "warmup_visitors": spec.warm_visit,
                     "warmup_conversion": spec.warm_conv,
                     "post_visitors_first_day": spec.post_visit,
                     "post_conversion_first_day": spec.post_conv,
                     "group_amplifier": CAMPAIGN_VISIT_AMPLIFIER}}
        incremental = 0.0
        for phase in ("warmup", "event", "post"):
            if win[phase] is None:
                entry[phase] = None
                continue
            days = range(win[phase][0], win[phase][1] + 1)
            w_val = [_expected_order_value(demand, seed, d, True) for d in days]
            n_val = (w_val if phase != "event"
                     else [_expected_order_value(demand, seed, d, False) for d in days])
            with_sales = sum(buyers_with[d] * v for d, v in zip(days, w_val, strict=True)) / 100
            without = sum(buyers_without[d] * v for d, v in zip(days, n_val, strict=True)) / 100
            b_with, b_without = buyers_with[list(days)].sum(), buyers_without[list(days)].sum()
            incremental += with_sales - without
            entry[phase] = {"start": _iso_date(days[0]), "end": _iso_date(days[-1]),
                            "expected_sales": with_sales, "expected_sales_without": without,
                            "relative_change_sales": with_sales / without - 1,
                            "relative_change_paid_buyers": float(b_with / b_without - 1)}
        entry["uplift"] = entry["event"]["relative_change_sales"]
        entry["pull_forward_before"] = (entry["warmup"]["relative_change_sales"]
                                        if entry["warmup"] else None)
        entry["pull_forward_after"] = (entry["post"]["relative_change_sales"]
                                       if entry["post"] else None)
        entry["incremental_sales_all_phases"] = incremental
        out[spec.campaign_id] = entry
    return out


def _category_truth(sim: _Simulator) -> dict:
    """Elasticity, refund probability and demand parameters per category."""
    out = {}
    for ci, cat in enumerate(CATEGORIES):
        peak = START.astype("datetime64[Y]") + np.timedelta64(cat.season_peak, "D")
        out[cat.name] = {
            "elasticity": cat.elasticity,
            "refund_probability": cat.refund_prob,
            "n_products": int((sim.products["category"] == ci).sum()),
            "price_range": list(cat.price_range),
            "demand_weight": cat.weight,
            "season_amplitude": cat.season_amp,
            "season_peak": str(peak)[5:],
            "brand": cat.brand,
            "apparel": cat.apparel,
        }
    return out


def _clean(obj):
    """JSON-ready copy: numpy scalars to Python, floats rounded to 6 decimals."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.integer | np.bool_):
        return obj.item()
    if isinstance(obj, float | np.floating):
        x = float(obj)
        return round(x, 6) if math.isfinite(x) else None
    return obj


def _ground_truth(seed: int, scale: float, fmt: str, sim: _Simulator, price_events: list[dict],
                  price_anomalies: dict[int, dict], tables: dict[str, dict], rows: dict[str, int]) -> dict:
    """The whole ground truth, JSON-ready: what ``ground_truth.json`` holds.

    ``price_events`` and ``price_anomalies`` come from the price paths, ``tables`` is the truth
    of every table built after the day loop (by table name), ``rows`` the row counts.
    """
    demand, products = sim.demand, sim.products
    _, windows = _excluded_days()
    return _clean({
        "generator": "helpers.sample.generate_sample",
        "seed": seed,
        "scale": scale,
        "format": fmt,
        "period": {"start": _iso_date(0), "end": _iso_date(N_DAYS - 1), "days": N_DAYS},
        "shop": {"name": SHOP, "tier": TIER},
        "sources": _source_truth(sim),
        "normal_days": {
            "definition": "days outside every campaign's warm-up..post window, the Spring "
                          "Festival windows and the anomaly days",
            "excluded_windows": windows},
        "traffic_model": {
            "annual_growth": ANNUAL_GROWTH, "visitor_noise_sd": VISITOR_NOISE_SD,
            "shop_season_amplitude": SHOP_SEASON_AMP,
            "shop_season_peak_day_of_year": SHOP_SEASON_PEAK,
            "unpaid_ratio": UNPAID_RATIO, "cancelled_share_of_unpaid": CANCELLED_SHARE,
            "cart_rate": CART_RATE, "warmup_cart_multiplier": WARMUP_CART_MULTIPLIER,
            "pay_time": "same day as order_time, seconds to minutes later",
            "conversion_day_effect": {
                "distribution": "mean-1 log-normal, independent per (day, source)",
                "cv": DAY_CONVERSION_CV,
                "realized_cv": float(demand.day_effect.std()),
                "applies_to": "the paid conversion (and the unpaid orders drawn from it) of every "
                              "day and source, with and without a campaign alike (common random "
                              "numbers); the sources' expected conversion and the campaigns' "
                              "expected sales include the drawn effects"}},
        "categories": _category_truth(sim),
        "products": {
            str(pid): {"popularity": pop, "reference_price": p0 / 100,
                       "category": CATEGORIES[c].name}
            for pid, pop, p0, c in zip(products["id"], products["popularity"],
                                       products["price0"], products["category"], strict=True)},
        "price_effect": {
            "formula": "demand multiplier = (price / reference_price) ** elasticity; the "
                       "shop's conversion moves with the demand-weighted multiplier divided "
                       "by normaliser",
            "reference_price": "the product's first list price (before its first change)",
            "normaliser": demand.normaliser,
            "changes": price_events,
            "new_product_ramp_days": NEW_PRODUCT_RAMP_DAYS},
        "campaigns": _campaign_truth(demand, seed),
        "spring_festival": [
            {"date": t, "window_start": _iso_date(_day_index(t) - SF_HALF_WINDOW),
             "window_end": _iso_date(_day_index(t) + SF_HALF_WINDOW),
             "bottom_start": _iso_date(_day_index(t) - SF_BOTTOM_HALF),
             "bottom_end": _iso_date(_day_index(t) + SF_BOTTOM_HALF),
             "visitors_multiplier_bottom": SF_VISIT_BOTTOM,
             "conversion_multiplier_bottom": SF_CONV_BOTTOM} for t in SPRING_FESTIVALS],
        "anomalies": [{"source": a.source, "metric": a.metric, "start": a.start, "end": a.end,
                       "multiplier": a.multiplier, "description": a.description,
                       "kind": a.kind, **price_anomalies.get(k, {})}
                      for k, a in enumerate(ANOMALIES)],
        "repeat_purchase": _repeat_truth(sim.customers),
        "refunds": {
            "probability_by_category": {c.name: c.refund_prob for c in CATEGORIES},
            "campaign_line_multiplier": CAMPAIGN_REFUND_MULTIPLIER,
            "days_after_payment": {"shipped": list(REFUND_DAYS_SHIPPED),
                                   "not_shipped": list(REFUND_DAYS_UNSHIPPED)},
            "shipped_probability": {"apparel": SHIPPED_PROB[True], "other": SHIPPED_PROB[False]},
            "censored_after": _iso_date(N_DAYS - 1),
            "reasons": list(REFUND_REASONS)},
        **tables,
        "after_sales": sim.after_sales.truth(),
        "lines": sim.line_counts,
        "rows": rows,
    })
