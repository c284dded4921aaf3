"""Tests for helpers.areas.market.sentences: each sentence in both languages, data text escaped."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers.areas.market import sentences
from helpers.areas.market.calibration import Calibration

ACRONYMS = {"CR", "HHI"}
CJK = re.compile(r"[\u3400-\u9fff]")


def english_words(text: str, data: tuple[str, ...] = ()) -> list[str]:
    """Latin words in a Chinese sentence, acronyms, entities and the data's own text aside."""
    for item in data:
        text = text.replace(item, "")
    text = re.sub(r"&\w+;", "", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ACRONYMS]


def both(func, *args, data: tuple[str, ...] = ()) -> tuple[str, str]:
    """``func(*args, lang)`` in Chinese and English, each wholly in its language (data text aside)."""
    zh, en = func(*args, "zh"), func(*args, "en")
    assert not english_words(zh, data), zh
    for item in data:
        en = en.replace(item, "")
    assert not CJK.search(en), en
    return func(*args, "zh"), func(*args, "en")


MONTHS = pd.date_range("2024-12-01", periods=4, freq="MS")


def _size(shares=(0.05, 0.05, 0.08, 0.5)) -> pd.DataFrame:
    """Three full months (the own-share rule's minimum) and a partial one."""
    return pd.DataFrame({"sales": [1000.0, 1000.0, 2000.0, 500.0], "sales_low": [990.0, 990.0, 1900.0, 450.0],
                         "sales_high": [1010.0, 1010.0, 2100.0, 550.0], "estimated_sales": [100.0, 100.0, 400.0, 50.0],
                         "extrapolated_share": [0.0] * 4, "own_share": list(shares),
                         "partial": [False, False, False, True]}, index=MONTHS)


CAL = Calibration(alpha=0.5, beta=1.56, cov=((0.0, 0.0), (0.0, 0.0)), sigma=0.031, n=1730, r2=0.9994,
                  index_min=24.0, index_max=3449.0, loo_coverage=0.904, confidence=0.9)


def test_size_sentence_gives_the_last_full_month_its_interval_and_the_share_verdict():
    zh, en = both(sentences.describe_size, _size(), {"growth": 0.1359}, "dresses", CAL, data=("dresses",))
    assert "dresses 2025-02 市场规模 ¥2,000（±5.00%，其中 20.00% 由交易指数估算）；近 6 个完整月同比 13.59%。" in zh
    assert "本店占 8.00%（2024-12 为 5.00%），份额在扩大。" in zh
    assert en.startswith("dresses sold ¥2,000 in 2025-02 (±5.00%; 20.00% estimated from the trade index); the last 6")
    assert en.endswith("Our share is 8.00% (5.00% in 2024-12): we are gaining ground.")
    _, falling = both(sentences.describe_size, _size((0.05, 0.05, 0.04, 0.9)), {"growth": 0.1}, "d", None)
    assert "(±" not in falling and falling.endswith("we are not keeping up with the market.")
    empty = _size().assign(sales=0.0)
    assert both(sentences.describe_size, empty, {"growth": np.nan}, "d", CAL) == (
        "该类目没有完整月份的销售。", "The category has no full month with sales.")


def test_sentences_escape_data_text_and_read_in_both_languages():
    bands = pd.DataFrame({"sales": [10.0, 90.0], "sales_share": [0.1, 0.9], "listing_share": [0.5, 0.5],
                          "listing_months": [5, 5], "demand_per_listing": [2.0, 18.0], "own_share": [0.0, 0.2]},
                         index=["<100", "≥100"])
    zh, en = both(sentences.describe_bands, bands)
    assert "¥≥100 贡献 90.00%" in zh and "¥≥100 carries 90.00% of sales with 50.00%" in en
    assert "供给最不足的是 ¥≥100：每个商品每月 ¥18.00，是各价格带中位数的 1.8 倍" in zh
    assert "The most under-supplied band is ¥≥100: ¥18.00 per listing per month, 1.8× the median band" in en
    assert sentences.describe_bands(bands.assign(sales=[90.0, 10.0]), "en").startswith("¥&lt;100 carries")
    with pytest.raises(ValueError, match="lang='fr'"):
        sentences.describe_bands(bands, "fr")
    changes = pd.DataFrame({"month": [pd.Timestamp("2025-03-01")], "shop": ["<b>shop*"], "listing_id": ["1"],
                            "old_price": [10.0], "new_price": [8.0], "price_change": [-0.2], "title_change": ["+x"]})
    status = pd.DataFrame({"gone": [False]}, index=["<b>shop*"])
    sentence = sentences.describe_competitors(status, changes, ["<b>shop*"], "en")
    assert "<b>" not in sentence and "&lt;b&gt;shop\\*" in sentence
    assert sentence == "1 competitor price or title changes (1 by the tracked ones): &lt;b&gt;shop\\* 2025-03 ¥10.00→¥8.00 +x."
    zh = sentences.describe_competitors(status.assign(gone=True), changes, [], "zh")
    assert zh == "共发现 1 次竞品改价或改标题（跟踪对象 0 次）：&lt;b&gt;shop\\* 2025-03 ¥10.00→¥8.00 +x。 已退出：&lt;b&gt;shop\\*。"
    assert both(sentences.describe_bands, bands.assign(sales=0.0)) == ("没有可分价格带的销售。",
                                                                        "No sales to split into price bands.")


