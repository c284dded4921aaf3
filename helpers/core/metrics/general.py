"""General metrics (change, share) and one rate over several days with its method stated."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from helpers import i18n
from helpers.core.metrics.registry import (
    _RETURNS_FRACTION,
    METRICS,
    _divide,
    _doc,
    _prepare,
    _rate,
    _warn,
    count_note,
    metric,
)
from helpers.core.notes import Note


@metric(
    key="change",
    unit="%",
    formula="(本期 - 上期) / |上期| ((current - previous) / |previous|)",
    area="general",
    notes="环比 (vs. previous period) or 同比 (vs. same period last year) is the caller's choice "
    "and the label's job. A base of 0 gives NaN (growth from nothing is undefined). Dividing by "
    "|previous| keeps the sign meaning up/down when the base is negative (e.g. a loss).",
)
@_doc(_RETURNS_FRACTION)
def change(current, previous):
    """Relative change 变化率 (环比 / 同比).

    Formula: (本期 - 上期) / |上期| ((current - previous) / |previous|)

    Parameters
    ----------
    current : scalar, array or Series
        Value of this period.
    previous : scalar, array or Series
        Value of the comparison period (上期 or 去年同期).
    """
    (c, p), shape = _prepare(current, previous)
    value, notes = _divide(c - p, np.abs(p), "previous", name="change")
    _warn("change", notes)
    return shape(value, "change")


@metric(
    key="share",
    unit="%",
    formula="部分 / 合计 (part / total)",
    area="general",
    notes="Without `total` the total is the sum of `part` (missing values skipped).",
)
@_doc(_RETURNS_FRACTION)
def share(part, total=None):
    """Share of a total 占比.

    Formula: 部分 / 合计 (part / total)

    Parameters
    ----------
    part : scalar, array or Series
        The part.
    total : scalar, array or Series, optional
        The total; defaults to the sum of ``part`` (which must then be an array or Series).
    """
    if total is None:
        (p,), _ = _prepare(part)
        if p.ndim == 0:
            raise TypeError("share(part) without total needs an array or Series")
        total = float(np.nansum(p))
    return _rate("share", part, total, "total")


# --------------------------------------------------------------------------- multi-day rates

# method -> its definition in docs/metrics.md (names: the labels ``method_<method>``)
_METHODS = {
    "pooled": {
        "doc": "sum of the numerators / sum of the denominators over the days. Each visitor-day "
        "weighs the same; busy days weigh more.",
    },
    "daily_mean": {
        "doc": "mean of the daily rates over the days with a non-zero denominator. Each day "
        "weighs the same, so quiet days weigh as much as busy ones (a slow day with 1 buyer "
        "out of 10 visitors moves it as much as a busy one).",
    },
}


def describe_method(method: str, lang: str) -> str:
    """Short label of a multi-day method: ``"合计口径（总数/总数）"`` (zh), ``"pooled (total /
    total)"`` (en); ``daily_mean`` likewise."""
    if method not in _METHODS:
        raise ValueError(f"method must be one of {list(_METHODS)}, not {method!r}")
    return i18n.label(f"method_{method}", lang)


def rate_over_days(
    numerator: Any,
    denominator: Any,
    method: str = "pooled",
    *,
    key: str | None = None,
    scale: float = 1.0,
) -> float:
    """One rate over several days, with the method stated (platform dashboards differ).

    ``pooled``: sum(numerator) / sum(denominator) over the days.
    ``daily_mean``: mean of the daily ratios numerator / denominator over the days with a
    non-zero denominator.

    Parameters
    ----------
    numerator, denominator : Series or array
        Daily values, aligned (e.g. paid buyers and visitors per day).
    method : {"pooled", "daily_mean"}
        Label it in reports with :func:`describe_method`.
    key : str, optional
        Metric key used to title the note (e.g. ``"conversion_rate"``).
    scale : float
        Multiplier (1000 for CPM).

    Returns
    -------
    float
        NaN when no day has a usable denominator. Days where either value is missing are
        left out, and (for ``daily_mean``) days with a zero denominator; a
        :class:`MetricNote` says how many.
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {list(_METHODS)}, not {method!r}")
    (n, d), _ = _prepare(numerator, denominator)
    n, d = np.atleast_1d(n), np.atleast_1d(d)
    name = (Note(METRICS[key].zh, METRICS[key].en) if key else Note("比率", "rate"))
    title = Note(f"{name.zh} {describe_method(method, 'zh')}", f"{name.en} {describe_method(method, 'en')}")
    notes = []
    present = ~np.isnan(n) & ~np.isnan(d)
    days = int(n.size)
    missing = days - int(present.sum())
    if missing:
        part = count_note(missing, days, "day", "缺少数值，未计入", ("is", "are"))
        notes.append(Note(part.zh, f"{part.en} missing a value, left out"))
    if method == "pooled":
        total = float(d[present].sum())
        if total == 0:
            notes.append(Note("分母合计为 0 → NaN", "the total denominator is 0 -> NaN"))
            value = math.nan
        else:
            value = float(n[present].sum()) / total * scale
    else:
        usable = present & (d != 0)
        zero = int(np.count_nonzero(present & (d == 0)))
        if zero:
            part = count_note(zero, days, "day", "分母为 0，未计入日均", ("has", "have"))
            notes.append(Note(part.zh, f"{part.en} a denominator of 0, left out of the daily mean"))
        if not usable.any():
            notes.append(Note("没有一天的分母不为 0 → NaN", "no day has a non-zero denominator -> NaN"))
            value = math.nan
        else:
            value = float(np.mean(n[usable] / d[usable])) * scale
    _warn(title, notes)
    return value


