"""Selection scorecard: percentiles and weights on hand-built candidates, launch sales on the
hand-built shop, and on the sample the score ranking the past launches and the planted
successes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.products import selection
from helpers.core.notes import MetricNote
from helpers.core.shop import connect
from helpers.core.stats import spearman_interval
from tests.areas.products.support import notes_of


def _candidates() -> pd.DataFrame:
    return pd.DataFrame({
        "title": ["a", "b", "c"], "category": ["x", "x", "y"], "price": [100.0, 50.0, 80.0],
        "expected_cost": [40.0, 40.0, 20.0], "search_demand": [1000, 10, 100], "competitors": [10, 10, 0],
        "rating": [4.8, 4.0, np.nan], "reviews": [50, 5, 0], "product_id": [None, None, None],
    }, index=pd.Index(["C1", "C2", "C3"], name="candidate_id"))


def test_score_candidates_known_percentiles():
    scored, found = notes_of(selection.score_candidates, _candidates(), {"demand": 1})
    assert scored.loc["C1", "demand_score"] == 100 and scored.loc["C2", "demand_score"] == 0
    assert scored.loc["C3", "demand_score"] == 50
    assert scored["total_score"].equals(scored["demand_score"])  # demand alone
    assert list(scored.index) == ["C1", "C3", "C2"] and scored["rank"].tolist() == [1, 2, 3]
    assert scored.loc["C3", "gross_margin"] == pytest.approx(0.75)
    assert scored.loc["C3", "margin"] == 100  # the best margin
    # C3 has no competitors: no demand per listing, scored at the bottom of competition
    assert scored.loc["C3", "competition"] == 0
    # C3 has no reviews: rating at the median (50), reviews at the bottom (0), price alone in y (50)
    assert scored.loc["C3", "attractiveness"] == pytest.approx((50 + 0 + 50) / 3)
    assert ("1 个候选品没有评价：评分按中位数计，评价数按最低计",
            "1 candidate(s) without reviews: rating counted at the median, reviews at the bottom") in [
        (n.zh, n.en) for n in found]


def test_a_single_candidate_is_the_median():
    one = _candidates().iloc[[0]]
    scored = selection.score_candidates(one)
    assert scored.loc["C1", ["demand_score", "competition", "margin"]].tolist() == [50.0, 50.0, 50.0]
    assert scored.loc["C1", "total_score"] == pytest.approx(50.0)


def test_launch_sales_counts_the_first_days(small, tmp_path):
    products = pd.read_csv(tmp_path / "products.csv", dtype=str)
    products.loc[products["product_id"] == "p1", "launch_date"] = "2026-03-02"
    products.loc[products["product_id"] == "p2", "launch_date"] = "2026-03-20"  # window ends after the data
    products.to_csv(tmp_path / "products.csv", index=False)
    launched = selection.launch_sales(connect(tmp_path), days=10)
    # orders run 03-02 .. 03-25: a 10-day window must start by 03-16; p1's window 03-02 .. 03-11 holds o1, o2
    assert list(launched.index) == ["p1"]
    assert launched.loc["p1", "launch_sales"] == pytest.approx(280) and launched.loc["p1", "units"] == 3


def test_backtest_is_the_rank_correlation_of_score_and_launch_sales():
    scored = pd.DataFrame({"total_score": [90.0, 80, 70, 60, 50, 40], "product_id": list("abcdef")})
    scored.loc["new"] = [99.0, None]
    launches = pd.DataFrame({"launch_date": pd.Timestamp("2026-01-01"),
                             "launch_sales": [500.0, 100, 400, 300, 200, 50]}, index=list("abcdef"))
    result, past = selection.backtest_scorecard(scored, launches)
    assert "new" not in past.index and past["total_score"].is_monotonic_decreasing
    expected = spearman_interval(scored["total_score"].iloc[:6], launches["launch_sales"])
    assert result == expected and result["n"] == 6


@pytest.mark.recovery
def test_scorecard_ranks_past_launches_and_finds_the_successes(sample, truth):
    with pytest.warns(MetricNote, match="without reviews"):
        scored = selection.score_candidates(selection.load_candidates(sample))
    result, past = selection.backtest_scorecard(scored, selection.launch_sales(sample))
    assert result["n"] >= 40 and result["low"] > 0.4
    new = scored[scored["product_id"].isna()]
    success = pd.Series({k: v["succeeds"] for k, v in truth["candidates"]["new"].items()})
    # AUC: the chance a true success outscores a true failure
    s, f = new.loc[success[success].index, "total_score"], new.loc[success[~success].index, "total_score"]
    auc = (s.to_numpy()[:, None] > f.to_numpy()[None, :]).mean()
    assert auc > 0.75
    assert success[new.index[:10]].mean() >= 0.6  # 30% succeed overall


@pytest.mark.recovery
def test_candidate_without_reviews_is_scored(sample, truth):
    scored, found = notes_of(selection.score_candidates, selection.load_candidates(sample))
    empty = truth["candidates"]["without_reviews"]
    assert scored.loc[empty, "rating"].isna().all()
    assert scored.loc[empty, "total_score"].notna().all()
    assert scored["total_score"].between(0, 100).all()
    k = len(empty)
    assert (f"{k} 个候选品没有评价：评分按中位数计，评价数按最低计",
            f"{k} candidate(s) without reviews: rating counted at the median, reviews at the bottom") in [
        (n.zh, n.en) for n in found]


@pytest.mark.recovery
def test_weights_change_the_ranking(sample):
    cands = selection.load_candidates(sample)
    margin_only, _ = notes_of(selection.score_candidates, cands, {"margin": 1})
    assert margin_only["gross_margin"].iloc[0] == pytest.approx(margin_only["gross_margin"].max())
    demand_only, _ = notes_of(selection.score_candidates, cands, {"demand": 1})
    assert demand_only["search_demand"].iloc[0] == demand_only["search_demand"].max()
    assert list(margin_only.index[:10]) != list(demand_only.index[:10])  # another ranking
