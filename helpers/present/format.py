"""Numbers as a report writes them: yuan, percent, counts, 万/亿 or k/M, and "—" for missing.

``fmt_*`` format one number; :func:`formatter` gives the function for a kind (``yuan``,
``pct``, ``signed_pct``, ``count``, ``wan``, ``big``, ``ratio``) or a metric key;
:func:`format_value` and :func:`format_change` are the forms used inside sentences.
The report's language (set by :func:`set_report_lang`) decides 万 against k where a
function is not told.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from helpers.core.metrics import METRICS
from helpers.i18n import check_lang, is_zh

#: What a missing value looks like in reports.
DASH = "—"

_STATE = {"lang": "zh"}


def set_report_lang(lang: str) -> str:
    """Make ``lang`` the language of formats and charts that are not told one."""
    _STATE["lang"] = check_lang(lang)
    return _STATE["lang"]


def report_lang(lang: str | None = None) -> str:
    """``lang`` checked, or the report's language when None."""
    return check_lang(lang) if lang is not None else _STATE["lang"]


def _num(x: Any) -> float | None:
    """float(x), or None for missing / non-finite."""
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _sign(v: float) -> str:
    return "-" if v < 0 else ""


def fmt_yuan(x: Any, digits: int | None = None) -> str:
    """Money: ``"¥1,234"``; below ¥100 with fen: ``"¥12.50"``; ``"-¥1,234"``; NaN -> ``"—"``."""
    v = _num(x)
    if v is None:
        return DASH
    if digits is None:
        digits = 0 if abs(v) >= 100 else 2
    text = f"{abs(v):,.{digits}f}"
    if float(text.replace(",", "")) == 0:
        return f"¥{text}"
    return f"{_sign(v)}¥{text}"


def fmt_pct(x: Any, digits: int = 1, signed: bool = False) -> str:
    """A fraction as percent: ``0.035 -> "3.5%"``; ``signed=True`` gives ``"+3.5%"``."""
    v = _num(x)
    if v is None:
        return DASH
    text = f"{v * 100:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
        return f"{text}%"
    return f"{'+' if signed and v > 0 else ''}{text}%"


def fmt_count(x: Any) -> str:
    """Whole number with thousands separators: ``"1,234"``, ``"-56"``; NaN -> ``"—"``."""
    v = _num(x)
    if v is None:
        return DASH
    text = f"{round(v):,d}"
    return "0" if text == "-0" else text


def fmt_ratio(x: Any, digits: int = 2) -> str:
    """A ratio such as ROI: ``3.256 -> "3.26"``; NaN -> ``"—"``."""
    v = _num(x)
    if v is None:
        return DASH
    text = f"{v:,.{digits}f}"
    return text.lstrip("-") if float(text.replace(",", "")) == 0 else text


def _small(v: float) -> str:
    if float(v).is_integer():
        return fmt_count(v)
    return fmt_ratio(v, 2)


def fmt_wan(x: Any, digits: int = 2) -> str:
    """Chinese big numbers: ``12345 -> "1.23万"``, ``1.5e8 -> "1.50亿"``, ``9999 -> "9,999"``.

    Rounding never shows ``"10000.00万"``: it moves up to 亿.
    """
    v = _num(x)
    if v is None:
        return DASH
    a = abs(v)
    if round(a / 1e4, digits) >= 1e4:
        return f"{_sign(v)}{a / 1e8:,.{digits}f}亿"
    if a >= 1e4 or round(a) >= 1e4:
        return f"{_sign(v)}{a / 1e4:.{digits}f}万"
    return _small(v)


def fmt_big(x: Any, lang: str | None = None, digits: int | None = None) -> str:
    """Big numbers for the report language: zh ``"1.23万"`` / ``"1.50亿"``, en ``"12.3k"`` /
    ``"150.0M"`` / ``"1.5B"``. Below 10,000 (zh) or 1,000 (en) the plain number."""
    if report_lang(lang) == "zh":
        return fmt_wan(x, 2 if digits is None else digits)
    v = _num(x)
    if v is None:
        return DASH
    digits = 1 if digits is None else digits
    a = abs(v)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        # 999,960 is "1.0M", not "1000.0k"
        if a >= size or (size > 1e3 and round(a / (size / 1e3), digits) >= 1e3):
            return f"{_sign(v)}{a / size:.{digits}f}{suffix}"
    return _small(v)


#: Format kinds accepted by :func:`style_table` and the axis helpers.
FORMATTERS: dict[str, Callable[..., str]] = {
    "yuan": fmt_yuan,
    "pct": fmt_pct,
    "signed_pct": lambda x: fmt_pct(x, signed=True),
    "count": fmt_count,
    "wan": fmt_wan,
    "ratio": fmt_ratio,
}


def formatter(kind: str | Callable[[Any], str], lang: str | None = None) -> Callable[[Any], str]:
    """Scalar formatter for a kind (``yuan``, ``pct``, ``signed_pct``, ``count``, ``wan``,
    ``big``, ``ratio``) or a metric key (its unit decides)."""
    if callable(kind):
        return kind
    if kind == "big":
        lang = report_lang(lang)
        return lambda x: fmt_big(x, lang)
    if kind in FORMATTERS:
        return FORMATTERS[kind]
    if kind in METRICS:
        return FORMATTERS[METRICS[kind].kind]
    raise ValueError(f"unknown format {kind!r}; use one of {[*FORMATTERS, 'big']} or a metric key")



def format_value(value: float, kind: str, lang: str) -> str:
    """One figure formatted for a sentence: yuan, percent, count or ratio; NaN as "—"."""
    if value is None or pd.isna(value):
        return "—"
    if kind == "yuan":
        return fmt_yuan(value) if abs(value) < 1e5 else "¥" + fmt_big(value, lang)
    if kind == "pct":
        return fmt_pct(value, 2)
    if kind == "ratio":
        return f"{value:.2f}"
    return fmt_big(value, lang) if abs(value) >= 1e5 else f"{value:,.0f}"


def format_change(change: float, lang: str) -> str:
    """A relative change as a signed percent (``+12.3%``), or a phrase when it is undefined."""
    if change is None or pd.isna(change):
        return "无可比数据" if is_zh(lang) else "no comparable data"
    return f"{change:+.1%}"
