"""The metric registry and the arithmetic every metric shares.

Each metric is a small pure function registered with :func:`metric`, which records its
unit, formula, area and notes; its name in each language is the label of the same key in
``helpers/labels.toml`` (one name per language for the whole workbook). A zero or missing
denominator gives NaN and one :class:`~helpers.core.notes.MetricNote` per call, in both
languages, saying how many values were affected and which input was 0.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpers import i18n
from helpers.core.notes import Note, note

#: Areas of docs/metrics.md in document order (their names are the labels ``area_<key>``).
AREAS = ("traffic", "ads", "profit", "after_sales", "customers", "market", "general")

#: Units (their names are the labels ``unit_<name>``); ``%`` metrics are returned as fractions.
UNITS = {"%": "unit_percent", "yuan": "unit_yuan", "ratio": "unit_ratio", "points": "unit_points",
         "days": "unit_days"}

# unit -> the format kind of helpers.present.format (fmt_pct / fmt_yuan / fmt_ratio)
_UNIT_KIND = {"%": "pct", "yuan": "yuan", "ratio": "ratio", "points": "count", "days": "count"}


@dataclass(frozen=True)
class MetricInfo:
    """Registry entry of one metric."""

    key: str
    unit: str
    formula: str
    area: str
    notes: str
    function: str  # name of the function in helpers.core.metrics
    func: Callable[..., Any] = field(repr=False, compare=False)
    reduction: str | None = None  # name of the function that counts from order lines

    @property
    def zh(self) -> str:
        return i18n.label(self.key, "zh")

    @property
    def en(self) -> str:
        return i18n.label(self.key, "en")

    def label(self, lang: str, unit: bool = False) -> str:
        text = i18n.label(self.key, lang)
        if unit:
            text = f"{text} ({i18n.label(UNITS[self.unit], lang)})"
        return text

    @property
    def kind(self) -> str:
        """Format kind: ``pct``, ``yuan``, ``ratio`` or ``count`` (points, days)."""
        return _UNIT_KIND[self.unit]


#: Ordered registry: metric key -> :class:`MetricInfo`.
METRICS: dict[str, MetricInfo] = {}


def metric(
    *,
    key: str,
    unit: str,
    formula: str,
    area: str,
    notes: str = "",
    reduction: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a metric function with its metadata (used for docs and labels).

    The function itself is returned unchanged (with a ``metric_info`` attribute), so
    warnings raised inside it point at the caller. Its names are the labels of ``key``.
    """
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} is not one of {sorted(UNITS)}")
    if area not in AREAS:
        raise ValueError(f"area {area!r} is not one of {list(AREAS)}")
    if not i18n.has_label(key):
        raise ValueError(f"metric {key!r} has no label: add it to helpers/labels.toml")

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if key in METRICS:
            raise ValueError(f"metric {key!r} is registered twice")
        info = MetricInfo(key=key, unit=unit, formula=formula, area=area, notes=notes,
                          function=func.__name__, func=func, reduction=reduction)
        METRICS[key] = info
        func.metric_info = info  # type: ignore[attr-defined]
        return func

    return register


def label(key: str, lang: str, unit: bool = False) -> str:
    """Display name of a metric: ``label("aov", "zh") == "客单价"``; ``unit=True`` appends the
    unit: ``"客单价 (元)"``."""
    try:
        info = METRICS[key]
    except KeyError:
        close = difflib.get_close_matches(key, list(METRICS), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"unknown metric {key!r}{hint}") from None
    return info.label(lang, unit=unit)


# --------------------------------------------------------------------------- arithmetic


def _as_array(x: Any) -> np.ndarray:
    if isinstance(x, pd.DataFrame):
        raise TypeError("pass a column (Series), not a DataFrame")
    if isinstance(x, (pd.Series, pd.Index)):
        return x.to_numpy(dtype=float, na_value=np.nan)
    if x is None or x is pd.NA:
        return np.array(np.nan)
    try:
        return np.asarray(x, dtype=float)
    except TypeError:  # lists holding pd.NA
        return pd.Series(list(x), dtype="Float64").to_numpy(dtype=float, na_value=np.nan)


