"""BG/NBD and Gamma-Gamma: closed forms, hand-checkable values, simulations from known parameters."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from helpers.areas.customers import models
from helpers.core.stats import z_value

R, ALPHA, A, B = 0.243, 4.414, 0.793, 2.426  # Fader, Hardie & Lee (2005) on CDNOW, weeks


def test_bgnbd_loglik_hand_checkable_values():
    # r = alpha = a = b = 1: x = 0, T = 1 -> 1/2; x = 1, t_x = 1, T = 2 -> 1/18 + 1/8 = 13/72
    ll = models.bgnbd_loglik((1, 1, 1, 1), [0, 1], [0, 1], [1, 2])
    assert ll == pytest.approx(np.log([1 / 2, 13 / 72]), abs=1e-12)
    # Gamma-Gamma p = 1, q = 2, gamma = 1, one purchase of 1: 2! / (1! 1!) / 2^3 = 1/4
    assert models.gamma_gamma_loglik((1, 2, 1), [1], [1.0]) == pytest.approx([np.log(0.25)])


def _gamma_gamma_by_hand(params, x, m):
    """The density written out (the formula the module used before scipy's beta prime)."""
    from scipy import special

    p, q, g = params
    px = p * x
    return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * math.log(g)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(g + x * m))


def test_gamma_gamma_density_is_scipys_beta_prime():
    rng = np.random.default_rng(5)
    x = rng.integers(1, 40, 2000).astype(float)
    m = rng.gamma(2.0, 120.0, 2000) + 0.5
    for params in ((6.25, 3.74, 15.44), (1.69, 33.8, 3511.0), (0.3, 1.2, 0.8), (40.0, 250.0, 9000.0)):
        np.testing.assert_allclose(models.gamma_gamma_loglik(params, x, m), _gamma_gamma_by_hand(params, x, m),
                                   rtol=1e-12)


def test_intervals_use_the_normal_quantile():
    assert z_value(0.95) == pytest.approx(1.959963984540054, rel=1e-12)  # the constant written out before


def test_bgnbd_loglik_equals_integrating_the_individual_model():
    """The closed form against integrating lambda and p out of the individual likelihood."""
    from scipy import integrate

    r, alpha, a, b = 2.0, 10.0, 1.5, 3.0
    x, t_x, T = 3, 20.0, 38.0
    gamma_norm = alpha ** r / math.gamma(r)
    beta_norm = math.gamma(a + b) / (math.gamma(a) * math.gamma(b))

    def individual(lam, p):  # purchases while active, then (maybe) dropout after the last one
        alive = (1 - p) ** x * lam ** x * math.exp(-lam * T)
        dead = p * (1 - p) ** (x - 1) * lam ** x * math.exp(-lam * t_x)
        prior = gamma_norm * lam ** (r - 1) * math.exp(-alpha * lam) * beta_norm * p ** (a - 1) * (1 - p) ** (b - 1)
        return (alive + dead) * prior

    value, _ = integrate.dblquad(individual, 0, 1, 0, 3, epsabs=1e-14, epsrel=1e-10)
    assert models.bgnbd_loglik((r, alpha, a, b), [x], [t_x], [T])[0] == pytest.approx(math.log(value), abs=1e-6)


def test_analytic_gradients_match_finite_differences(simulated):
    from scipy import optimize

    _, sim = simulated
    x, t_x, T = (sim[c].to_numpy(dtype=float)[:2000] for c in ("x", "t_x", "T"))
    w = np.ones_like(x)
    point = np.array([0.5, 30.0, 1.2, 2.5])
    numeric = optimize.approx_fprime(point, lambda p: models._bgnbd_grad(p, x, t_x, T, w)[0], 1e-6)
    assert models._bgnbd_grad(point, x, t_x, T, w)[1] == pytest.approx(numeric, rel=1e-4)
    rep = sim[sim["x"] > 0].head(2000)
    xs, ms = rep["x"].to_numpy(dtype=float), rep["m"].to_numpy(dtype=float)
    w = np.ones_like(xs)
    point = np.array([3.0, 5.0, 250.0])
    numeric = optimize.approx_fprime(point, lambda p: models._gg_grad(p, xs, ms, w)[0], 1e-6)
    assert models._gg_grad(point, xs, ms, w)[1] == pytest.approx(numeric, rel=1e-4)


