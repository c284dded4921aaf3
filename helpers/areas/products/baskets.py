"""Baskets (关联销售): products bought in the same order, and order value per category.

口径 used here
--------------
Paid orders of the period. support = orders with both / orders; confidence(A→B) = orders
with both / orders with A; lift = orders with both / the number expected if the two were
bought independently within each month (Σ_m n_A,m n_B,m / N_m; the unstratified lift
confidence / support(B) is inflated by products that sold in the same months only). Pairs
with fewer than ``min_count`` orders are not shown. Order value per category: the category
of the order's largest line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core import metrics
from helpers.core.lines import paid_order_lines

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop


def product_pairs(shop: Shop, period: Period, min_count: int = 10) -> tuple[pd.DataFrame, int]:
    """Products bought together in paid orders of the period (see the module's 口径).

    Lift is stratified by month: over a long period, two products that both sold only in the
    same few months (new launches, a season) would otherwise show a high lift from timing
    alone.

    Returns
    -------
    (DataFrame per unordered pair (product_a < product_b): pair_orders, expected, orders_a,
    orders_b, support, confidence (A→B), confidence_ba (B→A), lift, with pair_orders >=
    ``min_count``, highest lift first; the number of paid orders).
    """
    o = paid_order_lines(shop, period)
    # The validated key (order_id, product_id) makes every line one item of its order.
    items = o.select("order_id", "product_id", month=o.pay_time.truncate("M"))
    per_month = items.group_by(["month", "product_id"]).aggregate(n=items.count()).execute()
    months = items.group_by("month").aggregate(orders=items.order_id.nunique()).execute().set_index("month")["orders"]
    n_orders = int(months.sum())
    per_product = per_month.groupby("product_id")["n"].sum()
    a = items.select("order_id", product_a="product_id")
    b = items.select("order_id", product_b="product_id")
    pairs = a.inner_join(b, "order_id").filter(lambda t: t.product_a < t.product_b)
    counts = pairs.group_by(["product_a", "product_b"]).aggregate(pair_orders=pairs.count())
    counts = counts.filter(counts.pair_orders >= min_count).execute()
    counts["expected"] = _expected_pair_orders(per_month, months, counts["product_a"], counts["product_b"])
    counts["orders_a"] = counts["product_a"].map(per_product)
    counts["orders_b"] = counts["product_b"].map(per_product)
    counts["support"] = metrics.share(counts["pair_orders"], float(n_orders))
    counts["confidence"] = metrics.share(counts["pair_orders"], counts["orders_a"])
    counts["confidence_ba"] = metrics.share(counts["pair_orders"], counts["orders_b"])
    counts["lift"] = metrics.basket_lift(counts["pair_orders"], counts["expected"])
    return counts.sort_values(["lift", "pair_orders"], ascending=False).reset_index(drop=True), n_orders


def with_titles(pairs: pd.DataFrame, titles: pd.Series) -> pd.DataFrame:
    """:func:`product_pairs` with each product's title beside its id (title_a, title_b).

    A product without a title (no ``products`` table, or not listed in it) shows its id:
    the table shows the titles in place of the ids, so a missing title must not leave it blank.
    """
    def name(ids: pd.Series) -> pd.Series:
        return ids.map(titles).where(lambda t: t.notna() & t.astype(str).str.strip().ne(""), ids)

    return pairs.assign(title_a=name(pairs["product_a"]), title_b=name(pairs["product_b"]))


def _expected_pair_orders(per_month: pd.DataFrame, months: pd.Series, product_a: pd.Series, product_b: pd.Series,
                          chunk: int = 100_000) -> np.ndarray:
    """Σ_m n_a,m · n_b,m / N_m for each pair: orders with both expected if independent within each month.

    ``per_month`` has month, product_id and n (orders with the product), ``months`` the orders
    per month. Whole arrays, a block of pairs at a time: a shop with thousands of products has
    hundreds of thousands of pairs (a row lookup per pair took minutes), and the block bounds
    the pairs x months temporaries.
    """
    wide = per_month.pivot_table(index="product_id", columns="month", values="n", fill_value=0)
    inv = 1.0 / months.reindex(wide.columns).to_numpy(float)
    n = wide.to_numpy(float)
    ia, ib = wide.index.get_indexer(product_a), wide.index.get_indexer(product_b)
    expected = np.empty(len(ia))
    for start in range(0, len(ia), chunk):
        block = slice(start, start + chunk)
        expected[block] = (n[ia[block]] * n[ib[block]] * inv).sum(axis=1)
    return expected


def aov_by_category(shop: Shop, period: Period) -> pd.DataFrame:
    """Order value distribution per category of the order's largest line.

    Formulas (yuan): amount_per_order = mean paid amount per order (笔单价: per order, not per
    buyer); p25, median, p75 its quartiles; multi_share = orders with 2+ products / orders.

    Returns
    -------
    DataFrame indexed by category: orders, amount_per_order, p25, median, p75, multi_share;
    most orders first.
    """
    import ibis

    o = paid_order_lines(shop, period)
    if shop.has("products"):
        p = shop.table("products").select("product_id", "category")
        o = o.left_join(p, "product_id").drop("product_id_right")
    else:
        o = o.mutate(category=ibis.null().cast("string"))
    # One grouping by order (three windows over every line took 3x as long); the key
    # (order_id, product_id) makes the order's lines its distinct products.
    main = o.group_by("order_id").aggregate(
        category=metrics.first_of(o.category.fill_null("?"), -o.paid_amount, o.product_id),
        order_value=o.paid_amount.sum(), n_products=o.count())
    g = main.group_by("category").aggregate(
        orders=main.count(), amount_per_order=main.order_value.mean(), p25=main.order_value.quantile(0.25),
        median=main.order_value.quantile(0.5), p75=main.order_value.quantile(0.75),
        multi=(main.n_products >= 2).cast("int64").sum()).execute().set_index("category")
    g["multi_share"] = metrics.share(g["multi"], g["orders"])
    return g.drop(columns="multi").sort_values("orders", ascending=False)
