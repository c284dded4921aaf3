"""The postmortem's plots: what each draws, in the report's language."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.campaigns import charts
from helpers.areas.campaigns.activity import build_timeline, hourly_sales, peak_day
from helpers.areas.campaigns.profit import compute_profit
from helpers.areas.campaigns.refunds import compare_refunds, daily_refunds
from helpers.core.notes import quiet
from tests.areas.campaigns.sample_shop import windows_for


@pytest.fixture(autouse=True)
def _close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def test_impact_draws_the_classic_panels(june):
    _, w, imp = june
    fig = charts.plot_impact(imp, "en")
    assert len(fig.axes) == 3
    assert [ax.get_ylabel() for ax in fig.axes] == ["Sales", "Daily effect", "Cumulative effect"]
    assert fig.axes[0].get_title() == "Actual sales vs Without campaign"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["Actual sales", "Without campaign"]
    assert [ax.get_ylabel() for ax in charts.plot_impact(imp, "zh").axes] == ["支付金额", "逐日增量", "累计增量"]


def test_order_values_around_the_threshold(shop, frames, june):
    from dataclasses import replace

    from helpers.areas.campaigns.mechanics import analyse_mechanics

    campaign, w, _ = june
    with quiet():
        mech = analyse_mechanics(shop, frames, campaign, w)
    fig = charts.plot_order_values(mech, "zh")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["基期(平日)", "活动期"]
    assert ax.get_xlabel() == "订单原价金额" and ax.get_ylabel() == "订单占比"
    assert any(line.get_xdata()[0] == 200 for line in ax.lines)  # the ¥200 line
    assert charts.plot_order_values(replace(mech, histogram=None), "zh") is None  # no threshold


def test_timeline_hours_refunds_and_profit(shop, frames, june):
    campaign, w, imp = june
    timeline = build_timeline(frames, w)
    fig = charts.plot_timeline(timeline, w, "en")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Warm-up", "Event", "Post-event"]
    assert ax.get_title() == "Sales" and len(ax.patches) >= 3  # the three phases shaded
    hourly = hourly_sales(shop, frames, campaign, w, peak_day(timeline))
    fig = charts.plot_hourly(hourly, "zh")
    assert fig.axes[0].get_xlabel() == "小时" and len(fig.axes[0].patches) == 24
    assert charts.plot_hourly(hourly.iloc[:0], "zh") is None
    fig = charts.plot_refunds(daily_refunds(frames, w), w, "en")
    assert fig.axes[0].get_title() == "Refunds"
    with quiet():
        earned = compute_profit(frames, campaign, w, imp, compare_refunds(frames, campaign, w))
    fig = charts.plot_profit(earned, "en")
    bars = fig.axes[0].patches
    assert len(bars) == 6 and fig.axes[0].get_title() == "Campaign profit"
    items = ["incremental_gross_profit", "discount_cost", "extra_ad_spend", "extra_refund_cost", "budget", "profit"]
    signs = [1, -1, -1, -1, -1, 1]  # costs are drawn below zero
    expected = sorted(sign * earned.value(item) for sign, item in zip(signs, items, strict=True))
    assert sorted(b.get_width() for b in bars) == pytest.approx(expected)
    assert charts.plot_timeline(pd.DataFrame(), w, "en") is None


def test_no_estimate_no_panels(frames):
    from helpers.areas.campaigns.uplift import estimate_uplift

    campaign, w = windows_for(frames, "nhj-2025", 5)
    assert charts.plot_impact(estimate_uplift(frames, campaign, w), "en") is None
