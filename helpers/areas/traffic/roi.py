"""How sure a plan's ROI is, and how ROIs of different attribution windows are put on one window.

口径
----
- ROI interval: the plan's ROI = Σ attributed amount / Σ spend over the days of the period is
  a **ratio estimator**; its variance comes from the linearisation (delta method) over days,
  ``var(R) = n / (n - 1) x Σ (a_i - R s_i)² / (Σ s_i)²``, and the interval is
  ``R ± t(n - 1) x sd`` (Student t from scipy), floored at 0. Days are the units resampled,
  so a plan whose orders arrive on a few lucky days gets a wide interval.
- Attribution windows (转化周期): a 15-day window credits orders that a 1-day window does not.
  The shop's own ratio between two windows is read from plans reported under both (on
  different days): the ratio of their attributed orders per click under the longer window to
  that under the shorter one, pooled over those plans. Orders, not amounts: a window credits
  more orders, while the order value drifts with prices and mix between the two stretches of
  days (on the sample shop, ¥230 → ¥186 per order across its plan's window change: the amount
  per click gave a ratio of 0.93 for a true 1.17, orders per click 1.17). Without such plans
  the ROIs of different windows are not comparable and no ratio is invented.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.core.stats import rate_with_interval

if TYPE_CHECKING:
    from helpers.core.calendar import Period
    from helpers.core.shop import Shop

METHOD = "ratio_estimator_t"  # the interval's method, as named in findings' evidence


def roi_interval(amount, spend, confidence: float = 0.95) -> tuple[float, float]:
    """Interval of ROI = Σ amount / Σ spend, from the plan's days (ratio estimator, delta method).

    Parameters
    ----------
    amount : attributed amount per day (yuan).
    spend : spend per day (yuan), same days.
    confidence : two-sided level.

    Returns
    -------
    (low, high): ROI bounds, low floored at 0; NaN for both with fewer than 2 days or no spend.
    """
    from scipy import stats

    a, s = np.asarray(amount, dtype=float), np.asarray(spend, dtype=float)
    n, total = len(a), s.sum()
    if n < 2 or total <= 0:
        return float("nan"), float("nan")
    ratio = a.sum() / total
    sd = np.sqrt(n / (n - 1) * np.sum((a - ratio * s) ** 2)) / total
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd
    return float(max(ratio - half, 0.0)), float(ratio + half)


def plan_days(shop: Shop, period: Period, keys: list[str]) -> pd.DataFrame:
    """Spend and attributed amount per day and plan (or channel) of the period, for intervals."""
    a = shop.table("ads")
    a = a.filter((a.date >= period.start.date()) & (a.date <= period.end.date()))
    return (a.group_by([*keys, "date"]).aggregate(spend=a.spend.sum(), amount=a.attributed_amount.sum())
            .execute())


def add_intervals(table: pd.DataFrame, days: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """``table`` (indexed by plan or channel) with roi_low, roi_high and days (days with rows)."""
    keys = list(table.index.names)
    bounds = {key: (*roi_interval(g["amount"], g["spend"], confidence), len(g))
              for key, g in days.groupby(keys if len(keys) > 1 else keys[0])}
    out = table.copy()
    cols = [bounds.get(k, (float("nan"), float("nan"), 0)) for k in out.index]
    out["roi_low"] = [c[0] for c in cols]
    out["roi_high"] = [c[1] for c in cols]
    out["days"] = [c[2] for c in cols]
    return out


def estimate_window_ratios(shop: Shop) -> dict[tuple[int, int], float]:
    """The shop's own ratio between attribution windows, from plans reported under both.

    For each pair of windows (short, long) seen on the same plan (on different days of the
    whole ``ads`` table): (Σ attributed orders / Σ clicks under the long window) / (Σ
    attributed orders / Σ clicks under the short one), pooled over the plans that have both.

    Returns
    -------
    {(short, long): ratio}; empty when no plan was reported under two windows.
    """
    a = shop.table("ads")
    frame = (a.group_by(["channel", "plan", "attribution_window_days"])
             .aggregate(clicks=a.clicks.sum(), orders=a.attributed_orders.sum()).execute())
    ratios: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
    for _, plan in frame.groupby(["channel", "plan"]):
        rows = plan.sort_values("attribution_window_days")
        rows = rows[(rows["clicks"] > 0) & (rows["orders"] > 0)]
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                short, long = rows.iloc[i], rows.iloc[j]
                pair = (int(short["attribution_window_days"]), int(long["attribution_window_days"]))
                ratios.setdefault(pair, []).append((short["orders"], short["clicks"], long["orders"],
                                                    long["clicks"]))
    out = {}
    for pair, items in ratios.items():
        sa, sc, la, lc = (sum(x[k] for x in items) for k in range(4))
        out[pair] = float((la / lc) / (sa / sc))
    return out


def normalise_roi(roi: pd.Series, windows: pd.Series, ratios: dict[tuple[int, int], float]) -> tuple[pd.Series, int]:
    """ROIs on one attribution window: the shortest window present, with the shop's own ratios.

    ROI on window w0 = ROI on window w / ratio(w0, w). Plans whose window has no ratio to
    the shortest one stay NaN (not comparable).

    Returns
    -------
    (normalised ROI, the reference window in days).
    """
    window = windows.astype(int)
    reference = int(window.min())
    factor = window.map(lambda w: 1.0 if w == reference else 1 / ratios[(reference, w)]
                        if (reference, w) in ratios else float("nan"))
    return roi * factor, reference


#: The additive figures of an ad report's rows.
AD_SUMS = ("impressions", "clicks", "spend", "attributed_orders", "attributed_amount")


def ad_sums(t) -> dict:
    """Ibis aggregations of an ad report (``ads``, ``ad_keywords``, ``ad_crowds``): the sums of
    :data:`AD_SUMS`, and the rows and rows with an amount (see :func:`known_amounts`)."""
    agg = {c: t[c].sum() for c in AD_SUMS}
    agg["amount_rows"] = t.attributed_amount.count()
    agg["rows"] = t.count()
    return agg


def known_amounts(out: pd.DataFrame) -> pd.DataFrame:
    """Aggregated :func:`ad_sums` as floats; a group with some rows without an amount (a
    conversion-only report on those days) has an unknown amount (NaN), never a partial sum."""
    for c in AD_SUMS:
        out[c] = out[c].astype(float)
    out.loc[out["amount_rows"] < out["rows"], "attributed_amount"] = np.nan
    return out


def add_click_rates(out: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Rates and ROI with its interval for rows of ad figures (keywords or crowds of plans).

    ctr = clicks / impressions; cpc = spend / clicks (yuan); conversion = attributed orders /
    clicks with its Wilson interval; roi = attributed amount / spend, and its interval
    conversion_low|high x clicks x value per order / spend, where the value per order is the
    row's own (amount / orders), else its plan's (a row without orders has none of its own).
    Zero denominators give NaN.

    Parameters
    ----------
    out : a frame with plan, impressions, clicks, spend, attributed_orders, attributed_amount
        (NaN where the report gave no amount: ROI unknown, never 0).

    Returns
    -------
    ``out`` with ctr, cpc, conversion_rate, conversion_low, conversion_high, amount_per_order,
    roi, roi_low and roi_high added.
    """
    clicks = out["clicks"].where(out["clicks"] > 0)
    out["ctr"] = out["clicks"] / out["impressions"].where(out["impressions"] > 0)
    out["cpc"] = out["spend"] / clicks
    conv = rate_with_interval(out["attributed_orders"], out["clicks"], confidence)
    out["conversion_rate"], out["conversion_low"], out["conversion_high"] = conv["rate"], conv["low"], conv["high"]
    per_order = out["attributed_amount"] / out["attributed_orders"].where(out["attributed_orders"] > 0)
    plan_value = (out.groupby("plan")["attributed_amount"].transform("sum")
                  / out.groupby("plan")["attributed_orders"].transform("sum").where(lambda s: s > 0))
    out["amount_per_order"] = per_order
    value = per_order.fillna(plan_value)
    spend = out["spend"].where(out["spend"] > 0)
    out["roi"] = out["attributed_amount"] / spend
    out["roi_low"] = out["conversion_low"] * out["clicks"] * value / spend
    out["roi_high"] = out["conversion_high"] * out["clicks"] * value / spend
    return out
