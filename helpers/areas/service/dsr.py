"""The shop's ratings (店铺动态评分, DSR) and the after-sales events that move them.

口径
----
- **DSR**: the platform's daily scores (180-day averages) of the ``dsr`` table against the
  peer tier's average on the same days.
- **Drivers**: where reviews carry the buyer's DSR scores, an OLS regression of each score
  on the review's line having shipped late, been refunded, come from a slow chat (first
  response over :data:`SLOW_RESPONSE_SECONDS`) and being a flagged product, with
  heteroscedasticity-robust (HC1) intervals (statsmodels ``OLS``). A coefficient is the
  score change for one such line; coefficient x share of such lines is what the driver
  costs the shop's score now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.areas.service.fulfilment import order_shipments
from helpers.areas.service.refunds import DEFAULT_MATURITY_DAYS
from helpers.areas.service.scope import as_datetime, data_end, mature_before, whole_range
from helpers.core.lines import known_customer, paid_order_lines
from helpers.core.notes import note

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

DSR_SCORES = ("description", "service", "logistics")
DRIVERS = ("late_shipped", "refunded", "slow_response", "flagged_product")
SLOW_RESPONSE_SECONDS = 60
DRIVER_COLUMNS = ["dsr_score", "driver", "coefficient", "low", "high", "share_of_reviews", "score_impact", "n"]


def load_dsr(shop: Shop, period: Period) -> pd.DataFrame:
    """The DSR table's days inside the period, in date order (date as datetime64)."""
    d = shop.table("dsr")
    d = d.filter(d.date >= period.start.date(), d.date <= period.end.date()).order_by("date")
    frame = d.execute()
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def summarize_dsr(dsr: pd.DataFrame | None) -> pd.DataFrame:
    """Each DSR score at the start and end of the period, its change and the gap to the peer tier.

    score_change = last - first; gap = last - the peer average of the last day with one
    (points). ``None`` or an empty frame (no DSR table) gives a row of NaN per score.

    Returns
    -------
    DataFrame indexed by dsr_score (description, service, logistics): first, last,
    score_change, peer, gap, min_score, min_date.
    """
    dsr = dsr if dsr is not None else pd.DataFrame(columns=["date", *DSR_SCORES])
    rows = {}
    for key in DSR_SCORES:
        s = dsr[key].dropna() if key in dsr else pd.Series(dtype=float)
        if s.empty:
            rows[key] = {"first": np.nan, "last": np.nan, "score_change": np.nan, "peer": np.nan, "gap": np.nan,
                         "min_score": np.nan, "min_date": pd.NaT}
            continue
        peer = dsr[f"peer_{key}"].dropna() if f"peer_{key}" in dsr else pd.Series(dtype=float)
        last_peer = float(peer.iloc[-1]) if len(peer) else float("nan")
        rows[key] = {"first": float(s.iloc[0]), "last": float(s.iloc[-1]),
                     "score_change": float(s.iloc[-1] - s.iloc[0]), "peer": last_peer,
                     "gap": float(s.iloc[-1]) - last_peer, "min_score": float(s.min()),
                     "min_date": dsr.loc[int(s.idxmin()), "date"]}
    out = pd.DataFrame(rows).T
    out.index.name = "dsr_score"
    return out


