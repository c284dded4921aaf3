"""Statistics every area uses: thin wrappers over statsmodels and scipy.

The wrappers add what a report needs around the library call: inputs as scalars, arrays or
Series (aligned like the metrics), NaN plus a note in both languages where an input cannot
give an answer (zero trials, successes outside 0..trials), and exact interval ends at 0/n
and n/n. The numbers themselves are the library's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.core.metrics.registry import _denominator_notes, _prepare, _warn, count_note
from helpers.core.notes import Note


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
