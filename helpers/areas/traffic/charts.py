"""Traffic plots: the daily trend per source group, the funnel, the profit grid, the sales
change per source and the largest anomaly in context. Titles, axes and legends are in the
report's language; names from data (sources) are shown as plain text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.areas.traffic.anomalies import METRIC_KINDS, AnomalyScan
from helpers.areas.traffic.calc import FUNNEL_STAGES, item_name
from helpers.i18n import is_zh, label, pick
from helpers.present.charts import plot_bar_change, plot_heatmap, plot_trend, set_theme
from helpers.present.format import fmt_count, fmt_pct, fmt_yuan


def plot_daily_trend(trend: pd.DataFrame, lang: str, y: str = "visitors", kind: str = "count",
                     by: str = "source_group", highlight: tuple | None = None):
    """Daily ``y`` (formatted as ``kind``) per source group, traffic type or source of
    :func:`helpers.areas.traffic.calc.daily_trend`, the analysed period shaded by ``highlight``."""
    shown = trend.copy()
    shown[by] = [item_name(g, by, lang) for g in trend[by]]
    return plot_trend(shown, x="date", y=y, hue=by, kind=kind, lang=lang, title=label(y, lang), highlight=highlight)


def plot_funnel(funnel: pd.DataFrame, lang: str, title: str | None = None):
    """Horizontal funnel of the whole shop: stage counts, share of visitors, step rate
    (:func:`helpers.areas.traffic.calc.build_funnel`)."""
    import matplotlib.pyplot as plt

    set_theme(lang)
    row = funnel.loc["total"]
    values = [row[k] for k in FUNNEL_STAGES]
    fig, ax = plt.subplots(figsize=(9, 3.6), layout="constrained")
    y = np.arange(len(values))[::-1]
    top = max(values) or 1.0
    ax.barh(y, values, left=[(top - v) / 2 for v in values], color="#4c72b0", height=0.6)
    for i, (yy, v) in enumerate(zip(y, values, strict=True)):
        share = fmt_pct(v / top if top else float("nan"), 1)
        step = "" if i == 0 else " · " + fmt_pct(v / values[i - 1] if values[i - 1] else float("nan"), 1)
        wide = v > 0.4 * top  # the label fits inside the bar; else it goes to its right
        ax.text(top / 2 if wide else (top + v) / 2 + 0.01 * top, yy, f"{fmt_count(v)} ({share}{step})",
                ha="center" if wide else "left", va="center", color="white" if wide else "#222222",
                fontsize=10).set_parse_math(False)
    ax.set_yticks(y, [label(k, lang) for k in FUNNEL_STAGES])
    ax.set_xticks([])
    ax.grid(False)
    ax.set_title(title or pick(lang, "转化漏斗（占访客 · 环节通过率）", "Funnel (share of visitors · step rate)"))
    return fig


def plot_profit_grid(grid: pd.DataFrame, lang: str):
    """Heat map of :func:`helpers.areas.traffic.ads.build_profit_grid`: gross profit after ads
    by CPC and click conversion; None for an empty grid.

    Profit is red and loss green in Chinese reports (红盈绿亏, as 生意参谋 colours gains),
    green and red in English ones; the colour scale is centred on zero.
    """
    if grid.empty:
        return None
    shown = grid.copy()
    shown.index = [fmt_pct(v, 2) for v in grid.index]
    shown.columns = [fmt_yuan(v) for v in grid.columns]
    return plot_heatmap(shown, kind="yuan", lang=lang, cmap="RdYlGn_r" if is_zh(lang) else "RdYlGn", center=0.0,
                        xlabel=label("cpc_axis", lang), ylabel=label("conversion_axis", lang),
                        title=pick(lang, "点击花费 × 点击转化率 → 推广后毛利",
                                   "CPC × click conversion → gross profit after ads"))


def plot_effects(table: pd.DataFrame, lang: str):
    """Bars of each source's sales change (yuan) against the previous period, largest moves
    (:func:`helpers.areas.traffic.decomposition.decompose_sales`)."""
    rows = table.drop(index=["total", "sum_of_sources"])
    frame = pd.DataFrame({"label": rows.index.astype(str), "delta": rows["delta"].to_numpy()})
    return plot_bar_change(frame, "label", "delta", kind="yuan", lang=lang,
                           title=pick(lang, "各来源销售额变化", "Sales change by source"))


def plot_anomalies(result: AnomalyScan, lang: str):
    """The largest anomaly in context: its source's metric against the baseline over the scan,
    anomaly days marked. None when the scan found nothing."""
    if result.anomalies.empty:
        return None
    top = result.anomalies.iloc[0]
    cells = result.cells[(result.cells["source"] == top["source"])
                         & (result.cells["metric"] == top["metric"])].sort_values("date")
    frame = pd.concat([pd.DataFrame({"date": cells["date"], "series": label(key, lang), "value": cells[col]})
                       for key, col in (("observed", "observed"), ("baseline_expected", "expected"))],
                      ignore_index=True)
    name = label(top["metric"], lang)
    fig = plot_trend(frame, x="date", y="value", hue="series", kind=METRIC_KINDS[top["metric"]], lang=lang,
                     title=f"{top['source']} · {name}")
    ax = fig.axes[0]
    hits = cells[cells["anomaly"]]
    ax.scatter(hits["date"], hits["observed"], s=60, color="#d62728", zorder=5)
    ax.set_ylabel(name)
    if ax.get_legend() is not None:
        ax.get_legend().set_title("")
    return fig
