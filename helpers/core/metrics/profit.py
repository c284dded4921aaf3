"""Profit, stock and after-sales metrics: margins, sell-through, days of cover, basket lift, refund rates."""

from __future__ import annotations

from helpers.core.metrics.registry import (
    _RETURNS_FRACTION,
    _RETURNS_RATIO,
    _divide,
    _doc,
    _prepare,
    _rate,
    _warn,
    metric,
)


@metric(
    key="gross_margin",
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
    value, notes = _divide(r - c, r, "revenue")
    _warn("gross_margin", notes)
    return shape(value, "gross_margin")


@metric(
    key="gross_profit",
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
    value, notes = _divide(c, s, "net_sales")
    _warn("contribution_margin", notes)
    return shape(value, "contribution_margin")


@metric(
    key="sell_through",
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
    value, notes = _divide(u, u + s, "units_sold_and_stock")
    _warn("sell_through", notes)
    return shape(value, "sell_through")


@metric(
    key="days_of_cover",
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
    value, notes = _divide(s, d, "daily_units")
    _warn("days_of_cover", notes)
    return shape(value, "days_of_cover")


@metric(
    key="basket_lift",
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
    value, notes = _divide(p, e, "expected_orders")
    _warn("basket_lift", notes)
    return shape(value, "basket_lift")


_REFUND_PERIOD = (
    "Platform dashboards count refunds completed in the period against payments in the same "
    "period (refunds of earlier orders included), so a wave of late refunds can push the rate "
    "up; matching refunds to the orders they belong to (cohort) gives a different number. Say "
    "which one a report uses."
)


@metric(
    key="refund_rate_by_value",
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
    return _rate("refund_rate_by_value", refund_amount, paid_amount, "paid_amount")


@metric(
    key="refund_rate_in_period",
    unit="%",
    formula="本期完成的退款金额 / 本期支付金额 (refunds completed in the period / paid amount of the period)",
    area="after_sales",
    notes="The platform's 退款率 (生意参谋): refunds of earlier orders count in the period they complete, so a "
          "wave of late refunds can push it up. Its twin refund_rate_by_value matches refunds to the orders paid "
          "in the period; the two are different numbers and carry different names.",
)
@_doc(_RETURNS_FRACTION)
def refund_rate_in_period(refund_amount, paid_amount):
    """Refund rate in the period 退款率(金额，按退款完成日).

    Formula: 本期完成的退款金额 / 本期支付金额 (refunds completed in the period / paid amount of the period)

    Parameters
    ----------
    refund_amount : scalar, array or Series
        退款金额 completed in the period, in yuan.
    paid_amount : scalar, array or Series
        支付金额 of the period, in yuan.
    """
    return _rate("refund_rate_in_period", refund_amount, paid_amount, "paid_amount")


@metric(
    key="refund_rate_by_count",
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
    return _rate("refund_rate_by_count", refunded, paid, "paid_lines")


