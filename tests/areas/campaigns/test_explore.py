"""The campaign Explore section: the days around the chosen campaign, its phases shaded."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers import settings
from helpers.areas.campaigns import explore
from helpers.areas.campaigns.campaign import get_campaign, read_campaigns
from helpers.core.calendar import Period
from helpers.present import slices
from helpers.present.explore import explore as show_explorer
from tests.present.test_explore import report_total


def test_campaign_explore_spans_the_chosen_campaign(shop):
    with settings.override(static=False):
        controls = explore.explore_controls(shop, "618-2026", "en")
        assert controls["campaign"].value == "618-2026" and controls["metric"].value == "sales"
        assert controls["campaign"].description == "Campaign"
        shown = []
        explorer = show_explorer(lambda **v: shown.append(explore.render_explore(shop, lang="en", **v)) or shown[-1],
                                 controls, "en")
        controls["campaign"].value = "1111-2025"
    assert not explorer.errors
    fig = shown[-1]
    c = get_campaign(read_campaigns(shop), "1111-2025")
    from matplotlib.dates import num2date

    x = fig.axes[0].lines[0].get_xdata()
    first, last = (pd.Timestamp(num2date(v)).tz_localize(None).normalize() for v in (min(x), max(x)))
    assert first == c.warmup_start - pd.Timedelta(days=14) and last == c.end + pd.Timedelta(days=14)
    frame, total = slices.daily_slice(shop, Period(first, last), "sales")
    assert report_total(fig) == pytest.approx(total, rel=1e-3)
    assert len(fig.axes[0].patches) >= 2  # warm-up and event shaded
    plt.close("all")


def test_the_chinese_selectors_and_a_campaign_outside_the_data(shop, monkeypatch):
    controls = explore.explore_controls(shop, "618-2026", "zh")
    assert controls["campaign"].description == "活动" and controls["source"].options[0][0] == "全部"
    future = read_campaigns(shop)
    future.loc[future["campaign_id"] == "618-2026", ["warmup_start", "start", "end"]] = [
        pd.NaT, pd.Timestamp("2030-01-01"), pd.Timestamp("2030-01-05")]
    monkeypatch.setattr(explore, "read_campaigns", lambda _shop: future)
    shown = explore.render_explore(shop, "618-2026", "sales", None, None, lang="zh")
    assert shown.iloc[0, 0] == "活动不在数据范围内"
    shown = explore.render_explore(shop, "618-2026", "sales", None, None, lang="en")
    assert shown.iloc[0, 0] == "the campaign lies outside the data"
