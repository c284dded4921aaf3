"""Tests for helpers.plots: formatters, Chinese font rendering, labels, safe tables."""

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

from helpers import plots as p  # noqa: E402

NAN = float("nan")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------- formatters


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234, "¥1,234"),
        (1234.6, "¥1,235"),
        (100, "¥100"),
        (12.5, "¥12.50"),
        (99.999, "¥100.00"),
        (0, "¥0.00"),
        (-1234, "-¥1,234"),
        (-12.5, "-¥12.50"),
        (-0.001, "¥0.00"),
        (1_234_567.8, "¥1,234,568"),
        (NAN, "—"),
        (None, "—"),
        (pd.NA, "—"),
        (np.inf, "—"),
    ],
)
def test_fmt_yuan(value, expected):
    assert p.fmt_yuan(value) == expected


def test_fmt_pct():
    assert p.fmt_pct(0.035) == "3.5%"
    assert p.fmt_pct(0.035, digits=2) == "3.50%"
    assert p.fmt_pct(-0.0351) == "-3.5%"
    assert p.fmt_pct(0.035, signed=True) == "+3.5%"
    assert p.fmt_pct(-0.035, signed=True) == "-3.5%"
    assert p.fmt_pct(-0.00001) == "0.0%"
    assert p.fmt_pct(1.5) == "150.0%"
    assert p.fmt_pct(NAN) == "—"
    assert p.fmt_pct(np.float64("nan")) == "—"


def test_fmt_count_and_ratio():
    assert p.fmt_count(1234) == "1,234"
    assert p.fmt_count(1234.6) == "1,235"
    assert p.fmt_count(-56) == "-56"
    assert p.fmt_count(-0.2) == "0"
    assert p.fmt_count(None) == "—"
    assert p.fmt_ratio(3.256) == "3.26"
    assert p.fmt_ratio(-1.5) == "-1.50"
    assert p.fmt_ratio(NAN) == "—"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12345, "1.23万"),
        (1.5e8, "1.50亿"),
        (9999, "9,999"),
        (9999.6, "1.00万"),  # rounds up into 万
        (10_000, "1.00万"),
        (99_995_000, "9999.50万"),
        (99_999_999, "1.00亿"),  # never "10000.00万"
        (100_000_000, "1.00亿"),
        (-12345, "-1.23万"),
        (-1.5e8, "-1.50亿"),
        (0, "0"),
        (12.5, "12.50"),
        (NAN, "—"),
    ],
)
def test_fmt_wan(value, expected):
    assert p.fmt_wan(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12345, "12.3k"),
        (1.5e8, "150.0M"),
        (1.5e9, "1.5B"),
        (999, "999"),
        (999_940, "999.9k"),
        (999_960, "1.0M"),
        (-2500, "-2.5k"),
        (NAN, "—"),
    ],
)
def test_fmt_big_en(value, expected):
    assert p.fmt_big(value, "en") == expected


def test_fmt_big_zh_is_wan():
    assert p.fmt_big(12345, "zh") == "1.23万"


def test_formatter_kinds():
    assert p.formatter("yuan")(12.5) == "¥12.50"
    assert p.formatter("signed_pct")(0.1) == "+10.0%"
    assert p.formatter("big", "en")(12345) == "12.3k"
    assert p.formatter("conversion_rate")(0.035) == "3.5%"  # metric key -> its unit
    assert p.formatter("aov")(150) == "¥150"
    assert p.formatter("roi")(3.2) == "3.20"
    with pytest.raises(ValueError):
        p.formatter("kg")


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


# --------------------------------------------------------------------------- labels


def test_label_and_t():
    assert p.label("conversion_rate") == "支付转化率"
    assert p.label("conversion_rate", "en") == "Conversion rate"
    assert p.label("aov", "zh", unit=True) == "客单价 (元)"
    assert p.label("visitors") == "访客数"  # not a metric: UI word
    assert p.t("previous_period") == "上期"
    assert p.t("same_period_last_year", "en") == "Same period last year"
    assert p.t("peer_avg") == "同行平均"
    assert p.t("peer_excellent", "en") == "Peer excellent"
    for key, (zh, en) in p.UI_TEXT.items():
        assert p.t(key, "zh") == zh and p.t(key, "en") == en
    with pytest.raises(KeyError):
        p.t("no_such_word")


# --------------------------------------------------------------------------- tables


def test_style_table_escapes_html_and_formats():
    df = pd.DataFrame(
        {
            "title": ["<script>alert('x')</script>连衣裙", "保温杯 & 茶杯"],
            "paid_amount": [12345.0, NAN],
            "conversion_rate": [0.035, NAN],
            "orders": [1234, 5],
        },
        index=["<b>p1</b>", "p2"],
    )
    formats = {"paid_amount": "wan", "conversion_rate": "pct", "orders": "count"}
    html = p.style_table(df, formats).to_html()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b>p1</b>" not in html and "&lt;b&gt;p1&lt;/b&gt;" in html
    assert "保温杯 &amp; 茶杯" in html
    assert "1.23万" in html and "3.5%" in html and "1,234" in html
    assert "—" in html and "nan" not in html.lower()
    assert "支付转化率" in html and "支付金额" in html  # headers translated


def test_style_table_english_and_no_translation():
    df = pd.DataFrame({"paid_amount": [12345.0], "weird col": ["<i>x</i>"]})
    html = p.style_table(df, {"paid_amount": "big"}, "en").to_html()
    assert "12.3k" in html and "Paid amount" in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html
    html = p.style_table(df, {"paid_amount": "yuan"}, translate=False, hide_index=True).to_html()
    assert "paid_amount" in html and "¥12,345" in html


def test_style_table_unknown_column():
    with pytest.raises(KeyError):
        p.style_table(pd.DataFrame({"a": [1]}), {"b": "pct"})


def test_style_table_escapes_headers():
    df = pd.DataFrame({"<img src=x onerror=alert(1)>": [1]})
    html = p.style_table(df).to_html()
    assert "<img" not in html


# --------------------------------------------------------------------------- theme and plots


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


def test_module_words_come_in_both_languages_and_a_typo_is_refused():
    from helpers import campaigns, market, products, service, traffic

    table = {"uplift": ("增量", "Uplift")}
    assert p.label_from(table, "uplift", "zh") == "增量"
    assert p.label_from(table, "uplift", "en") == "Uplift"
    # every area module's words go through the one check: "cn" is not silently English
    for module in (campaigns, market, products, service, traffic):
        with pytest.raises(ValueError, match="zh or en"):
            module.text(next(iter(module.TEXT)), "cn")
