"""Baskets: pairs, support, confidence and month-stratified lift against a direct count on the
hand-built shop; order value per category of the order's largest line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.products import baskets
from helpers.core.calendar import Period
from helpers.core.shop import connect
from tests.areas.products.support import MARCH


def test_pairs_match_a_direct_count(small):
    pairs, n = baskets.product_pairs(small, MARCH, min_count=1)
    assert n == 4
    row = pairs.set_index(["product_a", "product_b"]).loc[("p1", "p2")]
    assert row["pair_orders"] == 2
    assert row["support"] == pytest.approx(2 / 4)
    assert row["confidence"] == pytest.approx(2 / 3)  # p1 in 3 orders
    assert row["confidence_ba"] == pytest.approx(2 / 3)  # p2 in 3 orders
    assert row["lift"] == pytest.approx(2 / (3 * 3 / 4))  # one month: expected = 3 x 3 / 4
    assert baskets.product_pairs(small, MARCH, min_count=3)[0].empty
    aov = baskets.aov_by_category(small, MARCH)
    assert aov["orders"].sum() == 4
    # o1 (p1 ¥180 + p2 ¥50), o2 (p1 ¥100), o3 (p1 ¥100 + p2 ¥50) count under p1's category
    assert aov.loc["女装连衣裙", "amount_per_order"] == pytest.approx((230 + 100 + 150) / 3)
    assert aov.loc["女装连衣裙", "multi_share"] == pytest.approx(2 / 3)
    assert aov.loc["女装连衣裙", "median"] == pytest.approx(150)
    assert aov.loc["家居收纳", "orders"] == 1 and aov.loc["家居收纳", "multi_share"] == 0


def test_pair_lift_expects_independence_within_each_month(small, tmp_path):
    """April adds o5 (p1 + p3) and o6 (p3): expected orders with both add up month by month."""
    orders = pd.read_csv(tmp_path / "orders.csv", dtype=str, keep_default_na=False)
    april = pd.DataFrame([
        ["o5", "2026-04-02 10:00:00", "2026-04-02 10:01:00", "c5", "p1", "1", "100", "100", "直通车", "", "paid"],
        ["o5", "2026-04-02 10:00:00", "2026-04-02 10:01:00", "c5", "p3", "1", "20", "20", "直通车", "", "paid"],
        ["o6", "2026-04-03 10:00:00", "2026-04-03 10:01:00", "c6", "p3", "1", "20", "20", "直通车", "", "paid"],
    ], columns=orders.columns)
    pd.concat([orders, april]).to_csv(tmp_path / "orders.csv", index=False)
    pairs, n = baskets.product_pairs(connect(tmp_path), Period(MARCH.start, pd.Timestamp("2026-04-30")), 1)
    pairs = pairs.set_index(["product_a", "product_b"])
    assert n == 6
    # p1 & p2: March 3 x 3 / 4 + April 1 x 0 / 2 (pooled over both months it would be 4 x 3 / 6 = 2)
    assert pairs.loc[("p1", "p2"), "expected"] == pytest.approx(2.25)
    assert pairs.loc[("p1", "p2"), "lift"] == pytest.approx(2 / 2.25)
    # p1 & p3: March 3 x 0 / 4 + April 1 x 2 / 2 (pooled: 4 x 2 / 6)
    assert pairs.loc[("p1", "p3"), "expected"] == pytest.approx(1.0)
    assert pairs.loc[("p1", "p3"), "lift"] == pytest.approx(1.0)
    assert pairs.loc[("p1", "p3"), "orders_a"] == 4 and pairs.loc[("p1", "p3"), "orders_b"] == 2


def test_expected_pair_orders_in_blocks_equal_one_block():
    per_month = pd.DataFrame({"month": ["m1", "m1", "m2", "m2", "m2"], "product_id": ["a", "b", "a", "b", "c"],
                              "n": [3, 2, 1, 4, 2]})
    months = pd.Series({"m1": 5, "m2": 6})
    a, b = pd.Series(["a", "a", "b"]), pd.Series(["b", "c", "c"])
    whole = baskets._expected_pair_orders(per_month, months, a, b)
    assert whole.tolist() == pytest.approx([3 * 2 / 5 + 1 * 4 / 6, 1 * 2 / 6, 4 * 2 / 6])
    assert baskets._expected_pair_orders(per_month, months, a, b, chunk=1).tolist() == whole.tolist()


def test_with_titles():
    pairs = pd.DataFrame({"product_a": ["p1"], "product_b": ["p2"]})
    out = baskets.with_titles(pairs, pd.Series({"p1": "裙子", "p2": "盒子"}))
    assert out[["title_a", "title_b"]].iloc[0].tolist() == ["裙子", "盒子"]


def test_pair_table_without_products_shows_the_ids(small, tmp_path):
    """Without products.csv there are no titles: the pair table names the products by id, not "—"."""
    from helpers.areas.products import tables
    from helpers.core.lines import product_titles

    (tmp_path / "products.csv").unlink()
    shop = connect(tmp_path)
    pairs, _ = baskets.product_pairs(shop, MARCH, min_count=1)
    named = baskets.with_titles(pairs, product_titles(shop))
    assert named[["title_a", "title_b"]].iloc[0].tolist() == ["p1", "p2"]
    html = tables.table(named, "pairs", "en").to_html()
    assert ">p1<" in html and ">p2<" in html and "—" not in html
    # a product missing from a products table keeps its id too
    partial = baskets.with_titles(pairs, pd.Series({"p1": "裙子"}))
    assert partial[["title_a", "title_b"]].iloc[0].tolist() == ["裙子", "p2"]


def _basket_shop(folder, baskets_: list[tuple[tuple[str, ...], int]]):
    """A shop of March orders: ``(products, how many orders)`` per kind of basket."""
    from tests.areas.products.support import ORDER_COLUMNS, write

    rows, n = [], 0
    for products, count in baskets_:
        for _ in range(count):
            n += 1
            day = f"2026-03-{1 + n % 28:02d} 10:00:00"
            rows += [[f"o{n}", day, day, f"c{n}", p, 1, 10, 10, "搜索", "", "paid"] for p in products]
    write(folder, "orders", rows, ORDER_COLUMNS)
    return connect(folder)


def test_bundles_need_an_exact_test_across_pairs_and_positive_lift(tmp_path):
    """400 orders: a and b together in 15 (lift 1.07, as the report advised before), c and d in
    20 of 30 each (lift 8.9). Only c + d is a bundle; its p-value is Fisher's exact test."""
    from scipy.stats import fisher_exact
    from statsmodels.stats.multitest import multipletests

    shop = _basket_shop(tmp_path, [(("a", "b"), 15), (("a",), 85), (("b",), 41), (("c", "d"), 20), (("c",), 10),
                                   (("d",), 10), (("z",), 219)])
    pairs, n = baskets.product_pairs(shop, MARCH, min_count=10)
    assert n == 400
    pairs = pairs.set_index(["product_a", "product_b"])
    assert pairs.loc[("a", "b"), "lift"] == pytest.approx(15 / (100 * 56 / 400))  # 1.07
    assert not pairs.loc[("a", "b"), "bundle"]
    assert pairs.loc[("c", "d"), "bundle"]
    fisher = fisher_exact([[20, 10], [10, 360]], alternative="greater").pvalue
    assert pairs.loc[("c", "d"), "p_value"] == pytest.approx(fisher, rel=1e-9)
    assert pairs["q_value"].tolist() == pytest.approx(multipletests(pairs["p_value"], method="fdr_bh")[1])
    verdicts = {f.subject: f.verdict for f in baskets.judge_bundles(pairs.reset_index(), 10)}
    assert verdicts == {"a+b": "chance", "c+d": "bundle"}
    assert baskets.bundle_pairs(pairs.reset_index())[["product_a", "product_b"]].values.tolist() == [["c", "d"]]


