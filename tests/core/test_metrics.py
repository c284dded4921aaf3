"""Tests for helpers.core.metrics: every metric with known numbers, zero denominators, multi-day
methods, repurchase reductions and the generated docs."""

from __future__ import annotations

import inspect
import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.core import metrics as m
from helpers.core import stats
from helpers.core.metrics import METRICS
from helpers.core.notes import MetricNote

ROOT = Path(__file__).resolve().parents[2]

# key -> (scalar args, expected)
CASES = {
    "conversion_rate": ((30, 1000), 0.03),
    "order_conversion_rate": ((50, 1000), 0.05),
    "order_to_pay_rate": ((30, 50), 0.6),
    "aov": ((4500.0, 30), 150.0),
    "amount_per_order": ((4500.0, 36), 125.0),
    "uv_value": ((4500.0, 1000), 4.5),
    "bounce_rate": ((420, 1000), 0.42),
    "cart_rate": ((80, 1000), 0.08),
    "ctr": ((150, 10000), 0.015),
    "cpc": ((225.0, 150), 1.5),
    "cpm": ((225.0, 10000), 22.5),
    "roi": ((900.0, 225.0), 4.0),
    "breakeven_roi": ((0.4,), 2.5),
    "max_affordable_cpc": ((4.5, 0.4), 1.8),
    "cost_per_order": ((225.0, 9), 25.0),
    "gross_margin": ((1000.0, 600.0), 0.4),
    "gross_profit": ((1000.0, 600.0), 400.0),
    "refund_rate_by_value": ((50.0, 1000.0), 0.05),
    "refund_rate_in_period": ((80.0, 1000.0), 0.08),
    "refund_rate_by_count": ((3, 60), 0.05),
    "repurchase_rate_customers": ((20, 200), 0.1),
    "repurchase_rate_orders": ((45, 225), 0.2),
    "repurchase_within_days": ((12, 150), 0.08),
    "returning_rate": ((30, 120), 0.25),
    "cohort_retention": ((18, 240), 0.075),
    "cohort_sales_per_customer": ((36000.0, 240), 150.0),
    "change": ((120.0, 100.0), 0.2),
    "share": ((25.0, 100.0), 0.25),
    "hhi": ((5000.0, 100.0), 5000.0),
    "concentration_ratio": ((60.0, 80.0), 0.75),
    "demand_per_listing": ((9000.0, 30), 300.0),
    "opportunity_score": ((0.8, 0.5, 0.2, 2.0, 1.0, 1.0), 72.5),
    "contribution_margin": ((30.0, 120.0), 0.25),
    "sell_through": ((60, 40), 0.6),
    "days_of_cover": ((90, 3.0), 30.0),
    "basket_lift": ((12, 4.0), 3.0),
}

# key -> (args with a zero denominator, text the note must contain)
ZERO_CASES = {
    "conversion_rate": ((3, 0), "visitors = 0"),
    "order_conversion_rate": ((3, 0), "visitors = 0"),
    "order_to_pay_rate": ((3, 0), "order buyers = 0"),
    "aov": ((100.0, 0), "paid buyers = 0"),
    "amount_per_order": ((100.0, 0), "paid orders = 0"),
    "uv_value": ((100.0, 0), "visitors = 0"),
    "bounce_rate": ((0, 0), "visitors = 0"),
    "cart_rate": ((0, 0), "visitors = 0"),
    "ctr": ((0, 0), "impressions = 0"),
    "cpc": ((10.0, 0), "clicks = 0"),
    "cpm": ((10.0, 0), "impressions = 0"),
    "roi": ((10.0, 0), "spend = 0"),
    "cost_per_order": ((10.0, 0), "attributed orders = 0"),
    "gross_margin": ((0.0, 10.0), "revenue = 0"),
    "refund_rate_by_value": ((0.0, 0.0), "paid amount = 0"),
    "refund_rate_in_period": ((5.0, 0.0), "paid amount = 0"),
    "refund_rate_by_count": ((0, 0), "paid lines = 0"),
    "repurchase_rate_customers": ((0, 0), "customers = 0"),
    "repurchase_rate_orders": ((0, 0), "orders = 0"),
    "repurchase_within_days": ((0, 0), "cohort customers = 0"),
    "returning_rate": ((0, 0), "previous period's customers = 0"),
    "cohort_retention": ((0, 0), "cohort customers = 0"),
    "cohort_sales_per_customer": ((0.0, 0), "cohort customers = 0"),
    "change": ((5.0, 0.0), "previous period = 0"),
    "share": ((5.0, 0.0), "total = 0"),
    "hhi": ((0.0, 0.0), "market sales = 0"),
    "concentration_ratio": ((0.0, 0.0), "market sales = 0"),
    "demand_per_listing": ((10.0, 0), "listing-months = 0"),
    "opportunity_score": ((0.5, 0.5, 0.5, 0.0, 0.0, 0.0), "sum of weights = 0"),
    "contribution_margin": ((5.0, 0.0), "net sales = 0"),
    "sell_through": ((0, 0), "units sold + stock = 0"),
    "days_of_cover": ((10, 0.0), "units per day = 0"),
    "basket_lift": ((3, 0.0), "expected orders = 0"),
}


