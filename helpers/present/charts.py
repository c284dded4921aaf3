"""One look for every chart: the theme with a Chinese font, formatted axes, the shared plots.

* :func:`set_theme` registers Noto Sans SC (SIL OFL, shipped by ``pylopdf_fonts_zh_cn``)
  with matplotlib and selects it, so Chinese renders without system CJK fonts.
* ``*_axis`` put the number formats of :mod:`helpers.present.format` on axes.
* :func:`plot_trend`, :func:`plot_heatmap` and :func:`plot_bar_change` are the shared charts.

Text from data (titles, sources) is never parsed as mathtext: "$5 off" stays as written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from helpers.core.metrics import METRICS
from helpers.i18n import is_zh, label, label_or_text
from helpers.present.format import (
    _sign,
    fmt_big,
    fmt_count,
    fmt_yuan,
    formatter,
    report_lang,
    set_report_lang,
)

#: The family name of the bundled font.
FONT_FAMILY = "Noto Sans SC"
# Fallbacks for glyphs Noto Sans SC lacks (it covers CJK, Latin, ¥, —, %, arrows).
_FALLBACK = ["DejaVu Sans"]

_STATE: dict[str, Any] = {"font_added": False, "theme": None}


# --------------------------------------------------------------------------- theme


def font_path() -> str:
    """Path of the bundled Noto Sans SC (.otf)."""
    import pylopdf_fonts_zh_cn

    return str(pylopdf_fonts_zh_cn.sans_path())


def _ensure_font() -> None:
    """Register Noto Sans SC with matplotlib once per process."""
    if _STATE["font_added"]:
        return
    path = font_path()
    if not any(f.fname == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    _STATE["font_added"] = True


def _font_rc() -> dict[str, Any]:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [FONT_FAMILY, *_FALLBACK],
        "axes.unicode_minus": False,  # the font's U+2212 is fine, but keep "-" everywhere
        # Text from data ("Kids $5-$10", a title with two "$") is never mathtext. Set for every
        # Text rather than text by text: tick labels made at draw time (more ticks than at
        # plotting) do not inherit a per-text setting, and one "$5_$" among them stops the report.
        "text.parse_math": False,
        "svg.fonttype": "none",
        "pdf.fonttype": 42,
    }


def set_theme(lang: str | None = None, *, context: str = "notebook", font_scale: float = 1.0) -> None:
    """Seaborn ``whitegrid`` theme with Noto Sans SC selected. Idempotent and cheap.

    ``sns.set_theme`` resets the font list, so the font is passed again on every call.
    ``lang`` becomes the report's language (:func:`helpers.present.format.set_report_lang`).
    """
    if lang is not None:
        set_report_lang(lang)
    key = (context, float(font_scale))
    _ensure_font()
    if _STATE["theme"] == key and _theme_intact():
        return
    import seaborn as sns

    sns.set_theme(
        context=context,
        style="whitegrid",
        palette="deep",
        font="sans-serif",
        font_scale=font_scale,
        rc=_font_rc(),
    )
    _STATE["theme"] = key


def _theme_intact() -> bool:
    rc = mpl.rcParams
    return (
        list(rc["font.sans-serif"])[:1] == [FONT_FAMILY]
        and list(rc["font.family"]) == ["sans-serif"]
        and not rc["axes.unicode_minus"]
        and not rc["text.parse_math"]
    )


def _ensure_theme(lang: str | None) -> str:
    """Theme for plot functions: set it if nobody did (or it was reset). Returns the lang."""
    lang = report_lang(lang)
    if _STATE["theme"] is None or not _theme_intact():
        set_theme()
    return lang



# --------------------------------------------------------------------------- axes


def _axis(ax: Axes, which: str):
    if which not in ("x", "y"):
        raise ValueError("axis must be 'x' or 'y'")
    return ax.yaxis if which == "y" else ax.xaxis


def _tick_big(v: float, lang: str) -> str:
    """fmt_big with one decimal, and "3.0万" shortened to "3万" (ticks are round numbers)."""
    text = fmt_big(v, lang, 1)
    for suffix in ("万", "亿", "k", "M", "B"):
        text = text.replace(f".0{suffix}", suffix)
    return text


def yuan_axis(ax: Axes, axis: str = "y", lang: str | None = None) -> Axes:
    """Ticks as money: ``¥500``, ``¥1.2万`` (zh) / ``¥12.0k`` (en)."""
    lang = report_lang(lang)

    def fmt(v: float, _pos: Any = None) -> str:
        if abs(v) >= 1e4:
            return f"{_sign(v)}¥{_tick_big(abs(v), lang)}"
        return fmt_yuan(v, 0 if abs(v) >= 10 or float(v).is_integer() else 2)

    _axis(ax, axis).set_major_formatter(mticker.FuncFormatter(fmt))
    return ax


def pct_axis(ax: Axes, axis: str = "y", digits: int | None = None) -> Axes:
    """Ticks of fractions as percent (``0.05 -> 5%``); decimals chosen from the range."""
    _axis(ax, axis).set_major_formatter(mticker.PercentFormatter(xmax=1.0, decimals=digits))
    return ax


def wan_axis(ax: Axes, axis: str = "y", lang: str | None = None) -> Axes:
    """Ticks of big numbers: ``5,000``, ``1.5万``, ``2亿`` (zh) / ``15k``, ``2M`` (en)."""
    lang = report_lang(lang)

    _axis(ax, axis).set_major_formatter(
        mticker.FuncFormatter(lambda v, _pos=None: _tick_big(v, lang))
    )
    return ax


def count_axis(ax: Axes, axis: str = "y") -> Axes:
    """Ticks as whole numbers with thousands separators."""
    _axis(ax, axis).set_major_formatter(mticker.FuncFormatter(lambda v, _p=None: fmt_count(v)))
    return ax


def _kind_axis(ax: Axes, kind: str, axis: str, lang: str) -> None:
    if kind in METRICS:
        kind = METRICS[kind].kind
    if kind == "yuan":
        yuan_axis(ax, axis, lang)
    elif kind in ("pct", "signed_pct"):
        pct_axis(ax, axis)
    elif kind in ("wan", "big"):
        wan_axis(ax, axis, lang)
    elif kind == "count":
        # counts of visitors and orders get large: 万 on the axis once they do
        wan_axis(ax, axis, lang)
    elif kind == "ratio":
        _axis(ax, axis).set_major_formatter(mticker.FormatStrFormatter("%.1f"))
    else:
        raise ValueError(f"unknown kind {kind!r}")




# --------------------------------------------------------------------------- plots


def plain_text(texts) -> None:
    """User text (titles, sources) must not be parsed as mathtext ("$5 off").

    The theme already makes every new Text plain (``text.parse_math``); this keeps texts
    plain on a figure drawn after someone changed the theme's settings."""
    for text in texts:
        text.set_parse_math(False)


