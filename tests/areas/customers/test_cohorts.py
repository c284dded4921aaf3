"""Monthly cohorts on a hand-built shop: retention, cumulative sales and where they stop."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.areas.customers import cohorts
from helpers.core.calendar import Period
from helpers.core.notes import caught
from tests.areas.customers.shops import PERIOD, make_shop


def test_single_cohort_retention_and_sales(tmp_path):
    shop = make_shop(tmp_path, [
        ("o1", "A", "2026-01-03 10:00:00", 100.0, "p1", "搜索"),
        ("o2", "B", "2026-01-20 10:00:00", 50.0, "p1", "搜索"),
        ("o3", "A", "2026-02-01 10:00:00", 30.0, "p1", "搜索"),
        ("o4", "A", "2026-03-15 10:00:00", 20.0, "p1", "搜索"),
        ("o5", "B", "2026-03-16 10:00:00", 10.0, "p1", "搜索"),
    ])
    with caught() as found:
        frame = cohorts.build_cohorts(shop, PERIOD)
    assert found == []
    assert list(frame.columns) == cohorts.COLUMNS
    assert frame["cohort"].nunique() == 1 and frame["age"].tolist() == [0, 1, 2]
    assert frame["retention"].tolist() == [1.0, 0.5, 1.0]
    assert frame["cumulative_sales_per_customer"].tolist() == pytest.approx([75.0, 90.0, 105.0])
    stats = cohorts.summarize_cohorts(frame)
    assert stats["retention_1"] == 0.5 and math.isnan(stats["retention_3"])
    # "the first N months" are N months, ages 0 to N-1: month 0 alone is the first month's ¥150 / 2,
    # and January to March (three months, all observed) the first three months' ¥210 / 2
    assert stats["sales_per_customer_1"] == pytest.approx(75.0)
    assert stats["sales_per_customer_3"] == pytest.approx(105.0)
    assert math.isnan(stats["sales_per_customer_6"])
    assert cohorts.pivot_cohorts(frame).shape == (1, 3)
    # a period ending mid-month stops at the last complete month, and says so
    with caught() as found:
        cut = cohorts.build_cohorts(shop, Period(PERIOD.start, pd.Timestamp("2026-03-20")))
    assert cut["age"].max() == 1
    assert [(n.zh, n.en) for n in found] == [(
        "同期群只跟踪到 2026-02-28（最后一个完整月）；2026-03-01 ~ 2026-03-20 不是完整的月份",
        "cohorts stop at 2026-02-28, the last complete month; 2026-03-01 ~ 2026-03-20 is a partial month")]


def test_cohort_end():
    assert cohorts.cohort_end(PERIOD) == PERIOD.end  # ends on a month end
    assert cohorts.cohort_end(Period(PERIOD.start, pd.Timestamp("2026-03-20"))) == pd.Timestamp("2026-02-28")
    short = Period(pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-20"))
    assert cohorts.cohort_end(short) == short.end  # no complete month: followed to its last day


def test_a_period_without_a_complete_month_says_so(tmp_path):
    shop = make_shop(tmp_path, [("o1", "00123", "2026-01-05 10:00:00", 99.0, "p1", "搜索")])
    with caught() as found:
        frame = cohorts.build_cohorts(shop, Period(pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-05")))
    assert frame["retention"].tolist() == [1.0]
    assert [(n.zh, n.en) for n in found] == [(
        "分析期内没有完整的月份：首购月 2026-01 只跟踪到 2026-01-05",
        "the period has no complete month: the cohort month 2026-01 is followed only to 2026-01-05")]
    with caught():
        empty = cohorts.build_cohorts(shop, Period(pd.Timestamp("2026-02-01"), pd.Timestamp("2026-02-28")))
    assert empty.empty and list(empty.columns) == cohorts.COLUMNS
    assert cohorts.summarize_cohorts(empty)["cohorts"] == 0.0
