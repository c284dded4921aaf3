"""Shop overview (周报): the period's key figures against the previous period, last year and peers.

Reductions run in the engine (Ibis); only per-period totals and per-dimension
sums come back to pandas. Every ratio is computed by :mod:`helpers.metrics`.

口径 used here
--------------
- Sales (支付金额), paid orders, buyers and units come from ``orders``: lines with
  status ``paid``, placed in the period by their **pay time**.
- Visitors, conversion, AOV and UV value come from ``traffic`` (the platform's
  daily per-source figures), so that UV价值 = 支付转化率 x 客单价 holds exactly.
  Visitors over several days and sources are summed (visitor-days): the
  platform's own de-duplicated multi-day count is lower.
- Refunds: by default refunds completed in the period (``refund_basis="refund_date"``,
  the platform's 退款率); ``"order_cohort"`` counts refunds of the lines paid in
  the period, whenever they happened (lower for recent periods, since refunds
  arrive later).
- Gross margin: (sales - units x unit cost) / sales, before refunds.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import pandas as pd

from helpers import metrics
from helpers.data import known_customer, paid_order_lines

if TYPE_CHECKING:
    from helpers.data import Shop
    from helpers.params import Period

KPIS = ("sales", "paid_orders", "buyers", "units", "visitors", "conversion_rate", "aov",
        "uv_value", "refund_amount", "refund_rate_by_value", "gross_margin", "ad_spend", "roi")
KPI_KINDS = {"sales": "yuan", "paid_orders": "count", "buyers": "count", "units": "count",
             "visitors": "count", "conversion_rate": "pct", "aov": "yuan", "uv_value": "yuan",
             "refund_amount": "yuan", "refund_rate_by_value": "pct", "gross_margin": "pct",
             "ad_spend": "yuan", "roi": "ratio"}
PEER_KPIS = {"paid_amount": "sales", "refund_rate": "refund_rate_by_value"}  # peers metric -> KPI
REFUND_BASES = ("refund_date", "order_cohort")
DIMENSIONS = ("source", "category", "product")


def _with_products(shop: Shop, lines):
    """Order lines with category, title and unit cost; without `products`, titles are the ids."""
    if not shop.has("products"):
        import ibis

        return lines.mutate(category=ibis.null().cast("string"), title=lines.product_id,
                            unit_cost=ibis.null().cast("float64"))
    p = shop.table("products").select("product_id", "category", "title", "unit_cost")
    return lines.left_join(p, "product_id").drop("product_id_right")


def summarize_period(shop: Shop, period: Period, refund_basis: str = "refund_date") -> pd.Series:
    """Key figures of one period.

    Parameters
    ----------
    shop : connected data (orders required; traffic, refunds, products, ads optional).
    period : the days to summarise.
    refund_basis : "refund_date" (refunds completed in the period) or
        "order_cohort" (refunds of the lines paid in the period).

    Returns
    -------
    Series indexed by :data:`KPIS`; a figure whose table is missing is NaN.
    """
    import ibis

    if refund_basis not in REFUND_BASES:
        raise ValueError(f"refund_basis={refund_basis!r}; use one of {REFUND_BASES}")
    lines = _with_products(shop, paid_order_lines(shop, period))
    known = known_customer(lines)
    o = lines.aggregate(
        sales=lines.paid_amount.sum(),
        paid_orders=lines.order_id.nunique(),
        buyers=lines.customer_id.nunique(where=known),
        lines=lines.count(),
        anonymous_lines=(~known).sum(),
        anonymous_sales=ibis.ifelse(known, 0.0, lines.paid_amount).sum(),
        units=lines.quantity.sum(),
        cost=(lines.quantity * lines.unit_cost).sum(),
        costed_sales=ibis.ifelse(lines.unit_cost.isnull(), 0.0, lines.paid_amount).sum(),
    ).execute().iloc[0]
    out = {k: _num(o[k]) for k in ("sales", "paid_orders", "buyers", "units")}
    if _num(o["anonymous_lines"]):
        warnings.warn(metrics.MetricNote(
            f"支付买家数 (buyers), {period.label()}: {int(o['anonymous_lines'])} of {int(o['lines'])} paid order lines "
            f"({_num(o['anonymous_sales']):,.2f} yuan) have an empty customer_id; their sales and orders count, "
            "but they are not buyers"), stacklevel=2)
    if shop.has("products"):
        out["gross_margin"] = _margin(o)
    else:
        out["gross_margin"] = float("nan")
        warnings.warn(metrics.MetricNote("毛利率 (gross margin): no `products` table with unit costs, so it is "
                                         "unknown"), stacklevel=2)

    nan = float("nan")
    if shop.has("traffic"):
        t = shop.table("traffic")
        t = t.filter((t.date >= period.start.date()) & (t.date <= period.end.date()))
        tr = t.aggregate(visitors=t.visitors.sum(), paid_buyers=t.paid_buyers.sum(),
                         paid_amount=t.paid_amount.sum()).execute().iloc[0]
        visitors, buyers, amount = _num(tr["visitors"]), _num(tr["paid_buyers"]), _num(tr["paid_amount"])
        out["visitors"] = visitors
        out["conversion_rate"] = metrics.conversion_rate(buyers, visitors)
        out["aov"] = metrics.aov(amount, buyers)
        out["uv_value"] = metrics.uv_value(amount, visitors)
    else:
        out.update(visitors=nan, conversion_rate=nan, aov=nan, uv_value=nan)

    if shop.has("refunds"):
        out["refund_amount"] = _refund_amount(shop, period, refund_basis)
        out["refund_rate_by_value"] = metrics.refund_rate_by_value(out["refund_amount"], out["sales"])
    else:
        out.update(refund_amount=nan, refund_rate_by_value=nan)

    if shop.has("ads"):
        a = shop.table("ads")
        a = a.filter((a.date >= period.start.date()) & (a.date <= period.end.date()))
        ad = a.aggregate(spend=a.spend.sum(), amount=a.attributed_amount.sum()).execute().iloc[0]
        out["ad_spend"] = _num(ad["spend"])
        out["roi"] = metrics.roi(_num(ad["amount"]), out["ad_spend"])
    else:
        out.update(ad_spend=nan, roi=nan)
    return pd.Series(out)[list(KPIS)]


def _num(value) -> float:
    return 0.0 if pd.isna(value) else float(value)


def _margin(row) -> float:
    if row["costed_sales"] < row["sales"] - 0.005:
        warnings.warn(metrics.MetricNote(
            f"毛利率: {row['sales'] - row['costed_sales']:,.2f} yuan of sales are for products without "
            "a unit cost in `products` and are left out of the margin"), stacklevel=3)
    return metrics.gross_margin(_num(row["costed_sales"]), _num(row["cost"]))


def _refund_amount(shop: Shop, period: Period, basis: str) -> float:
    r = shop.table("refunds")
    if basis == "refund_date":
        r = r.filter((r.refund_time >= period.start) & (r.refund_time < period.end_exclusive))
    else:
        lines = paid_order_lines(shop, period).select("order_id", "product_id")
        r = r.semi_join(lines, ["order_id", "product_id"])
    return _num(r.refund_amount.sum().execute())


def peer_lines(shop: Shop, period: Period, tier: str | None = None) -> pd.DataFrame:
    """Peer-tier average and excellent lines over the period (mean of the daily values).

    Returns
    -------
    Frame indexed by metric with columns ``peer_avg`` and ``peer_excellent``;
    empty when the data has no ``peers`` table or no rows in the period.
    """
    if not shop.has("peers"):
        return pd.DataFrame(columns=["peer_avg", "peer_excellent"])
    p = shop.table("peers")
    p = p.filter((p.date >= period.start.date()) & (p.date <= period.end.date()))
    if tier:
        p = p.filter(p.tier == tier)
    return (p.group_by("metric").aggregate(peer_avg=p.peer_avg.mean(), peer_excellent=p.peer_excellent.mean())
            .execute().set_index("metric").sort_index())


def compare_periods(shop: Shop, period: Period, refund_basis: str = "refund_date",
                    tier: str | None = None) -> pd.DataFrame:
    """The period's KPIs beside the previous period, the same weeks last year and peers.

    Returns
    -------
    Frame indexed by KPI with columns current, previous, change (relative),
    last_year, yoy (relative), peer_avg, peer_excellent, vs_peer_avg (relative),
    kind ("yuan", "pct", "count", "ratio"). Changes of rates are relative changes
    of the rate (a conversion rate going 2.0% -> 2.2% is +10%).
    """
    current = summarize_period(shop, period, refund_basis)
    previous = _summarize_quietly(shop, period.previous(), refund_basis, "previous period")
    last_year = _summarize_quietly(shop, period.last_year(), refund_basis, "same weeks last year")
    table = pd.DataFrame({"current": current, "previous": previous, "last_year": last_year})
    with warnings.catch_warnings():
        # a comparison period without data was already noted once; its NaNs say the rest
        warnings.simplefilter("ignore", metrics.MetricNote)
        table["change"] = metrics.change(table["current"], table["previous"])
        table["yoy"] = metrics.change(table["current"], table["last_year"])
    peers = peer_lines(shop, period, tier).rename(index=PEER_KPIS)
    additive = peers.index.isin(["visitors", "sales"])  # peers give a daily figure; ours is the period's sum
    peers.loc[additive] = peers.loc[additive] * period.days
    table = table.join(peers, how="left")
    if peers.empty:
        warnings.warn(metrics.MetricNote(f"no peer-tier (同行同层) figures for {period.label()}"), stacklevel=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        table["vs_peer_avg"] = metrics.change(table["current"], table["peer_avg"])
    table["kind"] = [KPI_KINDS[k] for k in table.index]
    return table[["current", "previous", "change", "last_year", "yoy", "peer_avg", "peer_excellent",
                  "vs_peer_avg", "kind"]]


def _summarize_quietly(shop: Shop, period: Period, refund_basis: str, name: str) -> pd.Series:
    """Summarise a comparison period, turning its zero-denominator notes into one note naming it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", metrics.MetricNote)
        summary = summarize_period(shop, period, refund_basis)
    notes = [str(w.message) for w in caught if issubclass(w.category, metrics.MetricNote)]
    if summary["sales"] == 0 and not (summary["visitors"] > 0):
        warnings.warn(metrics.MetricNote(f"{name} ({period.label()}) has no sales or traffic in the data, "
                                         "so its comparisons are shown as —"), stacklevel=3)
    else:
        for note in notes:
            warnings.warn(metrics.MetricNote(f"{name} ({period.label()}): {note}"), stacklevel=3)
    return summary


