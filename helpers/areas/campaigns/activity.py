"""What happened day by day and who bought what: the timeline around a campaign, the peak day's
hours, products that stopped selling (possible stock-outs), new and returning buyers, and
the categories and products that carried the gain.

口径 used here
--------------
- Days by **pay date**; the **baseline** is the clean pre-period
  (:func:`~helpers.areas.campaigns.campaign.baseline_days`).
- **Peak day**: the event day with the highest sales; its hours by pay time, against the
  baseline days pooled.
- **Stock-outs** are inferred (the data has no stock table): a product that sold ``r`` lines a
  day on the baseline is expected to sell r x lift x d lines in the last ``d`` event days it
  did not sell (lift = the shop's orders per day in the event / on the baseline); the chance
  of no sale at all is the Poisson probability of 0, exp(-expected) (``scipy.stats.poisson``).
- **Buyers per day** are distinct known customers per day, summed over the days
  (buyer-days); **new**: the customer's first paid order in the data is that day. The
  **repeat rate** of a period's new buyers is
  :func:`helpers.core.metrics.repurchase_within_days_from_orders` with a Wilson interval.
- **Lift** = event sales per day / baseline sales per day - 1; **share of increase** = an
  item's extra sales per day / the shop's; **share change** = its share of event sales - its
  share of baseline sales.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from helpers.areas.campaigns.campaign import Campaign, Windows, baseline_days, clean_pre_days
from helpers.areas.campaigns.frames import Frames, dated_paid_lines, paid_lines
from helpers.areas.campaigns.model import safe_div
from helpers.areas.campaigns.uplift import Impact
from helpers.core import metrics
from helpers.core.lines import known_customer
from helpers.core.notes import note, quiet
from helpers.core.shop import cache_table
from helpers.core.stats import wilson_interval

if TYPE_CHECKING:
    from helpers.core.shop import Shop

STOCKOUT_P = 0.001  # a silent tail this improbable is flagged as a possible stock-out
STOCKOUT_MIN_DAYS = 2  # silent event days from which a product can be flagged


def build_timeline(frames: Frames, windows: Windows, impact: Impact | None = None,
                   lead_days: int = 28) -> pd.DataFrame:
    """Daily sales, orders and buyers from ``lead_days`` before the window to its end.

    Returns
    -------
    Frame indexed by date with phase (pre / warmup / event / post), sales (yuan), orders,
    buyers, baseline (the clean baseline's mean daily sales) and, when estimated, the
    counterfactual (predicted, low, high); empty without a window.
    """
    if windows.window is None:
        return pd.DataFrame(columns=["phase", "sales", "orders", "buyers"])
    start = max(windows.window.start - pd.Timedelta(days=lead_days), frames.data_first)
    days = pd.date_range(start, windows.window.end)
    out = frames.daily.reindex(days)[["sales", "orders", "buyers"]].fillna(0.0)
    out.index.name = "date"
    phase = pd.Series("pre", index=days, dtype=object)
    for name, period in windows.phases().items():
        phase[(days >= period.start) & (days <= period.end)] = name
    out.insert(0, "phase", phase)
    clean = pd.DatetimeIndex(windows.clean_days)
    out["baseline"] = float(frames.daily["sales"].reindex(clean).mean()) if len(clean) else np.nan
    if impact is not None and impact.ok:
        out = out.join(impact.daily[["predicted", "low", "high"]], how="left")
    return out


def peak_day(timeline: pd.DataFrame) -> pd.Timestamp | None:
    """The event day with the highest sales (None without event days)."""
    event = timeline[timeline["phase"] == "event"]
    return None if event.empty else pd.Timestamp(event["sales"].idxmax())


def hourly_sales(shop: Shop, frames: Frames, campaign: Campaign, windows: Windows,
                 day: pd.Timestamp | None) -> pd.DataFrame:
    """Sales per hour of pay time on ``day`` (the peak day) against the clean pre-period.

    Returns
    -------
    Frame indexed by hour 0..23: peak_sales (yuan), peak_share and baseline_share (share of
    the day's sales in that hour; baseline pooled over the clean pre-period days).
    """
    cols = ["peak_sales", "peak_share", "baseline_share"]
    if day is None:
        return pd.DataFrame(columns=cols)
    pre_days = [d.date() for d in baseline_days(windows)]
    lines = paid_lines(shop)
    lines = lines.filter(lines.date.isin([day.date(), *pre_days]))
    lines = lines.mutate(hour=lines.pay_time.hour(), is_peak=lines.date == day.date())
    h = lines.group_by(["is_peak", "hour"]).aggregate(sales=lines.paid_amount.sum()).execute()
    peak = h[h["is_peak"]].set_index("hour")["sales"].reindex(range(24)).fillna(0.0)
    base = h[~h["is_peak"].astype(bool)].set_index("hour")["sales"].reindex(range(24)).fillna(0.0)
    out = pd.DataFrame({"peak_sales": peak, "peak_share": peak / peak.sum() if peak.sum() else np.nan,
                        "baseline_share": base / base.sum() if base.sum() else np.nan})
    out.index.name = "hour"
    return out


def product_activity(shop: Shop, frames: Frames, campaign: Campaign, windows: Windows) -> pd.DataFrame:
    """Per product: order lines and sales (yuan) on the clean pre-period days and in the event,
    and the last event day it sold (for stock-outs and drivers).

    Returns
    -------
    Frame indexed by product_id with title (the id without a products table), category,
    pre_lines, pre_sales, event_lines, event_sales and last_sale.
    """
    cols = ["title", "category", "pre_lines", "pre_sales", "event_lines", "event_sales",
            "last_sale"]
    if windows.event is None:
        return pd.DataFrame(columns=cols)
    import ibis

    pre_days = [d.date() for d in baseline_days(windows)]
    lines = paid_lines(shop)
    in_event = (lines.date >= windows.event.start.date()) & (lines.date <= windows.event.end.date())
    in_pre = lines.date.isin(pre_days) if pre_days else ibis.literal(False)
    lines = lines.filter(in_event | in_pre)
    lines = lines.mutate(ev=in_event)
    per = lines.group_by("product_id").aggregate(
        pre_lines=ibis.ifelse(lines.ev, 0, 1).sum(),
        pre_sales=ibis.ifelse(lines.ev, 0.0, lines.paid_amount).sum(),
        event_lines=ibis.ifelse(lines.ev, 1, 0).sum(),
        event_sales=ibis.ifelse(lines.ev, lines.paid_amount, 0.0).sum(),
        last_sale=lines.date.max(where=lines.ev)).execute()
    if shop.has("products"):
        p = shop.table("products").select("product_id", "title", "category").execute()
        per = per.merge(p, on="product_id", how="left")
    else:
        per["title"], per["category"] = per["product_id"], None
    per["title"] = per["title"].fillna(per["product_id"])
    per["last_sale"] = pd.to_datetime(per["last_sale"])
    return per.set_index("product_id")[cols]


def find_stockouts(activity: pd.DataFrame, frames: Frames, campaign: Campaign,
                   windows: Windows) -> pd.DataFrame:
    """Products that stopped selling during the event although they should have kept selling.

    Formula: expected = baseline lines per day x lift x silent days; p_silent = P(no sale) =
    exp(-expected) (Poisson). Products with p_silent below :data:`STOCKOUT_P` and at least
    :data:`STOCKOUT_MIN_DAYS` silent days are listed.

    Returns
    -------
    Frame indexed by product_id: title, category, baseline_per_day, last_sale, silent_days,
    expected_units (expected lines in the silent days), p_silent; most improbable first.
    """
    from scipy.stats import poisson

    cols = ["title", "category", "baseline_per_day", "last_sale", "silent_days", "expected_units",
            "p_silent"]
    clean = clean_pre_days(windows)
    n_pre = int(clean.sum()) if len(clean) else 0
    if windows.event is None or activity.empty or n_pre == 0:
        return pd.DataFrame(columns=cols)
    ev = windows.event
    orders_pre = float(frames.daily["orders"].reindex(baseline_days(windows)).mean())
    orders_ev = float(frames.daily.loc[ev.start:ev.end, "orders"].mean())
    lift = safe_div(orders_ev, orders_pre)
    a = activity[activity["pre_lines"] > 0].copy()
    a["baseline_per_day"] = a["pre_lines"] / n_pre
    last = a["last_sale"]
    a["silent_days"] = np.where(last.isna(), ev.days, (ev.end - last).dt.days)
    a["expected_units"] = a["baseline_per_day"] * (lift if pd.notna(lift) else 1.0) * a["silent_days"]
    a["p_silent"] = poisson.pmf(0, a["expected_units"].to_numpy(dtype=float))
    out = a[(a["silent_days"] >= STOCKOUT_MIN_DAYS) & (a["p_silent"] < STOCKOUT_P)].sort_values("p_silent")
    return out[cols]


def compare_buyers(shop: Shop, frames: Frames, campaign: Campaign, windows: Windows,
                   repeat_days: int = 90, confidence: float = 0.95) -> pd.DataFrame:
    """New and returning buyers per day in the event against the clean pre-period, and how
    many of each period's new buyers bought again within ``repeat_days``.

    Buyers whose ``repeat_days`` have not passed by the data's last day are left out of the
    repeat rate; a note says when none of the event's new buyers can be judged yet.

    Returns
    -------
    Frame indexed by baseline / event: buyers_per_day, new_per_day, returning_per_day,
    new_share, repeat_rate, repeat_low, repeat_high (Wilson interval at ``confidence``) and
    repeat_cohort (new buyers with a complete window).
    """
    pre_days = baseline_days(windows)
    periods = {"baseline": pre_days}
    if windows.event is not None:
        periods["event"] = pd.date_range(windows.event.start, windows.event.end)
    paid = dated_paid_lines(shop)
    # One row per paid order of a known customer (ids were stripped when the table was
    # validated), so the repurchase reduction neither strips nor groups the lines again;
    # kept in the engine while this runs, as each period's repeat rate reads every order.
    paid = paid.filter(known_customer(paid))
    orders = metrics.prepare_orders(cache_table(paid.group_by("order_id").aggregate(
        customer_id=paid.customer_id.min(), pay_time=paid.pay_time.min())), one_row_per_order=True)
    rows = {}
    for name, days in periods.items():
        buyers = frames.daily["buyers"].reindex(days)
        new = frames.new_buyers.reindex(days)
        n = max(len(days), 1)
        row = {"buyers_per_day": buyers.sum() / n, "new_per_day": new.sum() / n,
               "returning_per_day": (buyers.sum() - new.sum()) / n,
               "new_share": safe_div(new.sum(), buyers.sum())}
        row.update(repeat_rate=np.nan, repeat_low=np.nan, repeat_high=np.nan, repeat_cohort=0.0)
        if len(days):
            repeaters, cohort = _repeat_of_days(orders, days, repeat_days, frames.data_last)
            row["repeat_cohort"] = float(cohort)
            if cohort:
                with quiet():
                    lo, hi = wilson_interval(repeaters, cohort, confidence)
                row.update(repeat_rate=repeaters / cohort, repeat_low=lo, repeat_high=hi)
        rows[name] = row
    if windows.event is not None and rows["event"]["repeat_cohort"] == 0:
        cid = campaign.campaign_id
        note(f"{cid} 新客的复购：活动后的数据不到 {repeat_days} 天，还无法知道",
             f"repeat purchase of {cid}'s new buyers: fewer than {repeat_days} days of data after the "
             "campaign, so it is not known yet")
    return pd.DataFrame.from_dict(rows, orient="index")


def _repeat_of_days(orders: metrics.PreparedOrders, days: pd.DatetimeIndex, repeat_days: int,
                    data_last: pd.Timestamp) -> tuple[int, int]:
    """(repeaters, cohort) of the new buyers whose first paid day is one of ``days``."""
    with quiet():  # censoring is said by the caller
        r = metrics.repurchase_within_days_from_orders(orders, repeat_days, days.min(), days.max(),
                                                       data_end=data_last, cohort_days=days)
    return r.numerator, r.denominator


def find_drivers(activity: pd.DataFrame, frames: Frames, campaign: Campaign, windows: Windows,
                 by: str = "category", n: int = 5) -> pd.DataFrame:
    """Which categories or products the extra sales came from, and which lost share.

    Formulas: lift = event sales per day / pre-period sales per day - 1; share of increase =
    the item's extra sales per day / the shop's; share change = its share of event sales -
    its share of pre-period sales (a difference of fractions). Items that lost share while
    the shop grew were cannibalised by the campaign's products.

    Returns
    -------
    Frame (``by`` = "category": every category, biggest share of the increase first;
    "product": the ``n`` biggest contributors and the ``n`` biggest losers of share, by
    title) with pre_sales_per_day, event_sales_per_day (yuan), lift, share_of_increase and
    share_change.
    """
    clean = clean_pre_days(windows)
    n_pre = int(clean.sum()) if len(clean) else 0
    cols = ["pre_sales_per_day", "event_sales_per_day", "lift", "share_of_increase", "share_change"]
    if activity.empty or n_pre == 0 or windows.event is None:
        return pd.DataFrame(columns=cols)
    key = "category" if by == "category" else "title"
    g = activity.groupby(activity[key].fillna("?"))[["pre_sales", "event_sales"]].sum()
    out = pd.DataFrame({"pre_sales_per_day": g["pre_sales"] / n_pre,
                        "event_sales_per_day": g["event_sales"] / windows.event.days})
    delta = out["event_sales_per_day"] - out["pre_sales_per_day"]
    with quiet():  # new items have no pre-period sales
        out["lift"] = metrics.change(out["event_sales_per_day"], out["pre_sales_per_day"])
        out["share_of_increase"] = metrics.share(delta, float(delta.sum()))
        out["share_change"] = (metrics.share(out["event_sales_per_day"])
                               - metrics.share(out["pre_sales_per_day"]))
    out.index.name = by
    if by == "category":
        return out.sort_values("share_of_increase", ascending=False)
    top = out.nlargest(n, "share_of_increase")
    losers = out.drop(top.index).nsmallest(n, "share_change")
    return pd.concat([top, losers[losers["share_change"] < 0]])
