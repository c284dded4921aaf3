"""RFM segments and their month-end trend: hand-computed values and the definition brute-forced."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.customers import rfm
from helpers.areas.customers.purchases import paid_purchases, summarize_customers
from helpers.core.calendar import Period
from helpers.core.shop import connect
from helpers.i18n import label
from tests.areas.customers.shops import PERIOD, SAMPLE


def test_segments_are_the_eight_flag_combinations_with_their_labels():
    assert len(set(rfm.SEGMENTS.values())) == 8 and len(rfm.SEGMENTS) == 8
    assert rfm.segment_label("important_value", "zh") == "重要价值客户"
    assert rfm.segment_label("general_retain", "en") == "General to win back"
    for key, (_, _, m_high) in rfm.SEGMENTS.items():
        assert key.startswith("important") == m_high  # M decides important or general
        assert rfm.segment_label(key, "en") == label(f"segment_{key}", "en")
    with pytest.raises(KeyError, match="important_value"):
        rfm.segment_label("vip", "zh")


def test_rfm_segments_match_hand_computed_values(small):
    s = summarize_customers(small, PERIOD)
    # R: A 55, B 30, C 1, D 49 days; F: 2, 1, 1, 1; M: 150, 100, 20, 0
    splits = rfm.split_rfm(s)
    assert (splits.recency_days, splits.frequency, splits.monetary) == (39.5, 1.0, 60.0)
    assert set(splits.chosen.values()) == {"median"}
    scored = rfm.score_rfm(s, splits)
    assert scored.loc["A", ["recency_days", "frequency", "monetary"]].tolist() == [55, 2, 150]
    assert scored["segment"].to_dict() == {"A": "important_keep", "B": "important_develop",
                                           "C": "general_develop", "D": "general_retain"}
    given = rfm.split_rfm(s, recency_days=60, frequency=1, monetary=120)
    assert given.chosen == {"recency_days": "parameter", "frequency": "parameter", "monetary": "parameter"}
    assert rfm.score_rfm(s, given).loc["A", "segment"] == "important_value"
    seg = rfm.summarize_segments(scored)
    assert list(seg.index) == list(rfm.SEGMENTS) and seg["customers"].sum() == 4
    assert seg.loc["important_keep", "share_of_sales"] == pytest.approx(150 / 270)
    assert seg.loc["general_value", "customers"] == 0 and pd.isna(seg.loc["general_value", "monetary"])


def test_rfm_splits_must_not_be_negative(small):
    s = summarize_customers(small, PERIOD)
    with pytest.raises(ValueError, match="rfm_monetary"):
        rfm.split_rfm(s, monetary=-1)


def test_segment_trend_uses_the_same_splits_each_month(small):
    s = summarize_customers(small, PERIOD)
    splits = rfm.split_rfm(s)
    trend = rfm.segment_trend(small, PERIOD, splits)
    wide = trend.pivot(index="date", columns="segment", values="customers")
    assert list(wide.index) == list(pd.to_datetime(["2026-01-31", "2026-02-28", "2026-03-31"]))
    assert wide.loc["2026-01-31"].sum() == 1 and wide.loc["2026-03-31"].sum() == 4
    # at the last month end the trend equals the scored segments
    final = rfm.summarize_segments(rfm.score_rfm(s, splits))["customers"]
    assert wide.loc["2026-03-31"].reindex(final.index).tolist() == final.tolist()
    march = trend[trend["date"] == "2026-03-31"].set_index("segment")["month_sales"]
    assert march.sum() == pytest.approx(120.0)  # B 100 + C 20 in March


def _trend_by_brute_force(shop, period, splits, rule):
    """Every customer scored at every month end from their purchases up to it (the definition)."""
    p = paid_purchases(shop, period.end, period.start, rule).execute()
    p["pay_date"] = pd.to_datetime(p["pay_date"])
    rows = []
    for end in rfm.month_ends(period):
        upto = p[p["pay_date"] <= end]
        per = upto.groupby("customer_id").agg(last=("pay_date", "max"), frequency=("pay_date", "size"),
                                              monetary=("value", "sum"))
        month = upto[upto["pay_date"] >= end.replace(day=1)].groupby("customer_id")["value"].sum()
        per["month_sales"] = month.reindex(per.index).fillna(0.0)
        r, f, m = rfm.rfm_flags((end - per["last"]).dt.days, per["frequency"], per["monetary"], splits)
        per["segment"] = [rfm.SEGMENT_BY_FLAGS[k] for k in zip(r, f, m, strict=True)]
        sizes = per.groupby("segment").agg(customers=("last", "size"), month_sales=("month_sales", "sum"))
        for key in rfm.SEGMENTS:
            rows.append({"date": end, "segment": key,
                         "customers": int(sizes["customers"].get(key, 0)),
                         "month_sales": float(sizes["month_sales"].get(key, 0.0))})
    return pd.DataFrame(rows)


@pytest.mark.recovery
@pytest.mark.parametrize("rule, start, end, recency, frequency, monetary", [
    ("once", "2025-03-15", "2026-08-20", 0, 0, 0),  # medians; the period starts and ends mid-month
    ("per_order", "2025-01-01", "2026-06-30", 45.5, 2, 300),  # a fractional recency split
    ("once", "2025-10-01", "2026-01-10", 7, 1, 150),  # R turns low within a month without purchases
])
def test_segment_trend_equals_scoring_every_customer_at_every_month_end(rule, start, end, recency, frequency,
                                                                        monetary):
    sample = connect(SAMPLE)
    period = Period(pd.Timestamp(start), pd.Timestamp(end))
    splits = rfm.split_rfm(summarize_customers(sample, period, rule), recency, frequency, monetary)
    trend = rfm.segment_trend(sample, period, splits, rule)
    expected = _trend_by_brute_force(sample, period, splits, rule)
    assert trend["customers"].sum() > 1000 and trend["segment"].nunique() == 8
    pd.testing.assert_frame_equal(trend[["date", "segment", "customers"]], expected[["date", "segment", "customers"]],
                                  check_dtype=False)
    np.testing.assert_allclose(trend["month_sales"], expected["month_sales"], rtol=1e-9, atol=1e-6)
