"""The planning report's Explore section: pick a product, a horizon and a target, and see the
product's forecast with its interval and reorder point, the target's breakdown per source and
the month's pacing against it (the same helpers as the report's sections)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.areas.planning import forecast, replenish, targets, views
from helpers.areas.planning.setup import Options, PlanningData
from helpers.i18n import label
from helpers.present.explore import choice

HORIZONS = (14, 28, 56, 84)  # days
TARGET_STEPS = (0.8, 1.0, 1.2, 1.5)  # shares of the notebook's target


@dataclass(frozen=True)
class ExploreContext:
    """What the Explore view re-runs on: the loaded data and the sections' settings."""

    data: PlanningData
    options: Options
    forecast: pd.DataFrame  # forecast.forecast_all table (the products offered)
    confidence: float
    backtest_weeks: int
    service_level: float
    order_cost: float
    holding_rate: float
    base_days: int


def explore_controls(context: ExploreContext, horizon_days: int, target_gmv: float, lang: str) -> dict:
    """Selectors: product (those forecast, most units first), horizon in days and GMV target,
    starting from the notebook's parameters."""
    fc = context.forecast.sort_values("horizon_units", ascending=False)
    titles = context.data.titles.reindex(fc.index)
    products = {f"{t if isinstance(t, str) else pid} ({pid})": pid for pid, t in zip(fc.index, titles, strict=True)}
    horizons = sorted({*HORIZONS, int(horizon_days)})
    goals = sorted({round(target_gmv * s, 2) for s in TARGET_STEPS})
    return {"product": choice(products, next(iter(products.values()), None), label("product", lang)),
            "horizon_days": choice(horizons, int(horizon_days), label("plan_horizon_days", lang)),
            "target_gmv": choice({f"{g:,.0f}": g for g in goals}, round(target_gmv, 2), label("plan_target_gmv", lang))}


def render_explore(context: ExploreContext, product: str, horizon_days: int, target_gmv: float,
                   lang: str = "zh") -> list:
    """The product's weekly forecast (plot) and its reorder point (table) at the chosen horizon;
    the target's breakdown per source and the month's pacing at the chosen target."""
    data, out = context.data, []
    weeks = max(int(-(-horizon_days // 7)), 1)
    if product is not None and product in data.weekly.columns:
        series = data.weekly[product]
        path, score = forecast.backtest_forecast(series, weeks, context.backtest_weeks, context.confidence)
        out.append(views.plot_forecast(series, path, str(data.titles.get(product, product)), lang))
        row = context.forecast.loc[[product]].assign(weekly_mean=float(path["mean"].mean()),
                                                      week_sd=float(path["sd"].iloc[0]), **score)
        if data.receipts is not None and data.stock is not None:
            points = replenish.reorder_points(row, data.on_hand, replenish.lead_times(data.receipts),
                                              replenish.product_suppliers(data.receipts),
                                              replenish.on_order(data.receipts), data.unit_cost,
                                              context.service_level, context.order_cost, context.holding_rate)
            out.append(views.reorder_table(points, data.titles, lang))
    if data.traffic is not None:
        rates = targets.source_rates(data.traffic, context.options.base_end, context.base_days)
        dec = targets.decompose_target(rates, target_gmv, context.options.month_days, context.base_days)
        out.append(views.target_table(dec, lang))
        frame, _ = targets.pace(data.traffic, target_gmv, context.options.month)
        out.append(views.plot_pace(frame, lang))
    return out
