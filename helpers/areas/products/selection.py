"""Selection scorecard (选品评分): candidates scored on demand, competition, margin and
attractiveness, and the score back-tested on the shop's past launches.

口径 used here
--------------
- Each signal is turned into its percentile among the candidates scored (0-100):
  demand_score = percentile of log(1 + search_demand); competition = percentile of
  search_demand per competing listing; margin = percentile of 1 - expected_cost / price;
  attractiveness = mean percentile of rating, review count and price position (the price's
  percentile within its category). total_score = the weighted mean of the four (weights
  normalised to sum 1). A candidate without reviews gets the lowest review percentile and
  the median rating percentile (noted).
- Back-test: the Spearman rank correlation between the total_score of the shop's past
  launches (candidates with a product_id) and their sales in the first ``LAUNCH_DAYS``
  days after launch, with a Fisher z interval (:func:`helpers.core.stats.spearman_interval`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.products.options import DEFAULT_WEIGHTS, check_weights
from helpers.core import metrics
from helpers.core.lines import paid_order_lines, seconds_between
from helpers.core.notes import note
from helpers.core.stats import spearman_interval

if TYPE_CHECKING:
    from helpers.core.shop import Shop

LAUNCH_DAYS = 90
SIGNALS = {"demand": "demand_score", "competition": "competition", "margin": "margin",
           "attractiveness": "attractiveness"}  # weight name -> column of the score


def load_candidates(shop: Shop) -> pd.DataFrame:
    """The ``candidates`` table as pandas (a small table), indexed by candidate_id."""
    return shop.table("candidates").execute().set_index("candidate_id")


def _percentile(values: pd.Series) -> pd.Series:
    """Percentile rank 0-100 within the set (ties share the mean rank); a single item is 50."""
    v = pd.Series(values, dtype=float)
    if v.notna().sum() <= 1:
        return pd.Series(np.where(v.notna(), 50.0, np.nan), index=v.index)
    return (v.rank(method="average") - 1) / (v.notna().sum() - 1) * 100


def score_candidates(candidates: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Scorecard of candidate products (see the module's 口径).

    Parameters
    ----------
    candidates : rows with category, price, expected_cost (yuan), search_demand,
        competitors, rating (NaN without reviews), reviews.
    weights : demand, competition, margin, attractiveness (normalised to sum 1).

    Returns
    -------
    The input with gross_margin (1 - expected_cost / price), demand_score, competition,
    margin, attractiveness (percentiles 0-100), total_score (0-100) and rank (1 = best),
    best first.
    """
    w = check_weights(weights or DEFAULT_WEIGHTS)
    c = candidates.copy()
    c["gross_margin"] = metrics.gross_margin(c["price"], c["expected_cost"])
    per_comp = metrics.share(c["search_demand"], c["competitors"].where(c["competitors"] > 0, 0))
    c["demand_score"] = _percentile(np.log1p(c["search_demand"]))
    c["competition"] = _percentile(per_comp).fillna(0.0)
    c["margin"] = _percentile(c["gross_margin"]).fillna(0.0)
    no_reviews = c["reviews"].fillna(0) <= 0
    if no_reviews.any():
        k = int(no_reviews.sum())
        note(f"{k} 个候选品没有评价：评分按中位数计，评价数按最低计",
             f"{k} candidate(s) without reviews: rating counted at the median, reviews at the bottom")
    rating = _percentile(c["rating"].where(~no_reviews)).fillna(50.0)
    reviews = _percentile(np.log1p(c["reviews"].fillna(0)))
    position = c.groupby("category")["price"].transform(lambda s: _percentile(s)).fillna(50.0)
    c["attractiveness"] = (rating + reviews + position) / 3
    c["total_score"] = sum(w[k] * c[col] for k, col in SIGNALS.items())
    c["rank"] = c["total_score"].rank(ascending=False, method="first").astype(int)
    return c.sort_values("rank")


def launch_sales(shop: Shop, days: int = LAUNCH_DAYS) -> pd.DataFrame:
    """Sales of each product in its first ``days`` days after launch (paid lines).

    Only products launched inside the orders data whose whole window is inside it are kept.

    Returns
    -------
    DataFrame indexed by product_id: launch_date, launch_sales (yuan), units.
    """
    first, last = shop.date_range("orders")
    p = shop.table("products")
    lo, hi = first.normalize(), last.normalize() - pd.Timedelta(days=days - 1)
    p = p.filter(p.launch_date >= lo.date(), p.launch_date <= hi.date())
    o = paid_order_lines(shop)
    j = o.inner_join(p.select("product_id", "launch_date"), "product_id")
    age = seconds_between(j.pay_time, j.launch_date.cast("timestamp")) / 86400.0
    j = j.filter(age >= 0, age < days)
    sales = j.group_by("product_id").aggregate(launch_sales=j.paid_amount.sum(), units=j.quantity.sum()).execute()
    launched = p.select("product_id", "launch_date").execute().set_index("product_id")
    out = launched.join(sales.set_index("product_id"))
    out[["launch_sales", "units"]] = out[["launch_sales", "units"]].fillna(0)
    return out


def backtest_scorecard(scored: pd.DataFrame, launches: pd.DataFrame, confidence: float = 0.95
                       ) -> tuple[dict[str, float], pd.DataFrame]:
    """Does the score rank the shop's past launches by their first-90-day sales?

    Returns
    -------
    (correlation dict from :func:`helpers.core.stats.spearman_interval`: rho, low, high, n;
    the launched candidates with their total_score, launch_date and launch_sales, best score
    first).
    """
    past = scored[scored.get("product_id", pd.Series(index=scored.index, dtype=object)).notna()]
    past = past.join(launches[["launch_date", "launch_sales"]], on="product_id", how="inner")
    result = spearman_interval(past["total_score"], past["launch_sales"], confidence)
    return result, past.sort_values("total_score", ascending=False)
