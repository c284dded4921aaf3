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
