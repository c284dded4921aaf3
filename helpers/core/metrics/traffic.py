"""Traffic and paid-promotion metrics: conversion, AOV, UV value, CTR, CPC, ROI, break-even."""

from __future__ import annotations

import numpy as np

from helpers.core.metrics.registry import (
    _RETURNS_FRACTION,
    _RETURNS_RATIO,
    _RETURNS_YUAN,
    _denominator_notes,
    _doc,
    _prepare,
    _rate,
    _warn,
    count_note,
    metric,
)
from helpers.core.notes import Note

_MULTIDAY = (
    "Over several days use `rate_over_days` and label the method (see Multi-day rates): "
    "pooled and daily-mean rates differ."
)


@metric(
    key="conversion_rate",
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
    return _rate("conversion_rate", paid_buyers, visitors, "visitors")


@metric(
    key="order_conversion_rate",
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
    return _rate("order_conversion_rate", order_buyers, visitors, "visitors")


@metric(
    key="order_to_pay_rate",
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
    return _rate("order_to_pay_rate", paid_buyers, order_buyers, "order_buyers")


@metric(
    key="aov",
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
    return _rate("aov", paid_amount, paid_buyers, "paid_buyers")


@metric(
    key="amount_per_order",
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
    return _rate("amount_per_order", paid_amount, paid_orders, "paid_orders")


@metric(
    key="uv_value",
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
    return _rate("uv_value", paid_amount, visitors, "visitors")


@metric(
    key="bounce_rate",
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
    return _rate("bounce_rate", bounced_visitors, visitors, "visitors")


@metric(
    key="cart_rate",
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
    return _rate("cart_rate", cart_buyers, visitors, "visitors")


# --------------------------------------------------------------------------- ads

_ADS_POOL = (
    "Over plans or days, sum the counts and divide (pooled); do not average the plans' rates."
)


@metric(
    key="ctr",
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
    return _rate("ctr", clicks, impressions, "impressions")


@metric(
    key="cpc",
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
    return _rate("cpc", spend, clicks, "clicks")


@metric(
    key="cpm",
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
    return _rate("cpm", spend, impressions, "impressions", scale=1000.0)


@metric(
    key="roi",
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
    return _rate("roi", attributed_amount, spend, "spend")


@metric(
    key="breakeven_roi",
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
        part = count_note(nonpos, m.size, "gross_margin", "≤ 0", ("is <= 0", "are <= 0"))
        notes.append(Note(f"{part.zh} → NaN（每笔销售都亏损时，任何 ROI 都不能保本）",
                          f"{part.en} -> NaN (no ROI breaks even when every sale loses money)"))
    notes += _denominator_notes(np.where(m <= 0, 1.0, m), "gross_margin", "gross_margin")
    _warn("breakeven_roi", notes)
    return shape(r, "breakeven_roi")


@metric(
    key="max_affordable_cpc",
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
    return _rate("cost_per_order", spend, attributed_orders, "attributed_orders")