def test_expected_purchases_match_the_hypergeometric_closed_form():
    from scipy import special

    def closed_form(r, alpha, a, b, x, t_x, T, t):  # Fader, Hardie & Lee (2005), eq. 10
        head = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x)
                                            * special.hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
        return head / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))

    x, t_x, T = np.array([0, 1, 2, 5, 10]), np.array([0, 5, 20, 30, 35.0]), np.array([38.0] * 5)
    for params in ((R, ALPHA, A, B), (0.5, 30.0, 1.5, 3.0)):
        ours = models.bgnbd_expected_purchases(params, x, t_x, T, 39.0)
        assert ours == pytest.approx(closed_form(*params, x, t_x, T, 39.0), rel=1e-9)


def test_horizon_zero_gives_zero():
    assert models.bgnbd_expected_purchases((R, ALPHA, A, B), [0, 3], [0, 10], [20, 20], 0).tolist() == [0, 0]
    with pytest.raises(ValueError):
        models.bgnbd_expected_purchases((R, ALPHA, A, B), [0], [0], [1], -1)


@pytest.mark.recovery
def test_fit_recovers_the_parameters_of_simulated_customers(simulated):
    truth, sim = simulated
    fit = models.fit_bgnbd(sim["x"], sim["t_x"], sim["T"])
    assert fit.converged and fit.n == len(sim)
    z = 3.0  # the 99.7% interval on the log scale
    for name, true in zip(models.BGNBD_PARAMS, truth, strict=True):
        est, se = fit.params[name], fit.se[name]
        assert abs(math.log(est / true)) < z * se / est, (name, est, true)
        assert se / est < 0.15, name  # the data pin the parameter down
        assert fit.low[name] < est < fit.high[name]
        # the 95% interval is estimate x exp(+-1.96 se_log), se_log = se / estimate
        assert fit.high[name] == pytest.approx(est * math.exp(z_value(0.95) * se / est), rel=1e-12)
    assert list(fit.table().columns) == ["estimate", "se", "low", "high"]


@pytest.mark.recovery
def test_gamma_gamma_recovers_simulated_spend(simulated):
    _, sim = simulated
    rep = sim[sim["x"] > 0]
    gg = models.fit_gamma_gamma(rep["x"], rep["m"])
    for name, true in zip(models.GG_PARAMS, (4.0, 6.0, 300.0), strict=True):
        est, se = gg.params[name], gg.se[name]
        assert abs(math.log(est / true)) < 3.0 * se / est, (name, est, true)
    # shrinkage: a customer's expected spend lies between their own mean and the population mean
    value = models.gamma_gamma_expected_value(gg.values(), rep["x"], rep["m"])
    population = gg.params["p"] * gg.params["gamma"] / (gg.params["q"] - 1)
    lo, hi = np.minimum(rep["m"], population), np.maximum(rep["m"], population)
    assert ((value >= lo - 1e-9) & (value <= hi + 1e-9)).all()
    assert models.gamma_gamma_expected_value(gg.values(), 0, np.nan) == pytest.approx(population)
    assert np.isnan(models.gamma_gamma_expected_value((1.0, 0.9, 10.0), [1], [5.0])).all()  # q <= 1: no mean


def test_p_alive_and_expectations_match_the_simulation(simulated):
    truth, sim = simulated
    rep = sim[sim["x"] > 0]
    p_alive = models.bgnbd_p_alive(truth, rep["x"], rep["t_x"], rep["T"])
    assert p_alive.mean() == pytest.approx(rep["alive"].mean(), abs=0.02)
    assert (models.bgnbd_p_alive(truth, [0, 0], [0, 0], [5, 500]) == 1).all()  # no repeat: never dropped out
    # a new customer's expected purchases in t days = the simulated mean of x at T = t
    new = models.simulate_bgnbd(40_000, truth, 200.0, seed=5)
    expected = models.bgnbd_expected_purchases(truth, 0, 0, 0, 200.0)[()]
    assert new["x"].mean() == pytest.approx(expected, rel=0.03)


