"""The target breakdown adds up exactly, and pacing projects from the plan's own shape."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.planning import targets


def _rates():
    return pd.DataFrame({"group": ["free_search", "paid", "crm"], "visitors": [10_000, 3_000, 1_000],
                         "buyers": [300, 60, 70], "amount": [30_000.0, 7_000.0, 9_000.33],
                         "conversion": [0.03, 0.02, 0.07], "aov": [100.0, 116.67, 128.576]},
                        index=pd.Index(["搜索", "直通车", "购物车"], name="source"))


def test_the_sources_targets_add_up_to_the_target_to_the_fen_and_each_is_visitors_x_conversion_x_aov():
    dec = targets.decompose_target(_rates(), 1_234_567.89, days=30, base_days=28,
                                   cpc=pd.Series({"直通车": 1.5}))
    assert round(dec["target"].sum() * 100) == 123456789
    assert (dec["target"] * 100).round(6).mod(1).eq(0).all()  # whole fen
    product = dec["visitors"] * dec["conversion"] * dec["aov"]
    assert product.to_numpy() == pytest.approx(dec["target"].to_numpy(), rel=1e-12)
    assert dec["budget"].notna().tolist() == [s == "直通车" for s in dec.index]
    assert dec.loc["直通车", "budget"] == pytest.approx(dec.loc["直通车", "visitor_gap"] * 1.5)


def test_an_even_split_that_does_not_divide_keeps_every_fen():
    parts = targets.split_exactly(100.0, pd.Series([1.0, 1.0, 1.0]))
    assert parts.sum() == pytest.approx(100.0, abs=1e-9) and sorted(parts) == [33.33, 33.33, 33.34]


def test_pacing_projects_the_month_from_the_share_of_plan_reached():
    days = pd.date_range("2025-11-01", "2026-11-10", freq="D")
    traffic = pd.DataFrame({"date": days, "source": "搜索", "paid_amount": 100.0})
    frame, summary = targets.pace(traffic, 6_000.0, pd.Period("2026-11", "M"))
    assert summary["shape"] == "last_year" and summary["days_done"] == 10 and summary["days_left"] == 20
    assert summary["actual"] == 1_000.0 and summary["plan_to_date"] == pytest.approx(2_000.0)
    assert summary["projected"] == pytest.approx(1_000.0 + 4_000.0 * 0.5)
    assert summary["needed_per_day"] == pytest.approx(250.0)


def test_the_target_per_key_product_adds_up_exactly_with_the_rest_as_one_row():
    days = pd.date_range("2026-10-01", "2026-10-31", freq="D")
    rows = [(d, f"p{i}", 100 * (i + 1), 3 * (i + 1), 300.0 * (i + 1)) for d in days for i in range(5)]
    pt = pd.DataFrame(rows, columns=["date", "product_id", "visitors", "paid_buyers", "paid_amount"])
    rates = targets.product_rates(pt, pd.Timestamp("2026-10-31"), 28, top=3)
    assert rates.index.tolist() == ["p4", "p3", "p2", "other"]  # by GMV; p1 and p0 together
    assert rates.loc["other", "visitors"] == (100 + 200) * 28 and rates.loc["other", "aov"] == pytest.approx(100.0)
    dec = targets.decompose_target(rates, 987_654.32, days=30, base_days=28)
    assert round(dec["target"].sum() * 100) == 98765432
    assert (dec["visitors"] * dec["conversion"] * dec["aov"]).to_numpy() == pytest.approx(dec["target"].to_numpy())
    assert dec.loc["p4", "target"] == pytest.approx(987_654.32 * 5 / 15, abs=0.01)
