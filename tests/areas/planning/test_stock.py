"""Stock history, stock-outs and their lost sales: a hand-built shop with known answers, and the
sample shop's planted stock-out."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from helpers.areas.planning import stock
from helpers.areas.planning.setup import load_planning


def _daily(rows):
    return pd.DataFrame(rows, columns=["date", "product_id", "units", "sales"]).assign(
        date=lambda f: pd.to_datetime(f["date"]))


def test_stock_history_follows_receipts_and_sales_back_from_the_count():
    daily = _daily([("2026-01-01", "p", 2, 20.0), ("2026-01-02", "p", 3, 30.0), ("2026-01-04", "p", 1, 10.0)])
    counts = pd.DataFrame({"product_id": ["p"], "date": [pd.Timestamp("2026-01-04")], "stock": [4]})
    receipts = pd.DataFrame({"product_id": ["p"], "received": [pd.Timestamp("2026-01-03")], "quantity": [5]})
    history = stock.stock_history(daily, counts, receipts)
    # closing stock: Jan 4 = 4; Jan 3 = 4 + 1 sold = 5; Jan 2 = 5 - 5 received = 0; Jan 1 = 0 + 3 = 3
    assert history["p"].tolist() == [3.0, 0.0, 5.0, 4.0]
    out = stock.out_of_stock_days(history, receipts)
    assert out["p"].tolist() == [False, False, False, False]  # Jan 3's receipt arrived the day stock was 0


def test_a_spell_without_stock_is_found_and_its_lost_sales_are_estimated_from_either_side():
    days = pd.date_range("2026-03-01", periods=70, freq="D")
    gap = (days >= "2026-04-01") & (days <= "2026-04-10")
    rows = [(d, "p", 0 if g else 2, 0.0 if g else 40.0) for d, g in zip(days, gap, strict=True)]
    rows += [(d, "q", 5, 50.0) for d in days]  # the rest of the shop, steady
    daily = _daily(rows)
    out = pd.DataFrame({"p": gap, "q": False}, index=days)
    spells = stock.find_stockouts(out, min_days=3)
    assert spells[["product_id", "days"]].values.tolist() == [["p", 10]]
    lost = stock.estimate_lost_sales(spells, daily, out, pd.Series("", index=days))
    assert lost.loc[0, "lost_units"] == pytest.approx(20.0)  # 2 a day for 10 days
    assert lost.loc[0, "lost_low"] < 20 < lost.loc[0, "lost_high"]
    assert lost.loc[0, "lost_sales"] == pytest.approx(400.0)


def test_products_not_yet_listed_are_not_out_of_stock():
    days = pd.date_range("2026-01-01", periods=5, freq="D")
    history = pd.DataFrame({"p": [0.0, 0.0, 3.0, 2.0, 2.0]}, index=days)
    receipts = pd.DataFrame({"product_id": ["p"], "received": [days[2]], "quantity": [3]})
    assert not stock.out_of_stock_days(history, receipts)["p"].any()


@pytest.mark.recovery
def test_the_planted_stockout_is_the_one_found_and_its_lost_units_cover_the_truth(seeded):
    shop, truth, folder = seeded
    data = load_planning(shop)
    planted = truth["stockout"]
    assert data.spells["product_id"].tolist() == [planted["product_id"]]  # no other spell: the flows agree
    spell = data.spells.iloc[0]
    assert spell["first"] == pd.Timestamp(planted["first"]) and spell["days"] == planted["days"]
    assert spell["lost_low"] <= planted["lost_units"] <= spell["lost_high"]
    # the generator's dead stock (nothing sold in its last month) is flagged dead or slow
    idle = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))["inventory"]["dead_stock"]
    assert (data.stock.loc[idle, "dead"] | data.stock.loc[idle, "slow"]).all()