def _figure(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def _source_note(fig: Figure, source: str | None, lang: str) -> None:
    """A "数据来源: ..." line at the bottom left, with room kept for it by the layout."""
    if not source:
        return
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        engine.set(rect=(0, 0.06, 1, 0.94))
    txt = fig.text(
        0.01, 0.01, f"{label('data_source', lang)}: {source}", ha="left", va="bottom", fontsize=8
    )
    txt.set_parse_math(False)


_DATE_FORMATS = {
    "zh": {
        "formats": ["%Y年", "%m月", "%d", "%H:%M", "%H:%M", "%S.%f"],
        "zero_formats": ["", "%Y年", "%m月", "%m-%d", "%H:%M", "%H:%M"],
        "offset_formats": ["", "%Y年", "%Y年%m月", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d %H:%M"],
    },
    "en": {},
}


def _date_axis(ax: Axes, lang: str, axis: str = "x") -> None:
    locator = mdates.AutoDateLocator()
    _axis(ax, axis).set_major_locator(locator)
    _axis(ax, axis).set_major_formatter(mdates.ConciseDateFormatter(locator, **_DATE_FORMATS[lang]))


def _as_dates(col: pd.Series) -> pd.Series:
    """datetime.date objects (the loader's ``date`` kind) become datetime64 for the axis."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return col
    if col.dtype == object:
        first = col.dropna().head(1)
        if len(first) and isinstance(first.iloc[0], (date, datetime)):
            return pd.to_datetime(col)
    return col


def plot_trend(
    df: pd.DataFrame,
    x: str,
    y: str,
    hue: str | None = None,
    kind: str = "count",
    title: str | None = None,
    lang: str | None = None,
    *,
    ax: Axes | None = None,
    figsize: tuple[float, float] = (9, 4),
    marker: str | None = "auto",
    source: str | None = None,
    highlight: tuple[Any, Any] | None = None,
) -> Figure:
    """Line chart of ``y`` over ``x`` (one line per ``hue``), axes formatted by ``kind``.

    ``highlight=(start, end)`` shades that span of ``x`` (the analysed period
    inside a longer history).

    ``kind``: ``"yuan"``, ``"pct"`` (fractions), ``"count"``, ``"wan"``, ``"ratio"`` or a
    metric key. Axis labels come from :func:`label` when the column names are known keys.
    ``source`` adds a "数据来源: ..." line under the chart. ``marker="auto"`` draws dots
    when there are at most 40 points per line. Dates get zh/en tick labels.
    """
    lang = _ensure_theme(lang)
    import seaborn as sns

    fig, ax = _figure(ax, figsize)
    data = df.reset_index(drop=True)
    data[x] = _as_dates(data[x])
    if marker == "auto":
        marker = "o" if data[x].nunique() <= 40 else None
    sns.lineplot(data=data, x=x, y=y, hue=hue, ax=ax, marker=marker)
    if highlight is not None:
        lo, hi = (pd.Timestamp(v) for v in highlight) if pd.api.types.is_datetime64_any_dtype(
            data[x]) else highlight
        if isinstance(lo, pd.Timestamp):  # cover the whole last day
            hi = hi + pd.Timedelta(days=1)
        ax.axvspan(lo, hi, color="#f2c14e", alpha=0.18, lw=0)
    _kind_axis(ax, kind, "y", lang)
    if pd.api.types.is_datetime64_any_dtype(data[x]):
        _date_axis(ax, lang)
    ax.set_xlabel(label_or_text(x, lang))
    ax.set_ylabel(label_or_text(y, lang))
    if title:
        ax.set_title(title)
    legend = ax.get_legend()
    if legend is not None:
        if hue:
            legend.set_title(label_or_text(hue, lang))
        plain_text(legend.get_texts())
        plain_text([legend.get_title()])
    plain_text([ax.title, ax.xaxis.label, ax.yaxis.label])
    _source_note(fig, source, lang)
    return fig


def plot_heatmap(
    df: pd.DataFrame,
    kind: str = "pct",
    title: str | None = None,
    lang: str | None = None,
    *,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
    annotate: bool | None = None,
    cmap: str = "YlGnBu",
    center: float | None = None,
    source: str | None = None,
) -> Figure:
    """Heat map of a table (rows x columns), cells coloured and, when small enough, labelled.

    ``center`` (e.g. 0 for profit and loss) centres a diverging ``cmap`` on that value.

    ``kind`` formats the cell labels and the colour bar (``"pct"`` for fractions, ``"yuan"``,
    ``"count"``, ...). Missing cells (NaN) stay blank, e.g. months a cohort has not reached.
    ``annotate=None`` writes the values when the table has at most 25 columns and 40 rows.
    Row and column labels are shown as plain text (no mathtext).
    """
    lang = _ensure_theme(lang)
    import seaborn as sns

    n_rows, n_cols = df.shape
    if figsize is None:
        figsize = (min(16, max(6, 0.55 * n_cols + 2.5)), min(14, max(3, 0.32 * n_rows + 1.5)))
    fig, ax = _figure(ax, figsize)
    if annotate is None:
        annotate = n_cols <= 25 and n_rows <= 40
    values = df.astype(float)
    fmt = formatter("signed_pct" if kind == "signed_pct" else kind, lang)
    labels = values.map(lambda v: "" if pd.isna(v) else fmt(v)) if annotate else None
    sns.heatmap(values, ax=ax, cmap=cmap, center=center, annot=labels if annotate else False, fmt="",
                annot_kws={"fontsize": 7}, linewidths=0.4, linecolor="white",
                cbar_kws={"shrink": 0.8})
    cbar = ax.collections[0].colorbar if ax.collections else None
    if cbar is not None:
        _kind_axis(cbar.ax, kind, "y", lang)
    ax.set_xlabel(xlabel if xlabel is not None else label_or_text(df.columns.name or "", lang))
    ax.set_ylabel(ylabel if ylabel is not None else label_or_text(df.index.name or "", lang))
    ax.tick_params(axis="x", labelrotation=0)
    ax.tick_params(axis="y", labelrotation=0)
    if title:
        ax.set_title(title)
    plain_text([*ax.get_xticklabels(), *ax.get_yticklabels(), ax.title, ax.xaxis.label, ax.yaxis.label,
                 *ax.texts])
    _source_note(fig, source, lang)
    return fig


def _truncate(text: Any, width: int) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def plot_bar_change(
    df: pd.DataFrame,
    label_col: str,
    value_col: str,
    kind: str = "pct",
    title: str | None = None,
    lang: str | None = None,
    *,
    top: int | None = 10,
    colors: tuple[str, str] | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
    max_label_len: int = 24,
    source: str | None = None,
) -> Figure:
    """ "Biggest movers": diverging horizontal bars, increases and decreases coloured.

    The ``top`` rows by absolute value are shown (all rows with ``top=None``), sorted
    so the biggest increase is at the top. Values are written at the bar ends.
    ``kind`` formats the values (``"pct"`` is shown signed, ``"yuan"``, ``"count"``, ...).

    Colours follow the reading convention of the report language: zh 红涨绿跌 (red up,
    green down, as on 生意参谋), en green up / red down. ``colors=(up, down)`` overrides.
    """
    lang = _ensure_theme(lang)
    data = df[[label_col, value_col]].dropna(subset=[value_col])
    if top is not None:
        order = data[value_col].abs().sort_values(ascending=False, kind="stable").index
        data = data.loc[order[:top]]
    data = data.sort_values(value_col, ascending=True, kind="stable")
    if colors is None:
        colors = ("#d62728", "#2ca02c") if is_zh(lang) else ("#2ca02c", "#d62728")
    up, down = colors
    values = data[value_col].to_numpy(dtype=float)
    n = len(data)
    if figsize is None:
        figsize = (9, max(2.5, 0.38 * n + 1.2))
    fig, ax = _figure(ax, figsize)
    ypos = np.arange(n)
    ax.barh(ypos, values, color=[up if v > 0 else down for v in values], height=0.65)
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.set_yticks(ypos, [_truncate(v, max_label_len) for v in data[label_col]])
    ax.grid(axis="y", visible=False)
    value_kind = "signed_pct" if kind == "pct" else kind
    fmt = formatter(value_kind, lang)
    span = float(np.max(np.abs(values))) if n else 1.0
    span = span or 1.0
    for y, v in zip(ypos, values, strict=True):
        ax.text(
            v + (0.01 * span if v >= 0 else -0.01 * span),
            y,
            fmt(v),
            va="center",
            ha="left" if v >= 0 else "right",
            fontsize=9,
        ).set_parse_math(False)
    lo = min(0.0, float(values.min()) if n else 0.0)
    hi = max(0.0, float(values.max()) if n else 0.0)
    pad = 0.18 * span
    ax.set_xlim(lo - (pad if lo < 0 else 0.02 * span), hi + (pad if hi > 0 else 0.02 * span))
    _kind_axis(ax, kind, "x", lang)
    ax.set_xlabel(label_or_text(value_col, lang))
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    if n == 0:
        ax.text(0.5, 0.5, label("no_data", lang), transform=ax.transAxes, ha="center")
    plain_text([*ax.get_yticklabels(), ax.title, ax.xaxis.label])
    _source_note(fig, source, lang)
    return fig

