"""Monthly first-purchase cohorts (同期群): retention and cumulative sales per customer.

口径 used here
--------------
A customer's cohort is the calendar month of their first purchase in the data (purchases
as in :mod:`.purchases`); cohorts starting in the period are followed month by month
(month 0 = the first month, month 1 the next calendar month whatever the day of the first
purchase) up to the last complete month of the period. Retention =
:func:`helpers.core.metrics.cohort_retention`, cumulative sales per customer =
:func:`helpers.core.metrics.cohort_sales_per_customer` (every customer of the cohort in the
denominator, values net of refunds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.customers.purchases import paid_purchases
from helpers.core import metrics
from helpers.core.notes import note

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

COLUMNS = ["cohort", "age", "cohort_customers", "active_customers", "sales", "retention",
           "cumulative_sales_per_customer"]


def cohort_end(period: Period) -> pd.Timestamp:
    """The last day cohorts are followed to: the last complete month end in the period, or
    the period's last day when the period ends on a month end or has no complete month."""
    if period.end == period.end + pd.offsets.MonthEnd(0):
        return period.end
    cut = period.end - pd.offsets.MonthEnd(1)  # end of the previous month
    return cut if cut >= period.start else period.end


def build_cohorts(shop: Shop, period: Period, same_day_orders: str = "once") -> pd.DataFrame:
    """Monthly first-purchase cohorts: retention and cumulative sales per customer by month.

    Reduced in the engine: one row per cohort and month comes back. A note says when a
    partial last month was cut off, or that the period has no complete month (then its
    last day is used, and the month is partial).

    Returns
    -------
    Frame with cohort (month start), age (months since the first), cohort_customers,
    active_customers, sales (yuan), retention = active / cohort customers and
    cumulative_sales_per_customer (yuan); months not yet observed are absent.
    """
    import ibis
    from ibis import _

    stop = cohort_end(period)
    if stop < period.end:
        note(f"同期群只跟踪到 {stop.date()}（最后一个完整月）；{(stop + pd.Timedelta(days=1)).date()} ~ "
             f"{period.end.date()} 不是完整的月份",
             f"cohorts stop at {stop.date()}, the last complete month; "
             f"{(stop + pd.Timedelta(days=1)).date()} ~ {period.end.date()} is a partial month")
    elif stop != stop + pd.offsets.MonthEnd(0):
        note(f"分析期内没有完整的月份：首购月 {period.start:%Y-%m} 只跟踪到 {period.end.date()}",
             f"the period has no complete month: the cohort month {period.start:%Y-%m} "
             f"is followed only to {period.end.date()}")
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
    if cells.empty:
        return pd.DataFrame(columns=COLUMNS)
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
    return frame[COLUMNS]


def pivot_cohorts(cohorts: pd.DataFrame, value: str = "retention") -> pd.DataFrame:
    """Cohorts as rows (YYYY-MM) and months since the first purchase as columns."""
    table = cohorts.pivot(index="cohort", columns="age", values=value)
    table.index = [f"{d:%Y-%m}" for d in table.index]
    table.columns = [int(c) for c in table.columns]
    return table


def summarize_cohorts(cohorts: pd.DataFrame, ages: tuple[int, ...] = (1, 3, 6, 12)) -> dict[str, float]:
    """Customer-weighted retention at a few ages, and cumulative sales per customer over as
    many first months.

    Pooled over the cohorts observed long enough: retention_k = Σ active customers at age k /
    Σ cohort customers, over cohorts observed at age k; sales_per_customer_k = the sales of a
    customer's first k months, Σ sales of ages 0..k-1 / Σ cohort customers (yuan), over the
    cohorts observed at age k-1 (month 0 is the first month, so "the first 12 months" are
    ages 0 to 11).
    """
    out: dict[str, float] = {"cohorts": float(cohorts["cohort"].nunique()) if len(cohorts) else 0.0}
    for age in ages:
        rows = cohorts[cohorts["age"] == age]
        n = rows["cohort_customers"].sum()
        out[f"retention_{age}"] = float(rows["active_customers"].sum() / n) if n else np.nan
        cum = cohorts[cohorts["age"] < age].groupby("cohort")["sales"].sum()
        observed = cohorts[cohorts["age"] == age - 1].set_index("cohort")["cohort_customers"]
        out[f"sales_per_customer_{age}"] = (float(cum.reindex(observed.index).sum() / observed.sum())
                                            if observed.sum() else np.nan)
    return out
