"""The slice engine of the Explore sections: one metric per day for a slice of the shop.

Overview, traffic and campaign reports let the reader pick a metric, a source, a category
and dates; :func:`daily_slice` computes it in the engine (sales from the paid order lines,
traffic metrics from ``traffic``), :func:`slice_controls` builds the selectors and
:func:`render_slice` draws the result.
"""

from __future__ import annotations

import pandas as pd

from helpers.core import metrics
from helpers.core.calendar import Period
from helpers.core.lines import paid_order_lines, with_products
from helpers.core.notes import note
from helpers.core.shop import Shop
from helpers.i18n import is_zh, label, pick
from helpers.present import explore
from helpers.present.charts import plot_trend
from helpers.present.display import escape
from helpers.present.format import format_value

SLICE_METRICS = ("sales", "paid_orders", "visitors", "conversion_rate", "uv_value", "aov")
#: Metrics read from ``traffic``, which is kept by source and day, never by category.
TRAFFIC_METRICS = ("visitors", "conversion_rate", "uv_value", "aov")
#: Metrics whose value over several days depends on the 口径 (pooled or daily mean).
RATE_METRICS = ("conversion_rate", "uv_value", "aov")
_TRAFFIC_RATIOS = {"conversion_rate": ("paid_buyers", "visitors"), "uv_value": ("paid_amount", "visitors"),
                   "aov": ("paid_amount", "paid_buyers")}


def slice_options(shop: Shop) -> dict[str, list[str]]:
    """The sources and categories a shop's data can be sliced by (for selectors)."""
    o = shop.table("orders")
    sources = sorted(o.select("source").distinct().execute()["source"].dropna())
    categories = []
    if shop.has("products"):
        p = shop.table("products")
        categories = sorted(p.select("category").distinct().execute()["category"].dropna())
    return {"source": sources, "category": categories}


def daily_slice(shop: Shop, period: Period, metric: str = "sales", source: str | None = None,
                category: str | None = None, rate_method: str = "pooled") -> tuple[pd.DataFrame, float]:
    """One metric per day for a slice of the shop, and its value over the whole period.

    Parameters
    ----------
    metric : one of :data:`SLICE_METRICS`. Sales and paid orders come from
        ``orders`` and can be sliced by source and category; visitors,
        conversion, UV value and AOV come from ``traffic``, which has sources
        but no categories.
    source, category : the slice (None = the whole shop).
    rate_method : for ratios over several days, "pooled" (sum / sum) or
        "daily_mean" (mean of the daily ratios); see :func:`helpers.core.metrics.rate_over_days`.

    Returns
    -------
    (frame with columns date and value, the period's value). A slice the data
    cannot make (a traffic metric by category) gives NaN values and a MetricNote.
    """
    if metric not in SLICE_METRICS:
        raise ValueError(f"metric={metric!r}; use one of {SLICE_METRICS}")
    days = pd.DataFrame({"date": pd.date_range(period.start, period.end, freq="D")})
    if metric in ("sales", "paid_orders"):
        lines = paid_order_lines(shop, period)
        if source:
            lines = lines.filter(lines.source == source)
        if category:
            lines = with_products(shop, lines)
            lines = lines.filter(lines.category == category)
        day = lines.pay_time.date().name("date")
        value = lines.paid_amount.sum() if metric == "sales" else lines.order_id.nunique()
        frame = lines.group_by(day).aggregate(value=value).execute()
        frame["date"] = pd.to_datetime(frame["date"])
        out = days.merge(frame, on="date", how="left").fillna({"value": 0.0})
        total = float(out["value"].sum()) if metric == "sales" else float(
            lines.order_id.nunique().execute())
        return out, total
    if category or not shop.has("traffic"):
        why = "`traffic` has no categories" if category else "no `traffic` table"
        why_zh = "`traffic` 表没有类目" if category else "没有 `traffic` 表"
        note(f"{label(metric, 'zh')}：{why_zh}，无法显示这个切片", f"{label(metric, 'en')}: {why}, so this slice cannot be shown")
        return days.assign(value=float("nan")), float("nan")
    t = shop.table("traffic")
    t = t.filter((t.date >= period.start.date()) & (t.date <= period.end.date()))
    if source:
        t = t.filter(t.source == source)
    frame = t.group_by("date").aggregate(visitors=t.visitors.sum(), paid_buyers=t.paid_buyers.sum(),
                                         paid_amount=t.paid_amount.sum()).execute()
    frame["date"] = pd.to_datetime(frame["date"])
    out = days.merge(frame, on="date", how="left")
    if metric == "visitors":
        out["value"] = out["visitors"].fillna(0)
        return out[["date", "value"]], float(out["value"].sum())
    num, den = _TRAFFIC_RATIOS[metric]
    func = getattr(metrics, metric)
    out["value"] = func(out[num], out[den])
    total = metrics.rate_over_days(out[num].fillna(0), out[den].fillna(0), method=rate_method, key=metric)
    return out[["date", "value"]], float(total)


