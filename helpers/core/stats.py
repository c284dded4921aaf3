"""Statistics every area uses: thin wrappers over statsmodels and scipy.

The wrappers add what a report needs around the library call: inputs as scalars, arrays or
Series (aligned like the metrics), NaN plus a note in both languages where an input cannot
give an answer (zero trials, successes outside 0..trials), and exact interval ends at 0/n
and n/n. The numbers themselves are the library's.

Rates and intervals: :func:`z_value`, :func:`wilson_interval`, :func:`rate_with_interval`.
Tests of variants (测款, A/B tests): :func:`two_proportion_test` (statsmodels
``proportions_ztest``), :func:`holm`, :func:`sample_size_per_variant` (statsmodels
``proportion_effectsize`` and ``normal_sample_size_one_tail``) and :func:`prob_best`. Rank
correlation: :func:`spearman_interval` (scipy ``spearmanr``).

Three pieces stay hand-written, each a few lines (``tests/core/test_stats.py`` proves they
give the numbers they should):

- :func:`holm`: statsmodels ``multipletests(method="holm")`` gives the same adjusted p-values
  to the last digit, but calls ``gc.collect()`` on every call (still in statsmodels 0.15; PR
  #8671 to drop it was closed): 0.2 to 0.5 s per call in a notebook or test process holding
  the shop's data, against microseconds for the same sort, products and running maximum here.
  A report adjusts once per product test, a simulation of A/A tests hundreds of times.
- :func:`prob_best`: neither scipy nor statsmodels has the probability that each of k
  variants has the highest rate. It is a Monte Carlo over the Beta posteriors with a fixed
  seed (reproducible reports); the exact value is a one-dimensional integral per variant
  (``scipy.integrate.quad`` of f_k(x) Π_j≠k F_j(x)), which needs break points around
  sharply peaked posteriors of large tests and is no more useful at the two digits shown.
- The interval of :func:`spearman_interval`: scipy gives the rank correlation but no
  interval for it (``pearsonr``'s interval uses the Pearson standard error 1/√(n-3)); the
  Fisher z interval with the Bonett-Wright standard error is one line.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from helpers.core.metrics.registry import _denominator_notes, _prepare, _warn, count_note
from helpers.core.notes import Note, note


def z_value(confidence: float) -> float:
    """Two-sided normal quantile of a confidence level: ``z_value(0.95) == 1.959963...``.

    Formula: Φ⁻¹(0.5 + confidence / 2), Φ the standard normal distribution function
    (``scipy.stats.norm.ppf``).
    """
    from scipy.stats import norm

    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    return float(norm.ppf(0.5 + confidence / 2))


def _wilson(successes: Any, trials: Any, confidence: float):
    from statsmodels.stats.proportion import proportion_confint

    (s, n), shape = _prepare(successes, trials)
    z_value(confidence)  # the same check of the level everywhere
    notes = _denominator_notes(n, "trials", "trials")
    invalid = (n > 0) & ((s < 0) | (s > n))
    if invalid.any():
        part = count_note(int(invalid.sum()), n.size, "value", "不在 0 到样本数之间", ("is", "are"))
        notes.append(Note(f"{part.zh} → NaN", f"{part.en} outside 0..trials -> NaN"))
    bad = ~(n > 0) | invalid | np.isnan(s)
    safe_n = np.where(bad, 1.0, n)
    safe_s = np.where(bad, 0.0, s)
    low, high = proportion_confint(safe_s, safe_n, alpha=1 - confidence, method="wilson")
    low = np.where(bad, np.nan, np.where(safe_s == 0, 0.0, low))  # exact ends, not 1e-17
    high = np.where(bad, np.nan, np.where(safe_s == safe_n, 1.0, high))
    rate = np.where(bad, np.nan, safe_s / safe_n)
    return rate, low, high, shape, notes


def wilson_interval(successes: Any, trials: Any, confidence: float = 0.95):
    """Wilson score interval of a rate (better than p ± z·se for small counts and rates).

    Formula: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), p = successes / trials
    (``statsmodels.stats.proportion.proportion_confint(method="wilson")``).

    Parameters
    ----------
    successes, trials : scalar, array or Series
        E.g. paid buyers and visitors.
    confidence : float
        0.95 for a 95% interval.

    Returns
    -------
    (low, high)
        Floats, arrays or Series (fractions). ``0/n`` gives low 0, ``n/n`` high 1. Zero or
        missing trials give NaN (with a note), as do successes outside ``0..trials``.
    """
    _, low, high, shape, notes = _wilson(successes, trials, confidence)
    _warn(Note(f"Wilson 区间（{confidence:.0%}）", f"Wilson interval ({confidence:.0%})"), notes)
    return shape(low, "low"), shape(high, "high")


def rate_with_interval(successes: Any, trials: Any, confidence: float = 0.95):
    """A rate with its Wilson interval (:func:`wilson_interval`).

    Returns
    -------
    dict or DataFrame
        ``{"rate", "low", "high"}`` (floats) for scalar input; otherwise a DataFrame with
        columns rate, low, high (index of the input Series). Zero trials give NaN with one
        note.
    """
    rate, low, high, shape, notes = _wilson(successes, trials, confidence)
    _warn(Note(f"比率及 Wilson 区间（{confidence:.0%}）", f"rate with Wilson interval ({confidence:.0%})"),
          notes)
    r, lo, hi = shape(rate), shape(low), shape(high)
    if isinstance(r, float):
        return {"rate": r, "low": lo, "high": hi}
    if isinstance(r, pd.Series):
        return pd.DataFrame({"rate": r, "low": lo, "high": hi}, index=r.index)
    return pd.DataFrame({"rate": r, "low": lo, "high": hi})


def day_dispersion(day_successes: pd.Series, day_trials: pd.Series) -> pd.DataFrame:
    """How much more a rate varies from day to day than chance alone would make it, per group.

    Pearson's dispersion of a quasi-binomial model: phi = X² / (D - 1) with
    X² = sum over days of (x_d - n_d p)² / (n_d p (1 - p)), p = sum x / sum n and D the days
    with trials; the same as ``statsmodels``' GLM Binomial fitted with ``scale="X2"`` (a test
    checks it). Floored at 1: no more spread than binomial, or fewer than two days.

    Parameters
    ----------
    day_successes, day_trials : Series indexed by (group, day), e.g. paid buyers and visitors
        per source and date.

    Returns
    -------
    DataFrame per group: dispersion (phi >= 1) and days (D).
    """
    frame = pd.DataFrame({"x": day_successes.astype(float), "n": day_trials.astype(float)})
    frame = frame[frame["n"] > 0]
    group = frame.index.get_level_values(0)
    p = frame.groupby(group)["x"].transform("sum") / frame.groupby(group)["n"].transform("sum")
    var = frame["n"] * p * (1 - p)
    term = ((frame["x"] - frame["n"] * p) ** 2 / var.where(var > 0)).fillna(0.0)
    chi2, days = term.groupby(group).sum(), term.groupby(group).size()
    phi = (chi2 / (days - 1).where(days > 1)).clip(lower=1.0).fillna(1.0)
    groups = pd.unique(day_successes.index.get_level_values(0))
    return pd.DataFrame({"dispersion": phi.reindex(groups, fill_value=1.0),
                         "days": days.reindex(groups, fill_value=0).astype(int)})


def overdispersed_interval(successes: Any, trials: Any, dispersion: Any, days: Any, confidence: float = 0.95):
    """Wilson interval of a rate whose days vary more than chance (:func:`day_dispersion`).

    The counts are deflated before the Wilson interval: effective trials n / k and successes
    x / k with k = phi (t_{D-1} / z)² (the design-effect adjustment of Korn and Graubard, 1998,
    with the t quantile of quasi-likelihood inference because phi is estimated from D days);
    the rate is unchanged and the interval about sqrt(k) times wider. With phi = 1 it is
    :func:`wilson_interval`. Real shops' conversion moves with the day (weather, a competitor's
    promotion, a ranking change): a binomial interval on the summed visitors is then too
    narrow and calls noise a change. Measured on simulated weeks with a 15% day effect, the
    80% Wilson interval covered the true rate 49% of the time, this one 80%; on binomial days
    both cover about 80% (tests/core/test_stats.py).

    Returns
    -------
    (low, high), as :func:`wilson_interval`.
    """
    from scipy import stats as st

    phi = np.asarray(dispersion, dtype=float)
    d = np.asarray(days, dtype=float)
    z = z_value(confidence)
    t = st.t.ppf(0.5 + confidence / 2, np.where(d > 1, d - 1, 1.0))
    k = np.where(phi > 1, phi * (t / z) ** 2, 1.0)
    if isinstance(successes, pd.Series):
        k = pd.Series(k, index=successes.index)
    return wilson_interval(successes / k, trials / k, confidence)


def two_proportion_test(s1: float, n1: float, s2: float, n2: float) -> dict[str, float]:
    """Pooled two-proportion z test of p2 = p1, two-sided (e.g. a variant against the control).

    Formula: z = (p2 - p1) / sqrt(p̂(1 - p̂)(1/n1 + 1/n2)), p̂ = (s1 + s2) / (n1 + n2),
    p-value = 2 (1 - Φ(|z|)) (``statsmodels.stats.proportion.proportions_ztest``, whose
    p-value is the normal survival function, exact in the tails where 1 - Φ loses digits).

    Parameters
    ----------
    s1, n1 : successes and trials of the first group (the control), e.g. clicks and impressions.
    s2, n2 : the same for the second group.

    Returns
    -------
    dict: z, p_value, difference (p2 - p1, a fraction). NaN when a group has no trials
    (with a note); z 0 and p-value 1 when the pooled rate is 0 or 1 (nothing varies).
    """
    from statsmodels.stats.proportion import proportions_ztest

    nan = float("nan")
    if not (n1 > 0 and n2 > 0):
        note("两比例检验：有一组没有样本 → NaN", "two-proportion test: a group has no trials -> NaN")
        return {"z": nan, "p_value": nan, "difference": nan}
    p1, p2, pooled = s1 / n1, s2 / n2, (s1 + s2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return {"z": 0.0, "p_value": 1.0, "difference": p2 - p1}
    z, p = proportions_ztest(np.array([s2, s1], dtype=float), np.array([n2, n1], dtype=float))
    return {"z": float(z), "p_value": float(p), "difference": p2 - p1}


def holm(p_values: Any) -> np.ndarray:
    """Holm step-down adjusted p-values; NaN stays NaN.

    Formula: with the m finite p-values sorted, p_(i) adjusted = min(1, max_{j<=i} (m - j + 1)
    p_(j)). Missing p-values (the control's) are neither adjusted nor counted in m. The same
    numbers as ``statsmodels.stats.multitest.multipletests(method="holm")`` (see the module
    docstring for why it is not called).

    Returns
    -------
    Array of the input's shape.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        order = np.argsort(p[ok], kind="stable")
        ranked = p[ok][order] * np.arange(ok.sum(), 0, -1)
        adjusted = np.empty_like(ranked)
        adjusted[order] = np.minimum(1.0, np.maximum.accumulate(ranked))
        out[ok] = adjusted
    return out


def sample_size_per_variant(baseline: float, lift: float, confidence: float = 0.95,
                            power: float = 0.8) -> float:
    """Trials per variant that detect a relative ``lift`` over a ``baseline`` rate (two-sided).

    Formula: n = 2 ((z_(1-α/2) + z_power) / h)², h = 2 asin √(baseline (1 + lift)) - 2 asin
    √baseline (Cohen's h: 2 asin √p has variance 1/n, a difference of two groups 2/n),
    rounded up. statsmodels ``proportion_effectsize`` gives h and
    ``normal_sample_size_one_tail(h, power, α/2, std_null=1)`` gives n / 2 in closed form.
    (``NormalIndPower.solve_power`` solves numerically and adds the power of the opposite
    tail, so it comes out about 2e-6 lower; the closed form is the planning rule.)

    Parameters
    ----------
    baseline : the control's rate, a fraction in (0, 1), e.g. a click rate of 0.03.
    lift : the relative change to detect, e.g. 0.1 for +10%.
    confidence : 1 - α of the two-sided test.
    power : the chance to detect the lift when it is real.

    Returns
    -------
    Trials (impressions for a click rate, clicks for orders per click) per variant, a whole
    number; NaN (with a note) when baseline or baseline x (1 + lift) is outside (0, 1) or
    the lift is 0.
    """
    from statsmodels.stats.power import normal_sample_size_one_tail
    from statsmodels.stats.proportion import proportion_effectsize

    target = baseline * (1 + lift)
    if not 0 < baseline < 1 or not 0 < target < 1 or lift == 0:
        note(f"样本量：基准 {baseline!r} 提升 {lift!r} 得不到 (0, 1) 之间的一对比率 → NaN",
             f"sample size: baseline {baseline!r} with lift {lift!r} is not a rate pair in (0, 1) -> NaN")
        return float("nan")
    h = abs(float(proportion_effectsize(target, baseline)))
    half = normal_sample_size_one_tail(h, power, (1 - confidence) / 2)
    return float(math.ceil(2 * half))


def spearman_interval(x: Any, y: Any, confidence: float = 0.95) -> dict[str, float]:
    """Spearman rank correlation with a Fisher z interval (Bonett-Wright standard error).

    Formula: rho = Pearson correlation of the average ranks (``scipy.stats.spearmanr``);
    z = atanh(rho), se = sqrt((1 + rho²/2) / (n - 3)); the interval is tanh(z ± z_(1-α/2) se).
    Pairs with a missing value are left out.

    Returns
    -------
    dict: rho, low, high (correlations in [-1, 1]), n (pairs used). NaN with fewer than 4
    pairs or when x or y does not vary (with a note).
    """
    from scipy.stats import spearmanr

    x, y = pd.Series(np.asarray(x, dtype=float)), pd.Series(np.asarray(y, dtype=float))
    ok = x.notna() & y.notna()
    n = int(ok.sum())
    nan = float("nan")
    if n < 4 or x[ok].nunique() < 2 or y[ok].nunique() < 2:
        note(f"秩相关需要至少 4 对有变化的数据，只有 {n} 对 → NaN",
             f"rank correlation needs 4+ pairs that vary; got {n} -> NaN")
        return {"rho": nan, "low": nan, "high": nan, "n": n}
    rho = float(spearmanr(x[ok].to_numpy(), y[ok].to_numpy()).statistic)
    r = min(max(rho, -0.999999), 0.999999)  # atanh(±1) is infinite
    se = math.sqrt((1 + r * r / 2) / (n - 3))
    z = math.atanh(r)
    half = z_value(confidence) * se
    return {"rho": rho, "low": math.tanh(z - half), "high": math.tanh(z + half), "n": n}


def prob_best(successes: Any, trials: Any, draws: int = 20_000, seed: int = 0) -> np.ndarray:
    """Posterior probability that each variant has the highest rate (Beta(1, 1) priors).

    Formula: P(best_k) = P(θ_k = max_j θ_j), θ_j ~ Beta(1 + s_j, 1 + n_j - s_j), estimated
    from ``draws`` joint posterior draws with a fixed ``seed`` (the same report every run;
    the Monte Carlo standard error is at most 0.5 / √draws, 0.0035 at 20,000 draws).
    A variant without trials keeps the flat prior (it can still come out best by chance:
    noted).

    Returns
    -------
    Array of probabilities (fractions summing to 1), one per variant.
    """
    s, n = np.asarray(successes, dtype=float), np.asarray(trials, dtype=float)
    empty = int((n <= 0).sum())
    if empty:
        note(f"{empty} 个版本没有样本：其最优概率只来自先验",
             f"{empty} variant(s) without trials: their P(best) comes from the prior alone")
    rng = np.random.default_rng(seed)
    samples = rng.beta(1 + s[:, None], 1 + np.clip(n - s, 0, None)[:, None], size=(len(s), draws))
    return np.bincount(samples.argmax(0), minlength=len(s)) / draws
