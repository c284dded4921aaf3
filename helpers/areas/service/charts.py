"""The after-sales report's charts, with every title and axis label in the report's language.

Built on :mod:`helpers.present.charts` (the theme, axis formats and the shared trend plot);
text from data (titles, warehouses) is never parsed as mathtext.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.areas.service.dsr import DSR_SCORES
from helpers.areas.service.refunds import STAGES
from helpers.areas.service.tables import band_name
from helpers.i18n import label
from helpers.present.charts import count_axis, pct_axis, plain_text, plot_trend, set_theme

STAGE_COLORS = {"not_shipped": "#dd8452", "shipped": "#4c72b0", "unknown_shipping": "#999999"}
STAR_COLORS = {1: "#c0392b", 2: "#e67e22", 3: "#bdc3c7", 4: "#7fb3d5", 5: "#2e86c1"}
TITLE_WIDTH = 22


def _short(title: object) -> str:
    text = str(title)
    return text[:TITLE_WIDTH] + ("…" if len(text) > TITLE_WIDTH else "")


def plot_flagged(flags: pd.DataFrame, lang: str, top: int = 12):
    """Refund rate (shrunk estimate and interval) against the category expectation, top products."""
    import matplotlib.pyplot as plt

    set_theme(lang)
    data = flags.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, max(2.6, 0.42 * len(data) + 1.2)), layout="constrained")
    y = np.arange(len(data))
    colors = ["#d62728" if f else "#4c72b0" for f in data["flagged"]]
    ax.hlines(y, data["low"], data["high"], color=colors, lw=2.5)
    ax.scatter(data["shrunk"], y, color=colors, zorder=3, label=label("shrunk", lang))
    ax.scatter(data["category_expected"], y, marker="|", s=220, color="#333333", zorder=4,
               label=label("category_expected", lang))
    ax.scatter(data["refund_rate_by_count"], y, marker="x", color="#777777", zorder=3,
               label=label("refund_rate_by_count", lang))
    ax.set_yticks(y, [_short(t) for t in data["title"]])
    pct_axis(ax, "x")
    ax.set_xlabel(label("refund_rate_by_count", lang))
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(label("chart_refund_vs_category", lang))
    plain_text([*ax.get_yticklabels(), ax.title])
    return fig


def plot_refund_timing(timing: pd.DataFrame, lang: str):
    """Refunds per day after payment, stacked by before / after shipping."""
    import matplotlib.pyplot as plt

    set_theme(lang)
    fig, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    wide = timing.pivot_table(index="day", columns="stage", values="refund_count", aggfunc="sum", fill_value=0)
    bottom = np.zeros(len(wide))
    for stage in STAGES:
        if stage in wide:
            ax.bar(wide.index, wide[stage], bottom=bottom, color=STAGE_COLORS[stage], label=label(stage, lang),
                   width=0.85)
            bottom = bottom + wide[stage].to_numpy()
    count_axis(ax)
    ax.set_xlabel(label("days_after_payment", lang))
    ax.set_ylabel(label("refund_count", lang))
    ax.legend()
    ax.set_title(label("chart_refund_timing", lang))
    return fig


def plot_rating_trend(trend: pd.DataFrame, lang: str):
    """Bad and neutral review rates per week or month (the good rate is the rest); None without reviews."""
    if trend.empty:
        return None
    long = trend.melt(id_vars="date", value_vars=["bad_rate", "neutral_rate"], var_name="metric",
                      value_name="rate")
    long["metric"] = [label(m, lang) for m in long["metric"]]
    freq = trend["freq"].iloc[0]
    fig = plot_trend(long, x="date", y="rate", hue="metric", kind="pct", lang=lang,
                     title=label(f"chart_review_rates_{freq}", lang))
    ax = fig.axes[0]
    ax.set_ylabel(label("share_of_reviews", lang))
    ax.get_legend().set_title("")
    return fig


def plot_ratings(by_product: pd.DataFrame, lang: str, top: int = 10):
    """Star shares (1-5) of the products with most reviews, as stacked horizontal bars."""
    import matplotlib.pyplot as plt

    set_theme(lang)
    data = by_product[by_product["enough"]].sort_values("reviews", ascending=False).head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(9, max(2.6, 0.4 * len(data) + 1.3)), layout="constrained")
    y = np.arange(len(data))
    left = np.zeros(len(data))
    for s in range(1, 6):
        vals = data[f"stars_{s}"].to_numpy(dtype=float)
        ax.barh(y, vals, left=left, color=STAR_COLORS[s], label=f"{s}★", height=0.7)
        left += vals
    ax.set_yticks(y, [_short(t) for t in data["title"]])
    pct_axis(ax, "x")
    ax.set_xlim(0, 1)
    ax.legend(ncol=5, loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=8, frameon=False)
    ax.set_xlabel(label("share_of_reviews_by_stars", lang))
    plain_text(ax.get_yticklabels())
    return fig


def plot_ship_hours(hist: pd.DataFrame, promised_hours: int, lang: str, by: str = "warehouse"):
    """Share of shipped orders per bin of hours from payment to shipment, one line per group.

    ``hist`` is :func:`helpers.areas.service.fulfilment.ship_hours` grouped ``by``; the
    promised hours are marked.
    """
    import matplotlib.pyplot as plt

    set_theme(lang)
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    for group, g in hist.groupby("group"):
        share = g["orders"] / g["orders"].sum()
        ax.plot(g["hours"], share, marker="o", ms=3, label=str(group))
    ax.axvline(promised_hours, color="#d62728", ls="--", lw=1)
    ax.text(promised_hours, ax.get_ylim()[1] * 0.95, f" {promised_hours}{label('hours_short', lang)}", color="#d62728",
            va="top")
    pct_axis(ax)
    ax.set_xlabel(label("hours_to_ship", lang))
    ax.set_ylabel(label("share_of_orders", lang))
    legend = ax.legend(title=label(by, lang))
    plain_text(legend.get_texts())
    ax.set_title(label("chart_ship_hours", lang))
    return fig


def plot_late_effects(effects: pd.DataFrame, lang: str):
    """On-time against late: refund-after-shipping and bad-review rates with intervals."""
    import matplotlib.pyplot as plt

    set_theme(lang)
    fig, ax = plt.subplots(figsize=(8, 0.9 * len(effects) + 1.6), layout="constrained")
    y = np.arange(len(effects))
    for dy, key, color in ((-0.12, "on_time", "#4c72b0"), (0.12, "late", "#d62728")):
        rate = effects[f"{key}_rate"].astype(float)
        lo, hi = effects[f"{key}_low"].astype(float), effects[f"{key}_high"].astype(float)
        ax.errorbar(rate, y + dy, xerr=[rate - lo, hi - rate], fmt="o", color=color, capsize=3,
                    label=label(key, lang))
    ax.set_yticks(y, [label(i, lang) for i in effects.index])
    ax.invert_yaxis()
    pct_axis(ax, "x")
    ax.legend(loc="lower right")
    ax.set_title(label("chart_late_effects", lang))
    return fig


def plot_service(bands: pd.DataFrame, lang: str):
    """询单转化率 per first-response band, with Wilson intervals."""
    import matplotlib.pyplot as plt

    set_theme(lang)
    data = bands[bands["chats"] > 0]
    fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
    x = np.arange(len(data))
    rate = data["inquiry_conversion_rate"].astype(float)
    ax.bar(x, rate, color="#4c72b0", width=0.6)
    ax.errorbar(x, rate, yerr=[rate - data["low"].astype(float), data["high"].astype(float) - rate], fmt="none",
                color="#333333", capsize=4)
    ax.set_xticks(x, [band_name(i, lang) for i in data.index])
    pct_axis(ax)
    ax.set_xlabel(label("response_band", lang))
    ax.set_ylabel(label("inquiry_conversion_rate", lang))
    ax.set_title(label("chart_response_conversion", lang))
    return fig


def plot_dsr(dsr: pd.DataFrame, lang: str):
    """The three DSR scores over time (ours solid, peer average dashed), one panel each."""
    import matplotlib.pyplot as plt
    import matplotlib.ticker as mticker

    set_theme(lang)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), layout="constrained", sharey=True)
    ours, peer = label("ours", lang), label("peer", lang)
    for ax, key in zip(axes, DSR_SCORES, strict=True):
        lines = {ours: dsr[key]}
        if f"peer_{key}" in dsr and dsr[f"peer_{key}"].notna().any():
            lines[peer] = dsr[f"peer_{key}"]
        long = pd.concat([pd.DataFrame({"date": dsr["date"], "score": values, "series": name})
                          for name, values in lines.items()], ignore_index=True)
        plot_trend(long, x="date", y="score", hue="series", kind="ratio", title=label(key, lang), lang=lang,
                   ax=ax, marker=None)
        for line in ax.get_lines()[1:len(lines)]:
            line.set_linestyle("--")  # the peer tier's line
        ax.yaxis.set_major_formatter(mticker.FormatStrFormatter("%.2f"))
        ax.set_xlabel("")
        ax.set_ylabel("")
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        if ax is axes[0]:
            names = list(lines)
    # drawn again so that the peer tier's handle is dashed too
    axes[0].legend(handles=axes[0].get_lines()[:len(names)], labels=names, loc="lower left", fontsize=8)
    plain_text(axes[0].get_legend().get_texts())
    return fig


def plot_drivers(drivers: pd.DataFrame, lang: str):
    """DSR driver coefficients with intervals, one row per score x driver."""
    import matplotlib.pyplot as plt

    set_theme(lang)
    data = drivers.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.38 * len(data) + 1.4), layout="constrained")
    y = np.arange(len(data))
    ax.errorbar(data["coefficient"], y, xerr=[data["coefficient"] - data["low"], data["high"] - data["coefficient"]],
                fmt="o", color="#4c72b0", capsize=3)
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(y, [f"{label(s, lang)} · {label(d, lang)}" for s, d in zip(data["dsr_score"], data["driver"],
                                                                          strict=True)])
    ax.set_xlabel(label("coefficient", lang))
    ax.set_title(label("chart_dsr_drivers", lang))
    return fig
