"""Charts: the Chinese font, formatted axes, the shared plots."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from helpers.present import charts as p  # noqa: E402

NAN = float("nan")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_axis_formatters():
    fig, ax = plt.subplots()
    p.yuan_axis(ax)
    f = ax.yaxis.get_major_formatter()
    assert f(500, 0) == "¥500"
    assert f(30000, 0) == "¥3万"
    assert f(15000, 0) == "¥1.5万"
    p.wan_axis(ax, "x")
    g = ax.xaxis.get_major_formatter()
    assert g(20000, 0) == "2万"
    assert g(2e8, 0) == "2亿"
    assert g(5000, 0) == "5,000"
    p.wan_axis(ax, "x", lang="en")
    assert ax.xaxis.get_major_formatter()(20000, 0) == "20k"
    p.pct_axis(ax, digits=0)
    assert ax.yaxis.get_major_formatter()(0.05, 0) == "5%"
    p.count_axis(ax)
    assert ax.yaxis.get_major_formatter()(1234, 0) == "1,234"


def _render(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    return buf.getvalue()


def test_set_theme_selects_noto_sans_sc():
    p.set_theme("zh")
    p.set_theme("zh")  # twice is fine (and cheap)
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans SC"
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    found = font_manager.findfont(font_manager.FontProperties())
    assert found == p.font_path()

    def registered() -> int:
        return sum(f.fname == p.font_path() for f in font_manager.fontManager.ttflist)

    before = registered()
    assert before >= 1
    p.set_theme("en")
    p.set_theme("zh")
    assert registered() == before  # the font is added once


def test_set_theme_survives_a_seaborn_reset():
    import seaborn as sns

    p.set_theme()
    sns.set_theme()  # resets the font list
    assert matplotlib.rcParams["font.sans-serif"][0] != "Noto Sans SC"
    p.set_theme()
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans SC"


def test_chinese_figure_renders_without_missing_glyphs():
    p.set_theme("zh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig, ax = plt.subplots()
        ax.plot([1, 2, 3], [-1, 0, 2])
        title = ax.set_title("支付转化率 — 双11 大促复盘（同比 ¥1.2万）")
        ax.set_xlabel("日期")
        ax.set_ylabel("访客数 · 跳失率 %")
        png = _render(fig)
    assert png.startswith(b"\x89PNG")
    assert font_manager.findfont(title.get_fontproperties()) == p.font_path()


def test_plot_trend():
    df = pd.DataFrame(
        {
            "date": list(pd.date_range("2026-11-01", periods=12)) * 2,
            "source": ["自然搜索"] * 12 + ["直通车 $5 off"] * 12,
            "conversion_rate": np.linspace(0.01, 0.05, 24),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = p.plot_trend(
            df,
            "date",
            "conversion_rate",
            hue="source",
            kind="pct",
            title="支付转化率趋势",
            source="生意参谋",
        )
        png = _render(fig)
    assert png.startswith(b"\x89PNG")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "支付转化率"
    assert ax.get_xlabel() == "日期"
    assert ax.get_legend().get_title().get_text() == "流量来源"
    assert ax.yaxis.get_major_formatter()(0.05, 0).endswith("%")


def test_plot_trend_english_dates_as_objects():
    df = pd.DataFrame(
        {
            "date": [d.date() for d in pd.date_range("2026-11-01", periods=5)],
            "paid_amount": [12000.0, 15000, 9000, 30000, 22000],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = p.plot_trend(df, "date", "paid_amount", kind="yuan", lang="en", title="Sales")
        _render(fig)
    assert fig.axes[0].get_ylabel() == "Paid amount"


def test_plot_bar_change():
    df = pd.DataFrame(
        {
            "product": [
                "连衣裙女夏季新款<b>法式</b>碎花长裙超长标题测试一下截断效果",
                "男士T恤",
                "儿童凉鞋 $9.9 包邮",
                "保温杯",
                "没变化",
            ],
            "change": [0.35, -0.2, 0.05, -0.6, NAN],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = p.plot_bar_change(df, "product", "change", title="变化最大商品", top=3)
        _render(fig)
    ax = fig.axes[0]
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert len(labels) == 3  # top 3 by absolute change, NaN dropped
    assert labels[0] == "保温杯" and labels[-1].startswith("连衣裙")  # biggest increase on top
    assert labels[-1].endswith("…")
    bars = ax.patches
    up = matplotlib.colors.to_hex(bars[-1].get_facecolor())
    down = matplotlib.colors.to_hex(bars[0].get_facecolor())
    assert up == "#d62728" and down == "#2ca02c"  # zh: 红涨绿跌
    texts = [t.get_text() for t in ax.texts]
    assert "+35.0%" in texts and "-60.0%" in texts


def test_plot_bar_change_colors_and_empty():
    df = pd.DataFrame({"product": ["a", "b"], "delta": [100.0, -50.0]})
    fig = p.plot_bar_change(df, "product", "delta", kind="yuan", lang="en")
    colors = [matplotlib.colors.to_hex(b.get_facecolor()) for b in fig.axes[0].patches]
    assert colors == ["#d62728", "#2ca02c"]  # en: -50 red (down), +100 green (up)
    fig = p.plot_bar_change(df, "product", "delta", colors=("#000000", "#ffffff"))
    colors = [matplotlib.colors.to_hex(b.get_facecolor()) for b in fig.axes[0].patches]
    assert colors == ["#ffffff", "#000000"]
    empty = pd.DataFrame({"product": [], "delta": []})
    _render(p.plot_bar_change(empty, "product", "delta"))
