"""One look for every report: theme, Chinese font, number formats, labels, tables, plots.

* :func:`set_theme` registers Noto Sans SC (SIL OFL, shipped by ``pylopdf_fonts_zh_cn``)
  with matplotlib and selects it, so Chinese renders without system CJK fonts.
* ``fmt_*`` format single numbers (NaN -> "—"); ``*_axis`` put the same formats on axes.
* :func:`label` names metrics (from :mod:`helpers.metrics`), :func:`t` common UI words.
* :func:`style_table` formats a DataFrame for a report and HTML-escapes every cell.
* :func:`plot_trend` and :func:`plot_bar_change` are the shared charts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
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

from helpers import metrics as _metrics

__all__ = [
    "DASH",
    "FONT_FAMILY",
    "FORMATTERS",
    "UI_TEXT",
    "count_axis",
    "font_path",
    "fmt_big",
    "fmt_count",
    "fmt_pct",
    "fmt_ratio",
    "fmt_wan",
    "fmt_yuan",
    "formatter",
    "label",
    "pct_axis",
    "plot_bar_change",
    "plot_heatmap",
    "plot_trend",
    "set_theme",
    "style_table",
    "t",
    "wan_axis",
    "yuan_axis",
]

#: What a missing value looks like in reports.
DASH = "—"
#: The family name of the bundled font.
FONT_FAMILY = "Noto Sans SC"
# Fallbacks for glyphs Noto Sans SC lacks (it covers CJK, Latin, ¥, —, %, arrows).
_FALLBACK = ["DejaVu Sans"]

_STATE: dict[str, Any] = {"font_added": False, "theme": None, "lang": "zh"}


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
        "svg.fonttype": "none",
        "pdf.fonttype": 42,
    }


def set_theme(lang: str = "zh", *, context: str = "notebook", font_scale: float = 1.0) -> None:
    """Seaborn ``whitegrid`` theme with Noto Sans SC selected. Idempotent and cheap.

    ``sns.set_theme`` resets the font list, so the font is passed again on every call.
    ``lang`` becomes the default language of the plot functions here.
    """
    _STATE["lang"] = _lang(lang)
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
    )


def _ensure_theme(lang: str | None) -> str:
    """Theme for plot functions: set it if nobody did (or it was reset). Returns the lang."""
    lang = _lang(lang or _STATE["lang"])
    if _STATE["theme"] is None or not _theme_intact():
        set_theme(lang)
        _STATE["lang"] = lang
    return lang


def _lang(lang: str | None) -> str:
    lang = (lang or _STATE["lang"]).lower()
    if lang.startswith("zh"):
        return "zh"
    if lang.startswith("en"):
        return "en"
    raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")


# --------------------------------------------------------------------------- formatters


def _num(x: Any) -> float | None:
    """float(x), or None for missing / non-finite."""
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _sign(v: float) -> str:
    return "-" if v < 0 else ""


def fmt_yuan(x: Any, digits: int | None = None) -> str:
    """Money: ``"¥1,234"``; below ¥100 with fen: ``"¥12.50"``; ``"-¥1,234"``; NaN -> ``"—"``."""
    v = _num(x)
    if v is None:
        return DASH
    if digits is None:
        digits = 0 if abs(v) >= 100 else 2
    text = f"{abs(v):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return f"¥{text}"
    return f"{_sign(v)}¥{text}"


def fmt_pct(x: Any, digits: int = 1, signed: bool = False) -> str:
    """A fraction as percent: ``0.035 -> "3.5%"``; ``signed=True`` gives ``"+3.5%"``."""
    v = _num(x)
    if v is None:
        return DASH
    text = f"{v * 100:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
        return f"{text}%"
    return f"{'+' if signed and v > 0 else ''}{text}%"


def fmt_count(x: Any) -> str:
    """Whole number with thousands separators: ``"1,234"``, ``"-56"``; NaN -> ``"—"``."""
    v = _num(x)
    if v is None:
        return DASH
    text = f"{round(v):,d}"
    return "0" if text == "-0" else text


def fmt_ratio(x: Any, digits: int = 2) -> str:
    """A ratio such as ROI: ``3.256 -> "3.26"``; NaN -> ``"—"``."""
    v = _num(x)
    if v is None:
        return DASH
    text = f"{v:,.{digits}f}"
    return text.lstrip("-") if float(text.replace(",", "")) == 0 else text


def _small(v: float) -> str:
    if float(v).is_integer():
        return fmt_count(v)
    return fmt_ratio(v, 2)


def fmt_wan(x: Any, digits: int = 2) -> str:
    """Chinese big numbers: ``12345 -> "1.23万"``, ``1.5e8 -> "1.50亿"``, ``9999 -> "9,999"``.

    Rounding never shows ``"10000.00万"``: it moves up to 亿.
    """
    v = _num(x)
    if v is None:
        return DASH
    a = abs(v)
    if round(a / 1e4, digits) >= 1e4:
        return f"{_sign(v)}{a / 1e8:,.{digits}f}亿"
    if a >= 1e4 or round(a) >= 1e4:
        return f"{_sign(v)}{a / 1e4:.{digits}f}万"
    return _small(v)


def fmt_big(x: Any, lang: str | None = None, digits: int | None = None) -> str:
    """Big numbers for the report language: zh ``"1.23万"`` / ``"1.50亿"``, en ``"12.3k"`` /
    ``"150.0M"`` / ``"1.5B"``. Below 10,000 (zh) or 1,000 (en) the plain number."""
    if _lang(lang) == "zh":
        return fmt_wan(x, 2 if digits is None else digits)
    v = _num(x)
    if v is None:
        return DASH
    digits = 1 if digits is None else digits
    a = abs(v)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        # 999,960 is "1.0M", not "1000.0k"
        if a >= size or (size > 1e3 and round(a / (size / 1e3), digits) >= 1e3):
            return f"{_sign(v)}{a / size:.{digits}f}{suffix}"
    return _small(v)


#: Format kinds accepted by :func:`style_table` and the axis helpers.
FORMATTERS: dict[str, Callable[..., str]] = {
    "yuan": fmt_yuan,
    "pct": fmt_pct,
    "signed_pct": lambda x: fmt_pct(x, signed=True),
    "count": fmt_count,
    "wan": fmt_wan,
    "ratio": fmt_ratio,
}


def formatter(kind: str | Callable[[Any], str], lang: str | None = None) -> Callable[[Any], str]:
    """Scalar formatter for a kind (``yuan``, ``pct``, ``signed_pct``, ``count``, ``wan``,
    ``big``, ``ratio``) or a metric key (its unit decides)."""
    if callable(kind):
        return kind
    if kind == "big":
        lang = _lang(lang)
        return lambda x: fmt_big(x, lang)
    if kind in FORMATTERS:
        return FORMATTERS[kind]
    if kind in _metrics.METRICS:
        return FORMATTERS[_metrics.METRICS[kind].kind]
    raise ValueError(f"unknown format {kind!r}; use one of {[*FORMATTERS, 'big']} or a metric key")


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
    lang = _lang(lang)

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
    lang = _lang(lang)

    _axis(ax, axis).set_major_formatter(
        mticker.FuncFormatter(lambda v, _pos=None: _tick_big(v, lang))
    )
    return ax


def count_axis(ax: Axes, axis: str = "y") -> Axes:
    """Ticks as whole numbers with thousands separators."""
    _axis(ax, axis).set_major_formatter(mticker.FuncFormatter(lambda v, _p=None: fmt_count(v)))
    return ax


def _kind_axis(ax: Axes, kind: str, axis: str, lang: str) -> None:
    if kind in _metrics.METRICS:
        kind = _metrics.METRICS[kind].kind
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


# --------------------------------------------------------------------------- labels

#: Common UI words: key -> (中文, English).
UI_TEXT: dict[str, tuple[str, str]] = {
    "period": ("本期", "This period"),
    "metric": ("指标", "Metric"),
    "current": ("本期", "This period"),
    "previous": ("上期", "Previous period"),
    "last_year": ("去年同期", "Same weeks last year"),
    "vs_peer_avg": ("对比同行平均", "vs. peer average"),
    "delta": ("变化额", "Change (yuan)"),
    "share_of_change": ("占总变化", "Share of total change"),
    "paid_orders": ("支付订单数", "Paid orders"),
    "units": ("支付件数", "Units"),
    "ad_spend": ("推广花费", "Ad spend"),
    "previous_period": ("上期", "Previous period"),
    "same_period_last_year": ("去年同期", "Same period last year"),
    "mom": ("环比", "vs. previous period"),
    "yoy": ("同比", "vs. last year"),
    "change": ("变化", "Change"),
    "share": ("占比", "Share"),
    "total": ("合计", "Total"),
    "other": ("其他", "Other"),
    "peer_avg": ("同行平均", "Peer average"),
    "peer_excellent": ("同行优秀", "Peer excellent"),
    "source": ("流量来源", "Source"),
    "source_group": ("来源分组", "Source group"),
    "category": ("类目", "Category"),
    "product": ("商品", "Product"),
    "title": ("商品标题", "Title"),
    "brand": ("品牌", "Brand"),
    "shop": ("店铺", "Shop"),
    "sales": ("支付金额", "Sales"),
    "paid_amount": ("支付金额", "Paid amount"),
    "orders": ("订单数", "Orders"),
    "order_lines": ("订单行数", "Order lines"),
    "quantity": ("件数", "Units"),
    "visitors": ("访客数", "Visitors"),
    "page_views": ("浏览量", "Page views"),
    "buyers": ("支付买家数", "Buyers"),
    "paid_buyers": ("支付买家数", "Paid buyers"),
    "customers": ("客户数", "Customers"),
    "new_customers": ("新客", "New customers"),
    "returning_customers": ("老客", "Returning customers"),
    "refund_amount": ("退款金额", "Refunds"),
    "spend": ("花费", "Spend"),
    "impressions": ("展现量", "Impressions"),
    "clicks": ("点击量", "Clicks"),
    "channel": ("推广渠道", "Channel"),
    "plan": ("推广计划", "Plan"),
    "campaign": ("活动", "Campaign"),
    "keyword": ("关键词", "Keyword"),
    "date": ("日期", "Date"),
    "day": ("日", "Day"),
    "week": ("周", "Week"),
    "month": ("月", "Month"),
    "price": ("价格", "Price"),
    "cost": ("成本", "Cost"),
    "rank": ("排名", "Rank"),
    "target": ("目标", "Target"),
    "forecast": ("预测", "Forecast"),
    "actual": ("实际", "Actual"),
    "data_source": ("数据来源", "Source"),
    "note": ("注", "Note"),
    "no_data": ("无数据", "No data"),
    "biggest_movers": ("变化最大", "Biggest movers"),
    "increase": ("上升", "Increase"),
    "decrease": ("下降", "Decrease"),
    # customers and members (helpers.customers)
    "customer_id": ("客户ID", "Customer id"),
    "segment": ("客户分层", "Segment"),
    "recency_days": ("最近购买距今(天)", "Days since last purchase"),
    "frequency": ("购买次数", "Purchases"),
    "monetary": ("消费金额", "Spend"),
    "purchases": ("购买次数", "Purchases"),
    "share_of_sales": ("销售额占比", "Share of sales"),
    "month_sales": ("当月消费", "Sales in the month"),
    "repeat_customers": ("复购客户数", "Repeat customers"),
    "previous_customers": ("上期客户数", "Previous period's customers"),
    "rate": ("比率", "Rate"),
    "low": ("区间下限", "Low"),
    "high": ("区间上限", "High"),
    "numerator": ("分子", "Numerator"),
    "denominator": ("分母", "Denominator"),
    "window": ("统计窗口", "Window"),
    "definition": ("口径", "Definition"),
    "cohort": ("首购月", "Cohort"),
    "age": ("首购后月数", "Months since first purchase"),
    "cohort_customers": ("同期群客户数", "Cohort customers"),
    "active_customers": ("有购买的客户数", "Customers buying"),
    "first_product": ("首购商品", "First product"),
    "first_source": ("首购来源", "First source"),
    "days_between": ("购买间隔(天)", "Days between purchases"),
    "p_alive": ("活跃概率", "P(active)"),
    "p_alive_change": ("活跃概率30天变化", "Change in P(active) over 30 days"),
    "expected_purchases": ("预计购买次数", "Expected purchases"),
    "value_per_purchase": ("预计单次消费", "Expected spend per purchase"),
    "expected_value": ("预计消费金额", "Expected value"),
    "last_purchase": ("最近购买日", "Last purchase"),
    "days_since_last": ("距上次购买(天)", "Days since last purchase"),
    "usual_gap_days": ("平常购买间隔(天)", "Usual gap (days)"),
    "overdue_days": ("超期天数", "Days overdue"),
    "reason": ("入选原因", "Why listed"),
    "action": ("建议动作", "Suggested action"),
    "predicted": ("预测", "Predicted"),
    "error": ("预测误差", "Error"),
    "parameter": ("参数", "Parameter"),
    "estimate": ("估计值", "Estimate"),
    "se": ("标准误", "Std. error"),
    "recall_customers": ("召回名单客户数", "Customers on the recall list"),
}


def t(key: str, lang: str | None = None) -> str:
    """A common UI word: ``t("previous_period") == "上期"``, ``t("source", "en") == "Source"``.

    Falls back to metric names (``t("aov") == "客单价"``).
    """
    lang = _lang(lang)
    if key in UI_TEXT:
        return UI_TEXT[key][0 if lang == "zh" else 1]
    if key in _metrics.METRICS:
        return _metrics.label(key, lang)
    raise KeyError(f"no UI text {key!r}; add it to helpers.plots.UI_TEXT")


def label(key: str, lang: str | None = None, unit: bool = False) -> str:
    """Name of a metric (from the :mod:`helpers.metrics` registry), else a UI word."""
    lang = _lang(lang)
    if key in _metrics.METRICS:
        return _metrics.label(key, lang, unit=unit)
    return t(key, lang)


def label_from(table: Mapping[str, tuple[str, str]], key: str, lang: str = "zh") -> str:
    """A word from an area module's own (中文, English) table, else the shared :func:`label`.

    Raises ValueError for a language other than zh or en (a report parameter typo).
    """
    from helpers.params import is_zh

    if key in table:
        return table[key][0 if is_zh(lang) else 1]
    return label(key, lang)


def _maybe_label(key: Any, lang: str) -> str:
    """Translate a column name when we know it, else show it as it is."""
    if isinstance(key, str) and (key in _metrics.METRICS or key in UI_TEXT):
        return label(key, lang)
    return str(key)


# --------------------------------------------------------------------------- tables


def style_table(
    df: pd.DataFrame,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    lang: str | None = None,
    *,
    translate: bool = True,
    hide_index: bool = False,
):
    """A pandas Styler for reports: numbers formatted, NaN as "—", all text HTML-escaped.

    Parameters
    ----------
    df : DataFrame
    formats : dict column -> kind
        ``"yuan"``, ``"pct"``, ``"signed_pct"``, ``"count"``, ``"wan"``, ``"big"``,
        ``"ratio"``, a metric key (its unit decides) or a callable. Other columns are
        shown as they are (text escaped).
    lang : "zh" or "en"
        Language of ``big`` numbers and of translated headers.
    translate : bool
        Show known column names (metric keys, :data:`UI_TEXT` keys) in ``lang``.
    hide_index : bool
        Hide the row index.

    Cells, index and header labels are HTML-escaped (product titles and reviews come from
    users and must not inject HTML into reports).
    """
    lang = _lang(lang)
    formats = dict(formats or {})
    missing = [c for c in formats if c not in df.columns]
    if missing:
        raise KeyError(f"formats name columns that are not in the table: {missing}")
    data = df
    if translate and not isinstance(df.columns, pd.MultiIndex):
        mapping = {c: _maybe_label(c, lang) for c in df.columns}
        if len(set(mapping.values())) == len(mapping):  # never merge two columns
            data = df.rename(columns=mapping)
            formats = {mapping[c]: kind for c, kind in formats.items()}
    fmt = {col: formatter(kind, lang) for col, kind in formats.items()}
    styler = data.style.format(na_rep=DASH, escape="html")
    if fmt:
        styler = styler.format(fmt, na_rep=DASH, escape="html")
    styler = styler.format_index(escape="html", axis=0, na_rep=DASH)
    styler = styler.format_index(escape="html", axis=1, na_rep=DASH)
    if hide_index:
        styler = styler.hide(axis="index")
    return styler


# --------------------------------------------------------------------------- plots


def _plain_text(texts) -> None:
    """User text (titles, sources) must not be parsed as mathtext ("$5 off")."""
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
        0.01, 0.01, f"{t('data_source', lang)}: {source}", ha="left", va="bottom", fontsize=8
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
    ax.set_xlabel(_maybe_label(x, lang))
    ax.set_ylabel(_maybe_label(y, lang))
    if title:
        ax.set_title(title)
    legend = ax.get_legend()
    if legend is not None:
        if hue:
            legend.set_title(_maybe_label(hue, lang))
        _plain_text(legend.get_texts())
        _plain_text([legend.get_title()])
    _plain_text([ax.title, ax.xaxis.label, ax.yaxis.label])
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
    ax.set_xlabel(xlabel if xlabel is not None else _maybe_label(df.columns.name or "", lang))
    ax.set_ylabel(ylabel if ylabel is not None else _maybe_label(df.index.name or "", lang))
    ax.tick_params(axis="x", labelrotation=0)
    ax.tick_params(axis="y", labelrotation=0)
    if title:
        ax.set_title(title)
    _plain_text([*ax.get_xticklabels(), *ax.get_yticklabels(), ax.title, ax.xaxis.label, ax.yaxis.label,
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
        colors = ("#d62728", "#2ca02c") if lang == "zh" else ("#2ca02c", "#d62728")
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
    ax.set_xlabel(_maybe_label(value_col, lang))
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    if n == 0:
        ax.text(0.5, 0.5, t("no_data", lang), transform=ax.transAxes, ha="center")
    _plain_text([*ax.get_yticklabels(), ax.title, ax.xaxis.label])
    _source_note(fig, source, lang)
    return fig
