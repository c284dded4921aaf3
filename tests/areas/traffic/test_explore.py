"""The traffic Explore section: sources instead of categories, the chosen source's funnel."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from helpers import settings
from helpers.areas.traffic import calc, explore
from helpers.core.calendar import Period
from helpers.core.params import check_params
from helpers.present.explore import explore as show_explorer


def test_traffic_explore_shows_the_chosen_sources_funnel(sample):
    shop = sample
    checked = check_params(shop, date_table="traffic")
    with settings.override(static=False):
        controls = explore.explore_controls(shop, checked.period, checked.data_first, checked.data_last, "en")
        assert "category" not in controls and controls["metric"].value == "visitors"
        assert controls["rate_method"].value == "pooled"
        shown = []
        explorer = show_explorer(lambda **v: shown.append(explore.render_explore(shop, lang="en", **v)), controls,
                                 "en")
        controls["source"].value = "直通车"
    assert not explorer.errors and len(shown) == 2
    funnel_view, figure = shown[-1]
    expected = calc.build_funnel(shop, Period(*controls["dates"].value)).loc["直通车"]
    assert funnel_view.data.index.tolist() == ["直通车"]
    assert funnel_view.data.iloc[0]["Visitors"] == expected["visitors"]
    assert "直通车" in figure.axes[0].get_title()
    whole, _ = shown[0]
    assert whole.data.index.tolist() == ["Whole shop"]
    plt.close("all")


def test_a_source_without_traffic_and_reversed_dates(sample):
    shop = sample
    dates = (pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15"))
    view, figure = explore.render_explore(shop, "visitors", "没有这个来源", dates, lang="zh")
    assert view.data.iloc[0, 0] == "无数据"
    (only,) = explore.render_explore(shop, "visitors", None, dates[::-1], lang="en")
    assert only.iloc[0, 0] == "the end date is before the start date"
    plt.close("all")


def test_choosing_a_product_shows_its_funnel_by_source_and_its_daily_visitors(sample):
    from helpers.areas.traffic import products

    checked = check_params(sample, date_table="traffic")
    with settings.override(static=False):
        controls = explore.product_controls(sample, checked.period, checked.data_first, checked.data_last, "en")
        first = controls["product"].value
        shown = []
        explorer = show_explorer(lambda **v: shown.append(explore.render_product(sample, lang="en", **v)), controls,
                                 "en")
        other = controls["product"].options[1][1]
        controls["product"].value = other
    assert not explorer.errors and len(shown) == 2
    table, figure = shown[-1]
    period = Period(*controls["dates"].value)
    funnel = products.product_funnel(period=period, shop=sample).set_index("product_id")
    assert first == funnel.index[0]  # the default: the most visited product
    assert table.data["Visitors"].sum() == funnel.loc[other, "visitors"]
    assert other in figure.axes[0].get_title()
    plt.close("all")


def test_choosing_a_keyword_shows_its_action_and_daily_clicks_cpc_and_roi(sample, truth):
    checked = check_params(sample, date_table="traffic")
    period = Period.ending(checked.period.end, 28)
    with settings.override(static=False):
        controls = explore.keyword_controls(sample, period, checked.data_first, checked.data_last, 0.45, "zh")
    assert controls["keyword"].options[0][0] == "直通车-核心大词 / 连衣裙"  # the default: the most spend
    losing = truth["ad_keywords"]["losing_keywords"][0]
    plan = truth["ad_keywords"]["keywords"][losing]["plan"]
    action, *figures = explore.render_keyword(sample, (plan, losing), controls["dates"].value, 0.45, "zh")
    assert "否词" in action.data and losing in action.data  # the action, as in the keyword table
    assert [f.axes[0].get_title() for f in figures] == [f"{losing} · 点击量", f"{losing} · 平均点击花费",
                                                        f"{losing} · 投入产出比"]
    plt.close("all")
