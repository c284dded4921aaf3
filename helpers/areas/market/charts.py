"""Market charts: size with its interval and our share, price bands, the index calibration, competitors.

Titles, legends and axis labels come from the label table; axes use the report's number
formats (:mod:`helpers.present.charts`); shop names from the data are never read as mathtext.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.market.calibration import predict_sales
from helpers.i18n import label
from helpers.present import charts

if TYPE_CHECKING:
    from helpers.areas.market.calibration import Calibration


def plot_size(size: pd.DataFrame, lang: str):
    """Monthly market sales with its interval (band), partial months as open dots, and our
    share on a second axis (a :func:`helpers.areas.market.size.market_size` frame)."""
    import matplotlib.pyplot as plt

    charts.set_theme(lang)
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    x = size.index
    ax.fill_between(x, size["sales_low"], size["sales_high"], color="#4c72b0", alpha=0.25, lw=0)
    ax.plot(x, size["sales"], color="#4c72b0", marker="o", ms=3, label=label("market_sales", lang))
    partial = size[size["partial"]]
    ax.scatter(partial.index, partial["sales"], color="white", edgecolor="#4c72b0", zorder=3,
               label=label("partial", lang))
    charts.yuan_axis(ax, "y", lang)
    ax2 = ax.twinx()
    ax2.plot(x, size["own_share"], color="#dd8452", lw=1.5, label=label("own_share", lang))
    charts.pct_axis(ax2, "y")
    ax2.grid(False)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper left", fontsize=8)
    ax.set_title(label("chart_market_size", lang))
    return fig


def plot_bands(bands: pd.DataFrame, lang: str):
    """Share of sales against share of listing-months per price band (a
    :func:`helpers.areas.market.bands.price_bands` frame)."""
    import matplotlib.pyplot as plt

    charts.set_theme(lang)
    fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
    x = np.arange(len(bands))
    ax.bar(x - 0.2, bands["sales_share"], 0.4, label=label("sales_share", lang), color="#4c72b0")
    ax.bar(x + 0.2, bands["listing_share"], 0.4, label=label("listing_share", lang), color="#bbbbbb")
    ax.set_xticks(x, [f"¥{b}" for b in bands.index])
    charts.pct_axis(ax, "y")
    ax.legend(fontsize=8)
    ax.set_title(label("chart_price_bands", lang))
    return fig


def plot_calibration(pairs: pd.DataFrame, cal: Calibration, lang: str):
    """Our (index, sales) pairs on log axes with the fitted mapping and its prediction interval;
    the grey span is the index range of the pairs (beyond it estimates extrapolate).

    ``pairs`` is :func:`helpers.areas.market.calibration.calibration_pairs`.
    """
    import matplotlib.pyplot as plt

    charts.set_theme(lang)
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    ax.scatter(pairs["trade_index"], pairs["sales"], s=8, alpha=0.5, color="#4c72b0",
               label=label("own_listing_months", lang))
    grid = np.geomspace(max(cal.index_min / 3, 1e-9), cal.index_max * 3, 100)
    pred = predict_sales(cal, grid)
    ax.plot(grid, pred["estimate"], color="#dd8452", label=label("sales_estimate", lang))
    ax.fill_between(grid, pred["low"], pred["high"], color="#dd8452", alpha=0.2, lw=0)
    ax.axvspan(cal.index_min, cal.index_max, color="#eeeeee", zorder=0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(label("trade_index", lang))
    ax.set_ylabel(label("market_sales", lang))
    ax.legend(fontsize=8)
    ax.set_title(label("chart_index_calibration", lang))
    return fig


def plot_competitors(trends: pd.DataFrame, lang: str):
    """Competitors' monthly sales and price, one line each (a
    :func:`helpers.areas.market.competition.competitor_trends` frame)."""
    import matplotlib.pyplot as plt

    charts.set_theme(lang)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    for comp, g in trends.groupby("competitor", sort=False):
        a1.plot(g["month"], g["sales"], marker="o", ms=2, label=str(comp))
        a2.plot(g["month"], g["price"], marker="o", ms=2, drawstyle="steps-post")
    charts.yuan_axis(a1, "y", lang)
    charts.yuan_axis(a2, "y", lang)
    a1.set_title(label("market_sales", lang))
    a2.set_title(label("price", lang))
    a1.legend(fontsize=7)
    charts.plain_text(a1.get_legend().get_texts())
    fig.autofmt_xdate()
    return fig