def fn(key):
    return getattr(m, METRICS[key].function)


def test_every_metric_has_a_case():
    assert set(CASES) == set(METRICS)


@pytest.mark.parametrize("key", list(CASES))
def test_scalar_known_numbers(key):
    args, expected = CASES[key]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no note on clean input
        result = fn(key)(*args)
    assert isinstance(result, float)
    assert result == pytest.approx(expected)


@pytest.mark.parametrize("key", list(CASES))
def test_series_in_series_out(key):
    args, expected = CASES[key]
    index = pd.Index(["d1", "d2", "d3"], name="day")
    series = [pd.Series([a, a, a], index=index) for a in args]
    result = fn(key)(*series)
    assert isinstance(result, pd.Series)
    assert result.index.equals(index)
    assert result.to_numpy() == pytest.approx([expected] * 3)


@pytest.mark.parametrize("key", list(CASES))
def test_array_in_array_out(key):
    args, expected = CASES[key]
    arrays = [np.array([a, a]) for a in args]
    result = fn(key)(*arrays)
    assert isinstance(result, np.ndarray)
    assert result == pytest.approx([expected, expected])


def test_vector_values_differ_per_row():
    buyers = pd.Series([10, 20, 0], index=["a", "b", "c"])
    visitors = pd.Series([100, 400, 50], index=["a", "b", "c"])
    result = m.conversion_rate(buyers, visitors)
    assert result.tolist() == pytest.approx([0.1, 0.05, 0.0])
    assert result.name == "conversion_rate"


def test_series_and_scalar_broadcast():
    result = m.cpm(pd.Series([10.0, 20.0]), 1000)
    assert result.tolist() == pytest.approx([10.0, 20.0])


def test_misaligned_series_align_on_index_and_note_the_gap():
    buyers = pd.Series([1, 2], index=["a", "b"])
    visitors = pd.Series([10, 20], index=["b", "c"])
    with pytest.warns(MetricNote, match="missing"):
        result = m.conversion_rate(buyers, visitors)
    assert list(result.index) == ["a", "b", "c"]
    assert math.isnan(result["a"]) and math.isnan(result["c"])
    assert result["b"] == pytest.approx(0.2)


@pytest.mark.parametrize("key", list(ZERO_CASES))
def test_zero_denominator_gives_nan_and_a_note(key):
    args, text = ZERO_CASES[key]
    with pytest.warns(MetricNote) as record:
        result = fn(key)(*args)
    assert math.isnan(result)
    assert len(record) == 1
    note = record[0].message.note
    assert text in note.en.lower()
    assert note.en.startswith(METRICS[key].en + ":")
    assert note.zh.startswith(METRICS[key].zh + "：") and "→ NaN" in note.zh


def test_zero_denominators_counted_in_one_note():
    paid = pd.Series([3, 0, 5, 0, 1, 2, 0, 0, 1, 4])
    visitors = pd.Series([100, 0, 50, 0, 10, 20, 0, 30, 10, 40])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = m.conversion_rate(paid, visitors)
    notes = [w for w in record if issubclass(w.category, MetricNote)]
    assert len(notes) == 1
    assert notes[0].message.note.en == "Conversion rate: 3 of 10 denominators are 0 -> NaN (Visitors = 0)"
    assert notes[0].message.note.zh == "支付转化率：10 个分母中有 3 个为 0 → NaN（访客数 = 0）"
    assert notes[0].filename == __file__  # the note points at the caller
    assert result.isna().sum() == 3
    assert result[7] == 0.0  # 0 buyers of 30 visitors is a real 0


