"""How the mechanic worked: order size, discount depth and bunching at a threshold (凑单)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.areas.campaigns.mechanics import (
    BUNCH_Z,
    analyse_mechanics,
    bunching_profile,
    measure_bunching,
    order_value_histogram,
)
from helpers.areas.campaigns.sentences import describe_mechanics
from helpers.areas.campaigns.tables import mechanics_table, profile_table
from helpers.core.notes import quiet
from tests.areas.campaigns.sample_shop import THRESHOLD_CAMPAIGNS, windows_for
from tests.xlsx_checks import assert_sheet_holds_numbers


def _histogram(baseline: dict[int, float], event: dict[int, float], top: int = 400) -> pd.DataFrame:
    hist = pd.DataFrame(0.0, index=range(top + 1), columns=["baseline", "event"])
    for col, counts in (("baseline", baseline), ("event", event)):
        for value, n in counts.items():
            hist.loc[value, col] = n
    return hist


def test_bunching_is_the_haldane_odds_ratio_and_its_wald_z():
    """statsmodels' Table2x2 on counts + ½ gives the odds ratio and z the postmortem wrote out
    by hand before: log OR = log((a₁+½)/(b₁+½)) - log((a₀+½)/(b₀+½)), se = sqrt(Σ 1/(n+½))."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        a1, b1, a0, b0 = (int(x) for x in rng.integers(0, 400, 4))
        hist = _histogram({150: b0, 220: a0}, {150: b1, 220: a1})  # T = 200: [140, 200) and [200, 260)
        r = measure_bunching(hist, 200)
        log_or = math.log((a1 + 0.5) / (b1 + 0.5)) - math.log((a0 + 0.5) / (b0 + 0.5))
        se = math.sqrt(1 / (a1 + 0.5) + 1 / (b1 + 0.5) + 1 / (a0 + 0.5) + 1 / (b0 + 0.5))
        np.testing.assert_allclose(r["ratio"], math.exp(log_or), rtol=1e-12)
        np.testing.assert_allclose(r["z"], log_or / se, rtol=1e-12)
        assert r["detected"] == float(log_or / se >= BUNCH_Z)


def test_bands_are_attributed_by_their_lower_edge():
    hist = _histogram({139: 5, 140: 7, 199: 11, 200: 13, 259: 17, 260: 19, 300: 23},
                      {139: 5, 140: 7, 199: 11, 200: 13, 259: 17, 260: 19, 300: 23})
    r = measure_bunching(hist, 200)
    total = 5 + 7 + 11 + 13 + 17 + 19 + 23
    assert r["baseline_below_share"] == pytest.approx((7 + 11) / total)  # [140, 200)
    assert r["baseline_above_share"] == pytest.approx((13 + 17) / total)  # [200, 260)
    assert r["baseline_reach_share"] == pytest.approx((13 + 17 + 19 + 23) / total)
    assert r["ratio"] == pytest.approx(1) and r["z"] == pytest.approx(0) and r["detected"] == 0


def test_profile_finds_bunching_at_the_line_only():
    baseline = {v: 10.0 for v in range(100, 400, 5)}
    event = dict(baseline)
    for v in range(140, 200, 5):
        event[v] = 2.0  # buyers just under ¥200 topped up ...
    for v in range(200, 260, 5):
        event[v] = 30.0  # ... to just above it
    profile = bunching_profile(_histogram(baseline, event), 200)
    assert list(profile.index) == [120.0, 150.0, 200.0, 266.0, 334.0]
    assert profile["z"].idxmax() == 200.0 and profile.loc[200.0, "detected"] == 1
    assert profile.loc[profile["multiple"] != 1.0, "detected"].sum() == 0


