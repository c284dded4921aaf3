"""Product portfolio (商品结构): what each product earns, its Pareto class, its growth, its
stock cover, and which products are rising.

Reductions run in the engine (Ibis); per-product rows come back to pandas. Ratios go
through :mod:`helpers.core.metrics` (a zero denominator gives NaN and a note).

口径 used here
--------------
- **Portfolio** (lines paid in the period, :func:`helpers.core.lines.lines_with_refunds`):
  sales = paid amount (after discounts); discounts = list price x units - paid amount;
  refund_amount = the refunded amount of those lines; cost of goods = (units - units that
  came back) x unit cost, where a refund before shipping brings the whole line back and a
  return the returned units; gross profit = sales - refunds - cost of goods; ad spend is
  allocated to products by their share of each paid channel's sales (``ads`` has no product
  dimension; orders carry the channel as ``source``); platform costs = commission, payment
  fee, freight, 运费险, packaging, gift, coupon and return costs of the cost model
  (:mod:`helpers.core.costs`; the report notes the items left at their defaults);
  contribution = gross profit - platform costs - allocated ad spend. Margins are over sales
  after refunds.
- **ABC (Pareto)**: products sorted by the value, A = the products that make the first 80%
  of the total, B = the next 15%, C = the rest (and every product with nothing or a loss).
- **Growth x share**: share_of_sales = the product's share of the shop's sales in the
  period; sales_growth = its sales in the second half of the period against the first half.
  Stars: share above the median and growing; cash cows: share above the median, not
  growing; question marks: small and growing; dogs: small and not growing.
- **Stock (进销存)**: from the latest ``inventory`` count; daily units = units of the last
  ``window_days`` days / days; days of cover = stock / daily units; sell-through = units sold
  in the period / (units sold + stock on hand).
- **Rising products (爆款苗头)**: the last ``weeks`` weeks against the weeks before: share of
  the shop's sales; the rise is tested on order lines (each window's share of lines with a
  Wilson interval; rising when the recent interval lies above the earlier one). ``traffic``
  has no product dimension, so a product's UV value cannot be computed; the share of sales
  stands in for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core import metrics
from helpers.core.calendar import Period
from helpers.core.costs import CostModel, contribution_by_product
from helpers.core.lines import lines_with_refunds, paid_order_lines
from helpers.core.notes import note, quiet
from helpers.core.stats import wilson_interval

if TYPE_CHECKING:
    from helpers.core.shop import Shop

ABC_CUTS = (0.8, 0.95)
PORTFOLIO_COLUMNS = ["title", "category", "units", "sales", "discounts", "refund_amount", "cogs", "gross_profit",
                     "gross_margin", "platform_costs", "allocated_ad_spend", "contribution", "contribution_margin"]


def _channel_shares(lines) -> pd.DataFrame:
    """Each product's share of each channel's paid amount (channel = order source)."""
    by = lines.group_by(["source", "product_id"]).aggregate(amount=lines.paid_amount.sum()).execute()
    total = by.groupby("source")["amount"].transform("sum")
    by["share"] = np.where(total > 0, by["amount"] / total.where(total > 0, 1), 0.0)
    return by


def _allocated_ad_spend(shop: Shop, period: Period, lines) -> pd.Series:
    """Ad spend of the period per product (yuan), allocated by each channel's sales share.

    ``ads`` reports spend per channel and plan, not per product: a channel's spend is split
    over the products in proportion to the paid amount of orders from that channel. Spend
    of a channel with no orders in the period is not allocated (noted).
    """
    if not shop.has("ads"):
        return pd.Series(dtype=float)
    a = shop.table("ads")
    a = a.filter(a.date >= period.start.date(), a.date <= period.end.date())
    spend = a.group_by("channel").aggregate(spend=a.spend.sum()).execute().set_index("channel")["spend"]
    shares = _channel_shares(lines)
    shares = shares[shares["source"].isin(spend.index)]
    unallocated = sorted(set(spend.index) - set(shares["source"]))
    if unallocated:
        note(f"{'、'.join(unallocated)} 的推广花费在本期没有来自该渠道的订单 → 未分摊到商品",
             f"ad spend of {', '.join(unallocated)} has no orders from that channel in the period -> "
             "not allocated to products", stacklevel=3)
    shares["spend"] = shares["share"] * shares["source"].map(spend)
    return shares.groupby("product_id")["spend"].sum()


def summarize_portfolio(shop: Shop, period: Period, costs: CostModel | None = None) -> pd.DataFrame:
    """Per product: units, sales, discounts, refunds, cost, gross profit, platform costs, ad
    spend, contribution.

    Formulas (yuan): gross_profit = sales - refund_amount - cogs; contribution = gross_profit
    - platform_costs - allocated_ad_spend, platform_costs from the cost model ``costs``
    (:func:`helpers.core.costs.contribution_by_product`; None loads the shop's); gross_margin = gross_profit / (sales - refund_amount);
    contribution_margin = contribution / (sales - refund_amount) (see the module's 口径).

    Products in ``products`` without a sale in the period are kept with zeros (a product
    never sold is a row, not a gap). Margins are NaN where sales after refunds are not
    positive (one note).

    Returns
    -------
    DataFrame indexed by product_id with :data:`PORTFOLIO_COLUMNS`, highest sales first.
    """
    import ibis

    lines = lines_with_refunds(shop, period)
    # Units that stay with the buyer: a refund before shipping returns the whole line, a
    # return the returned quantity.
    back = ibis.ifelse(lines.shipped == False, lines.quantity,  # noqa: E712
                       ibis.least(lines.returned, lines.quantity))
    lines = lines.mutate(kept=lines.quantity - back)
    o = paid_order_lines(shop, period)
    listed = o.group_by("product_id").aggregate(list_value=(o.list_price * o.quantity).sum()).execute()
    agg = lines.group_by(["product_id", "title", "category"]).aggregate(
        units=lines.quantity.sum(), sales=lines.paid_amount.sum(), refund_amount=lines.refund_amount.sum(),
        cogs=(lines.kept * lines.unit_cost).sum(), kept=lines.kept.sum()).execute().set_index("product_id")
    if shop.has("products"):
        p = shop.table("products").select("product_id", "title", "category").execute().set_index("product_id")
        agg = agg.reindex(agg.index.union(p.index))
        agg["title"] = agg["title"].fillna(p["title"])
        agg["category"] = agg["category"].fillna(p["category"])
    num = ["units", "sales", "refund_amount", "cogs", "kept"]
    agg[num] = agg[num].fillna(0.0)
    agg["units"] = agg["units"].astype(int)
    agg["discounts"] = (listed.set_index("product_id")["list_value"].reindex(agg.index).fillna(0.0)
                        - agg["sales"]).clip(lower=0)
    agg["gross_profit"] = agg["sales"] - agg["refund_amount"] - agg["cogs"]
    agg["platform_costs"] = contribution_by_product(shop, period, costs)["platform_costs"].reindex(agg.index).fillna(0.0)
    agg["allocated_ad_spend"] = _allocated_ad_spend(shop, period, lines).reindex(agg.index).fillna(0.0)
    agg["contribution"] = agg["gross_profit"] - agg["platform_costs"] - agg["allocated_ad_spend"]
    net = agg["sales"] - agg["refund_amount"]
    with quiet():  # one note below names what the zero denominators are
        agg["gross_margin"] = metrics.share(agg["gross_profit"], net.where(net > 0, 0))
        agg["contribution_margin"] = metrics.contribution_margin(agg["contribution"], net.where(net > 0, 0))
    empty = int((net <= 0).sum())
    if empty:
        note(f"毛利率、贡献利润率：{empty} 个商品本期扣除退款后没有销售额 → —",
             f"gross and contribution margins: {empty} product(s) have no sales after refunds in the period -> —")
    return agg[PORTFOLIO_COLUMNS].sort_values("sales", ascending=False)


def abc_classes(values: pd.Series, cuts: tuple[float, float] = ABC_CUTS) -> pd.Series:
    """Pareto (ABC) class of each item by its cumulative share of the positive total.

    Items sorted by value (largest first); an item is A while the cumulative share *before*
    it is under ``cuts[0]`` (so the item that crosses 80% is still A), B under ``cuts[1]``,
    else C. Items with a value <= 0 are C. An all-zero input is all C (noted).

    Returns
    -------
    Series of "A"/"B"/"C" with the input's index.
    """
    v = pd.Series(values, dtype=float).fillna(0.0)
    pos = v.clip(lower=0)
    total = pos.sum()
    out = pd.Series("C", index=v.index, dtype=object)
    if total <= 0:
        note("ABC 分类：没有大于 0 的值 → 全部为 C 类", "ABC classes: no positive value -> every product is C")
        return out
    order = pos.sort_values(ascending=False, kind="stable")
    before = (order.cumsum() - order) / total
    cls = np.where(before < cuts[0], "A", np.where(before < cuts[1], "B", "C"))
    out.loc[order.index] = np.where(order > 0, cls, "C")
    return out


def growth_share(shop: Shop, period: Period, portfolio: pd.DataFrame) -> pd.DataFrame:
    """Share of the shop's sales and growth (second half of the period against the first),
    with the quadrant of the growth-share matrix.

    Formulas: share_of_sales = sales / Σ sales; sales_growth = (second half - first half) /
    first half (a fraction).

    Returns
    -------
    DataFrame indexed by product_id: title, sales, share_of_sales, sales_growth (NaN for
    products without sales in the first half, noted; counted as growing when they sold in
    the second), quadrant (star / cash_cow / question / dog).
    """
    import ibis

    mid = period.start + pd.Timedelta(days=period.days // 2)
    o = paid_order_lines(shop, period)
    late = o.pay_time >= mid.to_pydatetime()
    halves = o.group_by("product_id").aggregate(
        first=ibis.ifelse(late, 0.0, o.paid_amount).sum(), second=ibis.ifelse(late, o.paid_amount, 0.0).sum()
    ).execute().set_index("product_id").reindex(portfolio.index).fillna(0.0)
    out = portfolio[["title", "sales"]].copy()
    out["share_of_sales"] = metrics.share(out["sales"], float(out["sales"].sum()))
    with quiet():  # the note below says which products have no first-half sales
        out["sales_growth"] = metrics.change(halves["second"], halves["first"])
    new = int((halves["first"] == 0).sum())
    if new:
        first = Period(period.start, mid - pd.Timedelta(days=1))
        note(f"环比增长：{new} 个商品前半期（{first.label()}）没有销售 → —；其中后半期有销售的算作增长",
             f"growth: {new} product(s) sold nothing in the first half of the period ({first.label()}) -> —; "
             "those that sold in the second half count as growing")
    big = out["share_of_sales"] > out["share_of_sales"].median()
    growing = out["sales_growth"].where(out["sales_growth"].notna(), (halves["second"] > 0).astype(float)) > 0
    out["quadrant"] = np.select([big & growing, big, growing], ["star", "cash_cow", "question"], "dog")
    return out


def stock_cover(shop: Shop, period: Period, portfolio: pd.DataFrame, window_days: int = 30) -> pd.DataFrame | None:
    """Days of stock cover and sell-through per product from the latest inventory count.

    Formulas: daily_units = units of the last ``window_days`` days up to the count /
    ``window_days``; cover_days = stock / daily_units (days); sell_through = units sold in the
    period / (units sold + stock).

    Returns
    -------
    DataFrame indexed by product_id: title, stock, daily_units, cover_days (NaN where nothing
    sold, noted), not_selling (stock but no sales in the window), sell_through; slowest
    first; or None without an ``inventory`` table.
    """
    if not shop.has("inventory"):
        return None
    inv = shop.table("inventory")
    last = inv.aggregate(d=inv.date.max()).execute()["d"].iloc[0]
    latest = inv.filter(inv.date == last)  # several warehouses: the shop's stock is their sum
    stock = latest.group_by("product_id").aggregate(stock=latest.stock.sum()).execute().set_index("product_id")["stock"]
    o = paid_order_lines(shop, Period.ending(pd.Timestamp(last), window_days))
    recent = o.group_by("product_id").aggregate(units=o.quantity.sum()).execute().set_index("product_id")["units"]
    out = pd.DataFrame({"stock": stock})
    out["title"] = portfolio["title"].reindex(out.index)
    out["daily_units"] = recent.reindex(out.index).fillna(0) / window_days
    out["cover_days"] = metrics.days_of_cover(out["stock"], out["daily_units"])
    out["not_selling"] = (out["daily_units"] == 0) & (out["stock"] > 0)
    sold = portfolio["units"].reindex(out.index).fillna(0)
    out["sell_through"] = metrics.sell_through(sold, out["stock"])
    out = out[["title", "stock", "daily_units", "cover_days", "not_selling", "sell_through"]]
    return out.sort_values(["not_selling", "cover_days"], ascending=False)


def slow_movers(cover: pd.DataFrame, slow_days: int = 90) -> pd.DataFrame:
    """Rows of :func:`stock_cover` with more than ``slow_days`` days of cover, or stock and no
    recent sales."""
    return cover[(cover["cover_days"] > slow_days) | cover["not_selling"]]


def low_margin_products(portfolio: pd.DataFrame, min_margin: float = 0.15) -> pd.DataFrame:
    """Products whose contribution margin is under ``min_margin`` (a fraction; negative
    margins included): they do not carry their costs (不要轻易销售利润率低的产品). Products
    without sales are left out.

    Returns
    -------
    Rows of :func:`summarize_portfolio`, lowest contribution margin first.
    """
    sold = portfolio[portfolio["sales"] > 0]
    low = sold[sold["contribution_margin"] < min_margin]
    return low.sort_values("contribution_margin")


def rising_products(shop: Shop, period: Period, weeks: int = 4, confidence: float = 0.95,
                    min_lines: int = 10) -> pd.DataFrame:
    """Products whose share of the shop's sales rises: the last ``weeks`` weeks of the
    period against the ``weeks`` weeks before (see the module's 口径).

    Formulas: recent_share = the product's sales / the shop's sales in the recent window
    (before_share likewise); share_ratio = recent_share / before_share; rising = the Wilson
    interval of the product's share of the recent window's order lines lies above that of
    the earlier window.

    Returns
    -------
    DataFrame indexed by product_id: title, recent_sales, before_sales (yuan), recent_lines,
    before_lines, recent_share, before_share, share_ratio (NaN without earlier sales,
    noted), recent_low, before_high, rising; products with fewer than ``min_lines`` recent
    lines are left out; rising first, then by share_ratio.
    """
    end = period.end_exclusive
    mid = end - pd.Timedelta(weeks=weeks)
    start = mid - pd.Timedelta(weeks=weeks)
    o = paid_order_lines(shop, Period(start, period.end))
    o = o.mutate(recent=o.pay_time >= mid.to_pydatetime())
    agg = o.group_by(["product_id", "recent"]).aggregate(sales=o.paid_amount.sum(), lines=o.count()).execute()
    wide = agg.pivot_table(index="product_id", columns="recent", values=["sales", "lines"], fill_value=0)
    out = pd.DataFrame(index=wide.index)
    for flag, name in ((True, "recent"), (False, "before")):
        out[f"{name}_sales"] = wide["sales"][flag] if flag in wide["sales"].columns else 0.0
        out[f"{name}_lines"] = wide["lines"][flag] if flag in wide["lines"].columns else 0
    out["recent_share"] = metrics.share(out["recent_sales"], float(out["recent_sales"].sum()))
    out["before_share"] = metrics.share(out["before_sales"], float(out["before_sales"].sum()))
    with quiet():  # new products have no earlier share; the note below counts those shown
        out["share_ratio"] = metrics.share(out["recent_share"], out["before_share"].where(out["before_share"] > 0, 0))
    low, _ = wilson_interval(out["recent_lines"], float(out["recent_lines"].sum()), confidence)
    _, high = wilson_interval(out["before_lines"], float(out["before_lines"].sum()), confidence)
    out["recent_low"], out["before_high"] = low, high
    out["rising"] = out["recent_low"] > out["before_high"]
    if shop.has("products"):
        titles = shop.table("products").select("product_id", "title").execute().set_index("product_id")["title"]
        out.insert(0, "title", titles.reindex(out.index))
    out = out[out["recent_lines"] >= min_lines]
    new = int(out["share_ratio"].isna().sum())
    if new:
        note(f"占比变化：{new} 个商品在此前 {weeks} 周没有销售 → —",
             f"share ratio: {new} product(s) sold nothing in the {weeks} weeks before -> —")
    return out.sort_values(["rising", "share_ratio"], ascending=False)