def daily_sales(shop: Shop, period: Period) -> pd.DataFrame:
    """Sales, paid orders and (with traffic) visitors, conversion and UV value per day.

    Days without sales appear with 0 so that gaps are visible.
    """
    lines = paid_order_lines(shop, period)
    day = lines.pay_time.date().name("date")
    o = (lines.group_by(day).aggregate(sales=lines.paid_amount.sum(), paid_orders=lines.order_id.nunique())
         .execute())
    days = pd.DataFrame({"date": pd.date_range(period.start, period.end, freq="D")})
    o["date"] = pd.to_datetime(o["date"])
    out = days.merge(o, on="date", how="left").fillna({"sales": 0.0, "paid_orders": 0})
    if shop.has("traffic"):
        t = shop.table("traffic")
        t = t.filter((t.date >= period.start.date()) & (t.date <= period.end.date()))
        tr = t.group_by("date").aggregate(visitors=t.visitors.sum(), paid_buyers=t.paid_buyers.sum(),
                                          paid_amount=t.paid_amount.sum()).execute()
        tr["date"] = pd.to_datetime(tr["date"])
        out = out.merge(tr, on="date", how="left")
        out["conversion_rate"] = metrics.conversion_rate(out["paid_buyers"], out["visitors"])
        out["uv_value"] = metrics.uv_value(out["paid_amount"], out["visitors"])
    return out


