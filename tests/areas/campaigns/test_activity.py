"""The timeline, the peak day's hours, stock-outs, buyers and the drivers of the gain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.campaigns.activity import (
    build_timeline,
    compare_buyers,
    find_drivers,
    find_stockouts,
    hourly_sales,
    peak_day,
    product_activity,
)
from helpers.areas.campaigns.findings import judge_repeat_buyers
from helpers.areas.campaigns.sentences import (
    describe_buyers,
    describe_drivers,
    describe_stockouts,
    describe_timeline,
)
from helpers.areas.campaigns.tables import buyers_table, drivers_table, stockout_table
from helpers.core.notes import MetricNote, quiet
from tests.areas.campaigns.sample_shop import BIG_EVENTS, windows_for


@pytest.mark.recovery
@pytest.mark.parametrize("cid", BIG_EVENTS)
def test_peak_day_and_midnight_rush(shop, frames, truth, cid):
    from helpers.sample import HOURS, MIDNIGHT_RUSH

    campaign, w = windows_for(frames, cid)
    timeline = build_timeline(frames, w)
    day = peak_day(timeline)
    assert day == pd.Timestamp(truth["campaigns"][cid]["multipliers"]["peak_day"])
    hourly = hourly_sales(shop, frames, campaign, w, day)
    usual = HOURS[0] / HOURS.sum()
    assert hourly.loc[0, "peak_share"] == pytest.approx(MIDNIGHT_RUSH + (1 - MIDNIGHT_RUSH) * usual, abs=0.1)
    assert hourly.loc[0, "baseline_share"] == pytest.approx(usual, abs=0.015)
    assert hourly["peak_share"].sum() == pytest.approx(1)
    assert "00:00" in describe_timeline(timeline, w, hourly, "en")
    assert "00:00" in describe_timeline(timeline, w, hourly, "zh")


def test_timeline_covers_the_lead_and_the_window_with_its_phases(frames, june):
    campaign, w, imp = june
    timeline = build_timeline(frames, w, imp)
    assert timeline.index[0] == w.window.start - pd.Timedelta(days=28) and timeline.index[-1] == w.window.end
    assert (timeline["phase"].value_counts().to_dict()
            == {"pre": 28, "post": w.post.days, "warmup": w.warmup.days, "event": w.event.days})
    assert timeline["baseline"].iloc[0] == pytest.approx(frames.daily["sales"].reindex(
        pd.DatetimeIndex(w.clean_days)).mean())
    assert timeline.loc[w.event.start:w.event.end, "sales"].sum() == pytest.approx(imp.value("event", "actual"))
    assert timeline["predicted"].notna().all()
    assert peak_day(timeline) == timeline.loc[timeline["phase"] == "event", "sales"].idxmax()
    assert peak_day(timeline[timeline["phase"] != "event"]) is None


def test_stockouts_none_in_the_sample_and_an_injected_one_is_found(shop, frames):
    campaign, w = windows_for(frames, "1111-2025")
    activity = product_activity(shop, frames, campaign, w)
    assert find_stockouts(activity, frames, campaign, w).empty  # the generator never runs out
    assert "No product looks sold out" in describe_stockouts(activity.iloc[:0], "en")
    top = activity["pre_lines"].idxmax()
    sold_out = activity.copy()
    sold_out.loc[top, "last_sale"] = w.event.start + pd.Timedelta(days=2)  # nothing after day 3
    found = find_stockouts(sold_out, frames, campaign, w)
    assert list(found.index) == [top]
    assert found.loc[top, "silent_days"] == w.event.days - 3
    # P(no sale in the silent days) is the Poisson probability of 0 at the expected lines
    np.testing.assert_allclose(found["p_silent"], np.exp(-found["expected_units"]), rtol=1e-12)
    assert "no stock table" in describe_stockouts(found, "en")
    assert "疑似断货" in describe_stockouts(found, "zh")
    assert "Days without sales" in stockout_table(found, "en").to_html()


@pytest.mark.recovery
def test_new_buyers_and_drivers(shop, frames):
    campaign, w = windows_for(frames, "flash-2025-09")
    with quiet():
        buyers = compare_buyers(shop, frames, campaign, w, repeat_days=90)
    assert buyers.loc["event", "new_per_day"] > buyers.loc["baseline", "new_per_day"]
    assert buyers.loc["event", "buyers_per_day"] == pytest.approx(
        buyers.loc["event", "new_per_day"] + buyers.loc["event", "returning_per_day"])
    assert 0 < buyers.loc["event", "repeat_rate"] < 1
    assert buyers.loc["event", "repeat_low"] <= buyers.loc["event", "repeat_rate"] <= buyers.loc["event", "repeat_high"]
    activity = product_activity(shop, frames, campaign, w)
    by_category = find_drivers(activity, frames, campaign, w)
    # the discount on dresses: dresses carry the gain and gain share, the rest lose share
    assert by_category.index[0] == "女装连衣裙"
    assert by_category.loc["女装连衣裙", "share_change"] > 0
    assert by_category["share_of_increase"].sum() == pytest.approx(1)
    assert by_category["share_change"].sum() == pytest.approx(0, abs=1e-9)


def test_repeat_rate_of_the_campaigns_new_buyers_with_its_wilson_interval(shop, frames, june):
    from statsmodels.stats.proportion import proportion_confint

    campaign, w, _ = june
    buyers = compare_buyers(shop, frames, campaign, w, repeat_days=90)
    for period in ("baseline", "event"):
        row = buyers.loc[period]
        repeaters = round(row["repeat_rate"] * row["repeat_cohort"])
        lo, hi = proportion_confint(repeaters, row["repeat_cohort"], alpha=0.05, method="wilson")
        assert (row["repeat_low"], row["repeat_high"]) == (pytest.approx(lo), pytest.approx(hi))
    finding = judge_repeat_buyers(buyers, "618-2026")
    assert finding.verdict in ("come_back_less", "no_difference")
    worse = buyers.loc["event", "repeat_high"] < buyers.loc["baseline", "repeat_low"]
    assert (finding.verdict == "come_back_less") == worse
    for lang, words in (("en", ("Repeat rate, low", "New buyers observed")), ("zh", ("新客复购率", "可观察新客数"))):
        html = buyers_table(buyers, lang).to_html()
        assert all(word in html for word in words)
    assert "Within 90 days" in describe_buyers(buyers, 90, "en") and "90 天内复购" in describe_buyers(buyers, 90, "zh")


def test_a_recent_campaigns_repeat_rate_is_not_known_yet(shop, frames):
    campaign, w = windows_for(frames, "1111-2026")  # the data ends 4 days after it
    with pytest.warns(MetricNote, match="1111-2026's new buyers: fewer than 90 days"):
        buyers = compare_buyers(shop, frames, campaign, w, repeat_days=90)
    assert buyers.loc["event", "repeat_cohort"] == 0 and np.isnan(buyers.loc["event", "repeat_rate"])
    assert judge_repeat_buyers(buyers, "1111-2026").verdict == "not_enough_data"
    assert "not known yet" in describe_buyers(buyers, 90, "en")
    assert "还看不出来" in describe_buyers(buyers, 90, "zh")


def test_drivers_by_product_name_the_losers_of_share(shop, frames, june):
    campaign, w, _ = june
    activity = product_activity(shop, frames, campaign, w)
    by_category = find_drivers(activity, frames, campaign, w)
    by_product = find_drivers(activity, frames, campaign, w, by="product", n=3)
    assert len(by_product) <= 6 and by_product["share_of_increase"].iloc[:3].is_monotonic_decreasing
    assert (by_product.iloc[3:]["share_change"] < 0).all()
    assert by_category["pre_sales_per_day"].sum() == pytest.approx(
        frames.daily["sales"].reindex(pd.DatetimeIndex(w.clean_days)).mean())
    assert "Lift" in drivers_table(by_category, "en").to_html() and "提升" in drivers_table(by_category, "zh").to_html()
    assert "Most of the gain came from" in describe_drivers(by_category, by_product, "en")
    assert "增量最多来自" in describe_drivers(by_category, by_product, "zh")
