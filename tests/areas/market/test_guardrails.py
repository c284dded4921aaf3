"""Guardrails on the market's conclusions (issue 23), each on a market built to trip it: fake
orders out of size and rankings, intervals widened by extrapolation, entry judged against the
entrants' ranks, and no verdict below a rule's minimum sample."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from helpers.areas.market import competition, findings, sellers, sentences, size
from helpers.areas.market.calibration import Calibration, widen_for_extrapolation
from helpers.core.findings import NOT_ENOUGH_DATA
from helpers.core.notes import caught
from tests.areas.market.small import row, write_market

MONTHS = [f"{m:%Y-%m-%d}" for m in pd.date_range("2025-01-01", periods=8, freq="MS")]


def _faking_market(tmp_path):
    """Four honest shops and shop F, whose trade index and units triple from the 5th month on
    while its traffic stays flat (刷单)."""
    rows = []
    for k, m in enumerate(MONTHS):
        for shop, units in (("A", 100), ("B", 90), ("C", 80), ("D", 70)):
            u = units + k
            rows.append(row(m, shop, shop.lower(), u, traffic_index=float(u * 10)))
        fake = 3 if k >= 4 else 1
        rows.append(row(m, "F", "f", 60 * fake, traffic_index=600.0))
    return write_market(tmp_path, rows)


def test_fake_orders_are_left_out_of_size_and_rankings_unless_included(tmp_path):
    s = size.listing_sales(_faking_market(tmp_path), None, "c")
    flags = competition.flag_fake_orders(s)
    assert flags.index[flags["flagged"]].tolist() == ["f"]
    with caught() as found:
        clean, summary = competition.drop_fake_orders(s, flags)
    # F's months from the step on (4 months × 180 units × ¥100) are out, its honest months stay in
    assert summary == {"included": False, "listings": 1, "listing_months": 4, "sales": 72_000.0,
                       "share": pytest.approx(72_000 / 379_200)}  # ¥283,200 honest + ¥96,000 of F
    assert any("4 listing-months of 1 listings suspected of fake orders" in n.en for n in found)
    monthly = size.market_size(clean, None, "2025-08-31")
    assert monthly["sales"].iloc[-1] == 100 * (107 + 97 + 87 + 77)  # no F in August
    assert monthly["sales"].iloc[0] == 100 * (100 + 90 + 80 + 70 + 60)  # F's honest January stays
    ranked = sellers.rank_sellers(clean, "shop", [pd.Timestamp(m).date() for m in MONTHS[4:]])
    assert "F" not in ranked.index and ranked.index[0] == "A"
    kept, counted = competition.drop_fake_orders(s, flags, include=True)
    assert counted["included"] and counted["listing_months"] == 4
    assert sellers.rank_sellers(kept, "shop", [pd.Timestamp(m).date() for m in MONTHS[4:]]).index[0] == "F"
    zh, en = (sentences.describe_fake_orders(summary, lang) for lang in ("zh", "en"))
    assert "已剔除 1 个疑似刷单商品的 4 个商品月" in zh and "include_fake_orders" in zh
    assert en.startswith("1 listings suspected of fake orders are left out: 4 listing-months")


def test_the_interval_widens_by_the_extrapolated_share(tmp_path):
    """Index 800 lies beyond the calibration's range (10-500): its share of the estimate widens
    the half-width by 1 / (1 - share)."""
    rows = [row("2025-01-01", "A", "1", 10, index=50.0), row("2025-01-01", "B", "2", None, index=200.0),
            row("2025-01-01", "C", "3", None, index=800.0)]
    cal = Calibration(alpha=0.5, beta=1.1, cov=((0.01, -0.001), (-0.001, 0.0002)), sigma=0.2, n=30, r2=0.99,
                      index_min=10.0, index_max=500.0, loo_coverage=0.9, confidence=0.8)
    monthly = size.market_size(size.listing_sales(write_market(tmp_path, rows), cal, "c"), cal, "2025-01-31", 0.8)
    lx = np.log([200.0, 800.0])
    est = np.exp(cal.alpha + cal.beta * lx + cal.sigma**2 / 2)
    s1, sx, s2 = est.sum(), (est * lx).sum(), (est**2).sum()
    sd = np.sqrt(s2 * np.expm1(cal.sigma**2) + s1**2 * 0.01 + 2 * s1 * sx * -0.001 + sx**2 * 0.0002)
    ext = est[1] / s1
    assert monthly["extrapolated_share"].iloc[0] == pytest.approx(ext)
    half = NormalDist().inv_cdf(0.9) * sd / (1 - ext)
    assert monthly["sales_high"].iloc[0] - monthly["sales"].iloc[0] == pytest.approx(half, rel=1e-9)
    zh = sentences.describe_size(monthly, {"growth": float("nan")}, "c", cal, "zh")
    assert f"估算中 {ext:.2%} 超出本店指数范围" in zh
    assert widen_for_extrapolation(0.05, 0.466) == pytest.approx(0.05 / 0.534)
    assert np.isnan(widen_for_extrapolation(0.05, 1.0))  # all extrapolated: no upper end


def test_the_per_listing_error_is_widened_and_the_extrapolated_share_said():
    cal = Calibration(alpha=0.0, beta=1.5, cov=((0.0, 0.0), (0.0, 0.0)), sigma=0.03, n=100, r2=0.999,
                      index_min=10.0, index_max=100.0, loo_coverage=0.9, confidence=0.9)
    flags = pd.DataFrame(columns=["shop", "flagged"])
    zh, en = (sentences.describe_calibration(cal, flags, 0.466, lang) for lang in ("zh", "en"))
    inside = np.expm1(cal.t_crit * cal.sigma)
    assert f"±{inside:.0%}" in zh and "46.6%" in zh and f"±{inside / 0.534:.0%}" in zh
    assert "46.6% of competitors' index values lie beyond that range" in en


def _entries(months: int, share: float) -> pd.DataFrame:
    return pd.DataFrame({"entrant_share": [share] * months},
                        index=pd.date_range("2025-01-01", periods=months, freq="MS"))


def test_entry_is_not_called_hard_when_an_entrant_ranks_second(tmp_path):
    rows = []
    for k, m in enumerate(pd.date_range("2025-01-01", periods=14, freq="MS")):
        rows += [row(f"{m:%Y-%m-%d}", "Old1", "o1", 100), row(f"{m:%Y-%m-%d}", "Old2", "o2", 20),
                 row(f"{m:%Y-%m-%d}", "Old3", "o3", 10)]
        if k >= 1:  # the newcomer's listing arrives in the 2nd month and takes #2
            rows.append(row(f"{m:%Y-%m-%d}", "New", "n1", 50))
    s = size.listing_sales(write_market(tmp_path, rows), None, "c")
    months = [d.date() for d in pd.date_range("2025-03-01", periods=12, freq="MS")]
    entrants = sellers.rank_entrants(s, months)
    assert entrants.index.tolist() == ["New"] and entrants.loc["New", "rank"] == 2
    entries = _entries(14, 0.0)  # its listing is older than 12 months: the entrant share alone says "closed"
    last = entries.index[-1]
    assert findings.judge_newcomers(entries, last).verdict == "closed"
    found = findings.judge_newcomers(entries, last, entrants)
    assert found.verdict == "open" and found.evidence["shop"] == "New" and found.evidence["rank"] == 2
    conc = pd.DataFrame({"sellers": [4], "cr5": [1.0], "hhi": [4000.0]}, index=[last])
    size_frame = pd.DataFrame({"partial": [False]}, index=[last])
    shops = pd.DataFrame({"share": [0.5]}, index=["Old1"])
    zh, en = (sentences.describe_concentration(conc, entries, size_frame, shops, entrants, lang) for lang in ("zh", "en"))
    assert "很难" not in zh and "已排第 2" in zh and "2025-02 才进入的 New" in zh
    assert "hard" not in en and "New, which entered in 2025-02, already ranks #2" in en


def test_every_verdict_needs_its_minimum_sample():
    assert findings.judge_newcomers(_entries(12, 0.5), pd.Timestamp("2025-12-01")).verdict == NOT_ENOUGH_DATA
    assert findings.judge_newcomers(_entries(13, 0.5), pd.Timestamp("2026-01-01")).verdict == "open"
    two = pd.DataFrame({"sales": [100.0, 100.0, 100.0], "own_share": [0.1, 0.2, 0.3], "partial": [False, False, True]},
                       index=pd.date_range("2025-01-01", periods=3, freq="MS"))
    assert findings.judge_own_share(two).verdict == NOT_ENOUGH_DATA  # two full months are no trend
    assert findings.judge_concentration(9000.0, "2025-01", sellers=2).verdict == NOT_ENOUGH_DATA
    assert findings.judge_concentration(9000.0, "2025-01", sellers=3).verdict == "highly_concentrated"
    scored = pd.DataFrame({"category": ["a", "b"], "band": ["<10", "≥10"], "opportunity_score": [80.0, 40.0],
                           "demand_rank": [2, 1]})
    assert findings.best_opening(scored).verdict == NOT_ENOUGH_DATA
    assert "数据不足" in sentences.describe_opportunity(scored, (1, 1, 1), "zh")
    zh = sentences.describe_size(two.assign(sales_low=100.0, sales_high=100.0, estimated_sales=0.0,
                                            extrapolated_share=np.nan), {"growth": 0.1}, "c", None, "zh")
    assert "本店份额走势：数据不足（2 个完整月，至少要 3 个）" in zh and "份额在扩大" not in zh
