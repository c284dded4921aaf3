"""Random draws several tables share: mean-one log-normal noise, distinct ids, refund reasons."""

from __future__ import annotations

import numpy as np


def _lognormal_noise(rng: np.random.Generator, sd: float, size) -> np.ndarray:
    """Mean-one log-normal noise."""
    return np.exp(rng.normal(0.0, sd, size) - sd**2 / 2)


def _unique_ids(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """``n`` distinct random integers in ``[low, high)`` (numeric-looking ids)."""
    ids = rng.integers(low, high, size=n)
    while len(np.unique(ids)) < n:  # astronomically rare; redraw the later duplicates
        _, first = np.unique(ids, return_index=True)
        dup = np.setdiff1d(np.arange(n), first)
        ids[dup] = rng.integers(low, high, size=len(dup))
    return ids


def _draw_reasons(rng: np.random.Generator, weights: tuple[float, ...], m: int) -> np.ndarray:
    """Refund reason indices drawn with the given weights."""
    cum = np.cumsum(weights) / sum(weights)
    return np.minimum(np.searchsorted(cum, rng.random(m), side="right"), len(weights) - 1)
