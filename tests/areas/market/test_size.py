"""Tests for helpers.areas.market.size: market size, its interval, growth, seasonality and our share."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from helpers.areas.market import size
from helpers.areas.market.calibration import Calibration
from helpers.core.notes import caught
from tests.areas.market.small import notes_saying, row, write_market


@pytest.mark.recovery
def test_market_size_and_interval_recover_truth(per_category, market_truth):
    inside = []
    for cat, (_, monthly) in per_category.items():
        true = np.array(market_truth["by_category"][cat]["sales_by_month"])
        assert monthly["sales"].to_numpy() == pytest.approx(true, rel=0.04), cat
        bounded = monthly["sales_high"].notna().to_numpy()
        inside.extend(((monthly["sales_low"] <= true) & (true <= monthly["sales_high"]))[bounded])
    # intervals widened by their extrapolated share; where all of the estimate is extrapolated
    # there is no upper end, so coverage is over the bounded months
    assert 0.8 <= np.mean(inside) <= 1.0 and len(inside) >= 20


@pytest.mark.recovery
def test_growth_and_share_recover_truth(per_category, market_truth):
    for cat, (_, monthly) in per_category.items():
        tr = market_truth["by_category"][cat]
        with caught():
            growth = size.trailing_growth(monthly)
        assert [f"{m:%Y-%m-%d}" for m in pd.date_range(growth["start"], growth["end"], freq="MS")] == tr["growth_months"]
        assert growth["growth"] == pytest.approx(tr["growth"], abs=0.02), cat
        share = monthly["own_sales"].sum() / monthly["sales"].sum()
        assert share == pytest.approx(market_truth["own_share_by_category"][cat], rel=0.03), cat
        assert monthly["own_share"].to_numpy() == pytest.approx(tr["own_share_by_month"], abs=0.005), cat


@pytest.mark.recovery
def test_month_on_month_and_partial_month(per_category, market_truth):
    # Growth is checked against the truth on the category whose sales rest least on the index
    # calibration: where half a month is extrapolated from the index, growth is only as sure
    # as the (widened) interval, which test_market_size_and_interval_recover_truth covers.
    cat = min(per_category, key=lambda c: per_category[c][1]["estimated_sales"].sum() / per_category[c][1]["sales"].sum())
    _, monthly = per_category[cat]
    true = np.array(market_truth["by_category"][cat]["sales_by_month"])
    assert monthly["partial"].tolist() == [False] * (len(monthly) - 1) + [True]  # 2026-11 has 15 days
    assert np.isnan(monthly["mom"].iloc[-1]) and np.isnan(monthly["yoy"].iloc[-1])
    assert monthly["mom"].iloc[5] == pytest.approx(true[5] / true[4] - 1, abs=0.03)
    assert monthly["yoy"].iloc[14] == pytest.approx(true[14] / true[2] - 1, abs=0.03)
    assert monthly["mom"].iloc[5] == pytest.approx(monthly["sales"].iloc[5] / monthly["sales"].iloc[4] - 1, rel=1e-12)


def test_a_month_without_sales_has_no_share_and_no_growth_from_it(tmp_path):
    shop = write_market(tmp_path, [row("2025-01-01", "A", "1", 10), row("2025-02-01", "A", "1", 0),
                                   row("2025-03-01", "A", "1", 5), row("2025-03-01", "A", "2", 5)])
    s = size.listing_sales(shop, None, "c")
    with notes_saying("2025-02 市场没有销售", "the market had no sales in 2025-02"):
        monthly = size.market_size(s, None, "2025-04-30")
    assert monthly["sales"].tolist() == [1000.0, 0.0, 1000.0]
    assert np.isnan(monthly["mom"].iloc[2])  # growth from nothing is undefined
    assert monthly["mom"].iloc[1] == -1.0
    assert np.isnan(monthly["own_share"].iloc[1])
    assert monthly["listings"].tolist() == [1, 1, 2]
    assert not monthly["partial"].any()
    assert (monthly["sales_low"] == monthly["sales"]).all() and (monthly["sales_high"] == monthly["sales"]).all()


def test_a_month_missing_from_the_data_is_no_sales_and_the_partial_month_is_said(tmp_path):
    shop = write_market(tmp_path, [row("2025-01-01", "A", "1", 10), row("2025-03-01", "A", "1", 5, own=True)])
    s = size.listing_sales(shop, None, "c")
    with caught() as found:
        monthly = size.market_size(s, None, "2025-03-15")
    assert [n.en for n in found if "no market rows in 2025-02" in n.en]
    assert [n.zh for n in found if "2025-02 没有市场数据" in n.zh]
    assert any("2025-03 在数据最后一天（2025-03-15）之后才结束" in n.zh
               and "2025-03 ends after the data's last day (2025-03-15)" in n.en for n in found)
    assert monthly["sales"].tolist() == [1000.0, 0.0, 500.0]
    assert monthly["partial"].tolist() == [False, False, True]
    assert monthly["own_share"].iloc[2] == 1.0 and np.isnan(monthly["mom"].iloc[2])


def test_interval_of_estimated_sales_is_the_normal_approximation(tmp_path):
    """sales ± z·sqrt(Σŝ²(exp σ² - 1) + s1²Var α + 2 s1 sx Cov + sx²Var β), z = Φ⁻¹(0.5 + c/2),
    written out here as the module wrote it before (statistics.NormalDist for z)."""
    rows = [row("2025-01-01", "A", "1", 10, index=50.0), row("2025-01-01", "B", "2", None, index=200.0),
            row("2025-01-01", "C", "3", None, index=800.0)]
    shop = write_market(tmp_path, rows)
    cal = Calibration(alpha=0.5, beta=1.1, cov=((0.01, -0.001), (-0.001, 0.0002)), sigma=0.2, n=30, r2=0.99,
                      index_min=10.0, index_max=1000.0, loo_coverage=0.9, confidence=0.8)
    s = size.listing_sales(shop, cal, "c")
    monthly = size.market_size(s, cal, "2025-01-31", confidence=0.8)
    lx = np.log([200.0, 800.0])
    est = np.exp(cal.alpha + cal.beta * lx + cal.sigma**2 / 2)
    s1, sx, s2 = est.sum(), (est * lx).sum(), (est**2).sum()
    var = s2 * np.expm1(cal.sigma**2) + s1**2 * 0.01 + 2 * s1 * sx * -0.001 + sx**2 * 0.0002
    z = NormalDist().inv_cdf(0.9)
    total = 1000.0 + s1
    assert monthly["sales"].iloc[0] == pytest.approx(total, rel=1e-12)
    assert monthly["estimated_sales"].iloc[0] == pytest.approx(s1, rel=1e-12)
    assert monthly["sales_low"].iloc[0] == pytest.approx(max(total - z * np.sqrt(var), 1000.0), rel=1e-12)
    assert monthly["sales_high"].iloc[0] == pytest.approx(total + z * np.sqrt(var), rel=1e-12)
    assert monthly["units"].iloc[0] == pytest.approx(10 + s1 / 100.0, rel=1e-12)


def test_trailing_growth_needs_the_year_before(tmp_path):
    months = pd.date_range("2025-01-01", "2026-03-01", freq="MS")
    shop = write_market(tmp_path, [row(f"{m:%Y-%m-%d}", "A", "1", 10 + (m.year - 2025) * 10) for m in months])
    monthly = size.market_size(size.listing_sales(shop, None, "c"), None, "2026-03-31")
    growth = size.trailing_growth(monthly, months=3)
    assert growth["growth"] == pytest.approx(1.0)  # 20 units a month against 10 a year earlier
    assert (growth["recent"], growth["base"]) == (6000.0, 3000.0)
    assert (growth["start"], growth["end"]) == (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-03-01"))
    with notes_saying("近 6 个月的增长需要 2025-10 起一年前的同期数据", "trailing growth needs 6 months a year before 2025-10"):
        short = size.trailing_growth(monthly, months=6)
    assert np.isnan(short["growth"]) and np.isnan(short["base"])


def test_seasonality_is_each_calendar_month_over_the_average(tmp_path):
    months = pd.date_range("2025-01-01", "2025-04-01", freq="MS")
    shop = write_market(tmp_path, [row(f"{m:%Y-%m-%d}", "A", "1", u) for m, u in zip(months, (10, 30, 20, 5),
                                                                                       strict=True)])
    monthly = size.market_size(size.listing_sales(shop, None, "c"), None, "2025-03-31")  # April is partial
    profile = size.seasonality(monthly)
    assert profile.index.tolist() == [1, 2, 3]
    assert profile["seasonality"].tolist() == pytest.approx([0.5, 1.5, 1.0])
    assert profile["years"].tolist() == [1, 1, 1]
    assert size.month_end_partial(pd.Series(pd.to_datetime(["2025-03-01", "2025-04-01"])), "2025-03-31").tolist() == [
        False, True]