def slice_controls(shop: Shop, period: Period, data_first, data_last, lang: str,
                   trend_weeks: int = 8) -> dict:
    """Selectors of a slice, starting from the notebook's parameters: metric, source,
    category, date range (default: ``trend_weeks`` weeks up to the period's end) and the 口径
    for rates over several days."""
    options = slice_options(shop)
    everything = label("all", lang)
    start = max(pd.Timestamp(data_first), period.end - pd.Timedelta(weeks=trend_weeks) + pd.Timedelta(days=1))
    methods = {metrics.describe_method(m, lang): m for m in ("pooled", "daily_mean")}
    controls = {
        "metric": explore.choice({label(m, lang): m for m in SLICE_METRICS}, "sales", label("metric", lang)),
        "source": explore.choice(options["source"], None, label("source", lang), all_label=everything),
        "category": explore.choice(options["category"], None, label("category", lang), all_label=everything),
        "dates": explore.date_range(start, period.end, data_first, data_last, label("date", lang)),
        "rate_method": explore.toggle(methods, "pooled", label("definition", lang)),
    }
    link_rate_toggle(controls)
    return controls


def link_rate_toggle(controls: dict) -> None:
    """Enable the 口径 toggle only for a rate (a count or a sum is the same under both 口径)."""
    toggle, metric = controls["rate_method"], controls["metric"]

    def follow(change=None) -> None:
        toggle.disabled = metric.value not in RATE_METRICS

    metric.observe(follow, names="value")
    follow()


def explain_missing_slice(shop: Shop, metric: str, category: str | None, lang: str) -> str | None:
    """Why the data cannot give ``metric`` for this slice, as a sentence in ``lang``; None when it can.

    Traffic metrics come from ``traffic``, which has sources but no categories: a category
    filter cannot apply to them, and without the table there is nothing to draw.
    """
    if metric not in TRAFFIC_METRICS:
        return None
    name = label(metric, lang)
    if category:
        return pick(lang, f"{name}按流量来源统计，流量表 `traffic` 没有类目，所以不能按类目「{escape(category)}」看。"
                          "请把类目选为「全部」，或改看支付金额、支付订单数（这两项可以按类目看）。",
                    f"{name} is counted by traffic source: the `traffic` table has no categories, so it cannot "
                    f"be shown for the category {escape(category)}. Set the category to All, or pick sales or "
                    "paid orders, which can be split by category.")
    if not shop.has("traffic"):
        return pick(lang, f"{name}来自流量表 `traffic`，这份数据没有这张表：把生意参谋的流量来源导出放进数据文件夹即可。",
                    f"{name} comes from the `traffic` table, which this data does not have: add the traffic "
                    "sources export to the data folder.")
    return None


def render_slice(shop: Shop, metric: str, source: str | None, category: str | None, dates: tuple,
                 rate_method: str = "pooled", lang: str = "zh"):
    """The Explore view: the metric per day for the slice, titled with its value over the range.

    A slice the data cannot make (a traffic metric by category, or without ``traffic``) is a
    sentence in ``lang`` saying why and what to choose instead, never an empty chart."""
    if dates[1] < dates[0]:
        return pd.DataFrame({"": ["结束日期早于开始日期" if is_zh(lang) else "the end date is before the start date"]})
    missing = explain_missing_slice(shop, metric, category, lang)
    if missing is not None:
        from IPython.display import Markdown

        return Markdown(missing)
    frame, total = daily_slice(shop, Period(*dates), metric, source, category, rate_method)
    kind = {"sales": "yuan", "paid_orders": "count", "visitors": "count", "conversion_rate": "pct",
            "uv_value": "yuan", "aov": "yuan"}[metric]
    everything = label("all", lang)
    title = (f"{label(metric, lang)} · {source or everything} · {category or everything} · "
             f"{format_value(total, kind, lang)}")
    if metric in RATE_METRICS:
        title += f" ({metrics.describe_method(rate_method, lang)})"
    return plot_trend(frame.rename(columns={"value": metric}), x="date", y=metric, kind=kind, title=title,
                            lang=lang)
