"""The postmortem's plots: the timeline, the peak day's hours, actual against the counterfactual,
the refund wave, the profit bridge and order values around a threshold.

Every title, axis and legend is a label in the report's language; a plot that has nothing to
show returns None.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.areas.campaigns.activity import peak_day
from helpers.areas.campaigns.campaign import Windows
from helpers.areas.campaigns.mechanics import Mechanics
from helpers.areas.campaigns.profit import COST_ITEMS, Profit
from helpers.areas.campaigns.uplift import Impact
from helpers.i18n import label, pick
from helpers.present import charts

PHASE_COLORS = {"warmup": "#9ecae1", "event": "#f2c14e", "post": "#c7e9c0"}
BIN_SHARE = 0.05  # histogram bin width of the order-value plot, as a share of the threshold


def plot_timeline(timeline: pd.DataFrame, windows: Windows, lang: str):
    """Daily sales around the campaign: warm-up, event and post-period shaded, peak day marked."""
    from matplotlib.patches import Patch

    if timeline.empty:
        return None
    fig = charts.plot_trend(timeline.reset_index(), x="date", y="sales", kind="yuan", lang=lang, marker=None,
                            title=label("sales", lang))
    ax = fig.axes[0]
    handles = []
    for key, period in windows.phases().items():
        ax.axvspan(period.start, period.end + pd.Timedelta(days=1), color=PHASE_COLORS[key], alpha=0.35, lw=0)
        handles.append(Patch(color=PHASE_COLORS[key], alpha=0.5, label=label(key, lang)))
    peak = peak_day(timeline)
    if peak is not None:
        ax.annotate(f"{peak:%m-%d}", (peak, timeline.loc[peak, "sales"]), textcoords="offset points",
                    xytext=(4, 4), fontsize=8)
    ax.legend(handles=handles, loc="upper left", fontsize=8)
    return fig


def plot_hourly(hourly: pd.DataFrame, lang: str):
    """Share of the day's sales per hour: the peak day (bars) against ordinary days (line)."""
    import matplotlib.pyplot as plt

    if hourly.empty or hourly["peak_sales"].sum() == 0:
        return None
    charts.set_theme(lang)
    fig, ax = plt.subplots(figsize=(9, 3.5), layout="constrained")
    ax.bar(hourly.index, hourly["peak_share"], color="#f28e2b", label=label("peak_share", lang))
    ax.plot(hourly.index, hourly["baseline_share"], color="#4e79a7", marker="o", ms=3,
            label=label("baseline_share", lang))
    charts.pct_axis(ax)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlabel(label("hour", lang))
    ax.set_ylabel("")
    ax.legend(fontsize=8)
    return fig


def plot_impact(impact: Impact, lang: str):
    """The three classic panels: actual against counterfactual sales with its interval, the
    daily effect and the cumulative effect over the window (intervals shaded)."""
    import matplotlib.pyplot as plt

    if not impact.ok:
        return None
    charts.set_theme(lang)
    d = impact.daily.reset_index()
    fig, axes = plt.subplots(3, 1, figsize=(9, 8.5), sharex=True, layout="constrained")
    actual, predicted = label("actual_sales", lang), label("counterfactual_sales", lang)
    long = pd.concat([pd.DataFrame({"date": d["date"], "sales": d["actual"], "interval": actual}),
                      pd.DataFrame({"date": d["date"], "sales": d["predicted"], "interval": predicted})])
    charts.plot_trend(long, x="date", y="sales", hue="interval", kind="yuan", lang=lang, ax=axes[0], marker=None)
    axes[0].fill_between(d["date"], d["low"], d["high"], color="#ff7f0e", alpha=0.2, lw=0)
    legend = axes[0].get_legend()
    if legend is not None:
        legend.set_title("")
    for ax, (col, lo, hi, key) in zip(axes[1:], (("effect", "effect_low", "effect_high", "pointwise"),
                                                 ("cum_effect", "cum_low", "cum_high", "cumulative")),
                                      strict=True):
        frame = d[["date", col, lo, hi]].rename(columns={col: key})
        charts.plot_trend(frame, x="date", y=key, kind="yuan", lang=lang, ax=ax, marker=None)
        ax.fill_between(d["date"], d[lo], d[hi], color="#1f77b4", alpha=0.2, lw=0)
        ax.axhline(0, color="#444444", lw=0.8)
    for ax in axes:
        ax.axvline(impact.windows.window.start, color="#888888", ls="--", lw=0.8)
        if impact.windows.event is not None:
            ax.axvspan(impact.windows.event.start, impact.windows.event.end + pd.Timedelta(days=1),
                       color="#f2c14e", alpha=0.15, lw=0)
    axes[0].set_title(pick(lang, f"{actual}与{predicted}", f"{actual} vs {predicted}"))
    return fig


def plot_refunds(daily: pd.DataFrame, windows: Windows, lang: str):
    """Refunds per refund day against the normal level (dashed), the campaign window shaded."""
    if daily.empty:
        return None
    fig = charts.plot_trend(daily.reset_index(), x="date", y="refund_amount", kind="yuan", lang=lang,
                            marker=None, highlight=(windows.window.start, windows.window.end),
                            title=label("refund_amount", lang))
    fig.axes[0].axhline(float(daily["normal"].iloc[0]), color="#888888", ls="--", lw=0.8)
    return fig


def plot_profit(profit: Profit, lang: str):
    """The profit bridge as bars: gross profit of the extra sales, minus each cost, = profit."""
    if pd.isna(profit.value("profit")):
        return None
    items = ["incremental_gross_profit", *COST_ITEMS, "profit"]
    keys = {"profit": "campaign_profit"}
    frame = pd.DataFrame({"item": [label(keys.get(i, i), lang) for i in items],
                          "amount": [(-1 if i in COST_ITEMS else 1) * profit.value(i) for i in items]}).dropna()
    return charts.plot_bar_change(frame, "item", "amount", kind="yuan", lang=lang, top=None,
                                  title=label("campaign_profit", lang))


def plot_order_values(mech: Mechanics, lang: str):
    """Share of orders per order-value bin around the threshold, event against baseline."""
    import matplotlib.pyplot as plt

    if mech.histogram is None:
        return None
    charts.set_theme(lang)
    t = mech.campaign.threshold
    width = max(1.0, round(BIN_SHARE * t))
    h = mech.histogram
    edges = np.arange(0.4 * t, 2.0 * t + width, width)
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    for col, color in (("baseline", "#4e79a7"), ("event", "#f28e2b")):
        counts = h[col]
        idx = counts.index.to_numpy(dtype=float)
        binned = np.histogram(idx, bins=edges, weights=counts.to_numpy(dtype=float))[0]
        share = binned / counts.sum() if counts.sum() else binned
        ax.stairs(share, edges, label=label(col, lang), color=color, lw=1.8)
    ax.axvline(t, color="#d62728", ls="--", lw=1)
    ax.annotate(f"¥{t:,.0f}", (t, ax.get_ylim()[1] * 0.92), xytext=(4, 0), textcoords="offset points",
                color="#d62728", fontsize=9)
    charts.yuan_axis(ax, "x", lang)
    charts.pct_axis(ax)
    ax.set_xlabel(label("order_value", lang))
    ax.set_ylabel(label("share_of_orders", lang))
    ax.legend(fontsize=8)
    return fig