def test_nan_denominator_is_nan_with_note_never_zero():
    with pytest.warns(MetricNote, match=r"1 of 2 denominators is missing"):
        result = m.aov(pd.Series([100.0, 50.0]), pd.Series([np.nan, 0]))
    assert result.isna().all()
    with pytest.warns(MetricNote, match="is missing"):
        assert math.isnan(m.ctr(5, None))
    with pytest.warns(MetricNote, match="missing"):
        result = m.ctr(pd.Series([1, 2], dtype="Int64"), pd.Series([10, None], dtype="Int64"))
    assert result.iloc[0] == pytest.approx(0.1) and math.isnan(result.iloc[1])


def test_zero_over_zero_is_nan_not_zero():
    with pytest.warns(MetricNote):
        assert math.isnan(m.conversion_rate(0, 0))


def test_uv_value_is_conversion_times_aov():
    paid_amount, buyers, visitors = 4500.0, 30, 1000
    assert m.uv_value(paid_amount, visitors) == pytest.approx(
        m.conversion_rate(buyers, visitors) * m.aov(paid_amount, buyers)
    )


def test_cpm_is_per_thousand():
    assert m.cpm(50.0, 20000) == pytest.approx(2.5)


def test_gross_margin_can_be_negative():
    assert m.gross_margin(100.0, 130.0) == pytest.approx(-0.3)


def test_breakeven_roi_margin_not_positive():
    with pytest.warns(MetricNote, match="no ROI breaks even") as record:
        result = m.breakeven_roi(pd.Series([0.5, 0.0, -0.2, 0.25]))
    assert len(record) == 1
    assert "2 of 4 gross margins are <= 0" in str(record[0].message)
    assert result.tolist()[0] == pytest.approx(2.0)
    assert result.tolist()[3] == pytest.approx(4.0)
    assert result.iloc[1:3].isna().all()
    with pytest.warns(MetricNote, match="is <= 0"):
        assert math.isnan(m.breakeven_roi(-0.1))
    with pytest.warns(MetricNote, match="missing"):
        assert math.isnan(m.breakeven_roi(np.nan))


def test_breakeven_chain_from_revenue_and_cost():
    margin = m.gross_margin(1000.0, 750.0)
    assert m.breakeven_roi(margin) == pytest.approx(4.0)
    assert m.max_affordable_cpc(2.0, margin) == pytest.approx(0.5)


def test_change_uses_absolute_base():
    assert m.change(50.0, -100.0) == pytest.approx(1.5)  # a loss shrinking is an increase
    assert m.change(80.0, 100.0) == pytest.approx(-0.2)


def test_share_defaults_to_sum():
    result = m.share(pd.Series([1.0, 3.0, np.nan], index=list("abc")))
    assert result.tolist()[:2] == pytest.approx([0.25, 0.75])
    with pytest.raises(TypeError):
        m.share(5.0)


# --------------------------------------------------------------------------- intervals


def test_wilson_known_value():
    low, high = stats.wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4)
    assert high == pytest.approx(0.7634, abs=1e-4)


def test_wilson_edges():
    low, high = stats.wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)
    low, high = stats.wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(0.7225, abs=1e-4)
    with pytest.warns(MetricNote, match="trials = 0"):
        low, high = stats.wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)
    with pytest.warns(MetricNote, match="outside"):
        low, _ = stats.wilson_interval(11, 10)
    assert math.isnan(low)


def test_wilson_vectorised_and_confidence():
    s = pd.Series([5, 0, 10], index=list("xyz"))
    n = pd.Series([10, 10, 10], index=list("xyz"))
    low, high = stats.wilson_interval(s, n)
    assert list(low.index) == list("xyz")
    assert low.tolist() == pytest.approx([0.2366, 0.0, 0.7225], abs=1e-4)
    low90, high90 = stats.wilson_interval(5, 10, confidence=0.90)
    assert 0.2366 < low90 < 0.5 < high90 < 0.7634
    with pytest.raises(ValueError):
        stats.wilson_interval(5, 10, confidence=95)


def test_rate_with_interval():
    assert stats.rate_with_interval(5, 10) == pytest.approx(
        {"rate": 0.5, "low": 0.23659, "high": 0.76341}, abs=1e-4
    )
    with pytest.warns(MetricNote) as record:
        df = stats.rate_with_interval(
            pd.Series([5, 0], index=["a", "b"]), pd.Series([10, 0], index=["a", "b"])
        )
    assert len(record) == 1
    assert list(df.columns) == ["rate", "low", "high"]
    assert df.loc["a", "rate"] == 0.5
    assert df.loc["b"].isna().all()