def _prepare(*values: Any) -> tuple[list[np.ndarray], Callable[[np.ndarray], Any]]:
    """Align Series, convert to float arrays and return a function shaping the output."""
    series = [v for v in values if isinstance(v, pd.Series)]
    index = None
    if series:
        index = series[0].index
        for s in series[1:]:
            if not s.index.equals(index):
                index = index.join(s.index, how="outer")
        values = tuple(
            v.reindex(index) if isinstance(v, pd.Series) and not v.index.equals(index) else v
            for v in values
        )
    arrays = list(np.broadcast_arrays(*[_as_array(v) for v in values]))

    def shape(result: np.ndarray, name: str | None = None) -> Any:
        result = np.asarray(result, dtype=float)
        if index is not None:
            return pd.Series(np.broadcast_to(result, (len(index),)), index=index, name=name)
        if result.ndim == 0:
            return float(result)
        return result

    return arrays, shape


def count_note(k: int, total: int, what: str, zh_state: str, en_state: tuple[str, str]) -> Note:
    """``"3 of 10 denominators are 0"`` / ``"10 个分母中有 3 个为 0"`` (``"the denominator is 0"``
    / ``"分母为 0"`` when there is one value). ``what`` names the label ``noun_<what>``."""
    zh_noun, one = i18n.label(f"noun_{what}", "zh"), i18n.label(f"noun_{what}", "en")
    many = one + "s"
    if total == 1:
        return Note(f"{zh_noun}{zh_state}", f"the {one} {en_state[0]}")
    if what == "day":  # 天 is its own measure word: "7 天中有 2 天"
        return Note(f"{total} 天中有 {k} 天{zh_state}", f"{k} of {total} {many} {en_state[0] if k == 1 else en_state[1]}")
    return Note(f"{total} 个{zh_noun}中有 {k} 个{zh_state}",
                f"{k} of {total} {many} {en_state[0] if k == 1 else en_state[1]}")


def _denominator_notes(d: np.ndarray, den_key: str, what: str = "denominator") -> list[Note]:
    notes = []
    total = int(d.size)
    zero = int(np.count_nonzero(d == 0))
    missing = int(np.count_nonzero(np.isnan(d)))
    zh_name, en_name = i18n.label(den_key, "zh"), i18n.label(den_key, "en")
    if zero:
        part = count_note(zero, total, what, "为 0", ("is 0", "are 0"))
        notes.append(Note(f"{part.zh} → NaN（{zh_name} = 0）", f"{part.en} -> NaN ({en_name} = 0)"))
    if missing:
        part = count_note(missing, total, what, "缺失", ("is missing", "are missing"))
        notes.append(Note(f"{part.zh} → NaN（{zh_name}为空）", f"{part.en} -> NaN ({en_name} is empty)"))
    return notes


def _warn(title: str | Note, notes: list[Note], stacklevel: int = 3) -> None:
    """One note for all notes of a call, titled with a label key (or a Note). stacklevel 3 =
    the caller of the metric."""
    if not notes:
        return
    head = title if isinstance(title, Note) else Note(i18n.label(title, "zh"), i18n.label(title, "en"))
    note(f"{head.zh}：" + "；".join(n.zh for n in notes), f"{head.en}: " + "; ".join(n.en for n in notes),
         stacklevel=stacklevel)


def _divide(num: Any, den: Any, den_key: str, scale: float = 1.0, name: str | None = None):
    """num / den * scale with NaN for zero/missing denominators. Returns (value, notes)."""
    (n, d), shape = _prepare(num, den)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = n / d * scale
    r = np.where((d == 0) | np.isnan(d), np.nan, r)
    return shape(r, name), _denominator_notes(d, den_key)


def _rate(key: str, num: Any, den: Any, den_key: str, scale: float = 1.0) -> Any:
    """Ratio metric: divide and note (from inside a metric function) bad denominators."""
    value, notes = _divide(num, den, den_key, scale=scale, name=key)
    _warn(key, notes, stacklevel=4)
    return value


_RETURNS_FRACTION = """
    Returns
    -------
    float, ndarray or Series
        A fraction (0.035 = 3.5%), same shape as the inputs. NaN where the
        denominator is 0 or missing; a :class:`MetricNote` says how many."""

_RETURNS_YUAN = """
    Returns
    -------
    float, ndarray or Series
        Yuan (元), same shape as the inputs. NaN where the denominator is 0 or
        missing; a :class:`MetricNote` says how many."""

_RETURNS_RATIO = """
    Returns
    -------
    float, ndarray or Series
        A ratio (3.0 = 3 yuan per yuan), same shape as the inputs. NaN where the
        denominator is 0 or missing; a :class:`MetricNote` says how many."""


def _doc(extra: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Append a shared Returns section to a docstring."""

    def apply(func: Callable[..., Any]) -> Callable[..., Any]:
        func.__doc__ = (func.__doc__ or "").rstrip() + "\n" + extra + "\n"
        return func

    return apply
