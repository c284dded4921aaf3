"""Keywords and titles: the coverage rule, keyword value on a hand-built table, the title
formula, word roots, and on the sample the planted keywords no title carries."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.products import keywords
from helpers.core.calendar import Period
from helpers.core.shop import connect
from tests.areas.products.support import ORDER_COLUMNS, write

KEYWORD_COLUMNS = ["week", "keyword", "category", "search_popularity", "click_rate", "online_items",
                   "conversion_rate", "avg_cpc"]


def test_title_coverage_rule():
    title = "2024新款 春夏 法式 碎花 连衣裙 女 收腰显瘦"
    assert keywords.covers(title, "法式连衣裙")
    assert keywords.covers(title, "连衣裙女夏")  # one single character (夏) allowed
    assert not keywords.covers(title, "小个子连衣裙")
    assert not keywords.covers(title, "新中式连衣裙")  # 新 and 中: two single characters
    assert keywords.covers("纯棉 短袖 T恤 女", "短袖t恤女")  # case and spaces ignored
    assert keywords.covers("ＴＥＥ 短袖", "tee")  # full-width letters are letters (NFKC)
    assert not keywords.covers(title, "")
    assert keywords.normalize_title("T恤，女 ！") == "t恤女"


def test_keyword_value_over_the_weeks_of_the_period(tmp_path):
    write(tmp_path, "orders", [["o1", "2026-03-02 10:00:00", "2026-03-02 10:01:00", "c1", "p1", 1, 10, 10, "搜索", "",
                                "paid"]], ORDER_COLUMNS)
    write(tmp_path, "keywords", [
        ["2026-03-02", "连衣裙", "女装连衣裙", 1000, 0.4, 50000, 0.05, 2.0],
        ["2026-03-09", "连衣裙", "女装连衣裙", 3000, 0.2, 70000, 0.03, 1.0],
        ["2026-03-02", "碎花裙", "女装连衣裙", 500, 0.5, 1000, 0.04, 0.5],
        ["2026-04-06", "连衣裙", "女装连衣裙", 9999, 0.9, 1, 0.9, 9.0],  # outside March
    ], KEYWORD_COLUMNS)
    march = Period(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))
    kw = keywords.keyword_value(connect(tmp_path), march)
    dress = kw.loc["连衣裙"]
    assert dress["search_popularity"] == 2000 and dress["weeks"] == 2  # weekly means
    assert dress["buyers_index"] == pytest.approx(2000 * 0.3 * 0.04)
    assert dress["competition_ratio"] == pytest.approx(60000 / 2000)
    assert dress["value_per_cpc"] == pytest.approx(2000 * 0.3 * 0.04 / 1.5)
    assert list(kw.index) == ["连衣裙", "碎花裙"]  # most valuable first: 24 against 10


def test_coverage_and_title_formula():
    kw = pd.DataFrame({"category": ["女装连衣裙"] * 5, "search_popularity": [900, 500, 400, 300, 100],
                       "buyers_index": [50.0, 40, 30, 20, 10]},
                      index=["连衣裙", "法式连衣裙", "碎花裙", "小个子连衣裙", "连衣裙女夏"])
    listing = pd.DataFrame({"title": ["法式 碎花 连衣裙 女", "小个子 长裙"], "category": ["女装连衣裙"] * 2},
                           index=pd.Index(["p1", "p2"], name="product_id"))
    cov = keywords.keyword_coverage(listing["title"], kw)
    # 碎花裙 = 碎花 + 裙 (one single character); 连衣裙女夏 needs 夏, which no title has
    assert cov["titles_covering"].tolist() == [1, 1, 1, 0, 0]
    assert cov["missing"].tolist() == [False, False, False, True, True]
    assert cov["valuable"].tolist() == [True, True, True, False, False]  # at or above the median (30)
    formula = keywords.title_formula(listing, kw, head=2)
    assert formula.loc["p1", ["core", "head_covered", "long_tail_covered", "long_tail_total"]].tolist() == [
        True, 2, 1, 3]  # of the long tail only 碎花裙
    assert formula.loc["p1", "attribute_words"] == 3  # 法式, 碎花, 女 (连衣裙 is the core word)
    # 小个子 长裙 names no kind the keywords name (no 连衣裙, no 碎花裙): no core word to lack
    assert formula.loc["p2", "core"] and pd.isna(formula.loc["p2", "core_word"])
    assert formula.loc["p2", "title_chars"] == 6


def test_a_title_is_judged_on_the_core_word_of_its_own_kind_of_product():
    """The category's most searched word (爽肤水) is not a 洁面乳's: a cleanser is judged on
    洗面奶, which its type word 洁面乳 names; a 湿巾 lacking 婴儿湿巾 is still flagged."""
    kw = pd.DataFrame({"category": ["美妆护肤"] * 3 + ["母婴用品"] * 2, "search_popularity": [900, 500, 300, 800, 100],
                       "buyers_index": [1.0] * 5}, index=["爽肤水", "面霜", "洗面奶", "婴儿湿巾", "奶瓶"])
    listing = pd.DataFrame({"title": ["悦颜 舒缓 洁面乳 学生", "悦颜 修护 面霜 女", "悦颜 控油 化妆水", "悦颜 修护 精华液",
                                      "小悦宝贝 新生儿 湿巾 防胀气"],
                            "category": ["美妆护肤"] * 4 + ["母婴用品"]},
                           index=pd.Index(["cleanser", "cream", "toner", "serum", "wipes"], name="product_id"))
    formula = keywords.title_formula(listing, kw)
    assert formula["core"].to_dict() == {"cleanser": True, "cream": True, "toner": True, "serum": True, "wipes": False}
    assert formula["core_word"].fillna("").to_dict() == {"cleanser": "洗面奶", "cream": "面霜", "toner": "爽肤水",
                                                         "serum": "", "wipes": "婴儿湿巾"}
    assert keywords.type_word("连衣裙女夏") == "衣裙" and keywords.type_word("洁面乳") == "面奶"


def test_word_roots_weight_by_popularity_and_drop_contained_roots():
    kw = pd.DataFrame({"search_popularity": [100.0, 50.0, 10.0, 10.0]}, index=["连衣裙", "连衣裙女", "衬衫", "短裤"])
    roots = keywords.word_roots(kw, pd.Series(["法式 连衣裙", "衬衫 男"]), top=5)
    assert roots.index.name == "root"
    # 连衣 and 衣裙 sit inside 连衣裙 with all of their weight, 裙女 inside 衣裙女: dropped
    assert roots.loc["连衣裙", "root_weight"] == 150 and "连衣" not in roots.index and "衣裙" not in roots.index
    assert "裙女" not in roots.index and roots.loc["衣裙女", "root_weight"] == 50
    assert roots.loc["连衣裙", "keywords"] == 2 and roots.loc["连衣裙", "in_titles"] == 1
    assert roots["root_weight"].is_monotonic_decreasing
    assert list(roots.index) == ["连衣裙", "衣裙女", "短裤", "衬衫"]  # equal weights in the roots' order


@pytest.mark.recovery
def test_the_planted_missing_keywords_are_found(sample, truth, whole):
    kw = keywords.keyword_value(sample, whole)
    listing = keywords.listings(sample)
    cov = keywords.keyword_coverage(listing["title"], kw)
    planted = set(truth["keywords"]["missing_from_titles"])
    assert planted <= set(cov.index[cov["missing"]])
    assert not cov.loc["连衣裙", "missing"] and not cov.loc["法式连衣裙", "missing"]
    assert (cov["buyers_index"] > 0).all()


@pytest.mark.recovery
def test_word_roots_weight_the_searched_words(sample, whole):
    kw = keywords.keyword_value(sample, whole)
    listing = keywords.listings(sample)
    roots = keywords.word_roots(kw, listing["title"])
    assert {"衬衫", "连衣裙"} <= set(roots.index)
    assert roots["root_weight"].is_monotonic_decreasing
    formula = keywords.title_formula(listing, kw)
    dresses = formula[formula["category"] == "女装连衣裙"]
    assert dresses["core"].all()  # every dress title carries 连衣裙
