"""Repurchase: the usual definitions side by side, 回购率 month by month, the days between
purchases, and the N-day repurchase rate of new customers by first source or product.

口径 used here
--------------
Every rate is counted by the reduction of the same name in :mod:`helpers.core.metrics`
(its formula is in ``docs/metrics.md``), on the purchases of :mod:`.purchases`: with
``same_day_orders="once"`` a customer's orders paid on one day are one purchase, so the
rates here can be a little below a platform that counts every order.

- 复购率(人数) and 复购率(订单): customers (orders) of the period with at least two purchases
  in it.
- N日复购率: customers whose first purchase ever is in the period and who buy again at most
  N days after it; customers whose N days run past the period's end are left out (a note
  says how many).
- 回购率: customers of a complete calendar month who buy again in the next one.
- A gap is the days from a customer's purchase to their next (calendar days; 0 for two
  orders on one day when every order counts).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.customers.purchases import paid_purchases, tie_break
from helpers.core import metrics
from helpers.core.lines import product_titles, source_groups
from helpers.core.notes import Note, caught, note, quiet
from helpers.core.stats import wilson_interval
from helpers.i18n import label_or_text

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

#: The pooled row of :func:`repurchase_by` (groups below ``min_customers``).
OTHER = "__other__"


def metric_orders(shop: Shop, end, same_day_orders: str) -> metrics.PreparedOrders:
    """Purchases up to ``end`` in the shape the repurchase reductions of :mod:`helpers.core.metrics` read.

    A purchase is one row already (grouped once in :func:`.purchases.paid_purchases`), so the
    reductions read it as prepared orders instead of grouping millions of rows again. Their
    ``order_id`` only breaks ties of pay time, so it is :func:`.purchases.tie_break`.
    """
    p = paid_purchases(shop, end, None, same_day_orders)
    return metrics.prepare_orders(
        p.select("customer_id", order_id=tie_break(p, same_day_orders), pay_time=p.pay_time),
        one_row_per_order=True)


def month_pairs(period: Period) -> list[tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp, pd.Timestamp]]:
    """(previous start, previous end, current start, current end) of consecutive complete months."""
    first = period.start if period.start.day == 1 else (period.start + pd.offsets.MonthBegin(1))
    starts = pd.date_range(first, period.end, freq="MS")
    months = [(s, s + pd.offsets.MonthEnd(0)) for s in starts if s + pd.offsets.MonthEnd(0) <= period.end]
    return [(a[0], a[1], b[0], b[1]) for a, b in zip(months, months[1:], strict=False)]


def _relay(found: list[Note], days: int | None = None) -> None:
    """Raise caught notes again at the caller of the public function (N named as its days)."""
    for n in found:
        zh, en = n.zh, n.en
        if days is not None:
            zh = zh.replace(metrics.label("repurchase_within_days", "zh"), f"{days}日复购率")
            en = en.replace(metrics.label("repurchase_within_days", "en"), f"{days}-day repurchase rate")
        note(zh, en, stacklevel=3)


def compare_repurchase(shop: Shop, period: Period, same_day_orders: str = "once", days: int = 90) -> pd.DataFrame:
    """The repurchase definitions side by side, counted by :mod:`helpers.core.metrics` reductions.

    Rows: 复购率(人数) and 复购率(订单) over the period, the N-day repurchase rate of the
    customers first buying in the period, and 回购率 of the latest complete month against
    the month before (absent without two complete months). A "purchase" follows
    ``same_day_orders``.

    Returns
    -------
    Frame indexed by metric key with rate (a fraction), numerator, denominator, window (the
    period, the cohort window of first purchases, or "previous month -> this month") and days
    (N, on the N-day row only).
    """
    if days < 0:
        raise ValueError(f"parameter repurchase_days={days} must be >= 0")
    orders = metric_orders(shop, period.end, same_day_orders)
    with caught() as found:
        results = {
            "repurchase_rate_customers": metrics.repurchase_rate_customers_from_orders(orders, period.start,
                                                                                       period.end),
            "repurchase_rate_orders": metrics.repurchase_rate_orders_from_orders(orders, period.start, period.end),
            "repurchase_within_days": metrics.repurchase_within_days_from_orders(
                orders, days, period.start, period.end, data_end=period.end),
        }
        pairs = month_pairs(period)
        if pairs:
            p0, p1, c0, c1 = pairs[-1]
            results["returning_rate"] = metrics.returning_rate_from_orders(orders, (c0, c1), (p0, p1))
    _relay(found, days)
    rows = []
    for key, res in results.items():
        if key == "returning_rate":
            window = f"{res.details['previous']} -> {res.details['current']}"
        elif key == "repurchase_within_days":
            window = res.details["cohort"]
        else:
            window = res.details["period"]
        rows.append({"key": key, "rate": res.rate, "numerator": res.numerator, "denominator": res.denominator,
                     "window": window, "days": days if key == "repurchase_within_days" else pd.NA})
    table = pd.DataFrame(rows).set_index("key")
    table["days"] = table["days"].astype("Int64")
    return table


def returning_by_month(shop: Shop, period: Period, same_day_orders: str = "once", months: int = 12) -> pd.DataFrame:
    """回购率 of the last ``months`` complete months of the period, each against the month before.

    Returns
    -------
    Frame with month (first day), previous_customers, returning_customers and
    returning_rate (:func:`helpers.core.metrics.returning_rate_from_orders`).
    """
    orders = metric_orders(shop, period.end, same_day_orders)
    rows = []
    with caught() as found:
        for p0, p1, c0, c1 in month_pairs(period)[-months:]:
            res = metrics.returning_rate_from_orders(orders, (c0, c1), (p0, p1))
            rows.append({"month": c0, "previous_customers": res.denominator, "returning_customers": res.numerator,
                         "returning_rate": res.rate})
    _relay(found)
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
    w = ibis.window(group_by="customer_id", order_by=[p.pay_time, tie_break(p, same_day_orders)])
    p = p.mutate(prev=p.pay_date.lag().over(w))
    begin = ibis.literal(period.start.date(), type="date")
    gaps = p.filter(p.prev.notnull(), p.pay_date >= begin)
    gaps = gaps.mutate(days=gaps.pay_date.delta(gaps.prev, unit="day"))
    frame = gaps.group_by("days").aggregate(purchases=_.count()).order_by("days").execute()
    return frame.astype({"days": "int64", "purchases": "int64"}).reset_index(drop=True)


def gap_stats(gaps: pd.DataFrame) -> dict[str, float]:
    """Median, quartiles and shares within 30/60/90 days of a :func:`summarize_gaps` histogram.

    A quartile is the smallest gap whose cumulative share of repeat purchases reaches it
    (``numpy.quantile`` weighted by purchases, ``method="inverted_cdf"``), so it is always a
    gap that occurred; within_N = repeat purchases with a gap <= N days / repeat purchases.

    Returns
    -------
    dict with repeat_purchases, median, p25, p75 (days), within_30, within_60, within_90
    (fractions); NaN figures (and no error) when there is no repeat purchase.
    """
    total = int(gaps["purchases"].sum()) if len(gaps) else 0
    out: dict[str, float] = {"repeat_purchases": total}
    if total == 0:
        return {**out, "median": np.nan, "p25": np.nan, "p75": np.nan, "within_30": np.nan,
                "within_60": np.nan, "within_90": np.nan}
    days, weights = gaps["days"].to_numpy(), gaps["purchases"].to_numpy()
    p25, median, p75 = np.quantile(days, [0.25, 0.5, 0.75], weights=weights, method="inverted_cdf")
    out.update(median=float(median), p25=float(p25), p75=float(p75))
    for n in (30, 60, 90):
        out[f"within_{n}"] = float(weights[days <= n].sum() / total)
    return out


def source_labels(shop: Shop, lang: str) -> pd.Series:
    """Source -> "source · group" (the name of its ``traffic.source_group`` in ``lang``); empty
    without traffic."""
    groups = source_groups(shop)
    return pd.Series([f"{s} · {label_or_text(f'group_{g}', lang)}" for s, g in groups.items()],
                     index=groups.index, dtype=object)


def product_labels(shop: Shop) -> pd.Series:
    """Product id -> "title (id)", for naming first products; empty without ``products``."""
    titles = product_titles(shop)
    return pd.Series([f"{t} ({i})" for i, t in titles.items()], index=titles.index, dtype=object)


def repurchase_by(summary: pd.DataFrame, period: Period, by: str, days: int = 90,
                  names: pd.Series | None = None, min_customers: int = 30) -> pd.DataFrame:
    """N-day repurchase rate of new customers by their first product or acquisition source.

    Same rule as :func:`helpers.core.metrics.repurchase_within_days_from_orders` (new customers
    whose first purchase ever is in the period; a repurchase is a purchase at most ``days``
    days after the first; customers whose window runs past the period are left out), so
    the groups add up to its counts. Rate = repeat customers / customers
    (:func:`helpers.core.metrics.repurchase_within_days`) with a 95% Wilson interval
    (:func:`helpers.core.stats.wilson_interval`).

    Parameters
    ----------
    summary : :func:`.purchases.summarize_customers` output.
    by : "first_product", "first_source" or another column of ``summary``.
    days : N.
    names : optional labels for the group values (e.g. product titles), indexed by value.
    min_customers : groups with fewer eligible customers are pooled into :data:`OTHER`.

    Returns
    -------
    Frame indexed by group with customers, repeat_customers, rate, low, high (fractions),
    sorted by customers (the pooled row last).
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
        other = counts[small].sum().to_frame(OTHER).T
        counts = pd.concat([counts[~small].sort_values("customers", ascending=False), other])
    else:
        counts = counts.sort_values("customers", ascending=False)
    counts = counts.astype("int64")
    with quiet():  # an empty group cannot occur; no customers at all gives an empty frame
        counts["rate"] = metrics.repurchase_within_days(counts["repeat_customers"], counts["customers"])
        low, high = wilson_interval(counts["repeat_customers"], counts["customers"])
    counts["low"], counts["high"] = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    if names is not None:
        counts.index = [names.get(k, k) if k != OTHER else k for k in counts.index]
    return counts