# --------------------------------------------------------------------------- multi-day rates


def test_pooled_vs_daily_mean():
    buyers = pd.Series([1, 1])
    visitors = pd.Series([10, 100])
    assert m.rate_over_days(buyers, visitors, "pooled") == pytest.approx(2 / 110)
    assert m.rate_over_days(buyers, visitors, "daily_mean") == pytest.approx(0.055)


def test_daily_mean_skips_zero_days_with_note():
    buyers = pd.Series([1, 0, 1])
    visitors = pd.Series([10, 0, 100])
    with pytest.warns(MetricNote, match="1 of 3 days has a denominator of 0") as record:
        value = m.rate_over_days(buyers, visitors, "daily_mean", key="conversion_rate")
    assert value == pytest.approx(0.055)
    assert "支付转化率" in record[0].message.note.zh and "日均口径" in record[0].message.note.zh
    assert "Conversion rate daily mean" in record[0].message.note.en
    # pooled needs no note for a zero day: it is just part of the sums
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert m.rate_over_days(buyers, visitors, "pooled") == pytest.approx(2 / 110)


def test_rate_over_days_all_zero_and_missing():
    with pytest.warns(MetricNote, match="total denominator is 0"):
        assert math.isnan(m.rate_over_days([0, 0], [0, 0]))
    with pytest.warns(MetricNote, match="no day"):
        assert math.isnan(m.rate_over_days([0, 0], [0, 0], "daily_mean"))
    with pytest.warns(MetricNote, match="missing a value"):
        assert m.rate_over_days([1, 1, np.nan], [10, 10, 5]) == pytest.approx(0.1)
    with pytest.raises(ValueError):
        m.rate_over_days([1], [2], "median")


def test_rate_over_days_scale():
    assert m.rate_over_days([10.0, 30.0], [1000, 3000], scale=1000) == pytest.approx(10.0)


def test_describe_method():
    assert m.describe_method("pooled", "zh") == "合计口径（总数/总数）"
    assert m.describe_method("daily_mean", "zh") == "日均口径（每日比率的平均）"
    assert "pooled" in m.describe_method("pooled", "en")
    assert "mean of daily rates" in m.describe_method("daily_mean", "en")
    with pytest.raises(ValueError):
        m.describe_method("weighted", "zh")


# --------------------------------------------------------------------------- repurchase


def _orders() -> pd.DataFrame:
    rows = [
        # c1: one order with two lines -> NOT a repeat customer
        ("c1", "A", "2026-01-01 10:00"),
        ("c1", "A", "2026-01-01 10:00"),
        # c2: two orders 8 days apart
        ("c2", "B", "2026-01-02 08:00"),
        ("c2", "C", "2026-01-10 20:00"),
        # c3: one order, plus an unpaid line
        ("c3", "D", "2026-01-03 12:00"),
        ("c3", "L", None),
        # c4: two orders on the same day (the 2nd in the evening of the last period day)
        ("c4", "E", "2026-01-05 09:00"),
        ("c4", "F", "2026-01-05 21:30"),
        # c5: first purchase late in the data
        ("c5", "G", "2026-01-28 11:00"),
        ("c5", "H", "2026-01-30 11:00"),
        # empty customer ids: excluded and counted
        ("", "I", "2026-01-04 10:00"),
        (None, "J", "2026-01-06 10:00"),
        ("  ", "K", "2026-01-07 10:00"),
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "order_id", "pay_time"])
    df["pay_time"] = pd.to_datetime(df["pay_time"])
    df["product_id"] = [f"p{i}" for i in range(len(df))]
    return df


def _one_note(record) -> str:
    notes = [w for w in record if issubclass(w.category, MetricNote)]
    assert len(notes) == 1, [str(w.message) for w in notes]
    assert notes[0].filename == __file__
    return str(notes[0].message)


