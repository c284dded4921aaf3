"""Tests for helpers.areas.market.findings: the verdicts behind the sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.market import findings
from helpers.core.findings import NOT_ENOUGH_DATA


@pytest.mark.parametrize(("hhi", "verdict"), [
    (0.0, "unconcentrated"), (1499.9, "unconcentrated"), (1500.0, "moderately_concentrated"),
    (2500.0, "moderately_concentrated"), (2500.1, "highly_concentrated"), (10000.0, "highly_concentrated"),
    (float("nan"), NOT_ENOUGH_DATA), (None, NOT_ENOUGH_DATA)])
def test_hhi_levels_follow_the_merger_guidelines(hhi, verdict):
    assert findings.hhi_level(hhi) == verdict
    found = findings.judge_concentration(hhi, "2026-10")
    assert (found.rule, found.subject, found.verdict) == ("market.concentration", "2026-10", verdict)


def _size(shares, sales=None, partial_last=True) -> pd.DataFrame:
    n = len(shares)
    return pd.DataFrame({"sales": sales if sales is not None else [100.0] * n, "own_share": shares,
                         "partial": [False] * (n - 1) + [partial_last]},
                        index=pd.date_range("2025-01-01", periods=n, freq="MS"))


def test_own_share_is_judged_on_the_last_full_month():
    gaining = findings.judge_own_share(_size([0.05, 0.06, 0.07, 0.01]))  # three full months, the minimum
    assert gaining.verdict == "gaining" and gaining.subject == "2025-03"
    assert gaining.evidence["share"] == 0.07 and gaining.evidence["share_then"] == 0.05
    assert findings.judge_own_share(_size([0.05, 0.05, 0.04, 0.9])).verdict == "not_keeping_up"
    assert findings.judge_own_share(_size([0.05] * 4, [0.0] * 4)).verdict == NOT_ENOUGH_DATA
    assert not findings.judge_own_share(_size([0.05], partial_last=True)).enough_data


def test_newcomers_need_five_percent_of_sales():
    entries = pd.DataFrame({"entrant_share": [0.0] * 12 + [0.05, 0.049, np.nan]},
                           index=pd.date_range("2025-01-01", periods=15, freq="MS"))
    months = entries.index
    assert findings.judge_newcomers(entries, months[12]).verdict == "open"
    assert findings.judge_newcomers(entries, months[13]).verdict == "closed"
    assert findings.judge_newcomers(entries, months[14]).verdict == NOT_ENOUGH_DATA


def test_band_supply_names_the_band_and_its_ratio_to_the_median():
    bands = pd.DataFrame({"sales": [10.0, 90.0, 30.0], "listing_months": [5, 5, 2],
                          "demand_per_listing": [2.0, 18.0, 15.0]}, index=["<100", "100-200", "≥200"])
    supply = findings.judge_band_supply(bands)
    assert (supply.rule, supply.subject, supply.verdict) == ("market.band_supply", "100-200", "under_supplied")
    assert supply.evidence["ratio"] == pytest.approx(18.0 / 15.0)
    assert supply.evidence["top_band"] == "100-200"
    assert findings.judge_band_supply(bands.assign(listing_months=1)).verdict == NOT_ENOUGH_DATA


def test_best_opening_is_the_first_scored_segment():
    scored = pd.DataFrame({"category": ["a", "b", "c"], "band": ["<10", "≥10", "<10"],
                           "opportunity_score": [80.0, 40.0, 20.0], "demand_rank": [2, 1, 3]})
    best = findings.best_opening(scored)
    assert best.subject == "a <10" and best.evidence["segments"] == 3 and best.evidence["demand_rank"] == 2
    assert findings.best_opening(scored.iloc[:0]).verdict == NOT_ENOUGH_DATA
