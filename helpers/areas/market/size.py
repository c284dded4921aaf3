"""Listing sales and market size: monthly sales with their interval, growth, seasonality, our share.

Reductions run in the engine (Ibis); only per-month rows come back to pandas. Rates go
through :mod:`helpers.core.metrics` (a zero denominator gives NaN).

口径
----
- **Sales (销售额)** of a listing-month = units × price (the month's average selling price).
  Listings that show only a trade index (交易指数, no units) count at the sales the index
  calibration estimates (:mod:`helpers.areas.market.calibration`), with an interval; nothing
  is left out silently. Their units = estimated sales / price. Fake orders (刷单) are in the
  platform's counts: the report takes the suspect listing-months out before these figures
  (:func:`helpers.areas.market.competition.drop_fake_orders`) unless told to keep them.
- **Market size** of a category in a month = the sales of every listing in it (ours included).
- **Interval**: it covers the estimated part only (known units are exact): a normal
  approximation to the sum of the estimates ŝ_i, with the residual spread of each listing,
  Var_resid = Σŝ_i² (exp(σ²) - 1), and the uncertainty of the fitted curve, which all of them
  share (delta method): Var_fit = s1²·Var(α) + 2·s1·sx·Cov(α, β) + sx²·Var(β), s1 = Σŝ_i,
  sx = Σŝ_i·ln x_i. sales ± z·sqrt(Var_resid + Var_fit), the low end never below the known
  part. That half-width is then widened by the month's extrapolated share e (the share of the
  estimated sales whose index lies outside the calibration's range):
  half-width / (1 - e) (:func:`helpers.areas.market.calibration.widen_for_extrapolation`). Written out because the moments s1, sx, Σŝ² are reduced in the engine, a month at a
  time, and no library sums ln-normal estimates with a shared fitted curve.
- **Partial months**: a month that ends after the data's last day (of ``orders``) is partial;
  it is shown but left out of growth, seasonality and "last month" figures.
- **Growth**: 环比 = month / previous month - 1; 同比 = month / same month a year earlier - 1;
  trailing growth = sales of the last ``GROWTH_MONTHS`` full months / the same months a year
  earlier - 1 (one figure that is robust to a single odd month).
- **Seasonality** = average sales of a calendar month / average sales of all full months.
- **Share (占比)** = our listings' sales / market sales, same month(s).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from helpers.core import metrics
from helpers.core.notes import note, quiet
from helpers.core.stats import z_value

if TYPE_CHECKING:
    from helpers.areas.market.calibration import Calibration
    from helpers.core.shop import Shop

GROWTH_MONTHS = 6


def month_label(value: Any) -> str:
    """A month as ``2026-10``."""
    return pd.Timestamp(value).strftime("%Y-%m")


def _months(values) -> str:
    return ", ".join(month_label(m) for m in values)


def listing_sales(shop: Shop, cal: Calibration | None, category: str | None = None):
    """Listing-months with sales known or estimated from the trade index (an Ibis table).

    Parameters
    ----------
    shop : the connected data (the ``market`` table).
    cal : the index calibration; None counts listings with known units only (noted).
    category : one category, or None for all.

    Returns
    -------
    The market table's columns (month, category, shop, brand, listing_id, title, price,
    is_own, reviews, rating, trade_index, traffic_index, units) plus estimated (sales come
    from the index), sales (元: units × price, or the estimate), est_units (units, or
    estimate / price) and what the interval of a sum needs: lx (ln index of estimated rows,
    else 0), est (the estimate of an estimated row, else 0) and ext (est where the index lies
    outside the calibration's range, else 0). Rows with neither units nor
    a trade index are left out (noted).
    """
    import ibis

    t = shop.table("market")
    if category is not None:
        t = t.filter(t.category == category)
    known = t.units.notnull()
    if cal is None:
        missing = t.filter(~known).count().execute()
        if missing:
            note(f"{missing} 个商品月只有交易指数而未能还原指数：已剔除，销售额只含有销量的商品",
                 f"{missing} listing-months have only a trade index and no calibration: they are left out, so sales "
                 "cover listings with known units only")
        t = t.filter(known)
        known = ibis.literal(True)
    usable = known | (t.trade_index.notnull() & (t.trade_index > 0))
    dropped = t.filter(~usable).count().execute()
    if dropped:
        note(f"{dropped} 个商品月既没有销量也没有交易指数，已剔除",
             f"{dropped} listing-months have neither units nor a trade index and are left out")
    t = t.filter(usable)
    known = t.units.notnull()
    lx = ibis.ifelse(known, 0.0, t.trade_index.cast("float64").ln())
    if cal is not None:
        est = ibis.ifelse(known, 0.0, (cal.alpha + cal.beta * lx + cal.sigma**2 / 2).exp())
        outside = (t.trade_index < cal.index_min) | (t.trade_index > cal.index_max)
        ext = ibis.ifelse(~known & outside, est, 0.0)
    else:
        est = ext = ibis.literal(0.0)
    sales = ibis.ifelse(known, t.units * t.price, est)
    units = ibis.ifelse(known, t.units, ibis.ifelse(t.price > 0, est / t.price, ibis.null("float64")))
    return t.mutate(estimated=~known, lx=lx, est=est, ext=ext, sales=sales, est_units=units)


def _interval(frame: pd.DataFrame, cal: Calibration | None, z: float) -> tuple[pd.Series, pd.Series]:
    """Low and high of totals whose estimated part has moments s1 = Σŝ, sx = Σŝ·lx, s2 = Σŝ²,
    widened by the extrapolated share s_ext / s1."""
    if cal is None:
        return frame["sales"], frame["sales"]
    from helpers.areas.market.calibration import widen_for_extrapolation

    (a, b), (_, d) = cal.cov
    resid_var = frame["s2"] * (math.exp(cal.sigma**2) - 1)
    fit_var = frame["s1"] ** 2 * a + 2 * frame["s1"] * frame["sx"] * b + frame["sx"] ** 2 * d
    with quiet():  # a month without estimates has no extrapolated share and keeps its interval
        share = metrics.share(frame["s_ext"], frame["s1"])
    half = pd.Series(widen_for_extrapolation(z * np.sqrt(resid_var + fit_var), share), index=frame.index)
    # an unbounded half-width still leaves the known part as the low end
    return (frame["sales"] - half).clip(lower=frame["known"]).fillna(frame["known"]), frame["sales"] + half


def _moments(t) -> dict:
    return {"sales": t.sales.sum(), "known": (t.sales - t.est).sum(), "s1": t.est.sum(),
            "sx": (t.est * t.lx).sum(), "s2": (t.est * t.est).sum(), "s_ext": t.ext.sum()}


def month_end_partial(months: pd.Series, data_end: Any) -> pd.Series:
    """True for months (first days) that end after the data's last day ``data_end`` (partial months)."""
    start = pd.to_datetime(months)
    return (start + pd.offsets.MonthEnd(0)) > pd.Timestamp(data_end)


def market_size(sales, cal: Calibration | None, data_end: Any, confidence: float = 0.9) -> pd.DataFrame:
    """Monthly market sales, units, listings and our share, with growth (one row per month).

    Parameters
    ----------
    sales : a :func:`listing_sales` table (one category).
    cal : the calibration behind the estimated rows (None: known units only).
    data_end : the data's last day; months ending after it are partial.
    confidence : level of the sales interval (z = Φ⁻¹(0.5 + confidence / 2)).

    Returns
    -------
    DataFrame indexed by month (first day): sales, sales_low, sales_high, estimated_sales
    (元), extrapolated_share (of estimated_sales, from index values outside the calibration's
    range; NaN without estimates), units, listings, own_sales (元), own_share, mom, yoy
    (fractions), partial. The interval is widened by extrapolated_share (see the module's 口径);
    where all of a month's estimate is extrapolated its high end is NaN (unbounded).
    mom = sales / previous month's - 1, yoy = sales / same month a year earlier - 1. Months
    without market rows show as no sales (noted). Growth of a partial month, of a month
    after a partial month and from a month without sales is NaN, as is our share of a
    month without sales (noted).
    """
    t = sales
    agg = t.group_by("month").aggregate(
        **_moments(t), units=t.est_units.sum(), listings=t.listing_id.nunique(),
        own_sales=t.sales.sum(where=t.is_own)).execute()
    agg["month"] = pd.to_datetime(agg["month"])
    agg = agg.set_index("month").sort_index()
    if len(agg):
        full = pd.date_range(agg.index.min(), agg.index.max(), freq="MS")
        missing = full.difference(agg.index)
        if len(missing):
            note(f"{_months(missing)} 没有市场数据：按无销售显示", f"no market rows in {_months(missing)}: shown as no sales")
        agg = agg.reindex(full, fill_value=0)
        agg.index.name = "month"
    out = pd.DataFrame(index=agg.index)
    out["sales"] = agg["sales"].astype(float)
    out["sales_low"], out["sales_high"] = _interval(agg, cal, z_value(confidence))
    out["estimated_sales"] = agg["s1"].astype(float)
    with quiet():  # a month without estimates has nothing extrapolated
        out["extrapolated_share"] = metrics.share(agg["s_ext"].astype(float), agg["s1"].astype(float))
    out["units"] = agg["units"].astype(float)
    out["listings"] = agg["listings"].astype(int)
    out["own_sales"] = agg["own_sales"].fillna(0).astype(float)
    partial = month_end_partial(out.index.to_series(), data_end).to_numpy()
    comparable = out["sales"].where(~partial)
    with quiet():  # the first month and year have no base (their NaN says so); months without sales are noted below
        out["own_share"] = metrics.share(out["own_sales"], out["sales"])
        out["partial"] = partial
        out["mom"] = metrics.change(comparable, comparable.shift(1))
        out["yoy"] = metrics.change(comparable, _year_before(comparable))
    empty = out.index[out["sales"] == 0]
    if len(empty):
        note(f"{_months(empty)} 市场没有销售：这些月的本店占比，以及以这些月为基数的环比、同比显示为 —",
             f"the market had no sales in {_months(empty)}: our share there, and growth measured from those months, "
             "are shown as —")
    if out["partial"].any():
        note(f"{_months(out.index[out['partial']])} 在数据最后一天（{pd.Timestamp(data_end):%Y-%m-%d}）之后才结束："
             "为不完整月，不计入增长和季节指数",
             f"{_months(out.index[out['partial']])} ends after the data's last day "
             f"({pd.Timestamp(data_end):%Y-%m-%d}): partial, left out of growth and seasonality")
    return out


def _year_before(series: pd.Series) -> pd.Series:
    shifted = series.copy()
    shifted.index = shifted.index + pd.DateOffset(years=1)
    return shifted.reindex(series.index)


def trailing_growth(size: pd.DataFrame, months: int = GROWTH_MONTHS) -> dict[str, Any]:
    """Sales of the last ``months`` full months against the same months a year earlier.

    Formula: Σ sales of the window / Σ sales of the window shifted back a year - 1.

    Returns
    -------
    dict with growth (fraction; NaN when the year-earlier months are missing or without
    sales, noted), recent and base sales (元), and start and end (the window's first and last
    month).
    """
    full = size[~size["partial"]]
    if full.empty:
        return {"growth": float("nan"), "recent": float("nan"), "base": float("nan"), "start": None, "end": None}
    window = full.index[-months:]
    base_index = window - pd.DateOffset(years=1)
    recent = float(full["sales"].reindex(window).sum())
    base_values = size["sales"].reindex(base_index)
    base = float(base_values.sum()) if base_values.notna().all() else float("nan")
    if math.isnan(base):
        note(f"近 {months} 个月的增长需要 {month_label(window[0])} 起一年前的同期数据，数据开始得更晚",
             f"trailing growth needs {months} months a year before {month_label(window[0])}; the data starts later")
    elif base == 0:
        note(f"{month_label(base_index[0])} ~ {month_label(base_index[-1])} 市场没有销售：近 {months} 个月的增长无法计算",
             f"the market had no sales in {month_label(base_index[0])} ~ {month_label(base_index[-1])}: "
             f"growth over the last {months} months is undefined")
    with quiet():  # a missing or empty base was noted above
        growth = float(metrics.change(recent, base))
    return {"growth": growth, "recent": recent, "base": base, "start": window[0], "end": window[-1]}


def seasonality(size: pd.DataFrame) -> pd.DataFrame:
    """Seasonality profile: average sales of each calendar month / average of all full months.

    Returns
    -------
    DataFrame indexed by month_of_year (1-12, the months present): seasonality (ratio) and
    years (how many full months were averaged).
    """
    full = size[~size["partial"]]
    by_month = full.groupby(full.index.month)["sales"].agg(["mean", "count"])
    overall = full["sales"].mean()
    out = pd.DataFrame({"seasonality": metrics.share(by_month["mean"], overall) if len(full) else [],
                        "years": by_month["count"]})
    out.index.name = "month_of_year"
    return out

