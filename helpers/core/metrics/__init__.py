"""Metric definitions (指标口径): every metric of the workbook, defined once.

Each metric is a small pure function registered with ``metric``, which records the unit,
the formula and its notes; its Chinese and English names are the labels of its key
(``helpers/labels.toml``). ``docs/metrics.md`` is generated from this registry (``workbook
docs``) and a test fails when the two drift apart.

Conventions
-----------
* Inputs may be scalars, numpy arrays or pandas Series. Series are aligned on their
  index (outer join, as pandas arithmetic does) and a Series comes back; scalars give a
  ``float``; arrays give an ``ndarray``.
* Rates (unit ``%``) are returned as fractions: ``0.035`` means 3.5%.
  Money is in yuan (元). ROI-type metrics are plain ratios (×).
* A zero or missing denominator gives NaN, never 0 and never an exception, and one note
  per call (:mod:`helpers.core.notes`, both languages) says how many values were affected
  and which input was 0: ``Conversion rate: 3 of 10 denominators are 0 -> NaN (visitors = 0)``.
* Repurchase metrics come in two forms: a rate on counts (``repurchase_rate_customers``)
  and a reduction that counts from paid order lines inside the engine through Ibis
  (``repurchase_rate_customers_from_orders``).

The modules: ``registry`` (the registry and shared arithmetic), ``traffic`` (traffic and
paid promotion), ``profit`` (margins, stock, refunds), ``customers``, ``market``,
``general`` (change, share, rates over several days), ``reductions`` (from order lines),
``docs``. Heavy libraries (ibis) are imported inside the functions that need them.
"""

# isort: off
# Importing a module registers its metrics: this order (traffic first) is the order of the
# registry and of docs/metrics.md.
from helpers.core.metrics.registry import AREAS, METRICS, UNITS, MetricInfo, label, metric
from helpers.core.metrics.traffic import (
    amount_per_order,
    aov,
    bounce_rate,
    breakeven_roi,
    cart_rate,
    conversion_rate,
    cost_per_order,
    cpc,
    cpm,
    ctr,
    max_affordable_cpc,
    order_conversion_rate,
    order_to_pay_rate,
    roi,
    uv_value,
)
from helpers.core.metrics.profit import (
    basket_lift,
    contribution_margin,
    days_of_cover,
    gross_margin,
    gross_profit,
    refund_rate_by_count,
    refund_rate_by_value,
    refund_rate_in_period,
    sell_through,
)
from helpers.core.metrics.customers import (
    cohort_retention,
    cohort_sales_per_customer,
    repurchase_rate_customers,
    repurchase_rate_orders,
    repurchase_within_days,
    returning_rate,
)
from helpers.core.metrics.market import (
    concentration_ratio,
    demand_per_listing,
    hhi,
    opportunity_score,
)
from helpers.core.metrics.general import change, describe_method, rate_over_days, share
from helpers.core.metrics.reductions import (
    PreparedOrders,
    RateResult,
    first_of,
    prepare_orders,
    repurchase_rate_customers_from_orders,
    repurchase_rate_orders_from_orders,
    repurchase_within_days_from_orders,
    returning_rate_from_orders,
)
from helpers.core.metrics.docs import render_metrics_doc, write_metrics_doc
# isort: on

__all__ = [
    "AREAS", "METRICS", "UNITS", "MetricInfo", "PreparedOrders", "RateResult",
    "amount_per_order", "aov", "basket_lift", "bounce_rate", "breakeven_roi", "cart_rate", "change",
    "cohort_retention", "cohort_sales_per_customer", "concentration_ratio", "contribution_margin",
    "conversion_rate", "cost_per_order", "cpc", "cpm", "ctr", "days_of_cover", "demand_per_listing",
    "describe_method", "first_of", "gross_margin", "gross_profit", "hhi", "label", "max_affordable_cpc",
    "metric", "opportunity_score", "order_conversion_rate", "order_to_pay_rate", "prepare_orders",
    "rate_over_days", "refund_rate_by_count", "refund_rate_by_value", "refund_rate_in_period", "render_metrics_doc",
    "repurchase_rate_customers", "repurchase_rate_customers_from_orders", "repurchase_rate_orders",
    "repurchase_rate_orders_from_orders", "repurchase_within_days", "repurchase_within_days_from_orders",
    "returning_rate", "returning_rate_from_orders", "roi", "sell_through", "share", "uv_value",
    "write_metrics_doc",
]
