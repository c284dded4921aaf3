"""Products (商品效果 by source): the funnel with intervals, the 测款 decision and the 人货场 matrix,
on hand-built shops for the guardrails and on the sample shop against the generator's truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.traffic import products
from helpers.core.calendar import Period
from helpers.core.shop import connect
from tests.areas.traffic.seeds import SEEDS, seeded_shop

DAY = Period(pd.Timestamp("2026-11-01"), pd.Timestamp("2026-11-14"))


def write_products(folder, rows) -> object:
    """A shop of orders (required), products and the given product_traffic rows
    (date, product, source, visitors, favourites, cart, paid buyers, amount)."""
    pd.DataFrame([("o1", "2026-11-02 10:00", "2026-11-02 10:01", "c1", "a", 1, 100, 100, "paid")],
                 columns=["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity",
                          "list_price", "paid_amount", "status"]).to_csv(folder / "orders.csv", index=False)
    pd.DataFrame([(p, f"商品{p}", "类目", "", 10.0, 100.0, "2026-10-01") for p in "abcd"],
                 columns=["product_id", "title", "category", "brand", "unit_cost", "list_price", "launch_date"]
                 ).to_csv(folder / "products.csv", index=False)
    frame = pd.DataFrame(rows, columns=["date", "product_id", "source", "visitors", "favourites", "cart_buyers",
                                        "paid_buyers", "paid_amount"])
    frame["order_buyers"] = frame["paid_buyers"]
    frame.to_csv(folder / "product_traffic.csv", index=False)
    return connect(folder)


def test_rates_follow_their_definitions_and_zero_visitors_give_no_rate(tmp_path):
    shop = write_products(tmp_path, [("2026-11-02", "a", "直通车", 200, 10, 20, 4, 400.0),
                                     ("2026-11-03", "a", "手淘搜索", 100, 5, 10, 2, 200.0),
                                     ("2026-11-02", "b", "直通车", 0, 0, 0, 0, 0.0)])
    funnel = products.product_funnel(shop, DAY).set_index("product_id")
    a = funnel.loc["a"]
    assert (a["visitors"], a["fav_cart_rate"], a["conversion_rate"], a["uv_value"]) == (300, 0.15, 0.02, 2.0)
    assert a["conversion_low"] < 0.02 < a["conversion_high"] and a["fav_cart_low"] < 0.15 < a["fav_cart_high"]
    assert np.isnan(funnel.loc["b", "conversion_rate"]) and np.isnan(funnel.loc["b", "uv_value"])


def test_a_test_with_too_few_visitors_gives_no_verdict(tmp_path):
    shop = write_products(tmp_path, [("2026-11-02", "a", "直通车", 150, 30, 30, 1, 100.0),
                                     ("2026-11-02", "b", "直通车", 150, 3, 3, 0, 0.0)])
    found = products.judge_listings(products.compare_listings(shop, DAY, ["a", "b"], "直通车"), min_visitors=200)
    assert [f.verdict for f in found] == ["not_enough_data"] * 2
    assert found[0].evidence == {"visitors": 150, "min_visitors": 200}


def test_a_clear_winner_is_pushed_a_clear_loser_dropped_and_the_rest_kept(tmp_path):
    shop = write_products(tmp_path, [("2026-11-02", "a", "直通车", 500, 40, 60, 10, 1000.0),
                                     ("2026-11-02", "b", "直通车", 500, 10, 15, 3, 300.0),
                                     ("2026-11-02", "c", "直通车", 500, 35, 50, 8, 800.0),
                                     ("2026-11-02", "a", "手淘搜索", 5000, 0, 0, 0, 0.0)])
    table = products.compare_listings(shop, DAY, ["a", "b", "c"], "直通车")
    assert table.loc["a", "visitors"] == 500  # only the source the test shared
    verdicts = {f.subject: f.verdict for f in products.judge_listings(table, push_probability=0.7)}
    assert verdicts == {"a": "push", "b": "drop", "c": "keep_testing"}


def test_one_source_above_70_percent_is_a_risk_and_a_major_source_bringing_nothing_a_gap(tmp_path):
    rows = [("2026-11-02", "a", "直通车", 800, 0, 0, 0, 0.0), ("2026-11-02", "a", "手淘搜索", 200, 0, 0, 0, 0.0),
            ("2026-11-02", "b", "直通车", 300, 0, 0, 0, 0.0), ("2026-11-02", "b", "推荐", 300, 0, 0, 0, 0.0),
            ("2026-11-02", "c", "直通车", 100, 0, 0, 0, 0.0)]  # c is too small to judge
    shop = write_products(tmp_path, rows)
    matrix, found = products.source_matrix(shop, DAY, min_visitors=200)
    assert matrix.loc["a", "top_share"] == 0.8 and matrix.loc["a", "title"] == "商品a"
    assert {(f.subject, f.verdict, f.evidence["source"]) for f in found} == {
        ("a", "concentrated", "直通车"), ("a", "gap", "推荐"), ("b", "gap", "手淘搜索")}


def test_an_empty_test_start_ends_the_test_on_the_periods_last_day():
    period = Period(pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15"))
    assert products.listing_period("", 14, period) == Period(pd.Timestamp("2026-11-02"), pd.Timestamp("2026-11-15"))
    assert products.listing_period("2026-09-21", 14, period).end == pd.Timestamp("2026-10-04")
    with pytest.raises(ValueError, match="test_start"):
        products.listing_period("soon", 14, period)


def _window(truth: dict) -> Period:
    w = truth["product_traffic"]["window"]
    return Period(pd.Timestamp(w["start"]), pd.Timestamp(w["end"]))


def _coverage(shop, truth) -> tuple[float, float]:
    funnel = products.product_funnel(shop, _window(truth)).set_index("product_id")
    true = pd.DataFrame(truth["product_traffic"]["products"]).T.reindex(funnel.index)
    conv = ((funnel["conversion_low"] <= true["expected_conversion"])
            & (true["expected_conversion"] <= funnel["conversion_high"])).mean()
    both = ((funnel["fav_cart_low"] <= true["fav_cart_rate"]) & (true["fav_cart_rate"] <= funnel["fav_cart_high"])).mean()
    return conv, both


def test_the_sample_products_rates_lie_inside_their_intervals(sample, truth):
    conv, both = _coverage(sample, truth)
    assert conv >= 0.9 and both >= 0.9


@pytest.mark.recovery
@pytest.mark.parametrize("seed", SEEDS)
def test_rates_are_inside_their_intervals_at_the_nominal_rate_over_seeds(seed):
    folder, truth = seeded_shop(seed)
    conv, both = _coverage(connect(folder), truth)
    # 95% intervals over ~100 products: below 88% would be a 3-sigma miss
    assert conv >= 0.88 and both >= 0.88


def test_the_sample_test_pushes_the_true_best_listing_and_drops_the_true_worst(sample, truth):
    test = truth["product_traffic"]["test"]
    period = products.listing_period(test["start"], test["days"], Period(DAY.start, DAY.end))
    listings = products.newest_listings(sample, period)
    assert sorted(listings) == sorted(test["products"])
    table = products.compare_listings(sample, period, listings, test["source"])
    assert table["visitors"].nunique() == 1  # the same paid traffic for each
    verdicts = {f.subject: f.verdict for f in products.judge_listings(table)}
    assert verdicts[test["best"]] == "push" and verdicts[test["worst"]] == "drop"


def test_the_sample_matrix_finds_the_planted_concentration_and_gap(sample, truth):
    _, found = products.source_matrix(sample, _window(truth))
    planted = truth["product_traffic"]
    assert {f.subject: f.evidence["source"] for f in found if f.verdict == "concentrated"} == planted["concentrated"]
    assert {f.subject: f.evidence["source"] for f in found if f.verdict == "gap"} == planted["gaps"]


def test_sentences_name_the_decision_in_both_languages(sample, truth):
    test = truth["product_traffic"]["test"]
    period = products.listing_period(test["start"], test["days"], DAY)
    table = products.compare_listings(sample, period, test["products"], test["source"])
    found = products.judge_listings(table)
    zh, en = (products.describe_listings(found, lang, table["title"]) for lang in ("zh", "en"))
    assert "主推" in zh and "放弃" in zh and test["best"] in zh
    assert "Push" in en and "Drop" in en and "继续" not in en


# --------------------------------------------------------------------------- 测款 on click-through


def write_with_impressions(folder, rows) -> object:
    """:func:`write_products` rows (date, product, source, visitors, impressions, fav, cart, paid, amount)."""
    write_products(folder, [r[:4] + r[5:] for r in rows])
    frame = pd.read_csv(folder / "product_traffic.csv", dtype={"product_id": str})
    frame.insert(4, "impressions", [r[4] for r in rows])
    frame.to_csv(folder / "product_traffic.csv", index=False)
    return connect(folder)


def test_ctr_is_visitors_per_impression_and_an_export_without_impressions_has_none(tmp_path):
    shop = write_with_impressions(tmp_path, [("2026-11-02", "a", "直通车", 200, 4000, 10, 20, 4, 400.0),
                                             ("2026-11-03", "a", "手淘搜索", 100, 6000, 5, 10, 2, 200.0)])
    a = products.product_funnel(shop, DAY).set_index("product_id").loc["a"]
    assert a["ctr"] == 0.03 and a["ctr_low"] < 0.03 < a["ctr_high"]
    (tmp_path / "bare").mkdir()
    bare = write_products(tmp_path / "bare", [("2026-11-02", "a", "直通车", 200, 10, 20, 4, 400.0)])
    assert "ctr" not in products.product_funnel(bare, DAY)  # unknown, never a CTR of 0
    table = products.compare_listings(bare, DAY, ["a"], "直通车")
    assert {f.rule for f in products.judge_listings(table, min_visitors=100)} == {"traffic.listing_test"}


def test_the_test_judges_ctr_with_its_own_minimum_and_names_a_main_image_problem(tmp_path):
    # a leads on 收藏加购 (interest in the product) but draws clicks poorly: change the main image
    rows = [("2026-11-02", "a", "直通车", 500, 25000, 40, 60, 10, 1000.0),
            ("2026-11-02", "b", "直通车", 500, 10000, 10, 15, 3, 300.0)]
    shop = write_with_impressions(tmp_path, rows)
    table = products.compare_listings(shop, DAY, ["a", "b"], "直通车")
    assert table.loc["b", "prob_best_ctr"] > 0.99
    found = products.judge_listings(table)
    assert {(f.rule, f.subject): f.verdict for f in found} == {
        ("traffic.listing_test", "a"): "push", ("traffic.listing_test", "b"): "drop",
        ("traffic.listing_ctr", "a"): "drop", ("traffic.listing_ctr", "b"): "push"}
    zh, en = (products.describe_listings(found, lang) for lang in ("zh", "en"))
    assert "换主图" in zh and "main image" in en
    short = products.judge_listings(table, min_impressions=20000)
    assert [f.verdict for f in short if f.rule == "traffic.listing_ctr"] == ["not_enough_data"] * 2
    assert "needs 20000 impressions" in products.describe_listings(short, "en")


def _ctr_coverage(shop, truth) -> float:
    funnel = products.product_funnel(shop, _window(truth)).set_index("product_id")
    true = pd.DataFrame(truth["product_traffic"]["products"]).T.reindex(funnel.index)["ctr"].astype(float)
    return float(((funnel["ctr_low"] <= true) & (true <= funnel["ctr_high"])).mean())


@pytest.mark.recovery
@pytest.mark.parametrize("seed", SEEDS)
def test_ctr_is_inside_its_interval_at_the_nominal_rate_and_the_test_finds_the_best_ctr_over_seeds(seed):
    folder, truth = seeded_shop(seed)
    shop = connect(folder)
    assert _ctr_coverage(shop, truth) >= 0.88  # 95% intervals over ~100 products
    test = truth["product_traffic"]["test"]
    period = products.listing_period(test["start"], test["days"], DAY)
    table = products.compare_listings(shop, period, test["products"], test["source"])
    verdicts = {f.subject: f.verdict for f in products.judge_listings(table) if f.rule == "traffic.listing_ctr"}
    assert verdicts[test["best_ctr"]] == "push" and verdicts[test["worst"]] == "drop"
