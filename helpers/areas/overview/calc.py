"""Shop overview (周报) calculations: the period's key figures against the previous period,
last year and peers.

Reductions run in the engine (Ibis); only per-period totals and per-dimension sums come
back to pandas. Every ratio is computed by :mod:`helpers.core.metrics`.

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
- Ad ROI: attributed amount / spend; unknown (NaN, never 0) when the ads table has
  attributed orders but no attributed amount (a conversion-only export).
- Campaign phases (warm-up 预热, event, aftermath) from ``campaigns`` and the platform
  calendar (:func:`helpers.core.calendar.campaign_phases`). When the period or the previous
  one overlaps a phase, the figures are also set against an ordinary baseline: the latest
  stretch of as many days before the period with no campaign phase and no Spring Festival.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from helpers.core import metrics
from helpers.core.calendar import HOLIDAY_DAYS, SPRING_FESTIVALS, Period, campaign_phases
from helpers.core.lines import (
    known_customer,
    paid_order_lines,
    peer_lines,
    refunds_of_paid_lines,
    with_products,
)
from helpers.core.notes import caught, note, quiet

if TYPE_CHECKING:
    from helpers.core.shop import Shop

REFUND_BASES = ("refund_date", "order_cohort")
#: The refund rate's name under each basis: two 口径, two names (the service report's rate is by order).
REFUND_RATE = {"refund_date": "refund_rate_in_period", "order_cohort": "refund_rate_by_value"}
KPIS = ("sales", "paid_orders", "buyers", "units", "visitors", "conversion_rate", "aov",
        "uv_value", "refund_amount", "refund_rate", "gross_margin", "ad_spend", "roi")  # refund_rate: REFUND_RATE
KPI_KINDS = {"sales": "yuan", "paid_orders": "count", "buyers": "count", "units": "count",
             "visitors": "count", "conversion_rate": "pct", "aov": "yuan", "uv_value": "yuan",
             "refund_amount": "yuan", "refund_rate_in_period": "pct", "refund_rate_by_value": "pct",
             "gross_margin": "pct", "ad_spend": "yuan", "roi": "ratio"}
#: peers' metric -> our KPI; the platform's peer 退款率 is by refund date, so it meets only that basis
PEER_KPIS = {"paid_amount": "sales", "refund_rate": "refund_rate_in_period"}
DIMENSIONS = ("source", "category", "product")


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
    Series indexed by :data:`KPIS`, the refund rate under its basis's name
    (:data:`REFUND_RATE`); a figure whose table is missing is NaN.
    """
    import ibis

    if refund_basis not in REFUND_BASES:
        raise ValueError(f"refund_basis={refund_basis!r}; use one of {REFUND_BASES}")
    lines = with_products(shop, paid_order_lines(shop, period))
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
    if _num(o["lines"]) and _num(o["anonymous_lines"]) == _num(o["lines"]):
        # no paid line names its buyer (抖店 and 拼多多 exports carry no buyer id): unknown, not 0
        out["buyers"] = float("nan")
        note(f"支付买家数，{period.label()}：已支付订单行都没有买家ID（部分平台的订单导出不带买家），买家数未知",
             f"Buyers, {period.label()}: no paid order line names its buyer (some platforms' order exports "
             "carry no buyer id), so the number of buyers is unknown")
    elif _num(o["anonymous_lines"]):
        k, n, amount = int(o["anonymous_lines"]), int(o["lines"]), _num(o["anonymous_sales"])
        note(f"支付买家数，{period.label()}：{n} 条已支付订单行中有 {k} 条（{amount:,.2f} 元）买家ID为空；"
             "其销售额和订单计入，但不计为买家",
             f"Buyers, {period.label()}: {k} of {n} paid order lines ({amount:,.2f} yuan) have an empty "
             "customer_id; their sales and orders count, but they are not buyers")
    if shop.has("products"):
        out["gross_margin"] = _margin(o)
    else:
        out["gross_margin"] = float("nan")
        note("毛利率：没有带单位成本的 `products` 表，无法计算",
             "Gross margin: no `products` table with unit costs, so it is unknown")

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
        rate = metrics.refund_rate_in_period if refund_basis == "refund_date" else metrics.refund_rate_by_value
        out[REFUND_RATE[refund_basis]] = rate(out["refund_amount"], out["sales"])
    else:
        out.update({"refund_amount": nan, REFUND_RATE[refund_basis]: nan})

    if shop.has("ads"):
        a = shop.table("ads")
        a = a.filter((a.date >= period.start.date()) & (a.date <= period.end.date()))
        ad = a.aggregate(spend=a.spend.sum(), amount=a.attributed_amount.sum(),
                         orders=a.attributed_orders.sum()).execute().iloc[0]
        out["ad_spend"] = _num(ad["spend"])
        if _num(ad["orders"]) > 0 and not _num(ad["amount"]) > 0:  # orders without amounts: not zero sales
            note(f"推广 ROI，{period.label()}：推广数据有成交笔数但没有成交金额，ROI 未知（不是 0）",
                 f"Ad ROI, {period.label()}: the ads data has attributed orders but no attributed amount, so the "
                 "ROI is unknown (not 0)")
            out["roi"] = nan
        else:
            out["roi"] = metrics.roi(_num(ad["amount"]), out["ad_spend"])
    else:
        out.update(ad_spend=nan, roi=nan)
    return pd.Series(out)[[REFUND_RATE[refund_basis] if k == "refund_rate" else k for k in KPIS]]