def sales_by(shop: Shop, period: Period, dimension: str) -> pd.DataFrame:
    """Sales and paid orders per source, category or product in the period."""
    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension={dimension!r}; use one of {DIMENSIONS}")
    if dimension == "category" and not shop.has("products"):
        raise ValueError(shop.missing_message("products", "en"))
    lines = _with_products(shop, paid_order_lines(shop, period))
    keys = {"source": ["source"], "category": ["category"], "product": ["product_id", "title"]}[dimension]
    # (order_id, product_id) is the key of a validated orders table, so an order has at
    # most one line per product: per product, lines count orders without a distinct count
    # (the slow part of this query on millions of lines).
    orders = lines.count() if dimension == "product" else lines.order_id.nunique()
    frame = lines.group_by(keys).aggregate(sales=lines.paid_amount.sum(), paid_orders=orders).execute()
    return frame.set_index(keys)


def top_movers(shop: Shop, period: Period, dimension: str, n: int = 5) -> pd.DataFrame:
    """The biggest movers of sales between the previous period and this one.

    Parameters
    ----------
    dimension : "source", "category" or "product".
    n : how many risers and how many fallers to return.

    Returns
    -------
    Frame with current, previous, delta (yuan), change (relative; NaN for items
    new this period) and share_of_change (delta / total delta of all items),
    the n largest risers then the n largest fallers.
    """
    current = sales_by(shop, period, dimension)["sales"].rename("current")
    previous = sales_by(shop, period.previous(), dimension)["sales"].rename("previous")
    table = pd.concat([current, previous], axis=1).fillna(0.0)
    table["delta"] = table["current"] - table["previous"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)  # new items have no previous sales
        table["change"] = metrics.change(table["current"], table["previous"])
        table["share_of_change"] = metrics.share(table["delta"], table["delta"].sum())
    risers = table[table["delta"] > 0].nlargest(n, "delta")
    fallers = table[table["delta"] < 0].nsmallest(n, "delta")
    out = pd.concat([risers, fallers])
    if isinstance(out.index, pd.MultiIndex):
        out = out.reset_index(level=0, drop=True)  # show product titles, not ids
    return out