def test_repurchase_customers_from_orders():
    with pytest.warns(MetricNote) as record:
        r = m.repurchase_rate_customers_from_orders(_orders())
    note = _one_note(record)
    assert note.startswith("Repurchase rate (customers):")
    assert record[0].message.note.zh.startswith("复购率(人数)：")
    assert "3 of 13 order lines (3 orders) with an empty customer_id excluded" in note
    assert "1 order line(s) without pay_time" in note
    assert (r.numerator, r.denominator) == (3, 5)  # c2, c4, c5 of c1..c5
    assert r.rate == pytest.approx(0.6)
    assert r.details["orders"] == 8
    assert r.details["excluded_lines"] == 3
    assert float(r) == pytest.approx(0.6)
    assert r.as_dict()["repeat_customers"] == 3


def test_repurchase_customers_period_is_inclusive_by_day():
    with pytest.warns(MetricNote):
        r = m.repurchase_rate_customers_from_orders(_orders(), "2026-01-01", "2026-01-05")
    # c1..c4 bought; c4's 21:30 order on the end day counts
    assert (r.numerator, r.denominator) == (1, 4)
    assert r.details["period"] == "2026-01-01 .. 2026-01-05"


def test_repurchase_orders_from_orders():
    with pytest.warns(MetricNote):
        r = m.repurchase_rate_orders_from_orders(_orders())
    # orders of repeat customers: B, C, E, F, G, H of A..H
    assert (r.numerator, r.denominator) == (6, 8)
    assert r.rate == pytest.approx(0.75)
    assert r.rate == pytest.approx(m.repurchase_rate_orders(6, 8))


def test_repurchase_from_ibis_table():
    import ibis

    con = ibis.duckdb.connect()
    table = con.create_table("orders", _orders()[["customer_id", "order_id", "pay_time"]])
    with pytest.warns(MetricNote):
        r = m.repurchase_rate_customers_from_orders(table)
    assert (r.numerator, r.denominator) == (3, 5)


def test_prepared_orders_give_the_same_results_and_notes():
    import ibis

    con = ibis.duckdb.connect()
    table = con.create_table("orders", _orders()[["customer_id", "order_id", "pay_time"]])
    with pytest.warns(MetricNote) as record:
        prepared = m.prepare_orders(table)
        reductions = [
            (m.repurchase_rate_customers_from_orders, ()),
            (m.repurchase_rate_orders_from_orders, ()),
            (m.repurchase_within_days_from_orders, (7,)),
            (m.returning_rate_from_orders, (("2026-01-10", "2026-01-31"),)),
        ]
        for func, args in reductions:
            direct, reused = func(table, *args), func(prepared, *args)
            assert (reused.numerator, reused.denominator) == (direct.numerator, direct.denominator)
            assert reused.notes == direct.notes
    # the empty-customer note comes with every reduction, prepared or not
    assert sum("empty customer_id" in str(w.message) for w in record) == 8


def test_repurchase_within_days_censoring():
    with pytest.warns(MetricNote) as record:
        r = m.repurchase_within_days_from_orders(_orders(), days=7)
    note = _one_note(record)
    # data ends 2026-01-30; c5 (first 01-28) has no complete 7-day window
    assert "1 of 5 cohort customers left out" in note
    assert "2026-01-30" in note
    assert r.details["censored"] == 1
    assert r.details["cohort_customers"] == 5
    # c2's second order is 8 days later: not within 7; c4's same-day order counts
    assert (r.numerator, r.denominator) == (1, 4)


def test_repurchase_within_days_boundary_is_inclusive():
    with pytest.warns(MetricNote):
        r = m.repurchase_within_days_from_orders(_orders(), days=8)
    assert (r.numerator, r.denominator) == (2, 4)  # c2 at exactly 8 days, c4


def test_repurchase_within_days_explicit_data_end_and_window():
    with pytest.warns(MetricNote) as record:
        r = m.repurchase_within_days_from_orders(_orders(), 7, data_end="2026-02-28")
    assert "left out" not in _one_note(record)
    assert (r.numerator, r.denominator) == (2, 5)  # c4, c5
    with pytest.warns(MetricNote):
        r = m.repurchase_within_days_from_orders(_orders(), 7, "2026-01-02", "2026-01-05")
    assert (r.numerator, r.denominator) == (1, 3)  # cohort c2, c3, c4