def test_a_pair_bought_together_less_than_by_chance_is_never_a_bundle(tmp_path):
    shop = _basket_shop(tmp_path, [(("a", "b"), 12), (("a",), 188), (("b",), 188), (("z",), 12)])
    pairs, _ = baskets.product_pairs(shop, MARCH, min_count=10)
    assert pairs.loc[0, "lift"] < 1 and pairs.loc[0, "p_value"] == 1.0 and not pairs.loc[0, "bundle"]
    # its exact one-sided p-value, which the 1 bounds
    assert baskets.cooccurrence_p_value(12, np.array([200]), np.array([200]), np.array([400])) > 0.99


def test_bundles_below_the_minimum_support_say_not_enough_data(tmp_path):
    from tests.areas.products.support import notes_of

    shop = _basket_shop(tmp_path, [(("c", "d"), 9), (("z",), 50)])  # a perfect pair, but 9 orders only
    (pairs, _), said = notes_of(baskets.product_pairs, shop, MARCH, 10)
    assert pairs.empty
    [finding] = baskets.judge_bundles(pairs, 10)
    assert not finding.enough_data and finding.evidence == {"min_count": 10}
    assert any("not enough data yet" in n.en for n in said)


def test_the_exact_test_adds_up_months(tmp_path):
    """Two months with the pair sold apart in one of them: the p-value is the tail of the sum of
    the monthly hypergeometric counts (computed here by enumeration)."""
    from itertools import product

    from scipy.stats import hypergeom

    # month 1: N 20, A 5, B 4; month 2: N 10, A 3, B 6; 4 orders with both overall
    p = baskets.cooccurrence_p_value(4, np.array([5, 3]), np.array([4, 6]), np.array([20, 10]))
    direct = sum(hypergeom.pmf(i, 20, 5, 4) * hypergeom.pmf(j, 10, 3, 6)
                 for i, j in product(range(5), range(4)) if i + j >= 4)
    assert p == pytest.approx(direct)
