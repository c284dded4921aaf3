"""Market findings: the rules that turn the figures into verdicts, as data.

Each rule returns a :class:`helpers.core.findings.Finding`; :mod:`helpers.areas.market.sentences`
turns them into words. Rules and their thresholds:

- ``market.concentration``: HHI below ``HHI_MODERATE`` (1500) is unconcentrated, up to
  ``HHI_HIGH`` (2500) moderately, above it highly concentrated (US merger guidelines).
- ``market.own_share``: our share in the last full month against the first month: gaining
  when higher.
- ``market.newcomers``: open when listings that entered in the last 12 months take at least
  ``ENTRANT_SHARE_OPEN`` (5%) of the last full month's sales.
- ``market.band_supply``: the under-supplied band (:func:`helpers.areas.market.bands.under_supplied_band`)
  with its demand per listing against the median band's.
- ``market.opportunity``: the best-scored segment.
"""

from __future__ import annotations

import math

import pandas as pd

from helpers.areas.market.bands import MIN_BAND_LISTING_MONTHS, top_band, under_supplied_band
from helpers.areas.market.size import month_label
from helpers.core.findings import NOT_ENOUGH_DATA, Finding, not_enough_data

HHI_MODERATE, HHI_HIGH = 1500, 2500
ENTRANT_SHARE_OPEN = 0.05


def hhi_level(hhi: float | None) -> str:
    """The verdict for an HHI (points): ``unconcentrated`` (< 1500), ``moderately_concentrated``
    (1500-2500), ``highly_concentrated`` (> 2500), or ``not_enough_data`` when it is missing."""
    if hhi is None or math.isnan(hhi):
        return NOT_ENOUGH_DATA
    if hhi < HHI_MODERATE:
        return "unconcentrated"
    if hhi <= HHI_HIGH:
        return "moderately_concentrated"
    return "highly_concentrated"


def judge_concentration(hhi: float, subject: str) -> Finding:
    """``market.concentration`` of one market or segment: its :func:`hhi_level`."""
    return Finding("market.concentration", subject, hhi_level(hhi), {"hhi": hhi})


def _last_full(size: pd.DataFrame) -> pd.DataFrame:
    return size[~size["partial"]]


def judge_own_share(size: pd.DataFrame) -> Finding:
    """``market.own_share``: ``gaining`` when our share of the last full month is above the
    first month's, else ``not_keeping_up``; ``not_enough_data`` without a full month with sales.

    Evidence: month, share, first_month, share_then (fractions), sales (元, the last full month).
    """
    full = _last_full(size)
    if full.empty or not full["sales"].sum() > 0:
        return not_enough_data("market.own_share", "", full_months=len(full))
    m = full.index[-1]
    share, then = full.loc[m, "own_share"], full["own_share"].iloc[0]
    return Finding("market.own_share", month_label(m), "gaining" if share > then else "not_keeping_up",
                   {"month": m, "share": share, "first_month": full.index[0], "share_then": then,
                    "sales": full.loc[m, "sales"]})


def judge_newcomers(entries: pd.DataFrame, month) -> Finding:
    """``market.newcomers`` in ``month``: ``open`` when the entrant share is at least
    ``ENTRANT_SHARE_OPEN``, else ``closed``; ``not_enough_data`` when it is missing."""
    share = entries.loc[month, "entrant_share"]
    if pd.isna(share):
        return not_enough_data("market.newcomers", month_label(month))
    return Finding("market.newcomers", month_label(month), "open" if share >= ENTRANT_SHARE_OPEN else "closed",
                   {"entrant_share": share, "threshold": ENTRANT_SHARE_OPEN})


def judge_band_supply(bands: pd.DataFrame) -> Finding:
    """``market.band_supply``: the under-supplied band (the subject) and how far its demand per
    listing is above the median band's (``ratio`` = its demand per listing / the median).

    ``not_enough_data`` when no band has ``MIN_BAND_LISTING_MONTHS`` listing-months.
    Evidence also names the top band (most sales).
    """
    under = under_supplied_band(bands)
    if under is None:
        return not_enough_data("market.band_supply", "", min_listing_months=MIN_BAND_LISTING_MONTHS)
    demand = bands.loc[under, "demand_per_listing"]
    median = bands["demand_per_listing"].median()
    return Finding("market.band_supply", under, "under_supplied",
                   {"demand_per_listing": demand, "median_demand_per_listing": median, "ratio": demand / median,
                    "top_band": top_band(bands)})


def best_opening(scored: pd.DataFrame) -> Finding:
    """``market.opportunity``: the best-scored segment of :func:`helpers.areas.market.opportunity.score_opportunities`
    (``not_enough_data`` when none was scored). Evidence: category, band, score, demand_rank,
    segments (how many were scored)."""
    if scored.empty:
        return not_enough_data("market.opportunity", "")
    top = scored.iloc[0]
    return Finding("market.opportunity", f"{top['category']} {top['band']}", "best_opening",
                   {"category": top["category"], "band": top["band"], "score": top["opportunity_score"],
                    "demand_rank": int(top["demand_rank"]), "segments": len(scored)})
