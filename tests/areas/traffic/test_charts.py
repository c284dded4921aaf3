"""Traffic plots: drawn from the calculations, titled and labelled in the report's language."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers.areas.traffic import ads, anomalies, calc, charts, decomposition
from helpers.core.calendar import Period
from tests.areas.traffic.shop import ODD, WEEK, noted

CJK = re.compile(r"[\u3400-\u9fff]")


def _texts(fig) -> list[str]:
    ax = fig.axes[0]
    out = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.get_yticklabels())]
    legend = ax.get_legend()
    if legend is not None:
        out += [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
    return [t for t in out if t]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_funnel_plot(shop):
    funnel, _ = noted(calc.build_funnel, shop, WEEK)
    en = _texts(charts.plot_funnel(funnel, "en"))
    assert "Funnel (share of visitors · step rate)" in en and "Add-to-cart buyers" in en
    assert not any(CJK.search(t) for t in en)
    zh = _texts(charts.plot_funnel(funnel, "zh"))
    assert "加购人数" in zh and zh[0].startswith("转化漏斗")
    labels = [t.get_text() for t in charts.plot_funnel(funnel, "en").axes[0].texts]
    assert labels[0] == "1,110 (100.0%)" and labels[-1] == "43 (3.9% · 75.4%)"  # 43 paid of 57 ordering


def test_trend_plot_names_the_groups(shop):
    trend = calc.daily_trend(shop, WEEK.end, weeks=1)
    en = _texts(charts.plot_daily_trend(trend, "en", highlight=(WEEK.start, WEEK.end)))
    assert {"Free search", "Paid ads", "Off-site", "Source group", "Visitors"} <= set(en)
    zh = _texts(charts.plot_daily_trend(trend, "zh"))
    assert {"自然搜索", "付费推广", "站外", "来源分组", "访客数"} <= set(zh)


def test_profit_grid_and_effects_plots(shop):
    review, _ = noted(ads.review_ads, shop, WEEK)
    fig = charts.plot_profit_grid(review.grid, "en")
    assert _texts(fig)[:3] == ["CPC × click conversion → gross profit after ads", "CPC", "Click conversion"]
    assert charts.plot_profit_grid(pd.DataFrame(), "en") is None
    assert _texts(charts.plot_profit_grid(review.grid, "zh"))[0] == "点击花费 × 点击转化率 → 推广后毛利"
    change, _ = noted(decomposition.decompose_sales, shop, WEEK)
    fig = charts.plot_effects(change, "zh")
    texts = _texts(fig)
    assert texts[0] == "各来源销售额变化" and ODD in texts and "全店" not in texts


def test_anomaly_plot_is_none_without_anomalies(shop):
    scan, _ = noted(anomalies.find_anomalies, shop, WEEK, weeks=1)
    assert charts.plot_anomalies(scan, "en") is None


@pytest.mark.recovery
def test_anomaly_plot_shows_the_largest_anomaly(sample):
    scan, _ = noted(anomalies.find_anomalies, sample, Period(pd.Timestamp("2026-10-14"), pd.Timestamp("2026-10-14")),
                    weeks=1)
    top = scan.anomalies.iloc[0]
    for lang, words in (("en", {"Observed", "Baseline"}), ("zh", {"实际", "基线预期"})):
        texts = _texts(charts.plot_anomalies(scan, lang))
        assert words <= set(texts) and texts[0].startswith(str(top["source"]))
