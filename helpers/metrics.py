"""Metric definitions (指标口径): every metric of the workbook, defined once.

Each metric is a small pure function registered with :func:`metric`, which records the
Chinese and English name, the unit and the formula. ``docs/metrics.md`` is generated
from this registry (``workbook docs`` / :func:`render_metrics_doc`) and a test fails
when the two drift apart.

Conventions
-----------
* Inputs may be scalars, numpy arrays or pandas Series. Series are aligned on their
  index (outer join, as pandas arithmetic does) and a Series comes back; scalars give a
  ``float``; arrays give an ``ndarray``.
* Rates (unit ``%``) are returned as fractions: ``0.035`` means 3.5%.
  Money is in yuan (元). ROI-type metrics are plain ratios (×).
* A zero or missing denominator gives NaN, never 0 and never an exception, and one
  :class:`MetricNote` warning per call says how many values were affected and which
  input was 0, e.g. ``支付转化率: 3 of 10 denominators are 0 -> NaN (访客数 visitors = 0)``.
* Repurchase metrics come in two forms: a rate on counts
  (:func:`repurchase_rate_customers`) and a reduction that counts from paid order lines
  inside DuckDB through Ibis (:func:`repurchase_rate_customers_from_orders`).

Heavy libraries (ibis) are imported inside the functions that need them, so importing
this module is cheap.
"""

from __future__ import annotations

import difflib
import functools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from helpers.data import cache_table, known_customer

__all__ = [
    "AREAS",
    "METRICS",
    "UNITS",
    "MetricInfo",
    "MetricNote",
    "RateResult",
    "aov",
    "amount_per_order",
    "bounce_rate",
    "breakeven_roi",
    "cart_rate",
    "change",
    "cohort_retention",
    "cohort_sales_per_customer",
    "conversion_rate",
    "cost_per_order",
    "demand_per_listing",
    "cpc",
    "concentration_ratio",
    "cpm",
    "ctr",
    "describe_method",
    "gross_margin",
    "gross_profit",
    "hhi",
    "label",
    "max_affordable_cpc",
    "metric",
    "opportunity_score",
    "order_conversion_rate",
    "order_to_pay_rate",
    "rate_over_days",
    "rate_with_interval",
    "refund_rate_by_count",
    "refund_rate_by_value",
    "render_metrics_doc",
    "repurchase_rate_customers",
    "repurchase_rate_customers_from_orders",
    "repurchase_rate_orders",
    "repurchase_rate_orders_from_orders",
    "repurchase_within_days",
    "repurchase_within_days_from_orders",
    "returning_rate",
    "returning_rate_from_orders",
    "roi",
    "share",
    "uv_value",
    "wilson_interval",
    "write_metrics_doc",
]


class MetricNote(UserWarning):
    """A visible note about how a metric was computed (zero denominators, exclusions)."""


# --------------------------------------------------------------------------- registry

#: Areas in document order: key -> (中文, English).
AREAS: dict[str, tuple[str, str]] = {
    "traffic": ("流量与转化", "Traffic and conversion"),
    "ads": ("推广", "Paid promotion"),
    "profit": ("利润", "Profit"),
    "after_sales": ("售后", "After-sales"),
    "customers": ("客户与复购", "Customers and repurchase"),
    "market": ("市场与竞争", "Market and competition"),
    "general": ("通用", "General"),
}

#: Units: key -> {"zh": ..., "en": ...}. ``%`` metrics are returned as fractions.
UNITS: dict[str, dict[str, str]] = {
    "%": {"zh": "%", "en": "%"},
    "yuan": {"zh": "元", "en": "yuan"},
    "ratio": {"zh": "倍", "en": "×"},
    "points": {"zh": "点", "en": "points"},
    "days": {"zh": "天", "en": "days"},
}

# unit -> the format kind used by helpers.plots (fmt_pct / fmt_yuan / fmt_ratio)
_UNIT_KIND = {"%": "pct", "yuan": "yuan", "ratio": "ratio", "points": "count", "days": "count"}


@dataclass(frozen=True)
class MetricInfo:
    """Registry entry of one metric."""

    key: str
    zh: str
    en: str
    unit: str
    formula: str
    area: str
    notes: str
    function: str  # name of the function in helpers.metrics
    func: Callable[..., Any] = field(repr=False, compare=False)
    reduction: str | None = None  # name of the function that counts from order lines

    def label(self, lang: str = "zh", unit: bool = False) -> str:
        text = self.zh if _lang(lang) == "zh" else self.en
        if unit:
            text = f"{text} ({UNITS[self.unit][_lang(lang)]})"
        return text

    @property
    def kind(self) -> str:
        """Format kind for helpers.plots: ``pct``, ``yuan``, ``ratio`` or ``count`` (points)."""
        return _UNIT_KIND[self.unit]


#: Ordered registry: metric key -> :class:`MetricInfo`.
METRICS: dict[str, MetricInfo] = {}