def test_concentration_sentence_names_the_level_the_leader_and_the_newcomers():
    conc = pd.DataFrame({"sellers": [9] * 4, "cr5": [0.9, 0.9, 0.8069, 0.7], "hhi": [3000.0, 3000.0, 1627.0, 900.0]},
                        index=MONTHS)
    # a year of entries before the months judged (the newcomers rule's minimum)
    entries = pd.DataFrame({"entrant_share": [0.0] * 12 + [0.0, 0.0, 0.0407, 0.5]},
                           index=pd.date_range("2023-12-01", periods=16, freq="MS"))
    shops = pd.DataFrame({"share": [0.2287]}, index=pd.Index(["leader"], name="shop"))
    none = pd.DataFrame(columns=["first_month", "rank", "sales", "share"])
    zh, en = both(sentences.describe_concentration, conc, entries, _size(), shops, none, data=("leader",))
    assert zh == ("2025-02 CR5 为 80.69%，HHI 1,627（中度集中）；第一名 leader 占 22.87%。"
                  "近12个月新进入的商品拿到 4.07% 的销售额，新进入者很难分到份额。")
    assert en == ("In 2025-02 CR5 is 80.69% and HHI 1,627 (moderately concentrated); the leader leader holds 22.87%. "
                  "Listings that entered in the last 12 months take 4.07% of sales: newcomers find it hard to win share.")
    _, open_en = both(sentences.describe_concentration, conc, entries.assign(entrant_share=0.06), _size(), shops,
                      none, data=("leader",))
    assert open_en.endswith("there is room for newcomers.")
    assert both(sentences.describe_concentration, conc.assign(hhi=np.nan), entries, _size(), shops, none)[1] == (
        "No month with sales to measure concentration.")


def test_calibration_sentence_says_how_far_to_trust_it_and_names_suspects():
    flags = pd.DataFrame({"shop": ["S<1>", "S2"], "flagged": [True, False]}, index=pd.Index(["11", "22"]))
    zh, en = both(sentences.describe_calibration, CAL, flags, 0.466)
    assert zh.startswith("用本店 1730 组（交易指数, 销售额）拟合：销售额 ∝ 指数^1.56，R² 0.999，留一法 90% 区间实际覆盖 90%；")
    assert "单个商品估算误差约 ±5%" in zh and zh.endswith("疑似刷单（交易指数远高于流量所能解释）：S&lt;1&gt; (11)。")
    assert "按外推占比放宽后误差约 ±10%" in zh  # 5.2% / (1 - 46.6%)
    assert "about ±5% per listing" in en and en.endswith("traffic explains): S&lt;1&gt; (11).")
    zh, en = both(sentences.describe_calibration, None, flags.assign(flagged=False), np.nan)
    assert zh == "自有（指数, 销售额）样本不足，无法还原指数；只有公布销量的商品计入销售额。 没有发现交易指数异常偏高的商品。"
    assert en.endswith("No listing's trade index is out of line with its traffic.")


def test_opportunity_sentence_and_reasons():
    scored = pd.DataFrame({"category": ["dresses", "tops", "tops"], "band": ["110-190", "<50", "≥50"],
                           "opportunity_score": [80.4, 50.0, 20.0], "demand_rank": [2, 1, 3],
                           "growth": [0.774, np.nan, 0.1], "hhi": [4349.0, 1200.0, 900.0],
                           "own_share": [0.0277, 0.1, 0.0]})
    reasons = sentences.opportunity_reasons(scored, "en")
    assert reasons.tolist()[:2] == [
        "demand #2 of 3, growth 77.40%, HHI 4,349 (highly concentrated), our share 2.77%",
        "demand #1 of 3, growth —, HHI 1,200 (unconcentrated), our share 10.00%"]
    assert sentences.opportunity_reasons(scored, "zh").iloc[0] == "需求第2/3，增长 77.40%，HHI 4,349（高度集中），本店占 2.77%"
    zh, en = both(sentences.describe_opportunity, scored, (1.0, 0.5, 1.0), data=("dresses",))
    assert zh == ("按权重（需求/增长/竞争 = 1/0.5/1），机会最大的是 dresses ¥110-190，机会分 80："
                  "需求第2/3，增长 77.40%，HHI 4,349（高度集中），本店占 2.77%。")
    assert en.startswith("With weights demand/growth/competition = 1/0.5/1, the best opening is dresses ¥110-190, score 80: ")
    assert both(sentences.describe_opportunity, scored.iloc[:0], (1.0, 1.0, 1.0)) == (
        "最佳机会：数据不足（0 个细分市场有销售，至少要 3 个才能比较）。",
        "Best opening: not enough data yet (0 segments with sales, 3 needed to compare).")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_header_and_hhi_words(lang):
    header = sentences.category_header("<cat>", "2026-11-15", lang)
    assert header == {"zh": "**类目** &lt;cat&gt; · 数据截至 2026-11-15",
                      "en": "**Category** &lt;cat&gt; · data up to 2026-11-15"}[lang]
    assert sentences.hhi_words("highly_concentrated", lang) == {"zh": "高度集中", "en": "highly concentrated"}[lang]
    assert sentences.hhi_words("not_enough_data", lang) == {"zh": "无数据", "en": "No data"}[lang]
