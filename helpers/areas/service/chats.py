"""Customer service (客服): chats, 询单转化率, first-response times and what a slow answer costs.

口径
----
询单转化率 = chats followed by a paid order (``converted``) / chats (fraction); first
response in seconds. The effect of response time is a binomial logistic regression of
conversion on log2(first response seconds / 10) over the chats grouped by their response
time, so its coefficient is the change in log-odds per doubling of the wait
(statsmodels ``GLM`` with a ``Binomial`` family, fitted by Newton-Raphson).
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.areas.service.scope import as_datetime, as_float
from helpers.core.notes import note
from helpers.core.shop import fill_zero
from helpers.core.stats import rate_with_interval, z_value

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

RESPONSE_BANDS = (0, 15, 30, 60, 180, math.inf)  # first-response bands (seconds), right-closed
RESPONSE_REFERENCE_SECONDS = 10.0
FITTED_SECONDS = (10, 30, 60, 180)
SERVICE_BY = ("response_band", "agent")


def _chats(shop: Shop, period: Period):
    s = shop.table("service")
    return s.filter(s.chat_time >= as_datetime(period.start), s.chat_time < as_datetime(period.end_exclusive))


def summarize_service(shop: Shop, period: Period, confidence: float = 0.95) -> pd.Series:
    """Chats, 询单转化率 and first-response times of the period.

    询单转化率 = chats followed by a paid order / chats (fraction). Platforms count people
    per day (询单人数); an export with one chat per customer and day gives the same figure.

    Returns
    -------
    Series: chats, converted, inquiry_conversion_rate, low, high (Wilson), mean_response,
    median_response, p90_response (seconds), within_30s (share answered within 30 s).
    """
    import ibis

    s = _chats(shop, period)
    row = s.aggregate(
        chats=s.count(), converted=ibis.ifelse(s.converted, 1, 0).sum(),
        mean_response=s.first_response_seconds.mean(), median_response=s.first_response_seconds.median(),
        p90_response=s.first_response_seconds.quantile(0.9),
        within_30s=ibis.ifelse(s.first_response_seconds <= 30, 1, 0).sum(),
    ).execute().iloc[0]
    n, k = int(row["chats"]), int(fill_zero(row["converted"]))
    rate = rate_with_interval(k, n, confidence)
    return pd.Series({"chats": n, "converted": k, "inquiry_conversion_rate": rate["rate"], "low": rate["low"],
                      "high": rate["high"], "mean_response": as_float(row["mean_response"]),
                      "median_response": as_float(row["median_response"]),
                      "p90_response": as_float(row["p90_response"]),
                      "within_30s": int(fill_zero(row["within_30s"])) / n if n else float("nan")})


def response_band(seconds: Any) -> pd.Series:
    """The first-response band of each value: "0-15s", "15-30s", ..., "180s+" (right-closed).

    The band names are data of the calculation; :mod:`helpers.areas.service.tables` shows
    them in the report's language.
    """
    edges = RESPONSE_BANDS
    labels = [f"{int(lo)}-{int(hi)}s" if np.isfinite(hi) else f"{int(lo)}s+"
              for lo, hi in zip(edges, edges[1:], strict=False)]
    return pd.cut(pd.Series(seconds, dtype="float64"), bins=list(edges), labels=labels, right=True,
                  include_lowest=True)


def weighted_median(values: Any, weights: Any) -> float:
    """The median of ``values`` each counted ``weights`` times: the smallest value whose
    cumulative weight reaches half the total (``numpy.quantile``, method "inverted_cdf").
    NaN without values or weight."""
    v, w = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    if not len(v) or w.sum() <= 0:
        return float("nan")
    return float(np.quantile(v, 0.5, weights=w, method="inverted_cdf"))


def service_by(shop: Shop, period: Period, by: str = "response_band", confidence: float = 0.95) -> pd.DataFrame:
    """Chats, conversion (with Wilson interval) and response times per response band or agent.

    Returns
    -------
    DataFrame indexed by response_band (in order) or agent (most chats first): chats,
    converted, inquiry_conversion_rate, low, high, median_response (seconds).
    """
    import ibis

    s = _chats(shop, period)
    if by == "response_band":
        g = s.group_by(seconds=s.first_response_seconds).aggregate(
            chats=s.count(), converted=ibis.ifelse(s.converted, 1, 0).sum()).execute()
        g["response_band"] = response_band(g["seconds"])
        out = g.groupby("response_band", observed=False).agg(chats=("chats", "sum"), converted=("converted", "sum"))
        out["median_response"] = g.groupby("response_band", observed=False).apply(
            lambda d: weighted_median(d["seconds"], d["chats"]), include_groups=False)
    elif by == "agent":
        out = s.group_by(agent=s.agent.fill_null("?")).aggregate(
            chats=s.count(), converted=ibis.ifelse(s.converted, 1, 0).sum(),
            median_response=s.first_response_seconds.median()).execute().set_index("agent")
    else:
        raise ValueError(f"by={by!r}; use one of {SERVICE_BY}")
    out = out.astype({"chats": "int64", "converted": "int64"})
    rates = rate_with_interval(out["converted"], out["chats"], confidence)
    out["inquiry_conversion_rate"], out["low"], out["high"] = rates["rate"], rates["low"], rates["high"]
    if by == "agent":
        out = out.sort_values("chats", ascending=False, kind="stable")
    return out[["chats", "converted", "inquiry_conversion_rate", "low", "high", "median_response"]]


def fit_logistic(x: Any, successes: Any, trials: Any, confidence: float = 0.95) -> dict[str, float]:
    """Binomial logistic regression logit p = a + b x on grouped counts.

    statsmodels ``GLM(successes, failures ~ 1 + x, family=Binomial())`` fitted by
    Newton-Raphson; the interval of b is b ± z se(b), se from the inverse Fisher information
    at the fit.

    Returns
    -------
    dict: intercept, slope, slope_se, slope_low, slope_high, iterations. NaN, with a note,
    when x does not vary or no group has trials.
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    x, k, n = (np.asarray(v, dtype=float) for v in (x, successes, trials))
    ok = n > 0
    x, k, n = x[ok], k[ok], n[ok]
    nan = float("nan")
    if len(x) < 2 or np.ptp(x) == 0:
        note("Logistic 回归：首次响应时长没有变化 → 无法估计斜率",
             "logistic fit: the response times do not vary -> no slope")
        return {"intercept": nan, "slope": nan, "slope_se": nan, "slope_low": nan, "slope_high": nan,
                "iterations": 0}
    model = sm.GLM(np.column_stack([k, n - k]), sm.add_constant(x, has_constant="add"),
                   family=sm.families.Binomial())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        fit = model.fit(method="newton", maxiter=50)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        note("Logistic 回归未收敛（转化几乎全是或全不是），斜率不可靠",
             "logistic fit did not converge (conversion is almost all or nothing); the slope is unreliable")
    z = z_value(confidence)
    slope, se = float(fit.params[1]), float(fit.bse[1])
    return {"intercept": float(fit.params[0]), "slope": slope, "slope_se": se,
            "slope_low": slope - z * se, "slope_high": slope + z * se,
            "iterations": int(fit.mle_retvals["iterations"])}


