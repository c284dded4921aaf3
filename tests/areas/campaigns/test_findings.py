"""The rules behind the verdicts and the advice for next time, on the data they return."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers.areas.campaigns import findings as rules
from helpers.areas.campaigns.advice import describe_next
from helpers.areas.campaigns.campaign import Campaign
from helpers.areas.campaigns.mechanics import Mechanics
from helpers.areas.campaigns.profit import PROFIT_ITEMS, Profit
from helpers.areas.campaigns.uplift import Impact
from helpers.core.findings import Finding

CAMPAIGN = Campaign("c-1", "测试活动", "full_reduction", 200.0, 30.0, np.nan, None,
                    pd.Timestamp("2026-06-10"), pd.Timestamp("2026-06-18"), 30000.0)
CJK = re.compile(r"[\u3400-\u9fff]")
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")


def impact(p_real: float = 0.99, ok: bool = True) -> Impact:
    phases = pd.DataFrame({"effect": [10000.0], "p_real": [p_real]}, index=["event"])
    return Impact(CAMPAIGN, None, "regression", 0.95, ok, [], pd.DataFrame(), phases if ok else phases.iloc[:0],
                  pd.DataFrame(), pd.DataFrame())


def profit(value: float = 5000.0, p_profit: float = 0.9, ads: float = 1000.0, gross: float = 20000.0) -> Profit:
    table = pd.DataFrame(np.nan, index=list(PROFIT_ITEMS), columns=["value", "low", "high"])
    table.loc["profit"] = [value, value - 4000, value + 4000]
    table.loc["extra_ad_spend", "value"] = ads
    table.loc["incremental_gross_profit", "value"] = gross
    return Profit(table, 0.6, 0.6, 20000.0, value / 20000.0, p_profit, 33333.0, {"incremental": 100.0}, 200.0, [])


def mechanics(detected: bool = True, usual_reach: float = 0.3, used: float = 0.5, units_change: float = 0.2,
              threshold: bool = True) -> Mechanics:
    table = pd.DataFrame({"baseline": [0.0, usual_reach, 0.1, 0.2, 180.0, 1.4], "event": [used, 0.5, 0.3, 0.1, 220.0, 1.7],
                          "change": [np.nan, 0.6, 2.0, -0.5, 0.2, units_change]},
                         index=["campaign_order_share", "reach_share", "band_share", "below_share", "list_per_order",
                                "units_per_order"])
    bunching = {"ratio": 4.0 if detected else 1.1, "z": 9.0 if detected else 1.0, "detected": float(detected),
                "baseline_orders": 5000.0, "event_orders": 2000.0, "baseline_above_share": 0.1,
                "baseline_below_share": 0.2, "event_above_share": 0.3, "event_below_share": 0.1}
    return Mechanics(CAMPAIGN, table, 0.12, np.nan, bunching if threshold else None)


def pull(share: float = 0.3, share_p: float = 0.95, warmup: float = -5000.0, warmup_p: float = 0.95) -> pd.DataFrame:
    return pd.DataFrame({"effect": [warmup, 10000.0, share], "effect_low": [np.nan, np.nan, share - 0.1],
                         "effect_high": [np.nan, np.nan, share + 0.1], "relative": [-0.1, 1.0, np.nan],
                         "p_real": [warmup_p, 1.0, share_p]}, index=["warmup", "event", "pull_forward_share"])


REFUNDS = pd.DataFrame({"vs_normal": [1.0, 1.5], "lines": [5000.0, 800.0]}, index=["normal", "campaign_lines"])
HOURLY = pd.DataFrame({"peak_sales": [300.0, 700.0], "peak_share": [0.3, 0.7]}, index=[0, 1])


def verdicts(*args) -> list[str]:
    return [t.verdict for t in rules.recommend_next(*args)]


def test_profit_verdict_thresholds():
    assert rules.judge_profit(profit(5000, 0.9), "c").verdict == "made_money"
    assert rules.judge_profit(profit(-5000, 0.1), "c").verdict == "lost_money"
    for p in (0.21, 0.5, 0.79):
        assert rules.judge_profit(profit(5000, p), "c").verdict == "break_even"
    assert rules.judge_profit(profit(np.nan, np.nan), "c").verdict == "not_enough_data"
    finding = rules.judge_profit(profit(5000, 0.9), "c")
    assert finding.evidence["profit"] == 5000 and finding.confidence == 0.9


def test_uplift_and_dip_verdicts():
    assert rules.judge_uplift(impact(0.96)).verdict == "real"
    assert rules.judge_uplift(impact(0.94)).verdict == "maybe_noise"
    assert rules.judge_uplift(impact(ok=False)).verdict == "not_enough_data"
    assert rules.judge_event_lift(impact(0.89)).verdict == "no_clear_lift"
    assert rules.judge_event_lift(impact(0.9)).verdict == "clear_lift"
    assert rules.judge_dip(pull(), "warmup", "c").verdict == "dip"
    assert rules.judge_dip(pull(warmup_p=0.8), "warmup", "c").verdict == "no_dip"
    assert rules.judge_dip(pull(warmup=100.0), "warmup", "c").verdict == "no_dip"
    assert rules.judge_dip(pull(), "post", "c") is None  # no post-period in the data
    assert rules.judge_pull_forward(pull(share_p=0.5), "c").verdict == "unclear"
    assert rules.judge_pull_forward(pull(share=np.nan), "c").verdict == "not_enough_data"


def test_threshold_and_discount_verdicts():
    assert rules.judge_threshold(mechanics()).verdict == "works"
    assert rules.judge_threshold(mechanics(detected=False, usual_reach=0.75)).verdict == "too_low"
    assert rules.judge_threshold(mechanics(detected=False)).verdict == "too_high"
    works = rules.judge_threshold(mechanics(usual_reach=0.75))
    assert works.verdict == "works" and works.evidence["most_reach_anyway"]  # said, though the line works
    assert works.evidence["threshold_vs_usual"] == pytest.approx(200 / 180)
    assert works.evidence["suggested_threshold"] == pytest.approx(1.2 * 180)
    assert rules.judge_threshold(mechanics(threshold=False)) is None


def test_recommend_next_says_every_point_in_order():
    tips = verdicts(impact(), pull(), REFUNDS, profit(ads=8000.0), mechanics(), pd.DataFrame({"x": [1]}), HOURLY)
    assert tips == ["repeat", "shorten_warmup", "warmup_dip", "fewer_refunds", "keep_threshold", "stock_up",
                    "staff_midnight", "cap_bids"]
    quiet_one = verdicts(impact(), pull(share=0.1, warmup=100.0), REFUNDS.iloc[:1], profit(p_profit=0.5),
                         mechanics(threshold=False, units_change=0.0), pd.DataFrame(), pd.DataFrame())
    assert quiet_one == ["test_smaller"]  # basket size alone is no advice
    nothing = verdicts(impact(), pull(share=0.1, warmup=100.0), REFUNDS.iloc[:1], profit(np.nan, np.nan),
                       Mechanics(CAMPAIGN, pd.DataFrame(), np.nan, np.nan), pd.DataFrame(), pd.DataFrame())
    assert nothing == ["keep_approach"]


def test_a_loss_or_no_lift_is_never_worth_repeating():
    assert verdicts(impact(), pull(), REFUNDS.iloc[:1], profit(-5000, 0.1), mechanics(threshold=False),
                    pd.DataFrame(), pd.DataFrame())[0] == "cut_costs"
    tips = verdicts(impact(0.5), pull(), REFUNDS.iloc[:1], profit(5000, 0.99), mechanics(used=0.0),
                    pd.DataFrame(), pd.DataFrame())
    assert tips[:2] == ["check_tagging", "not_worth_it"] and "repeat" not in tips
    assert verdicts(impact(ok=False), pull(share=np.nan), REFUNDS.iloc[:1], profit(np.nan, np.nan),
                    mechanics(threshold=False), pd.DataFrame(), pd.DataFrame())[0] == "keep_clean_weeks"


def test_the_advice_never_says_lost_when_the_profit_reads_roughly_broke_even():
    """A point loss with a 42% chance of profit is "roughly broke even" in the profit sentence; the
    advice says the same (test smaller), not "the campaign lost ¥3,000, cut costs"."""
    uncertain = profit(-3000, 0.42)
    assert rules.judge_profit(uncertain, "c").verdict == "break_even"
    tips = verdicts(impact(), pull(), REFUNDS.iloc[:1], uncertain, mechanics(threshold=False),
                    pd.DataFrame(), pd.DataFrame())
    assert tips[0] == "test_smaller" and "cut_costs" not in tips


def test_every_piece_of_advice_reads_in_its_own_language():
    """Each verdict of recommend_next has a Chinese sentence without English words (but ROI, ID)
    and an English one without Chinese (but the campaign's own data)."""
    evidence = {"p_real": 0.5, "loss": 5000.0, "breakeven_sales": 30000.0, "profit": 5000.0, "roi": 0.3,
                "p_profit": 0.5, "share": 0.3, "times_usual": 1.5, "threshold": 200.0,
                "usual_list_per_order": 180.0, "threshold_vs_usual": 1.1, "usual_reach": 0.8,
                "suggested_threshold": 216.0, "effective_discount": 0.12, "units_per_order_change": 0.2,
                "products": 3, "extra_ad_spend": 8000.0, "share_of_gain": 0.4, "event_reach": 0.36,
                "event_band": 0.22, "paid_per_order": 176.0, "event_paid_per_order": 144.0, "margin_per_order": 90.0,
                "event_margin_per_order": 65.0, "velocity_ratio": 2.3, "velocity_low": 1.7, "velocity_high": 3.2,
                "baseline_profit_per_day": 3600.0, "event_profit_per_day": 5800.0,
                "regression_window": (15000.0, 9000.0, 21000.0), "structural_window": (40000.0, 30000.0, 50000.0),
                "regression_window_relative": 0.3, "structural_window_relative": 0.8}
    for verdict in ("keep_clean_weeks", "check_tagging", "not_worth_it", "cut_costs", "repeat", "test_smaller",
                    "shorten_warmup", "warmup_dip", "fewer_refunds", "keep_threshold", "raise_threshold",
                    "threshold_too_high", "rethink_bogo", "keep_bogo", "keep_flash", "flash_costs_margin",
                    "flash_not_faster", "mechanic_too_few", "models_disagree", "stock_up", "staff_midnight",
                    "cap_bids", "keep_approach"):
        tip = Finding("campaigns.next", "c-1", verdict, evidence)
        zh, en = describe_next([tip], "zh"), describe_next([tip], "en")
        assert set(ASCII_WORD.findall(zh)) <= {"ROI", "ID"}, (verdict, zh)
        assert not CJK.search(en), (verdict, en)
    with pytest.raises(ValueError, match="unknown advice"):
        describe_next([Finding("campaigns.next", "c-1", "??", {})], "en")


def test_the_advice_for_618_follows_its_figures(shop, frames, june):
    from helpers.areas.campaigns.activity import build_timeline, hourly_sales, peak_day
    from helpers.areas.campaigns.mechanics import analyse_mechanics
    from helpers.areas.campaigns.profit import compute_profit
    from helpers.areas.campaigns.refunds import compare_refunds
    from helpers.areas.campaigns.uplift import summarize_pull_forward
    from helpers.core.notes import quiet

    campaign, w, imp = june
    with quiet():
        refunds = compare_refunds(frames, campaign, w)
        earned = compute_profit(frames, campaign, w, imp, refunds)
        mech = analyse_mechanics(shop, frames, campaign, w)
    hourly = hourly_sales(shop, frames, campaign, w, peak_day(build_timeline(frames, w)))
    tips = rules.recommend_next(imp, summarize_pull_forward(imp), refunds, earned, mech, pd.DataFrame(), hourly)
    by = {t.verdict: t for t in tips}
    # the profit's tip is the profit verdict's (618 2026 roughly broke even once every cost is counted)
    assert rules.judge_profit(earned, "618-2026").verdict == "break_even"
    assert tips[0].verdict == "test_smaller" and tips[0].evidence["p_profit"] == earned.p_profit
    pull = summarize_pull_forward(imp)
    share, warmup = rules.judge_pull_forward(pull, "618-2026"), rules.judge_dip(pull, "warmup", "618-2026")
    pulled = share.verdict == "pulled" and share.evidence["share"] >= rules.PULL_FORWARD_SHARE
    assert [t.verdict for t in tips] == (["test_smaller"] + ["shorten_warmup"] * bool(pulled)
                                         + ["warmup_dip"] * bool(warmup.verdict == "dip")
                                         + ["fewer_refunds", "keep_threshold", "staff_midnight"])
    assert by["fewer_refunds"].evidence["times_usual"] == refunds.loc["campaign_lines", "vs_normal"] >= rules.REFUND_MULTIPLE
    assert by["staff_midnight"].evidence["share"] == hourly.loc[0, "peak_share"] >= rules.MIDNIGHT_SHARE
    text = describe_next(tips, "en")
    assert text.count("\n- ") == len(tips) - 1 and "The profit is uncertain" in text and "reached ¥200" in text
    assert "利润不确定" in describe_next(tips, "zh")
