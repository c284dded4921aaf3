"""Forecast intervals: right on a known process, and at their nominal rate on sample shops of
several seeds (the realised weeks drawn from the generator's demand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.planning import forecast, stock
from helpers.core.calendar import abnormal_days
from helpers.core.notes import quiet
from tests.areas.planning.conftest import sample_shop


def test_a_flat_poisson_demand_is_forecast_near_its_mean_with_an_interval_holding_it():
    rng = np.random.default_rng(0)
    series = pd.Series(rng.poisson(30, 80).astype(float))
    f = forecast.forecast_product(series, 4, confidence=0.8)
    assert (f["low"] < 30).all() and (f["high"] > 30).all()
    assert f["mean"].iloc[0] == pytest.approx(30, abs=4)


def test_censored_weeks_are_missing_not_zero():
    days = pd.date_range("2026-01-05", periods=28, freq="D")
    daily = pd.DataFrame({"date": days, "product_id": "p", "units": 2.0, "sales": 20.0})
    out = pd.DataFrame({"p": days.isin(days[7:9])}, index=days)
    weekly = forecast.weekly_units(daily, days[-1], out, pd.Series("", index=days))
    assert weekly["p"].isna().tolist() == [False, True, False, False]
    assert weekly["p"].dropna().tolist() == [14.0, 14.0, 14.0]


@pytest.mark.recovery
def test_forecast_intervals_cover_the_generators_demand_at_their_nominal_rate(tmp_path):
    covered, weeks = 0.0, 0
    for seed in (1, 2, 3):
        shop, _ = sample_shop(tmp_path / str(seed), seed)
        with quiet():
            daily, counts, receipts = stock.daily_sales(shop), stock.latest_stock(shop), stock.receipts_frame(shop)
            out = stock.out_of_stock_days(stock.stock_history(daily, counts, receipts), receipts)
            abnormal = abnormal_days(shop.table("campaigns").execute(), out.index, 7)
        weekly = forecast.weekly_units(daily, counts["date"].max(), out, abnormal)
        # the ordinary weeks of August to mid-October 2026, forecast from the start of August
        cut = weekly[weekly.index <= pd.Timestamp("2026-10-18")]
        for pid in cut.columns:
            series = cut[pid]
            if series.iloc[:-10].notna().sum() < 30 or series.iloc[-36:-10].sum() < 26:
                continue  # products selling less than a unit a week: no Gaussian interval is meant for them
            result = forecast.backtest_product(series, 10, confidence=0.8)
            n = int(series.iloc[-10:].notna().sum())
            covered += result["backtest_coverage"] * n
            weeks += n
    rate = covered / weeks
    assert weeks > 500
    assert 0.72 <= rate <= 0.88, rate