def fit_response_effect(shop: Shop, period: Period, confidence: float = 0.95) -> pd.Series:
    """How conversion moves with the first-response time: logit p = a + b log2(seconds / 10).

    b is the change in log-odds of converting per doubling of the wait; exp(b) the odds
    ratio per doubling; the fitted conversion at s seconds is 1 / (1 + exp(-(a + b
    log2(s / 10)))). Seconds below 1 count as 1.

    Returns
    -------
    Series: intercept, slope, slope_se, slope_low, slope_high, iterations, odds_per_doubling
    (exp(b)), p_10s, p_30s, p_60s, p_180s (fractions).
    """
    import ibis

    s = _chats(shop, period)
    g = s.group_by(seconds=s.first_response_seconds).aggregate(
        chats=s.count(), converted=ibis.ifelse(s.converted, 1, 0).sum()).execute()
    x = np.log2(np.maximum(g["seconds"].to_numpy(dtype=float), 1.0) / RESPONSE_REFERENCE_SECONDS)
    fit = fit_logistic(x, g["converted"], g["chats"], confidence)
    out = pd.Series(fit)
    out["odds_per_doubling"] = math.exp(fit["slope"]) if np.isfinite(fit["slope"]) else float("nan")
    for sec in FITTED_SECONDS:
        eta = fit["intercept"] + fit["slope"] * math.log2(sec / RESPONSE_REFERENCE_SECONDS)
        out[f"p_{sec}s"] = 1 / (1 + math.exp(-eta)) if np.isfinite(eta) else float("nan")
    return out
