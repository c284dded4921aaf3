"""Tests for helpers.campaigns: the campaign postmortem recovers the sample's planted truth.

The generator (helpers.sample) knows every campaign's expected sales with and without it
per phase (``ground_truth.json["campaigns"]``), the refund multiplier of campaign lines,
the 满减 top-up (凑单) behaviour and the midnight rush of the big days. Tolerances are stated
next to each assert; they follow from the sample's daily noise (about 15-20% a day).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import campaigns as C
from helpers import data, params
from helpers.metrics import MetricNote
from helpers.params import Period

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
BIG_EVENTS = ("1111-2025", "1111-2026", "618-2025", "618-2026")
THRESHOLD_CAMPAIGNS = ("nhj-2025", "618-2025", "nhj-2026", "618-2026", "1111-2025", "1111-2026")
# Relative error allowed on (1 + uplift), i.e. on actual / counterfactual sales of the event:
# the event's sales carry ~5% noise and the 8-week baseline ~5% more.
UPLIFT_TOLERANCE = 0.12
PULL_FORWARD_TOLERANCE = 0.10  # absolute, on the relative change of warm-up and post sales


# ----------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def shop():
    return data.connect(SAMPLE)


@pytest.fixture(scope="module")
def frames(shop):
    return C.load_frames(shop)


def truth_post_days(entry: dict) -> int:
    """Length of the generator's post-event dip (the truth's post phase)."""
    post = entry["post"]
    return 0 if post is None else (pd.Timestamp(post["end"]) - pd.Timestamp(post["start"])).days + 1


def windows_for(frames, campaign_id: str, post_days: int = 14, pre_days: int = 56):
    campaign = C.get_campaign(frames.campaigns, campaign_id)
    return campaign, C.campaign_windows(campaign, frames.data_first, frames.data_last, pre_days,
                                        post_days, frames.campaigns)


@pytest.fixture(scope="module")
def impacts(frames, truth) -> dict:
    """Every sample campaign estimated over the generator's own phases."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        for cid, entry in truth["campaigns"].items():
            campaign, windows = windows_for(frames, cid, truth_post_days(entry))
            out[cid] = C.estimate_uplift(frames, campaign, windows)
    return out


def sample_folder(tmp_path: Path, campaigns: pd.DataFrame | None = None,
                  drop: tuple[str, ...] = ()) -> Path:
    """A data folder of symlinks to the sample's tables (parse cache hits), with an edited
    campaigns table and some tables left out."""
    for path in SAMPLE.glob("*.csv"):
        name = path.stem
        if name in drop or (name == "campaigns" and campaigns is not None):
            continue
        (tmp_path / path.name).symlink_to(path)
    if campaigns is not None:
        campaigns.to_csv(tmp_path / "campaigns.csv", index=False)
    return tmp_path


def raw_campaigns() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "campaigns.csv", dtype=str, keep_default_na=False)


# -------------------------------------------------------------------- parameters
def test_check_options_names_the_bad_parameter():
    C.check_options()
    for kwargs, name in (({"model": "bsts"}, "model"), ({"confidence": 1.2}, "confidence"),
                         ({"pre_days": 7}, "pre_days"), ({"post_days": -1}, "post_days"),
                         ({"repeat_days": 0}, "repeat_days"), ({"top_n": 2.5}, "top_n")):
        with pytest.raises(ValueError, match=name):
            C.check_options(**kwargs)


def test_unknown_campaign_is_a_clear_error(shop, frames):
    with pytest.raises(ValueError, match="campaign_id='nope' is not in the campaigns table; known: .*618-2026"):
        C.get_campaign(frames.campaigns, "nope")
    with pytest.raises(ValueError, match="not in the campaigns table"):
        params.check_params(shop, tables=("orders", "campaigns"), default="all", campaign_id="nope")
    # empty means the data's latest campaign
    assert params.check_params(shop, default="all", campaign_id="").campaign_id == "1111-2026"


def test_every_sample_campaign_id_resolves(shop, frames):
    for cid in frames.campaigns["campaign_id"]:
        assert params.check_params(shop, default="all", campaign_id=cid).campaign_id == cid
        assert C.get_campaign(frames.campaigns, cid).campaign_id == cid


# ----------------------------------------------------------------------- windows
def test_windows_phases_and_clean_baseline(frames):
    campaign, w = windows_for(frames, "618-2026")
    assert (w.warmup.start, w.warmup.end) == (pd.Timestamp("2026-05-31"), pd.Timestamp("2026-06-09"))
    assert (w.event.start, w.event.end) == (pd.Timestamp("2026-06-10"), pd.Timestamp("2026-06-18"))
    assert (w.post.start, w.post.end) == (pd.Timestamp("2026-06-19"), pd.Timestamp("2026-07-02"))
    assert w.window == Period(pd.Timestamp("2026-05-31"), pd.Timestamp("2026-07-02"))
    clean = pd.DatetimeIndex(w.clean_days)
    assert len(clean) == 56 and clean.max() == pd.Timestamp("2026-05-30")
    # the 收纳买一送一 window (04-10 .. 04-12 + 14 post days) is skipped, earlier days are taken
    bogo = pd.date_range("2026-04-10", "2026-04-26")
    assert not clean.isin(bogo).any() and clean.min() < pd.Timestamp("2026-04-10")
    assert w.issues == ()


