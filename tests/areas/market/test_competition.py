"""Tests for helpers.areas.market.competition: tracked competitors, price and title changes, fake orders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.market import competition, size
from helpers.core.notes import quiet
from tests.areas.market.small import notes_saying, row, write_market


@pytest.mark.recovery
def test_planted_fake_order_listings_are_flagged(per_category, market_truth):
    flagged = {}
    for s, _ in per_category.values():
        with quiet():
            flags = competition.flag_fake_orders(s, 0.5)
        for lid, r in flags[flags["flagged"]].iterrows():
            flagged[lid] = f"{r['from_month']:%Y-%m-%d}"
    assert flagged == {f["listing_id"]: f["from_month"] for f in market_truth["fake_order_suspects"]}


@pytest.mark.recovery
def test_planted_price_and_title_changes_are_detected(per_category, market_truth):
    found = pd.concat([competition.detect_changes(s, 0.05) for s, _ in per_category.values()])
    assert len(found) == len(market_truth["competitor_changes"])
    for change in market_truth["competitor_changes"]:
        r = found[found["listing_id"] == change["listing_id"]]
        assert len(r) == 1
        r = r.iloc[0]
        assert f"{r['month']:%Y-%m-%d}" == change["month"]
        assert (r["old_price"], r["new_price"]) == (change["old_price"], change["new_price"])
        assert (r["old_title"], r["new_title"]) == (change["old_title"], change["new_title"])
        assert r["title_change"] == "+限时直降"


def test_a_competitor_that_disappears_is_reported_gone(tmp_path):
    rows = [row(m, "A", "1", 10) for m in ("2025-01-01", "2025-02-01", "2025-03-01")]
    rows += [row(m, "B", "2", 8) for m in ("2025-01-01", "2025-02-01")]
    shop = write_market(tmp_path, rows)
    s = size.listing_sales(shop, None, "c")
    trends = competition.competitor_trends(s, ["A", "B"])
    assert trends.groupby("competitor")["month"].max()["B"] == pd.Timestamp("2025-02-01")
    with notes_saying("竞争对手 B 在 2025-02 之后没有在售商品", "competitor B has no listing after 2025-02"):
        status = competition.competitor_status(trends, "2025-03-01")
    assert status["gone"].to_dict() == {"A": False, "B": True}
    assert status.loc["B", ["first_month", "last_month"]].tolist() == [pd.Timestamp("2025-01-01"),
                                                                        pd.Timestamp("2025-02-01")]
    assert competition.competitor_status(competition.competitor_trends(s, []), "2025-03-01").empty


def test_competitor_price_is_weighted_by_sales(tmp_path):
    rows = [row("2025-01-01", "A", "1", 30, price=100.0, rating=4.0, reviews=10),
            row("2025-01-01", "A", "2", 10, price=200.0, rating=5.0, reviews=5),
            row("2025-02-01", "A", "1", 0, price=80.0, rating=4.0, reviews=12),
            row("2025-02-01", "A", "2", 0, price=120.0, rating=5.0, reviews=6)]
    s = size.listing_sales(write_market(tmp_path, rows), None, "c")
    trends = competition.competitor_trends(s, ["A", "2"]).set_index(["competitor", "month"])
    jan, feb = trends.loc[("A", pd.Timestamp("2025-01-01"))], trends.loc[("A", pd.Timestamp("2025-02-01"))]
    assert jan["price"] == pytest.approx((100 * 3000 + 200 * 2000) / 5000)
    assert feb["price"] == 100.0  # no sales: the simple mean
    assert (jan["rating"], jan["reviews"], jan["listings"]) == (4.5, 15, 2)
    assert trends.loc[("2", pd.Timestamp("2025-01-01")), "sales"] == 2000.0  # a listing id is tracked too


def test_unknown_competitor_is_named_and_the_default_is_the_top_shops(tmp_path):
    rows = [row("2025-01-01", shop, str(i), units) for i, (shop, units) in
            enumerate([("nosuchshoq", 5), ("B", 20), ("C", 30), ("D", 1), ("Own", 50)])]
    rows[-1]["is_own"] = True
    s = size.listing_sales(write_market(tmp_path, rows), None, "c")
    with pytest.raises(ValueError, match="'nosuchshop' \\(did you mean nosuchshoq\\?\\)"):
        competition.resolve_competitors(s, ["nosuchshop"])
    with pytest.raises(ValueError, match="'Own'"):  # our own shop is not a competitor
        competition.resolve_competitors(s, ["Own"])
    top = competition.resolve_competitors(s, [], 3)
    assert top == ["C", "B", "nosuchshoq"]
    assert competition.resolve_competitors(s, [top[1], top[1], "3"]) == ["B", "3"]


def test_price_changes_below_the_threshold_are_only_title_edits(tmp_path):
    rows = [row("2025-01-01", "A", "1", 10, price=100.0, title="连衣裙 夏季"),
            row("2025-02-01", "A", "1", 10, price=97.0, title="连衣裙 限时直降 夏季"),
            row("2025-03-01", "A", "1", 10, price=80.0, title="连衣裙 限时直降 夏季"),
            row("2025-03-01", "Own", "2", 10, price=50.0, own=True, title="x")]
    s = size.listing_sales(write_market(tmp_path, rows), None, "c")
    changes = competition.detect_changes(s, 0.05)
    assert changes["month"].tolist() == [pd.Timestamp("2025-03-01"), pd.Timestamp("2025-02-01")]  # newest first
    assert changes["price_change"].tolist() == pytest.approx([80 / 97 - 1, 0.0])
    assert changes["title_change"].tolist() == ["", "+限时直降"]


def test_title_change_words_or_characters():
    assert competition.title_change("连衣裙 夏季 新款", "连衣裙 限时直降 夏季") == "+限时直降 -新款"
    assert competition.title_change("夏季连衣裙", "夏季新款连衣裙") == "+新款"
    assert competition.title_change("a", "a") == ""


def test_fake_order_check_needs_index_pairs(tmp_path):
    s = size.listing_sales(write_market(tmp_path, [row("2025-01-01", "A", "1", 10)]), None, "c")
    with notes_saying("只有 1 个竞品商品月同时有交易指数和流量指数", "only 1 competitor listing-months have both indices"):
        flags = competition.flag_fake_orders(s)
    assert flags.empty and "flagged" in flags


def test_a_step_in_trade_over_traffic_is_flagged_from_its_month(tmp_path):
    rng = np.random.default_rng(3)
    months = [f"{m:%Y-%m-%d}" for m in pd.date_range("2025-01-01", periods=8, freq="MS")]
    rows = []
    for lid in ("1", "2", "3", "4"):
        for k, m in enumerate(months):
            traffic = float(rng.uniform(100, 1000))
            step = 1.0 if lid == "4" and k >= 5 else 0.0  # listing 4's trade index jumps e^1 from the 6th month
            rows.append(row(m, "S" + lid, lid, 10, index=float(np.exp(0.5 + np.log(traffic) + step)),
                            traffic_index=traffic))
    s = size.listing_sales(write_market(tmp_path, rows), None, "c")
    flags = competition.flag_fake_orders(s, 0.5)
    assert flags.index[0] == "4" and flags["flagged"].tolist() == [True, False, False, False]
    assert flags.loc["4", "from_month"] == pd.Timestamp(months[5])
    assert flags.loc["4", "step"] == pytest.approx(1.0, abs=0.3)
    assert flags["months"].tolist() == [8, 8, 8, 8]
