"""Customers and members (用户运营): RFM, repurchase, cohorts, lifetime value and recall lists.

Reductions run in the engine (Ibis on ``shop.table("orders")``); only per-customer or
smaller frames come back to pandas. The probability models (BG/NBD, Gamma-Gamma) are
fitted here by maximum likelihood with scipy on those per-customer summaries.

口径 used here
--------------
- A **purchase** (购买) is a paid order: order lines with status ``paid`` and a pay
  time, of a known customer (lines with an empty ``customer_id`` are counted in a note
  and left out), by **pay time**; an order is a distinct ``order_id``. With
  ``same_day_orders="once"`` (default) all orders a customer pays on one calendar day are
  one purchase (按天去重), with ``"per_order"`` every order counts (按天非去重).
- A purchase's **value** is its paid amount minus what was refunded on its lines
  (``refunds``, whenever the refund happened; a line never goes below 0). Without a
  ``refunds`` table it is the paid amount. A fully refunded order still counts as a
  purchase (the platform counts paid orders) with value 0.
- **RFM** on the purchases inside the period: R = days from the last purchase to the
  period's last day, F = purchases, M = value (yuan). R is "high" (近) when R <= its
  split, F and M are "high" when above their splits; splits default to the medians.
- **BG/NBD summary** per customer from every purchase up to the period's last day (the
  model needs whole histories): x = purchases - 1 (repeat purchases), t_x = days from
  the first to the last purchase, T = days from the first purchase to the period's last
  day; Gamma-Gamma uses the mean value of the repeat purchases (the first is left out,
  as in Fader, Hardie & Lee 2005).
- Customer ids are personal data: reports show :func:`mask_ids` (a salted hash); only
  the CRM export files carry the real ids.

Checked against published results: on the CDNOW sample (2,357 customers, 39 weeks) the
fits here reproduce Fader, Hardie & Lee (2005), BG/NBD r = 0.2426, alpha = 4.4135,
a = 0.7929, b = 2.4258 (log-likelihood -9582.43; published 0.243, 4.414, 0.793, 2.426,
-9582.4), and Fader & Hardie (2013), Gamma-Gamma p = 6.250, q = 3.744, gamma = 15.444 on the
946 repeat customers (published 6.25, 3.74, 15.44). The tests use simulated customers and
the sample generator's truth instead, so they run without that data.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers import metrics
from helpers.data import fill_zero, known_customer, paid_order_lines
from helpers.report import format_value

if TYPE_CHECKING:
    from helpers.data import Shop
    from helpers.params import Period

SAME_DAY_RULES = ("once", "per_order")
#: Salt for masking ids of the generated sample shop only (documented, hence not secret).
SAMPLE_SALT = "workbook-sample-shop"
SALT_ENV = "WORKBOOK_ID_SALT"
#: Measured by :func:`measure_scale` in a fresh process on the project's 2-core, 23 GB machine
#: (shared with other work); ``report_seconds`` / ``report_peak_mb``: every section of the
#: notebook's computations on the same data, the recall export (155,196 customers) included.
SCALE_MEASURED: dict[str, Any] = {
    "customers": 1_006_359,
    "source": "workbook sample --scale 34 --format parquet: 2.55 million order lines",
    "summary_seconds": 14.7,
    "bgnbd_seconds": 7.7,
    "gamma_gamma_seconds": 1.8,
    "predict_seconds": 2.0,
    "peak_memory_mb": 1236,
    "report_seconds": 135,
    "report_peak_mb": 2718,
    "measured": "2026-11-22",
}
MIN_REPEAT_CUSTOMERS = 10  # fewer customers with a repeat purchase: no lifetime model

# --------------------------------------------------------------------------- segments

#: The eight classic RFM segments: key -> (中文, English, R high, F high, M high).
SEGMENTS: dict[str, tuple[str, str, bool, bool, bool]] = {
    "important_value": ("重要价值客户", "Important value", True, True, True),
    "important_develop": ("重要发展客户", "Important to develop", True, False, True),
    "important_keep": ("重要保持客户", "Important to keep", False, True, True),
    "important_retain": ("重要挽留客户", "Important to win back", False, False, True),
    "general_value": ("一般价值客户", "General value", True, True, False),
    "general_develop": ("一般发展客户", "General to develop", True, False, False),
    "general_keep": ("一般保持客户", "General to keep", False, True, False),
    "general_retain": ("一般挽留客户", "General to win back", False, False, False),
}
_SEGMENT_BY_FLAGS = {(r, f, m): k for k, (_, _, r, f, m) in SEGMENTS.items()}


def segment_label(key: str, lang: str = "zh") -> str:
    """Display name of an RFM segment: ``segment_label("important_value") == "重要价值客户"``."""
    zh, en, *_ = SEGMENTS[key]
    return zh if lang == "zh" else en


def _check_same_day(same_day_orders: str) -> None:
    if same_day_orders not in SAME_DAY_RULES:
        raise ValueError(f"parameter same_day_orders={same_day_orders!r}; use one of {SAME_DAY_RULES} "
                         "(once: a customer's orders paid on one day are one purchase)")


def _lang(lang: str) -> str:
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    return lang


def _ts(value: Any) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


# --------------------------------------------------------------------------- purchases (engine)


PURCHASE_COLUMNS = ["customer_id", "purchase_id", "pay_time", "pay_date", "value", "source", "top_product"]


def paid_purchases(shop: Shop, end: Any, start: Any = None, same_day_orders: str = "once"):
    """Purchases of known customers paid on or before ``end`` (an Ibis table, one row per purchase).

    Parameters
    ----------
    shop : connected data (``orders`` required; ``refunds`` used when present).
    end : last calendar day included (by pay time).
    start : first calendar day included; None means from the start of the data.
    same_day_orders : "once" (a customer's orders paid on one day are one purchase) or
        "per_order".

    Returns
    -------
    Ibis table with customer_id, purchase_id (the order id, or ``customer|date``),
    pay_time (first payment), pay_date, value (yuan, paid minus refunded), source (of the
    first order) and top_product (the product with the largest paid amount; of tied ones,
    the smallest id). An order belongs to the day of its first payment.
    """
    import ibis

    _check_same_day(same_day_orders)
    # Every section reads the same purchases: build them once per shop and rule (a
    # temporary table in the engine), then filter by day.
    purchases = shop.kept(("purchases", same_day_orders), lambda: _build_purchases(shop, same_day_orders))
    if same_day_orders == "once":
        # derived on reading: kept, the text id would be a quarter of the table's memory
        purchases = purchases.mutate(
            purchase_id=purchases.customer_id.concat("|", purchases.pay_date.cast("string"))).select(PURCHASE_COLUMNS)
    purchases = purchases.filter(purchases.pay_date <= ibis.literal(_ts(end).date(), type="date"))
    if start is not None:
        purchases = purchases.filter(purchases.pay_date >= ibis.literal(_ts(start).date(), type="date"))
    return purchases


def _tie_break(purchases, same_day_orders: str):
    """The column that orders a customer's purchases paid at the same time (after ``pay_time``).

    Per order it is the order id. Once a day, a customer's purchases fall on different days,
    so their pay times never tie and the day orders them as ``customer|date`` would: the text
    id is built when read, and would be made for every purchase only to sort them the same way.
    """
    _check_same_day(same_day_orders)
    return purchases.pay_date if same_day_orders == "once" else purchases.purchase_id


def _build_purchases(shop: Shop, same_day_orders: str):
    import ibis
    from ibis import _

    lines = paid_order_lines(shop).select(
        "order_id", "product_id", "pay_time", "paid_amount", "source", "customer_id")  # ids stripped by the validation
    lines = lines.filter(known_customer(lines))
    if shop.has("refunds"):
        r = shop.table("refunds")
        r = r.group_by(["order_id", "product_id"]).aggregate(refund=r.refund_amount.sum())
        lines = lines.left_join(r, ["order_id", "product_id"]).drop("order_id_right", "product_id_right")
        refund = lines.refund.fill_null(0.0)
    else:
        refund = ibis.literal(0.0)
    lines = lines.mutate(line_refund=ibis.least(refund, lines.paid_amount))
    # Ties (two lines of one price, two orders at one second) go to the smallest id.
    orders = lines.group_by("order_id").aggregate(
        customer_id=_.customer_id.min(),
        pay_time=_.pay_time.min(),
        gross=_.paid_amount.sum(),
        refunded=_.line_refund.sum(),
        source=_.source.min(),
        top_product=metrics.first_of(_.product_id, -_.paid_amount),
    )
    orders = orders.mutate(pay_date=orders.pay_time.date(), value=orders.gross - orders.refunded)
    # Only what the analyses read is kept: the table stays in the engine's memory (35 million
    # purchases at 50 million lines).
    if same_day_orders == "per_order":
        return orders.rename(purchase_id="order_id").select(PURCHASE_COLUMNS)
    days = orders.group_by(["customer_id", "pay_date"]).aggregate(
        pay_time=_.pay_time.min(),
        value=_.value.sum(),
        source=metrics.first_of(_.source, _.pay_time),
        top_product=metrics.first_of(_.top_product, -_.gross),
    )
    return days.select([c for c in PURCHASE_COLUMNS if c != "purchase_id"])


def count_excluded_lines(shop: Shop, period: Period) -> list[str]:
    """Notes on paid lines of the period left out of customer analyses (empty customer id)."""
    import ibis

    o = paid_order_lines(shop, period)
    unknown = ~known_customer(o)
    row = o.aggregate(lines=o.count(), empty=unknown.sum(),
                      amount=ibis.ifelse(unknown, o.paid_amount, 0.0).sum()).execute().iloc[0]
    empty = int(fill_zero(row["empty"]))
    if not empty:
        return []
    return [f"{empty} of {int(row['lines'])} paid order lines ({fill_zero(row['amount']):,.2f} yuan) have an "
            "empty customer_id and are left out of every customer figure"]


def summarize_customers(shop: Shop, period: Period, same_day_orders: str = "once") -> pd.DataFrame:
    """One row per customer with a purchase up to the period's last day (reduced in the engine).

    Returns
    -------
    Frame indexed by customer_id (text) with
    first_date, second_date, last_date : dates of the first, second and last purchase;
    purchases, sales : purchases and value (yuan) up to the last day;
    first_value : value of the first purchase;
    period_purchases, period_sales, period_last_date : the same inside the period (RFM);
    first_source, first_product : source and main product of the first purchase;
    x, t_x, T : BG/NBD summary in days (repeat purchases, first-to-last, first-to-end);
    recency_days : days from the last purchase in the period to its last day (NaN if none);
    repeat_value : mean value of the repeat purchases (NaN when x = 0).
    """
    per = _customer_table(shop, period, same_day_orders)
    # Millions of customers: straight from Arrow, sorted by the engine (ibis's execute
    # converts column by column in Python, seconds per million rows).
    frame = _arrow_to_pandas(per.order_by("customer_id").to_pyarrow())
    return _finish_summary(frame, period.end)


def _customer_table(shop: Shop, period: Period, same_day_orders: str):
    """The engine side of :func:`summarize_customers`: one row per customer (an Ibis table)."""
    import ibis
    from ibis import _

    p = paid_purchases(shop, period.end, None, same_day_orders)
    begin = ibis.literal(period.start.date(), type="date")
    w = ibis.window(group_by="customer_id", order_by=[p.pay_time, _tie_break(p, same_day_orders)])
    p = p.mutate(rank=ibis.row_number().over(w), inside=p.pay_date >= begin)
    return p.group_by("customer_id").aggregate(
        first_date=_.pay_date.min(),
        second_date=_.pay_date.min(where=_.rank == 1),
        last_date=_.pay_date.max(),
        purchases=_.count(),
        sales=_.value.sum(),
        first_value=_.value.min(where=_.rank == 0),
        period_purchases=_.count(where=_.inside),
        period_sales=_.value.sum(where=_.inside),
        period_last_date=_.pay_date.max(where=_.inside),
        first_source=_.source.min(where=_.rank == 0),
        first_product=_.top_product.min(where=_.rank == 0),
    )


def _arrow_to_pandas(table: Any) -> pd.DataFrame:
    # self_destruct frees each Arrow column once converted: the peak holds one copy, not two
    return table.to_pandas(date_as_object=False, split_blocks=True, self_destruct=True)


def _finish_summary(frame: pd.DataFrame, end: Any) -> pd.DataFrame:
    """Types, the BG/NBD columns and a text index for an executed per-customer frame (changed in place)."""
    end = _ts(end)
    frame["customer_id"] = frame["customer_id"].astype("string")
    for col in ("first_date", "second_date", "last_date", "period_last_date"):
        if col in frame:
            frame[col] = pd.to_datetime(frame[col])
    for col in ("purchases", "period_purchases"):
        if col in frame:
            frame[col] = frame[col].fillna(0).astype("int64")
    for col in ("sales", "period_sales", "first_value"):
        if col in frame:
            frame[col] = frame[col].astype("float64").fillna(0.0)
    _add_lifetime_columns(frame, end)
    if "period_last_date" in frame:
        frame["recency_days"] = ((end - frame["period_last_date"]) / pd.Timedelta(days=1)).astype("float64")
    frame = frame.set_index("customer_id")
    return frame if frame.index.is_monotonic_increasing else frame.sort_index()


def _add_lifetime_columns(frame: pd.DataFrame, end: pd.Timestamp) -> None:
    """x, t_x, T (days) and repeat_value from first_date, last_date, purchases, sales, first_value."""
    frame["x"] = (frame["purchases"] - 1).astype("int64")
    frame["t_x"] = ((frame["last_date"] - frame["first_date"]) / pd.Timedelta(days=1)).astype("float64")
    frame["T"] = ((end - frame["first_date"]) / pd.Timedelta(days=1)).astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        repeat = (frame["sales"] - frame["first_value"]) / frame["x"]
    frame["repeat_value"] = repeat.where(frame["x"] > 0)


# --------------------------------------------------------------------------- BG/NBD and Gamma-Gamma

BGNBD_PARAMS = ("r", "alpha", "a", "b")
GG_PARAMS = ("p", "q", "gamma")
_LOG_BOUND = 18.0  # parameters are fitted on the log scale, within exp(+-18)


@dataclass(frozen=True)
class ModelFit:
    """A maximum-likelihood fit: estimates, standard errors (from the Hessian) and 95% intervals.

    Intervals are Wald intervals on the log scale, ``estimate * exp(+-1.96 * se_log)``, so
    they stay positive; ``se`` is the delta-method standard error on the natural scale.
    """

    model: str
    params: dict[str, float]
    se: dict[str, float]
    low: dict[str, float]
    high: dict[str, float]
    loglik: float
    n: int
    converged: bool
    message: str = ""
    cov_log: np.ndarray | None = field(default=None, repr=False, compare=False)

    def values(self) -> np.ndarray:
        return np.array(list(self.params.values()), dtype=float)

    def table(self) -> pd.DataFrame:
        """Estimates with standard errors and 95% intervals, one row per parameter."""
        return pd.DataFrame({"estimate": self.params, "se": self.se, "low": self.low, "high": self.high})


def _arrays(*values: Any) -> list[np.ndarray]:
    return [np.asarray(v, dtype=float) for v in values]


def _bgnbd_terms(params: Any, x: np.ndarray, t_x: np.ndarray, T: np.ndarray):
    """log A1, log A2 and log A3 of the BG/NBD likelihood (A3 = 0, log -inf, when x = 0)."""
    from scipy import special

    r, alpha, a, b = (float(v) for v in params)
    x, t_x, T = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(x, t_x, T))
    rep = x > 0
    ln_a1 = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha)
    ln_a2 = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
    ln_a3 = np.full(x.shape, -np.inf)
    ln_a3[rep] = (special.betaln(a + 1, b + x[rep] - 1) - special.betaln(a, b)
                  - (r + x[rep]) * np.log(alpha + t_x[rep]))
    return ln_a1, ln_a2, ln_a3


def bgnbd_loglik(params: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Log-likelihood of each customer under BG/NBD (Fader, Hardie & Lee 2005, eq. 6).

    L = A1 (A2 + [x > 0] A3) with
    A1 = G(r+x) alpha^r / G(r), A2 = B(a, b+x) / B(a, b) / (alpha+T)^(r+x),
    A3 = B(a+1, b+x-1) / B(a, b) / (alpha+t_x)^(r+x) (G the gamma function, B the beta
    function), evaluated in log space (gammaln, betaln, logaddexp), with no
    hypergeometric function.

    Parameters
    ----------
    params : (r, alpha, a, b), all > 0; alpha in the time unit of t_x and T.
    x : repeat purchases; t_x : time of the last purchase since the first; T : time
        from the first purchase to the end of observation (t_x <= T).

    Returns
    -------
    ndarray of log-likelihoods, one per customer.
    """
    ln_a1, ln_a2, ln_a3 = _bgnbd_terms(params, *_arrays(x, t_x, T))
    return ln_a1 + np.logaddexp(ln_a2, ln_a3)


def _bgnbd_grad(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray,
                w: np.ndarray) -> tuple[float, np.ndarray]:
    """Weighted total log-likelihood and its gradient with respect to (r, alpha, a, b)."""
    from scipy import special

    r, alpha, a, b = params
    dg = special.digamma
    rep = x > 0
    ln_a1, ln_a2, ln_a3 = _bgnbd_terms(params, x, t_x, T)
    ln_sum = np.logaddexp(ln_a2, ln_a3)
    w3 = np.exp(ln_a3 - ln_sum)  # share of the likelihood from "dropped out after the last purchase"
    w2 = 1.0 - w3
    d_r = dg(r + x) - dg(r) + np.log(alpha) - w2 * np.log(alpha + T) - w3 * np.log(alpha + t_x)
    d_alpha = r / alpha - w2 * (r + x) / (alpha + T) - w3 * (r + x) / (alpha + t_x)
    common = dg(a + b) - dg(a + b + x)
    d_a = w2 * common + w3 * (dg(a + 1) + common - dg(a))
    d_b = w2 * (dg(b + x) + common - dg(b)) + w3 * np.where(rep, dg(np.where(rep, b + x - 1, 1.0)) + common - dg(b), 0.0)
    grad = np.array([np.dot(w, g) for g in (d_r, d_alpha, d_a, d_b)])
    return float(np.dot(w, ln_a1 + ln_sum)), grad


def gamma_gamma_loglik(params: Any, x: Any, m: Any) -> np.ndarray:
    """Log-likelihood of each customer's mean spend under Gamma-Gamma (Fader & Hardie 2013).

    The density of the mean m of x purchase values, each Gamma(p, nu), nu ~ Gamma(q, gamma):
    f = G(px+q) / (G(px) G(q)) * gamma^q m^(px-1) x^(px) / (gamma + x m)^(px+q).

    Parameters
    ----------
    params : (p, q, gamma), all > 0; gamma in yuan.
    x : purchases averaged (>= 1); m : their mean value (> 0, yuan).
    """
    from scipy import special

    p, q, g = (float(v) for v in params)
    x, m = _arrays(x, m)
    px = p * x
    return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * math.log(g)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(g + x * m))


