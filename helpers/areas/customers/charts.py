"""The charts of the customers report: segments, their trend, the gaps between purchases,
回购率 by month, the cohort heat map and the hold-out check. Titles and axes are labels in the
report's language."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.customers.cohorts import pivot_cohorts
from helpers.areas.customers.rfm import SEGMENTS, segment_label
from helpers.i18n import label
from helpers.present.charts import count_axis, pct_axis, plot_heatmap, plot_trend, set_theme

if TYPE_CHECKING:
    from helpers.areas.customers.lifetime import Holdout


def plot_segments(segments: pd.DataFrame, lang: str):
    """Share of customers beside share of sales per RFM segment (horizontal bars)."""
    import matplotlib.pyplot as plt

    set_theme(lang)
    names = [segment_label(k, lang) for k in segments.index]
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(9, 4.2), layout="constrained")
    ax.barh(y - 0.2, segments["share"].fillna(0), height=0.4, label=label("customers", lang), color="#4c72b0")
    ax.barh(y + 0.2, segments["share_of_sales"].fillna(0), height=0.4, label=label("share_of_sales", lang),
            color="#dd8452")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    pct_axis(ax, "x")
    ax.set_xlabel(label("share", lang))
    ax.legend(loc="lower right")
    ax.set_title(label("rfm_segments", lang))
    return fig


def plot_segment_trend(trend: pd.DataFrame, lang: str):
    """Customers per important segment (M high) at each month end."""
    keys = [key for key, (_, _, m_high) in SEGMENTS.items() if m_high]
    data = trend[trend["segment"].isin(keys)].copy()
    data["segment"] = [segment_label(k, lang) for k in data["segment"]]
    return plot_trend(data, x="date", y="customers", hue="segment", kind="count", lang=lang,
                      title=label("important_segments_trend", lang))


def plot_gaps(gaps: pd.DataFrame, lang: str, max_days: int = 365):
    """Histogram of days between consecutive purchases (weekly bins)."""
    import matplotlib.pyplot as plt

    set_theme(lang)
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    data = gaps[gaps["days"] <= max_days]
    if len(data):
        bins = (data["days"] // 7) * 7
        counts = data.groupby(bins)["purchases"].sum()
        ax.bar(counts.index, counts.to_numpy(), width=6.5, align="edge", color="#4c72b0")
    count_axis(ax)
    ax.set_xlabel(label("days_between", lang))
    ax.set_ylabel(label("purchases", lang))
    ax.set_title(label("gap_distribution", lang))
    return fig


def plot_returning(returning: pd.DataFrame, lang: str):
    """回购率 month by month (None when the period has fewer than two complete months)."""
    if returning.empty:
        return None
    return plot_trend(returning, x="month", y="returning_rate", kind="pct", lang=lang,
                      title=label("returning_rate", lang))


def plot_cohort_heatmap(cohorts: pd.DataFrame, value: str, lang: str, max_age: int = 12):
    """Heat map of retention (or cumulative sales per customer) by cohort and month."""
    if cohorts.empty:
        return None
    table = pivot_cohorts(cohorts, value)
    table = table[[c for c in table.columns if c <= max_age]]
    if value == "retention" and 0 in table.columns and table.shape[1] > 1:
        table = table.drop(columns=0)  # always 100%
    title = label("cohort_retention" if value == "retention" else "cohort_sales_per_customer", lang)
    return plot_heatmap(table, kind="pct" if value == "retention" else "yuan", title=title, lang=lang,
                        xlabel=label("age", lang), ylabel=label("cohort", lang))


def plot_holdout(check: Holdout, lang: str):
    """Predicted and actual cumulative repeat purchases in the holdout, and by frequency bucket."""
    import matplotlib.pyplot as plt

    set_theme(lang)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    w = check.weekly
    left.plot(w["day"], w["actual"], marker="o", ms=3, label=label("actual", lang))
    left.plot(w["day"], w["predicted"], ls="--", label=label("predicted", lang))
    left.set_xlabel(label("days_into_holdout", lang))
    left.set_ylabel(label("cumulative_repeat_purchases", lang))
    count_axis(left)
    left.legend()
    b = check.by_frequency
    x = np.arange(len(b))
    right.bar(x - 0.2, b["actual"], width=0.4, label=label("actual", lang))
    right.bar(x + 0.2, b["predicted"], width=0.4, label=label("predicted", lang))
    right.set_xticks(x, list(b.index))
    right.set_xlabel(label("calibration_repeat_purchases", lang))
    right.set_ylabel(label("holdout_purchases_per_customer", lang))
    right.legend()
    fig.suptitle(label("predicted_vs_actual_holdout", lang))
    return fig
