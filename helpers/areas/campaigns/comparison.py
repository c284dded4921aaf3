"""Every campaign of the shop side by side, each computed exactly as in its own postmortem.

口径 used here
--------------
The same baseline length, post-period, model and cost definitions for every campaign that
has started by the data's last day (:func:`summarize_campaign`). **Last year's edition**:
the campaign with the same mechanic that started 330..400 days earlier, the closest to 364
days (weekday-aligned).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from helpers.areas.campaigns.campaign import (
    LAST_YEAR_DAYS,
    Campaign,
    campaign_windows,
    get_campaign,
)
from helpers.areas.campaigns.frames import Frames
from helpers.areas.campaigns.profit import compute_profit
from helpers.areas.campaigns.refunds import compare_refunds
from helpers.areas.campaigns.uplift import estimate_uplift, summarize_pull_forward
from helpers.core.notes import note, quiet

LAST_YEAR_GAP_DAYS = (330, 400)  # start-to-start days within which a campaign is last year's edition
COMPARISON_COLUMNS = ["name", "mechanic", "start", "end", "event_sales", "effect", "effect_low",
                      "effect_high", "relative", "relative_low", "relative_high", "p_real",
                      "net_effect", "pull_forward_share", "discount_cost", "extra_ad_spend",
                      "budget", "profit", "roi", "incremental_new_buyers", "cost_per_new_buyer",
                      "refund_vs_normal"]
ROLES = ("this", "last_year", "other")


def find_last_year(campaigns: pd.DataFrame, campaign: Campaign) -> str | None:
    """The same event last year: same mechanic, starting 330..400 days earlier (closest to 364)."""
    gap = (campaign.start - campaigns["start"]).dt.days
    same = campaigns[(campaigns["mechanic"] == campaign.mechanic) & gap.between(*LAST_YEAR_GAP_DAYS)]
    if same.empty:
        return None
    return str(same.loc[(gap[same.index] - LAST_YEAR_DAYS).abs().idxmin(), "campaign_id"])


def summarize_campaign(frames: Frames, campaign: Campaign, *, pre_days: int = 56,
                       post_days: int = 14, model: str = "regression",
                       confidence: float = 0.95) -> dict[str, Any]:
    """One campaign's headline figures, computed exactly as in its own postmortem.

    Returns
    -------
    dict with the keys of :data:`COMPARISON_COLUMNS` (yuan, fractions and ratios as in the
    postmortem; NaN where a figure cannot be had).
    """
    windows = campaign_windows(campaign, frames.data_first, frames.data_last, pre_days, post_days,
                               frames.campaigns)
    impact = estimate_uplift(frames, campaign, windows, model=model, confidence=confidence)
    pull = summarize_pull_forward(impact)
    refunds = compare_refunds(frames, campaign, windows)
    profit = compute_profit(frames, campaign, windows, impact, refunds)
    row = {"name": campaign.name, "mechanic": campaign.mechanic, "start": campaign.start,
           "end": campaign.end,
           "event_sales": impact.value("event", "actual") if impact.ok else (
               float(frames.daily.loc[windows.event.start:windows.event.end, "sales"].sum())
               if windows.event is not None else float("nan"))}
    for key in ("effect", "effect_low", "effect_high", "relative", "relative_low", "relative_high",
                "p_real"):
        row[key] = impact.value("event", key)
    row["net_effect"] = impact.value("window", "effect")
    row["pull_forward_share"] = float(pull.loc["pull_forward_share", "effect"])
    for item in ("discount_cost", "extra_ad_spend", "budget", "profit"):
        row[item] = profit.value(item)
    row["roi"] = profit.roi
    row["incremental_new_buyers"] = profit.new_buyers["incremental"]
    row["cost_per_new_buyer"] = profit.cost_per_new_buyer
    row["refund_vs_normal"] = (float(refunds.loc["campaign_lines", "vs_normal"])
                               if "campaign_lines" in refunds.index else float("nan"))
    return row


def compare_campaigns(frames: Frames, campaign: Campaign, *, pre_days: int = 56, post_days: int = 14,
                      model: str = "regression", confidence: float = 0.95) -> pd.DataFrame:
    """Every campaign of the data that has started, on the same definitions (see
    :func:`summarize_campaign`), with ``role`` = this / last_year / other.

    Returns
    -------
    Frame indexed by campaign_id with role and :data:`COMPARISON_COLUMNS`. Campaigns that
    cannot be estimated keep NaN figures; one note names them.
    """
    rows, failed = {}, []
    last_year = find_last_year(frames.campaigns, campaign)
    for cid in frames.campaigns["campaign_id"].astype(str):
        c = get_campaign(frames.campaigns, cid)
        if c.start > frames.data_last or c.end < frames.data_first:
            continue
        with quiet():  # each has its own report
            row = summarize_campaign(frames, c, pre_days=pre_days, post_days=post_days, model=model,
                                     confidence=confidence)
        if pd.isna(row["effect"]):
            failed.append(cid)
        row["role"] = "this" if cid == campaign.campaign_id else (
            "last_year" if cid == last_year else "other")
        rows[cid] = row
    if failed:
        ids = ", ".join(failed)
        note(f"{ids} 没有增量估计（基期太短或没有数据），其数字显示为 —",
             f"no uplift for {ids} (pre-period too short or no data): their figures show as —")
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=["role", *COMPARISON_COLUMNS])
    table.index.name = "campaign_id"
    return table
