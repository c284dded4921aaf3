"""Purchases and the per-customer summary on hand-built shops with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.customers.purchases import count_excluded_lines, summarize_customers
from helpers.areas.customers.recall import mask_ids
from helpers.areas.customers.rfm import score_rfm, split_rfm
from helpers.core.notes import MetricNote, caught
from tests.areas.customers.shops import END, PERIOD, make_shop


def test_summary_counts_same_day_orders_once_or_per_order(small):
    once = summarize_customers(small, PERIOD, "once")
    per = summarize_customers(small, PERIOD, "per_order")
    assert list(once.index) == ["A", "B", "C", "D"]
    assert once.loc["A", ["purchases", "x"]].tolist() == [2, 1]
    assert per.loc["A", ["purchases", "x"]].tolist() == [3, 2]
    assert once.loc["B", "purchases"] == per.loc["B", "purchases"] == 1  # two lines, one order
    # t_x and T in days: first Jan 5, last Feb 4, end Mar 31
    assert once.loc["A", "t_x"] == 30 and once.loc["A", "T"] == 85
    assert once.loc["A", "recency_days"] == (END - pd.Timestamp("2026-02-04")).days
    # values net of refunds; a refund above the paid amount leaves 0, never a negative value
    assert once.loc["A", "sales"] == pytest.approx(150.0)  # 100 + 50 + (80 - 80)
    assert once.loc["A", "first_value"] == pytest.approx(150.0)  # both Jan 5 orders together
    assert per.loc["A", "first_value"] == pytest.approx(100.0)
    assert once.loc["A", "repeat_value"] == pytest.approx(0.0)
    assert per.loc["A", "repeat_value"] == pytest.approx(25.0)  # (50 + 0) / 2
    assert once.loc["A", "first_source"] == "搜索" and once.loc["A", "first_product"] == "p1"
    assert once.loc["B", "first_product"] == "p2"  # the line with the larger paid amount
    assert pd.isna(once.loc["C", "repeat_value"]) and once.loc["C", "x"] == 0


def test_ties_go_to_the_smallest_id(tmp_path):
    """Equal lines, equal orders and orders paid in the same second: the smallest id wins, on any engine."""
    shop = make_shop(tmp_path, [
        ("o1", "A", "2026-01-05 10:00:00", 50.0, "p2", "直通车"),
        ("o1", "A", "2026-01-05 10:00:00", 50.0, "p1", "直通车"),  # o1: two equal lines -> p1
        ("o2", "A", "2026-01-05 10:00:00", 100.0, "p0", "搜索"),  # same second, same gross as o1
    ])
    once = summarize_customers(shop, PERIOD, "once")
    assert once.loc["A", ["first_product", "first_source", "first_value"]].tolist() == ["p0", "搜索", 200.0]
    per = summarize_customers(shop, PERIOD, "per_order")
    assert per.loc["A", ["first_product", "first_source", "first_value"]].tolist() == ["p1", "直通车", 100.0]
    assert per.loc["A", "second_date"] == pd.Timestamp("2026-01-05")


def test_order_refunded_in_full_is_a_purchase_worth_nothing(small):
    s = summarize_customers(small, PERIOD)
    assert s.loc["D", "purchases"] == 1 and s.loc["D", "sales"] == 0.0
    assert (s["sales"] >= 0).all()
    rfm = score_rfm(s, split_rfm(s))
    assert rfm.loc["D", "monetary"] == 0.0 and not rfm.loc["D", "m_high"]


def test_missing_customer_ids_are_counted_in_a_note(tmp_path):
    shop = make_shop(tmp_path, [("o1", "A", "2026-01-05 10:00:00", 10.0, "p1", "搜索"),
                                ("o2", "", "2026-01-06 10:00:00", 30.0, "p1", "搜索")])
    assert list(summarize_customers(shop, PERIOD).index) == ["A"]
    with caught() as found:
        assert count_excluded_lines(shop, PERIOD) == 1
    assert [(n.zh, n.en) for n in found] == [(
        "2 条已支付订单行中有 1 条（30.00 元）买家ID为空，未计入任何客户指标",
        "1 of 2 paid order lines (30.00 yuan) have an empty customer_id and are left out of every customer figure")]
    with pytest.warns(MetricNote) as record:  # the note points at the line that asked
        count_excluded_lines(shop, PERIOD)
    assert [w.filename for w in record if issubclass(w.category, MetricNote)] == [__file__]
    with caught() as none:
        assert count_excluded_lines(make_shop(tmp_path, [("o1", "A", "2026-01-05 10:00:00", 10.0, "p1", "搜索")]),
                                    PERIOD) == 0
    assert none == []


def test_ids_that_look_like_numbers_stay_text(tmp_path):
    shop = make_shop(tmp_path, [
        ("1", "007", "2026-01-05 10:00:00", 10.0, "p1", "搜索"),
        ("2", "7", "2026-01-06 10:00:00", 20.0, "p1", "搜索"),
        ("3", "0070", "2026-01-07 10:00:00", 30.0, "p1", "搜索"),
        ("4", "007", "2026-02-07 10:00:00", 40.0, "p1", "搜索"),
    ])
    s = summarize_customers(shop, PERIOD)
    assert sorted(s.index) == ["007", "0070", "7"]
    assert s.loc["007", "purchases"] == 2 and s.loc["7", "purchases"] == 1
    masks = mask_ids(s.index, "salt")
    assert len(set(masks)) == 3
