"""Dated inventory counts (snapshots): each day's stock follows from the next count, counts that
disagree with the flows are measured, a single count still loads, and the sample shop's weekly
counts agree with its receipts and sales (the planted stock-out counted as 0)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.areas.planning import stock
from helpers.areas.planning.setup import load_planning
from helpers.core.notes import quiet
from helpers.core.shop import connect


def _daily(rows):
    return pd.DataFrame(rows, columns=["date", "product_id", "units", "sales"]).assign(
        date=lambda f: pd.to_datetime(f["date"]))


def test_each_day_follows_from_the_next_count_and_a_count_off_the_flows_is_a_gap():
    daily = _daily([("2026-01-02", "p", 2, 20.0), ("2026-01-05", "p", 1, 10.0)])
    # Jan 3 counted 10; 2 sold since Jan 1 would make Jan 1 = 12, but Jan 1 counted 15: 3 units left unsold
    counts = pd.DataFrame({"product_id": "p", "date": pd.to_datetime(["2026-01-01", "2026-01-03", "2026-01-05"]),
                           "stock": [15, 10, 9]})
    history = stock.stock_history(daily, counts, None)
    assert history["p"].tolist() == [15.0, 10.0, 10.0, 10.0, 9.0]  # Jan 2 from Jan 3's count, not from Jan 5's
    gaps = stock.count_gaps(daily, counts, None)
    assert gaps[["counted", "implied", "gap"]].values.tolist() == [[15, 12, 3], [10, 10, 0]]
    assert stock.history_source(counts) == "snapshots"
    assert stock.history_source(counts.tail(1)) == "latest_count"


def test_a_single_count_still_loads_and_gives_the_history_from_the_latest_count(tmp_path):
    pd.DataFrame({"date": ["2026-01-05"], "product_id": ["p"], "stock": [3]}).to_csv(tmp_path / "inventory.csv",
                                                                                   index=False)
    with quiet():
        counts = stock.stock_counts(connect(tmp_path))
    assert counts[["product_id", "stock"]].values.tolist() == [["p", 3]]
    assert stock.history_source(counts) == "latest_count"
    assert stock.count_gaps(_daily([("2026-01-04", "p", 1, 5.0)]), counts, None).empty


@pytest.mark.recovery
def test_the_sample_shops_weekly_counts_agree_with_receipts_and_sales(seeded):
    shop, truth, folder = seeded
    data = load_planning(shop)
    assert data.stock_source == "snapshots" and data.count_days > 50
    assert len(data.count_gaps) > 1000 and (data.count_gaps["gap"] == 0).all()
    counts = stock.stock_counts(shop)
    planted = truth["stockout"]
    inside = counts[(counts["product_id"] == planted["product_id"])
                    & counts["date"].between(planted["first"], planted["last"])]
    assert len(inside) >= 1 and (inside["stock"] == 0).all()
    last = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))["inventory"]
    assert set(last["overstocked"]) <= set(data.stock.index[data.stock["stock"] > 0])