def _num(value) -> float:
    return 0.0 if pd.isna(value) else float(value)


def _margin(row) -> float:
    if row["costed_sales"] < row["sales"] - 0.005:
        uncosted = row["sales"] - row["costed_sales"]
        note(f"毛利率：{uncosted:,.2f} 元销售额的商品在 `products` 中没有单位成本，未计入毛利率",
             f"Gross margin: {uncosted:,.2f} yuan of sales are for products without a unit cost in "
             "`products` and are left out of the margin", stacklevel=3)
    return metrics.gross_margin(_num(row["costed_sales"]), _num(row["cost"]))


def _refund_amount(shop: Shop, period: Period, basis: str) -> float:
    r = refunds_of_paid_lines(shop)
    if basis == "refund_date":
        r = r.filter((r.refund_time >= period.start) & (r.refund_time < period.end_exclusive))
    else:
        r = r.filter((r.pay_time >= period.start) & (r.pay_time < period.end_exclusive))
    return _num(r.refund_amount.sum().execute())


def compare_periods(shop: Shop, period: Period, refund_basis: str = "refund_date",
                    tier: str | None = None, baseline: Period | None = None) -> pd.DataFrame:
    """The period's KPIs beside the previous period, the same weeks last year, peers and
    (when given) an ordinary baseline of as many days (:attr:`CampaignContext.baseline`).

    Returns
    -------
    Frame indexed by KPI with columns current, previous, change (relative),
    last_year, yoy (relative), peer_avg, peer_excellent, vs_peer_avg (relative),
    with a baseline also ordinary and vs_ordinary (relative), and kind ("yuan", "pct",
    "count", "ratio"). Changes of rates are relative changes of the rate (a conversion rate
    going 2.0% -> 2.2% is +10%).
    """
    current = summarize_period(shop, period, refund_basis)
    previous = _summarize_quietly(shop, period.previous(), refund_basis, ("上期", "previous period"))
    last_year = _summarize_quietly(shop, period.last_year(), refund_basis, ("去年同期", "same weeks last year"))
    table = pd.DataFrame({"current": current, "previous": previous, "last_year": last_year})
    with quiet():  # a comparison period without data was already noted once; its NaNs say the rest
        table["change"] = metrics.change(table["current"], table["previous"])
        table["yoy"] = metrics.change(table["current"], table["last_year"])
    peers = peer_lines(shop, period, tier).rename(index=PEER_KPIS)
    additive = peers.index.isin(["visitors", "sales"])  # peers give a daily figure; ours is the period's sum
    peers.loc[additive] = peers.loc[additive] * period.days
    table = table.join(peers, how="left")
    if peers.empty:
        note(f"{period.label()} 没有同行同层数据", f"no peer-tier figures for {period.label()}")
    with quiet():
        table["vs_peer_avg"] = metrics.change(table["current"], table["peer_avg"])
    columns = ["current", "previous", "change", "last_year", "yoy"]
    if baseline is not None:
        table["ordinary"] = _summarize_quietly(shop, baseline, refund_basis, ("常态基线", "ordinary baseline"))
        with quiet():
            table["vs_ordinary"] = metrics.change(table["current"], table["ordinary"])
        columns += ["ordinary", "vs_ordinary"]
    table["kind"] = [KPI_KINDS[k] for k in table.index]
    return table[[*columns, "peer_avg", "peer_excellent", "vs_peer_avg", "kind"]]


@dataclass(frozen=True)
class CampaignContext:
    """The campaign phases around a period (:func:`read_campaigns`)."""

    phases: pd.DataFrame  # campaign_phases of the period
    previous: pd.DataFrame  # ... of the previous period
    last_year: pd.DataFrame  # ... of the same weeks last year
    baseline: Period | None  # the ordinary stretch compared with, when a phase is involved


def read_campaigns(shop: Shop, period: Period, post_days: int = 7) -> CampaignContext:
    """Campaign phases of the period, the previous period and last year, and an ordinary baseline.

    The baseline is needed when the period or the previous one overlaps a phase: then the
    previous period does not compare like with like. It is the latest run of ``period.days``
    days before the period with no campaign phase (:func:`helpers.core.calendar.campaign_phases`)
    and no Spring Festival (± :data:`helpers.core.calendar.HOLIDAY_DAYS`), inside the orders'
    range, searched up to a year back; None when there is none.
    """
    campaigns = None
    if shop.has("campaigns"):
        campaigns = shop.table("campaigns").select("campaign_id", "name", "warmup_start", "start", "end").execute()
    phases = campaign_phases(campaigns, period, post_days)
    previous = campaign_phases(campaigns, period.previous(), post_days)
    last_year = campaign_phases(campaigns, period.last_year(), post_days)
    baseline = None
    if len(phases) or len(previous):
        o = shop.table("orders")
        first = pd.Timestamp(o.pay_time.min().execute()).normalize()
        baseline = find_ordinary_stretch(campaigns, period, first, post_days)
    return CampaignContext(phases, previous, last_year, baseline)


