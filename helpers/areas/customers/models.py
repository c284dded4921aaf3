"""The lifetime models: BG/NBD (how often a customer buys, and whether they have stopped) and
Gamma-Gamma (how much they spend per purchase), fitted by maximum likelihood.

Written by hand, on purpose: no library installed here fits them, and the two that would
are weaker for this report. ``lifetimes`` (unmaintained, last release 2020) computes BG/NBD's
expected purchases with the hypergeometric function 2F1, which loses accuracy for customers
with many purchases; ``pymc-marketing`` fits with PyMC (sampling or MAP), a heavy dependency
for a fit that takes seconds here. Here:

- the BG/NBD likelihood is evaluated in log space (gammaln, betaln, logaddexp) without
  the hypergeometric function, and the expected purchases by Gauss-Jacobi quadrature
  (:func:`bgnbd_expected_purchases`, equal to Fader, Hardie & Lee's eq. 10 where that is
  accurate, and accurate where it is not);
- identical (x, t_x, T) rows are fitted once with their count as a weight: a million
  customers with day-level times fit in seconds;
- the gradients are analytic, and the standard errors and 95% intervals come from the
  Hessian (:class:`ModelFit`);
- Gamma-Gamma's density is scipy's beta prime distribution (the mean of x Gamma(p, ν)
  values with ν ~ Gamma(q, γ) is x⁻¹ times a beta prime (px, q, scale γ) variable), its
  gradient by hand.

Checked against published results: on the CDNOW sample (2,357 customers, 39 weeks) the
fits reproduce Fader, Hardie & Lee (2005), BG/NBD r = 0.2426, alpha = 4.4135, a = 0.7929,
b = 2.4258 (log-likelihood -9582.43; published 0.243, 4.414, 0.793, 2.426, -9582.4), and
Fader & Hardie (2013), Gamma-Gamma p = 6.250, q = 3.744, gamma = 15.444 on the 946 repeat
customers (published 6.25, 3.74, 15.44). The tests use simulated customers and the sample
generator's truth instead, so they run without that data.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.stats import z_value

BGNBD_PARAMS = ("r", "alpha", "a", "b")
GG_PARAMS = ("p", "q", "gamma")
_LOG_BOUND = 18.0  # parameters are fitted on the log scale, within exp(+-18)
#: :attr:`ModelFit.message` of a fit with a parameter at its bound.
AT_BOUND = "a parameter reached its bound (the data cannot pin it down)"
#: :attr:`ModelFit.message` of a fit whose likelihood is flat along some direction (the
#: Hessian is not invertible, so there are no standard errors): e.g. BG/NBD on customers who
#: hardly ever drop out, where a -> 0 and b -> infinity with a / b fixed fit equally well.
FLAT = "the likelihood is flat in some direction, so there are no standard errors (the data cannot pin it down)"

#: Why a fit did not converge: the key (evidence of a finding) for each :attr:`ModelFit.message`.
_WHY = {AT_BOUND: "at_bound", FLAT: "flat"}
def why_not_converged(fit: ModelFit) -> str:
    """Why ``fit`` did not converge: ``at_bound``, ``flat`` or ``optimizer`` (its words are the
    labels ``not_converged_<key>``)."""
    return _WHY.get(fit.message, "optimizer")


@dataclass(frozen=True)
class ModelFit:
    """A maximum-likelihood fit: estimates, standard errors (from the Hessian) and 95% intervals.

    Intervals are Wald intervals on the log scale, ``estimate * exp(+-z * se_log)`` with
    z = Φ⁻¹(0.975), so they stay positive; ``se`` is the delta-method standard error on the
    natural scale, ``estimate * se_log``.
    """

    model: str
    params: dict[str, float]
    se: dict[str, float]
    low: dict[str, float]
    high: dict[str, float]
    loglik: float
    n: int
    converged: bool
    message: str = ""
    cov_log: np.ndarray | None = field(default=None, repr=False, compare=False)

    def values(self) -> np.ndarray:
        """The estimates as an array, in the model's parameter order."""
        return np.array(list(self.params.values()), dtype=float)

    def table(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals, one row per parameter."""
        return pd.DataFrame({"estimate": self.params, "se": self.se, "low": self.low, "high": self.high})


def _arrays(*values: Any) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


def _bgnbd_terms(params: Any, x: np.ndarray, t_x: np.ndarray, T: np.ndarray):
    """log A1, log A2 and log A3 of the BG/NBD likelihood (A3 = 0, log -inf, when x = 0)."""
    from scipy import special

    r, alpha, a, b = (float(v) for v in params)
    x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, T))
    rep = x > 0
    ln_a1 = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha)
    ln_a2 = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
    ln_a3 = np.full(x.shape, -np.inf)
    ln_a3[rep] = (special.betaln(a + 1, b + x[rep] - 1) - special.betaln(a, b)
                  - (r + x[rep]) * np.log(alpha + t_x[rep]))
    return ln_a1, ln_a2, ln_a3


def bgnbd_loglik(params: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Log-likelihood of each customer under BG/NBD (Fader, Hardie & Lee 2005, eq. 6).

    L = A1 (A2 + [x > 0] A3) with
    A1 = G(r+x) alpha^r / G(r), A2 = B(a, b+x) / B(a, b) / (alpha+T)^(r+x),
    A3 = B(a+1, b+x-1) / B(a, b) / (alpha+t_x)^(r+x) (G the gamma function, B the beta
    function), evaluated in log space (gammaln, betaln, logaddexp), with no
    hypergeometric function.

    Parameters
    ----------
    params : (r, alpha, a, b), all > 0; alpha in the time unit of t_x and T.
    x : repeat purchases; t_x : time of the last purchase since the first; T : time
        from the first purchase to the end of observation (t_x <= T).

    Returns
    -------
    ndarray of log-likelihoods, one per customer.
    """
    ln_a1, ln_a2, ln_a3 = _bgnbd_terms(params, *_arrays(x, t_x, T))
    return ln_a1 + np.logaddexp(ln_a2, ln_a3)


def _bgnbd_grad(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                w: np.ndarray) -> tuple[float, np.ndarray]:
    """Weighted total log-likelihood and its gradient with respect to (r, alpha, a, b)."""
    from scipy import special

    r, alpha, a, b = params
    dg = special.digamma
    rep = x > 0
    ln_a1, ln_a2, ln_a3 = _bgnbd_terms(params, x, t_x, T)
    ln_sum = np.logaddexp(ln_a2, ln_a3)
    w3 = np.exp(ln_a3 - ln_sum)  # share of the likelihood from "dropped out after the last purchase"
    w2 = 1.0 - w3
    d_r = dg(r + x) - dg(r) + np.log(alpha) - w2 * np.log(alpha + T) - w3 * np.log(alpha + t_x)
    d_alpha = r / alpha - w2 * (r + x) / (alpha + T) - w3 * (r + x) / (alpha + t_x)
    common = dg(a + b) - dg(a + b + x)
    d_a = w2 * common + w3 * (dg(a + 1) + common - dg(a))
    d_b = w2 * (dg(b + x) + common - dg(b)) + w3 * np.where(rep, dg(np.where(rep, b + x - 1, 1.0)) + common - dg(b), 0.0)
    grad = np.array([np.dot(w, g) for g in (d_r, d_alpha, d_a, d_b)])
    return float(np.dot(w, ln_a1 + ln_sum)), grad


def gamma_gamma_loglik(params: Any, x: Any, m: Any) -> np.ndarray:
    """Log-likelihood of each customer's mean spend under Gamma-Gamma (Fader & Hardie 2013).

    The density of the mean m of x purchase values, each Gamma(p, nu), nu ~ Gamma(q, gamma):
    f = G(px+q) / (G(px) G(q)) * gamma^q m^(px-1) x^(px) / (gamma + x m)^(px+q),
    i.e. x times the beta prime density of x m with shapes (px, q) and scale gamma
    (``scipy.stats.betaprime``).

    Parameters
    ----------
    params : (p, q, gamma), all > 0; gamma in yuan.
    x : purchases averaged (>= 1); m : their mean value (> 0, yuan).
    """
    from scipy.stats import betaprime

    p, q, g = (float(v) for v in params)
    x, m = _arrays(x, m)
    return betaprime.logpdf(x * m, p * x, q, scale=g) + np.log(x)


def _gg_grad(params: np.ndarray, x: np.ndarray, m: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    from scipy import special

    p, q, g = params
    dg = special.digamma
    px = p * x
    ll = gamma_gamma_loglik(params, x, m)
    d_p = x * (dg(px + q) - dg(px) + np.log(m) + np.log(x) - np.log(g + x * m))
    d_q = dg(px + q) - dg(q) + np.log(g) - np.log(g + x * m)
    d_g = q / g - (px + q) / (g + x * m)
    return float(np.dot(w, ll)), np.array([np.dot(w, d) for d in (d_p, d_q, d_g)])


def distinct_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns (hashed, O(n)) and, for each input row, its distinct row.

    Distinct rows come in the order of their first appearance. Each column is factorized on
    its own and the codes combined pairwise (a MultiIndex's factorize builds a tuple per
    row: seconds per million customers).
    """
    arrays = [np.asarray(c, dtype=float) for c in columns]
    codes = np.zeros(len(arrays[0]), dtype=np.int64)
    for values in arrays:
        level, uniques = pd.factorize(values, use_na_sentinel=False)
        codes, _ = pd.factorize(codes * len(uniques) + level)  # < rows**2: no overflow below 3 billion rows
    first = np.unique(codes, return_index=True)[1]
    return [values[first] for values in arrays], codes.astype(np.intp)


def compress_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns and how often each occurs (the likelihood is a weighted sum)."""
    unique, codes = distinct_rows(*columns)
    return unique, np.bincount(codes, minlength=len(unique[0])).astype(float)


def _fit(model: str, names: tuple[str, ...], grad_fn, data: list[np.ndarray], w: np.ndarray,
         start: np.ndarray) -> ModelFit:
    """Maximise a log-likelihood over log-parameters (L-BFGS-B, analytic gradient); SEs from the Hessian."""
    from scipy import optimize

    n = int(round(w.sum()))

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean negative log-likelihood per customer and its gradient in log-parameters."""
        params = np.exp(theta)
        with np.errstate(all="ignore"):
            ll, grad = grad_fn(params, *data, w)
        if not np.isfinite(ll) or not np.all(np.isfinite(grad)):
            return 1e300, np.zeros_like(theta)
        return -ll / n, -grad * params / n

    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(names)
    best = None
    for shift in (0.0, 1.0, -1.0):
        res = optimize.minimize(objective, np.log(start) + shift, jac=True, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9})
        if best is None or res.fun < best.fun - 1e-12:
            best = res
        if res.success and np.max(np.abs(res.jac)) < 1e-6:
            break
    theta = best.x
    # Hessian of the negative total log-likelihood in log-parameters (central differences of
    # the analytic gradient); its inverse is the covariance of the log-parameters.
    k = len(theta)
    hess = np.zeros((k, k))
    for i in range(k):
        step = np.zeros(k)
        step[i] = 1e-4
        g_plus = objective(theta + step)[1]
        g_minus = objective(theta - step)[1]
        hess[:, i] = (g_plus - g_minus) / 2e-4 * n
    hess = (hess + hess.T) / 2
    try:
        cov = np.linalg.inv(hess)
        se_log = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
    except np.linalg.LinAlgError:
        cov, se_log = None, np.full(k, np.nan)
    est = np.exp(theta)
    at_bound = np.any(np.abs(theta) >= _LOG_BOUND - 1e-6)
    flat = not np.all(np.isfinite(se_log))
    converged = bool(best.success and not at_bound and not flat)
    message = AT_BOUND if at_bound else FLAT if flat else str(best.message)
    z = z_value(0.95)
    with np.errstate(over="ignore"):  # a huge se_log gives an interval up to inf, which is what it means
        low, high = est * np.exp(-z * se_log), est * np.exp(z * se_log)
    return ModelFit(
        model=model,
        params=dict(zip(names, est.tolist(), strict=True)),
        se=dict(zip(names, (est * se_log).tolist(), strict=True)),
        low=dict(zip(names, low.tolist(), strict=True)),
        high=dict(zip(names, high.tolist(), strict=True)),
        loglik=-best.fun * n,
        n=n,
        converged=converged,
        message=message,
        cov_log=cov,
    )


def fit_bgnbd(x: Any, t_x: Any, T: Any) -> ModelFit:
    """Fit BG/NBD by maximum likelihood (Fader, Hardie & Lee 2005).

    Purchases of an active customer follow a Poisson process with rate lambda ~
    Gamma(r, alpha); after each purchase the customer drops out with probability
    p ~ Beta(a, b). Identical (x, t_x, T) rows are grouped, so a million customers with
    day-level times fit in seconds.

    Parameters
    ----------
    x, t_x, T : per-customer summary (see :func:`.purchases.summarize_customers`), time in days.

    Returns
    -------
    ModelFit with r, alpha (days), a, b, standard errors and 95% intervals.

    Raises
    ------
    ValueError
        when there are no customers, or t_x > T, or negative values.
    """
    x, t_x, T = _arrays(x, t_x, T)
    if x.size == 0:
        raise ValueError("BG/NBD needs at least one customer; the period has no purchases")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T + 1e-9) or np.any(~np.isfinite(T)):
        raise ValueError("BG/NBD summary must have x >= 0 and 0 <= t_x <= T")
    (ux, ut, uT), w = compress_rows(x, t_x, T)
    start = np.array([1.0, max(float(np.mean(T)), 1.0), 1.0, 1.0])
    return _fit("BG/NBD", BGNBD_PARAMS, _bgnbd_grad, [ux, ut, uT], w, start)


def fit_gamma_gamma(x: Any, m: Any) -> ModelFit:
    """Fit the Gamma-Gamma spend model by maximum likelihood (Fader & Hardie 2013).

    Parameters
    ----------
    x : repeat purchases per customer (only customers with x >= 1 and m > 0 are used).
    m : mean value of those purchases, yuan.

    Returns
    -------
    ModelFit with p, q, gamma (yuan).
    """
    x, m = _arrays(x, m)
    keep = (x >= 1) & (m > 0) & np.isfinite(m)
    if keep.sum() < 2:
        raise ValueError("Gamma-Gamma needs at least two customers with a repeat purchase of positive value")
    (ux, um), w = compress_rows(x[keep], m[keep])
    start = np.array([1.0, 2.0, float(np.mean(m[keep]))])
    return _fit("Gamma-Gamma", GG_PARAMS, _gg_grad, [ux, um], w, start)


def bgnbd_p_alive(params: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Probability that each customer is still active at T (Fader, Hardie & Lee 2005, eq. 11).

    P(alive) = 1 / (1 + [x > 0] a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)); a customer
    with no repeat purchase has P(alive) = 1 under BG/NBD (dropout happens only after a
    purchase).
    """
    from scipy import special

    r, alpha, a, b = (float(v) for v in params)
    x, t_x, T = np.broadcast_arrays(*_arrays(x, t_x, T))
    z = np.full(x.shape, -np.inf)
    rep = x > 0
    z[rep] = (math.log(a) - np.log(b + x[rep] - 1)
              + (r + x[rep]) * (np.log(alpha + T[rep]) - np.log(alpha + t_x[rep])))
    return special.expit(-z)


def bgnbd_expected_purchases(params: Any, x: Any, t_x: Any, T: Any, t: float, nodes: int = 48) -> np.ndarray:
    """Expected purchases of each customer in the next ``t`` days, given their history.

    E[Y(t) | x, t_x, T] = P(alive) * E_p[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p],
    p ~ Beta(a, b+x) (the dropout probability of a customer still active). The integral is
    done by Gauss-Jacobi quadrature (exact weight p^(a-1) (1-p)^(b+x-1)), which equals
    Fader, Hardie & Lee's eq. 10 without its hypergeometric function (which loses
    accuracy for large x). ``t = 0`` gives 0; a new customer (x = t_x = T = 0) gives the
    unconditional expectation E[X(t)].
    """

    x, t_x, T = (v.astype(float) for v in np.broadcast_arrays(*_arrays(x, t_x, T)))
    if t < 0:
        raise ValueError(f"horizon t={t} must be >= 0")
    out = np.zeros(x.shape)
    if t == 0 or x.size == 0:
        return out
    return bgnbd_p_alive(params, x, t_x, T) * purchases_if_alive(params, x, T, t, nodes)


def purchases_if_alive(params: Any, x: np.ndarray, T: np.ndarray, t: float, nodes: int = 48) -> np.ndarray:
    """E[Y(t) | alive, x, T]: the quadrature part of :func:`bgnbd_expected_purchases` (no t_x in it)."""
    r, alpha, a, b = (float(v) for v in params)
    flat_x, flat_T = x.ravel(), T.ravel()
    result = np.empty(flat_x.shape)
    for xv in np.unique(flat_x):
        idx = np.nonzero(flat_x == xv)[0]
        p_nodes, wts = _beta_nodes(nodes, a, b + xv)
        scale = t / (alpha + flat_T[idx])
        # (1 - (1 + p*s)^-(r+x)) / p, stable for small p*s; (r+x) s in the limit p = 0
        ps = np.outer(scale, p_nodes)
        safe = np.where(p_nodes > 0, p_nodes, 1.0)
        g = np.where(p_nodes > 0, -np.expm1(-(r + xv) * np.log1p(ps)) / safe, (r + xv) * scale[:, None])
        result[idx] = g @ wts
    return result.reshape(x.shape)


@functools.lru_cache(maxsize=4096)
def _beta_nodes(nodes: int, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Gauss nodes on [0, 1] and weights (summing to 1) for the Beta(a, b) density, any a, b > 0.

    Golub-Welsch: the nodes are the eigenvalues of the Jacobi matrix of the polynomials
    orthogonal under Beta(a, b), the weights the squared first components of its
    eigenvectors. The matrix's entries, with k = 0, 1, ...,

    diagonal_k = [2k (k+a+b-1) + a (a+b-2)] / [(2k+a+b-2) (2k+a+b)]   (a / (a+b) at k = 0),
    off_k² = k (k+a-1) (k+b-1) (k+a+b-2) / [(2k+a+b-2)² (2k+a+b-1) (2k+a+b-3)]
             (a b / [(a+b)² (a+b+1)] at k = 1, the variance),

    are ratios of terms of order k + a + b, so they stay finite for any parameters; written
    for p in [0, 1] directly, the nodes near 0 keep their digits. scipy's ``roots_jacobi``
    scales by 2^(a+b) and returns NaN once a + b passes about 1,020 (a dropout model with
    b + x that large: Online Retail's fit has b ≈ 14,000).
    """
    from scipy.linalg import eigh_tridiagonal

    k = np.arange(nodes, dtype=float)
    s = 2 * k + a + b
    diag = np.empty(nodes)
    diag[0] = a / (a + b)
    diag[1:] = (2 * k[1:] * (k[1:] + a + b - 1) + a * (a + b - 2)) / ((s[1:] - 2) * s[1:])
    j = k[1:]
    off2 = np.empty(nodes - 1)
    if nodes > 1:
        off2[0] = a * b / ((a + b) ** 2 * (a + b + 1))
        j2, s2 = j[1:], s[2:]
        off2[1:] = j2 * (j2 + a - 1) * (j2 + b - 1) * (j2 + a + b - 2) / ((s2 - 2) ** 2 * (s2 - 1) * (s2 - 3))
    p, vectors = eigh_tridiagonal(diag, np.sqrt(off2))
    wts = vectors[0] ** 2
    # rounding can put a node a hair below 0 (its distance from 0 is then below 1e-16)
    return np.clip(p, 0.0, 1.0), wts / wts.sum()


def expected_grouped(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, t: float) -> np.ndarray:
    """:func:`bgnbd_expected_purchases` computed once per distinct (x, t_x, T)."""
    if len(x) == 0:
        return np.zeros(0)
    (ux, ut, uT), codes = distinct_rows(x, t_x, T)
    return bgnbd_expected_purchases(params, ux, ut, uT, t)[codes]


def gamma_gamma_expected_value(params: Any, x: Any, m: Any) -> np.ndarray:
    """Expected value of a customer's future purchases (yuan per purchase), Gamma-Gamma.

    E[M | x, m] = (gamma + x m) p / (p x + q - 1): a weighted mean of the population mean
    p gamma / (q - 1) and the customer's own mean m, with weight p x / (p x + q - 1) on m.
    Customers without repeat purchases (x = 0 or m missing) get the population mean.
    NaN when q <= 1 (the mean does not exist).
    """
    p, q, g = (float(v) for v in params)
    x, m = np.broadcast_arrays(*_arrays(x, m))
    if q <= 1:
        return np.full(x.shape, np.nan)
    known = (x > 0) & np.isfinite(m) & (m > 0)
    xs = np.where(known, x, 0.0)
    ms = np.where(known, m, 0.0)
    return (g + xs * ms) * p / (p * xs + q - 1)


def simulate_bgnbd(n: int, params: Any, T: Any, seed: int = 0, spend: Any = None) -> pd.DataFrame:
    """Simulate customers from BG/NBD (and optionally Gamma-Gamma spend), to test the fits against known parameters.

    Parameters
    ----------
    n : customers.
    params : (r, alpha, a, b); time unit of ``T``.
    T : observation length per customer (scalar or array of n).
    seed : random seed.
    spend : (p, q, gamma) to also draw purchase values; None for no values.

    Returns
    -------
    Frame with x, t_x, T, lam, p_drop, alive (still active at T) and, with spend, m
    (mean value of the repeat purchases) and nu (the customer's true mean spend is p / nu).
    """
    rng = np.random.default_rng(seed)
    r, alpha, a, b = (float(v) for v in params)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n)
    p_drop = rng.beta(a, b, n)
    x = np.zeros(n, dtype=np.int64)
    t_x = np.zeros(n)
    now = np.zeros(n)
    active = np.ones(n, dtype=bool)  # still in the observation window and not dropped out
    alive = np.ones(n, dtype=bool)
    while active.any():
        idx = np.nonzero(active)[0]
        gap = rng.exponential(1.0, idx.size) / lam[idx]
        when = now[idx] + gap
        inside = when <= T[idx]
        done = idx[~inside]
        active[done] = False
        hit = idx[inside]
        now[hit] = when[inside]
        x[hit] += 1
        t_x[hit] = now[hit]
        drop = rng.random(hit.size) < p_drop[hit]
        active[hit[drop]] = False
        alive[hit[drop]] = False
    out = pd.DataFrame({"x": x, "t_x": t_x, "T": T, "lam": lam, "p_drop": p_drop, "alive": alive})
    if spend is not None:
        p, q, g = (float(v) for v in spend)
        nu = rng.gamma(q, 1.0 / g, n)
        total = rng.gamma(np.maximum(p * x, 1e-12), 1.0 / nu)
        out["m"] = np.where(x > 0, total / np.maximum(x, 1), np.nan)
        out["nu"] = nu
    return out