def metric(
    *,
    key: str,
    zh: str,
    en: str,
    unit: str,
    formula: str,
    area: str,
    notes: str = "",
    reduction: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a metric function with its metadata (used for docs and labels).

    The function itself is returned unchanged (with a ``metric_info`` attribute), so
    warnings raised inside it point at the caller.
    """
    if unit not in UNITS:
        raise ValueError(f"unit {unit!r} is not one of {sorted(UNITS)}")
    if area not in AREAS:
        raise ValueError(f"area {area!r} is not one of {list(AREAS)}")

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if key in METRICS:
            raise ValueError(f"metric {key!r} is registered twice")
        info = MetricInfo(
            key=key,
            zh=zh,
            en=en,
            unit=unit,
            formula=formula,
            area=area,
            notes=notes,
            function=func.__name__,
            func=func,
            reduction=reduction,
        )
        METRICS[key] = info
        func.metric_info = info  # type: ignore[attr-defined]
        return func

    return register


def _lang(lang: str) -> str:
    lang = (lang or "zh").lower()
    if lang.startswith("zh"):
        return "zh"
    if lang.startswith("en"):
        return "en"
    raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")


def label(key: str, lang: str = "zh", unit: bool = False) -> str:
    """Display name of a metric: ``label("aov") == "客单价"``, ``label("aov", "en") == "AOV"``.

    ``unit=True`` appends the unit: ``"客单价 (元)"``.
    """
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


def _count_text(k: int, total: int, what: str, verb: str) -> str:
    """``"3 of 10 denominators are 0"`` / ``"the denominator is 0"``."""
    if total == 1:
        return f"the {what} {verb[0]}"
    return f"{k} of {total} {what}s {verb[0] if k == 1 else verb[1]}"


def _denominator_notes(d: np.ndarray, den_label: str, what: str = "denominator") -> list[str]:
    notes = []
    total = int(d.size)
    zero = int(np.count_nonzero(d == 0))
    missing = int(np.count_nonzero(np.isnan(d)))
    if zero:
        notes.append(
            f"{_count_text(zero, total, what, ('is 0', 'are 0'))} -> NaN ({den_label} = 0)"
        )
    if missing:
        notes.append(
            f"{_count_text(missing, total, what, ('is missing', 'are missing'))} -> NaN "
            f"({den_label} is empty)"
        )
    return notes


def _warn(title: str, notes: list[str], stacklevel: int = 3) -> None:
    """One MetricNote for all notes of a call. stacklevel 3 = the caller of the metric."""
    if notes:
        warnings.warn(MetricNote(f"{title}: " + "; ".join(notes)), stacklevel=stacklevel)


def _divide(num: Any, den: Any, den_label: str, scale: float = 1.0, name: str | None = None):
    """num / den * scale with NaN for zero/missing denominators. Returns (value, notes)."""
    (n, d), shape = _prepare(num, den)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = n / d * scale
    r = np.where((d == 0) | np.isnan(d), np.nan, r)
    return shape(r, name), _denominator_notes(d, den_label)


def _rate(key: str, num: Any, den: Any, den_label: str, scale: float = 1.0) -> Any:
    """Ratio metric: divide and warn (from inside a metric function) about bad denominators."""
    value, notes = _divide(num, den, den_label, scale=scale, name=key)
    _warn(METRICS[key].zh, notes, stacklevel=4)
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


# --------------------------------------------------------------------------- traffic

_MULTIDAY = (
    "Over several days use `rate_over_days` and label the method (see Multi-day rates): "
    "pooled and daily-mean rates differ."
)


@metric(
    key="conversion_rate",
    zh="支付转化率",
    en="Conversion rate",
    unit="%",
    formula="支付买家数 / 访客数 (paid buyers / visitors)",
    area="traffic",
    notes="Buyers and visitors are people, not orders or page views. " + _MULTIDAY,
)
@_doc(_RETURNS_FRACTION)
def conversion_rate(paid_buyers, visitors):
    """Payment conversion rate 支付转化率.

    Formula: 支付买家数 / 访客数 (paid buyers / visitors)

    Parameters
    ----------
    paid_buyers : scalar, array or Series
        支付买家数: distinct visitors who paid.
    visitors : scalar, array or Series
        访客数 (UV): distinct visitors.
    """
    return _rate("conversion_rate", paid_buyers, visitors, "访客数 visitors")


@metric(
    key="order_conversion_rate",
    zh="下单转化率",
    en="Order conversion rate",
    unit="%",
    formula="下单买家数 / 访客数 (order buyers / visitors)",
    area="traffic",
    notes="Counts buyers who placed an order, paid or not. " + _MULTIDAY,
)
@_doc(_RETURNS_FRACTION)
def order_conversion_rate(order_buyers, visitors):
    """Order conversion rate 下单转化率.

    Formula: 下单买家数 / 访客数 (order buyers / visitors)

    Parameters
    ----------
    order_buyers : scalar, array or Series
        下单买家数: distinct visitors who placed an order.
    visitors : scalar, array or Series
        访客数 (UV).
    """
    return _rate("order_conversion_rate", order_buyers, visitors, "访客数 visitors")


@metric(
    key="order_to_pay_rate",
    zh="下单-支付转化率",
    en="Order-to-payment rate",
    unit="%",
    formula="支付买家数 / 下单买家数 (paid buyers / order buyers)",
    area="traffic",
    notes="Low values point at payment friction or price shock at checkout. Buyers who order "
    "late on the last day and pay the next day fall into different days.",
)
@_doc(_RETURNS_FRACTION)
def order_to_pay_rate(paid_buyers, order_buyers):
    """Order-to-payment rate 下单-支付转化率.

    Formula: 支付买家数 / 下单买家数 (paid buyers / order buyers)

    Parameters
    ----------
    paid_buyers : scalar, array or Series
        支付买家数.
    order_buyers : scalar, array or Series
        下单买家数.
    """
    return _rate("order_to_pay_rate", paid_buyers, order_buyers, "下单买家数 order buyers")


@metric(
    key="aov",
    zh="客单价",
    en="AOV (per buyer)",
    unit="yuan",
    formula="支付金额 / 支付买家数 (paid amount / paid buyers)",
    area="traffic",
    notes="Per paying buyer, as on 生意参谋; per order is `amount_per_order` (笔单价). A buyer "
    "with two orders counts once.",
)
@_doc(_RETURNS_YUAN)
def aov(paid_amount, paid_buyers):
    """Average order value per buyer 客单价.

    Formula: 支付金额 / 支付买家数 (paid amount / paid buyers)

    Parameters
    ----------
    paid_amount : scalar, array or Series
        支付金额 in yuan.
    paid_buyers : scalar, array or Series
        支付买家数.
    """
    return _rate("aov", paid_amount, paid_buyers, "支付买家数 paid buyers")


@metric(
    key="amount_per_order",
    zh="笔单价",
    en="Amount per order",
    unit="yuan",
    formula="支付金额 / 支付订单数 (paid amount / paid orders)",
    area="traffic",
    notes="Per order; differs from 客单价 (`aov`) when buyers place several orders.",
)
@_doc(_RETURNS_YUAN)
def amount_per_order(paid_amount, paid_orders):
    """Amount per order 笔单价.

    Formula: 支付金额 / 支付订单数 (paid amount / paid orders)

    Parameters
    ----------
    paid_amount : scalar, array or Series
        支付金额 in yuan.
    paid_orders : scalar, array or Series
        Paid orders (distinct order ids, not order lines).
    """
    return _rate("amount_per_order", paid_amount, paid_orders, "支付订单数 paid orders")


@metric(
    key="uv_value",
    zh="UV价值",
    en="UV value",
    unit="yuan",
    formula="支付金额 / 访客数 (paid amount / visitors)",
    area="traffic",
    notes="Equals conversion rate × AOV when the same visitors and buyers are used. " + _MULTIDAY,
)
@_doc(_RETURNS_YUAN)
def uv_value(paid_amount, visitors):
    """Value per visitor UV价值 (= conversion rate x AOV).

    Formula: 支付金额 / 访客数 (paid amount / visitors)

    Parameters
    ----------
    paid_amount : scalar, array or Series
        支付金额 in yuan.
    visitors : scalar, array or Series
        访客数 (UV).
    """
    return _rate("uv_value", paid_amount, visitors, "访客数 visitors")


@metric(
    key="bounce_rate",
    zh="跳失率",
    en="Bounce rate",
    unit="%",
    formula="跳失人数 / 访客数 (bounced visitors / visitors)",
    area="traffic",
    notes="A bounced visitor left after viewing one page. Lower is better. " + _MULTIDAY,
)
@_doc(_RETURNS_FRACTION)
def bounce_rate(bounced_visitors, visitors):
    """Bounce rate 跳失率.

    Formula: 跳失人数 / 访客数 (bounced visitors / visitors)

    Parameters
    ----------
    bounced_visitors : scalar, array or Series
        跳失人数: visitors who left after one page.
    visitors : scalar, array or Series
        访客数 (UV).
    """
    return _rate("bounce_rate", bounced_visitors, visitors, "访客数 visitors")


@metric(
    key="cart_rate",
    zh="加购率",
    en="Add-to-cart rate",
    unit="%",
    formula="加购人数 / 访客数 (cart buyers / visitors)",
    area="traffic",
    notes="People who added to cart, not cart additions (件数). " + _MULTIDAY,
)
@_doc(_RETURNS_FRACTION)
def cart_rate(cart_buyers, visitors):
    """Add-to-cart rate 加购率.

    Formula: 加购人数 / 访客数 (cart buyers / visitors)

    Parameters
    ----------
    cart_buyers : scalar, array or Series
        加购人数: visitors who added to cart.
    visitors : scalar, array or Series
        访客数 (UV).
    """
    return _rate("cart_rate", cart_buyers, visitors, "访客数 visitors")


# --------------------------------------------------------------------------- ads

_ADS_POOL = (
    "Over plans or days, sum the counts and divide (pooled); do not average the plans' rates."
)


@metric(
    key="ctr",
    zh="点击率",
    en="CTR",
    unit="%",
    formula="点击量 / 展现量 (clicks / impressions)",
    area="ads",
    notes=_ADS_POOL,
)
@_doc(_RETURNS_FRACTION)
def ctr(clicks, impressions):
    """Click-through rate 点击率.

    Formula: 点击量 / 展现量 (clicks / impressions)

    Parameters
    ----------
    clicks : scalar, array or Series
        点击量.
    impressions : scalar, array or Series
        展现量.
    """
    return _rate("ctr", clicks, impressions, "展现量 impressions")


@metric(
    key="cpc",
    zh="平均点击花费",
    en="CPC",
    unit="yuan",
    formula="花费 / 点击量 (spend / clicks)",
    area="ads",
    notes=_ADS_POOL,
)
@_doc(_RETURNS_YUAN)
def cpc(spend, clicks):
    """Average cost per click 平均点击花费 (PPC).

    Formula: 花费 / 点击量 (spend / clicks)

    Parameters
    ----------
    spend : scalar, array or Series
        花费 in yuan.
    clicks : scalar, array or Series
        点击量.
    """
    return _rate("cpc", spend, clicks, "点击量 clicks")


@metric(
    key="cpm",
    zh="千次展现花费",
    en="CPM",
    unit="yuan",
    formula="花费 / 展现量 × 1000 (spend / impressions × 1000)",
    area="ads",
    notes=_ADS_POOL,
)
@_doc(_RETURNS_YUAN)
def cpm(spend, impressions):
    """Cost per thousand impressions 千次展现花费.

    Formula: 花费 / 展现量 × 1000 (spend / impressions × 1000)

    Parameters
    ----------
    spend : scalar, array or Series
        花费 in yuan.
    impressions : scalar, array or Series
        展现量.
    """
    return _rate("cpm", spend, impressions, "展现量 impressions", scale=1000.0)


@metric(
    key="roi",
    zh="投入产出比",
    en="ROI (ROAS)",
    unit="ratio",
    formula="成交金额 / 花费 (attributed amount / spend)",
    area="ads",
    notes="Revenue per yuan spent (ROAS), not profit. Depends on the attribution window "
    "(`attribution_window_days`, e.g. 1, 7, 15 or 30 days) and on direct (直接成交) vs. total "
    "(总成交 = direct + indirect) attribution; only compare ROIs with the same window and "
    "scope. Compare with `breakeven_roi`.",
)
@_doc(_RETURNS_RATIO)
def roi(attributed_amount, spend):
    """Return on ad spend 投入产出比 (ROI as reported by Taobao ad tools, i.e. ROAS).

    Formula: 成交金额 / 花费 (attributed amount / spend)

    Parameters
    ----------
    attributed_amount : scalar, array or Series
        成交金额 attributed within the window, in yuan.
    spend : scalar, array or Series
        花费 in yuan.
    """
    return _rate("roi", attributed_amount, spend, "花费 spend")


@metric(
    key="breakeven_roi",
    zh="保本ROI",
    en="Break-even ROI",
    unit="ratio",
    formula="1 / 毛利率 (1 / gross margin)",
    area="ads",
    notes="The ROI at which attributed gross profit pays for the spend. A gross margin <= 0 "
    "gives NaN with a note: no ROI breaks even when every sale loses money. Put shipping, "
    "commission and other variable costs into cost for a stricter line.",
)
def breakeven_roi(gross_margin):
    """Break-even ROI 保本ROI.

    Formula: 1 / 毛利率 (1 / gross margin)

    Parameters
    ----------
    gross_margin : scalar, array or Series
        毛利率 as a fraction (0.4 = 40%), see :func:`gross_margin`.

    Returns
    -------
    float, ndarray or Series
        A ratio; an ad with ROI above it makes gross profit. NaN, with a
        :class:`MetricNote`, where the margin is <= 0 (no ROI breaks even) or missing.
    """
    (m,), shape = _prepare(gross_margin)
    bad = ~(m > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(bad, np.nan, 1.0 / m)
    notes = []
    nonpos = int(np.count_nonzero(m <= 0))
    if nonpos:
        notes.append(
            f"{_count_text(nonpos, m.size, 'gross margin', ('is <= 0', 'are <= 0'))} -> NaN "
            "(no ROI breaks even when every sale loses money)"
        )
    notes += _denominator_notes(np.where(m <= 0, 1.0, m), "毛利率 gross margin", "gross margin")
    _warn(METRICS["breakeven_roi"].zh, notes)
    return shape(r, "breakeven_roi")


@metric(
    key="max_affordable_cpc",
    zh="最高可承受点击花费",
    en="Max affordable CPC",
    unit="yuan",
    formula="UV价值 × 毛利率 (UV value × gross margin)",
    area="ads",
    notes="Use the UV value of the paid visitors (not the whole shop). Above this CPC a click "
    "costs more than the gross profit it brings. Negative when the margin is negative.",
)
def max_affordable_cpc(uv_value, gross_margin):
    """Highest cost per click that still breaks even 最高可承受点击花费.

    Formula: UV价值 × 毛利率 (UV value × gross margin)

    Parameters
    ----------
    uv_value : scalar, array or Series
        UV价值 of the paid visitors, yuan per visitor (see :func:`uv_value`).
    gross_margin : scalar, array or Series
        毛利率 as a fraction.

    Returns
    -------
    float, ndarray or Series
        Yuan per click. Missing inputs give NaN.
    """
    (u, m), shape = _prepare(uv_value, gross_margin)
    return shape(u * m, "max_affordable_cpc")


@metric(
    key="cost_per_order",
    zh="每笔成交花费",
    en="Cost per order",
    unit="yuan",
    formula="花费 / 成交笔数 (spend / attributed orders)",
    area="ads",
    notes="Attributed orders within the attribution window; compare only with the same window. "
    + _ADS_POOL,
)
@_doc(_RETURNS_YUAN)
def cost_per_order(spend, attributed_orders):
    """Ad spend per attributed order 每笔成交花费.

    Formula: 花费 / 成交笔数 (spend / attributed orders)

    Parameters
    ----------
    spend : scalar, array or Series
        花费 in yuan.
    attributed_orders : scalar, array or Series
        成交笔数 attributed within the window.
    """
    return _rate("cost_per_order", spend, attributed_orders, "成交笔数 attributed orders")


# --------------------------------------------------------------------------- profit


@metric(
    key="gross_margin",
    zh="毛利率",
    en="Gross margin",
    unit="%",
    formula="(销售额 - 成本) / 销售额 ((revenue - cost) / revenue)",
    area="profit",
    notes="Revenue is the amount paid after all discounts; cost is landed unit cost × units "
    "(`products.unit_cost`). Can be negative. Zero revenue gives NaN.",
)
@_doc(_RETURNS_FRACTION)
def gross_margin(revenue, cost):
    """Gross margin 毛利率.

    Formula: (销售额 - 成本) / 销售额 ((revenue - cost) / revenue)

    Parameters
    ----------
    revenue : scalar, array or Series
        销售额 in yuan (paid amount after discounts).
    cost : scalar, array or Series
        成本 in yuan (landed cost of the units sold).
    """
    (r, c), shape = _prepare(revenue, cost)
    value, notes = _divide(r - c, r, "销售额 revenue")
    _warn(METRICS["gross_margin"].zh, notes)
    return shape(value, "gross_margin")


@metric(
    key="gross_profit",
    zh="毛利",
    en="Gross profit",
    unit="yuan",
    formula="销售额 - 成本 (revenue - cost)",
    area="profit",
    notes="Before ad spend, campaign budgets and fixed costs.",
)
def gross_profit(revenue, cost):
    """Gross profit 毛利.

    Formula: 销售额 - 成本 (revenue - cost)

    Parameters
    ----------
    revenue : scalar, array or Series
        销售额 in yuan.
    cost : scalar, array or Series
        成本 in yuan.

    Returns
    -------
    float, ndarray or Series
        Yuan. Missing inputs give NaN.
    """
    (r, c), shape = _prepare(revenue, cost)
    return shape(r - c, "gross_profit")


# --------------------------------------------------------------------------- after-sales

@metric(
    key="contribution_margin",
    zh="贡献利润率",
    en="Contribution margin",
    unit="%",
    formula="(销售额 - 退款 - 商品成本 - 推广费) / (销售额 - 退款) ((sales - refunds - cost of goods - ad "
    "spend) / (sales - refunds))",
    area="profit",
    notes="Per product in the product-selection notebook: cost of goods counts the units that stayed "
    "with buyers; ad spend is allocated to products by their share of each paid channel's sales "
    "(`ads` has no product dimension). Can be negative. Zero net sales give NaN.",
)
@_doc(_RETURNS_FRACTION)
def contribution_margin(contribution, net_sales):
    """Contribution margin 贡献利润率: what is left of each yuan kept after goods and ads.

    Formula: (销售额 - 退款 - 商品成本 - 推广费) / (销售额 - 退款) ((sales - refunds - cost of goods - ad
    spend) / (sales - refunds)), yuan / yuan; the numerator is the contribution (贡献利润).

    Parameters
    ----------
    contribution : scalar, array or Series
        贡献利润 in yuan.
    net_sales : scalar, array or Series
        销售额 - 退款 in yuan.
    """
    (c, s), shape = _prepare(contribution, net_sales)
    value, notes = _divide(c, s, "净销售额 net sales")
    _warn(METRICS["contribution_margin"].zh, notes)
    return shape(value, "contribution_margin")


@metric(
    key="sell_through",
    zh="售罄率",
    en="Sell-through",
    unit="%",
    formula="期内销量 / (期内销量 + 期末库存) (units sold / (units sold + stock on hand))",
    area="profit",
    notes="Units sold in the period and stock on hand at the latest `inventory` count. 0 stock and 0 "
    "sales give NaN.",
)
@_doc(_RETURNS_FRACTION)
def sell_through(units_sold, stock):
    """Sell-through 售罄率.

    Formula: 期内销量 / (期内销量 + 期末库存) (units sold / (units sold + stock on hand)), units / units.

    Parameters
    ----------
    units_sold : scalar, array or Series
        Units sold in the period.
    stock : scalar, array or Series
        Units on hand at the end.
    """
    (u, s), shape = _prepare(units_sold, stock)
    value, notes = _divide(u, u + s, "销量+库存 units sold + stock")
    _warn(METRICS["sell_through"].zh, notes)
    return shape(value, "sell_through")


@metric(
    key="days_of_cover",
    zh="库存可售天数",
    en="Days of cover",
    unit="days",
    formula="库存 / 日均销量 (stock on hand / units sold per day)",
    area="profit",
    notes="Daily sales over the 30 days up to the stock count. A product with stock and no sales in "
    "those days has no finite cover: NaN, and the notebook lists it as not selling.",
)
def days_of_cover(stock, daily_units):
    """Days of stock cover 库存可售天数.

    Formula: 库存 / 日均销量 (stock on hand / units sold per day), in days.

    Parameters
    ----------
    stock : scalar, array or Series
        Units on hand.
    daily_units : scalar, array or Series
        Units sold per day.

    Returns
    -------
    float, ndarray or Series
        Days, same shape as the inputs. NaN where daily sales are 0 or missing; a
        :class:`MetricNote` says how many.
    """
    (s, d), shape = _prepare(stock, daily_units)
    value, notes = _divide(s, d, "日均销量 units per day")
    _warn(METRICS["days_of_cover"].zh, notes)
    return shape(value, "days_of_cover")


@metric(
    key="basket_lift",
    zh="关联提升度",
    en="Basket lift",
    unit="ratio",
    formula="同时购买订单数 / 独立购买时的期望订单数 (orders with both / orders expected if bought "
    "independently)",
    area="general",
    notes="Expected = Σ over months of orders with A × orders with B / orders of the month, so two "
    "products that only sold in the same months do not look associated. Above 1: bought together "
    "more than chance.",
)
@_doc(_RETURNS_RATIO)
def basket_lift(pair_orders, expected_orders):
    """Basket lift 关联提升度.

    Formula: 同时购买订单数 / 独立购买时的期望订单数 (orders with both / orders expected if bought
    independently), orders / orders.

    Parameters
    ----------
    pair_orders : scalar, array or Series
        Paid orders containing both products.
    expected_orders : scalar, array or Series
        Orders expected to contain both if they were bought independently.
    """
    (p, e), shape = _prepare(pair_orders, expected_orders)
    value, notes = _divide(p, e, "期望订单数 expected orders")
    _warn(METRICS["basket_lift"].zh, notes)
    return shape(value, "basket_lift")


_REFUND_PERIOD = (
    "Platform dashboards count refunds completed in the period against payments in the same "
    "period (refunds of earlier orders included), so a wave of late refunds can push the rate "
    "up; matching refunds to the orders they belong to (cohort) gives a different number. Say "
    "which one a report uses."
)


@metric(
    key="refund_rate_by_value",
    zh="退款率(金额)",
    en="Refund rate (by value)",
    unit="%",
    formula="退款金额 / 支付金额 (refund amount / paid amount)",
    area="after_sales",
    notes=_REFUND_PERIOD,
)
@_doc(_RETURNS_FRACTION)
def refund_rate_by_value(refund_amount, paid_amount):
    """Refund rate by value 退款率(金额).

    Formula: 退款金额 / 支付金额 (refund amount / paid amount)

    Parameters
    ----------
    refund_amount : scalar, array or Series
        退款金额 in yuan.
    paid_amount : scalar, array or Series
        支付金额 in yuan.
    """
    return _rate("refund_rate_by_value", refund_amount, paid_amount, "支付金额 paid amount")


@metric(
    key="refund_rate_by_count",
    zh="退款率(笔数)",
    en="Refund rate (by count)",
    unit="%",
    formula="退款笔数 / 支付笔数 (refunded order lines / paid order lines)",
    area="after_sales",
    notes="Count order lines (子订单) on both sides, or orders on both sides, never a mix. "
    + _REFUND_PERIOD,
)
@_doc(_RETURNS_FRACTION)
def refund_rate_by_count(refunded, paid):
    """Refund rate by count 退款率(笔数).

    Formula: 退款笔数 / 支付笔数 (refunded order lines / paid order lines)

    Parameters
    ----------
    refunded : scalar, array or Series
        Refunded order lines (or refunded orders).
    paid : scalar, array or Series
        Paid order lines (or paid orders: the same unit as ``refunded``).
    """
    return _rate("refund_rate_by_count", refunded, paid, "支付笔数 paid order lines")


# --------------------------------------------------------------------------- customers

_ORDERS_INPUT = "An order is a distinct order_id (see Repurchase from order lines for the rules)."


@metric(
    key="repurchase_rate_customers",
    zh="复购率(人数)",
    en="Repurchase rate (customers)",
    unit="%",
    formula="购买≥2次的客户数 / 购买≥1次的客户数 (customers with >= 2 paid orders in the "
    "period / customers with >= 1)",
    area="customers",
    notes="Depends on the period length: a year has a higher rate than a month. " + _ORDERS_INPUT,
    reduction="repurchase_rate_customers_from_orders",
)
@_doc(_RETURNS_FRACTION)
def repurchase_rate_customers(repeat_customers, customers):
    """Repurchase rate by customers 复购率(人数).

    Formula: 购买≥2次的客户数 / 购买≥1次的客户数 (customers with >= 2 paid orders in the
    period / customers with >= 1)

    Counts from order lines: :func:`repurchase_rate_customers_from_orders`.

    Parameters
    ----------
    repeat_customers : scalar, array or Series
        Customers with at least two paid orders (distinct order ids) in the period.
    customers : scalar, array or Series
        Customers with at least one paid order in the period.
    """
    return _rate("repurchase_rate_customers", repeat_customers, customers, "客户数 customers")


@metric(
    key="repurchase_rate_orders",
    zh="复购率(订单)",
    en="Repurchase rate (orders)",
    unit="%",
    formula="复购客户的订单数 / 订单数 (orders placed by customers who have >= 2 orders in "
    "the period / all orders)",
    area="customers",
    notes="All orders of a repeat customer count, including the first. Higher than the "
    "customer-based rate. " + _ORDERS_INPUT,
    reduction="repurchase_rate_orders_from_orders",
)
@_doc(_RETURNS_FRACTION)
def repurchase_rate_orders(repeat_customer_orders, orders):
    """Repurchase rate by orders 复购率(订单).

    Formula: 复购客户的订单数 / 订单数 (orders placed by customers who have >= 2 orders in
    the period / all orders)

    Counts from order lines: :func:`repurchase_rate_orders_from_orders`.

    Parameters
    ----------
    repeat_customer_orders : scalar, array or Series
        Paid orders placed by customers who have at least two paid orders in the period
        (all of their orders, the first included).
    orders : scalar, array or Series
        All paid orders in the period (distinct order ids).
    """
    return _rate("repurchase_rate_orders", repeat_customer_orders, orders, "订单数 orders")


@metric(
    key="repurchase_within_days",
    zh="N日复购率",
    en="N-day repurchase rate",
    unit="%",
    formula="首购在观察期内且N天内再次购买的客户数 / 首购在观察期内的客户数 (customers whose "
    "first purchase is in the cohort window and who buy again within N days after it / those "
    "customers)",
    area="customers",
    notes="Days are calendar days: a second order on the day of the first counts, N days "
    "later still counts. Customers whose N-day window is not complete by the data's last day "
    "are excluded (and counted in the note), otherwise recent customers would drag the rate "
    "down. First purchase = first paid order in the data, so the data must start well before "
    "the cohort window. " + _ORDERS_INPUT,
    reduction="repurchase_within_days_from_orders",
)
@_doc(_RETURNS_FRACTION)
def repurchase_within_days(repeat_customers, cohort_customers):
    """N-day repurchase rate N日复购率.

    Formula: 首购在观察期内且N天内再次购买的客户数 / 首购在观察期内的客户数 (customers whose
    first purchase is in the cohort window and who buy again within N days after it / those
    customers)

    Counts from order lines: :func:`repurchase_within_days_from_orders`, which also
    leaves out customers whose N-day window is not complete by the end of the data.

    Parameters
    ----------
    repeat_customers : scalar, array or Series
        Cohort customers who paid another order within N days of their first.
    cohort_customers : scalar, array or Series
        Customers whose first purchase is in the cohort window and whose N-day window is
        complete.
    """
    return _rate(
        "repurchase_within_days", repeat_customers, cohort_customers, "首购客户数 cohort customers"
    )


@metric(
    key="returning_rate",
    zh="回购率",
    en="Returning rate",
    unit="%",
    formula="上期购买且本期再次购买的客户数 / 上期购买客户数 (buyers of the previous period "
    "who buy again in this period / buyers of the previous period)",
    area="customers",
    notes="By default the previous period is the same number of days right before this one. "
    + _ORDERS_INPUT,
    reduction="returning_rate_from_orders",
)
@_doc(_RETURNS_FRACTION)
def returning_rate(returning_customers, previous_customers):
    """Returning rate 回购率.

    Formula: 上期购买且本期再次购买的客户数 / 上期购买客户数 (buyers of the previous period
    who buy again in this period / buyers of the previous period)

    Counts from order lines: :func:`returning_rate_from_orders`.

    Parameters
    ----------
    returning_customers : scalar, array or Series
        Buyers of the previous period who paid again in this period.
    previous_customers : scalar, array or Series
        Buyers (at least one paid order) of the previous period.
    """
    return _rate(
        "returning_rate", returning_customers, previous_customers, "上期客户数 previous buyers"
    )


@metric(
    key="cohort_retention",
    zh="同期群留存率",
    en="Cohort retention",
    unit="%",
    formula="首购月为同一月的客户中第k月仍有购买的客户数 / 该同期群客户数 (customers of a "
    "first-purchase month who buy in month k after it / the cohort's customers)",
    area="customers",
    notes="Month 0 is the first-purchase month (100%). Calendar months: month 1 is the next "
    "calendar month, whatever the day of the first purchase. Only months fully observed count. "
    + _ORDERS_INPUT,
)
@_doc(_RETURNS_FRACTION)
def cohort_retention(active_customers, cohort_customers):
    """Cohort retention 同期群留存率.

    Formula: 首购月为同一月的客户中第k月仍有购买的客户数 / 该同期群客户数 (customers of a
    first-purchase month who buy in month k after it / the cohort's customers)

    Parameters
    ----------
    active_customers : scalar, array or Series
        Customers of the cohort with at least one paid order in calendar month k after their
        first-purchase month.
    cohort_customers : scalar, array or Series
        Customers whose first paid order (in the data) is in the cohort's month.
    """
    return _rate("cohort_retention", active_customers, cohort_customers, "同期群客户数 cohort customers")


@metric(
    key="cohort_sales_per_customer",
    zh="同期群人均累计消费",
    en="Cumulative sales per cohort customer",
    unit="yuan",
    formula="同期群截至第k月的累计支付金额(扣除退款) / 该同期群客户数 (the cohort's sales from "
    "its first month through month k, net of refunds / the cohort's customers)",
    area="customers",
    notes="Every customer of the cohort counts in the denominator, including those who never "
    "came back, so the curve shows what an acquired customer is worth k months on.",
)
@_doc(_RETURNS_YUAN)
def cohort_sales_per_customer(cumulative_sales, cohort_customers):
    """Cumulative sales per cohort customer 同期群人均累计消费.

    Formula: 同期群截至第k月的累计支付金额(扣除退款) / 该同期群客户数 (the cohort's sales
    from its first month through month k, net of refunds / the cohort's customers)

    Parameters
    ----------
    cumulative_sales : scalar, array or Series
        Sales (yuan, net of refunds) of the cohort's customers from the first-purchase month
        through month k.
    cohort_customers : scalar, array or Series
        Customers whose first paid order is in the cohort's month.
    """
    return _rate(
        "cohort_sales_per_customer", cumulative_sales, cohort_customers, "同期群客户数 cohort customers"
    )


# --------------------------------------------------------------------------- market


@metric(
    key="hhi",
    zh="赫芬达尔指数 HHI",
    en="HHI",
    unit="points",
    formula="10000 × Σ 卖家销售额² / (Σ 卖家销售额)² (10000 × sum of sellers' sales squared / total sales squared)",
    area="market",
    notes="Sum of the squared percentage shares of every seller (shop unless stated) of a category "
    "in a period: 10000 = one seller, 10000 / n = n equal sellers. Below 1500 unconcentrated, "
    "1500-2500 moderately, above 2500 highly concentrated (US merger guidelines). Sales include "
    "listings known only by their trade index at their calibrated estimate.",
)
def hhi(sum_of_squared_sales, total_sales):
    """Herfindahl-Hirschman index 赫芬达尔指数, from two reductions over sellers.

    Formula: 10000 × Σ 卖家销售额² / (Σ 卖家销售额)² (10000 × sum of sellers' sales squared /
    total sales squared), with each seller's sales (元) in the period, so the index is the sum
    of squared percentage shares.

    Parameters
    ----------
    sum_of_squared_sales : scalar, array or Series
        Σ s_i² over the sellers (元²).
    total_sales : scalar, array or Series
        Σ s_i, the market's sales (元).

    Returns
    -------
    float, ndarray or Series
        Points from 0 to 10000, same shape as the inputs. NaN where the market's sales are
        0 or missing (a month without sales has no concentration); a :class:`MetricNote`
        says how many.
    """
    (q, t), shape = _prepare(sum_of_squared_sales, total_sales)
    value, notes = _divide(q, t * t, "市场销售额 market sales", scale=10000.0, name="hhi")
    _warn(METRICS["hhi"].zh, notes)
    return shape(value, "hhi")


@metric(
    key="concentration_ratio",
    zh="集中度 CR-n",
    en="Concentration ratio CR-n",
    unit="%",
    formula="前 n 名卖家销售额 / 市场销售额 (sales of the top n sellers / market sales)",
    area="market",
    notes="CR3, CR5 and CR10 rank sellers (shops unless stated) by sales in the same period; "
    "with fewer than n sellers the ratio is 100%. Sales include index-only listings at their "
    "calibrated estimate.",
)
@_doc(_RETURNS_FRACTION)
def concentration_ratio(top_sales, total_sales):
    """Concentration ratio CR-n 集中度: the top n sellers' share of the market.

    Formula: 前 n 名卖家销售额 / 市场销售额 (sales of the top n sellers / market sales), in 元 / 元.

    Parameters
    ----------
    top_sales : scalar, array or Series
        Sales of the n largest sellers in the period (元).
    total_sales : scalar, array or Series
        Sales of the whole market in the same period (元).
    """
    return _rate("concentration_ratio", top_sales, total_sales, "市场销售额 market sales")


@metric(
    key="demand_per_listing",
    zh="单品需求",
    en="Demand per listing",
    unit="yuan",
    formula="区间销售额 / 区间在售商品月数 (band sales / listing-months in the band)",
    area="market",
    notes="Average monthly sales of one listing in a segment (price band, category): how much "
    "demand each seller's listing gets. A high value with few listings marks an under-supplied "
    "segment. A listing-month is one listing on sale in one month (a listing whose price moves "
    "into another band counts there that month).",
)
@_doc(_RETURNS_YUAN)
def demand_per_listing(sales, listing_months):
    """Demand per listing 单品需求: sales per listing per month in a segment.

    Formula: 区间销售额 / 区间在售商品月数 (band sales / listing-months in the band), 元 per
    listing-month.

    Parameters
    ----------
    sales : scalar, array or Series
        Sales of the segment over the period (元).
    listing_months : scalar, array or Series
        Listings on sale in the segment, summed over the months of the period.
    """
    return _rate("demand_per_listing", sales, listing_months, "在售商品月数 listing-months")


@metric(
    key="opportunity_score",
    zh="机会分",
    en="Opportunity score",
    unit="points",
    formula="100 × (w_需求·需求分 + w_增长·增长分 + w_竞争·(1 - 竞争分)) / (w_需求 + w_增长 + w_竞争) "
    "(100 × weighted mean of demand, growth and 1 - competition scores)",
    area="market",
    notes="Scores are percentile ranks (0-1) among the segments compared: demand = sales of the "
    "last 12 full months, growth = sales of the last 6 full months against the same months a "
    "year earlier, competition = HHI of the segment's shops. 0-100; the weights are parameters "
    "of the report.",
)
def opportunity_score(demand_score, growth_score, competition_score, w_demand=1.0, w_growth=1.0,
                      w_competition=1.0):
    """Opportunity score 机会分 of a segment from its component scores.

    Formula: 100 × (w_需求·需求分 + w_增长·增长分 + w_竞争·(1 - 竞争分)) / (w_需求 + w_增长 + w_竞争)
    (100 × weighted mean of demand, growth and 1 - competition scores), where the scores are
    the segment's percentile ranks (0-1) in demand, growth and competition (HHI) among the
    segments compared; less competition scores higher.

    Parameters
    ----------
    demand_score, growth_score, competition_score : scalar, array or Series
        Percentile ranks in [0, 1].
    w_demand, w_growth, w_competition : scalar, array or Series
        Non-negative weights.

    Returns
    -------
    float, ndarray or Series
        Points from 0 to 100, same shape as the inputs. NaN where the weights sum to 0 or a
        component is missing; a :class:`MetricNote` says how many.
    """
    (d, g, c, wd, wg, wc), shape = _prepare(demand_score, growth_score, competition_score, w_demand,
                                             w_growth, w_competition)
    value, notes = _divide(wd * d + wg * g + wc * (1 - c), wd + wg + wc, "权重之和 sum of weights",
                           scale=100.0, name="opportunity_score")
    _warn(METRICS["opportunity_score"].zh, notes)
    return shape(value, "opportunity_score")


# --------------------------------------------------------------------------- general


@metric(
    key="change",
    zh="变化率",
    en="Change",
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
    value, notes = _divide(c - p, np.abs(p), "上期 previous", name="change")
    _warn(METRICS["change"].zh, notes)
    return shape(value, "change")


@metric(
    key="share",
    zh="占比",
    en="Share",
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
    return _rate("share", part, total, "合计 total")


# --------------------------------------------------------------------------- multi-day rates

_METHODS = {
    "pooled": {
        "zh": "合计口径 (pooled)",
        "en": "pooled (total / total)",
        "doc": "sum of the numerators / sum of the denominators over the days. Each visitor-day "
        "weighs the same; busy days weigh more.",
    },
    "daily_mean": {
        "zh": "日均口径 (mean of daily rates)",
        "en": "daily mean (mean of daily rates)",
        "doc": "mean of the daily rates over the days with a non-zero denominator. Each day "
        "weighs the same, so quiet days weigh as much as busy ones (a slow day with 1 buyer "
        "out of 10 visitors moves it as much as a busy one).",
    },
}


def describe_method(method: str, lang: str = "zh") -> str:
    """Short label of a multi-day method: ``"合计口径 (pooled)"`` / ``"日均口径 (mean of daily
    rates)"`` (zh), ``"pooled (total / total)"`` / ``"daily mean (mean of daily rates)"`` (en).
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {list(_METHODS)}, not {method!r}")
    return _METHODS[method][_lang(lang)]


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
    title = METRICS[key].zh if key else "rate"
    title = f"{title} {describe_method(method, 'zh')}"
    notes = []
    present = ~np.isnan(n) & ~np.isnan(d)
    days = int(n.size)
    missing = days - int(present.sum())
    if missing:
        notes.append(
            f"{_count_text(missing, days, 'day', ('is', 'are'))} missing a value, left out"
        )
    if method == "pooled":
        total = float(d[present].sum())
        if total == 0:
            notes.append("the total denominator is 0 -> NaN")
            value = math.nan
        else:
            value = float(n[present].sum()) / total * scale
    else:
        usable = present & (d != 0)
        zero = int(np.count_nonzero(present & (d == 0)))
        if zero:
            notes.append(
                f"{_count_text(zero, days, 'day', ('has', 'have'))} a denominator of 0, left out "
                "of the daily mean"
            )
        if not usable.any():
            notes.append("no day has a non-zero denominator -> NaN")
            value = math.nan
        else:
            value = float(np.mean(n[usable] / d[usable])) * scale
    _warn(title, notes)
    return value


# --------------------------------------------------------------------------- intervals


def note(message: str, stacklevel: int = 3) -> None:
    """Raise a :class:`MetricNote` for the caller of the helper that calls this.

    ``stacklevel=3`` points past this function and the area helper to the line of the
    notebook or test that called the helper, so the note says where it came from.
    """
    warnings.warn(MetricNote(message), stacklevel=stacklevel)


def z_value(confidence: float) -> float:
    """Two-sided normal quantile of a confidence level (0.95 -> 1.96)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _wilson(successes: Any, trials: Any, confidence: float):
    (s, n), shape = _prepare(successes, trials)
    z = z_value(confidence)
    notes = _denominator_notes(n, "trials", "trial count")
    invalid = (n > 0) & ((s < 0) | (s > n))
    if invalid.any():
        notes.append(
            f"{_count_text(int(invalid.sum()), n.size, 'value', ('is', 'are'))} outside "
            "0..trials -> NaN"
        )
    bad = ~(n > 0) | invalid | np.isnan(s)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = s / n
        denom = 1 + z**2 / n
        center = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        low = np.clip(center - half, 0.0, 1.0)
        high = np.clip(center + half, 0.0, 1.0)
    low = np.where(bad, np.nan, np.where(s == 0, 0.0, low))
    high = np.where(bad, np.nan, np.where(s == n, 1.0, high))
    rate = np.where(bad, np.nan, p)
    return rate, low, high, shape, notes


def wilson_interval(successes: Any, trials: Any, confidence: float = 0.95):
    """Wilson score interval for a rate (better than p ± z·se for small counts and rates).

    Formula: (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), p = successes / trials.

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
        missing trials give NaN (with a :class:`MetricNote`), as do successes outside
        ``0..trials``.
    """
    _, low, high, shape, notes = _wilson(successes, trials, confidence)
    _warn(f"Wilson interval ({confidence:.0%})", notes)
    return shape(low, "low"), shape(high, "high")


def rate_with_interval(successes: Any, trials: Any, confidence: float = 0.95):
    """Rate with its Wilson interval.

    Returns
    -------
    dict or DataFrame
        ``{"rate", "low", "high"}`` (floats) for scalar input; otherwise a DataFrame with
        columns rate, low, high (index of the input Series). Zero trials give NaN with one
        :class:`MetricNote`.
    """
    rate, low, high, shape, notes = _wilson(successes, trials, confidence)
    _warn(f"rate with Wilson interval ({confidence:.0%})", notes)
    r, lo, hi = shape(rate), shape(low), shape(high)
    if isinstance(r, float):
        return {"rate": r, "low": lo, "high": hi}
    if isinstance(r, pd.Series):
        return pd.DataFrame({"rate": r, "low": lo, "high": hi}, index=r.index)
    return pd.DataFrame({"rate": r, "low": lo, "high": hi})


# --------------------------------------------------------------------------- repurchase reductions


@dataclass(frozen=True)
class RateResult:
    """A rate counted from order lines, with its counts.

    ``numerator`` / ``denominator`` are the counts behind ``rate``; ``details`` holds the
    rest (excluded lines, censored customers, periods); ``notes`` repeats what the
    :class:`MetricNote` said.
    """

    metric: str
    rate: float
    numerator: int
    denominator: int
    details: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __float__(self) -> float:
        return float(self.rate)

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "rate": self.rate,
            "numerator": self.numerator,
            "denominator": self.denominator,
            **self.details,
        }


_ORDER_COLUMNS = ("customer_id", "order_id", "pay_time")


def _day(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        raise ValueError(f"not a date: {value!r}")
    return ts.normalize()


def _order_table(orders: Any):
    """Ibis table of the three columns, cleaned (customer_id stripped, pay_time timestamp)."""
    import ibis

    if isinstance(orders, ibis.expr.types.Table):
        t = orders
        missing = [c for c in _ORDER_COLUMNS if c not in t.columns]
    else:
        df = pd.DataFrame(orders)
        missing = [c for c in _ORDER_COLUMNS if c not in df.columns]
        if not missing:
            df = df.loc[:, list(_ORDER_COLUMNS)].copy()
            df["customer_id"] = df["customer_id"].astype("string")
            df["order_id"] = df["order_id"].astype("string")
            df["pay_time"] = pd.to_datetime(df["pay_time"])
            t = ibis.memtable(df)
    if missing:
        raise KeyError(f"orders need the columns {list(_ORDER_COLUMNS)}; missing {missing}")
    pay = t.pay_time if t.pay_time.type().is_timestamp() else t.pay_time.cast("timestamp")
    return t.select(
        customer_id=t.customer_id.cast("string").strip(),
        order_id=t.order_id.cast("string"),
        pay_time=pay,
    )


@dataclass(frozen=True)
class PreparedOrders:
    """Paid orders reduced once for several repurchase reductions (see :func:`prepare_orders`).

    ``table`` has one row per paid order of a known customer (customer_id, order_id,
    pay_time), materialised in the engine; ``stats`` and ``notes`` describe what was left out.
    """

    table: Any
    stats: dict
    notes: tuple[str, ...]


def prepare_orders(orders: Any, one_row_per_order: bool = False) -> PreparedOrders:
    """Reduce order lines to paid orders once, for several ``*_from_orders`` calls.

    Every repurchase reduction accepts the result in place of ``orders``; on a large shop
    this saves re-grouping millions of lines for each metric and month.

    Parameters
    ----------
    orders : ibis Table or pandas DataFrame (customer_id, order_id, pay_time).
    one_row_per_order : True when ``orders`` is already one row per paid order of a known
        customer (an engine table that was grouped by order, such as the purchases of
        :func:`helpers.customers.paid_purchases`), with customer ids already stripped: it is
        used as it is, without grouping again and without copying it. The caller vouches
        for it; nothing is checked. Its ``order_id`` then only has to tell a customer's
        orders apart (the reductions count rows and break ties of pay time with it).
    """
    import ibis

    if not one_row_per_order:
        o, stats, notes = _prepare_orders(orders)
        return PreparedOrders(cache_table(o), stats, tuple(notes))
    o = orders.select(*_ORDER_COLUMNS) if isinstance(orders, ibis.expr.types.Table) else _order_table(orders)
    stats = o.aggregate(lines=o.count(), data_start=o.pay_time.min(), data_end=o.pay_time.max()).execute()
    stats = stats.iloc[0].to_dict()
    stats.update(lines=int(stats["lines"] or 0), empty_customer_lines=0, empty_customer_orders=0, unpaid_lines=0)
    return PreparedOrders(o, stats, ())


def _prepare_orders(orders: Any):
    """(order-level table, stats dict, notes). One row per paid order of a known customer."""
    from ibis import _

    if isinstance(orders, PreparedOrders):
        return orders.table, dict(orders.stats), list(orders.notes)
    t = _order_table(orders)
    known = known_customer(t)
    stats = (
        t.aggregate(
            lines=_.count(),
            empty_customer_lines=_.count(where=~known),
            empty_customer_orders=_.order_id.nunique(where=~known),
            unpaid_lines=_.count(where=known & _.pay_time.isnull()),
            data_start=_.pay_time.min(),
            data_end=_.pay_time.max(),
        )
        .execute()
        .iloc[0]
        .to_dict()
    )
    for k in ("lines", "empty_customer_lines", "empty_customer_orders", "unpaid_lines"):
        stats[k] = int(stats[k] or 0)
    notes = []
    if stats["empty_customer_lines"]:
        k, total = stats["empty_customer_lines"], stats["lines"]
        orders_k = stats["empty_customer_orders"]
        notes.append(
            f"{k} of {total} order line{'s' if total != 1 else ''} "
            f"({orders_k} order{'s' if orders_k != 1 else ''}) with an empty customer_id "
            "excluded"
        )
    if stats["unpaid_lines"]:
        notes.append(f"{stats['unpaid_lines']} order line(s) without pay_time (unpaid) excluded")
    o = (
        t.filter(known, t.pay_time.notnull())
        .group_by("order_id")
        .aggregate(customer_id=_.customer_id.min(), pay_time=_.pay_time.min())
    )
    return o, stats, notes


def first_of(value: Any, *order: Any) -> Any:
    """Aggregate: ``value`` of the row that comes first by ``order`` (ascending, left to right).

    Ties in ``order`` go to the smallest value, so the result is the same on every engine
    when the order or the value is an id (argmin over a tied key returns any of the tied
    rows, and DuckDB and Spark return different ones). One grouping pass: ibis compiles it
    to an ordered ``first`` on DuckDB and ``min_by`` on Spark; measured on 7 million rows in
    DuckDB it is faster than a row_number window or the minimum of a struct. DuckDB keeps
    each group's rows in memory for it (a window spills to disk): use it where groups are
    small (the lines of an order, the orders of a customer's day), not over a customer's
    whole history on a capped engine. Negate a numeric order column for "largest first".
    Every field must be non-null.
    """
    import ibis

    return value.argmin(ibis.struct({**{f"k{i}": key for i, key in enumerate(order)}, "value": value}))


def _in_days(col, start: Any, end: Any):
    """Filter condition: start <= col < end + 1 day (calendar days, both inclusive)."""
    import ibis

    cond = ibis.literal(True)
    if start is not None:
        cond = cond & (col >= ibis.literal(_day(start).to_pydatetime(), type="timestamp"))
    if end is not None:
        stop = (_day(end) + pd.Timedelta(days=1)).to_pydatetime()
        cond = cond & (col < ibis.literal(stop, type="timestamp"))
    return cond


def _period_text(start: Any, end: Any) -> str:
    a = _day(start).date().isoformat() if start is not None else "start of data"
    b = _day(end).date().isoformat() if end is not None else "end of data"
    return f"{a} .. {b}"


def _quiet_ibis(func: Callable[..., Any]) -> Callable[..., Any]:
    """Silence a pandas-4 deprecation that ibis triggers internally (not actionable here).

    MetricNotes still get through. Adds one frame: ``_finish`` uses stacklevel 5.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r".*future\.infer_string.*")
            return func(*args, **kwargs)

    return wrapper


def _finish(
    key: str, num: int, den: int, den_label: str, details: dict, notes: list[str]
) -> RateResult:
    rate, more = _divide(num, den, den_label)
    notes = notes + more
    # 1 _warn, 2 _finish, 3 the public reduction, 4 _quiet_ibis wrapper, 5 the caller
    _warn(METRICS[key].zh, notes, stacklevel=5)
    return RateResult(key, rate, int(num), int(den), details, tuple(notes))


def _per_customer_counts(orders: Any, start: Any, end: Any):
    from ibis import _

    o, stats, notes = _prepare_orders(orders)
    o = o.filter(_in_days(o.pay_time, start, end))
    res = (
        o.group_by("customer_id")
        .aggregate(n=_.count())
        .aggregate(
            customers=_.count(),
            repeat_customers=_.count(where=_.n >= 2),
            orders=_.n.sum(),
            repeat_customer_orders=_.n.sum(where=_.n >= 2),
        )
        .execute()
        .iloc[0]
    )
    counts = {k: int(0 if pd.isna(v) else v) for k, v in res.items()}
    details = {
        **counts,
        "period": _period_text(start, end),
        "excluded_lines": stats["empty_customer_lines"],
        "unpaid_lines": stats["unpaid_lines"],
    }
    return details, notes


@_quiet_ibis
def repurchase_rate_customers_from_orders(orders: Any, start: Any = None, end: Any = None):
    """复购率(人数) counted from paid order lines, in DuckDB through Ibis.

    Formula: customers with >= 2 paid orders in the period / customers with >= 1.

    Parameters
    ----------
    orders : ibis Table, pandas DataFrame or PreparedOrders
        Paid order lines with columns customer_id, order_id, pay_time (several lines per
        order allowed; an order is a distinct order_id). Lines with an empty customer_id or
        no pay_time are excluded and counted in the note.
    start, end : date-like, optional
        The period, calendar days, both inclusive (by the order's pay_time). Default: all.

    Returns
    -------
    RateResult
        ``numerator`` = repeat customers, ``denominator`` = customers; ``details`` also has
        orders, repeat_customer_orders, excluded_lines.
    """
    details, notes = _per_customer_counts(orders, start, end)
    return _finish(
        "repurchase_rate_customers",
        details["repeat_customers"],
        details["customers"],
        "客户数 customers",
        details,
        notes,
    )


@_quiet_ibis
def repurchase_rate_orders_from_orders(orders: Any, start: Any = None, end: Any = None):
    """复购率(订单) counted from paid order lines, in DuckDB through Ibis.

    Formula: orders placed by customers who have >= 2 orders in the period / all orders
    (all distinct order ids of known customers paid in the period).

    Parameters
    ----------
    orders : ibis Table, pandas DataFrame or PreparedOrders
        Paid order lines (customer_id, order_id, pay_time); see
        :func:`repurchase_rate_customers_from_orders`.
    start, end : date-like, optional
        The period, calendar days, both inclusive.

    Returns
    -------
    RateResult
        ``numerator`` = orders of repeat customers, ``denominator`` = orders.
    """
    details, notes = _per_customer_counts(orders, start, end)
    return _finish(
        "repurchase_rate_orders",
        details["repeat_customer_orders"],
        details["orders"],
        "订单数 orders",
        details,
        notes,
    )


@_quiet_ibis
def repurchase_within_days_from_orders(
    orders: Any,
    days: int,
    cohort_start: Any = None,
    cohort_end: Any = None,
    *,
    data_end: Any = None,
    new_customers_only: bool = True,
    cohort_days: Any = None,
):
    """N日复购率 counted from paid order lines, in DuckDB through Ibis.

    Formula: customers whose first purchase is in the cohort window and who buy again
    within N days after it / those customers.

    A repurchase is another paid order (different order_id) whose pay date is at most
    ``days`` calendar days after the first order's pay date (same day counts). Customers
    whose N-day window is not complete by ``data_end`` (first pay date + N > data_end) are
    excluded from both counts, and counted in the note and ``details["censored"]``.

    Parameters
    ----------
    orders : ibis Table, pandas DataFrame or PreparedOrders
        Paid order lines (customer_id, order_id, pay_time).
    days : int
        N.
    cohort_start, cohort_end : date-like, optional
        Cohort window of first purchases, calendar days, both inclusive. Default: all data.
    data_end : date-like, optional
        Last day the data covers (inclusive). Default: the last pay date in the data; pass
        it when the export runs past the last order.
    new_customers_only : bool
        True (default): the first purchase is the customer's first paid order in the data,
        and customers who bought before the window are not in the cohort. False: every
        customer who bought in the window, anchored on their first order in the window.
    cohort_days : collection of date-likes, optional
        With new customers only: the cohort is the customers whose first purchase falls on
        one of these days (inside the window), e.g. a campaign's clean pre-period with the
        other campaigns' days taken out. One pass, the same counts as adding up the results
        of each run of consecutive days as its own window.

    Returns
    -------
    RateResult
        ``numerator`` = repeaters, ``denominator`` = cohort customers with a complete window;
        ``details`` has cohort_customers, censored, data_end.
    """
    import ibis
    from ibis import _

    days = int(days)
    if days < 0:
        raise ValueError("days must be >= 0")
    if cohort_days is not None and not new_customers_only:
        # a returning customer's anchor depends on where each window starts
        raise ValueError("cohort_days needs new_customers_only=True")
    o, stats, notes = _prepare_orders(orders)
    if data_end is None:
        end_day = None if pd.isna(stats["data_end"]) else _day(stats["data_end"])
    else:
        end_day = _day(data_end)
    o = o.mutate(pay_date=_.pay_time.date())
    if end_day is not None:
        o = o.filter(_.pay_date <= ibis.literal(end_day.date(), type="date"))

    # One pass over each customer's orders in time order (a window, not a join of the orders
    # with their first ones: on 7 million orders the join took 5.3 s against 3.4 s and held
    # both sides). The anchor is the first order in the cohort window: the customer's first order
    # (new customers only) or the one whose previous order is before the window. The order
    # right after it is the earliest other order paid at or after it, so the customer
    # repurchased within N days exactly when that order's day is at most N days later.
    w = ibis.window(group_by="customer_id", order_by=["pay_time", "order_id"])
    o = o.mutate(prev_time=o.pay_time.lag().over(w), next_date=o.pay_date.lead().over(w))
    starts = o.prev_time.isnull()
    if not new_customers_only and cohort_start is not None:
        starts = starts | ~_in_days(o.prev_time, cohort_start, None)
    first = o.filter(starts & _in_days(o.pay_time, cohort_start, cohort_end))
    if cohort_days is not None:
        chosen = sorted({_day(d).date() for d in cohort_days})
        first = first.filter(first.pay_date.isin([ibis.literal(d, type="date") for d in chosen]) if chosen
                             else ibis.literal(False))
    end_lit = ibis.literal((end_day or pd.Timestamp("2262-01-01")).date(), type="date")
    horizon = first.pay_date + ibis.interval(days=days)
    complete = horizon <= end_lit
    res = (
        first.aggregate(
            cohort_customers=_.count(),
            censored=_.count(where=~complete),
            eligible=_.count(where=complete),
            repeaters=_.count(where=complete & first.next_date.notnull() & (first.next_date <= horizon)),
        )
        .execute()
        .iloc[0]
    )
    counts = {k: int(0 if pd.isna(v) else v) for k, v in res.items()}
    end_text = end_day.date().isoformat() if end_day is not None else "n/a"
    if counts["censored"]:
        k, total = counts["censored"], counts["cohort_customers"]
        notes.append(
            f"{k} of {total} cohort customer{'s' if total != 1 else ''} left out: their "
            f"{days}-day window runs past the data's last day ({end_text})"
        )
    details = {
        "days": days,
        "cohort": _period_text(cohort_start, cohort_end),
        "data_end": end_text,
        "new_customers_only": new_customers_only,
        "cohort_customers": counts["cohort_customers"],
        "censored": counts["censored"],
        "repeat_customers": counts["repeaters"],
        "customers": counts["eligible"],
        "excluded_lines": stats["empty_customer_lines"],
        "unpaid_lines": stats["unpaid_lines"],
    }
    return _finish(
        "repurchase_within_days",
        counts["repeaters"],
        counts["eligible"],
        "首购客户数 cohort customers",
        details,
        notes,
    )


@_quiet_ibis
def returning_rate_from_orders(orders: Any, current: tuple[Any, Any], previous=None):
    """回购率 counted from paid order lines, in DuckDB through Ibis.

    Formula: buyers of the previous period who buy again in this period / buyers of the
    previous period.

    Parameters
    ----------
    orders : ibis Table, pandas DataFrame or PreparedOrders
        Paid order lines (customer_id, order_id, pay_time).
    current : (start, end)
        This period, calendar days, both inclusive.
    previous : (start, end), optional
        The previous period; default: the same number of days right before ``current``.

    Returns
    -------
    RateResult
        ``numerator`` = returning customers, ``denominator`` = previous-period customers;
        ``details`` also has current_customers and both periods.
    """
    from ibis import _

    cur_start, cur_end = _day(current[0]), _day(current[1])
    if cur_end < cur_start:
        raise ValueError("current period ends before it starts")
    if previous is None:
        length = (cur_end - cur_start).days + 1
        prev_end = cur_start - pd.Timedelta(days=1)
        prev_start = prev_end - pd.Timedelta(days=length - 1)
    else:
        prev_start, prev_end = _day(previous[0]), _day(previous[1])
    o, stats, notes = _prepare_orders(orders)
    in_prev = _in_days(o.pay_time, prev_start, prev_end)
    in_cur = _in_days(o.pay_time, cur_start, cur_end)
    res = (
        o.filter(in_prev | in_cur)  # only the two periods' buyers count: group thousands, not every customer
        .mutate(p=in_prev, c=in_cur)
        .group_by("customer_id")
        .aggregate(p=_.p.any(), c=_.c.any())
        .aggregate(
            previous_customers=_.count(where=_.p),
            returning_customers=_.count(where=_.p & _.c),
            current_customers=_.count(where=_.c),
        )
        .execute()
        .iloc[0]
    )
    counts = {k: int(0 if pd.isna(v) else v) for k, v in res.items()}
    details = {
        **counts,
        "previous": _period_text(prev_start, prev_end),
        "current": _period_text(cur_start, cur_end),
        "excluded_lines": stats["empty_customer_lines"],
        "unpaid_lines": stats["unpaid_lines"],
    }
    return _finish(
        "returning_rate",
        counts["returning_customers"],
        counts["previous_customers"],
        "上期客户数 previous buyers",
        details,
        notes,
    )


# --------------------------------------------------------------------------- docs


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render_metrics_doc() -> str:
    """The Markdown of ``docs/metrics.md``, generated from :data:`METRICS`."""
    lines = [
        "<!-- Generated by `workbook docs` from helpers/metrics.py (render_metrics_doc). "
        "Do not edit: change the registry and regenerate. -->",
        "",
        "# Metric definitions (指标口径)",
        "",
        "This file is generated by `workbook docs` from the registry in `helpers/metrics.py`; "
        "a test fails when the file and the code disagree. Every metric is one function "
        "`helpers.metrics.<key>`.",
        "",
        "## Conventions",
        "",
        "- Rates (unit %) are returned as fractions: 0.035 means 3.5%. Money is in yuan (元). "
        "ROI-type metrics are ratios (×).",
        "- Inputs are scalars, numpy arrays or pandas Series (aligned on the index); the "
        "output has the same shape.",
        '- A zero or missing denominator gives NaN (shown as "—" in reports), never 0 and '
        "never an error, and one `MetricNote` warning per call says how many values were "
        "affected and which input was 0, e.g. "
        "`支付转化率: 3 of 10 denominators are 0 -> NaN (访客数 visitors = 0)`.",
        "- Several days: see [Multi-day rates](#multi-day-rates). Uncertainty: see "
        "[Intervals](#intervals).",
        "- Sales figures (支付金额, 支付笔数, 支付买家数, refunds, margins, repurchase) start from "
        "the paid order lines, `helpers.data.paid_order_lines`: `status` paid with a `pay_time`; "
        "a period takes the lines paid on its calendar days (start 00:00 to the day after the "
        "end, exclusive). A line marked paid without a pay time counts nowhere, and a refund of "
        "it is reported as matching no paid line.",
        "- Figures about people (支付买家数, first-time buyers, repurchase, RFM, customer "
        "lifetime) count known customers only, `helpers.data.known_customer`: a `customer_id` "
        "that is neither missing nor empty (ids are stripped when a table is validated, so an "
        "id of spaces is empty). The other paid lines stay in sales and orders, and a note "
        "says how many there are.",
        "",
    ]
    for area, (zh, en) in AREAS.items():
        infos = [m for m in METRICS.values() if m.area == area]
        if not infos:
            continue
        lines += [
            f"## {zh} {en}",
            "",
            "| key | 中文名 | English | formula | unit | notes |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for m in infos:
            unit = UNITS[m.unit]
            unit_text = unit["zh"] if unit["zh"] == unit["en"] else f"{unit['zh']} ({unit['en']})"
            notes = m.notes
            if m.reduction:
                notes += f" From order lines: `{m.reduction}`."
            lines.append(
                f"| `{m.key}` | {_cell(m.zh)} | {_cell(m.en)} | {_cell(m.formula)} | "
                f"{_cell(unit_text)} | {_cell(notes)} |"
            )
        lines.append("")
    lines += [
        "## Multi-day rates",
        "",
        "`rate_over_days(numerator, denominator, method)` turns daily columns into one rate. "
        "Platform dashboards differ, so the caller chooses the method and the report labels "
        "it with `describe_method(method, lang)`:",
        "",
        "| method | 中文 | English | definition |",
        "| --- | --- | --- | --- |",
    ]
    for method, info in _METHODS.items():
        lines.append(
            f"| `{method}` | {_cell(info['zh'])} | {_cell(info['en'])} | {_cell(info['doc'])} |"
        )
    lines += [
        "",
        "Example: day 1 has 1 buyer of 10 visitors (10%), day 2 has 1 buyer of 100 visitors "
        "(1%). Pooled: 2 / 110 = 1.8%. Daily mean: (10% + 1%) / 2 = 5.5%.",
        "",
        "Days with a missing value are left out of both; days with a zero denominator are left "
        "out of the daily mean (and counted in the note). Summed daily visitors count a person "
        "once per day; a dashboard that deduplicates visitors over the period shows fewer "
        "visitors, so neither method reproduces it exactly.",
        "",
        "## Intervals",
        "",
        "`wilson_interval(successes, trials, confidence=0.95)` gives the Wilson score interval "
        "(low, high); `rate_with_interval` gives rate, low and high together. Formula: "
        "(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n) with p = successes / trials. "
        "It stays inside 0..1 and behaves at 0/n and n/n (low 0, high 1), where p ± z·se "
        "does not. Zero trials give NaN with a note. Example: 5 of 10 at 95% -> "
        "(0.2366, 0.7634).",
        "",
        "## Repurchase from order lines",
        "",
        "The four repurchase rates take counts; the `*_from_orders` functions count them from "
        "paid order lines inside DuckDB (Ibis expressions; a pandas DataFrame is wrapped with "
        "`ibis.memtable`) and return a `RateResult` (rate, numerator, denominator, details):",
        "",
        "- Input columns: `customer_id`, `order_id`, `pay_time`; one row per paid order line. "
        "An order is a distinct `order_id`: a customer with two lines in one order has one "
        "order and is not a repeat customer.",
        "- Lines with an empty `customer_id` (anonymous buyers, broken exports) and lines "
        "without `pay_time` are excluded and counted in the note.",
        "- Periods are calendar days, both ends inclusive, by the order's pay time.",
        "- N-day repurchase: a repurchase is another order paid at most N calendar days after "
        "the first order's pay date. Customers whose N-day window is not complete by the "
        "data's last day are excluded (censored) and counted in the note.",
        "- Returning rate: by default the previous period is the same number of days right "
        "before the current one.",
        "",
    ]
    return "\n".join(lines)


def write_metrics_doc(path: str | Path | None = None) -> Path:
    """Write :func:`render_metrics_doc` to ``docs/metrics.md`` (or ``path``)."""
    if path is None:
        path = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_metrics_doc(), encoding="utf-8")
    return path