def _gg_grad(params: np.ndarray, x: np.ndarray, m: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    from scipy import special

    p, q, g = params
    dg = special.digamma
    px = p * x
    ll = gamma_gamma_loglik(params, x, m)
    d_p = x * (dg(px + q) - dg(px) + np.log(m) + np.log(x) - np.log(g + x * m))
    d_q = dg(px + q) - dg(q) + np.log(g) - np.log(g + x * m)
    d_g = q / g - (px + q) / (g + x * m)
    return float(np.dot(w, ll)), np.array([np.dot(w, d) for d in (d_p, d_q, d_g)])


def _distinct(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns (hashed, O(n)) and, for each input row, its distinct row.

    Distinct rows come in the order of their first appearance. Each column is factorized on
    its own and the codes combined pairwise (a MultiIndex's factorize builds a tuple per
    row: seconds per million customers).
    """
    arrays = [np.asarray(c, dtype=float) for c in columns]
    codes = np.zeros(len(arrays[0]), dtype=np.int64)
    for values in arrays:
        level, uniques = pd.factorize(values, use_na_sentinel=False)
        codes, _ = pd.factorize(codes * len(uniques) + level)  # < rows**2: no overflow below 3 billion rows
    first = np.unique(codes, return_index=True)[1]
    return [values[first] for values in arrays], codes.astype(np.intp)


def _compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the columns and how often each occurs (the likelihood is a weighted sum)."""
    unique, codes = _distinct(*columns)
    return unique, np.bincount(codes, minlength=len(unique[0])).astype(float)


def _fit(model: str, names: tuple[str, ...], grad_fn, data: list[np.ndarray], w: np.ndarray,
         start: np.ndarray) -> ModelFit:
    """Maximise a log-likelihood over log-parameters (L-BFGS-B, analytic gradient); SEs from the Hessian."""
    from scipy import optimize

    n = int(round(w.sum()))

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(theta)
        with np.errstate(all="ignore"):
            ll, grad = grad_fn(params, *data, w)
        if not np.isfinite(ll) or not np.all(np.isfinite(grad)):
            return 1e300, np.zeros_like(theta)
        return -ll / n, -grad * params / n

    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * len(names)
    best = None
    for shift in (0.0, 1.0, -1.0):
        res = optimize.minimize(objective, np.log(start) + shift, jac=True, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9})
        if best is None or res.fun < best.fun - 1e-12:
            best = res
        if res.success and np.max(np.abs(res.jac)) < 1e-6:
            break
    theta = best.x
    # Hessian of the negative total log-likelihood in log-parameters (central differences of
    # the analytic gradient); its inverse is the covariance of the log-parameters.
    k = len(theta)
    hess = np.zeros((k, k))
    for i in range(k):
        step = np.zeros(k)
        step[i] = 1e-4
        g_plus = objective(theta + step)[1]
        g_minus = objective(theta - step)[1]
        hess[:, i] = (g_plus - g_minus) / 2e-4 * n
    hess = (hess + hess.T) / 2
    try:
        cov = np.linalg.inv(hess)
        se_log = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
    except np.linalg.LinAlgError:
        cov, se_log = None, np.full(k, np.nan)
    est = np.exp(theta)
    at_bound = np.any(np.abs(theta) >= _LOG_BOUND - 1e-6)
    converged = bool(best.success and not at_bound and np.all(np.isfinite(se_log)))
    message = str(best.message)
    if at_bound:
        message = "a parameter reached its bound (the data cannot pin it down)"
    z = 1.959963984540054
    return ModelFit(
        model=model,
        params=dict(zip(names, est.tolist(), strict=True)),
        se=dict(zip(names, (est * se_log).tolist(), strict=True)),
        low=dict(zip(names, (est * np.exp(-z * se_log)).tolist(), strict=True)),
        high=dict(zip(names, (est * np.exp(z * se_log)).tolist(), strict=True)),
        loglik=-best.fun * n,
        n=n,
        converged=converged,
        message=message,
        cov_log=cov,
    )


def fit_bgnbd(x: Any, t_x: Any, T: Any) -> ModelFit:
    """Fit BG/NBD by maximum likelihood (Fader, Hardie & Lee 2005).

    Purchases of an active customer follow a Poisson process with rate lambda ~
    Gamma(r, alpha); after each purchase the customer drops out with probability
    p ~ Beta(a, b). Identical (x, t_x, T) rows are grouped, so a million customers with
    day-level times fit in seconds.

    Parameters
    ----------
    x, t_x, T : per-customer summary (see :func:`summarize_customers`), time in days.

    Returns
    -------
    ModelFit with r, alpha (days), a, b, standard errors and 95% intervals.

    Raises
    ------
    ValueError
        when there are no customers, or t_x > T, or negative values.
    """
    x, t_x, T = _arrays(x, t_x, T)
    if x.size == 0:
        raise ValueError("BG/NBD needs at least one customer; the period has no purchases")
    if np.any(x < 0) or np.any(t_x < 0) or np.any(t_x > T + 1e-9) or np.any(~np.isfinite(T)):
        raise ValueError("BG/NBD summary must have x >= 0 and 0 <= t_x <= T")
    (ux, ut, uT), w = _compress(x, t_x, T)
    start = np.array([1.0, max(float(np.mean(T)), 1.0), 1.0, 1.0])
    return _fit("BG/NBD", BGNBD_PARAMS, _bgnbd_grad, [ux, ut, uT], w, start)


def fit_gamma_gamma(x: Any, m: Any) -> ModelFit:
    """Fit the Gamma-Gamma spend model by maximum likelihood (Fader & Hardie 2013).

    Parameters
    ----------
    x : repeat purchases per customer (only customers with x >= 1 and m > 0 are used).
    m : mean value of those purchases, yuan.

    Returns
    -------
    ModelFit with p, q, gamma (yuan).
    """
    x, m = _arrays(x, m)
    keep = (x >= 1) & (m > 0) & np.isfinite(m)
    if keep.sum() < 2:
        raise ValueError("Gamma-Gamma needs at least two customers with a repeat purchase of positive value")
    (ux, um), w = _compress(x[keep], m[keep])
    start = np.array([1.0, 2.0, float(np.mean(m[keep]))])
    return _fit("Gamma-Gamma", GG_PARAMS, _gg_grad, [ux, um], w, start)


def bgnbd_p_alive(params: Any, x: Any, t_x: Any, T: Any) -> np.ndarray:
    """Probability that each customer is still active at T (Fader, Hardie & Lee 2005, eq. 11).

    P(alive) = 1 / (1 + [x > 0] a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)); a customer
    with no repeat purchase has P(alive) = 1 under BG/NBD (dropout happens only after a
    purchase).
    """
    from scipy import special

    r, alpha, a, b = (float(v) for v in params)
    x, t_x, T = np.broadcast_arrays(*_arrays(x, t_x, T))
    z = np.full(x.shape, -np.inf)
    rep = x > 0
    z[rep] = (math.log(a) - np.log(b + x[rep] - 1)
              + (r + x[rep]) * (np.log(alpha + T[rep]) - np.log(alpha + t_x[rep])))
    return special.expit(-z)


def bgnbd_expected_purchases(params: Any, x: Any, t_x: Any, T: Any, t: float, nodes: int = 48) -> np.ndarray:
    """Expected purchases of each customer in the next ``t`` days, given their history.

    E[Y(t) | x, t_x, T] = P(alive) * E_p[(1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p],
    p ~ Beta(a, b+x) (the dropout probability of a customer still active). The integral is
    done by Gauss-Jacobi quadrature (exact weight p^(a-1) (1-p)^(b+x-1)), which equals
    Fader, Hardie & Lee's eq. 10 without its hypergeometric function (which loses
    accuracy for large x). ``t = 0`` gives 0; a new customer (x = t_x = T = 0) gives the
    unconditional expectation E[X(t)].
    """

    x, t_x, T = (v.astype(float) for v in np.broadcast_arrays(*_arrays(x, t_x, T)))
    if t < 0:
        raise ValueError(f"horizon t={t} must be >= 0")
    out = np.zeros(x.shape)
    if t == 0 or x.size == 0:
        return out
    return bgnbd_p_alive(params, x, t_x, T) * _purchases_if_alive(params, x, T, t, nodes)


def _purchases_if_alive(params: Any, x: np.ndarray, T: np.ndarray, t: float, nodes: int = 48) -> np.ndarray:
    """E[Y(t) | alive, x, T]: the quadrature part of :func:`bgnbd_expected_purchases` (no t_x in it)."""
    r, alpha, a, b = (float(v) for v in params)
    flat_x, flat_T = x.ravel(), T.ravel()
    result = np.empty(flat_x.shape)
    for xv in np.unique(flat_x):
        idx = np.nonzero(flat_x == xv)[0]
        p_nodes, wts = _beta_nodes(nodes, a, b + xv)
        scale = t / (alpha + flat_T[idx])
        # (1 - (1 + p*s)^-(r+x)) / p, stable for small p*s
        ps = np.outer(scale, p_nodes)
        g = -np.expm1(-(r + xv) * np.log1p(ps)) / p_nodes
        result[idx] = g @ wts
    return result.reshape(x.shape)


@functools.lru_cache(maxsize=4096)
def _beta_nodes(nodes: int, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Jacobi nodes on [0, 1] and weights of the Beta(a, b) density (weights sum to 1)."""
    from scipy import special

    # nodes u in [-1, 1] with weight (1-u)^(b-1) (1+u)^(a-1); p = (1+u)/2
    u, wts = special.roots_jacobi(nodes, b - 1, a - 1)
    return (1 + u) / 2, wts / wts.sum()


def gamma_gamma_expected_value(params: Any, x: Any, m: Any) -> np.ndarray:
    """Expected value of a customer's future purchases (yuan per purchase), Gamma-Gamma.

    E[M | x, m] = (gamma + x m) p / (p x + q - 1): a weighted mean of the population mean
    p gamma / (q - 1) and the customer's own mean m, with weight p x / (p x + q - 1) on m.
    Customers without repeat purchases (x = 0 or m missing) get the population mean.
    NaN when q <= 1 (the mean does not exist).
    """
    p, q, g = (float(v) for v in params)
    x, m = np.broadcast_arrays(*_arrays(x, m))
    if q <= 1:
        return np.full(x.shape, np.nan)
    known = (x > 0) & np.isfinite(m) & (m > 0)
    xs = np.where(known, x, 0.0)
    ms = np.where(known, m, 0.0)
    return (g + xs * ms) * p / (p * xs + q - 1)


def simulate_bgnbd(n: int, params: Any, T: Any, seed: int = 0, spend: Any = None) -> pd.DataFrame:
    """Simulate customers from BG/NBD (and optionally Gamma-Gamma spend), for tests and scale checks.

    Parameters
    ----------
    n : customers.
    params : (r, alpha, a, b); time unit of ``T``.
    T : observation length per customer (scalar or array of n).
    seed : random seed.
    spend : (p, q, gamma) to also draw purchase values; None for no values.

    Returns
    -------
    Frame with x, t_x, T, lam, p_drop, alive (still active at T) and, with spend, m
    (mean value of the repeat purchases) and nu (the customer's true mean spend is p / nu).
    """
    rng = np.random.default_rng(seed)
    r, alpha, a, b = (float(v) for v in params)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam = rng.gamma(r, 1.0 / alpha, n)
    p_drop = rng.beta(a, b, n)
    x = np.zeros(n, dtype=np.int64)
    t_x = np.zeros(n)
    now = np.zeros(n)
    active = np.ones(n, dtype=bool)  # still in the observation window and not dropped out
    alive = np.ones(n, dtype=bool)
    while active.any():
        idx = np.nonzero(active)[0]
        gap = rng.exponential(1.0, idx.size) / lam[idx]
        when = now[idx] + gap
        inside = when <= T[idx]
        done = idx[~inside]
        active[done] = False
        hit = idx[inside]
        now[hit] = when[inside]
        x[hit] += 1
        t_x[hit] = now[hit]
        drop = rng.random(hit.size) < p_drop[hit]
        active[hit[drop]] = False
        alive[hit[drop]] = False
    out = pd.DataFrame({"x": x, "t_x": t_x, "T": T, "lam": lam, "p_drop": p_drop, "alive": alive})
    if spend is not None:
        p, q, g = (float(v) for v in spend)
        nu = rng.gamma(q, 1.0 / g, n)
        total = rng.gamma(np.maximum(p * x, 1e-12), 1.0 / nu)
        out["m"] = np.where(x > 0, total / np.maximum(x, 1), np.nan)
        out["nu"] = nu
    return out


def check_options(*, same_day_orders: str, horizon_days: int, holdout_days: int, repurchase_days: int,
                  rfm_recency_days: float, rfm_frequency: float, rfm_monetary: float, export_dir: str,
                  xlsx_max_rows: int = 100_000) -> None:
    """Check the notebook's own parameters before any work; errors name the parameter and the fix."""
    _check_same_day(same_day_orders)
    for name, value, low in (("horizon_days", horizon_days, 0), ("holdout_days", holdout_days, 1),
                             ("repurchase_days", repurchase_days, 0)):
        if not isinstance(value, int | np.integer) or value < low:
            raise ValueError(f"parameter {name}={value!r} must be a whole number of days >= {low}")
    for name, value in (("rfm_recency_days", rfm_recency_days), ("rfm_frequency", rfm_frequency),
                        ("rfm_monetary", rfm_monetary)):
        if not isinstance(value, int | float) or not np.isfinite(value) or value < 0:
            raise ValueError(f"parameter {name}={value!r} must be a number >= 0 (0 means the median)")
    if not str(export_dir).strip():
        raise ValueError("parameter export_dir is empty; give a folder for the CRM files, e.g. reports/exports")
    _check_xlsx_max_rows(xlsx_max_rows)


def period_header(shop: Shop, period: Period, same_day_orders: str, lang: str = "zh") -> str:
    """The period and the counting rules, as one Markdown paragraph."""
    once = same_day_orders == "once"
    refunds = shop.has("refunds")
    if lang == "zh":
        return (f"**分析期** {period.label()}（{period.days} 天） · "
                + ("同一客户同一天的多笔订单算一次购买" if once else "每笔订单算一次购买") + " · "
                + ("金额为实付款减去退款" if refunds else "没有退款表：金额为实付款，未扣退款")
                + " · 生命周期模型使用截至期末的全部历史")
    return (f"**Period** {period.label()} ({period.days} days) · "
            + ("a customer's orders paid on one day are one purchase" if once else "every order is a purchase")
            + " · " + ("values are paid amounts minus refunds" if refunds
                       else "no refunds table: values are paid amounts before refunds")
            + " · the lifetime models use the whole history up to the period's end")


# --------------------------------------------------------------------------- RFM


@dataclass(frozen=True)
class RFMSplits:
    """Split points of RFM: R is high when recency_days <= recency_days; F, M when above.

    ``chosen`` says for each of "recency_days", "frequency", "monetary" whether the value
    is the data's median ("median") or came from a parameter ("parameter").
    """

    recency_days: float
    frequency: float
    monetary: float
    chosen: dict[str, str] = field(default_factory=dict)


def split_rfm(summary: pd.DataFrame, recency_days: float = 0, frequency: float = 0,
              monetary: float = 0) -> RFMSplits:
    """RFM split points: the given values, or the medians of the period's customers where 0.

    Parameters
    ----------
    summary : :func:`summarize_customers` output.
    recency_days : days since the last purchase; a customer is recent (R high) when at most
        this. 0 means the median.
    frequency : purchases in the period; frequent (F high) when more than this. 0 means the
        median (typically 1, so F high means a repeat customer).
    monetary : yuan in the period; high value (M high) when more than this. 0 means the median.

    Raises
    ------
    ValueError
        naming the parameter when a split is negative.
    """
    given = {"rfm_recency_days": recency_days, "rfm_frequency": frequency, "rfm_monetary": monetary}
    for name, value in given.items():
        if value is None or not np.isfinite(value) or value < 0:
            raise ValueError(f"parameter {name}={value!r} must be a number >= 0 (0 means the median)")
    active = summary[summary["period_purchases"] > 0]
    medians = {"recency_days": active["recency_days"].median(), "frequency": active["period_purchases"].median(),
               "monetary": active["period_sales"].median()}
    values, chosen = {}, {}
    for key, value in zip(medians, given.values(), strict=True):
        values[key] = float(value) if value > 0 else float(medians[key])
        chosen[key] = "parameter" if value > 0 else "median"
    return RFMSplits(**values, chosen=chosen)


def _rfm_flags(recency, frequency, monetary, splits: RFMSplits):
    """(R high, F high, M high) for pandas Series or Ibis columns alike."""
    return recency <= splits.recency_days, frequency > splits.frequency, monetary > splits.monetary


def score_rfm(summary: pd.DataFrame, splits: RFMSplits) -> pd.DataFrame:
    """R, F, M and the segment of every customer with a purchase in the period.

    Returns
    -------
    Frame indexed by customer_id with recency_days, frequency (purchases), monetary (yuan),
    r_high, f_high, m_high and segment (a key of :data:`SEGMENTS`).
    """
    active = summary[summary["period_purchases"] > 0]
    out = pd.DataFrame({"recency_days": active["recency_days"], "frequency": active["period_purchases"],
                        "monetary": active["period_sales"]}, index=active.index)
    r, f, m = _rfm_flags(out["recency_days"], out["frequency"], out["monetary"], splits)
    out["r_high"], out["f_high"], out["m_high"] = r, f, m
    out["segment"] = [_SEGMENT_BY_FLAGS[k] for k in zip(r, f, m, strict=True)]
    return out


def summarize_segments(scored: pd.DataFrame) -> pd.DataFrame:
    """Customers, sales and averages per RFM segment, in the classic order (all eight rows).

    Returns
    -------
    Frame indexed by segment key with customers, share (of customers), sales (yuan),
    share_of_sales, recency_days, frequency and monetary (means; NaN for an empty segment).
    """
    groups = scored.groupby("segment")
    table = pd.DataFrame({
        "customers": groups.size(),
        "sales": groups["monetary"].sum(),
        "recency_days": groups["recency_days"].mean(),
        "frequency": groups["frequency"].mean(),
        "monetary": groups["monetary"].mean(),
    }).reindex(list(SEGMENTS))
    table[["customers", "sales"]] = table[["customers", "sales"]].fillna(0)
    table["customers"] = table["customers"].astype("int64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)  # no customers at all: NaN shares
        table["share"] = metrics.share(table["customers"])
        table["share_of_sales"] = metrics.share(table["sales"])
    return table[["customers", "share", "sales", "share_of_sales", "recency_days", "frequency", "monetary"]]


def month_ends(period: Period) -> list[pd.Timestamp]:
    """Last day of every calendar month ending inside the period, plus the period's last day."""
    ends = pd.date_range(period.start, period.end, freq="ME")
    out = [pd.Timestamp(d) for d in ends]
    if not out or out[-1] != period.end:
        out.append(period.end)
    return out


def segment_trend(shop: Shop, period: Period, splits: RFMSplits, same_day_orders: str = "once") -> pd.DataFrame:
    """RFM segment sizes at every month end of the period, with the same split points.

    At each month end the customers who bought between the period's first day and that
    day are scored on those purchases (reduced in the engine); ``month_sales`` is what the
    segment's customers spent in that month.

    A customer's F and M change only in a month with a purchase, and R only falls from high
    to low as the last purchase ages past ``splits.recency_days``. So each month in which a
    customer buys opens a state that lasts until their next month with a purchase and changes
    segment at most once in between: the engine reduces the purchases to those months (one
    row per customer and month, cumulative F and M), and the segment sizes at every month end
    are counted from when each state starts and ends. Cost grows with purchases, not with
    customers x months.

    Returns
    -------
    Long frame with date (month end), segment, customers, month_sales.
    """
    import ibis
    from ibis import _

    ends = month_ends(period)
    snaps = np.array([d.to_datetime64() for d in ends], dtype="datetime64[D]")
    count = len(snaps)
    p = paid_purchases(shop, period.end, period.start, same_day_orders)
    # month index of a purchase = index of the first month end on or after it (ends are consecutive months)
    p = p.mutate(k=(p.pay_date.year() - ends[0].year) * 12 + (p.pay_date.month() - ends[0].month))
    months = p.group_by(["customer_id", "k"]).aggregate(n=_.count(), v=_.value.sum(), last=_.pay_date.max())
    to_date = ibis.cumulative_window(group_by="customer_id", order_by="k")
    months = months.mutate(frequency=months.n.sum().over(to_date), monetary=months.v.sum().over(to_date),
                           next_k=months.k.lead().over(ibis.window(group_by="customer_id", order_by="k")))
    f_high, m_high = _rfm_flags(0, months.frequency, months.monetary, splits)[1:]
    states = months.mutate(fm=f_high.cast("int8") * 2 + m_high.cast("int8"), next_k=months.next_k.fill_null(count))
    states = states.group_by(["k", "next_k", "last", "fm"]).aggregate(customers=_.count(), sales=_.v.sum()).execute()

    k = states["k"].to_numpy(dtype=np.int64)
    stop = states["next_k"].to_numpy(dtype=np.int64)
    fm = states["fm"].to_numpy(dtype=np.int64)
    customers = states["customers"].to_numpy(dtype=np.int64)
    if np.isfinite(splits.recency_days):
        # R is high at the month ends up to last + recency_days (whole days, as the day difference is)
        newest = pd.to_datetime(states["last"]).to_numpy().astype("datetime64[D]")
        recent_until = np.searchsorted(snaps, newest + np.timedelta64(int(np.floor(splits.recency_days)), "D"),
                                       side="right")
        turn = np.clip(recent_until, k, stop)
    else:
        turn = k  # no recency split (no customers): never recent, as NaN comparisons are false
    codes = np.zeros((count + 1, 8), dtype=np.int64)
    np.add.at(codes, (k, 4 + fm), customers)  # recent from the month of the purchase ...
    np.add.at(codes, (turn, 4 + fm), -customers)
    np.add.at(codes, (turn, fm), customers)  # ... then not recent until the next month with a purchase
    np.add.at(codes, (stop, fm), -customers)
    sizes = codes.cumsum(axis=0)[:count]
    sales = np.zeros((count, 8))
    np.add.at(sales, (k, np.where(turn > k, 4, 0) + fm), states["sales"].to_numpy(dtype=float))
    keys = [_SEGMENT_BY_FLAGS[(bool(c & 4), bool(c & 2), bool(c & 1))] for c in range(8)]
    frame = pd.DataFrame({"date": np.repeat(pd.DatetimeIndex(ends), 8), "segment": keys * count,
                          "customers": sizes.ravel(), "month_sales": sales.ravel()})
    frame = frame.set_index(["date", "segment"]).reindex(
        pd.MultiIndex.from_product([pd.DatetimeIndex(ends), list(SEGMENTS)], names=["date", "segment"]))
    return frame.reset_index()


# --------------------------------------------------------------------------- repurchase


def _metric_orders(shop: Shop, end: Any, same_day_orders: str) -> metrics.PreparedOrders:
    """Purchases in the shape the repurchase reductions of :mod:`helpers.metrics` read.

    A purchase is one row already (grouped once in :func:`paid_purchases`), so the
    reductions read it as prepared orders instead of grouping millions of rows again. Their
    ``order_id`` only breaks ties of pay time, so it is :func:`_tie_break`.
    """
    p = paid_purchases(shop, end, None, same_day_orders)
    return metrics.prepare_orders(
        p.select("customer_id", order_id=_tie_break(p, same_day_orders), pay_time=p.pay_time),
        one_row_per_order=True)


def month_pairs(period: Period) -> list[tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, pd.Timestamp]]:
    """(previous start, previous end, current start, current end) of consecutive complete months."""
    first = period.start if period.start.day == 1 else (period.start + pd.offsets.MonthBegin(1))
    starts = pd.date_range(first, period.end, freq="MS")
    months = [(s, s + pd.offsets.MonthEnd(0)) for s in starts if s + pd.offsets.MonthEnd(0) <= period.end]
    return [(a[0], a[1], b[0], b[1]) for a, b in zip(months, months[1:], strict=False)]


def compare_repurchase(shop: Shop, period: Period, same_day_orders: str = "once", days: int = 90,
                       lang: str = "zh") -> pd.DataFrame:
    """The repurchase definitions side by side, counted by :mod:`helpers.metrics` reductions.

    Rows: 复购率(人数) and 复购率(订单) over the period, the N-day repurchase rate of the
    customers first buying in the period, and 回购率 of the latest complete month against
    the month before. A "purchase" follows ``same_day_orders``.

    Returns
    -------
    Frame indexed by metric key with label, rate, numerator, denominator, window and
    definition (the formula from the metric registry).
    """
    _lang(lang)
    if days < 0:
        raise ValueError(f"parameter repurchase_days={days} must be >= 0")
    orders = _metric_orders(shop, period.end, same_day_orders)
    results = {
        "repurchase_rate_customers": metrics.repurchase_rate_customers_from_orders(orders, period.start, period.end),
        "repurchase_rate_orders": metrics.repurchase_rate_orders_from_orders(orders, period.start, period.end),
        "repurchase_within_days": metrics.repurchase_within_days_from_orders(
            orders, days, period.start, period.end, data_end=period.end),
    }
    pairs = month_pairs(period)
    if pairs:
        p0, p1, c0, c1 = pairs[-1]
        results["returning_rate"] = metrics.returning_rate_from_orders(orders, (c0, c1), (p0, p1))
    rows = []
    for key, res in results.items():
        info = metrics.METRICS[key]
        if key == "returning_rate":
            window = f"{res.details['previous']} -> {res.details['current']}"
        elif key == "repurchase_within_days":
            window = f"N = {days}; " + ("首购 " if lang == "zh" else "first purchase ") + res.details["cohort"]
        else:
            window = res.details["period"]
        label = info.label(lang).replace("N日", f"{days}日").replace("N-day", f"{days}-day")
        rows.append({"key": key, "label": label, "rate": res.rate, "numerator": res.numerator,
                     "denominator": res.denominator, "window": window, "definition": info.formula})
    return pd.DataFrame(rows).set_index("key")


def returning_by_month(shop: Shop, period: Period, same_day_orders: str = "once", months: int = 12) -> pd.DataFrame:
    """回购率 of the last ``months`` complete months of the period, each against the month before.

    Returns
    -------
    Frame with month (first day), previous_customers, returning_customers and
    returning_rate (:func:`helpers.metrics.returning_rate_from_orders`).
    """
    orders = _metric_orders(shop, period.end, same_day_orders)
    rows = []
    for p0, p1, c0, c1 in month_pairs(period)[-months:]:
        res = metrics.returning_rate_from_orders(orders, (c0, c1), (p0, p1))
        rows.append({"month": c0, "previous_customers": res.denominator, "returning_customers": res.numerator,
                     "returning_rate": res.rate})
    return pd.DataFrame(rows, columns=["month", "previous_customers", "returning_customers", "returning_rate"])


def summarize_gaps(shop: Shop, period: Period, same_day_orders: str = "once") -> pd.DataFrame:
    """Days between a customer's consecutive purchases, for purchases made in the period.

    Counted in the engine (a window over each customer's purchases); only the histogram
    comes back. With ``same_day_orders="per_order"`` two orders on one day give a gap of 0.

    Returns
    -------
    Frame with days and purchases (how many repeat purchases came that many days after the
    customer's previous one), sorted by days.
    """
    import ibis
    from ibis import _

    p = paid_purchases(shop, period.end, None, same_day_orders)
    w = ibis.window(group_by="customer_id", order_by=[p.pay_time, _tie_break(p, same_day_orders)])
    p = p.mutate(prev=p.pay_date.lag().over(w))
    begin = ibis.literal(period.start.date(), type="date")
    gaps = p.filter(p.prev.notnull(), p.pay_date >= begin)
    gaps = gaps.mutate(days=gaps.pay_date.delta(gaps.prev, unit="day"))
    frame = gaps.group_by("days").aggregate(purchases=_.count()).order_by("days").execute()
    return frame.astype({"days": "int64", "purchases": "int64"}).reset_index(drop=True)


def product_titles(shop: Shop) -> pd.Series | None:
    """Product id -> "title (id)" from ``products``, for naming first products; None without it."""
    if not shop.has("products"):
        return None
    p = shop.table("products").select("product_id", "title").execute()
    return pd.Series([f"{t} ({i})" for i, t in zip(p["product_id"], p["title"], strict=True)],
                     index=p["product_id"].astype(str))


def source_labels(shop: Shop) -> pd.Series | None:
    """Source -> "source · group" from ``traffic`` (its source_group column); None without it."""
    if not shop.has("traffic"):
        return None
    t = shop.table("traffic")
    pairs = t.group_by("source").aggregate(group=t.source_group.min()).execute()
    return pd.Series([f"{s} · {g}" for s, g in zip(pairs["source"], pairs["group"], strict=True)],
                     index=pairs["source"].astype(str))


def describe_gaps(gaps: pd.DataFrame) -> dict[str, float]:
    """Median, quartiles and shares within 30/60/90 days of a :func:`summarize_gaps` histogram.

    Returns NaN figures (and no error) when there is no repeat purchase.
    """
    total = int(gaps["purchases"].sum()) if len(gaps) else 0
    out = {"repeat_purchases": total}
    if total == 0:
        return {**out, "median": np.nan, "p25": np.nan, "p75": np.nan, "within_30": np.nan,
                "within_60": np.nan, "within_90": np.nan}
    cum = gaps["purchases"].cumsum() / total
    days = gaps["days"].to_numpy()

    def quantile(q: float) -> float:
        return float(days[np.searchsorted(cum.to_numpy(), q)])

    out.update(median=quantile(0.5), p25=quantile(0.25), p75=quantile(0.75))
    for n in (30, 60, 90):
        out[f"within_{n}"] = float(gaps.loc[gaps["days"] <= n, "purchases"].sum() / total)
    return out


def repurchase_by(summary: pd.DataFrame, period: Period, by: str, days: int = 90,
                  names: pd.Series | None = None, min_customers: int = 30) -> pd.DataFrame:
    """N-day repurchase rate of new customers by their first product or acquisition source.

    Same rule as :func:`helpers.metrics.repurchase_within_days_from_orders` (new customers
    whose first purchase ever is in the period; a repurchase is a purchase at most ``days``
    days after the first; customers whose window runs past the period are left out), so
    the groups add up to its counts. Rates come from :func:`helpers.metrics.repurchase_within_days`
    with a 95% Wilson interval.

    Parameters
    ----------
    summary : :func:`summarize_customers` output.
    by : "first_product", "first_source" or another column of ``summary``.
    days : N.
    names : optional labels for the group values (e.g. product titles), indexed by value.
    min_customers : groups with fewer eligible customers are pooled into "other".

    Returns
    -------
    Frame indexed by group with customers, repeat_customers, rate, low, high, sorted by
    customers (the pooled "other" row last).
    """
    if by not in summary.columns:
        raise KeyError(f"summary has no column {by!r}")
    end = period.end
    first = summary["first_date"]
    cohort = summary[(first >= period.start) & (first <= end) & (first + pd.Timedelta(days=days) <= end)]
    repeat = (cohort["second_date"] - cohort["first_date"]).dt.days <= days
    frame = pd.DataFrame({"group": cohort[by].astype("string").fillna("?"), "repeat": repeat.to_numpy()})
    counts = frame.groupby("group").agg(customers=("repeat", "size"), repeat_customers=("repeat", "sum"))
    small = counts["customers"] < min_customers
    if small.any() and (~small).any():
        other = counts[small].sum().to_frame("__other__").T
        counts = pd.concat([counts[~small].sort_values("customers", ascending=False), other])
    else:
        counts = counts.sort_values("customers", ascending=False)
    counts = counts.astype("int64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        counts["rate"] = metrics.repurchase_within_days(counts["repeat_customers"], counts["customers"])
        ci = metrics.wilson_interval(counts["repeat_customers"], counts["customers"])
    counts["low"], counts["high"] = np.asarray(ci[0], dtype=float), np.asarray(ci[1], dtype=float)
    if names is not None:
        counts.index = [names.get(k, k) if k != "__other__" else k for k in counts.index]
    return counts


# --------------------------------------------------------------------------- cohorts


def cohort_end(period: Period) -> tuple[pd.Timestamp, str | None]:
    """The last day cohorts are followed to: the last complete month end in the period.

    Returns (day, note); the note says when a partial last month was cut off, or that the
    period has no complete month (then its last day is used, and the month is partial).
    """
    last_month_end = period.end + pd.offsets.MonthEnd(0)
    if period.end == last_month_end:
        return period.end, None
    cut = period.end - pd.offsets.MonthEnd(1)  # end of the previous month
    if cut >= period.start:
        return cut, (f"cohorts stop at {cut.date()}, the last complete month; "
                     f"{(cut + pd.Timedelta(days=1)).date()} ~ {period.end.date()} is a partial month")
    return period.end, (f"the period has no complete month: the cohort month {period.start:%Y-%m} "
                        f"is followed only to {period.end.date()}")


def build_cohorts(shop: Shop, period: Period, same_day_orders: str = "once") -> tuple[pd.DataFrame, list[str]]:
    """Monthly first-purchase cohorts: retention and cumulative sales per customer by month.

    A customer's cohort is the calendar month of their first purchase in the data;
    cohorts starting in the period are followed month by month (month 0 = the first
    month) up to the last complete month (reduced in the engine: one row per cohort and
    month comes back).

    Returns
    -------
    (frame, notes). Frame with cohort (month start), age (months since the first),
    cohort_customers, active_customers, sales, retention (active / cohort customers,
    :func:`helpers.metrics.cohort_retention`) and cumulative_sales_per_customer (yuan,
    :func:`helpers.metrics.cohort_sales_per_customer`); months not yet observed are absent.
    """
    import ibis
    from ibis import _

    stop, note = cohort_end(period)
    p = paid_purchases(shop, stop, None, same_day_orders)
    w = ibis.window(group_by="customer_id")
    p = p.mutate(first=p.pay_date.min().over(w))
    month = p.pay_date.year() * 12 + p.pay_date.month()
    first_month = p.first.year() * 12 + p.first.month()
    p = p.mutate(age=month - first_month, cohort_index=first_month)
    begin = period.start.year * 12 + period.start.month
    p = p.filter(p.cohort_index >= begin)
    cells = p.group_by(["cohort_index", "age"]).aggregate(active_customers=_.customer_id.nunique(),
                                                          sales=_.value.sum()).execute()
    notes = [note] if note else []
    columns = ["cohort", "age", "cohort_customers", "active_customers", "sales", "retention",
               "cumulative_sales_per_customer"]
    if cells.empty:
        return pd.DataFrame(columns=columns), notes
    cells["cohort_index"] = cells["cohort_index"].astype("int64")
    cells["age"] = cells["age"].astype("int64")
    last_index = stop.year * 12 + stop.month
    rows = []
    for cohort_index, group in cells.groupby("cohort_index"):
        ages = np.arange(0, last_index - cohort_index + 1)
        g = group.set_index("age").reindex(ages)
        g[["active_customers", "sales"]] = g[["active_customers", "sales"]].fillna(0)
        g["cohort_index"] = cohort_index
        rows.append(g.reset_index())
    frame = pd.concat(rows, ignore_index=True)
    frame["cohort"] = [pd.Timestamp(year=(i - 1) // 12, month=(i - 1) % 12 + 1, day=1) for i in frame["cohort_index"]]
    size = frame.groupby("cohort")["active_customers"].transform("first")
    frame["cohort_customers"] = size.astype("int64")
    frame["active_customers"] = frame["active_customers"].astype("int64")
    frame["sales"] = frame["sales"].astype(float)
    cumulative = frame.groupby("cohort")["sales"].cumsum()
    frame["retention"] = metrics.cohort_retention(frame["active_customers"], frame["cohort_customers"])
    frame["cumulative_sales_per_customer"] = metrics.cohort_sales_per_customer(cumulative, frame["cohort_customers"])
    return frame[columns], notes


def pivot_cohorts(cohorts: pd.DataFrame, value: str = "retention") -> pd.DataFrame:
    """Cohorts as rows (YYYY-MM) and months since the first purchase as columns."""
    table = cohorts.pivot(index="cohort", columns="age", values=value)
    table.index = [f"{d:%Y-%m}" for d in table.index]
    table.columns = [int(c) for c in table.columns]
    return table


def summarize_cohorts(cohorts: pd.DataFrame, ages: tuple[int, ...] = (1, 3, 6, 12)) -> dict[str, float]:
    """Customer-weighted retention and cumulative sales per customer at a few ages.

    Only cohorts observed at that age count (pooled: active customers / cohort customers).
    """
    out: dict[str, float] = {"cohorts": float(cohorts["cohort"].nunique()) if len(cohorts) else 0.0}
    for age in ages:
        rows = cohorts[cohorts["age"] == age]
        n = rows["cohort_customers"].sum()
        out[f"retention_{age}"] = float(rows["active_customers"].sum() / n) if n else np.nan
        cum = cohorts[cohorts["age"] <= age].groupby("cohort")["sales"].sum()
        observed = rows.set_index("cohort")["cohort_customers"]
        out[f"sales_per_customer_{age}"] = (float(cum.reindex(observed.index).sum() / observed.sum())
                                            if observed.sum() else np.nan)
    return out


# --------------------------------------------------------------------------- lifetime value


@dataclass
class Lifetime:
    """Per-customer predictions of the fitted models, and the fits."""

    scores: pd.DataFrame
    bgnbd: ModelFit | None  # None: too few repeat customers to fit
    gamma_gamma: ModelFit | None
    horizon_days: int
    notes: list[str] = field(default_factory=list)

    def new_customer(self) -> dict[str, float]:
        """Expected repeat purchases and their value over the horizon for a brand-new customer."""
        if self.bgnbd is None:
            return {"purchases": np.nan, "value_per_purchase": np.nan, "value": np.nan}
        purchases = float(bgnbd_expected_purchases(self.bgnbd.values(), 0, 0, 0, self.horizon_days)[()])
        value = (float(gamma_gamma_expected_value(self.gamma_gamma.values(), 0, np.nan)[()])
                 if self.gamma_gamma else np.nan)
        return {"purchases": purchases, "value_per_purchase": value, "value": purchases * value}


def score_lifetime(summary: pd.DataFrame, horizon_days: int, recent_days: int = 30) -> Lifetime:
    """Fit BG/NBD and Gamma-Gamma on the customers' whole histories and predict each customer.

    Parameters
    ----------
    summary : :func:`summarize_customers` output (x, t_x, T in days; repeat_value).
    horizon_days : days ahead for expected purchases and value (0 gives 0).
    recent_days : P(alive) is also given as it was this many days ago, to see it fall.

    Returns
    -------
    Lifetime with scores indexed by customer_id: x, t_x, T, p_alive, p_alive_before
    (``recent_days`` ago, for customers whose last purchase is older than that),
    expected_purchases, value_per_purchase (Gamma-Gamma, yuan) and expected_value (yuan, not
    discounted).
    """
    if horizon_days < 0:
        raise ValueError(f"parameter horizon_days={horizon_days} must be >= 0")
    notes = []
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    scores = pd.DataFrame({"x": x, "t_x": t_x, "T": T}, index=summary.index)
    repeat_customers = int((x > 0).sum())
    if repeat_customers < MIN_REPEAT_CUSTOMERS:
        notes.append(f"only {repeat_customers} customers bought more than once (at least {MIN_REPEAT_CUSTOMERS} "
                     "are needed): no lifetime model, so no expected purchases, values or P(active)")
        for col in ("p_alive", "p_alive_before", "expected_purchases", "value_per_purchase", "expected_value"):
            scores[col] = np.nan
        if horizon_days == 0:
            scores["expected_purchases"] = 0.0
        return Lifetime(scores, None, None, int(horizon_days), notes)
    bg = fit_bgnbd(x, t_x, T)
    if not bg.converged:
        notes.append(f"BG/NBD fit did not converge cleanly ({bg.message}); treat its predictions as rough")
    if "first_date" in summary and len(summary):
        notes.append(f"lifetime models: a customer's first purchase in the data (from "
                     f"{summary['first_date'].min():%Y-%m-%d}) counts as their first; customers who bought "
                     "before the data starts look new, which makes purchase rates look slightly higher")
    params = bg.values()
    scores["p_alive"] = bgnbd_p_alive(params, x, t_x, T)
    earlier = T - recent_days
    seen = (earlier >= t_x) & (earlier >= 0)
    before = np.full(len(x), np.nan)
    before[seen] = bgnbd_p_alive(params, x[seen], t_x[seen], earlier[seen])
    scores["p_alive_before"] = before
    scores["expected_purchases"] = _expected_grouped(params, x, t_x, T, horizon_days)
    m = summary["repeat_value"].to_numpy(dtype=float)
    gg = None
    repeaters = (x >= 1) & (m > 0)
    if repeaters.sum() >= MIN_REPEAT_CUSTOMERS:
        gg = fit_gamma_gamma(x, m)
        if gg.params["q"] <= 1:
            notes.append("Gamma-Gamma: q <= 1, the mean spend is not defined; values are left out")
        corr = np.corrcoef(x[repeaters], m[repeaters])[0, 1] if repeaters.sum() > 2 else np.nan
        if abs(corr) > 0.3:
            notes.append(f"Gamma-Gamma assumes spend per purchase does not depend on how often a customer "
                         f"buys; here they correlate ({corr:+.2f}), so expected values are rough")
        scores["value_per_purchase"] = gamma_gamma_expected_value(gg.values(), x, m)
    else:
        notes.append(f"fewer than {MIN_REPEAT_CUSTOMERS} customers with a repeat purchase of positive value: "
                     "no spend model, expected values are not given")
        scores["value_per_purchase"] = np.nan
    scores["expected_value"] = scores["expected_purchases"] * scores["value_per_purchase"]
    return Lifetime(scores, bg, gg, int(horizon_days), notes)


def _expected_grouped(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, t: float) -> np.ndarray:
    """:func:`bgnbd_expected_purchases` computed once per distinct (x, t_x, T)."""
    if len(x) == 0:
        return np.zeros(0)
    (ux, ut, uT), codes = _distinct(x, t_x, T)
    return bgnbd_expected_purchases(params, ux, ut, uT, t)[codes]


@dataclass
class Holdout:
    """Calibration/holdout check: fit on the history up to ``calibration_end``, predict after."""

    calibration_end: pd.Timestamp
    holdout_days: int
    fit: ModelFit
    aggregate: pd.DataFrame  # rows: repeat purchases, (spend per purchase); predicted, actual, error
    by_frequency: pd.DataFrame  # calibration repeat purchases bucket -> customers, predicted, actual
    weekly: pd.DataFrame  # day, predicted, actual (cumulative repeat purchases)


def check_holdout(shop: Shop, period: Period, holdout_days: int = 180, same_day_orders: str = "once") -> Holdout:
    """Fit on the history before the last ``holdout_days`` days and predict those days.

    Customers first seen in the calibration period are followed into the holdout; their
    repeat purchases there are compared with the BG/NBD prediction in total, by how many
    repeat purchases they made in calibration (0, 1, ..., 7+), and day by day (cumulative).
    Where both are possible, Gamma-Gamma's expected spend per purchase is compared with the
    holdout's mean purchase value. New customers of the holdout are not part of the check.

    Raises
    ------
    ValueError
        when ``holdout_days`` is not positive or leaves less than ``holdout_days`` of history.
    """
    import ibis
    from ibis import _

    from helpers.params import Period as _Period

    if holdout_days <= 0:
        raise ValueError(f"parameter holdout_days={holdout_days} must be > 0")
    first_day = shop.date_range("orders", "pay_time")[0].normalize()
    cal_end = period.end - pd.Timedelta(days=holdout_days)
    if cal_end - first_day < pd.Timedelta(days=holdout_days):
        raise ValueError(f"parameter holdout_days={holdout_days} leaves only "
                         f"{max((cal_end - first_day).days, 0)} days of history before it; use at most "
                         f"{(period.end - first_day).days // 2} days")
    # Only numbers come back, one row per calibration customer: the check needs no ids (at
    # 50 million lines a summary with text ids was 3 GiB more). Sorted by every column so that
    # the rows, and the fit's sums over them, come in the same order on every run.
    cal = _customer_table(shop, _Period(first_day, cal_end), same_day_orders)
    cut = ibis.literal(cal_end.date(), type="date")
    p = paid_purchases(shop, period.end, None, same_day_orders)
    later = p.filter(p.pay_date > cut).join(cal.select("customer_id"), "customer_id")  # first seen by the cut
    later = later.mutate(day=later.pay_date.delta(cut, unit="day"))
    hold = later.group_by("customer_id").aggregate(holdout_purchases=_.count(), holdout_value=_.value.sum())
    both = cal.left_join(hold, cal.customer_id == hold.customer_id)
    both = both.select("first_date", "last_date", "purchases", "sales", "first_value",
                       holdout_purchases=both.holdout_purchases.fill_null(0),
                       holdout_value=both.holdout_value.fill_null(0.0))
    calibration = _arrow_to_pandas(both.order_by(list(both.columns)).to_pyarrow())
    _add_lifetime_columns(calibration, cal_end)
    repeaters = int((calibration["x"] > 0).sum())
    if repeaters < MIN_REPEAT_CUSTOMERS:
        raise ValueError(f"the calibration period up to {cal_end.date()} has {repeaters} customers who bought "
                         f"more than once; the check needs at least {MIN_REPEAT_CUSTOMERS}")
    fit = fit_bgnbd(calibration["x"], calibration["t_x"], calibration["T"])
    params = fit.values()
    x, t_x, T = (calibration[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    predicted = _expected_grouped(params, x, t_x, T, holdout_days)
    actual = calibration["holdout_purchases"].to_numpy(dtype=float)
    actual_value = calibration["holdout_value"].to_numpy(dtype=float)
    rows = [{"item": "repeat_purchases", "predicted": predicted.sum(), "actual": actual.sum()}]
    m = calibration["repeat_value"].to_numpy(dtype=float)
    if ((x >= 1) & (m > 0)).sum() >= 10:
        gg = fit_gamma_gamma(x, m)
        both = (actual > 0) & (actual_value > 0)
        if both.any() and gg.params["q"] > 1:
            value = gamma_gamma_expected_value(gg.values(), x[both], m[both])
            rows.append({"item": "value_per_purchase",
                         "predicted": float(np.average(value, weights=actual[both])),
                         "actual": float(actual_value[both].sum() / actual[both].sum())})
    aggregate = pd.DataFrame(rows).set_index("item")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", metrics.MetricNote)
        aggregate["error"] = metrics.change(aggregate["predicted"], aggregate["actual"])
    bucket = np.minimum(x, 7).astype(int)
    by = pd.DataFrame({"bucket": bucket, "predicted": predicted, "actual": actual}).groupby("bucket").agg(
        customers=("actual", "size"), predicted=("predicted", "mean"), actual=("actual", "mean"))
    by.index = [f"{b}+" if b == 7 else str(b) for b in by.index]
    daily = later.group_by("day").aggregate(purchases=_.count()).execute()
    steps = np.unique(np.r_[np.arange(7, holdout_days, 7), holdout_days]).astype(int)
    actual_cum = [int(daily.loc[daily["day"] <= d, "purchases"].sum()) for d in steps]
    # sum of P(alive) x E[purchases | alive]: the second factor depends on (x, T) only, so the
    # curve's many horizons are computed once per distinct (x, T), weighted by P(alive)
    (ux, ut, uT), weights = _compress(x, t_x, T)
    (px, pT), pair = _distinct(ux, uT)
    alive = np.bincount(pair, weights=weights * bgnbd_p_alive(params, ux, ut, uT), minlength=len(px))
    predicted_cum = [float(alive @ _purchases_if_alive(params, px, pT, float(d))) for d in steps]
    weekly = pd.DataFrame({"day": steps, "predicted": predicted_cum, "actual": actual_cum})
    return Holdout(cal_end, int(holdout_days), fit, aggregate, by, weekly)


def run_holdout(shop: Shop, period: Period, holdout_days: int, same_day_orders: str = "once",
                lang: str = "zh") -> tuple[Holdout | None, str]:
    """:func:`check_holdout`, or (None, a sentence saying why it is skipped) when the data is too short.

    A non-positive ``holdout_days`` is still an error (a wrong parameter, not short data).
    """
    if holdout_days <= 0:
        raise ValueError(f"parameter holdout_days={holdout_days} must be > 0")
    try:
        check = check_holdout(shop, period, holdout_days, same_day_orders)
    except ValueError as exc:
        if "leaves only" not in str(exc) and "needs at least" not in str(exc):
            raise
        reason = str(exc)
    else:
        return check, ""
    if lang == "zh":
        return None, f"历史数据不足，跳过检验（{reason}）。把 holdout_days 调小，或积累更多历史后再看。"
    return None, f"Not enough history for the check, so it is skipped ({reason}). Use a smaller holdout_days."


# --------------------------------------------------------------------------- recall list (CRM)

ACTIONS: dict[str, tuple[str, str]] = {
    "vip_care": ("VIP关怀：客服一对一回访，送专属权益（新品试用、优先发货），不打折",
                 "VIP care: a personal call or message from customer service and a perk "
                 "(early access, priority shipping), no discount"),
    "remind": ("复购提醒：按其购买周期推送常购或搭配商品，附小额无门槛券",
               "Repurchase reminder: push their usual or matching products on their rhythm, "
               "with a small no-threshold coupon"),
    "save": ("流失预警：专属满减券加短信或旺旺一对一触达，问清不再购买的原因",
             "Churn alert: a personal full-reduction coupon by SMS or Wangwang, and ask why "
             "they stopped buying"),
    "winback": ("沉睡唤醒：大促或会员日前定向短信召回，控制成本",
                "Win-back: a targeted SMS before the next big sale or member day, at low cost"),
}
REASONS: dict[str, tuple[str, str]] = {
    "overdue": ("超过自身购买周期未回购", "overdue against their own rhythm"),
    "falling": ("活跃概率近30天明显下降", "probability of being active fell over the last 30 days"),
}


def build_recall_list(rfm: pd.DataFrame, lifetime: Lifetime, summary: pd.DataFrame,
                      overdue_factor: float = 1.5, falling_by: float = 0.1) -> pd.DataFrame:
    """Valuable customers slipping away, with their value and a suggested action.

    A customer is on the list when they are valuable, i.e. in an "important" RFM segment
    (M high), have a rhythm of their own (at least one repeat purchase in their history),
    and either

    - overdue: days since their last purchase > ``overdue_factor`` x their own mean gap
      between purchases (t_x / x), or
    - falling: their BG/NBD probability of being active fell by at least ``falling_by``
      over the last 30 days.

    One-time buyers are not on the list: they have no rhythm to be late against, and
    BG/NBD gives them P(alive) = 1 (they are the 重要发展/重要挽留 segments of section 1).
    Suggested action: VIP care for 重要价值 customers with P(alive) >= 0.5; a repurchase
    reminder when P(alive) >= 0.5; a churn alert when 0.2 <= P(alive) < 0.5; a low-cost
    win-back below 0.2. Sorted by sales in the period, largest first.

    Returns
    -------
    Frame indexed by customer_id with segment, sales, purchases, last_purchase,
    days_since_last, usual_gap_days, overdue_days, p_alive, p_alive_change (over 30 days),
    expected_purchases, expected_value, reason and action (keys of :data:`REASONS`,
    :data:`ACTIONS`).
    """
    if overdue_factor <= 0:
        raise ValueError(f"overdue_factor={overdue_factor} must be > 0")
    # only the columns read, only for the candidates: a full reindex copies every column of
    # every customer (20 million at 50 million lines)
    repeat = summary["x"].reindex(rfm.index).to_numpy() > 0
    candidates = rfm[rfm["m_high"].to_numpy() & repeat]
    s = summary[["x", "t_x", "period_last_date"]].reindex(candidates.index)
    life = lifetime.scores[["p_alive", "p_alive_before", "expected_purchases", "expected_value"]].reindex(
        candidates.index)
    usual = s["t_x"].to_numpy(dtype=float) / s["x"].to_numpy(dtype=float)
    since = candidates["recency_days"].to_numpy(dtype=float)
    overdue_days = since - overdue_factor * usual
    overdue = overdue_days > 0
    change = (life["p_alive"] - life["p_alive_before"]).to_numpy(dtype=float)
    falling = np.nan_to_num(change, nan=0.0) <= -falling_by
    keep = overdue | falling
    out = pd.DataFrame({
        "segment": candidates["segment"],
        "sales": candidates["monetary"],
        "purchases": candidates["frequency"],
        "last_purchase": s["period_last_date"],
        "days_since_last": since,
        "usual_gap_days": usual,
        "overdue_days": np.where(overdue, overdue_days, 0.0),
        "p_alive": life["p_alive"],
        "p_alive_change": change,
        "expected_purchases": life["expected_purchases"],
        "expected_value": life["expected_value"],
    }, index=candidates.index)[keep]
    out["reason"] = np.where(overdue[keep], "overdue", "falling")
    alive = out["p_alive"].to_numpy()
    out["action"] = np.select([alive < 0.2, alive < 0.5, out["segment"].eq("important_value").to_numpy()],
                              ["winback", "save", "vip_care"], "remind")
    return out.sort_values(["sales", "p_alive"], ascending=[False, True], kind="stable")


def id_salt(shop: Shop) -> tuple[str, str]:
    """The salt for masking customer ids, and a note on where it came from.

    From the environment variable ``WORKBOOK_ID_SALT`` when set. Otherwise, for the
    generated sample shop (a folder whose ground_truth.json names the generator), the
    documented fixed :data:`SAMPLE_SALT`; for any other data a random salt for this run
    only (masks then differ between runs, and nobody can recompute them from ids).
    """
    salt = os.environ.get(SALT_ENV, "")
    if salt:
        return salt, f"customer ids are masked with the salt in {SALT_ENV}"
    truth = Path(shop.origin) / "ground_truth.json"
    if truth.is_file() and _generated_by_sample(truth):
        return SAMPLE_SALT, (f"customer ids are masked with the sample shop's fixed salt; set {SALT_ENV} "
                             "for real data")
    return os.urandom(16).hex(), (f"{SALT_ENV} is not set, so customer ids are masked with a random salt "
                                  "for this run: masks differ between runs (set it to keep them stable)")


def _generated_by_sample(path: Path) -> bool:
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8")).get("generator") == "helpers.sample.generate_sample"
    except (ValueError, OSError, AttributeError):
        return False


def mask_ids(ids: Any, salt: str, length: int = 10) -> pd.Index:
    """Masked customer ids: ``"u" + the first `length` hex digits of HMAC-SHA256(salt, id)``.

    The same id and salt always give the same mask, so a masked id can be looked up in
    the export; the id cannot be recovered without the salt.
    """
    key = salt.encode("utf-8")
    return pd.Index(["u" + hmac.new(key, str(v).encode("utf-8"), hashlib.sha256).hexdigest()[:length]
                     for v in ids], dtype="string")


def resolve_export_dir(export_dir: str | Path) -> Path:
    """The export folder: absolute as given, relative to the project root otherwise."""
    from helpers.data import project_root

    path = Path(export_dir).expanduser()
    return path if path.is_absolute() else project_root() / path


EXPORT_COLUMNS = ("customer_id", "segment", "sales", "purchases", "last_purchase", "days_since_last",
                  "usual_gap_days", "overdue_days", "p_alive", "p_alive_change", "expected_purchases",
                  "expected_value", "reason", "action")


def recall_export_frame(recall: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The recall list as written for the CRM tool: real ids as text, labels in ``lang``."""
    _lang(lang)
    out = recall.reset_index().rename(columns={"index": "customer_id"})
    out["customer_id"] = out["customer_id"].astype("string")
    i = 0 if lang == "zh" else 1
    out["segment"] = _relabel(out["segment"], lambda k: segment_label(k, lang))
    out["reason"] = _relabel(out["reason"], lambda k: REASONS[k][i])
    out["action"] = _relabel(out["action"], lambda k: ACTIONS[k][i])
    out["last_purchase"] = pd.to_datetime(out["last_purchase"]).dt.strftime("%Y-%m-%d")
    for col in ("sales", "expected_value"):
        out[col] = out[col].round(2)
    for col in ("p_alive", "p_alive_change", "expected_purchases"):
        out[col] = out[col].round(4)
    for col in ("usual_gap_days", "overdue_days"):
        out[col] = out[col].round(1)
    out = out[list(EXPORT_COLUMNS)]
    from helpers.plots import t

    return out.rename(columns={c: t(c, lang) for c in EXPORT_COLUMNS})


def _relabel(keys: pd.Series, label: Any) -> np.ndarray:
    """``label(key)`` for every key, computed once per distinct key (a recall list has
    hundreds of thousands of rows and a handful of keys)."""
    codes, distinct = pd.factorize(keys)
    if (codes < 0).any():
        raise ValueError(f"{keys.name} has empty values")
    return np.asarray([label(k) for k in distinct], dtype=object)[codes]


XLSX_SHEET_ROWS = 1_048_575  # data rows of one Excel sheet (1,048,576 with the header)


def export_recall_list(recall: pd.DataFrame, export_dir: str | Path, period: Period,
                       lang: str = "zh", xlsx_max_rows: int = 100_000) -> list[Path]:
    """Write the recall list as CSV (UTF-8 with BOM, for Excel) and XLSX, with real ids.

    Files: ``<export_dir>/recall_list_<start>_<end>.csv`` and ``.xlsx``. Ids stay text in
    both (leading zeros kept); in the XLSX their cells are text-formatted.

    The CSV always has every customer. The XLSX copy is written only when the list has at
    most ``xlsx_max_rows`` customers (0: never): writing XLSX costs about 0.3 ms per row
    (600,000 rows: 3 to 4 minutes) and one sheet holds at most :data:`XLSX_SHEET_ROWS`.
    An XLSX file of an earlier run with the same name is removed rather than left to look
    current. :func:`describe_recall` says when the copy was not written.

    Returns
    -------
    The paths written: the CSV, then the XLSX when written.
    """
    _check_xlsx_max_rows(xlsx_max_rows)
    folder = resolve_export_dir(export_dir)
    folder.mkdir(parents=True, exist_ok=True)
    frame = recall_export_frame(recall, lang)
    stem = f"recall_list_{period.start:%Y%m%d}_{period.end:%Y%m%d}"
    csv_path, xlsx_path = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
    frame.to_csv(csv_path, index=False, encoding="utf-8-sig")
    if len(frame) > xlsx_max_rows:
        xlsx_path.unlink(missing_ok=True)
        return [csv_path]
    _write_xlsx(frame, xlsx_path)
    return [csv_path, xlsx_path]


def _check_xlsx_max_rows(value: Any) -> None:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or not 0 <= value <= XLSX_SHEET_ROWS:
        raise ValueError(f"parameter xlsx_max_rows={value!r} must be a whole number from 0 to {XLSX_SHEET_ROWS:,} "
                         "(the rows of one Excel sheet); 0 writes no XLSX copy, the CSV always has every customer")


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """One sheet, streamed (openpyxl write-only); the first column (ids) as text cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("recall")
    sheet.column_dimensions["A"].width = 18
    sheet.append(list(frame.columns))
    values = frame.astype(object).where(frame.notna(), None)
    for row in values.itertuples(index=False, name=None):
        cell = WriteOnlyCell(sheet, value=str(row[0]))
        cell.number_format = "@"
        sheet.append([cell, *row[1:]])
    book.save(path)


# --------------------------------------------------------------------------- sentences




def _days(value: float, lang: str) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:,.0f} 天" if lang == "zh" else f"{value:,.0f} days"


def describe_splits(splits: RFMSplits, lang: str = "zh") -> str:
    """The RFM split points in words, saying which are medians."""
    def how(key: str) -> str:
        median = splits.chosen.get(key) == "median"
        if lang == "zh":
            return "（中位数）" if median else "（参数）"
        return " (the median)" if median else " (parameter)"

    if lang == "zh":
        return (f"分层规则：最近一次购买距期末 ≤ {splits.recency_days:,.0f} 天为“近”{how('recency_days')}，"
                f"购买次数 > {splits.frequency:,.0f} 次为“高频”{how('frequency')}，"
                f"消费金额 > {format_value(splits.monetary, 'yuan', lang)} 为“高额”{how('monetary')}；"
                "高额为“重要”，否则“一般”；近且高频为“价值”，近而不高频为“发展”，不近但高频为“保持”，"
                "既不近也不高频为“挽留”。")
    return (f"Split points: a customer is recent when the last purchase is at most "
            f"{splits.recency_days:,.0f} days before the period's end{how('recency_days')}, frequent "
            f"with more than {splits.frequency:,.0f} purchases{how('frequency')}, high-value with more than "
            f"{format_value(splits.monetary, 'yuan', lang)}{how('monetary')}. High value makes a customer "
            "“important”, otherwise “general”; recent and frequent is “value”, recent only “to develop”, "
            "frequent only “to keep”, neither “to win back”.")


def describe_rfm(segments: pd.DataFrame, lang: str = "zh") -> str:
    """What the segment table means for the shop: who carries sales, whom to win back."""
    _lang(lang)
    total = int(segments["customers"].sum())
    if total == 0:
        return "本期没有购买客户。" if lang == "zh" else "No customer bought in the period."
    top = segments.loc["important_value"]
    retain = segments.loc["important_retain"]
    keep = segments.loc["important_keep"]
    biggest = segments["share_of_sales"].idxmax()
    if lang == "zh":
        parts = [f"本期共 {total:,} 位购买客户。{segment_label('important_value', lang)} {int(top['customers']):,} 人"
                 f"（{format_value(top['share'], 'pct', lang)}）贡献了 {format_value(top['share_of_sales'], 'pct', lang)} 的销售额，"
                 "是店铺的基本盘，维护重点是体验和权益而不是折扣。"]
        if retain["customers"] > 0:
            parts.append(f"{segment_label('important_retain', lang)} {int(retain['customers']):,} 人消费高但已久未回来，"
                         f"他们占销售额的 {format_value(retain['share_of_sales'], 'pct', lang)}，"
                         "是召回名单的主要来源；")
        if keep["customers"] > 0:
            parts.append(f"{segment_label('important_keep', lang)} {int(keep['customers']):,} 人买得多却开始沉默，"
                         "应在流失前触达。")
        parts.append(f"销售额占比最大的分层是{segment_label(biggest, lang)}。")
        return "".join(parts)
    parts = [f"{total:,} customers bought in the period. The {segment_label('important_value', lang).lower()} "
             f"segment, {int(top['customers']):,} customers ({format_value(top['share'], 'pct', lang)}), brought "
             f"{format_value(top['share_of_sales'], 'pct', lang)} of sales: the shop's core, to be kept with service and "
             "perks rather than discounts."]
    if retain["customers"] > 0:
        parts.append(f"{int(retain['customers']):,} high spenders have not come back for a long time "
                     f"(“important to win back”, {format_value(retain['share_of_sales'], 'pct', lang)} of sales): the "
                     "main source of the recall list.")
    if keep["customers"] > 0:
        parts.append(f"{int(keep['customers']):,} frequent high spenders are going quiet (“important to keep”): "
                     "reach them before they lapse.")
    parts.append(f"The largest share of sales comes from “{segment_label(biggest, lang)}”.")
    return " ".join(parts)


def describe_segment_trend(trend: pd.DataFrame, lang: str = "zh", months: int = 3) -> str:
    """How the important segments moved over the last ``months`` month ends."""
    dates = sorted(trend["date"].unique())
    if len(dates) < 2:
        return "期内只有一个月末，没有趋势可比。" if lang == "zh" else "Only one month end in the period: no trend yet."
    last, before = dates[-1], dates[max(0, len(dates) - 1 - months)]
    wide = trend.pivot(index="date", columns="segment", values="customers")
    parts = []
    for key in ("important_value", "important_keep", "important_retain"):
        a, b = wide.loc[before, key], wide.loc[last, key]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", metrics.MetricNote)
            ch = metrics.change(float(b), float(a))
        from helpers import report

        if lang == "zh":
            parts.append(f"{segment_label(key, lang)} {int(a):,} → {int(b):,}（{report.format_change(ch, lang)}）")
        else:
            parts.append(f"{segment_label(key, lang).lower()} {int(a):,} → {int(b):,} ({report.format_change(ch, lang)})")
    span = f"{pd.Timestamp(before):%Y-%m-%d} → {pd.Timestamp(last):%Y-%m-%d}"
    if lang == "zh":
        return (f"{span}：" + "；".join(parts) + "。各月用同一套分层规则，人数变化就是客户在分层间的真实流动；"
                "重要挽留客户增加说明高价值客户在流失。")
    return (f"{span}: " + "; ".join(parts) + ". Every month end uses the same split points, so the changes are "
            "customers moving between segments; a growing win-back segment means valuable customers are lapsing.")


def describe_repurchase(table: pd.DataFrame, gaps: dict[str, float], same_day_orders: str, days: int,
                        lang: str = "zh") -> str:
    """The repurchase rates side by side, which one the platform shows, and the usual gap."""
    _lang(lang)
    def rate(key):
        return table.loc[key, "rate"] if key in table.index else np.nan

    cust, orders, within = rate("repurchase_rate_customers"), rate("repurchase_rate_orders"), rate("repurchase_within_days")
    ret = rate("returning_rate")
    n = table.loc["repurchase_rate_customers"]
    once = same_day_orders == "once"
    if lang == "zh":
        parts = [f"本期 {int(n['denominator']):,} 位客户中 {int(n['numerator']):,} 位购买了两次及以上，复购率（人数）"
                 f"{format_value(cust, 'pct', lang)}；按订单算，老客订单占 {format_value(orders, 'pct', lang)}（总会高于人数口径）。"
                 f"期内首购的新客 {days} 天内再次购买的占 {format_value(within, 'pct', lang)}。"]
        if np.isfinite(ret):
            parts.append(f"上月买过的客户本月又买的回购率为 {format_value(ret, 'pct', lang)}。")
        parts.append("生意参谋的“复购率”是人数口径（复购买家数 ÷ 支付买家数），对应第一行；"
                     + ("本报告同一天的多笔订单算一次购买（按天去重），若平台数字略高，多半是它按订单计，可把 "
                        "same_day_orders 设为 per_order 对照。" if once else
                        "本报告同一天的多笔订单各算一次（按天非去重），若平台数字略低，多半是它按天去重，可把 "
                        "same_day_orders 设为 once 对照。"))
        if np.isfinite(gaps.get("median", np.nan)):
            parts.append(f"两次购买之间的间隔中位数为 {_days(gaps['median'], lang)}，一半的复购发生在 "
                         f"{gaps['p25']:,.0f}–{gaps['p75']:,.0f} 天之间：复购提醒应在这个窗口内发出。")
        return "".join(parts)
    parts = [f"{int(n['numerator']):,} of {int(n['denominator']):,} customers of the period bought at least twice: a "
             f"repurchase rate (customers) of {format_value(cust, 'pct', lang)}. By orders, repeat customers placed "
             f"{format_value(orders, 'pct', lang)} of orders (always above the customer basis). Of the customers first buying "
             f"in the period, {format_value(within, 'pct', lang)} bought again within {days} days."]
    if np.isfinite(ret):
        parts.append(f"Of last month's customers, {format_value(ret, 'pct', lang)} bought again this month (returning rate).")
    parts.append("The platform's 复购率 (生意参谋) is the customer basis (repeat buyers / paying buyers), the first "
                 "row; " + ("here orders paid on one day count as one purchase, so if the platform shows a slightly "
                            "higher number it counts every order: set same_day_orders to per_order to compare."
                            if once else "here every order counts, so if the platform shows a slightly lower "
                            "number it counts one purchase per day: set same_day_orders to once to compare."))
    if np.isfinite(gaps.get("median", np.nan)):
        parts.append(f"The median gap between purchases is {_days(gaps['median'], lang)}; half of the repeat "
                     f"purchases come {gaps['p25']:,.0f}–{gaps['p75']:,.0f} days after the previous one: the "
                     "window for repurchase reminders.")
    return " ".join(parts)


def describe_repurchase_by(table: pd.DataFrame, what: str, lang: str = "zh") -> str:
    """The group with the highest and the lowest N-day repurchase rate (data text escaped)."""
    from helpers import report

    rows = table.drop(index="__other__", errors="ignore")
    rows = rows[rows["customers"] > 0]
    if len(rows) < 2:
        return ("分组太少，无法比较。" if lang == "zh" else "Too few groups to compare.")
    best, worst = rows["rate"].idxmax(), rows["rate"].idxmin()
    b, w = rows.loc[best], rows.loc[worst]
    separated = b["low"] > w["high"]
    if lang == "zh":
        text = (f"按{what}看，「{report.escape(best)}」带来的新客复购率最高（{format_value(b['rate'], 'pct', lang)}，"
                f"{int(b['customers']):,} 人），「{report.escape(worst)}」最低（{format_value(w['rate'], 'pct', lang)}，"
                f"{int(w['customers']):,} 人）。")
        return text + ("两者的95%区间不重叠，差别可信：拉新预算可向前者倾斜。" if separated else
                       "两者的95%区间重叠，差别可能只是随机波动。")
    text = (f"By {what}, “{report.escape(best)}” brought the new customers most likely to buy again "
            f"({format_value(b['rate'], 'pct', lang)} of {int(b['customers']):,}), “{report.escape(worst)}” the least "
            f"({format_value(w['rate'], 'pct', lang)} of {int(w['customers']):,}).")
    return text + (" Their 95% intervals do not overlap, so the difference is real: acquisition budget can lean "
                   "towards the first." if separated else
                   " Their 95% intervals overlap: the difference may be chance.")


def describe_cohorts(stats: dict[str, float], lang: str = "zh") -> str:
    """Retention and cumulative value per customer at 1, 3, 6 and 12 months."""
    if not stats.get("cohorts"):
        return "期内没有首购客户。" if lang == "zh" else "No customer made a first purchase in the period."
    known = [a for a in (1, 3, 6, 12) if np.isfinite(stats.get(f"retention_{a}", np.nan))]
    if not known:
        return ("只有一个月的数据，还看不到留存。" if lang == "zh"
                else "Only one month of data: retention cannot be seen yet.")
    last = known[-1]
    if lang == "zh":
        ret = "，".join(f"第{a}个月 {format_value(stats[f'retention_{a}'], 'pct', lang)}" for a in known)
        return (f"{int(stats['cohorts'])} 个首购月同期群的加权留存：{ret}。新客首购后 {last} 个月内人均累计消费 "
                f"{format_value(stats[f'sales_per_customer_{last}'], 'yuan', lang)}——这是获取一个新客最多值得花多少钱的上限参考"
                "（再扣掉毛利率）。颜色变浅的行是留存较差的月份，可对照当月的拉新渠道和活动。")
    ret = ", ".join(f"month {a}: {format_value(stats[f'retention_{a}'], 'pct', lang)}" for a in known)
    return (f"Customer-weighted retention of {int(stats['cohorts'])} monthly cohorts: {ret}. A new customer spends "
            f"{format_value(stats[f'sales_per_customer_{last}'], 'yuan', lang)} in their first {last} months on average: "
            "an upper bound for what acquiring one is worth (before margin). Lighter rows are months whose new "
            "customers came back less; compare them with that month's channels and campaigns.")


def describe_lifetime(life: Lifetime, lang: str = "zh") -> str:
    """What the fitted models say: purchase rhythm, dropout, expected purchases and value."""
    if life.bgnbd is None:
        return ("复购客户太少，无法拟合生命周期模型，本节只能留空；积累更多历史后再看。" if lang == "zh" else
                "Too few customers bought more than once to fit the lifetime model; this section stays empty "
                "until there is more history.")
    r, alpha, a, b = life.bgnbd.values()
    rate_year = r / alpha * 365
    dropout = a / (a + b)
    s = life.scores
    total = float(s["expected_purchases"].sum())
    value = float(np.nansum(s["expected_value"]))
    repeaters = s["x"] > 0
    active = float((s.loc[repeaters, "p_alive"] >= 0.5).mean()) if repeaters.any() else np.nan
    new = life.new_customer()
    h = life.horizon_days
    if lang == "zh":
        text = (f"模型估计：活跃客户平均每年购买 {rate_year:.2f} 次（个体差异很大），每次复购后约 "
                f"{format_value(dropout, 'pct', lang)} 的客户不再回来。未来 {h} 天，现有 {len(s):,} 位客户预计共购买 "
                f"{total:,.0f} 次，价值约 {format_value(value, 'yuan', lang)}（未折现）；有过复购的客户中 "
                f"{format_value(active, 'pct', lang)} 仍大概率活跃（P≥50%）。")
        if np.isfinite(new["value"]):
            text += (f"一位新客在首购后 {h} 天内预计再买 {new['purchases']:.2f} 次，约 "
                     f"{format_value(new['value'], 'yuan', lang)}。")
        return text
    text = (f"The model: an active customer buys {rate_year:.2f} times a year on average (with large differences "
            f"between customers), and after each repeat purchase about {format_value(dropout, 'pct', lang)} do not come "
            f"back. In the next {h} days the {len(s):,} existing customers are expected to make {total:,.0f} "
            f"purchases worth about {format_value(value, 'yuan', lang)} (undiscounted); of the customers who bought again, "
            f"{format_value(active, 'pct', lang)} are likely still active (P >= 50%).")
    if np.isfinite(new["value"]):
        text += (f" A new customer is expected to buy {new['purchases']:.2f} more times in the {h} days after "
                 f"the first purchase, worth about {format_value(new['value'], 'yuan', lang)}.")
    return text


def describe_holdout(check: Holdout, lang: str = "zh") -> str:
    """How far the predictions can be trusted, from the shop's own holdout."""
    agg = check.aggregate
    pred, act, err = agg.loc["repeat_purchases", ["predicted", "actual", "error"]]
    good = np.isfinite(err) and abs(err) <= 0.1
    spend = ""
    if "value_per_purchase" in agg.index:
        sp = agg.loc["value_per_purchase"]
        spend = (f"预测单次消费 {format_value(sp['predicted'], 'yuan', lang)}，实际 {format_value(sp['actual'], 'yuan', lang)}。"
                 if lang == "zh" else
                 f" Predicted spend per purchase {format_value(sp['predicted'], 'yuan', lang)}, actual "
                 f"{format_value(sp['actual'], 'yuan', lang)}.")
    from helpers import report

    if lang == "zh":
        verdict = ("总量误差在 ±10% 以内，用于预算和备货可以信任；单个客户的预测仍有较大随机性，适合排序而非精确预估。"
                   if good else "总量误差超过 10%，预测只宜用于给客户排序，金额要打折看待（店铺近期可能有大促或渠道变化）。")
        return (f"检验：只用 {check.calibration_end:%Y-%m-%d} 以前的数据拟合，预测之后 {check.holdout_days} 天老客复购 "
                f"{pred:,.0f} 次，实际 {act:,.0f} 次（误差 {report.format_change(err, lang)}）。{spend}{verdict}")
    verdict = (" The total is within ±10%, good enough for budgets and stock; single-customer predictions stay "
               "noisy, so use them to rank customers." if good else
               " The total is off by more than 10%: use the predictions to rank customers and discount the amounts "
               "(a campaign or a channel change may have moved behaviour).")
    return (f"Check: fitted only on the history up to {check.calibration_end:%Y-%m-%d}, the model predicted "
            f"{pred:,.0f} repeat purchases by existing customers in the next {check.holdout_days} days; they made "
            f"{act:,.0f} ({report.format_change(err, lang)}).{spend}{verdict}")


def describe_recall(recall: pd.DataFrame, paths: list[Path], lang: str = "zh") -> str:
    """The recall list in numbers, where the files are, and that only they carry real ids.

    When ``paths`` has no XLSX file (the list was longer than ``xlsx_max_rows``, see
    :func:`export_recall_list`), it says so and how to get one.
    """
    from helpers import report
    from helpers.data import project_root

    n = len(recall)
    xlsx = any(Path(p).suffix == ".xlsx" for p in paths)
    shown = []
    for p in paths:
        try:
            shown.append(str(Path(p).resolve().relative_to(project_root())))
        except ValueError:
            shown.append(str(p))
    files = ("、" if lang == "zh" else ", ").join(report.escape(s) for s in shown)
    if n == 0:
        return ("没有需要召回的高价值客户。" if lang == "zh" else "No valuable customer needs a recall now.")
    counts = recall["action"].value_counts()
    sales = float(recall["sales"].sum())
    i = 0 if lang == "zh" else 1
    acts = [f"{ACTIONS[k][i].split('：' if lang == 'zh' else ':')[0]} {int(counts[k]):,}" for k in ACTIONS if k in counts]
    overdue = int((recall["reason"] == "overdue").sum())
    falling = int((recall["reason"] == "falling").sum())
    if lang == "zh":
        return (f"召回名单共 {n:,} 位高价值客户（本期消费合计 {format_value(sales, 'yuan', lang)}）：{overdue:,} 位超过购买周期未回购，"
                f"{falling:,} 位活跃概率在下降。建议动作：" + "，".join(acts) + "。"
                f"\n\n客户ID属于个人信息：本报告中的客户ID已脱敏（加盐哈希），只有导出文件含真实ID，供导入CRM使用：{files}"
                "（CSV 为 UTF-8 带 BOM，Excel 可直接打开中文；ID 以文本保存，前导零不丢失，双击打开 CSV 时 Excel 可能去掉前导零，"
                + ("请用 XLSX 或导入向导）。" if xlsx else "请用导入向导）。")
                + ("" if xlsx else f"名单有 {n:,} 人，超过参数 `xlsx_max_rows`，只写了 CSV（含全部客户），没有写 XLSX；"
                   f"需要 XLSX 时调大该参数（最多 {XLSX_SHEET_ROWS:,} 行，Excel 单表上限）。")
                + "请按公司个人信息规定保管和删除这些文件。")
    return (f"The recall list has {n:,} valuable customers ({format_value(sales, 'yuan', lang)} of sales in the period): "
            f"{overdue:,} are overdue against their rhythm, {falling:,} have a falling probability of being active. "
            "Suggested actions: " + ", ".join(acts) + "."
            f"\n\nCustomer ids are personal data: this report shows them masked (a salted hash); only the export "
            f"files carry the real ids, for the CRM import: {files} (the CSV is UTF-8 with a BOM so Excel shows "
            "Chinese; ids are text and keep leading zeros, but Excel may strip them when a CSV is double-clicked, so "
            + ("open the XLSX or use the import wizard). " if xlsx else "use the import wizard). ")
            + ("" if xlsx else f"With {n:,} customers the list is longer than the parameter `xlsx_max_rows`, so only the "
               f"CSV (every customer) was written, no XLSX; raise the parameter for an XLSX copy (at most "
               f"{XLSX_SHEET_ROWS:,} rows, one Excel sheet). ")
            + "Keep and delete these files as your privacy rules require.")


# --------------------------------------------------------------------------- tables and plots


def _sig(value: Any) -> str:
    from helpers.plots import DASH

    return DASH if value is None or not np.isfinite(value) else f"{value:.4g}"


def segments_table(segments: pd.DataFrame, lang: str = "zh"):
    """The :func:`summarize_segments` table for reading (segment names in ``lang``)."""
    from helpers import plots

    shown = segments.copy()
    shown.index = [segment_label(k, lang) for k in shown.index]
    return plots.style_table(shown, {"customers": "count", "share": "pct", "sales": "yuan", "share_of_sales": "pct",
                                     "recency_days": "count", "frequency": "ratio", "monetary": "yuan"}, lang)


def repurchase_table(table: pd.DataFrame, lang: str = "zh"):
    """The :func:`compare_repurchase` table for reading."""
    from helpers import plots

    shown = table.set_index("label")
    shown.index.name = None
    return plots.style_table(shown, {"rate": "pct", "numerator": "count", "denominator": "count"}, lang)


def repurchase_by_table(table: pd.DataFrame, lang: str = "zh"):
    """A :func:`repurchase_by` table for reading (the pooled row named in ``lang``)."""
    from helpers import plots

    shown = table.rename(index={"__other__": plots.t("other", lang)})
    return plots.style_table(shown, {"customers": "count", "repeat_customers": "count", "rate": "pct",
                                     "low": "pct", "high": "pct"}, lang)


def cohort_table(cohorts: pd.DataFrame, value: str = "retention", lang: str = "zh", max_age: int = 12):
    """Cohorts (rows) by months since the first purchase (columns), with cohort sizes."""
    from helpers import plots

    table = pivot_cohorts(cohorts, value)
    table = table[[c for c in table.columns if c <= max_age]]
    sizes = cohorts.groupby("cohort")["cohort_customers"].first()
    sizes.index = [f"{d:%Y-%m}" for d in sizes.index]
    table.insert(0, plots.t("cohort_customers", lang), sizes.reindex(table.index))
    kind = "pct" if value == "retention" else "yuan"
    formats = {c: kind for c in table.columns if isinstance(c, int)}
    formats[plots.t("cohort_customers", lang)] = "count"
    return plots.style_table(table, formats, lang, translate=False)


def fit_table(fit: ModelFit | None, lang: str = "zh"):
    """Estimates, standard errors and 95% intervals of a fit (an empty table without a fit)."""
    from helpers import plots

    table = fit.table() if fit is not None else pd.DataFrame(columns=["estimate", "se", "low", "high"])
    table.index.name = f"{fit.model} (n = {fit.n:,})" if fit is not None else None
    return plots.style_table(table, {c: _sig for c in ("estimate", "se", "low", "high")}, lang)


def holdout_tables(check: Holdout, lang: str = "zh"):
    """(aggregate, by calibration frequency) tables of a :func:`check_holdout`, for reading."""
    from helpers import plots

    names = {"repeat_purchases": ("老客复购次数", "Repeat purchases"),
             "value_per_purchase": ("单次消费（元）", "Spend per purchase (yuan)")}
    agg = check.aggregate.rename(index={k: v[0 if lang == "zh" else 1] for k, v in names.items()})
    by = check.by_frequency.copy()
    by.index.name = "校准期复购次数" if lang == "zh" else "Repeat purchases in calibration"
    return (plots.style_table(agg, {"predicted": "ratio", "actual": "ratio", "error": "signed_pct"}, lang),
            plots.style_table(by, {"customers": "count", "predicted": "ratio", "actual": "ratio"}, lang))


def recall_table(recall: pd.DataFrame, salt: str, lang: str = "zh", n: int = 20):
    """The top ``n`` of the recall list with masked ids, for the report (never real ids)."""
    from helpers import plots

    top = recall.head(n).copy()
    top.index = mask_ids(top.index, salt)
    top.index.name = plots.t("customer_id", lang)
    top["segment"] = [segment_label(k, lang) for k in top["segment"]]
    i = 0 if lang == "zh" else 1
    top["reason"] = [REASONS[k][i] for k in top["reason"]]
    top["action"] = [ACTIONS[k][i].split("：" if lang == "zh" else ":")[0] for k in top["action"]]
    top["last_purchase"] = pd.to_datetime(top["last_purchase"]).dt.strftime("%Y-%m-%d")
    cols = ["segment", "sales", "purchases", "last_purchase", "days_since_last", "usual_gap_days", "p_alive",
            "expected_value", "reason", "action"]
    return plots.style_table(top[cols], {"sales": "yuan", "purchases": "count", "days_since_last": "count",
                                         "usual_gap_days": "count", "p_alive": "pct", "expected_value": "yuan"},
                             lang)


def plot_segments(segments: pd.DataFrame, lang: str = "zh"):
    """Share of customers beside share of sales per RFM segment (horizontal bars)."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    labels = [segment_label(k, lang) for k in segments.index]
    y = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(9, 4.2), layout="constrained")
    ax.barh(y - 0.2, segments["share"].fillna(0), height=0.4, label=plots.t("customers", lang), color="#4c72b0")
    ax.barh(y + 0.2, segments["share_of_sales"].fillna(0), height=0.4, label=plots.t("share_of_sales", lang),
            color="#dd8452")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    plots.pct_axis(ax, "x")
    ax.set_xlabel(plots.t("share", lang))
    ax.legend(loc="lower right")
    ax.set_title("RFM 客户分层" if lang == "zh" else "RFM segments")
    return fig


def plot_segment_trend(trend: pd.DataFrame, lang: str = "zh"):
    """Customers per important segment at each month end."""
    from helpers import plots

    keys = [k for k in SEGMENTS if k.startswith("important")]
    data = trend[trend["segment"].isin(keys)].copy()
    data["segment"] = [segment_label(k, lang) for k in data["segment"]]
    return plots.plot_trend(data, x="date", y="customers", hue="segment", kind="count", lang=lang,
                            title="重要客户分层的人数（月末）" if lang == "zh" else "Important segments at month ends")


def plot_gaps(gaps: pd.DataFrame, lang: str = "zh", max_days: int = 365):
    """Histogram of days between consecutive purchases (weekly bins)."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    fig, ax = plt.subplots(figsize=(9, 3.8), layout="constrained")
    data = gaps[gaps["days"] <= max_days]
    if len(data):
        bins = (data["days"] // 7) * 7
        counts = data.groupby(bins)["purchases"].sum()
        ax.bar(counts.index, counts.to_numpy(), width=6.5, align="edge", color="#4c72b0")
    plots.count_axis(ax)
    ax.set_xlabel(plots.t("days_between", lang))
    ax.set_ylabel(plots.t("purchases", lang))
    ax.set_title("复购间隔分布" if lang == "zh" else "Days between purchases")
    return fig


def plot_returning(returning: pd.DataFrame, lang: str = "zh"):
    """回购率 month by month (None when the period has fewer than two complete months)."""
    from helpers import plots

    if returning.empty:
        return None
    return plots.plot_trend(returning, x="month", y="returning_rate", kind="pct", lang=lang,
                            title=plots.label("returning_rate", lang))


def plot_cohort_heatmap(cohorts: pd.DataFrame, value: str = "retention", lang: str = "zh", max_age: int = 12):
    """Heat map of retention (or cumulative sales per customer) by cohort and month."""
    from helpers import plots

    if cohorts.empty:
        return None
    table = pivot_cohorts(cohorts, value)
    table = table[[c for c in table.columns if c <= max_age]]
    if value == "retention" and 0 in table.columns and table.shape[1] > 1:
        table = table.drop(columns=0)  # always 100%
    title = (plots.label("cohort_retention", lang) if value == "retention"
             else plots.label("cohort_sales_per_customer", lang))
    return plots.plot_heatmap(table, kind="pct" if value == "retention" else "yuan", title=title, lang=lang,
                              xlabel=plots.t("age", lang), ylabel=plots.t("cohort", lang))


def plot_holdout(check: Holdout, lang: str = "zh"):
    """Predicted and actual cumulative repeat purchases in the holdout, and by frequency bucket."""
    import matplotlib.pyplot as plt

    from helpers import plots

    plots.set_theme(lang)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    w = check.weekly
    left.plot(w["day"], w["actual"], marker="o", ms=3, label=plots.t("actual", lang))
    left.plot(w["day"], w["predicted"], ls="--", label=plots.t("predicted", lang))
    left.set_xlabel("检验期天数" if lang == "zh" else "Days into the holdout")
    left.set_ylabel("累计复购次数" if lang == "zh" else "Cumulative repeat purchases")
    plots.count_axis(left)
    left.legend()
    b = check.by_frequency
    x = np.arange(len(b))
    right.bar(x - 0.2, b["actual"], width=0.4, label=plots.t("actual", lang))
    right.bar(x + 0.2, b["predicted"], width=0.4, label=plots.t("predicted", lang))
    right.set_xticks(x, list(b.index))
    right.set_xlabel("校准期复购次数" if lang == "zh" else "Repeat purchases in calibration")
    right.set_ylabel("检验期人均复购" if lang == "zh" else "Per customer in the holdout")
    right.legend()
    fig.suptitle("预测 vs 实际（检验期）" if lang == "zh" else "Predicted vs actual (holdout)")
    return fig


# --------------------------------------------------------------------------- scale


def measure_scale(n_customers: int = 1_000_000, data_dir: str | Path | None = None, seed: int = 1,
                  horizon_days: int = 90) -> dict[str, float]:
    """Time the per-customer reduction and the model fits at scale, with the process's peak memory.

    With ``data_dir`` (e.g. a ``workbook sample --scale 40 --format parquet`` folder) the
    per-customer summary is reduced in the engine from its orders; without it a summary of
    ``n_customers`` is simulated from BG/NBD. Run it in a fresh process so that the peak
    memory (``ru_maxrss``) is this work's.

    Returns
    -------
    dict with customers, summary_seconds, bgnbd_seconds, gamma_gamma_seconds,
    predict_seconds, distinct_histories and peak_memory_mb.
    """
    import resource

    from helpers import data, params

    out: dict[str, float] = {}
    start = time.perf_counter()
    if data_dir is not None:
        shop = data.connect(data_dir)
        period = params.check_params(shop, default="all").period
        summary = summarize_customers(shop, period)
    else:
        sim = simulate_bgnbd(n_customers, (0.25, 60.0, 1.2, 2.8), np.random.default_rng(seed).integers(0, 680, n_customers),
                             seed=seed, spend=(4.0, 5.0, 400.0))
        sim["t_x"], sim["T"] = np.floor(sim["t_x"]), sim["T"].astype(float)
        summary = sim.rename(columns={"m": "repeat_value"})
    out["summary_seconds"] = time.perf_counter() - start
    out["customers"] = float(len(summary))
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    out["distinct_histories"] = float(len(np.unique(np.column_stack([x, t_x, T]), axis=0)))
    start = time.perf_counter()
    bg = fit_bgnbd(x, t_x, T)
    out["bgnbd_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    fit_gamma_gamma(x, summary["repeat_value"].to_numpy(dtype=float))
    out["gamma_gamma_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    _expected_grouped(bg.values(), x, t_x, T, horizon_days)
    bgnbd_p_alive(bg.values(), x, t_x, T)
    out["predict_seconds"] = time.perf_counter() - start
    out["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def describe_scale(lang: str = "zh") -> str:
    """The measured figures of :data:`SCALE_MEASURED` as a closing note (empty when unmeasured)."""
    m = SCALE_MEASURED
    if not m:
        return ""
    if lang == "zh":
        return (f"规模：{m['customers']:,.0f} 位客户（{m['source']}）在 2 核机器上，引擎内按客户汇总 "
                f"{m['summary_seconds']:.1f} 秒，BG/NBD 拟合 {m['bgnbd_seconds']:.1f} 秒，Gamma-Gamma "
                f"{m['gamma_gamma_seconds']:.1f} 秒，逐客户预测 {m['predict_seconds']:.1f} 秒，进程内存峰值约 "
                f"{m['peak_memory_mb'] / 1024:.1f} GB；整份报告的计算（含导出召回名单）约 {m['report_seconds'] / 60:.1f} 分钟、"
                f"内存峰值 {m['report_peak_mb'] / 1024:.1f} GB（{m['measured']} 用 customers.measure_scale 测得）。")
    return (f"Scale: {m['customers']:,.0f} customers ({m['source']}) on a 2-core machine: per-customer reduction in "
            f"the engine {m['summary_seconds']:.1f} s, BG/NBD fit {m['bgnbd_seconds']:.1f} s, Gamma-Gamma "
            f"{m['gamma_gamma_seconds']:.1f} s, per-customer predictions {m['predict_seconds']:.1f} s, peak process "
            f"memory about {m['peak_memory_mb'] / 1024:.1f} GB; all of the report's computations, the recall export "
            f"included, about {m['report_seconds'] / 60:.1f} minutes and {m['report_peak_mb'] / 1024:.1f} GB at peak "
            f"(measured {m['measured']} with customers.measure_scale).")


# ---------------------------------------------------------------------------
# Explore section
# ---------------------------------------------------------------------------

EXPLORE_SORTS = ("monetary", "expected_value", "p_alive", "recency_days", "frequency")


def explore_controls(summary: pd.DataFrame, lang: str = "zh") -> dict:
    """Selectors of the customers Explore section: segment, acquisition source and ranking."""
    from helpers import explore, plots

    everything = "全部" if lang == "zh" else "All"
    sources = sorted(summary["first_source"].dropna().unique())
    return {
        "segment": explore.choice({segment_label(k, lang): k for k in SEGMENTS}, None, plots.t("segment", lang),
                                  all_label=everything),
        "first_source": explore.choice(sources, None, plots.t("first_source", lang), all_label=everything),
        "sort_by": explore.choice({plots.label(k, lang): k for k in EXPLORE_SORTS}, "monetary",
                                  "排序" if lang == "zh" else "Rank by"),
    }


def render_explore(rfm: pd.DataFrame, life: Lifetime, summary: pd.DataFrame, salt: str, segment: str | None,
                   first_source: str | None, sort_by: str = "monetary", lang: str = "zh", n: int = 20) -> list:
    """The Explore view: the slice's size and value, and its top customers with masked ids.

    Returns
    -------
    [a one-row summary (customers, share of all, sales, mean expected value), the top ``n`` customers].
    """
    from helpers import plots

    # The slice is chosen on the scored customers and only its top n get the other columns:
    # joining everything first copied every customer twice per redraw (20 million at 50
    # million lines).
    frame = rfm
    if segment:
        frame = frame[frame["segment"] == segment]
    if first_source:
        frame = frame[summary["first_source"].reindex(frame.index).eq(first_source).fillna(False).to_numpy(bool)]
    key = frame[sort_by] if sort_by in frame else life.scores[sort_by].reindex(frame.index)
    expected_value = key if sort_by == "expected_value" else life.scores["expected_value"].reindex(frame.index)
    ascending = sort_by == "recency_days"  # the most recent buyers first
    first_n = key.reset_index(drop=True).sort_values(ascending=ascending, kind="stable").index[:n]
    top = (frame.iloc[first_n]
           .join(life.scores[["p_alive", "expected_purchases", "expected_value"]], how="left")
           .join(summary[["first_source", "last_date"]], how="left"))
    overview = pd.DataFrame({
        "customers": [len(frame)],
        "share": [len(frame) / len(rfm) if len(rfm) else float("nan")],
        "sales": [frame["monetary"].sum()],
        "expected_value": [expected_value.mean() if len(frame) else float("nan")],
    })
    top.index = mask_ids(top.index, salt)
    top.index.name = plots.t("customer_id", lang)
    top["segment"] = [segment_label(k, lang) for k in top["segment"]]
    top["last_date"] = pd.to_datetime(top["last_date"]).dt.strftime("%Y-%m-%d")
    columns = ["segment", "first_source", "recency_days", "frequency", "monetary", "p_alive", "expected_value",
               "last_date"]
    formats = {"recency_days": "count", "frequency": "count", "monetary": "yuan", "p_alive": "pct",
               "expected_value": "yuan"}
    return [plots.style_table(overview, {"customers": "count", "share": "pct", "sales": "yuan",
                                         "expected_value": "yuan"}, lang, hide_index=True),
            plots.style_table(top[columns], formats, lang)]