def test_repurchase_within_days_new_customers_only():
    kw = {"days": 30, "cohort_start": "2026-01-10", "cohort_end": "2026-01-31"}
    with pytest.warns(MetricNote):
        new = m.repurchase_within_days_from_orders(_orders(), data_end="2026-03-31", **kw)
    assert (new.numerator, new.denominator) == (1, 1)  # only c5 is new in the window
    with pytest.warns(MetricNote):
        anyone = m.repurchase_within_days_from_orders(
            _orders(), data_end="2026-03-31", new_customers_only=False, **kw
        )
    assert (anyone.numerator, anyone.denominator) == (1, 2)  # c2 (from C) and c5


def _within_days_by_definition(orders: pd.DataFrame, days: int, start, end, data_end, new_only: bool):
    """N日复购率 straight from its definition, customer by customer (no engine)."""
    start, end, data_end = (pd.Timestamp(x) if x is not None else None for x in (start, end, data_end))
    o = orders.dropna(subset=["pay_time"]).drop_duplicates("order_id")
    o = o[o["pay_time"].dt.normalize() <= data_end]
    repeaters = eligible = 0
    for _, own in o.groupby("customer_id"):
        own = own.sort_values(["pay_time", "order_id"])
        days_of = own["pay_time"].dt.normalize()
        in_window = pd.Series(True, index=own.index)
        if start is not None:
            in_window &= days_of >= start
        if end is not None:
            in_window &= days_of <= end
        anchors = own if new_only else own[in_window]
        if anchors.empty or not in_window[anchors.index[0]]:
            continue
        first = anchors.iloc[0]
        first_day = first["pay_time"].normalize()
        if first_day + pd.Timedelta(days=days) > data_end:
            continue  # censored
        eligible += 1
        others = own[(own["order_id"] != first["order_id"]) & (own["pay_time"] >= first["pay_time"])]
        repeaters += bool((others["pay_time"].dt.normalize() <= first_day + pd.Timedelta(days=days)).any())
    return repeaters, eligible


@pytest.mark.parametrize("days, start, end, new_only", [
    (0, None, None, True),
    (7, "2026-01-10", "2026-02-20", True),
    (7, "2026-01-10", "2026-02-20", False),
    (30, None, "2026-02-01", False),
    (14, "2026-02-01", None, False),
])
def test_repurchase_within_days_equals_its_definition_on_random_orders(days, start, end, new_only):
    orders = _random_orders()
    data_end = "2026-03-25"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        got = m.repurchase_within_days_from_orders(orders, days, start, end, data_end=data_end,
                                                   new_customers_only=new_only)
    want = _within_days_by_definition(orders, days, start, end, data_end, new_only)
    assert (got.numerator, got.denominator) == want
    assert want[1] > 50 and 0 < want[0] < want[1]


def _random_orders(seed: int = 11) -> pd.DataFrame:
    # Many ties on purpose: pay times on the hour, several orders of a customer at one time
    # and orders with more than one line, so that "the next order" must be read with care.
    rng = np.random.default_rng(seed)
    n = 4000
    times = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 90 * 6, n) * 4, unit="h")
    orders = pd.DataFrame({"customer_id": [f"c{k:03d}" for k in rng.integers(0, 600, n)],
                           "order_id": [f"o{k:05d}" for k in rng.permutation(n)], "pay_time": times})
    extra = orders.sample(300, random_state=3)  # second lines of some orders
    orders = pd.concat([orders, extra], ignore_index=True)
    orders["product_id"] = [f"p{i}" for i in range(len(orders))]
    return orders


def test_repurchase_within_days_of_chosen_cohort_days_adds_up_the_runs_of_days():
    # A campaign's clean pre-period: days with holes where other campaigns ran.
    orders = _random_orders()
    runs = [("2026-01-05", "2026-01-20"), ("2026-01-24", "2026-01-24"), ("2026-02-03", "2026-02-25")]
    chosen = pd.DatetimeIndex([d for a, b in runs for d in pd.date_range(a, b)])[::-1]  # any order
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        got = m.repurchase_within_days_from_orders(orders, 10, chosen.min(), chosen.max(), data_end="2026-03-25",
                                                   cohort_days=chosen)
        none = m.repurchase_within_days_from_orders(orders, 10, cohort_days=[], data_end="2026-03-25")
    parts = [_within_days_by_definition(orders, 10, a, b, "2026-03-25", True) for a, b in runs]
    assert (got.numerator, got.denominator) == tuple(map(sum, zip(*parts, strict=True)))
    assert got.denominator > 100
    whole = _within_days_by_definition(orders, 10, runs[0][0], runs[-1][1], "2026-03-25", True)
    assert got.denominator < whole[1]  # the days between the runs are left out
    assert none.denominator == 0 and np.isnan(none.rate)
    with pytest.raises(ValueError, match="new_customers_only"):
        m.repurchase_within_days_from_orders(orders, 10, cohort_days=chosen, new_customers_only=False)


