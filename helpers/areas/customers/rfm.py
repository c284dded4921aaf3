"""RFM: the eight classic segments, their split points, and the segments month by month.

口径 used here
--------------
RFM scores the purchases inside the period (:mod:`.purchases`): R = days from the last
purchase to the period's last day, F = purchases, M = value (yuan, net of refunds). R is
"high" (近) when R <= its split; F and M are "high" when above their splits. Default splits
come from the shop's own purchase cycle, not from medians (a median R split over a long
period made "recent" mean "within 218 days"): R = the median of repeat customers' usual gap
between purchases (t_x / x days, their own mean gap), so a recent customer is one who bought
within one usual cycle; F = 1 purchase (frequent = a repeat customer); M = the median value
of the period's customers. Without repeat customers R falls back to the median recency. M decides 重要 (important) or 一般 (general);
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
from helpers.core.notes import note, quiet
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
#: Days of purchases scored at each month end of the segment trend: a year, so every month
#: end sees each season once.
TREND_WINDOW_DAYS = 365


def segment_label(key: str, lang: str) -> str:
    """Display name of an RFM segment: ``segment_label("important_value", "zh") == "重要价值客户"``."""
    if key not in SEGMENTS:
        raise KeyError(f"unknown RFM segment {key!r}; use one of {', '.join(SEGMENTS)}")
    return label(f"segment_{key}", lang)


@dataclass(frozen=True)
class RFMSplits:
    """Split points of RFM: R is high when recency_days <= recency_days; F, M when above.

    ``chosen`` says for each of "recency_days", "frequency", "monetary" where the value came
    from: "purchase_cycle" (R: median usual gap of repeat customers), "repeat" (F: 1),
    "median" (of the period's customers) or "parameter".
    """

    recency_days: float
    frequency: float
    monetary: float
    chosen: dict[str, str] = field(default_factory=dict)


def split_rfm(summary: pd.DataFrame, recency_days: float = 0, frequency: float = 0,
              monetary: float = 0) -> RFMSplits:
    """RFM split points: the given values, or where 0 the shop's own (see the module's 口径).

    Parameters
    ----------
    summary : :func:`helpers.areas.customers.purchases.summarize_customers` output.
    recency_days : days since the last purchase; a customer is recent (R high) when at most
        this. 0 means the median of repeat customers' usual gap t_x / x (the median recency
        when no customer bought twice).
    frequency : purchases in the period; frequent (F high) when more than this. 0 means 1
        (F high means a repeat customer).
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
    repeat = active[active["x"] > 0]
    cycle = (repeat["t_x"] / repeat["x"]).median()
    own = {"recency_days": (float(cycle), "purchase_cycle") if len(repeat) else
           (float(active["recency_days"].median()), "median"),
           "frequency": (1.0, "repeat"), "monetary": (float(active["period_sales"].median()), "median")}
    values, chosen = {}, {}
    for key, value in zip(own, given.values(), strict=True):
        values[key], chosen[key] = (float(value), "parameter") if value > 0 else own[key]
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


def segment_trend(shop: Shop, period: Period, splits: RFMSplits, same_day_orders: str = "once",
                  window_days: int = TREND_WINDOW_DAYS) -> pd.DataFrame:
    """RFM segment sizes at every month end of the period, each over the same fixed window.

    At each month end the customers who bought in the ``window_days`` days up to it are
    scored on those purchases with the same split points (reduced in the engine);
    ``month_sales`` is what the segment's customers spent in that month (yuan). Every month
    end looks at a window of the same length, so a segment grows only when customers move
    into it: scored on everything bought since the period began, the not-recent segments
    grow every month just because history accumulates, which reads as churn and is not.
    Month ends whose window would reach before the first purchase in the data are left out
    (their window would be shorter), with a note.

    Returns
    -------
    Long frame with date (month end), segment, customers, month_sales; ``attrs`` holds
    window_days.
    """
    import ibis
    from ibis import _

    if not isinstance(window_days, int | np.integer) or window_days < 1:
        raise ValueError(f"parameter window_days={window_days!r} must be a whole number of days >= 1")
    window = pd.Timedelta(days=int(window_days) - 1)
    p = paid_purchases(shop, period.end, None, same_day_orders)
    first = p.pay_date.min().execute()
    ends = month_ends(period)
    full = [d for d in ends if pd.notna(first) and d - window >= pd.Timestamp(first)]
    if len(full) < len(ends):
        note(f"分层趋势按每个月末之前 {window_days} 天的购买计算；数据不足 {window_days} 天的 {len(ends) - len(full)} 个月末不画",
             f"the segment trend scores the {window_days} days before each month end; "
             f"{len(ends) - len(full)} month ends with less history than that are left out")
    keys = list(SEGMENTS)
    if not full:
        frame = pd.DataFrame({"date": pd.DatetimeIndex([]), "segment": pd.Series([], dtype=object),
                              "customers": pd.Series([], dtype="int64"), "month_sales": pd.Series([], dtype=float)})
        frame.attrs["window_days"] = int(window_days)
        return frame
    snaps = ibis.memtable(pd.DataFrame({"k": np.arange(len(full)), "end": [d.date() for d in full],
                                        "begin": [(d - window).date() for d in full],
                                        "month_start": [d.replace(day=1).date() for d in full]}))
    p = p.filter(p.pay_date >= full[0] - window)
    both = p.join(snaps, [p.pay_date >= snaps.begin, p.pay_date <= snaps.end])
    per = both.group_by(["k", "customer_id"]).aggregate(
        frequency=_.count(), monetary=_.value.sum(), last=_.pay_date.max(), end=_.end.max(),
        month=(_.pay_date >= _.month_start).ifelse(_.value, 0).sum())
    recency = per.end.delta(per.last, unit="day")
    r, f, m = rfm_flags(recency, per.frequency, per.monetary, splits)
    per = per.mutate(code=r.cast("int8") * 4 + f.cast("int8") * 2 + m.cast("int8"))
    counts = per.group_by(["k", "code"]).aggregate(customers=_.count(), month_sales=_.month.sum()).execute()
    names = [SEGMENT_BY_FLAGS[(bool(c & 4), bool(c & 2), bool(c & 1))] for c in range(8)]
    counts["date"] = pd.DatetimeIndex(full)[counts["k"].to_numpy(dtype=int)]
    counts["segment"] = [names[int(c)] for c in counts["code"]]
    frame = counts.set_index(["date", "segment"])[["customers", "month_sales"]].reindex(
        pd.MultiIndex.from_product([pd.DatetimeIndex(full), keys], names=["date", "segment"]))
    frame["customers"] = frame["customers"].fillna(0).astype("int64")
    frame["month_sales"] = frame["month_sales"].fillna(0.0).astype(float)
    frame = frame.reset_index()
    frame.attrs["window_days"] = int(window_days)
    return frame
