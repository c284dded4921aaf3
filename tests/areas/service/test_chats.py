"""Customer service: chats and conversion, response bands, and the logistic fit of response time."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers.areas.service import chats
from helpers.core.notes import caught
from helpers.core.stats import z_value
from tests.areas.service.conftest import MARCH


def _newton_raphson(x, k, n):
    """The hand-written fit the module had before statsmodels: Newton-Raphson on grouped counts."""
    X = np.column_stack([np.ones_like(x), x])
    p0 = min(max(k.sum() / n.sum(), 1e-4), 1 - 1e-4)
    beta = np.array([math.log(p0 / (1 - p0)), 0.0])
    for _ in range(50):
        mu = 1 / (1 + np.exp(-(X @ beta)))
        info = X.T @ (X * (n * mu * (1 - mu))[:, None])
        step = np.linalg.solve(info, X.T @ (k - n * mu))
        beta = beta + step
        if np.abs(step).max() < 1e-10:
            break
    return beta, math.sqrt(np.linalg.inv(info)[1, 1])


def test_service_figures_of_the_hand_built_shop(shop):
    s = chats.summarize_service(shop, MARCH)
    assert (s["chats"], s["converted"]) == (3, 1)
    assert s["inquiry_conversion_rate"] == pytest.approx(1 / 3)
    assert s["median_response"] == 20 and s["within_30s"] == pytest.approx(2 / 3)
    assert s["mean_response"] == pytest.approx((10 + 100 + 20) / 3)
    with caught() as notes:  # empty bands: NaN, not 0
        bands = chats.service_by(shop, MARCH, "response_band")
    assert any("2 of 5" in n.en for n in notes) and all(n.zh for n in notes)
    assert bands.loc["0-15s", "chats"] == 1 and bands.loc["15-30s", "chats"] == 1 and bands.loc["60-180s", "chats"] == 1
    assert bands.loc["30-60s", "chats"] == 0 and math.isnan(bands.loc["30-60s", "inquiry_conversion_rate"])
    agents = chats.service_by(shop, MARCH, "agent")
    assert agents.loc["小家", "median_response"] == 60
    with pytest.raises(ValueError, match="band"):
        chats.service_by(shop, MARCH, "hour")


def test_response_bands_are_right_closed():
    assert chats.response_band([0, 15, 15.5, 30, 180, 181]).astype(str).tolist() == [
        "0-15s", "0-15s", "15-30s", "15-30s", "60-180s", "180s+"]


def test_weighted_median_is_the_first_value_reaching_half_the_weight():
    rng = np.random.default_rng(2)
    for _ in range(20):
        values = rng.integers(0, 300, 12).astype(float)
        weights = rng.integers(0, 9, 12).astype(float)
        if weights.sum() == 0:
            continue
        order = np.argsort(values)
        v, w = values[order], weights[order]
        expected = v[np.searchsorted(np.cumsum(w), w.sum() / 2)]  # the module's former formula
        assert chats.weighted_median(values, weights) == expected
    assert math.isnan(chats.weighted_median([], []))


def test_logistic_fit_recovers_known_coefficients():
    x = np.linspace(-2, 5, 50)
    p = 1 / (1 + np.exp(-(0.3 - 0.5 * x)))
    n = np.full(50, 4000)
    fit = chats.fit_logistic(x, np.round(n * p), n)
    assert fit["slope"] == pytest.approx(-0.5, abs=0.01) and fit["intercept"] == pytest.approx(0.3, abs=0.02)
    assert fit["slope_low"] < fit["slope"] < fit["slope_high"]
    with caught() as notes:
        flat = chats.fit_logistic([1, 1], [1, 2], [5, 5])
    assert math.isnan(flat["slope"]) and any("do not vary" in n.en and n.zh for n in notes)


def test_logistic_fit_is_statsmodels_with_the_hand_written_newton_raphson_numbers():
    """statsmodels' GLM gives the coefficients of the former Newton-Raphson and the textbook s.e."""
    rng = np.random.default_rng(0)
    x = np.unique(np.log2(rng.integers(1, 400, 300) / 10.0))
    n = rng.integers(1, 50, len(x)).astype(float)
    k = rng.binomial(n.astype(int), 1 / (1 + np.exp(-(0.3 - 0.5 * x)))).astype(float)
    fit = chats.fit_logistic(x, k, n, confidence=0.9)
    beta, se_newton = _newton_raphson(x, k, n)
    np.testing.assert_allclose([fit["intercept"], fit["slope"]], beta, rtol=1e-12)
    X = np.column_stack([np.ones_like(x), x])
    mu = 1 / (1 + np.exp(-(X @ beta)))
    se = math.sqrt(np.linalg.inv(X.T @ (X * (n * mu * (1 - mu))[:, None]))[1, 1])  # inverse Fisher information
    np.testing.assert_allclose(fit["slope_se"], se, rtol=1e-12)
    np.testing.assert_allclose(fit["slope_se"], se_newton, rtol=1e-9)  # the former one stopped a step earlier
    z = z_value(0.9)
    np.testing.assert_allclose([fit["slope_low"], fit["slope_high"]], [beta[1] - z * se, beta[1] + z * se],
                               rtol=1e-12)


@pytest.mark.recovery
def test_response_time_effect_on_conversion_recovers_the_planted_slope(after_sales):
    with caught():
        fit = chats.fit_response_effect(after_sales["shop"], after_sales["period"])
    planted = after_sales["truth"]["service"]["conversion_logit"]
    assert fit["slope"] == pytest.approx(planted["per_doubling_of_seconds"], abs=0.08)
    assert fit["intercept"] == pytest.approx(planted["intercept"], abs=0.12)
    assert fit["slope_low"] <= planted["per_doubling_of_seconds"] <= fit["slope_high"]
    assert fit["odds_per_doubling"] == pytest.approx(math.exp(fit["slope"]))
    assert fit["p_10s"] == pytest.approx(1 / (1 + math.exp(-fit["intercept"])))
