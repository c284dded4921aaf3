"""Refunds after a campaign: the campaign lines' refund rate against what the same categories
normally return, completed for refunds that have not arrived yet.

口径 used here
--------------
- **Cohort basis**: the refunds of the lines paid in a group of days, whenever they came, by
  value (退款率(金额) = refunds / paid amount of the same lines).
- **Completeness**: the share of a line's refunds expected to have arrived by the data's
  last day, from the shop's own refund delays (whole days between payment and refund), so
  a recent campaign is not flattered by refunds still to come. The **adjusted rate** divides
  refunds by paid amount x completeness.
- **Normal rate**: the clean baseline's lines, per category; the **expected rate** of a group
  weights those per-category rates by the group's sales, so a campaign that sells more of an
  often-returned category is not blamed for it. **vs normal** = adjusted / expected rate;
  **extra refunds** = (adjusted - expected rate) x paid amount (yuan).

The completeness is a step function of the delays' cumulative counts (an empirical CDF of
refund delays weighted by refunded lines), written out because the delays arrive already
counted per day from the engine; ``numpy.searchsorted`` reads it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.areas.campaigns.campaign import Campaign, Windows, baseline_days
from helpers.areas.campaigns.frames import Frames
from helpers.areas.campaigns.model import safe_div
from helpers.core import metrics
from helpers.core.notes import note, quiet

REFUND_COLUMNS = ["lines", "paid", "refund_amount", "refund_lines", "refund_rate", "refund_lines_rate",
                  "completeness", "refund_rate_adjusted", "expected_rate", "vs_normal", "extra_refunds"]
COMPLETE_ENOUGH = 0.9  # below this share of the window's refunds arrived, a note says they were filled in


def refund_completeness(delays: pd.Series | None, days_elapsed: np.ndarray | pd.Series) -> np.ndarray:
    """Share of a line's refunds that have arrived ``days_elapsed`` whole days after payment.

    Formula: F(k) = refunded lines with delay <= k / all refunded lines, from the shop's own
    refund delays (``delays``: refunded lines per whole day of delay); 0 before the first
    delay, 1 once more days have passed than any refund took, and 1 everywhere when the shop
    has no refunds.
    """
    if delays is None or delays.sum() == 0:
        return np.ones(len(np.atleast_1d(days_elapsed)))
    cdf = delays.sort_index().cumsum() / delays.sum()
    k = np.asarray(days_elapsed, dtype=float)
    pos = np.searchsorted(cdf.index.to_numpy(dtype=float), k, side="right") - 1
    return np.where(pos >= 0, cdf.to_numpy()[np.clip(pos, 0, len(cdf) - 1)], 0.0)


def compare_refunds(frames: Frames, campaign: Campaign, windows: Windows) -> pd.DataFrame:
    """Refunds of the campaign's lines and of the window's lines against the normal rate.

    Returns
    -------
    Frame indexed by normal / campaign_lines / window_lines with lines, paid (yuan),
    refund_amount (yuan), refund_lines, refund_rate (by value), refund_lines_rate,
    completeness, refund_rate_adjusted, expected_rate, vs_normal (adjusted / expected
    rate) and extra_refunds (yuan: (adjusted - expected rate) x paid). Empty when the data
    has no refunds table. Notes say when there is no normal rate, no campaign line, or less
    than :data:`COMPLETE_ENOUGH` of the window's refunds have arrived.
    """
    if frames.refund_cohorts is None or windows.window is None:
        return pd.DataFrame(columns=REFUND_COLUMNS)
    cid = campaign.campaign_id
    rc = frames.refund_cohorts.copy()
    elapsed = (frames.data_last - rc["date"]).dt.days.to_numpy()
    rc["expected_share"] = rc["paid"].to_numpy() * refund_completeness(frames.refund_delays, elapsed)
    groups = {"normal": rc[rc["date"].isin(baseline_days(windows))]}
    window = windows.window
    inside = rc[(rc["date"] >= window.start) & (rc["date"] <= window.end)]
    groups["campaign_lines"] = inside[inside["campaign_id"] == cid]
    groups["window_lines"] = inside
    normal = groups["normal"].groupby("category")[["refund_amount", "expected_share"]].sum()
    overall = safe_div(normal["refund_amount"].sum(), normal["expected_share"].sum())
    by_category = (normal["refund_amount"] / normal["expected_share"].where(normal["expected_share"] > 0))
    if pd.isna(overall):
        note(f"{cid} 的退款：活动前基期没有已支付订单行，没有平时退款率可比 → —",
             f"refunds of {cid}: the pre-period has no paid lines, so there is no normal refund rate "
             "to compare with -> NaN")
    rows = {}
    for name, g in groups.items():
        paid, refunds = float(g["paid"].sum()), float(g["refund_amount"].sum())
        expected_share = float(g["expected_share"].sum())
        per_cat = g.groupby("category")["paid"].sum()
        rates = by_category.reindex(per_cat.index).fillna(overall)
        with quiet():  # an empty group is shown as —
            rate = metrics.refund_rate_by_value(refunds, paid)
            lines_rate = metrics.refund_rate_by_count(float(g["refund_lines"].sum()), float(g["lines"].sum()))
        adjusted = safe_div(refunds, expected_share)
        expected = safe_div(float((per_cat * rates).sum()), paid)
        rows[name] = {"lines": float(g["lines"].sum()), "paid": paid, "refund_amount": refunds,
                      "refund_lines": float(g["refund_lines"].sum()), "refund_rate": rate,
                      "refund_lines_rate": lines_rate,
                      "completeness": safe_div(expected_share, paid),
                      "refund_rate_adjusted": adjusted, "expected_rate": expected,
                      "vs_normal": safe_div(adjusted, expected),
                      "extra_refunds": paid * (adjusted - expected) if paid else 0.0}
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=REFUND_COLUMNS)
    if table.loc["campaign_lines", "lines"] == 0:
        note(f"{cid} 的退款：没有订单行带这个活动ID，活动订单的退款率为空",
             f"refunds of {cid}: no order line carries this campaign id, so the campaign lines' "
             "refund rate is empty")
    arrived = table.loc["window_lines", "completeness"]
    if arrived < COMPLETE_ENOUGH:
        note(f"{cid} 的退款：到数据最后一天，活动周期的退款预计只到了 {arrived:.0%}；"
             "补齐后的退款率按本店平常的退款时间补上其余部分",
             f"refunds of {cid}: only {arrived:.0%} of the window's refunds are expected to have "
             "arrived by the data's last day; the adjusted rate fills in the rest from the shop's "
             "usual refund delays")
    return table


def daily_refunds(frames: Frames, windows: Windows, after_days: int = 21) -> pd.DataFrame:
    """Refunds per refund day from the pre-period to ``after_days`` after the window, with the
    pre-period's mean per day as the normal level (the refund wave after a campaign).

    Returns
    -------
    Frame indexed by date with refund_amount and normal (yuan per day); empty without a
    refunds table or a window.
    """
    if frames.refunds_daily is None or windows.window is None:
        return pd.DataFrame(columns=["refund_amount", "normal"])
    start = windows.pre.start if windows.pre is not None else windows.window.start
    end = min(windows.window.end + pd.Timedelta(days=after_days), frames.data_last)
    days = pd.date_range(start, end)
    out = pd.DataFrame({"refund_amount": frames.refunds_daily.reindex(days).fillna(0.0)})
    out.index.name = "date"
    pre = out.loc[out.index < windows.window.start, "refund_amount"]
    out["normal"] = pre.mean() if len(pre) else np.nan
    return out