def test_windows_clip_to_the_data(frames):
    _, w = windows_for(frames, "1111-2026")
    assert w.post.days == 4  # the data ends on 2026-11-15
    assert any("Only 4 of the 14 post-event days" in en for _, en in w.issues)
    future = C.Campaign("x-2027", "future", "bogo", np.nan, np.nan, np.nan, None,
                        pd.Timestamp("2027-01-01"), pd.Timestamp("2027-01-03"), 100.0)
    w = C.campaign_windows(future, frames.data_first, frames.data_last, campaigns=frames.campaigns)
    assert w.event is None and w.window is None
    assert "after the data ends" in w.issues[0][1] and "还没有可复盘的数据" in w.issues[0][0]


# -------------------------------------------------------------- counterfactual
def test_true_event_uplift_lies_inside_the_interval_for_every_campaign(impacts, truth):
    estimated = [cid for cid, imp in impacts.items() if imp.ok]
    assert sorted(estimated) == sorted(set(truth["campaigns"]) - {"nhj-2025"})
    for cid in estimated:
        ev = impacts[cid].phases.loc["event"]
        true = truth["campaigns"][cid]["uplift"]
        assert ev["relative_low"] <= true <= ev["relative_high"], (cid, ev["relative"], true)
        assert ev["p_real"] > 0.95, cid  # every sample campaign lifted sales


@pytest.mark.parametrize("cid", BIG_EVENTS)
def test_big_events_recover_the_true_uplift(impacts, truth, cid):
    ev = impacts[cid].phases.loc["event"]
    true = truth["campaigns"][cid]["uplift"]
    assert (1 + ev["relative"]) / (1 + true) == pytest.approx(1, abs=UPLIFT_TOLERANCE)


def test_true_incremental_sales_inside_the_reported_interval(impacts, truth):
    for cid, imp in impacts.items():
        if not imp.ok:
            continue
        t = truth["campaigns"][cid]
        event = t["event"]["expected_sales"] - t["event"]["expected_sales_without"]
        assert imp.value("event", "effect_low") <= event <= imp.value("event", "effect_high"), cid
        total = t["incremental_sales_all_phases"]
        assert imp.value("window", "effect_low") <= total <= imp.value("window", "effect_high"), cid


@pytest.mark.parametrize("cid", BIG_EVENTS)
def test_true_pull_forward_is_recovered(impacts, truth, cid):
    t = truth["campaigns"][cid]
    pull = C.summarize_pull_forward(impacts[cid])
    for phase, key in (("warmup", "pull_forward_before"), ("post", "pull_forward_after")):
        assert pull.loc[phase, "relative"] == pytest.approx(t[key], abs=PULL_FORWARD_TOLERANCE), phase
        assert pull.loc[phase, "relative_low"] <= t[key] <= pull.loc[phase, "relative_high"], phase
    true_share = -sum(t[p]["expected_sales"] - t[p]["expected_sales_without"] for p in ("warmup", "post")) / (
        t["event"]["expected_sales"] - t["event"]["expected_sales_without"])
    share = pull.loc["pull_forward_share"]
    assert share["effect_low"] <= true_share <= share["effect_high"]


def test_interval_coverage_on_simulated_campaigns():
    """Synthetic shops with a known multiplicative effect: the 95% interval of the relative
    effect covers it in about 95% of 300 runs (binomial 99% band: 0.91..0.98)."""
    rng = np.random.default_rng(5)
    dates = pd.date_range("2025-01-01", periods=56 + 21)
    weekday = np.array([0.0, -0.02, -0.03, -0.02, 0.03, 0.09, 0.11])[dates.day_of_week]
    train = pd.Series(np.arange(len(dates)) < 56, index=dates)
    event = slice(56 + 7, 56 + 16)
    covered = 0
    runs = 300
    for _ in range(runs):
        effect = rng.uniform(0.0, 1.5)
        log_sales = (np.log(15000) + rng.normal(0, 0.002) * np.arange(len(dates)) + weekday
                     + rng.normal(0, 0.17, len(dates)))
        sales = np.exp(log_sales)
        sales[event] *= 1 + effect
        cf = C.fit_counterfactual(pd.Series(sales, index=dates), train, n_draws=1000, seed=int(rng.integers(1e9)))
        s = C.summarize_effect(float(sales[event].sum()), cf.draws[event].sum(axis=0))
        # the truth is the effect on expected sales; the realised noise is inside the interval's width
        covered += s["relative_low"] <= effect <= s["relative_high"]
    assert 0.91 <= covered / runs <= 0.98, covered / runs


def test_placebo_dates_show_no_effect_beyond_the_nominal_rate(frames, truth):
    """Fake 7-day campaigns on ordinary days of the sample: the 95% interval excludes 0 on
    at most 10% of them (nominal 5%, plus sampling noise of ~40 windows)."""
    excluded = pd.DatetimeIndex(np.concatenate([
        pd.date_range(w["start"], w["end"]).values for w in truth["normal_days"]["excluded_windows"]]))
    significant = tested = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        for start in pd.date_range("2025-03-20", "2026-10-01", freq="9D"):
            days = pd.date_range(start, periods=7)
            if days.isin(excluded).any():
                continue
            fake = C.Campaign(f"placebo-{start:%Y%m%d}", "placebo", "bogo", np.nan, np.nan, np.nan, None,
                              days[0], days[-1], 0.0)
            w = C.campaign_windows(fake, frames.data_first, frames.data_last, 56, 0, frames.campaigns)
            imp = C.estimate_uplift(frames, fake, w, n_draws=1000)
            if not imp.ok:
                continue
            tested += 1
            ev = imp.phases.loc["event"]
            significant += not (ev["relative_low"] <= 0 <= ev["relative_high"])
    assert tested >= 30
    assert significant / tested <= 0.10, (significant, tested)


