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
    # R: A's usual gap, 30 days (the only repeat customer); F: 1 (a repeat customer); M: the median
    assert (splits.recency_days, splits.frequency, splits.monetary) == (30.0, 1.0, 60.0)
    assert splits.chosen == {"recency_days": "purchase_cycle", "frequency": "repeat", "monetary": "median"}
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
    # a 25-day window: Jan 31 sees Jan 7-31 (nobody), Feb 28 sees A (Feb 4) and D, Mar 31 sees C only
    trend = rfm.segment_trend(small, PERIOD, splits, window_days=25)
    wide = trend.pivot(index="date", columns="segment", values="customers")
    assert list(wide.index) == list(pd.to_datetime(["2026-01-31", "2026-02-28", "2026-03-31"]))
    assert wide.sum(axis=1).tolist() == [0, 2, 1] and trend.attrs["window_days"] == 25
    # 86 days up to Mar 31 start on Jan 5, the first purchase: that window holds every purchase
    # and equals the scored segments; the month ends whose window would reach before it are left out
    trend = rfm.segment_trend(small, PERIOD, splits, window_days=86)
    wide = trend.pivot(index="date", columns="segment", values="customers")
    assert list(wide.index) == [pd.Timestamp("2026-03-31")]
    final = rfm.summarize_segments(rfm.score_rfm(s, splits))["customers"]
    assert wide.loc["2026-03-31"].reindex(final.index).tolist() == final.tolist()
    march = trend[trend["date"] == "2026-03-31"].set_index("segment")["month_sales"]
    assert march.sum() == pytest.approx(120.0)  # B 100 + C 20 in March


def test_segment_trend_of_a_steady_shop_is_flat(tmp_path):
    """30 new one-time buyers every month for two years, nobody lapsing faster than before: the
    segments at each month end must not grow. Counted on everything bought since the start
    (the old trend), the win-back segment grew by 30 a month and the report read it as churn."""
    from helpers.areas.customers import sentences
    from tests.areas.customers.shops import make_shop

    lines = [(f"o{m}-{i}", f"c{m}-{i}", f"{2024 + m // 12}-{m % 12 + 1:02d}-10 10:00:00", 100.0, "p1", "搜索")
             for m in range(24) for i in range(30)]
    shop = make_shop(tmp_path, lines)
    period = Period(pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31"))
    splits = rfm.RFMSplits(60.0, 1.0, 50.0)
    wide = rfm.segment_trend(shop, period, splits).pivot(index="date", columns="segment", values="customers")
    assert len(wide) == 12  # the month ends with a full year of history
    assert wide.sum(axis=1).tolist() == [360] * 12
    assert wide["important_retain"].tolist() == [300] * 12 and wide["important_develop"].tolist() == [60] * 12
    text = sentences.describe_segment_trend(rfm.segment_trend(shop, period, splits), "en")
    assert "300 → 300" in text and "365 days" in text


def test_rfm_default_splits_come_from_the_shops_purchase_cycle(tmp_path):
    """Repeat customers buy every 20 days, one-time buyers are spread over a year: "recent" means
    within one usual cycle (20 days), not within the median recency (about half a year), and F
    high means a repeat customer."""
    from helpers.areas.customers import sentences
    from tests.areas.customers.shops import make_shop

    lines = []
    for c in range(10):  # repeat customers: 4 purchases, 20 days apart, the last 5 to 95 days ago
        last = pd.Timestamp("2026-03-31") - pd.Timedelta(days=5 + 10 * c)
        lines += [(f"r{c}-{k}", f"r{c}", str(last - pd.Timedelta(days=20 * k)), 100.0, "p1", "搜索") for k in range(4)]
    for c in range(30):  # one-time buyers, one every 12 days back from the period's end
        lines.append((f"o{c}", f"o{c}", str(pd.Timestamp("2026-03-31 12:00") - pd.Timedelta(days=12 * c)), 50.0, "p1",
                      "搜索"))
    shop = make_shop(tmp_path, lines)
    period = Period(pd.Timestamp("2025-01-01"), pd.Timestamp("2026-03-31"))
    s = summarize_customers(shop, period)
    splits = rfm.split_rfm(s)
    assert splits.recency_days == pytest.approx(20.0)
    assert splits.frequency == 1.0
    assert splits.chosen == {"recency_days": "purchase_cycle", "frequency": "repeat", "monetary": "median"}
    assert s.loc[s["period_purchases"] > 0, "recency_days"].median() > 100  # what the median split was
    text = sentences.describe_splits(splits, "en")
    assert "at most 20 days" in text and "one purchase cycle" in text and "repeat customer" in text
    assert "购买周期" in sentences.describe_splits(splits, "zh")


def _trend_by_brute_force(shop, period, splits, rule, window_days):
    """Every customer scored at every month end from their purchases in the window up to it (the
    definition), at the month ends whose window starts on or after the first purchase."""
    p = paid_purchases(shop, period.end, None, rule).execute()
    p["pay_date"] = pd.to_datetime(p["pay_date"])
    rows = []
    window = pd.Timedelta(days=window_days - 1)
    for end in [d for d in rfm.month_ends(period) if d - window >= p["pay_date"].min()]:
        upto = p[(p["pay_date"] <= end) & (p["pay_date"] >= end - window)]
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
    ("once", "2025-03-15", "2026-08-20", 0, 0, 0),  # the shop's own; the period starts and ends mid-month
    ("per_order", "2025-01-01", "2026-06-30", 45.5, 2, 300),  # a fractional recency split
    ("once", "2025-10-01", "2026-01-10", 7, 1, 150),  # R turns low within a month without purchases
])
def test_segment_trend_equals_scoring_every_customer_at_every_month_end(rule, start, end, recency, frequency,
                                                                        monetary):
    sample = connect(SAMPLE)
    period = Period(pd.Timestamp(start), pd.Timestamp(end))
    splits = rfm.split_rfm(summarize_customers(sample, period, rule), recency, frequency, monetary)
    trend = rfm.segment_trend(sample, period, splits, rule, window_days=120)
    expected = _trend_by_brute_force(sample, period, splits, rule, 120)
    assert trend["customers"].sum() > 1000 and trend["segment"].nunique() == 8
    pd.testing.assert_frame_equal(trend[["date", "segment", "customers"]], expected[["date", "segment", "customers"]],
                                  check_dtype=False)
    np.testing.assert_allclose(trend["month_sales"], expected["month_sales"], rtol=1e-9, atol=1e-6)
