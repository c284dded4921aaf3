"""The notebook's own parameters (confidence, scorecard weights, test and stock thresholds),
checked before any analysis runs: a ValueError names the parameter and the fix."""

from __future__ import annotations

import numpy as np

#: Scorecard weights of the four signals (normalised to sum 1 by :func:`check_weights`).
DEFAULT_WEIGHTS = {"demand": 0.4, "competition": 0.15, "margin": 0.2, "attractiveness": 0.25}


def check_options(*, confidence: float = 0.95, weights: dict[str, float] | None = None, mde: float = 0.1,
                  min_pair_orders: int = 10, slow_days: int = 90, min_margin: float = 0.15,
                  hot_weeks: int = 4) -> None:
    """Check the product notebook's parameters.

    Parameters
    ----------
    confidence : level of intervals and test decisions, in [0.5, 1).
    weights : scorecard weights (:func:`check_weights`).
    mde : smallest relative lift a product test should detect, above 0 (0.1 = +10%).
    min_pair_orders, slow_days, hot_weeks : whole numbers >= 1.
    min_margin : contribution margin, a fraction in (-1, 1).

    Raises
    ------
    ValueError naming the parameter and a valid value.
    """
    if not isinstance(confidence, int | float) or not 0.5 <= confidence < 1:
        raise ValueError(f"parameter confidence={confidence!r} must be between 0.5 and 1, e.g. 0.95")
    if not isinstance(mde, int | float) or not 0 < mde < 5:
        raise ValueError(f"parameter mde={mde!r} must be a relative effect above 0, e.g. 0.1 for +10%")
    if not isinstance(min_margin, int | float) or not -1 < min_margin < 1:
        raise ValueError(f"parameter min_margin={min_margin!r} must be a fraction, e.g. 0.15")
    for name, value in (("min_pair_orders", min_pair_orders), ("slow_days", slow_days), ("hot_weeks", hot_weeks)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
            raise ValueError(f"parameter {name}={value!r} must be a whole number >= 1")
    check_weights(weights or DEFAULT_WEIGHTS)


def check_weights(weights: dict[str, float]) -> dict[str, float]:
    """Scorecard weights normalised to sum 1 (a missing signal weighs 0).

    Raises
    ------
    ValueError for an unknown signal, a negative weight or weights summing to 0.
    """
    unknown = set(weights) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise ValueError(f"unknown scorecard weight(s) {sorted(unknown)}; use {sorted(DEFAULT_WEIGHTS)}")
    w = {k: weights.get(k, 0.0) for k in DEFAULT_WEIGHTS}
    if any(not isinstance(v, int | float) or v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise ValueError(f"scorecard weights {weights} must be >= 0 with a positive sum, e.g. weight_demand=0.4")
    total = sum(w.values())
    return {k: v / total for k, v in w.items()}
