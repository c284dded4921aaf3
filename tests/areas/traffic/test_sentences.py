"""What the traffic figures say: each sentence in both languages, wholly in its language, data
escaped, the numbers the calculations give."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers.areas.traffic import ads, anomalies, attribution, calc, decomposition, sentences
from helpers.core.calendar import Period
from helpers.core.shop import connect
from tests.areas.traffic.shop import ESCAPED, ODD, WEEK, noted

CJK = re.compile(r"[\u3400-\u9fff]")
DATA = ("搜索", "直通车", "淘宝客", "外链")  # names from the data, shown in either language


def assert_english(text: str) -> None:
    stripped = text
    for name in DATA:
        stripped = stripped.replace(name, "")
    assert not CJK.search(stripped), text


def assert_chinese(text: str) -> None:
    stripped = re.sub(r"ROI|UV|CPC|AOV|SKU|&lt;b&gt;|&lt;/b&gt;", "", text)
    assert not re.search(r"[A-Za-z]{2,}", stripped), text


@pytest.fixture()
def figures(shop):
    sources, _ = noted(calc.summarize_sources, shop, WEEK)
    return sources, calc.total_figures(sources, shop, WEEK)


def test_sources_sentence_is_escaped_in_both_languages(figures):
    sources, totals = figures
    for lang in ("zh", "en"):
        text = sentences.describe_sources(sources, totals, "pooled", lang)
        assert ESCAPED in text and "<b>" not in text
    zh = sentences.describe_sources(sources, totals, "pooled", "zh")
    en = sentences.describe_sources(sources, totals, "pooled", "en")
    assert "合计口径" in zh and "本期访客 1,110" in zh and "最值钱的来源是「搜索」" in zh
    assert "pooled (total / total)" in en and "The most valuable source is “搜索”" in en
    assert "付费流量占访客 31.53%、销售额 16.47%" in zh and "Paid traffic is 31.53% of visitors" in en
    assert_chinese(zh)
    assert_english(en)


def test_funnel_sentence(shop):
    funnel, _ = noted(calc.build_funnel, shop, WEEK)
    en = sentences.describe_funnel(funnel, "pooled", "en")
    assert "pooled" in en and "biggest leak" in en
    zh = sentences.describe_funnel(funnel, "pooled", "zh")
    assert "流失最多的环节是访客→加购" in zh
    assert_chinese(zh)
    assert_english(en)


def test_peers_sentence(shop):
    peers, _ = noted(calc.compare_peers, shop, WEEK)
    zh = sentences.describe_peers(peers, "zh")
    assert "同行数据缺少：客单价" in zh and "追平平均约可多卖 ¥190" in zh
    en = sentences.describe_peers(peers, "en")
    assert "Peers publish no AOV" in en and "Work on UV value" in en
    assert_chinese(zh)
    assert_english(en)
    empty = peers.assign(peer_avg=float("nan"))
    assert sentences.describe_peers(empty, "en") == "No peer-tier data for this period."


def test_ads_sentences(shop, shop_dir):
    review, _ = noted(ads.review_ads, shop, WEEK)
    en = sentences.describe_ads(review.plans, review.channels, review.margin, "en")
    assert "break-even ROI is 2.06" in en and "Cut: B" in en and "Scale up: C," in en and "No verdict yet: A" in en
    # 淘宝客's 1-day window is no reason to call the plans incomparable: it is judged on its commission rate
    assert "attribution windows" not in en
    zh = sentences.describe_ads(review.plans, review.channels, review.margin, "zh")
    assert "建议削减：B（合计亏损毛利 ¥50.00）" in zh
    assert_chinese(zh)
    assert_english(en)
    grid = sentences.describe_profit_grid(review.plans, review.margin, "en")
    assert "at least 3.43%" in grid and "at most ¥2.92" in grid  # 2 / (120 x 0.486); 0.05 x 120 x 0.486
    assert "保本需要点击转化率不低于 3.43%" in sentences.describe_profit_grid(review.plans, review.margin, "zh")
    (shop_dir / "products.csv").unlink()
    bare, _ = noted(ads.review_ads, connect(shop_dir), WEEK)
    assert "unit_cost" in sentences.describe_ads(bare.plans, bare.channels, bare.margin, "en")
    assert "无法做敏感性分析" in sentences.describe_profit_grid(bare.plans, bare.margin, "zh")


def test_decomposition_sentences(shop):
    table, _ = noted(decomposition.decompose_sales, shop, WEEK)
    zh = sentences.describe_decomposition(table, "zh")
    assert "「搜索」增加 ¥700，主要来自访客数" in zh and "「直通车」减少 ¥700，主要来自支付转化率" in zh
    en = sentences.describe_decomposition(table, "en")
    assert "“搜索” added ¥700, mostly through visitors" in en and "“直通车” lost ¥700, mostly through conversion" in en
    assert_chinese(zh)
    assert_english(en)
    first = Period(pd.Timestamp("2026-10-26"), pd.Timestamp("2026-11-01"))
    table, _ = noted(decomposition.decompose_sales, shop, first)
    assert "cannot be split" in sentences.describe_decomposition(table, "en")
    assert "无法拆解" in sentences.describe_decomposition(table, "zh")


def test_a_fall_in_sales_says_where_to_look(shop):
    table, _ = noted(decomposition.decompose_sales, shop, WEEK)
    table = table.copy()
    table[["previous", "current"]] = table[["current", "previous"]].to_numpy()
    table[["delta", "visitors_effect", "conversion_effect", "aov_effect"]] *= -1
    assert "Visitors drove it: check the traffic entrances first" in sentences.describe_decomposition(table, "en")
    assert "访客是主因" in sentences.describe_decomposition(table, "zh")


def test_anomaly_sentences_without_history(shop):
    scan, _ = noted(anomalies.find_anomalies, shop, WEEK, weeks=1)
    zh = sentences.describe_anomalies(scan, "zh")
    assert "未做异常检测" in zh and "至少 28 个正常日" in zh and "没有可检测的日期" in zh
    en = sentences.describe_anomalies(scan, "en")
    assert "were not tested: the seasonal baseline needs at least 28 ordinary days" in en
    assert_english(en)


@pytest.mark.recovery
def test_anomaly_sentences_on_the_sample(sample, truth):
    bots = next(a for a in truth["anomalies"] if a.get("kind") == "bots")
    scan, _ = noted(anomalies.find_anomalies, sample, Period(pd.Timestamp(bots["end"]), pd.Timestamp(bots["end"])),
                    weeks=1)
    assert "刷量" in sentences.describe_anomalies(scan, "zh")
    en = sentences.describe_anomalies(scan, "en")
    assert "Act on them quickly" in en and "likely bot traffic" in en
    # a scan over the Spring Festival names it in the report's language
    festival = Period(pd.Timestamp("2026-02-20"), pd.Timestamp("2026-02-26"))
    scan, _ = noted(anomalies.find_anomalies, sample, festival, weeks=1)
    assert "Spring Festival" in sentences.describe_anomalies(scan, "en").split("windows", 1)[1]
    assert_english(sentences.describe_anomalies(scan, "en").replace("站外抖音", "").replace("手淘搜索", ""))
    assert "（春节）" in sentences.describe_anomalies(scan, "zh")


def test_attribution_sentences(shop):
    (table, coverage), _ = noted(attribution.attribute_orders, shop, WEEK)
    en = sentences.describe_attribution(table, coverage, "en")
    assert "3 paid orders (75.00%" in en
    zh = sentences.describe_attribution(table, coverage, "zh")
    assert "3 笔成交（占本期 75.00%）有触点路径" in zh and "vs" not in zh
    assert "种草/引入型来源：直通车（首次 33.33%，末次 0.00%）" in zh
    assert "收割型来源：" + ESCAPED in zh
    assert_chinese(zh)
    assert_english(en)
    assert sentences.describe_attribution(table.iloc[:0], {"tracked_orders": 0}, "en").startswith("No paid order")


def test_sentences_refuse_an_unknown_language(figures):
    sources, totals = figures
    with pytest.raises(ValueError, match="zh"):
        sentences.describe_sources(sources, totals, "pooled", "fr")
    assert ODD in sources.index