def find_ordinary_stretch(campaigns: pd.DataFrame | None, period: Period, first: pd.Timestamp,
                          post_days: int = 7) -> Period | None:
    """The latest ``period.days`` consecutive ordinary days ending before ``period`` and not
    before ``first`` (no campaign phase, no Spring Festival), or None within a year back."""
    start = max(first, period.start - pd.Timedelta(days=366 + period.days))
    end = period.start - pd.Timedelta(days=1)
    if end < start:
        return None
    days = pd.date_range(start, end)
    ordinary = pd.Series(True, index=days)
    for _, r in campaign_phases(campaigns, Period(start, end), post_days).iterrows():
        ordinary[r["first"]:r["last"]] = False
    for day in SPRING_FESTIVALS:
        sf = pd.Timestamp(day)
        ordinary[sf - pd.Timedelta(days=HOLIDAY_DAYS):sf + pd.Timedelta(days=HOLIDAY_DAYS)] = False
    run = 0
    for day in reversed(days):
        run = run + 1 if ordinary[day] else 0
        if run == period.days:
            return Period(day, day + pd.Timedelta(days=period.days - 1))
    return None


def _summarize_quietly(shop: Shop, period: Period, refund_basis: str, name: tuple[str, str]) -> pd.Series:
    """Summarise a comparison period, turning its zero-denominator notes into one note naming it."""
    with caught() as notes:
        summary = summarize_period(shop, period, refund_basis)
    zh, en = name
    if summary["sales"] == 0 and not (summary["visitors"] > 0):
        note(f"{zh}（{period.label()}）在数据中没有销售和流量，其对比显示为 —",
             f"{en} ({period.label()}) has no sales or traffic in the data, so its comparisons are shown as —",
             stacklevel=3)
        summary = summary * float("nan")  # a period the data does not reach is unknown, not ¥0
    else:
        for n in notes:
            note(f"{zh}（{period.label()}）：{n.zh}", f"{en} ({period.label()}): {n.en}", stacklevel=3)
    return summary


def daily_sales(shop: Shop, period: Period) -> pd.DataFrame:
    """Sales, paid orders and (with traffic) visitors, conversion and UV value per day.

    Days without sales appear with 0 so that gaps are visible, from the first day the shop
    has orders: days before its data are unknown, not ¥0 (a trend of 8 weeks on a shop with
    3 weeks of data starts 3 weeks back).
    """
    lines = paid_order_lines(shop, period)
    day = lines.pay_time.date().name("date")
    o = (lines.group_by(day).aggregate(sales=lines.paid_amount.sum(), paid_orders=lines.order_id.nunique())
         .execute())
    first, _ = shop.date_range("orders")
    start = max(period.start, first.normalize()) if pd.notna(first) else period.start
    days = pd.DataFrame({"date": pd.date_range(start, period.end, freq="D")})
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
    lines = with_products(shop, paid_order_lines(shop, period))
    if dimension == "source":  # exports without a traffic source (千牛, 拼多多) leave it empty
        lines = lines.filter(lines.source.notnull())
    keys = {"source": ["source"], "category": ["category"], "product": ["product_id", "title"]}[dimension]
    # (order_id, product_id) is the key of a validated orders table, so an order has at
    # most one line per product: per product, lines count orders without a distinct count
    # (the slow part of this query on millions of lines).
    orders = lines.count() if dimension == "product" else lines.order_id.nunique()
    frame = lines.group_by(keys).aggregate(sales=lines.paid_amount.sum(), paid_orders=orders).execute()
    return frame.set_index(keys)


def _lacks_sources(shop: Shop) -> bool:
    o = shop.table("orders")
    return int(o.source.count().execute()) == 0


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
    if dimension == "source" and current.empty and previous.empty and _lacks_sources(shop):
        out = pd.DataFrame(columns=["current", "previous", "delta", "change", "share_of_change"], dtype=float)
        out.attrs["skipped"] = {"zh": "订单数据没有流量来源（千牛、京东、拼多多等平台的订单导出不带来源），按来源的变化已跳过。",
                                "en": "The orders carry no traffic source (the order exports of 千牛, JD, 拼多多 and others have none), "
                                "so the movers by source are skipped."}
        return out
    table = pd.concat([current, previous], axis=1).fillna(0.0)
    table["delta"] = table["current"] - table["previous"]
    with quiet():  # new items have no previous sales
        table["change"] = metrics.change(table["current"], table["previous"])
        table["share_of_change"] = metrics.share(table["delta"], table["delta"].sum())
    risers = table[table["delta"] > 0].nlargest(n, "delta")
    fallers = table[table["delta"] < 0].nsmallest(n, "delta")
    out = pd.concat([risers, fallers])
    if isinstance(out.index, pd.MultiIndex):
        out = out.reset_index(level=0, drop=True)  # show product titles, not ids
    return out
