"""The counterfactual model: its draws, intervals and the library it agrees with."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.campaigns.campaign import MODELS
from helpers.areas.campaigns.model import (
    design_matrix,
    fit_counterfactual,
    ols_fit,
    quantiles,
    summarize_effect,
)
from helpers.areas.campaigns.uplift import estimate_uplift
from helpers.core.notes import MetricNote
from tests.areas.campaigns.sample_shop import windows_for


def _shop_days(n: int = 70, seed: int = 11):
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2025-03-01", periods=n)
    return rng, dates


def test_ols_fit_equals_statsmodels():
    """The regression's coefficients and residual variance are statsmodels OLS's (params and
    scale), on the design the postmortem builds: intercept, trend, weekdays and a control."""
    from statsmodels.regression.linear_model import OLS

    rng, dates = _shop_days(56)
    control = rng.normal(8.5, 0.2, (len(dates), 1))
    X = design_matrix(dates, dates[0], control)
    z = X @ rng.normal(0, 0.3, X.shape[1]) + rng.normal(0, 0.15, len(dates))
    beta, s2, dof = ols_fit(X, z)
    fit = OLS(z, X).fit()
    np.testing.assert_allclose(beta, fit.params, rtol=1e-10)
    np.testing.assert_allclose(s2, fit.scale, rtol=1e-10)
    assert dof == fit.df_resid == len(dates) - X.shape[1]


def test_design_has_a_trend_in_weeks_and_monday_as_the_base_day():
    dates = pd.date_range("2026-06-01", periods=8)  # a Monday
    X = design_matrix(dates, dates[0], None)
    assert X.shape == (8, 8)
    np.testing.assert_allclose(X[:, 1], np.arange(8) / 7)
    assert X[0, 2:].sum() == 0 and X[1, 2] == 1 and X[7, 2:].sum() == 0  # Monday, Tuesday, Monday


def test_summarize_effect_on_known_draws():
    draws = np.full(1000, 100.0)
    draws[:100] = 150.0  # 10% of the no-campaign draws above the actual 120
    s = summarize_effect(120.0, draws, confidence=0.9)
    assert s["predicted"] == pytest.approx(105.0) and s["effect"] == pytest.approx(15.0)
    assert s["relative"] == pytest.approx(120 / 105 - 1)
    assert s["p_real"] == pytest.approx(0.9)  # the share of draws below the actual sales
    assert s["effect_low"] <= s["effect"] <= s["effect_high"]
    lo, hi = quantiles(np.arange(101.0), 0.9)
    assert (lo, hi) == (pytest.approx(5.0), pytest.approx(95.0))


def test_a_clean_control_is_used_and_narrows_the_interval():
    """A control that tracks the shop's shocks explains them: the interval is narrower and
    the effect is still recovered."""
    rng, dates = _shop_days()
    shocks = rng.normal(0, 0.15, len(dates))
    control = pd.DataFrame({"c": np.exp(np.log(5000) + shocks + rng.normal(0, 0.03, len(dates)))}, index=dates)
    sales = np.exp(np.log(12000) + shocks + rng.normal(0, 0.03, len(dates)))
    event = slice(60, 70)
    sales[event] *= 1.5
    sales = pd.Series(sales, index=dates)
    train = pd.Series(np.arange(len(dates)) < 56, index=dates)
    with_c = fit_counterfactual(sales, train, control)
    without = fit_counterfactual(sales, train)
    s_with = summarize_effect(float(sales[event].sum()), with_c.draws[event].sum(axis=0))
    s_without = summarize_effect(float(sales[event].sum()), without.draws[event].sum(axis=0))
    assert s_with["relative"] == pytest.approx(0.5, abs=0.05)
    assert (s_with["relative_high"] - s_with["relative_low"]) < 0.5 * (
        s_without["relative_high"] - s_without["relative_low"])
    assert with_c.scale == "log" and with_c.fit_error < 0.05


def test_sparse_sales_fall_back_to_yuan_with_a_note_and_bad_input_is_refused():
    rng, dates = _shop_days(40)
    sales = pd.Series(np.where(rng.random(len(dates)) < 0.3, 0.0, 100.0), index=dates)
    train = pd.Series(np.arange(len(dates)) < 30, index=dates)
    with pytest.warns(MetricNote, match="works on yuan rather than logs") as caught:
        cf = fit_counterfactual(sales, train, n_draws=200)
    assert "模型按金额而非对数拟合" in caught[0].message.note.zh
    assert cf.scale == "level" and (cf.draws >= 0).all() and cf.draws.shape == (40, 200)
    with pytest.raises(ValueError, match="model='bsts'"):
        fit_counterfactual(sales, train, model="bsts")
    with pytest.raises(ValueError, match="at least 8 training days, got 5"):
        fit_counterfactual(sales, pd.Series(np.arange(len(dates)) < 5, index=dates))


@pytest.mark.recovery  # 300 synthetic shops
def test_interval_coverage_on_simulated_campaigns():
    """Synthetic shops with a known multiplicative effect: the 95% interval of the relative
    effect covers it in about 95% of 300 runs (binomial 99% band: 0.91..0.98)."""
    rng = np.random.default_rng(5)
    dates = pd.date_range("2025-01-01", periods=56 + 21)
    weekday = np.array([0.0, -0.02, -0.03, -0.02, 0.03, 0.09, 0.11])[dates.day_of_week]
    train = pd.Series(np.arange(len(dates)) < 56, index=dates)
    event = slice(56 + 7, 56 + 16)
    covered = 0
    runs = 300
    for _ in range(runs):
        effect = rng.uniform(0.0, 1.5)
        log_sales = (np.log(15000) + rng.normal(0, 0.002) * np.arange(len(dates)) + weekday
                     + rng.normal(0, 0.17, len(dates)))
        sales = np.exp(log_sales)
        sales[event] *= 1 + effect
        cf = fit_counterfactual(pd.Series(sales, index=dates), train, n_draws=1000, seed=int(rng.integers(1e9)))
        s = summarize_effect(float(sales[event].sum()), cf.draws[event].sum(axis=0))
        # the truth is the effect on expected sales; the realised noise is inside the interval's width
        covered += s["relative_low"] <= effect <= s["relative_high"]
    assert 0.91 <= covered / runs <= 0.98, covered / runs


@pytest.mark.recovery  # four estimates on the sample shop
def test_results_do_not_change_between_runs(frames):
    campaign, w = windows_for(frames, "618-2026")
    for model in MODELS:
        a = estimate_uplift(frames, campaign, w, model=model)
        b = estimate_uplift(frames, campaign, w, model=model)
        pd.testing.assert_frame_equal(a.phases, b.phases)
        pd.testing.assert_frame_equal(a.daily, b.daily)
