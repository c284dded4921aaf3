"""Product tests (测款): each variant's rates with intervals, its test against the control and
its probability of being best; the sample a test needs.

口径 used here
--------------
- 点击率 click_rate = clicks / impressions, 加购率 cart_rate = add_to_cart / clicks,
  转化率 order_rate = orders / clicks, each with a Wilson interval.
- The primary metric is the click rate for main image and title tests and orders per click
  for price tests (:data:`PRIMARY_METRIC`). Each variant is compared with the first (the
  control) by an always-valid p-value (:func:`always_valid_p_value`, a mixture sequential
  probability ratio test), Holm-adjusted across the variants: operators read a running test
  every day, and a fixed-sample z test read daily for 14 days and stopped at the first
  p < 0.05 declares a false winner about 20% of the time, the always-valid p-value at most
  the nominal 5% however often it is read; P(best)
  is the posterior probability of the highest primary rate under Beta(1, 1) priors (Monte
  Carlo, seeded). The statistics are :mod:`helpers.core.stats`; the verdict is
  :func:`helpers.areas.products.findings.judge_test`.
- Sample size per variant: the arcsine (Cohen's h) rule
  (:func:`helpers.core.stats.sample_size_per_variant`), 80% power by default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core import metrics
from helpers.core.notes import note
from helpers.core.stats import (
    holm,
    prob_best,
    rate_with_interval,
    sample_size_per_variant,
)

if TYPE_CHECKING:
    from helpers.core.shop import Shop

PRIMARY_METRIC = {"main_image": "click_rate", "title": "click_rate", "price": "order_rate"}
RATES = {"click_rate": ("clicks", "impressions"), "cart_rate": ("add_to_cart", "clicks"),
         "order_rate": ("orders", "clicks")}  # rate -> (numerator, denominator)
BEST_DRAWS = 20_000
PLAN_BASELINES = (0.01, 0.02, 0.03, 0.05, 0.1)
#: Spread of the mixing prior of the always-valid test, as a relative lift of the pooled rate:
#: the test is most sensitive to differences of about this size.
MIXTURE_LIFT = 0.1


def load_tests(shop: Shop) -> pd.DataFrame:
    """Product tests summed per test and variant (variants in label order).

    Returns
    -------
    DataFrame: test_id, variant, product_id, element, start, end, impressions, clicks,
    add_to_cart, orders and, where the table has one, price (the mean over the days, yuan).
    """
    t = shop.table("product_tests")
    aggs = dict(product_id=t.product_id.arbitrary(), element=t.element.arbitrary(),
                start=t.date.min(), end=t.date.max(), impressions=t.impressions.sum(), clicks=t.clicks.sum(),
                add_to_cart=t.add_to_cart.sum(), orders=t.orders.sum())
    if "price" in t.columns:
        aggs["price"] = t.price.mean()
    out = t.group_by(["test_id", "variant"]).aggregate(**aggs).execute()
    return out.sort_values(["test_id", "variant"]).reset_index(drop=True)


def primary_metric(variants: pd.DataFrame) -> str:
    """The rate a test is decided on: click_rate for main image and title tests, order_rate
    for price tests (click_rate for an unknown element)."""
    return PRIMARY_METRIC.get(str(variants["element"].iloc[0]), "click_rate")


def always_valid_p_value(s_a, n_a, s_b, n_b, mixture_lift: float = MIXTURE_LIFT):
    """Always-valid p-value of p_b = p_a: valid whenever the test is read and stopped.

    The mixture sequential probability ratio test (mSPRT) for two proportions of Johari,
    Pekelis and Walsh (2017, "Always valid inference: bringing sequential analysis to A/B
    testing", arXiv:1512.04922), normal approximation with a N(0, τ²) mixture over the
    difference::

        θ̂ = s_b / n_b - s_a / n_a,   p̂ = (s_a + s_b) / (n_a + n_b),
        V = p̂ (1 - p̂) (1 / n_a + 1 / n_b),   τ = mixture_lift x p̂,
        Λ = sqrt(V / (V + τ²)) exp(τ² θ̂² / (2 V (V + τ²))),   p = min(1, 1 / Λ).

    Under no difference Λ is a non-negative martingale over the looks, so by Ville's
    inequality P(p ever <= α) <= α: reading the test every day and stopping at the first
    p < α keeps the false-winner rate at α. Works on arrays (one value per pair of counts).

    Parameters
    ----------
    s_a, n_a : successes and trials of the control so far (e.g. clicks, impressions).
    s_b, n_b : the same for the challenger.
    mixture_lift : τ as a relative lift of the pooled rate (:data:`MIXTURE_LIFT`).

    Returns
    -------
    p-value(s) in [0, 1]; NaN where a group has no trials; 1 where the pooled rate is 0 or 1.
    """
    s_a, n_a, s_b, n_b = (np.asarray(v, dtype=float) for v in (s_a, n_a, s_b, n_b))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pooled = (s_a + s_b) / (n_a + n_b)
        v = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
        tau2 = (mixture_lift * pooled) ** 2
        theta = s_b / n_b - s_a / n_a
        log_lr = 0.5 * np.log(v / (v + tau2)) + tau2 * theta**2 / (2 * v * (v + tau2))
        p = np.minimum(1.0, np.exp(-log_lr))
    p = np.where((pooled <= 0) | (pooled >= 1), 1.0, p)
    empty = ~((n_a > 0) & (n_b > 0))
    if empty.any():
        note("两比例检验：有一组没有样本 → NaN", "two-proportion test: a group has no trials -> NaN")
    p = np.where(empty, np.nan, p)
    return p if p.ndim else float(p)


def compare_variants(variants: pd.DataFrame, confidence: float = 0.95, seed: int = 0,
                     draws: int = BEST_DRAWS, mixture_lift: float = MIXTURE_LIFT) -> pd.DataFrame:
    """Rates with intervals, each variant's test against the control and P(best) of one test.

    Parameters
    ----------
    variants : one test's rows of :func:`load_tests` (first variant = the control).
    confidence : level of the intervals.
    seed, draws : of the Monte Carlo behind P(best).
    mixture_lift : of the always-valid test (:func:`always_valid_p_value`).

    Returns
    -------
    DataFrame indexed by variant: the input's columns, click_rate, cart_rate, order_rate
    with ``<rate>_low`` and ``<rate>_high`` (fractions), p_value (always-valid, of the primary
    metric against the control, Holm-adjusted; NaN for the control), prob_best, and
    revenue_per_impression (orders x price / impressions, yuan) where a price is known.
    """
    v = variants.set_index("variant").copy()
    for key, (num_col, den_col) in RATES.items():
        r = rate_with_interval(v[num_col], v[den_col], confidence)
        v[key], v[f"{key}_low"], v[f"{key}_high"] = r["rate"], r["low"], r["high"]
    num_col, den_col = RATES[primary_metric(variants)]
    num, den = v[num_col].astype(float), v[den_col].astype(float)
    control = v.index[0]
    raw = [float("nan")] + [always_valid_p_value(num[control], den[control], num[k], den[k], mixture_lift)
                            for k in v.index[1:]]
    v["p_value"] = holm(raw)
    v["prob_best"] = prob_best(num.to_numpy(), den.to_numpy(), draws, seed)
    if "price" in v.columns and v["price"].notna().any():
        v["revenue_per_impression"] = metrics.share(v["orders"] * v["price"], v["impressions"])
    return v


def sample_size_plan(mde: float, confidence: float = 0.95, power: float = 0.8,
                     baselines: tuple[float, ...] = PLAN_BASELINES) -> pd.Series:
    """Trials per variant a test needs to detect the relative lift ``mde``, for a few baseline
    rates (:func:`helpers.core.stats.sample_size_per_variant`).

    Returns
    -------
    Series baseline rate (fraction) -> impressions (click-rate tests) or clicks (conversion
    tests) per variant.
    """
    return pd.Series({b: sample_size_per_variant(b, mde, confidence, power) for b in baselines}, name="needed")
