"""Tests for helpers.market: truth recovery on the sample shop and edge cases on small markets."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import data, market
from helpers.metrics import MetricNote

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def shop():
    return data.connect(SAMPLE)


@pytest.fixture(scope="module")
def truth():
    return json.loads((SAMPLE / "ground_truth.json").read_text(encoding="utf-8"))["market"]


@pytest.fixture(scope="module")
def cal(shop):
    return market.calibrate(shop, 0.9)


@pytest.fixture(scope="module")
def end(shop):
    return shop.date_range("orders")[1]


@pytest.fixture(scope="module")
def per_category(shop, cal, end, truth):
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        for cat in truth["by_category"]:
            s = market.listing_sales(shop, cal, cat)
            out[cat] = (s, market.market_size(s, cal, end, 0.9))
    return out


# --------------------------------------------------------------------------- truth recovery


def test_market_size_and_interval_recover_truth(per_category, truth):
    inside = []
    for cat, (_, size) in per_category.items():
        true = np.array(truth["by_category"][cat]["sales_by_month"])
        assert size["sales"].to_numpy() == pytest.approx(true, rel=0.04), cat
        inside.extend((size["sales_low"] <= true) & (true <= size["sales_high"]))
    assert 0.8 <= np.mean(inside) <= 0.99  # 90% intervals over 161 category-months


def test_growth_share_hhi_cr5_recover_truth(per_category, truth):
    for cat, (s, size) in per_category.items():
        tr = truth["by_category"][cat]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MetricNote)
            growth = market.trailing_growth(size)
            conc = market.concentration(s)
        assert [f"{m:%Y-%m-%d}" for m in pd.date_range(growth["start"], growth["end"], freq="MS")] == tr["growth_months"]
        assert growth["growth"] == pytest.approx(tr["growth"], abs=0.02), cat
        share = size["own_sales"].sum() / size["sales"].sum()
        assert share == pytest.approx(truth["own_share_by_category"][cat], rel=0.03), cat
        assert size["own_share"].to_numpy() == pytest.approx(tr["own_share_by_month"], abs=0.005), cat
        assert conc["hhi"].to_numpy() == pytest.approx(tr["hhi_by_month"], rel=0.05), cat
        assert conc["cr5"].to_numpy() == pytest.approx(tr["cr5_by_month"], abs=0.02), cat


def test_month_on_month_and_partial_month(per_category, truth):
    _, size = next(iter(per_category.values()))
    true = np.array(next(iter(truth["by_category"].values()))["sales_by_month"])
    assert size["partial"].tolist() == [False] * (len(size) - 1) + [True]  # 2026-11 has 15 days
    assert np.isnan(size["mom"].iloc[-1]) and np.isnan(size["yoy"].iloc[-1])
    assert size["mom"].iloc[5] == pytest.approx(true[5] / true[4] - 1, abs=0.03)
    assert size["yoy"].iloc[14] == pytest.approx(true[14] / true[2] - 1, abs=0.03)


def test_top_and_under_supplied_band(per_category, truth):
    for cat, (s, _) in per_category.items():
        tr = truth["by_category"][cat]
        bands = market.price_bands(s, tr["band_edges"])
        labels = list(bands.index)
        assert labels.index(market.top_band(bands)) == tr["top_band"], cat
        demand = sorted(tr["band_demand_per_listing"], reverse=True)
        found = labels.index(market.under_supplied_band(bands))
        if demand[0] > 1.1 * demand[1]:  # a clear winner must be found exactly
            assert found == tr["under_supplied_band"], cat
        else:  # a near tie: the band found must be within 10% of the best
            assert tr["band_demand_per_listing"][found] >= 0.9 * demand[0], cat
        assert bands["sales_share"].to_numpy() == pytest.approx(tr["band_sales_share"], abs=0.02), cat


def test_calibration_recovers_the_index_mapping(cal, truth):
    params = truth["trade_index"]
    assert cal.beta == pytest.approx(1 / params["b"], rel=0.02)
    assert cal.alpha == pytest.approx(-np.log(params["a"]) / params["b"], abs=0.05)
    assert cal.sigma == pytest.approx(params["sd"] / params["b"], rel=0.2)
    assert 0.85 <= cal.loo_coverage <= 0.95


def test_index_only_listings_inside_intervals_at_the_stated_rate(shop, cal, truth):
    m = shop.table("market").execute()
    hits = []
    for lid, entry in truth["index_only_units"].items():
        rows = m[m["listing_id"] == lid].sort_values("month")
        assert f"{rows['month'].iloc[0]:%Y-%m-%d}" == entry["first_month"]
        assert rows["units"].isna().all()
        pred = market.predict_sales(cal, rows["trade_index"])
        true_sales = np.array(entry["units"]) * rows["price"].to_numpy()
        hits.extend((pred["low"].to_numpy() <= true_sales) & (true_sales <= pred["high"].to_numpy()))
    assert len(hits) > 300
    assert 0.84 <= np.mean(hits) <= 0.96  # stated rate 90%


def test_planted_fake_order_listings_are_flagged(per_category, truth):
    flagged = {}
    for s, _ in per_category.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MetricNote)
            flags = market.flag_fake_orders(s, 0.5)
        for lid, row in flags[flags["flagged"]].iterrows():
            flagged[lid] = f"{row['from_month']:%Y-%m-%d}"
    assert flagged == {f["listing_id"]: f["from_month"] for f in truth["fake_order_suspects"]}


def test_planted_price_and_title_changes_are_detected(per_category, truth):
    found = pd.concat([market.detect_changes(s, 0.05) for s, _ in per_category.values()])
    assert len(found) == len(truth["competitor_changes"])
    for change in truth["competitor_changes"]:
        row = found[found["listing_id"] == change["listing_id"]]
        assert len(row) == 1
        row = row.iloc[0]
        assert f"{row['month']:%Y-%m-%d}" == change["month"]
        assert (row["old_price"], row["new_price"]) == (change["old_price"], change["new_price"])
        assert (row["old_title"], row["new_title"]) == (change["old_title"], change["new_title"])
        assert row["title_change"] == "+限时直降"


def test_opportunity_scores_every_segment_with_reasons(shop, cal, end):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        segments = market.segment_table(shop, cal, end)
    scored = market.score_opportunities(segments, (1.0, 0.0, 0.0), "en")
    # demand-only weights: the ranking is the demand ranking
    assert scored["demand"].is_monotonic_decreasing
    assert scored["opportunity_score"].between(0, 100).all()
    assert scored["reason"].str.contains("demand #1 of").iloc[0]
    growth_only = market.score_opportunities(segments, (0.0, 1.0, 0.0), "en")
    assert growth_only["growth"].iloc[0] == segments["growth"].max()


# --------------------------------------------------------------------------- edge cases on small markets


def _write_market(tmp_path, rows: list[dict]) -> data.Shop:
    frame = pd.DataFrame(rows)
    for col, default in (("brand", "b"), ("title", "t"), ("reviews", 10), ("rating", 4.8), ("traffic_index", 100.0)):
        if col not in frame:
            frame[col] = default
    frame.to_csv(tmp_path / "market.csv", index=False)
    pd.DataFrame({"order_id": ["1"], "order_time": ["2025-04-30 10:00:00"], "pay_time": ["2025-04-30 10:01:00"],
                  "status": ["paid"], "product_id": ["p"], "quantity": [1], "list_price": [10.0], "paid_amount": [10.0], "source": ["s"],
                  "customer_id": ["c"]}).to_csv(tmp_path / "orders.csv", index=False)
    return data.connect(tmp_path)


def _row(month, shop, lid, units, price=100.0, own=False, index=None, **kw):
    return {"month": month, "category": "c", "shop": shop, "listing_id": lid, "price": price, "units": units,
            "trade_index": index if index is not None else (units * price) ** 0.64 if units else 1.0,
            "is_own": own, **kw}


def test_single_seller_has_hhi_10000_and_a_month_without_sales_is_nan(tmp_path):
    shop = _write_market(tmp_path, [_row("2025-01-01", "A", "1", 10), _row("2025-02-01", "A", "1", 0),
                                    _row("2025-03-01", "A", "1", 5), _row("2025-03-01", "A", "2", 5)])
    s = market.listing_sales(shop, None, "c")
    with pytest.warns(MetricNote, match="market sales = 0"):
        conc = market.concentration(s)
    assert conc["hhi"].tolist()[0] == 10000 and conc["hhi"].tolist()[2] == 10000
    assert conc["cr5"].iloc[0] == 1.0
    assert np.isnan(conc["hhi"].iloc[1]) and np.isnan(conc["cr3"].iloc[1])
    with pytest.warns(MetricNote, match="previous = 0"):
        size = market.market_size(s, None, "2025-04-30")
    assert size["sales"].tolist() == [1000.0, 0.0, 1000.0]
    assert np.isnan(size["mom"].iloc[2])  # growth from nothing is undefined


def test_ties_share_a_rank_and_are_listed_by_name(tmp_path):
    shop = _write_market(tmp_path, [_row("2025-01-01", "B", "1", 10), _row("2025-01-01", "A", "2", 10),
                                    _row("2025-01-01", "C", "3", 20), _row("2025-01-01", "D", "4", 5)])
    ranked = market.rank_sellers(market.listing_sales(shop, None, "c"), "shop")
    assert list(ranked.index) == ["C", "A", "B", "D"]
    assert ranked["rank"].tolist() == [1, 2, 2, 4]
    assert ranked["share"].sum() == pytest.approx(1.0)


def test_a_competitor_that_disappears_is_reported_gone(tmp_path):
    rows = [_row(m, "A", "1", 10) for m in ("2025-01-01", "2025-02-01", "2025-03-01")]
    rows += [_row(m, "B", "2", 8) for m in ("2025-01-01", "2025-02-01")]
    shop = _write_market(tmp_path, rows)
    s = market.listing_sales(shop, None, "c")
    trends = market.competitor_trends(s, ["A", "B"])
    assert trends.groupby("competitor")["month"].max()["B"] == pd.Timestamp("2025-02-01")
    with pytest.warns(MetricNote, match="competitor B has no listing after 2025-02"):
        status = market.competitor_status(trends, "2025-03-01")
    assert status["gone"].to_dict() == {"A": False, "B": True}
    size = market.market_size(s, None, "2025-03-31")
    entries = market.entry_and_exit(s, size)
    assert entries.loc["2025-03-01", "leavers"] == 1


def test_too_few_index_pairs_give_a_clear_message_not_a_crash(tmp_path):
    rows = [_row(f"2025-0{m}-01", "Own", "1", 10 + m, own=True) for m in range(1, 4)]
    rows += [_row(f"2025-0{m}-01", "B", "2", None, index=50.0 + m) for m in range(1, 4)]
    shop = _write_market(tmp_path, rows)
    with pytest.raises(ValueError, match="only 3 .*pairs.*at least 8"):
        market.fit_index_calibration(*market.calibration_pairs(shop)[["trade_index", "sales"]].T.to_numpy())
    with pytest.warns(MetricNote, match="index calibration not fitted"):
        cal = market.calibrate(shop)
    assert cal is None
    with pytest.warns(MetricNote, match="3 listing-months have only a trade index"):
        s = market.listing_sales(shop, cal, "c")
    size = market.market_size(s, cal, "2025-03-31")
    assert size["sales"].tolist() == [1100.0, 1200.0, 1300.0]  # known units only, said so


def test_a_mapping_that_falls_is_refused():
    index = np.arange(1, 11, dtype=float)
    with pytest.raises(ValueError, match="not increasing"):
        market.fit_index_calibration(index, 100 / index)


def test_bad_parameters_name_the_parameter():
    with pytest.raises(ValueError, match="price_bands"):
        market.check_options(price_bands="200,100")
    with pytest.raises(ValueError, match="price_bands"):
        market.check_options(price_bands="a,b")
    with pytest.raises(ValueError, match="weights"):
        market.check_options(weights=(0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="top_n"):
        market.check_options(top_n=0)
    assert market.parse_edges("100，150, 200") == [100.0, 150.0, 200.0]


def test_unknown_category_and_competitor_are_named(shop, cal):
    with pytest.raises(ValueError, match="not in the market table"):
        market.resolve_category(shop, "女装连衣")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        s = market.listing_sales(shop, cal, market.resolve_category(shop, ""))
    with pytest.raises(ValueError, match="'nosuchshop'"):
        market.resolve_competitors(s, ["nosuchshop"])
    assert len(market.resolve_competitors(s, [], 3)) == 3


def test_sentences_escape_data_text_and_read_in_both_languages():
    bands = pd.DataFrame({"sales": [10.0, 90.0], "sales_share": [0.1, 0.9], "listing_share": [0.5, 0.5],
                          "listing_months": [5, 5], "demand_per_listing": [2.0, 18.0], "own_share": [0.0, 0.2]},
                         index=["<100", "≥100"])
    zh = market.describe_bands(bands, "zh")
    en = market.describe_bands(bands, "en")
    assert "¥≥100 贡献 90.00%" in zh and "¥≥100 carries 90.00% of sales with 50.00%" in en
    changes = pd.DataFrame({"month": [pd.Timestamp("2025-03-01")], "shop": ["<b>shop*"], "listing_id": ["1"],
                            "old_price": [10.0], "new_price": [8.0], "price_change": [-0.2], "title_change": ["+x"]})
    status = pd.DataFrame({"gone": [False]}, index=["<b>shop*"])
    sentence = market.describe_competitors(status, changes, ["<b>shop*"], "en")
    assert "<b>" not in sentence and "&lt;b&gt;shop\\*" in sentence
