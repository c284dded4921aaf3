"""Tests for helpers.areas.market.opportunity: segments and their opportunity scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.market import opportunity, sentences
from helpers.core.notes import quiet
from tests.areas.market.small import notes_saying, row, write_market


@pytest.mark.recovery
def test_opportunity_scores_every_segment_with_reasons(shop, cal, end):
    with quiet():
        segments = opportunity.segment_table(shop, cal, end)
    scored = opportunity.score_opportunities(segments, (1.0, 0.0, 0.0))
    # demand-only weights: the ranking is the demand ranking
    assert scored["demand"].is_monotonic_decreasing
    assert scored["opportunity_score"].between(0, 100).all()
    assert sentences.opportunity_reasons(scored, "en").str.contains("demand #1 of").iloc[0]
    assert sentences.opportunity_reasons(scored, "zh").str.startswith("需求第1/").iloc[0]
    growth_only = opportunity.score_opportunities(segments, (0.0, 1.0, 0.0))
    assert growth_only["growth"].iloc[0] == segments["growth"].max()


def _segments() -> pd.DataFrame:
    return pd.DataFrame({"category": ["a", "a", "b", "b"], "band": ["<10", "≥10", "<10", "≥10"],
                         "demand": [100.0, 300.0, 200.0, 0.0], "growth": [0.5, 0.1, 0.2, np.nan],
                         "hhi": [9000.0, 2000.0, 5000.0, np.nan], "listing_months": [2, 6, 4, 0],
                         "demand_per_listing": [50.0, 50.0, 50.0, np.nan], "own_sales": [10.0, 0.0, 0.0, 0.0],
                         "own_share": [0.1, 0.0, 0.0, np.nan]})


def test_scores_are_weighted_percentile_ranks_and_empty_segments_are_left_out():
    with notes_saying("1 个细分市场近 12 个完整月没有销售，未评分",
                      "1 segments without sales in the last 12 full months are not scored"):
        scored = opportunity.score_opportunities(_segments(), (1.0, 1.0, 1.0))
    # ranks (pct) among 3: demand a≥10 1, b<10 2/3, a<10 1/3; growth a<10 1, b<10 2/3, a≥10 1/3;
    # HHI a<10 1, b<10 2/3, a≥10 1/3 (less is better: 1 - rank)
    expected = {("a", "≥10"): (1 + 1 / 3 + 2 / 3) / 3, ("b", "<10"): (2 / 3 + 2 / 3 + 1 / 3) / 3,
                ("a", "<10"): (1 / 3 + 1 + 0) / 3}
    got = {(r.category, r.band): r.opportunity_score / 100 for r in scored.itertuples()}
    assert got == pytest.approx(expected)
    assert list(scored["band"]) == ["≥10", "<10", "<10"]  # best first, ties by demand
    assert scored["demand_rank"].tolist() == [1, 2, 3]
    assert opportunity.score_opportunities(_segments().assign(demand=0.0)).empty


def test_segment_table_covers_every_category_and_band(tmp_path):
    months = [f"{m:%Y-%m-%d}" for m in pd.date_range("2024-01-01", "2025-12-01", freq="MS")]
    rows = [row(m, "A", "1", 10 + 10 * (m >= "2025-01-01"), price=50.0) for m in months]
    rows += [row(m, "B", "2", 5, price=150.0) for m in months]
    rows += [{**row(m, "Own", "3", 1, price=150.0, own=True), "category": "d"} for m in months[-3:]]
    shop = write_market(tmp_path, rows)
    segments = opportunity.segment_table(shop, None, "2025-12-31", {"c": [100.0]})
    # d's quartile edges are all ¥150: one edge, an empty band below it
    assert segments[["category", "band"]].values.tolist() == [["c", "<100"], ["c", "≥100"], ["d", "<150"],
                                                              ["d", "≥150"]]
    c = segments.set_index(["category", "band"]).loc["c"]
    assert c["demand"].tolist() == [12 * 1000.0, 12 * 750.0]  # the last 12 full months
    assert c["growth"].tolist() == pytest.approx([1.0, 0.0])  # 2025 against 2024, the last 6 months
    assert c["hhi"].tolist() == [10000.0, 10000.0]
    assert c["demand_per_listing"].tolist() == [1000.0, 750.0]
    d = segments.set_index(["category", "band"]).loc["d"]
    assert d.loc["≥150", "own_share"] == 1.0 and np.isnan(d.loc["≥150", "growth"])  # no year-earlier base
    assert d.loc["<150", "demand"] == 0.0 and np.isnan(d.loc["<150", "hhi"])