def test_the_mechanics_table_of_618(shop, frames, june):
    campaign, w, _ = june
    with quiet():
        mech = analyse_mechanics(shop, frames, campaign, w)
    t = mech.table
    assert list(t.columns) == ["baseline", "event", "change"]
    assert t.loc["orders_per_day", "event"] > t.loc["orders_per_day", "baseline"]
    assert t.loc["campaign_order_share", "baseline"] == 0  # no campaign lines before it
    growing = t["baseline"] > 0  # a share that was 0 before the campaign has no relative change
    np.testing.assert_allclose(t.loc[growing, "change"], t.loc[growing, "event"] / t.loc[growing, "baseline"] - 1)
    assert np.isnan(t.loc["campaign_order_share", "change"])
    assert mech.histogram.columns.tolist() == ["baseline", "event"]
    assert mech.histogram["event"].sum() == pytest.approx(t.loc["orders_per_day", "event"] * w.event.days)
    for lang, words in (("en", ("Orders per day", "Effective discount", "Bunching z")),
                        ("zh", ("日均订单数", "实际优惠力度", "集聚检验 z"))):
        html = mechanics_table(mech, lang).to_html() + profile_table(mech, lang).to_html()
        assert all(word in html for word in words), lang
    assert_sheet_holds_numbers(profile_table(mech, "zh"), "threshold profile")  # the lines are numbers
    sheet = mechanics_table(mech, "en").workbook_table  # the XLSX: numbers with each row's format
    per_day = next(i for i, r in enumerate(sheet["rows"]) if r[0] == "Orders per day")
    assert sheet["rows"][per_day][2] == pytest.approx(t.loc["orders_per_day", "event"])
    assert sheet["cell_formats"][per_day][1:] == ["0.00", "0.00", "+0.00%;-0.00%;0.00%"]
    assert "yes" in profile_table(mech, "en").to_html() and "是" in profile_table(mech, "zh").to_html()
    assert "凑单" in describe_mechanics(mech, "zh") and "topped up" in describe_mechanics(mech, "en")


@pytest.mark.recovery
@pytest.mark.parametrize("cid", THRESHOLD_CAMPAIGNS)
def test_bunching_is_found_at_the_true_threshold(mechanics, cid):
    """The generator tops up 55% of the baskets just under a 满减 line: bunching at the line,
    and at no placebo line around it (the line's z is the largest)."""
    m = mechanics[cid]
    assert m.bunching["detected"] == 1 and m.bunching["ratio"] > 2, m.bunching
    assert m.profile["z"].idxmax() == pytest.approx(m.campaign.threshold)
    assert m.profile.loc[m.profile["multiple"] != 1.0, "detected"].sum() == 0


@pytest.mark.recovery
@pytest.mark.parametrize("cid", ("flash-2025-09", "bogo-2026-04"))
def test_no_bunching_without_a_threshold(shop, frames, cid):
    """限时折扣 and 买一送一 have no line: no bunching at the shop's usual lines either."""
    campaign, w = windows_for(frames, cid)
    clean = pd.DatetimeIndex(w.clean_days)
    hist = order_value_histogram(shop, cid, {"baseline": clean,
                                             "event": pd.date_range(w.event.start, w.event.end)}, 800)
    for line in (99, 199, 200, 300):
        assert measure_bunching(hist, line)["detected"] == 0, line


@pytest.mark.recovery
def test_free_shipping_line_shows_excess_in_the_right_direction(mechanics):
    """满99包邮: most orders already clear ¥99, so few buyers top up and the test is weak; the
    excess above the line is there, and the report says the line is too low."""
    m = mechanics["ship-2025-07"]
    assert m.bunching["ratio"] > 1 and m.bunching["z"] > 0
    assert m.table.loc["reach_share", "baseline"] > 0.7
    assert "too low" in describe_mechanics(m, "en")
    assert "门槛设得太低" in describe_mechanics(m, "zh")


@pytest.mark.recovery
def test_effective_discount_matches_the_mechanic(mechanics):
    assert mechanics["flash-2025-09"].effective_discount == pytest.approx(0.2, abs=0.005)  # 8折
    assert mechanics["flash-2025-09"].stated_discount == pytest.approx(0.2)
    assert mechanics["bogo-2026-04"].effective_discount == pytest.approx(0.5, abs=0.005)  # 2 for 1
    june = mechanics["618-2026"]  # ¥30 off every ¥200: at most 15% off the reaching baskets
    assert 0.05 < june.effective_discount <= 30 / 200
    assert np.isnan(june.stated_discount)
    assert june.table.loc["units_per_order", "change"] > 0.1  # bigger baskets under 满减
    assert june.table.loc["campaign_order_share", "event"] == pytest.approx(
        june.table.loc["reach_share", "event"], abs=0.01)  # lines are tagged when the line is reached
