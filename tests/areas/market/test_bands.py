"""Tests for helpers.areas.market.bands: price bands, the top band and the under-supplied band."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.areas.market import bands, size
from tests.areas.market.small import row, write_market


@pytest.mark.recovery
def test_top_and_under_supplied_band(per_category, market_truth):
    for cat, (s, _) in per_category.items():
        tr = market_truth["by_category"][cat]
        by_band = bands.price_bands(s, tr["band_edges"])
        labels = list(by_band.index)
        assert labels.index(bands.top_band(by_band)) == tr["top_band"], cat
        demand = sorted(tr["band_demand_per_listing"], reverse=True)
        found = labels.index(bands.under_supplied_band(by_band))
        if demand[0] > 1.1 * demand[1]:  # a clear winner must be found exactly
            assert found == tr["under_supplied_band"], cat
        else:  # a near tie: the band found must be within 10% of the best
            assert tr["band_demand_per_listing"][found] >= 0.9 * demand[0], cat
        assert by_band["sales_share"].to_numpy() == pytest.approx(tr["band_sales_share"], abs=0.02), cat


def test_band_labels_are_left_closed_and_edges_round_to_two_digits():
    assert [bands.band_label([100, 150.5], k) for k in range(3)] == ["<100", "100-150.50", "≥150.50"]
    assert bands.band_label([], 0) == "all"
    assert [bands._nice(v) for v in (137, 86.4, 1234, 0)] == [140.0, 86.0, 1200.0, 0.0]


def test_price_bands_count_a_price_on_an_edge_in_the_band_above(tmp_path):
    rows = [row("2025-01-01", "A", "1", 10, price=50.0), row("2025-01-01", "B", "2", 10, price=100.0, own=True),
            row("2025-02-01", "B", "2", 30, price=100.0, own=True), row("2025-02-01", "C", "3", 1, price=300.0)]
    shop = write_market(tmp_path, rows)
    s = size.listing_sales(shop, None, "c")
    by_band = bands.price_bands(s, [100.0, 200.0])
    assert list(by_band.index) == ["<100", "100-200", "≥200"]
    assert by_band["sales"].tolist() == [500.0, 4000.0, 300.0]
    assert by_band["listings"].tolist() == [1, 1, 1]
    assert by_band["listing_months"].tolist() == [1, 2, 1]
    assert by_band["demand_per_listing"].tolist() == [500.0, 2000.0, 300.0]
    assert by_band["own_share"].tolist() == [0.0, 1.0, 0.0]
    assert by_band["sales_share"].sum() == pytest.approx(1.0)
    assert bands.top_band(by_band) == "100-200"
    assert bands.under_supplied_band(by_band) is None  # no band has 3 listing-months
    only_january = bands.price_bands(s, [100.0, 200.0], months=["2025-01-01"])
    assert only_january["sales"].tolist() == [500.0, 1000.0, 0.0]
    assert np.isnan(only_january["demand_per_listing"].iloc[2])  # no listing-months in the band
    assert bands.quantile_edges(s, 2) == [100.0]


def test_the_under_supplied_band_needs_enough_listing_months():
    import pandas as pd

    frame = pd.DataFrame({"sales": [10.0, 90.0, 5.0], "listing_months": [3, 2, 5],
                          "demand_per_listing": [10 / 3, 45.0, 1.0]}, index=["<100", "100-200", "≥200"])
    assert bands.under_supplied_band(frame) == "<100"  # 100-200 has only 2 listing-months
    assert bands.top_band(frame) == "100-200"
    assert bands.top_band(frame.assign(sales=0.0)) is None