SLICE_METRICS = ("sales", "paid_orders", "visitors", "conversion_rate", "uv_value", "aov")
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
        "daily_mean" (mean of the daily ratios); see :func:`helpers.metrics.rate_over_days`.

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
            lines = _with_products(shop, lines)
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
        warnings.warn(metrics.MetricNote(f"{metric}: {why}, so this slice cannot be shown"), stacklevel=2)
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


def explore_controls(shop: Shop, period: Period, data_first, data_last, lang: str = "zh",
                     trend_weeks: int = 8) -> dict:
    """Selectors of the overview's Explore section, starting from the notebook's parameters.

    metric, source, category, date range (default: ``trend_weeks`` weeks up to
    the period's end) and the 口径 for rates over several days.
    """
    from helpers import explore, plots

    options = slice_options(shop)
    everything = "全部" if lang == "zh" else "All"
    start = max(pd.Timestamp(data_first), period.end - pd.Timedelta(weeks=trend_weeks) + pd.Timedelta(days=1))
    methods = {metrics.describe_method(m, lang): m for m in ("pooled", "daily_mean")}
    return {
        "metric": explore.choice({plots.label(m, lang): m for m in SLICE_METRICS}, "sales", plots.t("metric", lang)),
        "source": explore.choice(options["source"], None, plots.label("source", lang), all_label=everything),
        "category": explore.choice(options["category"], None, plots.label("category", lang), all_label=everything),
        "dates": explore.date_range(start, period.end, data_first, data_last, plots.label("date", lang)),
        "rate_method": explore.toggle(methods, "pooled"),
    }


def render_slice(shop: Shop, metric: str, source: str | None, category: str | None, dates: tuple,
                 rate_method: str = "pooled", lang: str = "zh"):
    """The Explore view: the metric per day for the slice, titled with its value over the range."""
    from helpers import plots, report

    if dates[1] < dates[0]:
        return pd.DataFrame({"": ["结束日期早于开始日期" if lang == "zh" else "the end date is before the start date"]})
    from helpers.params import Period

    frame, total = daily_slice(shop, Period(*dates), metric, source, category, rate_method)
    kind = {"sales": "yuan", "paid_orders": "count", "visitors": "count", "conversion_rate": "pct",
            "uv_value": "yuan", "aov": "yuan"}[metric]
    everything = "全部" if lang == "zh" else "all"
    title = (f"{plots.label(metric, lang)} · {source or everything} · {category or everything} · "
             f"{report.format_value(total, kind, lang)}")
    if kind == "pct" or metric in ("uv_value", "aov"):
        title += f" ({metrics.describe_method(rate_method, lang)})"
    return plots.plot_trend(frame.rename(columns={"value": metric}), x="date", y=metric, kind=kind, title=title,
                            lang=lang)
