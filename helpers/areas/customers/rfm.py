"""RFM: the eight classic segments, their split points, and the segments month by month.

口径 used here
--------------
RFM scores the purchases inside the period (:mod:`.purchases`): R = days from the last
purchase to the period's last day, F = purchases, M = value (yuan, net of refunds). R is
"high" (近) when R <= its split; F and M are "high" when above their splits; splits default
to the medians of the period's customers. M decides 重要 (important) or 一般 (general);
R and F decide 价值 (value) / 发展 (to develop) / 保持 (to keep) / 挽留 (to win back).
A segment's name is the label ``segment_<key>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.customers.purchases import paid_purchases
from helpers.core import metrics
from helpers.core.notes import quiet
from helpers.i18n import label

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

#: The eight classic RFM segments in their classic order: key -> (R high, F high, M high).
SEGMENTS: dict[str, tuple[bool, bool, bool]] = {
    "important_value": (True, True, True),
    "important_develop": (True, False, True),
    "important_keep": (False, True, True),
    "important_retain": (False, False, True),
    "general_value": (True, True, False),
    "general_develop": (True, False, False),
    "general_keep": (False, True, False),
    "general_retain": (False, False, False),
}
SEGMENT_BY_FLAGS = {flags: key for key, flags in SEGMENTS.items()}


def segment_label(key: str, lang: str) -> str:
    """Display name of an RFM segment: ``segment_label("important_value", "zh") == "重要价值客户"``."""
    if key not in SEGMENTS:
        raise KeyError(f"unknown RFM segment {key!r}; use one of {', '.join(SEGMENTS)}")
    return label(f"segment_{key}", lang)


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
    summary : :func:`helpers.areas.customers.purchases.summarize_customers` output.
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


def rfm_flags(recency, frequency, monetary, splits: RFMSplits):
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
    r, f, m = rfm_flags(out["recency_days"], out["frequency"], out["monetary"], splits)
    out["r_high"], out["f_high"], out["m_high"] = r, f, m
    out["segment"] = [SEGMENT_BY_FLAGS[k] for k in zip(r, f, m, strict=True)]
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
    with quiet():  # no customers at all: NaN shares, and the report says there are none
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
    segment's customers spent in that month (yuan).

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
    f_high, m_high = rfm_flags(0, months.frequency, months.monetary, splits)[1:]
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
    keys = [SEGMENT_BY_FLAGS[(bool(c & 4), bool(c & 2), bool(c & 1))] for c in range(8)]
    frame = pd.DataFrame({"date": np.repeat(pd.DatetimeIndex(ends), 8), "segment": keys * count,
                          "customers": sizes.ravel(), "month_sales": sales.ravel()})
    frame = frame.set_index(["date", "segment"]).reindex(
        pd.MultiIndex.from_product([pd.DatetimeIndex(ends), list(SEGMENTS)], names=["date", "segment"]))
    return frame.reset_index()
