"""Reviews: verdicts, counts and rates, per product and over time."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.areas.service import reviews
from helpers.core.calendar import Period
from helpers.core.notes import caught
from helpers.core.stats import wilson_interval
from tests.areas.service.conftest import MARCH


def test_verdicts_of_star_ratings():
    assert reviews.review_verdict([1, 2, 3, 4, 5]).tolist() == ["bad", "bad", "neutral", "good", "good"]


def test_reviews_of_the_hand_built_shop(shop):
    found = reviews.load_reviews(shop, MARCH)
    assert set(found.columns) >= {"order_id", "product_id", "rating", "text", "title", "category", "verdict"}
    s = reviews.summarize_reviews(found)
    assert (s["reviews"], s["good"], s["neutral"], s["bad"]) == (4, 2, 1, 1)
    assert s["bad_rate"] == pytest.approx(0.25) and s["good_rate"] == pytest.approx(0.5)
    assert (s["bad_low"], s["bad_high"]) == tuple(pytest.approx(v) for v in wilson_interval(1, 4))
    assert s["mean_rating"] == pytest.approx((1 + 5 + 4 + 3) / 4)
    assert s["empty_text"] == 2
    by = reviews.reviews_by_product(found, min_reviews=2)
    assert by.loc["p2", "reviews"] == 1 and not by.loc["p2", "enough"]  # one review: listed, not ranked
    assert by.loc["p1", "bad_rate"] == pytest.approx(1 / 3)
    assert by.loc["p1", "stars_1"] == pytest.approx(1 / 3)
    assert reviews.reviewed_titles(found).to_dict() == {"p1": "连衣裙 <b>x</b>", "p2": "收纳盒"}
    trend = reviews.rating_trend(found, MARCH)
    assert trend["freq"].iloc[0] == "week" and trend["reviews"].sum() == 4


def test_no_reviews_give_nan_rates_with_a_note(shop):
    found = reviews.load_reviews(shop, Period(pd.Timestamp("2026-04-01"), pd.Timestamp("2026-04-30")))
    with caught() as notes:
        s = reviews.summarize_reviews(found)
    assert s["reviews"] == 0 and math.isnan(s["bad_rate"])
    assert notes and all(n.zh and n.en for n in notes)
    assert reviews.reviews_by_product(found).empty and reviews.rating_trend(found, MARCH).empty


def test_long_spans_are_counted_per_month():
    days = pd.date_range("2025-01-01", periods=400, freq="D")
    found = pd.DataFrame({"review_time": days, "rating": 5, "verdict": "good"})
    trend = reviews.rating_trend(found, Period(days[0], days[-1]))
    assert trend["freq"].iloc[0] == "month" and len(trend) == 14 and trend["reviews"].sum() == 400
