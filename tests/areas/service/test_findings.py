"""The rules that turn the after-sales figures into advice, tested on the findings they return."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.areas.service import findings
from helpers.core.findings import NOT_ENOUGH_DATA
from helpers.i18n import has_label


def test_every_reason_has_advice_with_a_label():
    assert all(has_label(key) for key in [*findings.REASON_ACTIONS.values(), findings.GENERIC_ACTION])
    assert findings.refund_action("尺码不合适") == "refund_fix_size_chart"
    assert findings.refund_action("买家自己也说不清") == findings.GENERIC_ACTION
    assert findings.refund_action(None) == findings.GENERIC_ACTION


def test_the_costliest_reason_names_its_advice():
    reasons = pd.DataFrame({"refunded": [3, 9], "refund_amount": [500.0, 120.0],
                            "share_of_refunds": [500 / 620, 120 / 620]},
                           index=pd.Index(["质量问题", "发错货"], name="refund_reason"))
    found = findings.costliest_reason(reasons)
    assert (found.rule, found.subject, found.verdict) == ("service.costliest_reason", "质量问题", "refund_fix_quality")
    assert found.evidence["share_of_refunds"] == 500 / 620
    assert findings.costliest_reason(reasons.iloc[:0]) is None


def test_abnormal_products_are_the_flagged_ones_with_their_reasons_advice():
    flags = pd.DataFrame({"title": ["a", "b"], "refund_rate_by_count": [0.3, 0.1], "category_expected": [0.1, 0.1],
                          "excess_refunds": [20.0, 0.0], "top_reason": ["色差", "包装破损"],
                          "top_reason_share": [0.5, 0.4], "flagged": [False, True]}, index=["p1", "p2"])
    found = findings.abnormal_products(flags, 0.9)
    assert [(f.subject, f.verdict, f.confidence) for f in found] == [("p2", "refund_fix_packing", 0.9)]
    assert findings.abnormal_products(flags.iloc[:0]) == []


def test_products_clearly_worse_than_the_shop():
    summary = pd.Series({"reviews": 200, "bad_rate": 0.05})
    by_product = pd.DataFrame({"title": ["a", "b", "c"], "bad_rate": [0.3, 0.2, 0.5], "low": [0.2, 0.04, 0.3],
                               "reviews": [50, 50, 5], "enough": [True, True, False]}, index=["p1", "p2", "p3"])
    found = findings.worse_review_products(summary, by_product)
    assert [f.subject for f in found] == ["p1"]  # p2's interval reaches the shop's rate; p3 has too few reviews
    assert findings.worse_review_products(pd.Series({"reviews": 0, "bad_rate": np.nan}), by_product) == []


def test_slowest_warehouse_carrier_and_agent_need_two_to_compare():
    wh = pd.DataFrame({"on_time_rate": [0.7, 0.9, 0.99]}, index=["武汉仓", "广州仓", "杭州仓"])
    found = findings.slowest_warehouse(wh)
    assert (found.subject, found.evidence["best"]) == ("武汉仓", "杭州仓")
    assert findings.slowest_warehouse(wh.iloc[:1]) is None and findings.slowest_warehouse(None) is None
    carriers = pd.DataFrame({"median_transit_hours": [40.0, 66.0, 24.0]}, index=["a", "b", "c"])
    found = findings.slowest_carrier(carriers)
    assert (found.subject, found.evidence["fastest"], found.evidence["fastest_transit_hours"]) == ("b", "c", 24.0)
    agents = pd.DataFrame({"median_response": [12.0, 54.0], "inquiry_conversion_rate": [0.5, 0.2]},
                          index=["小悦", "夜班"])
    assert findings.slowest_agent(agents).subject == "夜班"
    assert findings.slowest_agent(agents.iloc[:1]) is None


def test_late_shipping_is_judged_on_the_lower_ends_of_the_intervals():
    effects = pd.DataFrame({"rr_low": [0.9, np.nan], "rd_low": [-0.01, 0.02]},
                           index=["refund_after_shipping", "bad_review"])
    assert findings.judge_late_shipping(effects).verdict == "ship_on_time"  # bad reviews: rd_low > 0
    effects.loc["bad_review", "rd_low"] = -0.01
    assert findings.judge_late_shipping(effects).verdict == "no_clear_link"
    assert findings.judge_late_shipping(pd.DataFrame()).verdict == NOT_ENOUGH_DATA


def test_response_time_is_judged_on_the_whole_interval_of_the_slope():
    effect = pd.Series({"slope": -0.5, "slope_low": -0.6, "slope_high": -0.4, "odds_per_doubling": np.exp(-0.5)})
    assert findings.judge_response_time(effect).verdict == "answer_faster"
    effect["slope_high"] = 0.1
    assert findings.judge_response_time(effect).verdict == "no_clear_effect"
    assert not findings.judge_response_time(pd.Series({"slope": np.nan})).enough_data


def test_dsr_drags_costliest_first_and_scores_below_the_peers():
    drivers = pd.DataFrame({"dsr_score": ["logistics", "service", "service"],
                            "driver": ["late_shipped", "refunded", "slow_response"],
                            "coefficient": [-0.6, -0.4, 0.1], "low": [-0.7, -0.5, -0.1], "high": [-0.5, -0.3, 0.3],
                            "share_of_reviews": [0.05, 0.1, 0.01], "score_impact": [-0.03, -0.04, 0.001],
                            "n": 500})
    drags = findings.dsr_drags(drivers)
    assert [f.subject for f in drags] == ["service.refunded", "logistics.late_shipped"]
    assert findings.dsr_drags(drivers.iloc[:0]) == []
    summary = pd.DataFrame({"gap": [-0.01, 0.02, np.nan]}, index=["description", "service", "logistics"])
    assert [f.subject for f in findings.below_peer(summary)] == ["description"]