def test_returning_rate_from_orders():
    with pytest.warns(MetricNote):
        r = m.returning_rate_from_orders(_orders(), ("2026-01-06", "2026-01-10"))
    # previous period defaults to 2026-01-01 .. 01-05: c1..c4; c2 buys again on 01-10
    assert r.details["previous"] == "2026-01-01 .. 2026-01-05"
    assert (r.numerator, r.denominator) == (1, 4)
    with pytest.warns(MetricNote):
        r = m.returning_rate_from_orders(
            _orders(), ("2026-01-06", "2026-01-31"), previous=("2026-01-01", "2026-01-05")
        )
    assert (r.numerator, r.denominator) == (1, 4)
    assert r.details["current_customers"] == 2  # c2, c5


def test_reduction_on_clean_orders_has_no_note():
    clean = _orders()
    clean = clean[clean["customer_id"].str.strip().fillna("").ne("") & clean["pay_time"].notna()]
    with warnings.catch_warnings():
        warnings.simplefilter("error", MetricNote)
        r = m.repurchase_rate_customers_from_orders(clean)
    assert r.notes == ()


def test_reduction_on_no_orders_is_nan():
    empty = _orders().iloc[:0]
    with pytest.warns(MetricNote, match="(?i)customers = 0"):
        r = m.repurchase_rate_customers_from_orders(empty)
    assert math.isnan(r.rate) and r.denominator == 0


def test_reduction_needs_columns():
    with pytest.raises(KeyError, match="customer_id"):
        m.repurchase_rate_customers_from_orders(pd.DataFrame({"order_id": ["1"]}))


# --------------------------------------------------------------------------- registry and docs


def test_registry_metadata_and_docstrings():
    assert list(METRICS)[0] == "conversion_rate"  # ordered as defined
    for key, info in METRICS.items():
        assert info.key == key
        assert info.zh and info.en and info.formula, key
        assert info.unit in m.UNITS and info.area in m.AREAS
        func = getattr(m, info.function)
        assert func is info.func
        doc = " ".join(inspect.getdoc(func).split())
        assert " ".join(info.formula.split()) in doc, key
        if info.reduction:
            assert callable(getattr(m, info.reduction))


def test_label():
    assert m.label("conversion_rate", "zh") == "支付转化率"
    assert m.label("conversion_rate", "en") == "Conversion rate"
    assert m.label("aov", "zh", unit=True) == "客单价 (元)"
    assert m.label("aov", "en", unit=True) == "AOV (per buyer) (yuan)"
    with pytest.raises(KeyError, match="conversion_rate"):
        m.label("conversion_rat", "zh")
    with pytest.raises(ValueError):
        m.label("aov", "fr")


def test_metric_decorator_rejects_duplicates_bad_units_and_unlabelled_keys():
    with pytest.raises(ValueError, match="twice"):
        m.metric(key="aov", unit="%", formula="x", area="traffic")(lambda: 0)
    with pytest.raises(ValueError, match="unit"):
        m.metric(key="visitors", unit="kg", formula="x", area="traffic")
    with pytest.raises(ValueError, match="no label"):
        m.metric(key="not_a_label_key", unit="%", formula="x", area="traffic")


def test_docs_file_matches_registry():
    path = ROOT / "docs" / "metrics.md"
    assert path.read_text(encoding="utf-8") == m.render_metrics_doc()


def test_rendered_doc_lists_everything():
    doc = m.render_metrics_doc()
    assert "workbook docs" in doc.splitlines()[0]
    for key, info in METRICS.items():
        assert f"`{key}`" in doc and info.zh in doc
    assert "合计口径（总数/总数）" in doc and "日均口径（每日比率的平均）" in doc


def test_write_metrics_doc(tmp_path):
    out = m.write_metrics_doc(tmp_path / "metrics.md")
    assert out.read_text(encoding="utf-8") == m.render_metrics_doc()


def test_import_is_light():
    code = (
        "import sys, helpers.core.metrics; "
        "print(sorted(k for k in ('ibis', 'matplotlib', 'seaborn', 'scipy') if k in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"