def test_results_do_not_change_between_runs(frames):
    campaign, w = windows_for(frames, "618-2026")
    for model in C.MODELS:
        a = C.estimate_uplift(frames, campaign, w, model=model)
        b = C.estimate_uplift(frames, campaign, w, model=model)
        pd.testing.assert_frame_equal(a.phases, b.phases)
        pd.testing.assert_frame_equal(a.daily, b.daily)


@pytest.mark.parametrize("cid", ("618-2026", "1111-2026"))
def test_structural_model_recovers_the_truth_too(frames, truth, cid):
    t = truth["campaigns"][cid]
    campaign, w = windows_for(frames, cid, truth_post_days(t))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)  # an optimiser note is fine here
        imp = C.estimate_uplift(frames, campaign, w, model="structural")
    ev = imp.phases.loc["event"]
    assert ev["relative_low"] <= t["uplift"] <= ev["relative_high"]
    assert (1 + ev["relative"]) / (1 + t["uplift"]) == pytest.approx(1, abs=UPLIFT_TOLERANCE)


def test_a_clean_control_is_used_and_narrows_the_interval():
    """A control that tracks the shop's shocks explains them: the interval is narrower and
    the effect is still recovered."""
    rng = np.random.default_rng(11)
    dates = pd.date_range("2025-03-01", periods=70)
    shocks = rng.normal(0, 0.15, len(dates))
    control = pd.DataFrame({"c": np.exp(np.log(5000) + shocks + rng.normal(0, 0.03, len(dates)))}, index=dates)
    sales = np.exp(np.log(12000) + shocks + rng.normal(0, 0.03, len(dates)))
    event = slice(60, 70)
    sales[event] *= 1.5
    sales = pd.Series(sales, index=dates)
    train = pd.Series(np.arange(len(dates)) < 56, index=dates)
    with_c = C.fit_counterfactual(sales, train, control)
    without = C.fit_counterfactual(sales, train)
    s_with = C.summarize_effect(float(sales[event].sum()), with_c.draws[event].sum(axis=0))
    s_without = C.summarize_effect(float(sales[event].sum()), without.draws[event].sum(axis=0))
    assert s_with["relative"] == pytest.approx(0.5, abs=0.05)
    assert (s_with["relative_high"] - s_with["relative_low"]) < 0.5 * (
        s_without["relative_high"] - s_without["relative_low"])


def test_contaminated_and_missing_controls_are_named(impacts):
    flash = impacts["flash-2025-09"].controls
    # the generator lifts the whole shop's traffic during a discount on dresses, so the other
    # categories move too: they must not serve as a control
    assert flash.loc["other_categories", "status"] == "contaminated"
    assert flash.loc["other_categories", "change_in_event"] > C.CONTAMINATION_MIN_CHANGE
    assert "moved" in flash.loc["other_categories", "reason_en"]
    assert flash.loc["last_year", "status"] == "unavailable"  # the data starts in 2025
    june = impacts["618-2026"].controls
    assert june.loc["last_year", "status"] == "contaminated"
    assert "618-2025" in june.loc["last_year", "reason_en"]
    assert june.loc["other_categories", "status"] == "unavailable"
    assert "whole shop" in june.loc["other_categories", "reason_en"]


