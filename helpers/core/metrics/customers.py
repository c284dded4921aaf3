"""Customer metrics on counts: repurchase, returning rate, cohort retention and sales per customer."""

from __future__ import annotations

from helpers.core.metrics.registry import _RETURNS_FRACTION, _RETURNS_YUAN, _doc, _rate, metric

_ORDERS_INPUT = "An order is a distinct order_id (see Repurchase from order lines for the rules)."


@metric(
    key="repurchase_rate_customers",
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
    return _rate("repurchase_rate_customers", repeat_customers, customers, "customers")


@metric(
    key="repurchase_rate_orders",
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
    return _rate("repurchase_rate_orders", repeat_customer_orders, orders, "orders")


@metric(
    key="repurchase_within_days",
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
        "repurchase_within_days", repeat_customers, cohort_customers, "cohort_customers"
    )


@metric(
    key="returning_rate",
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
        "returning_rate", returning_customers, previous_customers, "previous_customers"
    )


@metric(
    key="cohort_retention",
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
    return _rate("cohort_retention", active_customers, cohort_customers, "cohort_customers")


@metric(
    key="cohort_sales_per_customer",
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
        "cohort_sales_per_customer", cumulative_sales, cohort_customers, "cohort_customers"
    )


