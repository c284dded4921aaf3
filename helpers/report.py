"""What notebooks show: escaped Markdown, formatted tables, notes and generated sentences.

Text that comes from data (titles, source names, review text) is HTML-escaped
before it reaches a report: :func:`escape` for sentences, ``plots.style_table``
for tables.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Iterable

import pandas as pd

from helpers import metrics

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~])")


def escape(text: object) -> str:
    """Make data text inert in Markdown and HTML: ``<>&`` become entities, Markdown marks are escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def show_markdown(text: str) -> None:
    """Display Markdown in a notebook (plain print outside IPython)."""
    try:
        from IPython.display import Markdown, display

        display(Markdown(text))
    except ImportError:  # pragma: no cover - notebooks always have IPython
        print(text)


def show_notes(notes: Iterable[str], lang: str = "zh") -> None:
    """List data and method notes (repairs, defaults, skipped sections) under a heading."""
    notes = [n for n in notes if n]
    if not notes:
        return
    head = "**数据说明**" if lang == "zh" else "**Notes on the data**"
    show_markdown(head + "\n\n" + "\n".join(f"- {escape(n)}" for n in notes))


def capture_notes(func, *args, **kwargs):
    """Call ``func`` and return (result, notes) where notes are the MetricNote messages it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", metrics.MetricNote)
        result = func(*args, **kwargs)
    notes = [str(w.message) for w in caught if issubclass(w.category, metrics.MetricNote)]
    for w in caught:
        if not issubclass(w.category, metrics.MetricNote):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result, list(dict.fromkeys(notes))


def format_value(value: float, kind: str, lang: str = "zh") -> str:
    """One figure formatted for a sentence: yuan, percent, count or ratio; NaN as "—"."""
    from helpers import plots

    if value is None or pd.isna(value):
        return "—"
    if kind == "yuan":
        return plots.fmt_yuan(value) if abs(value) < 1e5 else "¥" + plots.fmt_big(value, lang)
    if kind == "pct":
        return plots.fmt_pct(value, 2)
    if kind == "ratio":
        return f"{value:.2f}"
    return plots.fmt_big(value, lang) if abs(value) >= 1e5 else f"{value:,.0f}"


def format_change(change: float, lang: str = "zh") -> str:
    """A relative change as a signed percent (``+12.3%``), or a phrase when it is undefined."""
    if change is None or pd.isna(change):
        return "无可比数据" if lang == "zh" else "no comparable data"
    return f"{change:+.1%}"


def describe_overview(table: pd.DataFrame, period_label: str, lang: str = "zh") -> str:
    """Sentences summarising a :func:`helpers.overview.compare_periods` table.

    Says how sales moved against the previous period and last year, and which
    of visitors, conversion and AOV drove the move (GMV = UV x CVR x AOV).
    """
    def val(k, col="current"):
        return table.loc[k, col] if k in table.index else float("nan")

    sales_now = format_value(val("sales"), "yuan", lang)
    parts = []
    if lang == "zh":
        parts.append(f"{escape(period_label)} 支付金额 {sales_now}，环比 {format_change(val('sales', 'change'), lang)}，"
                     f"同比 {format_change(val('sales', 'yoy'), lang)}。")
    else:
        parts.append(f"Sales in {escape(period_label)} were {sales_now}, {format_change(val('sales', 'change'), lang)} "
                     f"on the previous period and {format_change(val('sales', 'yoy'), lang)} on last year.")
    drivers = {k: val(k, "change") for k in ("visitors", "conversion_rate", "aov")}
    known = {k: v for k, v in drivers.items() if pd.notna(v)}
    if known:
        from helpers.plots import label

        main = max(known, key=lambda k: abs(known[k]))
        name = label(main, lang)
        if lang == "zh":
            parts.append("销售额 = 访客数 × 支付转化率 × 客单价：三者环比分别为 "
                         + "、".join(format_change(drivers[k], lang) for k in drivers)
                         + f"，变化最大的是{name}（{format_change(known[main], lang)}）。")
        else:
            parts.append("Sales = visitors x conversion x AOV; these moved "
                         + ", ".join(format_change(drivers[k], lang) for k in drivers)
                         + f" respectively, and the biggest mover was {name} ({format_change(known[main], lang)}).")
    refund = val("refund_rate_by_value")
    if pd.notna(refund):
        parts.append(f"退款率（金额）{format_value(refund, 'pct', lang)}。" if lang == "zh" else
                      f"Refund rate by value was {format_value(refund, 'pct', lang)}.")
    return " ".join(parts)


def describe_peers(table: pd.DataFrame, visitors: float, lang: str = "zh") -> str:
    """Where the shop stands against its peer tier, and what closing the UV-value gap is worth.

    Worth = (peer average UV value - own UV value) x the period's visitors,
    in yuan: the extra sales at current traffic if UV value reached the
    tier average.
    """
    rows = [k for k in ("conversion_rate", "uv_value", "aov") if k in table.index and pd.notna(table.loc[k, "peer_avg"])]
    if not rows:
        return ("本期没有同行同层数据。" if lang == "zh" else "No peer-tier data for this period.")
    parts = []
    for k in rows:
        own, avg, exc = table.loc[k, ["current", "peer_avg", "peer_excellent"]]
        kind = "pct" if k == "conversion_rate" else "yuan"
        rel = "高于" if own >= avg else "低于"
        if lang == "zh":
            parts.append(f"{metrics.label(k, lang)} {format_value(own, kind, lang)}，{rel}同行平均 "
                         f"{format_value(avg, kind, lang)}（优秀 {format_value(exc, kind, lang)}）。")
        else:
            rel = "above" if own >= avg else "below"
            parts.append(f"{metrics.label(k, lang)} {format_value(own, kind, lang)} is {rel} the tier average "
                         f"{format_value(avg, kind, lang)} (excellent {format_value(exc, kind, lang)}).")
    if "uv_value" in rows:
        gap = table.loc["uv_value", "peer_avg"] - table.loc["uv_value", "current"]
        if gap > 0 and pd.notna(visitors):
            worth = format_value(gap * visitors, "yuan", lang)
            parts.append(f"若 UV价值 追平同行平均，按本期访客可多卖约 {worth}。" if lang == "zh" else
                         f"Reaching the tier's average UV value would add about {worth} at this period's traffic.")
    return " ".join(parts)


def describe_movers(movers: pd.DataFrame, dimension_label: str, lang: str = "zh") -> str:
    """One sentence naming the biggest riser and faller of a :func:`helpers.overview.top_movers` table."""
    if movers.empty:
        return "两期销售额没有变化。" if lang == "zh" else "No change in sales between the two periods."
    up, down = movers[movers["delta"] > 0], movers[movers["delta"] < 0]
    parts = []
    if not up.empty:
        top = up.iloc[0]
        parts.append(f"{dimension_label}中增长最多的是「{escape(up.index[0])}」（{format_value(top['delta'], 'yuan', lang)}，"
                      f"占总变化 {format_change(top['share_of_change'], lang)}）" if lang == "zh" else
                      f"The biggest riser by {dimension_label} was “{escape(up.index[0])}” "
                      f"(+{format_value(top['delta'], 'yuan', lang)}, {format_change(top['share_of_change'], lang)} "
                      "of the total change)")
    if not down.empty:
        low = down.iloc[0]
        parts.append(f"下降最多的是「{escape(down.index[0])}」（{format_value(low['delta'], 'yuan', lang)}）" if lang == "zh"
                      else f"the biggest faller was “{escape(down.index[0])}” ({format_value(low['delta'], 'yuan', lang)})")
    return ("；".join(parts) + "。") if lang == "zh" else ("; ".join(parts) + ".")


def _header(col: str, lang: str) -> str:
    from helpers.plots import label

    return label("mom" if col == "change" else col, lang)  # a period-on-period change is 环比


def kpi_table(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A :func:`helpers.overview.compare_periods` table formatted for reading.

    Each row keeps its own unit (yuan, percent, count); relative changes are
    signed percents; NaN shows as "—" (no data, or a zero denominator).
    """
    from helpers.plots import label

    values = ["current", "previous", "last_year", "peer_avg", "peer_excellent"]
    out = pd.DataFrame(index=[label(k, lang) for k in table.index])
    for col in ["current", "previous", "change", "last_year", "yoy", "peer_avg", "peer_excellent", "vs_peer_avg"]:
        if col in values:
            cells = [format_value(v, kind, lang) for v, kind in zip(table[col], table["kind"], strict=True)]
        else:
            cells = [format_change(v, lang) if pd.notna(v) else "—" for v in table[col]]
        out[_header(col, lang)] = cells
    if table[["peer_avg", "peer_excellent"]].isna().all().all():
        out = out.drop(columns=[_header(c, lang) for c in ("peer_avg", "peer_excellent", "vs_peer_avg")])
    return out


