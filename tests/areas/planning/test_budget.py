"""Spend curves and the budget split: the fitted curves recover the generator's, and the split
follows marginal ROI down to break-even."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.planning import budget


def _curves(**plans):
    rows = {p: {"channel": "直通车", "a": a, "a_sd": 1.0, "b": b, "b_sd": 1.0, "cov_ab": 0.0, "spend_now": 100.0}
            for p, (a, b) in plans.items()}
    return pd.DataFrame.from_dict(rows, orient="index")


def test_the_budget_goes_where_the_marginal_roi_is_highest_and_stops_at_break_even():
    curves = _curves(big=(10_000.0, 2_000.0), small=(1_000.0, 500.0))
    allocation, summary = budget.allocate_budget(curves, 5_000.0, break_even=2.0)
    # marginal ROI a/b e^(-s/b) = 2 at s = b ln(a / (2b)): 1832.6 for big, 0 for small (starts at 2)
    assert allocation.loc["big", "spend"] == pytest.approx(2_000 * np.log(2.5), abs=5)
    assert allocation.loc["small", "spend"] == 0
    assert summary["unspent"] == pytest.approx(5_000 - allocation["spend"].sum())
    assert (allocation.loc[allocation["spend"] > 0, "marginal_roi"] >= 2.0 - 0.01).all()


def test_a_budget_below_every_break_even_is_left_unspent():
    allocation, summary = budget.allocate_budget(_curves(only=(1_000.0, 1_000.0)), 1_000.0, break_even=1.5)
    assert summary["allocated"] == 0 and summary["unspent"] == 1_000.0


@pytest.mark.recovery
def test_fitted_spend_curves_recover_each_plans_truth_within_their_intervals(seeded):
    shop, truth, _ = seeded
    points, source = budget.weekly_points(None, shop.table("budget_tests").execute())
    curves = budget.fit_curves(points, confidence=0.9)
    plans = truth["budget_curves"]["plans"]
    assert source == "budget_tests" and set(curves.index) == set(plans)
    inside = 0
    for plan, t in plans.items():
        c = curves.loc[plan]
        marginal = t["a"] / t["b"] * np.exp(-c["spend_now"] / t["b"])
        inside += c["marginal_low"] <= marginal <= c["marginal_high"]
        assert c["a"] - 3 * c["a_sd"] <= t["a"] <= c["a"] + 3 * c["a_sd"], plan
    assert inside >= len(plans) - 1  # 90% intervals: one miss in seven is chance
