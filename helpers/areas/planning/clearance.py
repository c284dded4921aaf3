"""Clearance timing for end-of-season stock (季末清仓): which seasonal products hold more than
their season will sell, by when to start clearing them and the markdown it takes.

Season: each category's month index I_c(m) = its paid units per ordinary day in calendar
month m over the mean of the twelve months (needs ``min_days`` of history, a year by
default, else "not enough data"). A category is seasonal when max I_c / min I_c is at least
``min_swing``. The window to sell in: in season (I_c(now) >= 1), to the last day of the last
month before the index falls below 1 (the season's end); out of season, to the last day
before the index is back at 1 (the next season, when new stock arrives and last season's
styles sell at a discount at best).

Remaining demand: the forecast's units per day d (:mod:`.forecast`, today's level) scaled
by the month index, D = Σ over the days of the window of d x I_c(month) / I_c(now).
Excess = on hand + on order - D; weeks of cover after the window = excess / (the units per
week of the month after it, d x I_c(that month) / I_c(now) x 7).

Markdown (降价幅度) to sell the stock position within the window from today, with a constant
price elasticity e (units scale by price^e; ``elasticity`` is an assumption stated in the
report, not fitted): 1 - (position / D)^(1/e). Start-by date: with at most ``max_markdown``
off, clearing sells D x ((1 - max_markdown)^e - 1) extra units over the season, so it must
start excess / that extra rate per day before the window's end; past dates mean "start now".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core.findings import Finding, not_enough_data

if TYPE_CHECKING:
    from helpers.areas.planning.setup import PlanningData


def category_month_index(daily: pd.DataFrame, categories: pd.Series, abnormal: pd.Series) -> pd.DataFrame:
    """Units per ordinary day by category and calendar month over the category's mean month.

    Returns
    -------
    DataFrame: index = month (1 .. 12), columns = categories; NaN for a month without data.
    """
    d = daily.assign(category=categories.reindex(daily["product_id"]).to_numpy())
    d = d[(abnormal.reindex(d["date"]).fillna("") == "").to_numpy()]
    per_day = d.groupby(["category", "date"])["units"].sum().unstack("category").fillna(0.0)
    days = pd.date_range(per_day.index.min(), per_day.index.max(), freq="D")
    ordinary = days[(abnormal.reindex(days).fillna("") == "").to_numpy()]
    per_day = per_day.reindex(ordinary).fillna(0.0)
    by_month = per_day.groupby(per_day.index.month).mean().reindex(range(1, 13))
    return by_month / by_month.mean()


def _window_end(index: pd.Series, today: pd.Timestamp) -> tuple[pd.Timestamp, str]:
    """The last day of the window (module docstring) and its kind: "season_end" or "next_season"."""
    month = today.to_period("M")
    in_season = bool(index.get(month.month, np.nan) >= 1)
    for _ in range(12):
        if bool(index.get((month + 1).month, np.nan) >= 1) != in_season:
            break
        month += 1
    return month.end_time.normalize(), "season_end" if in_season else "next_season"


def plan_clearance(forecast: pd.DataFrame, position: pd.Series, categories: pd.Series, month_index: pd.DataFrame,
                   today: pd.Timestamp, elasticity: float = -2.0, max_markdown: float = 0.3,
                   min_swing: float = 2.0, cover_weeks: float = 8.0) -> pd.DataFrame:
    """Season end, remaining demand, excess, markdown and start-by date per seasonal product.

    Parameters
    ----------
    forecast : :func:`.forecast.forecast_all` table (weekly_mean, units per week).
    position : units on hand + on order per product.
    month_index : :func:`category_month_index`.
    cover_weeks : excess covering more off-season weeks than this is to clear.

    Returns
    -------
    One row per product of a seasonal category with a forecast: category, window
    ("season_end" or "next_season"), window_end, window_demand (units), position, excess
    (units), weeks_cover_after (weeks), markdown (share of the price), start_by (date), clear
    (bool); products to clear first.
    """
    swing = month_index.max() / month_index.min().where(month_index.min() > 0)
    seasonal = swing[swing >= min_swing].index
    cat = categories.reindex(forecast.index)
    rows = {}
    for pid in forecast.index[cat.isin(seasonal)]:
        index = month_index[cat[pid]]
        now = float(index[today.month])
        end, kind = _window_end(index, today)
        days = pd.date_range(today + pd.Timedelta(days=1), end, freq="D")
        per_day = forecast.at[pid, "weekly_mean"] / 7
        demand = float((per_day * index.reindex(days.month).to_numpy() / now).sum()) if len(days) else 0.0
        after = per_day * float(index[(end + pd.Timedelta(days=1)).month]) / now * 7
        have = float(position.get(pid, 0.0))
        excess = have - demand
        cover = excess / after if after > 0 else np.inf
        markdown = 1 - (have / demand) ** (1 / elasticity) if demand > 0 and excess > 0 else 0.0
        extra = demand / max(len(days), 1) * ((1 - max_markdown) ** elasticity - 1)
        start = end - pd.Timedelta(days=float(np.ceil(excess / extra))) if excess > 0 and extra > 0 else end
        rows[pid] = {"category": cat[pid], "window": kind, "window_end": end, "window_demand": demand,
                     "position": have,
                     "excess": excess, "weeks_cover_after": cover, "markdown": float(np.clip(markdown, 0, 1)),
                     "start_by": max(start, today), "clear": bool(excess > 0 and cover > cover_weeks)}
    cols = ["category", "window", "window_end", "window_demand", "position", "excess", "weeks_cover_after", "markdown",
            "start_by", "clear"]
    out = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=cols)
    out.index.name = "product_id"
    return out.sort_values(["clear", "start_by"], ascending=[False, True])


def judge_clearance(plan: pd.DataFrame | None, history_days: int, min_days: int = 365) -> Finding:
    """The products to clear, the earliest start-by date and the deepest markdown; "not enough
    data" with less than ``min_days`` of history (a month index needs every month)."""
    if plan is None or history_days < min_days:
        return not_enough_data("planning.clearance", "shop", history_days=history_days, min_days=min_days)
    clear = plan[plan["clear"]]
    if clear.empty:
        return Finding("planning.clearance", "shop", "no_excess", {"seasonal": int(len(plan)), "clear": 0})
    first = clear.sort_values("start_by").iloc[0]
    return Finding("planning.clearance", str(clear.index[0]), "clear", {
        "seasonal": int(len(plan)), "clear": int(len(clear)), "excess_units": float(clear["excess"].sum()),
        "start_by": first["start_by"], "markdown": float(first["markdown"]),
        "max_markdown": float(clear["markdown"].max())})


def clear_stock(data: PlanningData, forecast: pd.DataFrame, position: pd.Series, elasticity: float,
                max_markdown: float) -> tuple[pd.DataFrame | None, Finding]:
    """:func:`plan_clearance` on the shop's planning data (categories and their month index from
    its products and daily sales) and its verdict (:func:`judge_clearance` on the days of history)."""
    categories = data.products.set_index("product_id")["category"]
    plan = plan_clearance(forecast, position, categories, category_month_index(data.daily, categories, data.abnormal),
                          data.last_day, elasticity, max_markdown)
    return plan, judge_clearance(plan, (data.last_day - data.daily["date"].min()).days)
