"""Baskets (关联销售): products bought in the same order, and order value per category.

口径 used here
--------------
Paid orders of the period. support = orders with both / orders; confidence(A→B) = orders
with both / orders with A; lift = orders with both / the number expected if the two were
bought independently within each month (Σ_m n_A,m n_B,m / N_m; the unstratified lift
confidence / support(B) is inflated by products that sold in the same months only). Pairs
with fewer than ``min_count`` orders are neither tested nor shown (not enough data yet).

A pair is a bundle (``bundle``) only when it is bought together more often than chance: an
exact one-sided test of the orders with both against independence within each month (the
null distribution is the sum over months of hypergeometric counts, Fisher's exact test when
there is one month), Benjamini-Hochberg across every pair tested (false discovery rate 1 -
confidence), and lift > 1. Order value per category: the category of the order's largest line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core import metrics
from helpers.core.findings import Finding, not_enough_data
from helpers.core.lines import paid_order_lines
from helpers.core.notes import note

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop


def product_pairs(shop: Shop, period: Period, min_count: int = 10,
                  confidence: float = 0.95) -> tuple[pd.DataFrame, int]:
    """Products bought together in paid orders of the period, tested against chance (see the
    module's 口径).

    Lift is stratified by month: over a long period, two products that both sold only in the
    same few months (new launches, a season) would otherwise show a high lift from timing
    alone.

    Returns
    -------
    (DataFrame per unordered pair (product_a < product_b): pair_orders, expected, orders_a,
    orders_b, support, confidence (A→B), confidence_ba (B→A), lift, p_value (exact, one-sided;
    1 where lift <= 1),
    q_value (Benjamini-Hochberg), bundle (q_value < 1 - confidence and lift > 1), with
    pair_orders >= ``min_count``, bundles first, then highest lift; the number of paid orders).
    A note says when no pair reached ``min_count``, and how many of the pairs tested are bundles.
    """
    from statsmodels.stats.multitest import multipletests

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
    wide = per_month.pivot_table(index="product_id", columns="month", values="n", fill_value=0)
    by_month, n_by_month = wide.to_numpy(float), months.reindex(wide.columns).to_numpy(float)
    counts["expected"] = _expected_pair_orders(per_month, months, counts["product_a"], counts["product_b"])
    counts["orders_a"] = counts["product_a"].map(per_product)
    counts["orders_b"] = counts["product_b"].map(per_product)
    counts["support"] = metrics.share(counts["pair_orders"], float(n_orders))
    counts["confidence"] = metrics.share(counts["pair_orders"], counts["orders_a"])
    counts["confidence_ba"] = metrics.share(counts["pair_orders"], counts["orders_b"])
    counts["lift"] = metrics.basket_lift(counts["pair_orders"], counts["expected"])
    ia, ib = wide.index.get_indexer(counts["product_a"]), wide.index.get_indexer(counts["product_b"])
    # one-sided: a pair bought together no more often than expected gets p = 1 (an upper bound
    # of its exact p-value, about 0.5 or more), which spares the exact tail for most pairs of a
    # large shop and changes no Benjamini-Hochberg decision (those never fall under 1 - confidence)
    counts["p_value"] = [cooccurrence_p_value(int(k), by_month[i], by_month[j], n_by_month) if lift > 1 else 1.0
                         for k, i, j, lift in zip(counts["pair_orders"], ia, ib, counts["lift"], strict=True)]
    alpha = 1 - confidence
    counts["q_value"] = multipletests(counts["p_value"], method="fdr_bh")[1] if len(counts) else []
    counts["bundle"] = (counts["q_value"] < alpha) & (counts["lift"] > 1)
    if counts.empty:
        note(f"数据不足：没有任何两个商品在 {min_count} 单以上同时出现，暂不给搭配建议",
             f"not enough data yet: no two products were bought together in {min_count} or more orders, "
             "so there is no bundle advice")
    else:
        note(f"搭配：{len(counts):,} 组同买 ≥ {min_count} 单的商品做了精确检验（按月分层，Benjamini-Hochberg，"
             f"错误发现率 {alpha:.0%}），{int(counts['bundle'].sum()):,} 组同买显著多于偶然",
             f"bundles: {len(counts):,} pairs bought together in {min_count}+ orders were tested exactly "
             f"(stratified by month, Benjamini-Hochberg at a false discovery rate of {alpha:.0%}); "
             f"{int(counts['bundle'].sum()):,} are bought together more often than chance")
    order = ["bundle", "lift", "pair_orders"]
    return counts.sort_values(order, ascending=False).reset_index(drop=True), n_orders


def cooccurrence_p_value(together: int, orders_a: np.ndarray, orders_b: np.ndarray, orders: np.ndarray) -> float:
    """Exact one-sided p-value of ``together`` orders with both products under independence
    within each month.

    In month m, with N_m orders of which n_a,m hold A and n_b,m hold B, the orders with both
    are hypergeometric (N_m, n_a,m, n_b,m) when A and B are bought independently; the months
    are independent, so the null distribution of the total is the convolution of the
    monthly hypergeometric distributions, and p = P(total >= together). With one month this
    is Fisher's exact test (one-sided, alternative "greater").

    Parameters
    ----------
    together : orders with both products in the period.
    orders_a, orders_b, orders : per month, orders with A, with B, and all orders.
    """
    from scipy.stats import hypergeom

    dist = np.ones(1)
    for n_a, n_b, n in zip(orders_a, orders_b, orders, strict=True):
        if n_a == 0 or n_b == 0:
            continue
        low, high = int(max(0, n_a + n_b - n)), int(min(n_a, n_b))
        month = np.zeros(high + 1)
        month[low:] = hypergeom.pmf(np.arange(low, high + 1), int(n), int(n_a), int(n_b))
        dist = np.convolve(dist, month)
    return float(min(1.0, max(0.0, dist[together:].sum())))


def judge_bundles(pairs: pd.DataFrame, min_count: int, confidence: float = 0.95) -> list[Finding]:
    """Rule ``products.bundle``: one finding per pair of :func:`product_pairs`, verdict
    "bundle" (bought together more than by chance, see the module's 口径) or "chance"; a single
    not-enough-data finding when no pair reached ``min_count`` orders.

    Evidence: pair_orders, expected, lift, p_value, q_value.
    """
    if pairs.empty:
        return [not_enough_data("products.bundle", "pairs", min_count=min_count)]
    out = []
    for _, r in pairs.iterrows():
        evidence = {k: float(r[k]) for k in ("expected", "lift", "p_value", "q_value")}
        evidence["pair_orders"] = int(r["pair_orders"])
        out.append(Finding("products.bundle", f"{r['product_a']}+{r['product_b']}",
                           "bundle" if r["bundle"] else "chance", evidence, confidence))
    return out


def bundle_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs of :func:`product_pairs` worth bundling (``bundle`` true), highest lift first."""
    return pairs[pairs["bundle"]]



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
