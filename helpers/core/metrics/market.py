"""Market metrics: concentration (HHI, CR-n), demand per listing, opportunity score."""

from __future__ import annotations

from helpers.core.metrics.registry import (
    _RETURNS_FRACTION,
    _RETURNS_YUAN,
    _divide,
    _doc,
    _prepare,
    _rate,
    _warn,
    metric,
)


@metric(
    key="hhi",
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
    value, notes = _divide(q, t * t, "market_sales", scale=10000.0, name="hhi")
    _warn("hhi", notes)
    return shape(value, "hhi")


@metric(
    key="concentration_ratio",
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
    return _rate("concentration_ratio", top_sales, total_sales, "market_sales")


@metric(
    key="demand_per_listing",
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
    return _rate("demand_per_listing", sales, listing_months, "listing_months")


@metric(
    key="opportunity_score",
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
    value, notes = _divide(wd * d + wg * g + wc * (1 - c), wd + wg + wc, "sum_of_weights",
                           scale=100.0, name="opportunity_score")
    _warn("opportunity_score", notes)
    return shape(value, "opportunity_score")


