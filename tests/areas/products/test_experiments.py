"""Product tests' figures: tests summed per variant, rates with intervals, the control test,
Holm's adjustment and P(best) as the core statistics give them, the sample-size plan."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.areas.products import experiments
from helpers.core import stats
from helpers.core.shop import connect
from tests.areas.products.support import write

COLUMNS = ["test_id", "date", "product_id", "element", "variant", "price", "impressions", "clicks", "add_to_cart",
           "orders"]


def _variants(**extra) -> pd.DataFrame:
    frame = pd.DataFrame({"variant": ["A", "B", "C"], "element": "main_image", "impressions": [10000, 10000, 9000],
                          "clicks": [300, 380, 290], "add_to_cart": [30, 40, 20], "orders": [6, 9, 5]})
    return frame.assign(**extra)


def test_load_tests_sums_days_per_variant(tmp_path):
    write(tmp_path, "orders", [["o1", "2026-03-02 10:00:00", "2026-03-02 10:01:00", "c1", "p1", 1, 10, 10, "搜索", "",
                                "paid"]],
          ["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity", "list_price", "paid_amount",
           "source", "campaign_id", "status"])
    write(tmp_path, "product_tests", [
        ["T1", "2026-03-02", "p1", "price", "B", 90, 100, 10, 2, 1],
        ["T1", "2026-03-02", "p1", "price", "A", 100, 100, 12, 3, 1],
        ["T1", "2026-03-03", "p1", "price", "A", 100, 50, 5, 1, 0],
        ["T0", "2026-03-03", "p2", "title", "A", None, 70, 7, 0, 0],
    ], COLUMNS)
    tests = experiments.load_tests(connect(tmp_path))
    assert tests[["test_id", "variant"]].values.tolist() == [["T0", "A"], ["T1", "A"], ["T1", "B"]]
    a = tests.iloc[1]
    assert (a["impressions"], a["clicks"], a["add_to_cart"], a["orders"]) == (150, 17, 4, 1)
    assert a["price"] == 100 and a["element"] == "price"
    assert pd.Timestamp(a["start"]) == pd.Timestamp("2026-03-02") and pd.Timestamp(a["end"]) == pd.Timestamp("2026-03-03")


def test_primary_metric_by_element():
    assert experiments.primary_metric(_variants()) == "click_rate"
    assert experiments.primary_metric(_variants(element="title")) == "click_rate"
    assert experiments.primary_metric(_variants(element="price")) == "order_rate"
    assert experiments.primary_metric(_variants(element="video")) == "click_rate"


def test_compare_variants_uses_the_core_statistics():
    v = _variants()
    table = experiments.compare_variants(v, 0.9, seed=3, draws=4000)
    assert table.loc["B", "click_rate"] == pytest.approx(0.038)
    assert table.loc["C", "cart_rate"] == pytest.approx(20 / 290)
    assert table.loc["A", "order_rate"] == pytest.approx(6 / 300)
    low, high = stats.wilson_interval(v["clicks"].to_numpy(), v["impressions"].to_numpy(), 0.9)
    np.testing.assert_allclose(table["click_rate_low"], low, rtol=1e-15)
    np.testing.assert_allclose(table["click_rate_high"], high, rtol=1e-15)
    raw = [np.nan] + [stats.two_proportion_test(300, 10000, s, n)["p_value"] for s, n in ((380, 10000), (290, 9000))]
    np.testing.assert_array_equal(table["p_value"], stats.holm(raw))
    assert math.isnan(table.loc["A", "p_value"])
    np.testing.assert_array_equal(table["prob_best"], stats.prob_best([300, 380, 290], [10000, 10000, 9000], 4000, 3))
    assert "revenue_per_impression" not in table.columns  # no price


def test_price_tests_are_decided_on_orders_per_click_and_earn_per_impression():
    v = _variants(element="price", price=[100.0, 90.0, 110.0])
    table = experiments.compare_variants(v)
    raw = [np.nan] + [stats.two_proportion_test(6, 300, s, n)["p_value"] for s, n in ((9, 380), (5, 290))]
    np.testing.assert_array_equal(table["p_value"], stats.holm(raw))
    assert table.loc["B", "revenue_per_impression"] == pytest.approx(9 * 90 / 10000)


def test_sample_size_plan():
    plan = experiments.sample_size_plan(0.1, 0.95)
    assert list(plan.index) == list(experiments.PLAN_BASELINES)
    assert plan.tolist() == [stats.sample_size_per_variant(b, 0.1, 0.95, 0.8) for b in experiments.PLAN_BASELINES]
    assert plan.is_monotonic_decreasing  # rarer events need more trials
    assert plan[0.03] == 53182  # the figure the sample report shows
