"""Clearance timing: a seasonal product holding more than its season sells is flagged, with the
markdown and the start date its numbers give; a steady category is not seasonal; a short history
gives no advice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.planning import clearance


def _index():
    months = pd.RangeIndex(1, 13)
    summer = pd.Series([0.4, 0.4, 0.6, 1.0, 1.5, 2.0, 2.0, 1.5, 0.9, 0.6, 0.5, 0.5], index=months)
    return pd.DataFrame({"dress": summer / summer.mean(), "pots": 1.0}, index=months)


def test_stock_beyond_the_seasons_demand_is_to_clear_with_its_markdown_and_start_date():
    mi = _index()
    fc = pd.DataFrame({"weekly_mean": [70.0, 70.0, 70.0]}, index=["big", "fits", "pan"])
    cats = pd.Series({"big": "dress", "fits": "dress", "pan": "pots"})
    today = pd.Timestamp("2026-08-01")
    plan = clearance.plan_clearance(fc, pd.Series({"big": 2000.0, "fits": 100.0, "pan": 5000.0}), cats, mi, today,
                                    elasticity=-2.0, max_markdown=0.3)
    assert "pan" not in plan.index  # pots sell all year: not seasonal
    big = plan.loc["big"]
    # in season to the end of August (September's index is below 1): the 30 days after today at 10 a day
    assert big["window"] == "season_end" and big["window_end"] == pd.Timestamp("2026-08-31")
    assert big["window_demand"] == pytest.approx(300.0)
    assert big["excess"] == pytest.approx(1700.0) and bool(big["clear"])
    assert big["markdown"] == pytest.approx(1 - (2000 / 300) ** (-1 / 2))
    extra = 300 / 30 * (0.7 ** -2 - 1)  # units a day the deepest markdown adds
    assert big["start_by"] == max(today, pd.Timestamp("2026-08-31") - pd.Timedelta(days=np.ceil(1700 / extra)))
    assert not plan.loc["fits", "clear"]
    f = clearance.judge_clearance(plan, history_days=500)
    assert f.verdict == "clear" and f.subject == "big" and f.evidence["clear"] == 1


def test_off_season_stock_is_judged_against_the_time_before_the_next_season():
    plan = clearance.plan_clearance(pd.DataFrame({"weekly_mean": [7.0]}, index=["d"]), pd.Series({"d": 500.0}),
                                    pd.Series({"d": "dress"}), _index(), pd.Timestamp("2026-11-10"))
    assert plan.loc["d", "window"] == "next_season" and plan.loc["d", "window_end"] == pd.Timestamp("2027-03-31")


def test_less_than_a_year_of_history_gives_not_enough_data():
    f = clearance.judge_clearance(pd.DataFrame(columns=["clear"]), history_days=200)
    assert not f.enough_data and f.evidence["history_days"] == 200
