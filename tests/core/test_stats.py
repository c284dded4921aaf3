"""The statistics of product tests and rank correlations (helpers.core.stats) give the same
numbers as the hand-written formulas they replaced, written out here, to 1e-12 or better;
where a number differs the test says why and which is right."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from helpers.core import stats
from helpers.core.notes import caught


def _said(func, *args, **kwargs):
    with caught() as found:
        result = func(*args, **kwargs)
    return result, [(n.zh, n.en) for n in found]


# --------------------------------------------------------------------------- the formulas replaced


def old_two_proportion(s1, n1, s2, n2):
    p1, p2, p = s1 / n1, s2 / n2, (s1 + s2) / (n1 + n2)
    z = (p2 - p1) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return z, 2 * (1 - NormalDist().cdf(abs(z)))


def old_holm(p_values):
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.nonzero(~np.isnan(p))[0]
    m = len(ok)
    order = ok[np.argsort(p[ok], kind="stable")]
    running = 0.0
    for i, idx in enumerate(order):
        running = max(running, min(1.0, (m - i) * p[idx]))
        out[idx] = running
    return out


def old_sample_size_raw(baseline, mde, confidence=0.95, power=0.8):
    h = 2 * math.asin(math.sqrt(baseline * (1 + mde))) - 2 * math.asin(math.sqrt(baseline))
    z = NormalDist().inv_cdf(0.5 + confidence / 2) + NormalDist().inv_cdf(power)
    return 2 * (z / h) ** 2


def old_spearman(x, y, confidence=0.95):
    x, y = pd.Series(np.asarray(x, dtype=float)), pd.Series(np.asarray(y, dtype=float))
    ok = x.notna() & y.notna()
    n = int(ok.sum())
    rho = float(np.corrcoef(x[ok].rank(), y[ok].rank())[0, 1])
    r = min(max(rho, -0.999999), 0.999999)
    se = math.sqrt((1 + r * r / 2) / (n - 3))
    half = NormalDist().inv_cdf(0.5 + confidence / 2) * se
    return {"rho": rho, "low": math.tanh(math.atanh(r) - half), "high": math.tanh(math.atanh(r) + half), "n": n}


def old_prob_best(successes, trials, draws=20_000, seed=0):
    s, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    rng = np.random.default_rng(seed)
    samples = rng.beta(1 + s[:, None], 1 + np.clip(n - s, 0, None)[:, None], size=(len(s), draws))
    return np.bincount(samples.argmax(0), minlength=len(s)) / draws


# --------------------------------------------------------------------------- two-proportion z test


def test_two_proportion_test_matches_statsmodels():
    from statsmodels.stats.proportion import proportions_ztest

    got = stats.two_proportion_test(30, 1000, 48, 1100)
    z, p = proportions_ztest([48, 30], [1100, 1000])
    assert got["z"] == pytest.approx(z) and got["p_value"] == pytest.approx(p)
    assert got["difference"] == pytest.approx(48 / 1100 - 30 / 1000)


def test_two_proportion_test_equals_the_old_formula():
    """z is the same to the last digit; the p-value to 1e-12 wherever it is above 1e-4. Below,
    1 - Φ(|z|) of the old formula cancels digits (its absolute error stays under 1e-15) while
    statsmodels takes the normal survival function: the library is the exact one there."""
    from scipy.stats import norm

    rng = np.random.default_rng(5)
    n1, n2 = rng.integers(50, 50_000, 300), rng.integers(50, 50_000, 300)
    s1, s2 = rng.binomial(n1, 0.03), rng.binomial(n2, rng.uniform(0.02, 0.05, 300))
    for a, b, c, d in zip(s1, n1, s2, n2, strict=True):
        got = stats.two_proportion_test(float(a), float(b), float(c), float(d))
        z, p = old_two_proportion(float(a), float(b), float(c), float(d))
        assert got["z"] == pytest.approx(z, rel=1e-12, abs=1e-15)
        assert abs(got["p_value"] - p) < 1e-15
        if p > 1e-4:
            assert got["p_value"] == pytest.approx(p, rel=1e-12)
        assert got["p_value"] == pytest.approx(2 * norm.sf(abs(got["z"])), rel=1e-13)


def test_two_proportion_test_edges():
    result, said = _said(stats.two_proportion_test, 0, 0, 5, 100)
    assert all(math.isnan(v) for v in result.values())
    assert said == [("两比例检验：有一组没有样本 → NaN", "two-proportion test: a group has no trials -> NaN")]
    assert stats.two_proportion_test(0, 100, 0, 200) == {"z": 0.0, "p_value": 1.0, "difference": 0.0}
    assert stats.two_proportion_test(100, 100, 50, 50)["p_value"] == 1.0


# --------------------------------------------------------------------------- Holm


def test_holm_known_answer():
    assert stats.holm([0.01, 0.04, 0.03, np.nan]).tolist()[:3] == pytest.approx([0.03, 0.06, 0.06])
    assert math.isnan(stats.holm([0.01, 0.04, 0.03, np.nan])[3])
    assert stats.holm([np.nan]).tolist() == [pytest.approx(np.nan, nan_ok=True)]
    assert stats.holm([0.5, 0.6]).tolist() == [1.0, 1.0]  # capped at 1


def test_holm_equals_the_old_formula_and_statsmodels():
    """The same sorted p-values times m, m-1, ... and the same running maximum as the old loop
    and as statsmodels' Holm: the same numbers to the last digit, ties and NaN included.
    (statsmodels is called on a few inputs only: it runs gc.collect() on every call.)"""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(11)
    for _ in range(500):
        p = rng.uniform(0, 0.2, rng.integers(1, 9))
        p[rng.random(len(p)) < 0.2] = np.nan
        if len(p) > 2:
            p[1] = p[2]  # a tie
        np.testing.assert_array_equal(stats.holm(p), old_holm(p))
    for p in (rng.uniform(0, 0.05, 400), np.array([0.01, 0.02, 0.02, 0.5, 0.001])):
        np.testing.assert_array_equal(stats.holm(p), multipletests(p, method="holm")[1])
    p = np.array([0.04, np.nan, 0.01, 0.03])
    expected = np.full(4, np.nan)
    expected[[0, 2, 3]] = multipletests(p[[0, 2, 3]], method="holm")[1]
    np.testing.assert_array_equal(stats.holm(p), expected)


# --------------------------------------------------------------------------- sample size


def test_sample_size_matches_statsmodels():
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    for base, mde in ((0.03, 0.1), (0.1, 0.2), (0.5, -0.1)):
        h = proportion_effectsize(base * (1 + mde), base)
        n = NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=1.0)
        assert stats.sample_size_per_variant(base, mde, 0.95, 0.8) == math.ceil(n)
    result, said = _said(stats.sample_size_per_variant, 0.6, 1.0)
    assert math.isnan(result)
    assert said == [("样本量：基准 0.6 提升 1.0 得不到 (0, 1) 之间的一对比率 → NaN",
                     "sample size: baseline 0.6 with lift 1.0 is not a rate pair in (0, 1) -> NaN")]
    assert math.isnan(stats.sample_size_per_variant(0.05, 0.0)) and math.isnan(stats.sample_size_per_variant(0, 0.1))


def test_sample_size_equals_the_old_formula():
    """The statsmodels closed form (proportion_effectsize, normal_sample_size_one_tail) is the
    old formula to 1e-12 before rounding up, and the same whole number after it.
    (NormalIndPower.solve_power adds the opposite tail's power and solves numerically: about
    2e-6 lower, so it is not the planning rule.)"""
    from statsmodels.stats.power import normal_sample_size_one_tail
    from statsmodels.stats.proportion import proportion_effectsize

    rng = np.random.default_rng(3)
    for _ in range(500):
        base, mde = rng.uniform(0.002, 0.6), rng.choice([-1, 1]) * rng.uniform(0.02, 0.5)
        confidence, power = rng.choice([0.8, 0.9, 0.95, 0.99]), rng.choice([0.5, 0.8, 0.9])
        if not 0 < base * (1 + mde) < 1:
            continue
        old = old_sample_size_raw(base, mde, confidence, power)
        h = abs(proportion_effectsize(base * (1 + mde), base))
        assert 2 * normal_sample_size_one_tail(h, power, (1 - confidence) / 2) == pytest.approx(old, rel=1e-12)
        assert stats.sample_size_per_variant(base, mde, confidence, power) == math.ceil(old)
    # the figures of the sample report
    assert [stats.sample_size_per_variant(b, 0.1) for b in (0.01, 0.02, 0.03, 0.05, 0.1)] == [
        163004, 80638, 53182, 31218, 14745]


# --------------------------------------------------------------------------- Spearman


def test_spearman_matches_scipy():
    from scipy import stats as sps

    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    y = x + rng.normal(size=40)
    y[3] = y[5]  # a tie
    got = stats.spearman_interval(x, y)
    assert got["rho"] == pytest.approx(sps.spearmanr(x, y).statistic, abs=1e-12)
    assert got["low"] < got["rho"] < got["high"]
    result, said = _said(stats.spearman_interval, [1, 2, 3], [1, 2, 3])
    assert math.isnan(result["rho"]) and result["n"] == 3
    assert said == [("秩相关需要至少 4 对有变化的数据，只有 3 对 → NaN",
                     "rank correlation needs 4+ pairs that vary; got 3 -> NaN")]
    assert math.isnan(stats.spearman_interval([1, 2, 3, 4], [5, 5, 5, 5])["rho"])  # y does not vary


def test_spearman_interval_equals_the_old_formula():
    """scipy's rho is the Pearson correlation of the same average ranks; the interval is the
    same Fisher z with the Bonett-Wright standard error."""
    rng = np.random.default_rng(2)
    for _ in range(200):
        n = int(rng.integers(4, 80))
        x = rng.normal(size=n).round(1)  # ties
        y = rng.normal(size=n) + rng.uniform(-1, 1) * x
        x[rng.random(n) < 0.1] = np.nan  # dropped pairs
        if pd.Series(x).notna().sum() < 4:
            continue
        got, old = stats.spearman_interval(x, y, 0.9), old_spearman(x, y, 0.9)
        assert got["n"] == old["n"]
        for key in ("rho", "low", "high"):
            assert got[key] == pytest.approx(old[key], rel=1e-12, abs=1e-15), key


def test_a_perfect_rank_correlation_has_a_finite_interval():
    got = stats.spearman_interval(range(10), [v ** 3 for v in range(10)])
    assert got["rho"] == pytest.approx(1.0) and got["high"] <= 1 and got["low"] > 0.99


# --------------------------------------------------------------------------- P(best)


def test_prob_best_matches_numerical_integration():
    from scipy import integrate
    from scipy import stats as sps

    a, b = sps.beta(1 + 30, 1 + 970), sps.beta(1 + 42, 1 + 958)
    exact, _ = integrate.quad(lambda x: b.pdf(x) * a.cdf(x), 0, 1, points=[0.03, 0.04], limit=200)
    got = stats.prob_best([30, 42], [1000, 1000])
    assert got[1] == pytest.approx(exact, abs=0.01)
    assert got.sum() == pytest.approx(1.0)


def test_prob_best_is_the_old_monte_carlo():
    """Kept by hand (no library computes it): the same draws, so the same numbers exactly."""
    for s, n, draws, seed in (([30, 42], [1000, 1000], 20_000, 0), ([5, 9, 7], [200, 210, 190], 500, 1)):
        np.testing.assert_array_equal(stats.prob_best(s, n, draws, seed), old_prob_best(s, n, draws, seed))
    result, said = _said(stats.prob_best, [3, 0], [100, 0])
    assert result.sum() == pytest.approx(1.0)
    assert said == [("1 个版本没有样本：其最优概率只来自先验",
                     "1 variant(s) without trials: their P(best) comes from the prior alone")]


def _simulated_weeks(day_effect_sd: float, days: int, weeks: int = 3000, rate: float = 0.025):
    """Paid buyers and visitors of ``weeks`` simulated periods whose true daily rate varies by a
    mean-one log-normal day effect (0: binomial days)."""
    rng = np.random.default_rng(7)
    visitors = rng.integers(3000, 6000, (weeks, days)).astype(float)
    daily = rate * np.exp(rng.normal(0, day_effect_sd, (weeks, days)) - day_effect_sd**2 / 2)
    buyers = rng.binomial(visitors.astype(int), daily).astype(float)
    index = pd.MultiIndex.from_product([range(weeks), range(days)])
    return pd.Series(buyers.ravel(), index), pd.Series(visitors.ravel(), index)


def test_day_dispersion_is_the_quasi_binomial_scale_of_statsmodels():
    import statsmodels.api as sm

    buyers, visitors = _simulated_weeks(0.15, 28, weeks=1)
    phi = stats.day_dispersion(buyers, visitors).loc[0, "dispersion"]
    x, n = buyers.to_numpy(), visitors.to_numpy()
    glm = sm.GLM(x / n, np.ones((len(x), 1)), family=sm.families.Binomial(), var_weights=n).fit(scale="X2")
    assert phi == pytest.approx(glm.scale) and phi > 1.5


@pytest.mark.parametrize("day_effect_sd", [0.0, 0.15])
@pytest.mark.parametrize("days", [7, 28])
def test_conversion_intervals_cover_the_true_rate_when_days_vary_more_than_chance(day_effect_sd, days):
    """A real shop's conversion moves with the day: the interval must still cover the rate at
    its nominal 80% (Wilson on the summed days: 49% with a 15% day effect)."""
    buyers, visitors = _simulated_weeks(day_effect_sd, days)
    spread = stats.day_dispersion(buyers, visitors)
    x, n = buyers.groupby(level=0).sum(), visitors.groupby(level=0).sum()
    low, high = stats.overdispersed_interval(x, n, spread["dispersion"], spread["days"], 0.8)
    covered = ((low <= 0.025) & (0.025 <= high)).mean()
    assert 0.77 <= covered <= 0.87
    if day_effect_sd:
        w_low, w_high = stats.wilson_interval(x, n, 0.8)
        assert ((w_low <= 0.025) & (0.025 <= w_high)).mean() < 0.7  # what the binomial interval did
