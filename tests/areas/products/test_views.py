"""Sentences: every rule's finding said in both languages, data text escaped, no word of the
other language (data such as titles and categories aside)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from helpers.areas.products import findings, portfolio, views
from helpers.core.calendar import Period
from helpers.core.findings import Finding, not_enough_data
from tests.areas.products.support import MARCH, ODD

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
ACRONYMS = {"UV", "AOV", "ROI"}


def _pure(text: str, lang: str, data: tuple[str, ...] = ()) -> bool:
    """No word of the other language once the data texts are taken out."""
    for d in data:
        text = text.replace(d, "")
    if lang == "en":
        return not CJK.search(text)
    return not (set(LATIN_WORD.findall(text)) - ACRONYMS - {"inventory"})  # a table's file name


def test_describe_portfolio_without_inventory_in_both_languages(small):
    pf = portfolio.summarize_portfolio(small, MARCH)
    low = portfolio.low_margin_products(pf, 0.15)
    said = findings.portfolio_findings(pf.assign(abc_sales=portfolio.abc_classes(pf["sales"])), None, low)
    for lang in ("zh", "en"):
        text = views.describe_portfolio(said, lang)
        assert "inventory" in text
        assert "<b>" not in text  # titles are escaped
        assert _pure(text, lang)
    assert views.describe_portfolio(said, "zh").startswith("3 个商品中 2 个 A 类商品贡献了 100.00% 的销售额。")
    assert "1 products sold nothing in the period." in views.describe_portfolio(said, "en")


def test_describe_portfolio_names_loss_makers_escaped():
    said = [Finding("products.concentration", "portfolio", "a_class", {"products": 10, "a_products": 3,
                                                                         "a_share": 0.8}),
            Finding("products.loss_making", "portfolio", "stop_ads", {"count": 1, "examples": [ODD]}),
            Finding("products.low_margin", "portfolio", "no_extra_ads", {"count": 2, "min_margin": 0.15}),
            Finding("products.slow_movers", "portfolio", "clear_stock", {"count": 1, "slow_days": 90,
                                                                         "examples": ["收纳盒"]})]
    zh, en = views.describe_portfolio(said, "zh"), views.describe_portfolio(said, "en")
    assert "&lt;b&gt;" in zh and "<b>" not in zh and "&lt;b&gt;" in en
    assert "先停推广" in zh and "stop their ads first" in en
    assert "低于 15.00%" in zh and "under 15.00%" in en
    assert "够卖 90 天以上（如 收纳盒）" in zh and "more than 90 days of stock (e.g. 收纳盒)" in en
    assert _pure(zh, "zh", (ODD, "&lt;b&gt;x&lt;/b&gt;")) and _pure(en, "en", ("连衣裙", "收纳盒"))


def _scored():
    return pd.DataFrame({"title": ["新品 <i>", "老品"], "total_score": [82.6, 70.0], "product_id": [None, "p1"]},
                        index=["C1", "C2"])


def test_describe_scorecard_in_both_languages():
    trust = findings.judge_backtest({"rho": 0.78, "low": 0.62, "high": 0.88, "n": 51})
    zh, en = views.describe_scorecard(_scored(), trust, "zh"), views.describe_scorecard(_scored(), trust, "en")
    assert "新品 &lt;i&gt;（83 分）" in zh and "老品" not in zh  # past launches are not candidates
    assert "秩相关为 0.78（95% 区间 0.62 ~ 0.88），排序能力强" in zh
    assert "a strong ranking" in en and "(83)" in en
    nan = float("nan")
    short = findings.judge_backtest({"rho": nan, "low": nan, "high": nan, "n": 2})
    assert "不足 4 个" in views.describe_scorecard(_scored(), short, "zh")
    assert "Fewer than 4 past launches" in views.describe_scorecard(_scored(), short, "en")
    assert _pure(en, "en", ("新品",))


def _verdict(verdict, **evidence):
    base = {"metric": "click_rate", "element": "main_image", "winner": None, "leader": "B", "prob_best": 0.9294,
            "enough": False, "needed": 64709.0, "smallest": 28137.0, "control": "A", "baseline": 0.025}
    return Finding("products.test", "T-<主图>", verdict, {**base, **evidence}, 0.95)


def test_describe_test_says_each_verdict_in_both_languages():
    table = pd.DataFrame({"click_rate": [0.03, 0.0397]}, index=["A", "B"])
    won = _verdict("winner", winner="B", prob_best=1.0, needed=52716.0)
    assert views.describe_test(won, table, 0.1, "zh") == (
        "测试 T-&lt;主图&gt;：版本 B 胜出，点击率 3.97%，是最优版本的概率 100.00%。换上版本 B。"
        " 注意：最小样本未达到（每版本需 52,716），差异可能被高估。")
    assert views.describe_test(won, table, 0.1, "en").startswith(
        "Test T-&lt;主图&gt;: variant B wins on click rate (3.97%), probability of being best 100.00%.")
    same = _verdict("no_difference", enough=True)
    assert "没有可信差异（样本已够检出 10.00% 的相对提升）" in views.describe_test(same, table, 0.1, "zh")
    assert "no credible difference in click rate" in views.describe_test(same, table, 0.1, "en")
    running = _verdict("keep_running")
    assert views.describe_test(running, table, 0.1, "zh") == (
        "测试 T-&lt;主图&gt;：尚无结论，领先版本 B 最优概率 92.94%；每版本还需约 64,709 次曝光（当前最少 28,137），继续测试。")
    assert "64,709 impressions (smallest now 28,137)" in views.describe_test(running, table, 0.1, "en")
    clicks = _verdict("keep_running", metric="order_rate")
    assert "次点击" in views.describe_test(clicks, table, 0.1, "zh")
    assert " clicks (smallest" in views.describe_test(clicks, table, 0.1, "en")
    for f in (won, same, running):
        assert _pure(views.describe_test(f, table, 0.1, "en"), "en", ("主图",))


def test_describe_sample_plan():
    plan = pd.Series({0.01: 163004.0, 0.1: 14745.0})
    assert views.describe_sample_plan(plan, "zh") == "1.00%: 163,004 · 10.00%: 14,745"


def test_describe_pricing_in_both_languages():
    e = pd.DataFrame({"elasticity": [-2.22, -0.82], "low": [-2.39, -1.13], "high": [-2.05, -0.51],
                      "products_changed": [14, 12]}, index=["女装T恤", "美妆护肤"])
    prices = pd.DataFrame({"direction": ["raise", "raise", "cut", "keep"]})
    responses = findings.price_responses(e)
    zh, en = views.describe_pricing(responses, prices, "zh"), views.describe_pricing(responses, prices, "en")
    assert "女装T恤 价格弹性 -2.22（-2.39 ~ -2.05），富有弹性" in zh
    assert "2 个商品可提价，1 个可降价，1 个在最优区间内" in zh
    assert "美妆护肤: elasticity -0.82 (-1.13 to -0.51), close to -1" in en
    assert "2 products could be priced higher, 1 lower, 1 are inside it" in en
    assert "区间很宽" not in zh  # both intervals are narrower than 1
    assert _pure(en, "en", ("女装T恤", "美妆护肤"))


def test_describe_keywords_in_both_languages():
    coverage = pd.DataFrame({"missing": [True, False], "buyers_index": [5.0, 9.0]}, index=["婴儿湿巾", "连衣裙"])
    formula = pd.DataFrame({"core": [False, True], "long_tail_covered": [0, 2]})
    zh, en = views.describe_keywords(coverage, formula, "zh"), views.describe_keywords(coverage, formula, "en")
    assert zh.startswith("1 个搜索词没有任何标题覆盖，按成交指数排前的是：婴儿湿巾。")
    assert "1 个标题不含类目核心词" in zh and "1 个标题没有覆盖任何长尾词" in zh
    assert en.startswith("1 searched keywords appear in none of our titles; the most valuable: 婴儿湿巾.")
    assert _pure(en, "en", ("婴儿湿巾",))
    none = views.describe_keywords(coverage.assign(missing=False), formula.assign(core=True, long_tail_covered=1),
                                   "en")
    assert none == "Our titles carry every searched keyword."


def test_describe_rising_in_both_languages():
    rising = pd.DataFrame({"title": [ODD, "b"], "before_share": [0.01, 0.02], "recent_share": [0.03, 0.021],
                           "rising": [True, False]}, index=["p1", "p2"])
    zh, en = views.describe_rising(rising, 4, "zh"), views.describe_rising(rising, 4, "en")
    assert "1 个商品的销售占比在最近 4 周显著上升" in zh and "占比 1.00% → 3.00%" in zh and "<b>" not in zh
    assert "1 products' share of sales rose credibly in the last 4 weeks" in en and "share 1.00% → 3.00%" in en
    flat = rising.assign(rising=False)
    assert views.describe_rising(flat, 4, "zh").startswith("最近 4 周没有商品的销售占比显著上升")
    assert views.describe_rising(flat, 4, "en").startswith("No product's share of sales rose credibly")
    assert _pure(views.describe_rising(flat, 4, "zh"), "zh")


def test_describe_baskets_in_both_languages():
    pairs = pd.DataFrame({"product_a": ["p1", "p2"], "product_b": ["p2", "p3"], "pair_orders": [14, 9],
                          "lift": [1.96, 0.8]})
    aov = pd.DataFrame({"multi_share": [0.3, 0.0455]}, index=["女装连衣裙", "家居收纳"])
    titles = pd.Series({"p1": ODD, "p2": "炒锅"})
    zh, en = views.describe_baskets(pairs, aov, titles, "zh"), views.describe_baskets(pairs, aov, titles, "en")
    assert "（14 单，提升度 2.0）" in zh and "p3" not in zh and "<b>" not in zh
    assert "家居收纳 的多件订单最少（4.55%）" in zh
    assert "(14 orders, lift 2.0)" in en and "家居收纳 has the fewest multi-product orders (4.55%)" in en
    weak = pairs.assign(lift=[0.9, 0.8])
    weak_zh = views.describe_baskets(weak, aov, titles, "zh")
    assert weak_zh.startswith("数据不足") and "家居收纳 的多件订单最少（4.55%）" in weak_zh  # the add-on advice stays
    assert views.describe_baskets(weak, aov.iloc[:0], titles, "en").startswith("Not enough data yet: no pair")


def test_period_header_and_the_language_check():
    period = Period(pd.Timestamp("2025-01-01"), pd.Timestamp("2026-11-15"))
    assert views.period_header(period, "zh") == "**分析期** 2025-01-01 ~ 2026-11-15"
    assert views.period_header(period, "en") == "**Period** 2025-01-01 ~ 2026-11-15"
    with pytest.raises(ValueError, match="zh, en"):
        views.period_header(period, "cn")
    with pytest.raises(ValueError, match="zh, en"):
        views.describe_portfolio([not_enough_data("products.slow_movers", "portfolio")], "fr")
