"""Tests for helpers.areas.market.sellers: concentration, rankings, entry and exit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.market import sellers, size
from helpers.core.notes import quiet
from tests.areas.market.small import notes_saying, row, write_market


@pytest.mark.recovery
def test_hhi_and_cr5_recover_truth(per_category, market_truth):
    for cat, (s, _) in per_category.items():
        tr = market_truth["by_category"][cat]
        with quiet():
            conc = sellers.concentration(s)
        assert conc["hhi"].to_numpy() == pytest.approx(tr["hhi_by_month"], rel=0.05), cat
        assert conc["cr5"].to_numpy() == pytest.approx(tr["cr5_by_month"], abs=0.02), cat


def test_single_seller_has_hhi_10000_and_a_month_without_sales_is_nan(tmp_path):
    shop = write_market(tmp_path, [row("2025-01-01", "A", "1", 10), row("2025-02-01", "A", "1", 0),
                                   row("2025-03-01", "A", "1", 5), row("2025-03-01", "A", "2", 5)])
    s = size.listing_sales(shop, None, "c")
    with notes_saying("2025-02 市场没有销售：这些月的 CR 和 HHI 显示为 —",
                      "the market had no sales in 2025-02: CR and HHI are shown as —"):
        conc = sellers.concentration(s)
    assert conc["hhi"].tolist()[0] == 10000 and conc["hhi"].tolist()[2] == 10000
    assert conc["cr5"].iloc[0] == 1.0
    assert np.isnan(conc["hhi"].iloc[1]) and np.isnan(conc["cr3"].iloc[1])
    assert conc["sellers"].tolist() == [1, 0, 1]


def test_concentration_ranks_sellers_and_sums_their_squares(tmp_path):
    rows = [row("2025-01-01", shop, str(i), units) for i, (shop, units) in
            enumerate([("A", 50), ("B", 20), ("C", 20), ("D", 5), ("E", 3), ("F", 2)])]
    s = size.listing_sales(write_market(tmp_path, rows), None, "c")
    conc = sellers.concentration(s).iloc[0]
    assert conc["cr3"] == pytest.approx(0.9)
    assert conc["cr5"] == pytest.approx(0.98)
    assert conc["cr10"] == pytest.approx(1.0)
    assert conc["hhi"] == pytest.approx(50**2 + 20**2 + 20**2 + 5**2 + 3**2 + 2**2)  # shares in percent


def test_ties_share_a_rank_and_are_listed_by_name(tmp_path):
    shop = write_market(tmp_path, [row("2025-01-01", "B", "1", 10), row("2025-01-01", "A", "2", 10),
                                   row("2025-01-01", "C", "3", 20), row("2025-01-01", "D", "4", 5)])
    ranked = sellers.rank_sellers(size.listing_sales(shop, None, "c"), "shop")
    assert list(ranked.index) == ["C", "A", "B", "D"]
    assert ranked["rank"].tolist() == [1, 2, 2, 4]
    assert ranked["share"].sum() == pytest.approx(1.0)
    assert ranked.index.name == "shop"


def test_listing_ranking_shows_the_latest_title_and_price(tmp_path):
    rows = [row("2025-01-01", "A", "1", 10, price=100.0, title="old", brand="a"),
            row("2025-02-01", "A", "1", 10, price=90.0, title="new", own=True, brand="a"),
            row("2025-02-01", "B", "2", 1, title="b", brand=None)]
    s = size.listing_sales(write_market(tmp_path, rows), None, "c")
    ranked = sellers.rank_sellers(s, "listing_id")
    assert ranked.loc["1", ["title", "price", "shop"]].tolist() == ["new", 90.0, "A"]
    assert ranked["own"].tolist() == [True, False]
    assert sellers.rank_sellers(s, "brand")["sales"].tolist() == [1900.0, 100.0]  # a missing brand is ""
    assert sellers.rank_sellers(s, "shop", months=["2025-01-01"])["sales"].tolist() == [1000.0]
    assert sellers.rank_sellers(s, "shop", top=1).index.tolist() == ["A"]


def test_entrants_leavers_and_the_entry_barriers(tmp_path):
    rows = [row(m, "A", "1", 10, reviews=10) for m in ("2025-01-01", "2025-02-01", "2025-03-01")]
    rows += [row(m, "B", "2", 8, reviews=10) for m in ("2025-01-01", "2025-02-01")]
    rows += [row("2025-03-01", "C", "3", 10, reviews=30)]
    shop = write_market(tmp_path, rows)
    s = size.listing_sales(shop, None, "c")
    monthly = size.market_size(s, None, "2025-02-28")  # March is partial
    entries = sellers.entry_and_exit(s, monthly)
    assert entries.loc["2025-03-01", "leavers"] == 1
    assert entries["entrants"].tolist() == [0, 0, 1]
    assert entries["entrant_share"].tolist() == pytest.approx([0.0, 0.0, 0.5])
    conc = sellers.concentration(s)
    top = sellers.rank_sellers(s, "listing_id")
    barriers = sellers.entry_barriers(monthly, conc, entries, top)
    assert barriers.name == pd.Timestamp("2025-02-01")  # the last full month
    assert barriers["entrants_12m"] == 0 and barriers["entrant_share"] == 0.0
    assert barriers["median_reviews"] == 10.0 and barriers["cr5"] == 1.0
    assert sellers.entry_barriers(monthly.assign(partial=True), conc, entries, top).empty