def movers_table(movers: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A :func:`helpers.overview.top_movers` table formatted for reading."""

    out = pd.DataFrame(index=pd.Index(movers.index.map(str), name=None))
    for col, kind in (("current", "yuan"), ("previous", "yuan"), ("delta", "yuan")):
        out[_header(col, lang)] = [format_value(v, kind, lang) for v in movers[col]]
    for col in ("change", "share_of_change"):
        out[_header(col, lang)] = [format_change(v, lang) if pd.notna(v) else "—" for v in movers[col]]
    return out


def period_header(period, lang: str = "zh") -> str:
    """The periods being compared, as one Markdown line."""
    prev, ly = period.previous(), period.last_year()
    if lang == "zh":
        return (f"**本期** {period.label()}（{period.days} 天） · **上期** {prev.label()} · "
                f"**去年同期** {ly.label()}（按星期对齐，前推 364 天）")
    return (f"**This period** {period.label()} ({period.days} days) · **previous** {prev.label()} · "
            f"**same weeks last year** {ly.label()} (364 days back, weekday-aligned)")


METRIC_MIME = "application/vnd.workbook.metric+json"


def record(name: str, value: float | int | str | None, unit: str = "", label: str = "") -> None:
    """Record one key figure of the report for the batch runner (``metrics.json``, the index).

    The figure travels as an output of a MIME type that HTML rendering ignores,
    so it adds nothing visible to the report; :func:`helpers.batch.collect_metrics`
    reads it back from the executed notebook.

    Parameters
    ----------
    name : stable machine name, e.g. ``"sales"``, ``"conversion_rate"``.
    value : the figure (NaN and None are recorded as null).
    unit : ``"yuan"``, ``"pct"`` (a fraction), ``"count"``, ``"ratio"`` or free text.
    label : human label shown in the index, e.g. ``"支付金额"``.
    """
    import math

    if isinstance(value, float) and math.isnan(value):
        value = None
    elif hasattr(value, "item"):  # numpy scalars
        value = value.item()
    payload = {"name": name, "value": value, "unit": unit, "label": label or name}
    try:
        from IPython.display import display

        display({METRIC_MIME: payload}, raw=True)
    except ImportError:  # pragma: no cover - notebooks always have IPython
        pass
