"""Market findings: the rules that turn the figures into verdicts, as data.

Each rule returns a :class:`helpers.core.findings.Finding`; :mod:`helpers.areas.market.sentences`
turns them into words. Rules and their thresholds:

- ``market.concentration``: HHI below ``HHI_MODERATE`` (1500) is unconcentrated, up to
  ``HHI_HIGH`` (2500) moderately, above it highly concentrated (US merger guidelines); at
  least ``MIN_SELLERS`` (3) sellers with sales.
- ``market.own_share``: our share in the last full month against the first month: gaining
  when higher; at least ``MIN_SHARE_MONTHS`` (3) full months.
- ``market.newcomers``: open when a shop that entered during the data ranks in the top
  ``ENTRANT_TOP_RANK`` (5) shops, or listings that entered in the last 12 months take at least
  ``ENTRANT_SHARE_OPEN`` (5%) of the last full month's sales; closed only when neither holds.
  Needs ``MIN_ENTRY_MONTHS`` (13) months of data up to the month (12 months of entries and
  one before them).
- ``market.band_supply``: the under-supplied band (:func:`helpers.areas.market.bands.under_supplied_band`)
  with its demand per listing against the median band's; at least ``MIN_BAND_LISTING_MONTHS``
  listing-months in a band.
- ``market.opportunity``: the best-scored segment, among at least ``MIN_SEGMENTS`` (3).

Below its minimum a rule returns ``not_enough_data`` with the counts it had, and the
sentences say "not enough data yet".
"""

from __future__ import annotations

import math

import pandas as pd

from helpers.areas.market.bands import MIN_BAND_LISTING_MONTHS, top_band, under_supplied_band
from helpers.areas.market.size import month_label
from helpers.core.findings import NOT_ENOUGH_DATA, Finding, not_enough_data

HHI_MODERATE, HHI_HIGH = 1500, 2500
MIN_SELLERS = 3  # sellers with sales before a market's concentration is judged
MIN_SHARE_MONTHS = 3  # full months before our share's trend is judged
ENTRANT_SHARE_OPEN = 0.05
ENTRANT_TOP_RANK = 5  # a shop that entered during the data and ranks this high shows entry is possible
MIN_ENTRY_MONTHS = 13  # 12 months of entries and one month before them
MIN_SEGMENTS = 3  # segments scored before one is called the best opening


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


def judge_concentration(hhi: float, subject: str, sellers: int | None = None) -> Finding:
    """``market.concentration`` of one market or segment: its :func:`hhi_level`;
    ``not_enough_data`` when ``sellers`` (with sales; None: not checked) is below ``MIN_SELLERS``."""
    if sellers is not None and sellers < MIN_SELLERS:
        return not_enough_data("market.concentration", subject, sellers=sellers, min_sellers=MIN_SELLERS)
    return Finding("market.concentration", subject, hhi_level(hhi), {"hhi": hhi})


def _last_full(size: pd.DataFrame) -> pd.DataFrame:
    return size[~size["partial"]]


def judge_own_share(size: pd.DataFrame) -> Finding:
    """``market.own_share``: ``gaining`` when our share of the last full month is above the
    first month's, else ``not_keeping_up``; ``not_enough_data`` with fewer than
    ``MIN_SHARE_MONTHS`` full months or without sales in the last one.

    Evidence: month, share, first_month, share_then (fractions), sales (元, the last full month).
    """
    full = _last_full(size)
    if len(full) < MIN_SHARE_MONTHS or not full["sales"].iloc[-1] > 0:
        return not_enough_data("market.own_share", "", full_months=len(full), min_months=MIN_SHARE_MONTHS)
    m = full.index[-1]
    share, then = full.loc[m, "own_share"], full["own_share"].iloc[0]
    return Finding("market.own_share", month_label(m), "gaining" if share > then else "not_keeping_up",
                   {"month": m, "share": share, "first_month": full.index[0], "share_then": then,
                    "sales": full.loc[m, "sales"]})


def judge_newcomers(entries: pd.DataFrame, month, entrants: pd.DataFrame | None = None) -> Finding:
    """``market.newcomers`` in ``month``: can a newcomer win share?

    ``open`` when a shop that entered during the data ranks in the top ``ENTRANT_TOP_RANK``
    (the data shows entry working, whatever the entrant share says) or when the entrant share
    is at least ``ENTRANT_SHARE_OPEN``; ``closed`` only when neither holds;
    ``not_enough_data`` with fewer than ``MIN_ENTRY_MONTHS`` months up to ``month`` or
    without an entrant share.

    Parameters
    ----------
    entries : :func:`helpers.areas.market.sellers.entry_and_exit`.
    month : the month judged (first day).
    entrants : :func:`helpers.areas.market.sellers.rank_entrants` (shops that entered during
        the data, with their rank among all shops); None or empty: none entered.

    Evidence: entrant_share, threshold, months, and for an entrant in the top ranks its shop,
    rank, share and first_month (the best ranked one).
    """
    subject = month_label(month)
    months = int((entries.index <= month).sum())
    share = entries.loc[month, "entrant_share"]
    if months < MIN_ENTRY_MONTHS or pd.isna(share):
        return not_enough_data("market.newcomers", subject, months=months, min_months=MIN_ENTRY_MONTHS)
    evidence = {"entrant_share": share, "threshold": ENTRANT_SHARE_OPEN, "months": months}
    top = entrants[entrants["rank"] <= ENTRANT_TOP_RANK] if entrants is not None and len(entrants) else None
    if top is not None and len(top):
        best = top.sort_values("rank").iloc[0]
        evidence.update(shop=top.sort_values("rank").index[0], rank=int(best["rank"]), share=best["share"],
                        first_month=best["first_month"], top_rank=ENTRANT_TOP_RANK)
        return Finding("market.newcomers", subject, "open", evidence)
    return Finding("market.newcomers", subject, "open" if share >= ENTRANT_SHARE_OPEN else "closed", evidence)


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
    (``not_enough_data`` when fewer than ``MIN_SEGMENTS`` were scored: a percentile rank among
    one or two says nothing). Evidence: category, band, score, demand_rank, segments (how many
    were scored)."""
    if len(scored) < MIN_SEGMENTS:
        return not_enough_data("market.opportunity", "", segments=len(scored), min_segments=MIN_SEGMENTS)
    top = scored.iloc[0]
    return Finding("market.opportunity", f"{top['category']} {top['band']}", "best_opening",
                   {"category": top["category"], "band": top["band"], "score": top["opportunity_score"],
                    "demand_rank": int(top["demand_rank"]), "segments": len(scored)})