def fit_ols(X: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> pd.DataFrame:
    """OLS with heteroscedasticity-robust (HC1) standard errors (statsmodels ``OLS``).

    beta = (X'X)^-1 X'y; cov = (X'X)^-1 X' diag(e^2) X (X'X)^-1 x n / (n - k); the interval
    is beta ± z se (normal quantile).

    Returns
    -------
    DataFrame indexed by column position: coefficient, se, low, high.
    """
    import statsmodels.api as sm

    fit = sm.OLS(np.asarray(y, dtype=float), np.asarray(X, dtype=float)).fit(cov_type="HC1")
    bounds = fit.conf_int(alpha=1 - confidence)
    return pd.DataFrame({"coefficient": fit.params, "se": fit.bse, "low": bounds[:, 0], "high": bounds[:, 1]})


def review_experience(shop: Shop, period: Period, promised_hours: int = 48, flagged: Any = (),
                      end: Any = None, maturity_days: int = DEFAULT_MATURITY_DAYS) -> pd.DataFrame:
    """Reviews of the period with their DSR scores and what happened to the reviewed line.

    With ``refunds``, only lines paid at least ``maturity_days`` before the end are kept:
    a recent line's refund may not have happened yet, and counting it as not refunded
    would bias every coefficient.

    Returns
    -------
    DataFrame: order_id, product_id, the three DSR scores, late_shipped (the order shipped
    after its promise; needs ``shipments``), refunded (the line has a refund; ``refunds``),
    slow_response (the order followed a converted chat of the same known customer,
    answered after :data:`SLOW_RESPONSE_SECONDS`, in the day before payment; ``service``),
    flagged_product (the product is in ``flagged``). A driver whose table is missing is
    absent.
    """
    import ibis

    r = shop.table("reviews")
    r = r.filter(r.review_time >= as_datetime(period.start), r.review_time < as_datetime(period.end_exclusive),
                 r.dsr_description.notnull() | r.dsr_service.notnull() | r.dsr_logistics.notnull())
    o = paid_order_lines(shop).select("order_id", "product_id", "customer_id", "pay_time")
    x = r.select("order_id", "product_id", "dsr_description", "dsr_service", "dsr_logistics").inner_join(
        o, ["order_id", "product_id"])
    end = pd.Timestamp(end if end is not None else data_end(shop))
    if shop.has("refunds"):
        x = x.filter(x.pay_time < mature_before(end, maturity_days))
    flagged = [str(p) for p in flagged]
    x = x.mutate(flagged_product=x.product_id.isin(flagged) if flagged else ibis.literal(False))
    if shop.has("shipments"):
        ships = order_shipments(shop, whole_range(shop), promised_hours, end).select("order_id", "late", "due")
        x = x.left_join(ships, "order_id").drop("order_id_right")
        x = x.mutate(late_shipped=x.late.fill_null(False)).drop("late", "due")
    if shop.has("refunds"):
        rf = shop.table("refunds").select("order_id", "product_id", has_refund=ibis.literal(True))
        x = x.left_join(rf, ["order_id", "product_id"]).drop("order_id_right", "product_id_right")
        x = x.mutate(refunded=x.has_refund.fill_null(False)).drop("has_refund")
    if shop.has("service"):
        s = shop.table("service")
        slow = s.filter(s.converted, s.first_response_seconds > SLOW_RESPONSE_SECONDS).select(
            chat_customer="customer_id", chat_time="chat_time")
        pairs = x.filter(known_customer(x)).select("order_id", "customer_id", "pay_time").distinct()
        m = pairs.inner_join(slow, [pairs.customer_id == slow.chat_customer, slow.chat_time <= pairs.pay_time,
                                    slow.chat_time >= pairs.pay_time - ibis.interval(days=1)])
        hit = m.select("order_id").distinct().mutate(slow_hit=ibis.literal(True))
        x = x.left_join(hit, "order_id").drop("order_id_right")
        x = x.mutate(slow_response=x.slow_hit.fill_null(False)).drop("slow_hit")
    frame = x.execute()
    frame = frame.rename(columns={f"dsr_{k}": k for k in DSR_SCORES})
    return frame.drop(columns=["customer_id", "pay_time"])


def find_dsr_drivers(shop: Shop, period: Period, promised_hours: int = 48, flagged: Any = (),
                     confidence: float = 0.95, end: Any = None,
                     maturity_days: int = DEFAULT_MATURITY_DAYS) -> pd.DataFrame:
    """:func:`dsr_drivers` of the period's reviews, or an empty table with a note saying why not.

    Needs ``reviews`` with the buyers' DSR scores (JD and Douyin export them per order;
    Tmall keeps them anonymous, so a Tmall shop sees the trend but not the drivers).
    """
    if not shop.has("reviews"):
        note("DSR 影响因素需要带买家 DSR 评分的 `reviews` 表",
             "DSR drivers need the `reviews` table with the buyers' DSR scores")
        return pd.DataFrame(columns=DRIVER_COLUMNS)
    experience = review_experience(shop, period, promised_hours, flagged, end, maturity_days)
    if experience.empty:
        note("DSR 影响因素：本期没有一条评价带 DSR 评分（dsr_description、dsr_service、dsr_logistics），"
             "无法估计是什么在影响评分",
             "DSR drivers: no review of the period carries DSR scores (dsr_description, dsr_service, "
             "dsr_logistics), so what drives the scores cannot be estimated")
        return pd.DataFrame(columns=DRIVER_COLUMNS)
    return dsr_drivers(experience, confidence)


def dsr_drivers(experience: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Which after-sales events move each DSR score: one OLS per score (HC1 intervals).

    score = a + sum(b_d x driver_d) over the drivers present in ``experience`` (each a 0/1
    indicator of the reviewed line). b_d is the score change for a line with the driver
    (points); score_impact = b_d x share of reviewed lines with it is what the driver costs
    the shop's average score now (negative = lowers it).

    Returns
    -------
    DataFrame: dsr_score, driver, coefficient, low, high, share_of_reviews, score_impact, n
    (reviews used). Drivers that never or always happen are left out (no contrast), as are
    scores with fewer than 10 reviews more than drivers.
    """
    drivers = [d for d in DRIVERS if d in experience.columns]
    rows = []
    for score in DSR_SCORES:
        if score not in experience:
            continue
        data = experience.dropna(subset=[score])
        usable = [d for d in drivers if 0 < data[d].astype(bool).mean() < 1]
        if len(data) < len(usable) + 10 or not usable:
            continue
        X = np.column_stack([np.ones(len(data))] + [data[d].astype(float).to_numpy() for d in usable])
        fit = fit_ols(X, data[score].to_numpy(dtype=float), confidence)
        for j, d in enumerate(usable, start=1):
            share = float(data[d].astype(bool).mean())
            rows.append({"dsr_score": score, "driver": d, "coefficient": fit.loc[j, "coefficient"],
                         "low": fit.loc[j, "low"], "high": fit.loc[j, "high"], "share_of_reviews": share,
                         "score_impact": fit.loc[j, "coefficient"] * share, "n": len(data)})
    return pd.DataFrame(rows, columns=DRIVER_COLUMNS)