def test_fit_refuses_impossible_summaries():
    with pytest.raises(ValueError, match="t_x <= T"):
        models.fit_bgnbd([1], [5], [3])
    with pytest.raises(ValueError, match="at least one customer"):
        models.fit_bgnbd([], [], [])
    with pytest.raises(ValueError, match="at least two customers"):
        models.fit_gamma_gamma([1, 0], [10.0, 5.0])


def test_distinct_rows_rebuild_every_row_in_order_of_first_appearance():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 4, 5000).astype(float)
    t_x = rng.integers(0, 30, 5000).astype(float)
    T = np.where(rng.random(5000) < 0.01, np.nan, rng.integers(30, 60, 5000).astype(float))
    (ux, ut, uT), codes = models.distinct_rows(x, t_x, T)
    np.testing.assert_array_equal(ux[codes], x)
    np.testing.assert_array_equal(ut[codes], t_x)
    np.testing.assert_array_equal(uT[codes], T)  # NaN is one value of its own, as the rows it stands for
    rows = list(zip(x, t_x, np.nan_to_num(T, nan=-1.0), strict=True))
    assert list(zip(ux, ut, np.nan_to_num(uT, nan=-1.0), strict=True)) == list(dict.fromkeys(rows))
    assert [len(v) for v in models.distinct_rows(np.array([]), np.array([]))[0]] == [0, 0]
    (_, _), weights = models.compress_rows(np.array([1.0, 1.0, 2.0]), np.array([3.0, 3.0, 3.0]))
    assert weights.tolist() == [2.0, 1.0]


# Fader, Hardie & Lee (2005) eq. 10, E[Y(180) | x, t_x, T], evaluated with mpmath at 60 digits
# (its hypergeometric function and the cancellation in 1 - (...) 2F1 need them).
HIGH_PRECISION = [
    ((0.5, 30.0, 9e-7, 14228.0), 0, 0, 300, 0.27272727272021552),
    ((0.5, 30.0, 9e-7, 14228.0), 40, 300, 330, 20.24999994342594),
    ((0.5, 30.0, 9e-7, 14228.0), 1500, 340, 340, 729.9729579061329),
    ((0.3, 20.0, 2.0, 3000.0), 5, 100, 300, 2.6575262130429377),
    ((0.3, 20.0, 2.0, 3000.0), 1200, 200, 300, 5.8236619650574344e-190),
    ((0.2426, 30.9, 0.7929, 2.4258), 2000, 300, 300, 908.87301568458685),
]


@pytest.mark.parametrize("params, x, t_x, T, expected", HIGH_PRECISION)
def test_expected_purchases_stay_exact_where_b_plus_x_is_large(params, x, t_x, T, expected):
    """b + x past about 1,020 made scipy's Gauss-Jacobi nodes overflow: NaN predictions (Online
    Retail's hold-out fit has a ~ 1e-6, b ~ 14,000) and RuntimeWarnings in the report."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        got = models.bgnbd_expected_purchases(params, x, t_x, T, 180.0)
    assert float(got) == pytest.approx(expected, rel=1e-10)


def test_beta_nodes_integrate_the_beta_moments_for_any_parameters():
    for a, b in ((0.7929, 2.4258), (9e-7, 14228.0), (3.0, 1e6), (1.0, 1.0)):
        p, w = models._beta_nodes(48, a, b)
        assert np.all((p >= 0) & (p <= 1)) and w.sum() == pytest.approx(1.0)
        mean = a / (a + b)
        var = a * b / ((a + b) ** 2 * (a + b + 1))
        assert w @ p == pytest.approx(mean, rel=1e-9)
        assert w @ (p - mean) ** 2 == pytest.approx(var, rel=1e-7)


def test_a_fit_on_customers_who_never_drop_out_says_it_did_not_converge():
    """a -> 0 and b -> infinity with a / b fixed fit such customers equally well: no standard
    errors, so the fit must say it did not converge (its predictions stay finite)."""
    sim = models.simulate_bgnbd(3000, (0.8, 60.0, 1e-6, 1e4), 200.0, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fit = models.fit_bgnbd(sim["x"], sim["t_x"], sim["T"])
        predicted = models.expected_grouped(fit.values(), *(sim[c].to_numpy(float) for c in ("x", "t_x", "T")), 180)
    assert not fit.converged and fit.message == models.FLAT
    assert models.why_not_converged(fit) == "flat"
    assert fit.params["b"] > 1000 and np.isfinite(predicted).all()
