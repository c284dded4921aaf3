"""Repurchase definitions on a hand-built shop, the gaps between purchases, and the groups adding
up to the metric on the sample shop."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.areas.customers import repurchase, tables
from helpers.core import metrics
from helpers.core.notes import MetricNote, caught, quiet
from tests.areas.customers.shops import PERIOD, make_shop


@pytest.mark.parametrize("rule, customers, orders", [("once", (1, 4), (2, 5)), ("per_order", (1, 4), (3, 6))])
def test_repurchase_definitions_match_hand_counts(small, rule, customers, orders):
    with caught() as found:
        table = repurchase.compare_repurchase(small, PERIOD, rule, days=30)
    assert [(n.zh, n.en) for n in found] == [(
        "30日复购率：4 位首购客户中有 1 位未计入：其 30 天窗口超出数据最后一天（2026-03-31）",
        "30-day repurchase rate: 1 of 4 cohort customers left out: their 30-day window runs past the data's "
        "last day (2026-03-31)")]
    assert tuple(table.loc["repurchase_rate_customers", ["numerator", "denominator"]]) == customers
    assert tuple(table.loc["repurchase_rate_orders", ["numerator", "denominator"]]) == orders
    # 30-day window: A (Jan 5 -> Feb 4, 30 days) counts; C's window runs past the end
    assert tuple(table.loc["repurchase_within_days", ["numerator", "denominator"]]) == (1, 3)
    # returning: February buyers (A, D) buying again in March: none
    assert tuple(table.loc["returning_rate", ["numerator", "denominator"]]) == (0, 2)
    assert table.loc["repurchase_within_days", "days"] == 30
    assert "30日复购率" in tables.repurchase_table(table, "zh").to_html()
    assert "30-day repurchase rate" in tables.repurchase_table(table, "en").to_html()
    assert table.loc["repurchase_rate_customers", "window"] == "2026-01-01 .. 2026-03-31"
    assert table.loc["returning_rate", "window"] == "2026-02-01 .. 2026-02-28 -> 2026-03-01 .. 2026-03-31"


def test_the_relayed_note_points_at_the_caller(small):
    with pytest.warns(MetricNote) as record:
        repurchase.compare_repurchase(small, PERIOD, days=30)
    assert [w.filename for w in record if issubclass(w.category, MetricNote)] == [__file__]
    with pytest.raises(ValueError, match="repurchase_days"):
        repurchase.compare_repurchase(small, PERIOD, days=-1)


def test_gaps_and_returning_by_month(small):
    once = repurchase.summarize_gaps(small, PERIOD, "once")
    per = repurchase.summarize_gaps(small, PERIOD, "per_order")
    assert once.to_dict("list") == {"days": [30], "purchases": [1]}
    assert per.to_dict("list") == {"days": [0, 30], "purchases": [1, 1]}
    stats = repurchase.gap_stats(per)
    assert stats["median"] == 0 and stats["within_30"] == 1.0
    assert math.isnan(repurchase.gap_stats(once.iloc[:0])["median"])
    ret = repurchase.returning_by_month(small, PERIOD)
    assert ret["month"].tolist() == list(pd.to_datetime(["2026-02-01", "2026-03-01"]))
    assert ret["previous_customers"].tolist() == [1, 2] and ret["returning_customers"].tolist() == [1, 0]


def _old_quantile(gaps: pd.DataFrame, q: float) -> float:
    """The hand-written quantile numpy replaced: the first gap whose cumulative share reaches q."""
    cum = (gaps["purchases"].cumsum() / gaps["purchases"].sum()).to_numpy()
    return float(gaps["days"].to_numpy()[np.searchsorted(cum, q)])


def test_gap_quartiles_equal_the_hand_written_cumulative_share():
    rng = np.random.default_rng(7)
    cases = [pd.DataFrame({"days": [3, 9], "purchases": [1, 1]}),  # cumulative share exactly 0.5
             pd.DataFrame({"days": [0, 1, 2, 3], "purchases": [1, 1, 1, 1]})]  # exactly 0.25 and 0.75
    for _ in range(150):
        n = int(rng.integers(1, 40))
        cases.append(pd.DataFrame({"days": np.sort(rng.choice(400, n, replace=False)),
                                   "purchases": rng.integers(1, 4 if rng.random() < 0.5 else 60, n)}))
    for gaps in cases:
        stats = repurchase.gap_stats(gaps)
        for key, q in (("p25", 0.25), ("median", 0.5), ("p75", 0.75)):
            assert stats[key] == _old_quantile(gaps, q), (gaps, key)
        assert stats["within_30"] == gaps.loc[gaps["days"] <= 30, "purchases"].sum() / gaps["purchases"].sum()


def test_source_and_product_labels(small, tmp_path):
    assert repurchase.source_labels(small, "zh").empty and repurchase.product_labels(small).empty
    pd.DataFrame({"date": ["2026-01-05"], "source": ["搜索"], "source_group": ["free_search"], "visitors": [10],
                  "page_views": [20], "bounced_visitors": [3], "cart_buyers": [2], "order_buyers": [1],
                  "paid_buyers": [1], "paid_amount": [10.0]}).to_csv(tmp_path / "traffic.csv", index=False)
    pd.DataFrame({"product_id": ["p1"], "title": ["T恤 <b>"], "category": ["女装"], "brand": ["悦衣坊"],
                  "unit_cost": [2.0], "list_price": [10.0], "launch_date": ["2025-12-01"]}).to_csv(
        tmp_path / "products.csv", index=False)
    shop = make_shop(tmp_path, [("o1", "A", "2026-01-05 10:00:00", 10.0, "p1", "搜索")])
    assert repurchase.source_labels(shop, "zh").to_dict() == {"搜索": "搜索 · 自然搜索"}
    assert repurchase.source_labels(shop, "en").to_dict() == {"搜索": "搜索 · Free search"}
    assert repurchase.product_labels(shop).to_dict() == {"p1": "T恤 <b> (p1)"}


@pytest.mark.recovery
def test_repurchase_by_source_adds_up_to_the_metric(customers_sample):
    shop, period, summary = customers_sample
    by = repurchase.repurchase_by(summary, period, "first_source", 90, repurchase.source_labels(shop, "en"))
    orders = repurchase.metric_orders(shop, period.end, "once")
    with quiet():
        whole = metrics.repurchase_within_days_from_orders(orders, 90, period.start, period.end, data_end=period.end)
    assert by["customers"].sum() == whole.denominator and by["repeat_customers"].sum() == whole.numerator
    assert (by["low"] <= by["rate"]).all() and (by["rate"] <= by["high"]).all()
    assert all(" · " in name for name in by.index if name != repurchase.OTHER)  # source groups from traffic
