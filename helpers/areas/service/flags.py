"""Products that refund abnormally against their category.

口径
----
A product's expected refund rate is its category's rate for the same mix of campaign and
non-campaign lines (mature lines only: paid at least ``maturity_days`` before the data's
end). Products' rates are shrunk towards that expectation with a beta-binomial prior whose
spread is estimated per category (method of moments, :func:`fit_dispersion`), and a
product is flagged when the lower end of its posterior interval lies above the
expectation. The interval's level is Bonferroni-adjusted for the number of products
tested, so a shop with 100 products does not get a few alarms by chance, and a product
with a handful of orders cannot be flagged on noise.

The moment estimator of the dispersion around *known* expected rates is written out here:
a library fit of a beta-binomial (``scipy.stats.fit`` with ``scipy.stats.betabinom``) estimates
one common mean and spread for every product, whereas here each product has its own known
expectation and only the spread is estimated. The posterior interval is scipy's beta quantile.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.areas.service.scope import mature_before

FLAG_COLUMNS = ["title", "category", "paid_lines", "refunded", "refund_rate_by_count", "category_expected",
                "shrunk", "low", "high", "flagged", "excess_refunds", "refund_amount", "top_reason",
                "top_reason_share", "rho"]
#: Prior strength when a category shows no dispersion beyond chance (the expectation is then as good as known).
MAX_PRIOR_STRENGTH = 1e7


def product_refunds(lines, end: Any, maturity_days: int) -> pd.DataFrame:
    """Mature lines and refunds per product and campaign flag (the input of :func:`flag_products`).

    Returns
    -------
    DataFrame: product_id, campaign_line, title, category, paid_lines, refunded,
    refund_amount (yuan), top_reason (the product's most frequent reason, "" for none
    given), top_reason_refunds.
    """
    import ibis

    m = lines.filter(lines.pay_time < mature_before(end, maturity_days))
    g = m.group_by(["product_id", "campaign_line"]).aggregate(
        title=m.title.max(), category=m.category.max(), paid_lines=m.count(),
        refunded=ibis.ifelse(m.refunded, 1, 0).sum(), refund_amount=m.refund_amount.sum(),
    ).execute()
    r = m.filter(m.refunded)
    reasons = r.group_by(["product_id", r.reason.fill_null("").name("reason")]).aggregate(n=r.count()).execute()
    if len(reasons):
        reasons = reasons.sort_values(["product_id", "n", "reason"], ascending=[True, False, True])
        top = reasons.drop_duplicates("product_id").set_index("product_id")
        g["top_reason"] = g["product_id"].map(top["reason"])
        g["top_reason_refunds"] = g["product_id"].map(top["n"]).fillna(0).astype("int64")
    else:
        g["top_reason"], g["top_reason_refunds"] = None, 0
    return g.astype({"paid_lines": "int64", "refunded": "int64"})


def fit_dispersion(refunded: Any, lines: Any, expected: Any) -> float:
    """Intra-class correlation rho of a beta-binomial around known expected rates (method of moments).

    rho = max(0, sum[(k - n m)^2 - n m (1 - m)] / sum[n m (1 - m) (n - 1)]), with k refunded
    and n lines of each product and m its expected rate: the share of a product's refund
    variance beyond binomial noise. 0 means the products differ no more than chance would
    make them. Products with no lines or an expectation of 0 or 1 add nothing.
    """
    k, n, m = (np.asarray(v, dtype=float) for v in (refunded, lines, expected))
    ok = (n > 0) & (m > 0) & (m < 1)
    k, n, m = k[ok], n[ok], m[ok]
    den = float((n * m * (1 - m) * (n - 1)).sum())
    if den <= 0:
        return 0.0
    return max(0.0, float(((k - n * m) ** 2 - n * m * (1 - m)).sum()) / den)


def flag_products(per_product: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Products whose refund rate is abnormal against their category (see the module's 口径).

    Posterior of a product's rate: Beta(kappa m + k, kappa (1 - m) + n - k), kappa = (1 -
    rho) / rho (the category's :func:`fit_dispersion`), m = the expected rate, k refunded of
    n mature lines.

    Parameters
    ----------
    per_product : :func:`product_refunds`.
    confidence : family-wise level: each product's interval is at
        ``1 - (1 - confidence) / products tested`` (Bonferroni), kept in ``attrs["level"]``.

    Returns
    -------
    DataFrame indexed by product_id: title, category, paid_lines, refunded,
    refund_rate_by_count (refunded / paid_lines), category_expected (the category's rate for
    the product's mix of campaign and other lines), shrunk (posterior mean), low, high
    (posterior interval), flagged (low > expected), excess_refunds (refunded - paid_lines x
    expected), refund_amount, top_reason, top_reason_share, rho (the category's dispersion);
    flagged products first, then by excess refunds.
    """
    from scipy import stats

    if per_product.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    pp = per_product
    cat_rates = pp.groupby(["category", "campaign_line"])[["refunded", "paid_lines"]].sum()
    rate = cat_rates["refunded"] / cat_rates["paid_lines"]
    exp_refunds = pp["paid_lines"] * [rate.loc[(c, f)] for c, f in zip(pp["category"], pp["campaign_line"],
                                                                      strict=True)]
    pp = pp.assign(expected_refunds=exp_refunds)
    agg = pp.groupby("product_id").agg(
        title=("title", "first"), category=("category", "first"), paid_lines=("paid_lines", "sum"),
        refunded=("refunded", "sum"), refund_amount=("refund_amount", "sum"),
        expected_refunds=("expected_refunds", "sum"), top_reason=("top_reason", "first"),
        top_reason_refunds=("top_reason_refunds", "first"))
    agg = agg[agg["paid_lines"] > 0]
    agg["refund_rate_by_count"] = agg["refunded"] / agg["paid_lines"]
    agg["category_expected"] = agg["expected_refunds"] / agg["paid_lines"]
    rho = {c: fit_dispersion(g["refunded"], g["paid_lines"], g["category_expected"])
           for c, g in agg.groupby("category")}
    agg["rho"] = agg["category"].map(rho)
    kappa = np.where(agg["rho"] > 0, (1 - agg["rho"]) / agg["rho"].where(agg["rho"] > 0, 1), MAX_PRIOR_STRENGTH)
    kappa = np.minimum(kappa, MAX_PRIOR_STRENGTH)
    m = agg["category_expected"].clip(1e-6, 1 - 1e-6)
    a = kappa * m + agg["refunded"]
    b = kappa * (1 - m) + agg["paid_lines"] - agg["refunded"]
    level = 1 - (1 - confidence) / max(len(agg), 1)
    agg["shrunk"] = a / (a + b)
    agg["low"] = stats.beta.ppf((1 - level) / 2, a, b)
    agg["high"] = stats.beta.ppf(1 - (1 - level) / 2, a, b)
    agg["flagged"] = agg["low"] > agg["category_expected"]
    agg["excess_refunds"] = agg["refunded"] - agg["expected_refunds"]
    agg["top_reason_share"] = np.where(agg["refunded"] > 0,
                                       agg["top_reason_refunds"] / agg["refunded"].clip(lower=1), np.nan)
    agg = agg.sort_values(["flagged", "excess_refunds"], ascending=[False, False], kind="stable")
    agg.attrs["level"] = level
    return agg[FLAG_COLUMNS]