def test_too_short_pre_period_gives_a_sentence_not_a_crash(frames, impacts):
    imp = impacts["nhj-2025"]  # starts a week after the data begins
    assert not imp.ok
    assert imp.value("event", "actual") > 0 and np.isnan(imp.value("event", "effect"))
    for lang, words in (("en", "clean days"), ("zh", "可用的平日")):
        assert words in C.describe_uplift(imp, lang)
    assert C.plot_impact(imp) is None
    pull = C.summarize_pull_forward(imp)
    assert pull["effect"].isna().all()
    campaign, w = windows_for(frames, "nhj-2025", 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        profit = C.compute_profit(frames, campaign, w, imp, C.compare_refunds(frames, campaign, w))
    assert np.isnan(profit.value("profit")) and profit.value("discount_cost") > 0
    assert "break even" in C.describe_profit(profit, imp, "en")
    assert "four campaign-free weeks" in C.recommend_next(
        imp, pull, pd.DataFrame(), profit, C.Mechanics(campaign, pd.DataFrame(
            {"baseline": [], "event": [], "change": []}), np.nan, np.nan), pd.DataFrame(),
        pd.DataFrame(), "en")


# ----------------------------------------------------------------------- refunds
@pytest.mark.parametrize("cid", BIG_EVENTS)
def test_campaign_lines_refund_at_the_true_multiplier(frames, truth, cid):
    """Campaign lines are refunded 1.5x as often as the same categories normally
    (ground_truth refunds.campaign_line_multiplier); ±0.3 covers ~3 standard errors."""
    campaign, w = windows_for(frames, cid)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        refunds = C.compare_refunds(frames, campaign, w)
    multiplier = truth["refunds"]["campaign_line_multiplier"]
    assert refunds.loc["campaign_lines", "vs_normal"] == pytest.approx(multiplier, abs=0.3)
    assert refunds.loc["normal", "vs_normal"] == pytest.approx(1.0)


def test_recent_campaign_refunds_are_completed_from_the_usual_delays(frames):
    campaign, w = windows_for(frames, "1111-2026")  # refunds take up to 20 days; data ends 4 days after
    with pytest.warns(MetricNote, match="expected to have arrived"):
        refunds = C.compare_refunds(frames, campaign, w)
    row = refunds.loc["campaign_lines"]
    assert row["completeness"] < 0.7
    assert row["refund_rate"] < row["expected_rate"] < row["refund_rate_adjusted"]
    assert row["vs_normal"] == pytest.approx(1.5, abs=0.3)
    share = C.refund_completeness(frames.refund_delays, np.array([-1, 0, 5, 10, 25, 400]))
    assert share[0] == 0 and share[-1] == 1 and (np.diff(share) >= 0).all()


# ------------------------------------------------------------------------ profit
def test_profit_bridge_adds_up_and_discount_matches_the_orders(frames, impacts, truth):
    cid = "618-2026"
    campaign, w = windows_for(frames, cid, truth_post_days(truth["campaigns"][cid]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        refunds = C.compare_refunds(frames, campaign, w)
        profit = C.compute_profit(frames, campaign, w, impacts[cid], refunds)
    orders = pd.read_csv(SAMPLE / "orders.csv", dtype={"order_id": str, "product_id": str})
    lines = orders[(orders["campaign_id"] == cid) & (orders["status"] == "paid")]
    discount = (lines["list_price"] * lines["quantity"] - lines["paid_amount"]).sum()
    assert profit.value("discount_cost") == pytest.approx(discount, abs=0.01)
    t = profit.table["value"]
    costs = t[["discount_cost", "extra_ad_spend", "extra_refund_cost", "budget"]].sum()
    assert profit.campaign_cost == pytest.approx(costs)
    assert t["incremental_list_sales"] == pytest.approx(impacts[cid].value("window", "effect") + discount)
    assert t["incremental_gross_profit"] == pytest.approx(t["incremental_list_sales"] * profit.normal_margin)
    assert t["profit"] == pytest.approx(t["incremental_gross_profit"] - costs)
    assert profit.roi == pytest.approx(t["profit"] / costs)
    assert profit.breakeven_sales * profit.normal_margin == pytest.approx(costs)
    assert profit.table.loc["profit", "low"] < t["profit"] < profit.table.loc["profit", "high"]
    assert t["budget"] == 30000 and t["extra_ad_spend"] > 0  # ads cost more during 618
    assert profit.new_buyers["incremental"] > 0
    assert profit.cost_per_new_buyer == pytest.approx(costs / profit.new_buyers["incremental"])
    assert profit.missing == []
    # the true net gain, valued the same way, lies inside the profit interval
    true_gain = truth["campaigns"][cid]["incremental_sales_all_phases"]
    true_profit = (true_gain + discount) * profit.normal_margin - costs
    assert profit.table.loc["profit", "low"] <= true_profit <= profit.table.loc["profit", "high"]


def test_roi_and_cost_per_buyer_are_nan_with_a_note_on_zero_denominators():
    with pytest.warns(MetricNote, match="campaign cost is 0"):
        assert np.isnan(C.campaign_roi(100.0, 0.0))
    with pytest.warns(MetricNote, match="no more new buyers"):
        assert np.isnan(C.cost_per_new_buyer(100.0, -3.0))
    with pytest.warns(MetricNote, match="list value is 0"):
        assert np.isnan(C.effective_discount(0.0, 0.0))
    assert C.campaign_roi(50.0, 100.0) == 0.5
    assert C.effective_discount(80.0, 100.0) == pytest.approx(0.2)


# --------------------------------------------------------------------- mechanics
@pytest.fixture(scope="module")
def mechanics(shop, frames) -> dict:
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        for cid in frames.campaigns["campaign_id"]:
            campaign, w = windows_for(frames, cid)
            out[cid] = C.analyse_mechanics(shop, frames, campaign, w)
    return out


@pytest.mark.parametrize("cid", THRESHOLD_CAMPAIGNS)
def test_bunching_is_found_at_the_true_threshold(mechanics, cid):
    """The generator tops up 55% of the baskets just under a 满减 line: bunching at the line,
    and at no placebo line around it (the line's z is the largest)."""
    m = mechanics[cid]
    assert m.bunching["detected"] == 1 and m.bunching["ratio"] > 2, m.bunching
    assert m.profile["z"].idxmax() == pytest.approx(m.campaign.threshold)
    assert m.profile.loc[m.profile["multiple"] != 1.0, "detected"].sum() == 0


@pytest.mark.parametrize("cid", ("flash-2025-09", "bogo-2026-04"))
def test_no_bunching_without_a_threshold(shop, frames, cid):
    """限时折扣 and 买一送一 have no line: no bunching at the shop's usual lines either."""
    campaign, w = windows_for(frames, cid)
    clean = pd.DatetimeIndex(w.clean_days)
    hist = C.order_value_histogram(shop, cid, {"baseline": clean,
                                               "event": pd.date_range(w.event.start, w.event.end)}, 800)
    for line in (99, 199, 200, 300):
        assert C.measure_bunching(hist, line)["detected"] == 0, line


def test_free_shipping_line_shows_excess_in_the_right_direction(mechanics):
    """满99包邮: most orders already clear ¥99, so few buyers top up and the test is weak; the
    excess above the line is there, and the report says the line is too low."""
    m = mechanics["ship-2025-07"]
    assert m.bunching["ratio"] > 1 and m.bunching["z"] > 0
    assert m.table.loc["reach_share", "baseline"] > 0.7
    assert "too low" in C.describe_mechanics(m, "en")


def test_effective_discount_matches_the_mechanic(mechanics):
    assert mechanics["flash-2025-09"].effective_discount == pytest.approx(0.2, abs=0.005)  # 8折
    assert mechanics["bogo-2026-04"].effective_discount == pytest.approx(0.5, abs=0.005)  # 2 for 1
    june = mechanics["618-2026"]  # ¥30 off every ¥200: at most 15% off the reaching baskets
    assert 0.05 < june.effective_discount <= 30 / 200
    assert june.table.loc["units_per_order", "change"] > 0.1  # bigger baskets under 满减
    assert june.table.loc["campaign_order_share", "event"] == pytest.approx(
        june.table.loc["reach_share", "event"], abs=0.01)  # lines are tagged when the line is reached


# ---------------------------------------------------------------------- timeline
@pytest.mark.parametrize("cid", BIG_EVENTS)
def test_peak_day_and_midnight_rush(shop, frames, truth, cid):
    from helpers.sample import HOURS, MIDNIGHT_RUSH

    campaign, w = windows_for(frames, cid)
    timeline = C.build_timeline(frames, w)
    day = C.peak_day(timeline)
    assert day == pd.Timestamp(truth["campaigns"][cid]["multipliers"]["peak_day"])
    hourly = C.hourly_sales(shop, frames, campaign, w, day)
    usual = HOURS[0] / HOURS.sum()
    assert hourly.loc[0, "peak_share"] == pytest.approx(MIDNIGHT_RUSH + (1 - MIDNIGHT_RUSH) * usual, abs=0.1)
    assert hourly.loc[0, "baseline_share"] == pytest.approx(usual, abs=0.015)
    assert hourly["peak_share"].sum() == pytest.approx(1)
    assert "00:00" in C.describe_timeline(timeline, w, hourly, "en")


def test_stockouts_none_in_the_sample_and_an_injected_one_is_found(shop, frames):
    campaign, w = windows_for(frames, "1111-2025")
    activity = C.product_activity(shop, frames, campaign, w)
    assert C.find_stockouts(activity, frames, campaign, w).empty  # the generator never runs out
    top = activity["pre_lines"].idxmax()
    sold_out = activity.copy()
    sold_out.loc[top, "last_sale"] = w.event.start + pd.Timedelta(days=2)  # nothing after day 3
    found = C.find_stockouts(sold_out, frames, campaign, w)
    assert list(found.index) == [top]
    assert found.loc[top, "silent_days"] == w.event.days - 3
    assert "no stock table" in C.describe_stockouts(found, "en")


# ------------------------------------------------------------------ who and what
def test_new_buyers_and_drivers(shop, frames):
    campaign, w = windows_for(frames, "flash-2025-09")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        buyers = C.compare_buyers(shop, frames, campaign, w, repeat_days=90)
    assert buyers.loc["event", "new_per_day"] > buyers.loc["baseline", "new_per_day"]
    assert buyers.loc["event", "buyers_per_day"] == pytest.approx(
        buyers.loc["event", "new_per_day"] + buyers.loc["event", "returning_per_day"])
    assert 0 < buyers.loc["event", "repeat_rate"] < 1
    activity = C.product_activity(shop, frames, campaign, w)
    by_category = C.find_drivers(activity, frames, campaign, w)
    # the discount on dresses: dresses carry the gain and gain share, the rest lose share
    assert by_category.index[0] == "女装连衣裙"
    assert by_category.loc["女装连衣裙", "share_change"] > 0
    assert by_category["share_of_increase"].sum() == pytest.approx(1)
    assert by_category["share_change"].sum() == pytest.approx(0, abs=1e-9)


# ------------------------------------------------------------------- comparisons
def test_comparison_uses_the_same_definitions(frames, impacts):
    assert C.find_last_year(frames.campaigns, C.get_campaign(frames.campaigns, "618-2026")) == "618-2025"
    assert C.find_last_year(frames.campaigns, C.get_campaign(frames.campaigns, "nhj-2026")) == "nhj-2025"
    assert C.find_last_year(frames.campaigns, C.get_campaign(frames.campaigns, "bogo-2026-04")) is None
    campaign = C.get_campaign(frames.campaigns, "618-2026")
    with pytest.warns(MetricNote, match="no uplift for nhj-2025"):
        table = C.compare_campaigns(frames, campaign)
    assert table.loc["618-2026", "role"] == "this" and table.loc["618-2025", "role"] == "last_year"
    assert "1111-2026" in table.index
    _, w = windows_for(frames, "618-2026")
    own = C.estimate_uplift(frames, campaign, w)
    assert table.loc["618-2026", "relative"] == pytest.approx(own.value("event", "relative"))
    assert np.isnan(table.loc["nhj-2025", "relative"])
    text = C.describe_comparison(table, "en")
    assert "last year's “618 年中大促 2025”" in text and "ranks" in text


# -------------------------------------------------------------------- edge cases
def test_campaign_without_budget_and_without_ads(tmp_path, truth):
    raw = raw_campaigns()
    raw.loc[raw["campaign_id"] == "618-2026", "budget"] = ""
    shop = data.connect(sample_folder(tmp_path, raw, drop=("ads",)))
    frames = C.load_frames(shop)
    assert frames.ads_daily is None
    campaign, w = windows_for(frames, "618-2026")
    assert np.isnan(campaign.budget)
    imp = C.estimate_uplift(frames, campaign, w)
    refunds = C.compare_refunds(frames, campaign, w)
    with pytest.warns(MetricNote) as caught:
        profit = C.compute_profit(frames, campaign, w, imp, refunds)
    messages = " ".join(str(x.message) for x in caught)
    assert "no ads table" in messages and "no budget" in messages
    assert set(profit.missing) == {"ads", "budget"}
    assert np.isnan(profit.value("extra_ad_spend")) and np.isnan(profit.value("budget"))
    assert profit.campaign_cost == pytest.approx(profit.value("discount_cost") + profit.value("extra_refund_cost"))
    assert not np.isnan(profit.value("profit"))
    assert "no budget given" in C.describe_profit(profit, imp, "en")
    assert "预算未填" in C.describe_profit(profit, imp, "zh")


def test_campaign_with_no_orders_overlap_and_future(tmp_path):
    raw = raw_campaigns()
    extra = pd.DataFrame([
        # a discount nobody used, on ordinary days
        {"campaign_id": "ghost-2026-03", "name": "<b>幽灵</b> *活动*", "mechanic": "time_discount",
         "threshold": "", "reduction": "", "discount_rate": "0.9", "warmup_start": "",
         "start": "2026-03-02", "end": "2026-03-04", "budget": "1000"},
        # a store coupon run on top of 618
        {"campaign_id": "overlap-2026-06", "name": "店铺券", "mechanic": "full_reduction",
         "threshold": "150", "reduction": "10", "discount_rate": "", "warmup_start": "",
         "start": "2026-06-15", "end": "2026-06-20", "budget": "500"},
        {"campaign_id": "future-2027", "name": "年货节 2027", "mechanic": "full_reduction",
         "threshold": "199", "reduction": "20", "discount_rate": "", "warmup_start": "",
         "start": "2027-01-10", "end": "2027-01-20", "budget": "15000"},
    ])
    shop = data.connect(sample_folder(tmp_path, pd.concat([raw, extra], ignore_index=True)))
    frames = C.load_frames(shop)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        ghost, w = windows_for(frames, "ghost-2026-03")
        imp = C.estimate_uplift(frames, ghost, w)
        assert imp.ok and imp.value("event", "relative_low") < 0 < imp.value("event", "relative_high")
        assert imp.controls.loc["other_categories", "status"] == "unavailable"
        assert "No order line carries" in imp.controls.loc["other_categories", "reason_en"]
        mech = C.analyse_mechanics(shop, frames, ghost, w)
        assert np.isnan(mech.effective_discount) and mech.table.loc["campaign_order_share", "event"] == 0
        assert "Not one order of the event carries this campaign id" in C.describe_mechanics(mech, "en")
        refunds = C.compare_refunds(frames, ghost, w)
        assert "No order line carries" in C.describe_refunds(refunds, "en")
        pull = C.summarize_pull_forward(imp)
        profit = C.compute_profit(frames, ghost, w, imp, refunds)
        tips = C.recommend_next(imp, pull, refunds, profit, mech, pd.DataFrame(), pd.DataFrame(), "en")
        # a campaign nobody used is not "worth repeating", whatever the days around it did
        assert "No order carries this campaign id" in tips and "did not lift sales measurably" in tips
        assert "Worth repeating" not in tips
        header = C.campaign_header(ghost, w, "en")
        assert "&lt;b&gt;" in header and "<b>" not in header and r"\*" in header

        june, w = windows_for(frames, "618-2026")
        text = C.describe_uplift(C.estimate_uplift(frames, june, w), "en")
        assert "overlaps 店铺券 (overlap-2026-06)" in text and "cannot be split" in text

        future, w = windows_for(frames, "future-2027")
        imp = C.estimate_uplift(frames, future, w)
        assert not imp.ok and "after the data ends" in C.campaign_header(future, w, "en")
        assert w.pre is None and C.build_timeline(frames, w).empty
        refunds = C.compare_refunds(frames, future, w)
        assert refunds.empty
        profit = C.compute_profit(frames, future, w, imp, refunds)
        assert "no day in the data" in C.describe_profit(profit, imp, "en")
        assert "future-2027" not in C.compare_campaigns(frames, june).index


def test_sentences_in_both_languages_escape_data_text(frames, impacts):
    drivers = pd.DataFrame({"pre_sales_per_day": [10.0, 5.0], "event_sales_per_day": [30.0, 4.0],
                            "lift": [2.0, -0.2], "share_of_increase": [1.05, -0.05],
                            "share_change": [0.3, -0.3]}, index=pd.Index(["<i>裙</i>", "T*恤*"]))
    for lang in ("zh", "en"):
        text = C.describe_drivers(drivers, drivers, lang)
        assert "<i>" not in text and "&lt;i&gt;" in text and r"T\*恤\*" in text
        for cid in ("618-2026", "nhj-2025"):
            assert C.describe_uplift(impacts[cid], lang)
    assert "相对提升" in C.describe_uplift(impacts["618-2026"], "zh")
    assert "relative uplift" in C.describe_uplift(impacts["618-2026"], "en")


# ---------------------------------------------------------------------- notebook
@pytest.mark.reports
def test_notebook_renders_in_english_with_the_helpers_figures(tmp_path, frames):
    """The batch runner renders the postmortem of 1111-2025 in English; the recorded key
    figures are the helpers' own, and no warning or error reaches the reader. The orders are
    the sample's as a Parquet export with every 100th line's customer id empty (""): sales do
    not change, and the lines without a buyer are a note of the report."""
    import shutil

    from helpers import batch, report

    shop_dir = tmp_path / "shop"
    shutil.copytree(SAMPLE, shop_dir)
    orders = pd.read_csv(shop_dir / "orders.csv", dtype=str)
    orders.loc[::100, "customer_id"] = ""
    orders.to_parquet(shop_dir / "orders.parquet")
    (shop_dir / "orders.csv").unlink()
    nb = ROOT / "notebooks" / "04-campaign-postmortem.ipynb"
    spec = batch.RunSpec("1111-2025-en", str(nb), {"lang": "en", "campaign_id": "1111-2025",
                                                   "data_dir": str(shop_dir)})
    result = batch.execute_run(spec, tmp_path)
    assert result.status == "ok", result.error
    figures = {m["name"]: m["value"] for m in result.metrics}
    campaign, w = windows_for(frames, "1111-2025")
    imp = C.estimate_uplift(frames, campaign, w)
    assert figures["relative_uplift"] == pytest.approx(imp.value("event", "relative"))
    assert figures["incremental_sales"] == pytest.approx(imp.value("event", "effect"))
    for name in ("campaign_sales", "incremental_sales_low", "incremental_sales_high", "probability_real",
                 "net_incremental_sales", "pull_forward_share", "incremental_profit", "campaign_roi",
                 "new_buyers", "post_event_refund_rate"):
        assert figures[name] is not None, name
    html = (tmp_path / "04-campaign-postmortem" / "1111-2025-en.html").read_text(encoding="utf-8")
    assert "The campaign added" in html and "Buyers top up to reach ¥300" in html
    assert report.format_value(imp.value("event", "effect"), "yuan", "en") in html
    paid = (orders["status"] == "paid") & orders["pay_time"].notna()
    empty = orders["customer_id"] == ""
    assert f"{(paid & empty).sum()} of {paid.sum()} paid order lines have an empty customer_id" in html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html


def test_day_frames_add_up_the_order_lines_they_come_from(tmp_path):
    """Every frame of load_frames equals the same sums and distinct counts taken line by line
    in pandas, with a product missing from the products table (its lines have no category
    and no cost) and a campaign-tagged product among them."""
    sample_folder(tmp_path, drop=("products",))
    products = pd.read_csv(SAMPLE / "products.csv", dtype={"product_id": str})
    lines = data.connect(SAMPLE).table("orders").execute()
    paid = lines[(lines["status"] == "paid") & lines["pay_time"].notna()].copy()
    tagged_product = paid.loc[paid["campaign_id"].notna(), "product_id"].value_counts().index[0]
    products[products["product_id"] != tagged_product].to_csv(tmp_path / "products.csv", index=False)
    frames = C.load_frames(data.connect(tmp_path))

    paid = paid.merge(products.loc[products["product_id"] != tagged_product, ["product_id", "category", "unit_cost"]],
                      on="product_id", how="left")
    paid["date"] = paid["pay_time"].dt.normalize()
    paid["list_value"] = paid["list_price"] * paid["quantity"]
    paid["cost"] = paid["quantity"] * paid["unit_cost"]
    by_day = paid.groupby("date")
    daily = frames.daily.loc[frames.daily["orders"] > 0]
    np.testing.assert_allclose(daily["sales"], by_day["paid_amount"].sum(), rtol=1e-12)
    np.testing.assert_allclose(daily["cost"], by_day["cost"].sum(), rtol=1e-12)
    np.testing.assert_allclose(daily["costed_list_value"],
                               paid.assign(v=paid["list_value"].where(paid["unit_cost"].notna(), 0.0))
                               .groupby("date")["v"].sum(), rtol=1e-12)
    assert daily["orders"].tolist() == by_day["order_id"].nunique().tolist()
    assert daily["buyers"].tolist() == by_day["customer_id"].nunique().tolist()
    assert daily["units"].tolist() == by_day["quantity"].sum().tolist()
    firsts = paid.dropna(subset=["customer_id"]).groupby("customer_id")["date"].min().value_counts()
    assert frames.new_buyers[frames.new_buyers > 0].to_dict() == firsts.astype(float).sort_index().to_dict()

    tagged = paid[paid["campaign_id"].notna()]
    expected = tagged.groupby(["date", "campaign_id"]).agg(
        paid=("paid_amount", "sum"), lines=("order_id", "size"), orders=("order_id", "nunique"),
        units=("quantity", "sum"), cost=("cost", "sum"))
    got = frames.campaign_daily.set_index(["date", "campaign_id"]).sort_index()
    assert got.index.equals(expected.index)
    assert (got["lines"] == expected["lines"]).all() and (got["orders"] == expected["orders"]).all()
    assert (got["units"] == expected["units"]).all()
    np.testing.assert_allclose(got["paid"], expected["paid"], rtol=1e-12)
    np.testing.assert_allclose(got["cost"], expected["cost"], rtol=1e-12)

    cats = frames.campaign_categories.set_index(["campaign_id", "category"])["lines"]
    expected = tagged.groupby(["campaign_id", "category"], dropna=False).size()
    assert cats.sort_index().to_dict() == expected.sort_index().to_dict()
    assert cats.index.get_level_values("category").isna().any()  # the missing product's lines
    category = frames.category_daily.loc[daily.index]
    assert "?" in category.columns
    np.testing.assert_allclose(category["?"], paid.assign(on=paid["paid_amount"].where(paid["category"].isna(), 0.0))
                               .groupby("date")["on"].sum(), rtol=1e-12)
    np.testing.assert_allclose(category.sum(axis=1), daily["sales"], rtol=1e-12)

    refunds = pd.read_csv(SAMPLE / "refunds.csv", dtype={"order_id": str, "product_id": str},
                          parse_dates=["refund_time"])
    refunds = refunds.groupby(["order_id", "product_id"], as_index=False).agg(
        refund_time=("refund_time", "max"), refund_amount=("refund_amount", "sum"))
    joined = paid.merge(refunds, on=["order_id", "product_id"], how="left")
    cohorts = frames.refund_cohorts.set_index(["date", "campaign_id", "category"]).sort_index()
    expected = (joined.assign(campaign_id=joined["campaign_id"].fillna(""), category=joined["category"].fillna("?"),
                              refunded=joined["refund_amount"].notna())
                .groupby(["date", "campaign_id", "category"])
                .agg(lines=("order_id", "size"), refund_lines=("refunded", "sum"),
                     refund_amount=("refund_amount", "sum")))
    assert cohorts.index.equals(expected.index)
    assert (cohorts["lines"] == expected["lines"]).all() and (cohorts["refund_lines"] == expected["refund_lines"]).all()
    np.testing.assert_allclose(cohorts["refund_amount"], expected["refund_amount"], rtol=1e-12)
    refunded = joined[joined["refund_amount"].notna()]
    delays = np.floor((refunded["refund_time"] - refunded["pay_time"]).dt.total_seconds() / 86400)
    assert frames.refund_delays.to_dict() == delays.astype(int).value_counts().astype(float).sort_index().to_dict()


def test_without_products_and_refunds_the_sections_degrade(tmp_path):
    shop = data.connect(sample_folder(tmp_path, drop=("products", "refunds")))
    frames = C.load_frames(shop)
    assert frames.category_daily is None and frames.refund_cohorts is None
    campaign, w = windows_for(frames, "618-2026")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        imp = C.estimate_uplift(frames, campaign, w)
        refunds = C.compare_refunds(frames, campaign, w)
        profit = C.compute_profit(frames, campaign, w, imp, refunds)
        activity = C.product_activity(shop, frames, campaign, w)
    assert imp.ok and "No products table" in imp.controls.loc["other_categories", "reason_en"]
    assert refunds.empty and C.describe_refunds(refunds, "en") == "No refund data."
    assert {"margin", "refunds"} <= set(profit.missing) and np.isnan(profit.value("profit"))
    assert "unit costs" in C.describe_profit(profit, imp, "en")
    assert (activity["title"] == activity.index).all()  # ids stand in for titles


def test_plots_draw_the_classic_panels(frames, impacts, mechanics):
    import matplotlib.pyplot as plt

    fig = C.plot_impact(impacts["618-2026"], "en")
    assert len(fig.axes) == 3
    assert [ax.get_ylabel() for ax in fig.axes] == ["Sales", "Daily effect", "Cumulative effect"]
    assert C.plot_order_values(mechanics["618-2026"], "zh") is not None
    assert C.plot_order_values(mechanics["bogo-2026-04"], "zh") is None  # no threshold
    _, w = windows_for(frames, "618-2026")
    assert C.plot_timeline(C.build_timeline(frames, w), w, "en") is not None
    plt.close("all")


def test_lines_without_a_customer_are_not_buyers(anonymous_buyers):
    """An empty customer_id (a warehouse export's "", or spaces) is no buyer and no first-time buyer."""
    with pytest.warns(MetricNote, match="4 of 7 paid order lines have an empty customer_id"):
        frames = C.load_frames(data.connect(anonymous_buyers))
    assert frames.daily["buyers"].tolist() == [1, 1, 1]
    assert frames.daily["orders"].tolist() == [3, 2, 2]
    assert frames.new_buyers.tolist() == [1, 1, 0]
