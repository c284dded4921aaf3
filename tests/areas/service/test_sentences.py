"""The report's sentences in both languages: the facts, escaping, and no word of the other language."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from helpers.areas.service import (
    dsr,
    flags,
    fulfilment,
    phrases,
    refunds,
    reviews,
    scope,
    sentences,
)
from helpers.core.lines import lines_with_refunds
from tests.areas.service.conftest import MARCH, ODD

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _flags():
    rng = np.random.default_rng(3)
    n = np.full(20, 500)
    k = rng.binomial(n, 0.10)
    k[0] = 130
    rows = [{"product_id": f"p{i}", "title": ODD if i == 0 else f"t{i}", "category": "c", "campaign_line": False,
             "paid_lines": int(n[i]), "refunded": int(k[i]), "refund_amount": float(k[i]), "top_reason": "质量问题",
             "top_reason_refunds": int(k[i])} for i in range(20)]
    rows.append({"product_id": "tiny", "title": "tiny", "category": "c", "campaign_line": False, "paid_lines": 3,
                 "refunded": 2, "refund_amount": 2.0, "top_reason": None, "top_reason_refunds": 0})
    return flags.flag_products(pd.DataFrame(rows))


def test_flagged_products_are_described_with_their_advice_in_each_language():
    found = _flags()
    en = sentences.describe_flagged(found, 0.95, "en")
    assert "1 products refund significantly more" in en and "“连衣裙 &lt;b&gt;x&lt;/b&gt;”" in en
    assert "“质量问题” (quality problem)" in en and "inspect the batch on sale" in en and "<b>" not in en
    zh = sentences.describe_flagged(found, 0.95, "zh")
    assert zh.startswith("1 个商品的退款率显著高于同类目预期") and "「连衣裙 &lt;b&gt;x&lt;/b&gt;」" in zh
    assert "抽检在售批次并找供应商复核" in zh
    none = sentences.describe_flagged(found[~found["flagged"]], 0.95, "en")
    assert "None of the 20 products" in none and "median product has 500 lines" in none
    assert "20 个商品中没有退款率显著高于同类目预期的商品" in sentences.describe_flagged(found[~found["flagged"]],
                                                                              0.95, "zh")


def test_refunds_are_described_in_each_language(shop):
    lines = lines_with_refunds(shop, MARCH)
    summary = refunds.summarize_refunds(lines, scope.data_end(shop), 20)
    reasons, margin = refunds.summarize_reasons(lines), refunds.refund_margin(lines)
    en = sentences.describe_refunds(summary, reasons, margin, "en")
    assert en.startswith("Of the 5 lines paid in the period, 2 were refunded: 28.26% by value, 40.00% by count")
    assert "Refunds cost ¥70.00 of gross profit" in en
    zh = sentences.describe_refunds(summary, reasons, margin, "zh")
    assert zh.startswith("本期支付的 5 个子订单中有 2 个退款，退款率（金额）28.26%，（笔数）40.00%")
    assert "退款让毛利减少 ¥70.00" in zh
    assert not CJK.search(en.replace("「", "").replace("尺码不合适", "").replace("不想要了/七天无理由", ""))
    assert sentences.describe_refunds(summary.replace(5, 0), reasons, margin, "en") == \
        "No order line was paid in the period."


def test_reasons_are_quoted_and_glossed_in_english_only():
    assert sentences.reason_name("尺码不合适", "en") == "“尺码不合适” (size does not fit)"
    assert sentences.reason_name("尺码不合适", "zh") == "「尺码不合适」"
    assert sentences.reason_name("", "en") == "“Not given”" and sentences.reason_name(None, "zh") == "「未填写」"
    assert sentences.reason_name("<i>", "en") == "“&lt;i&gt;”"
    assert sentences.action("发错货", "zh") == "检查仓库拣货复核流程"


def test_reviews_and_phrases_are_described_in_each_language(shop):
    found = reviews.load_reviews(shop, MARCH)
    summary, by = reviews.summarize_reviews(found), reviews.reviews_by_product(found, min_reviews=2)
    assert sentences.describe_reviews(summary, by, "en").startswith(
        "4 reviews in the period, 3.25 stars on average: 50.00% good, 25.00% bad")
    assert sentences.describe_reviews(summary, by, "zh").startswith("本期 4 条评价，平均 3.25 星，好评率 50.00%，差评率 25.00%")
    none = phrases.complaint_phrases(found)
    assert sentences.describe_phrases(none, pd.DataFrame(), pd.Series(dtype=str), "en") == \
        "Too few bad reviews to find what they complain about."
    assert sentences.describe_phrases(none, pd.DataFrame(), pd.Series(dtype=str), "zh") == "差评太少，找不出有代表性的抱怨。"


def test_fulfilment_is_described_in_each_language(shop):
    orders = fulfilment.order_shipments(shop, MARCH, promised_hours=48)
    overall, by = fulfilment.summarize_fulfilment(orders), fulfilment.summarize_fulfilment(orders, "warehouse")
    en = sentences.describe_fulfilment(overall, by, None, "en")
    assert "“武汉仓”" in en and "33.33% shipped on time" in en
    zh = sentences.describe_fulfilment(overall, by, None, "zh")
    assert "及时发货率 33.33%" in zh and "最慢的仓是「武汉仓」" in zh


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_late_effects_service_and_dsr_sentences_stay_in_their_language(shop, lang):
    effects = fulfilment.late_effects(shop, MARCH, 48, maturity_days=20)
    summary = dsr.summarize_dsr(dsr.load_dsr(shop, MARCH))
    texts = [sentences.describe_late_effects(effects, lang), sentences.describe_dsr(summary, dsr.dsr_drivers(
        pd.DataFrame()), lang), sentences.period_header(shop, MARCH, lang)]
    for text in texts:
        if lang == "en":
            assert not CJK.search(text), text
        else:  # table names in back quotes are the data's own
            assert not LATIN_WORD.search(re.sub(r"`[a-z_]+`|DSR", "", text)), text


def test_dsr_is_described_against_the_peer_tier(shop):
    summary = dsr.summarize_dsr(dsr.load_dsr(shop, MARCH))
    en = sentences.describe_dsr(summary, dsr.dsr_drivers(pd.DataFrame()), "en")
    assert "Item as described 4.750 (-0.100 against the peer tier" in en and "below the peer tier" in en
    zh = sentences.describe_dsr(summary, dsr.dsr_drivers(pd.DataFrame()), "zh")
    assert "描述相符 4.750（低于同行 -0.100，期内 -0.050）" in zh and "低于同行的项（描述相符、物流服务）" in zh


def test_dsr_drags_are_named_in_each_language():
    drivers = pd.DataFrame({"dsr_score": ["logistics"], "driver": ["late_shipped"], "coefficient": [-0.6],
                            "low": [-0.7], "high": [-0.5], "share_of_reviews": [0.05], "score_impact": [-0.03],
                            "n": [500]})
    summary = dsr.summarize_dsr(None)
    assert "The biggest drag is shipped late on logistics: about -0.60 points" in sentences.describe_dsr(
        summary, drivers, "en")
    assert "拉低评分最多的是延迟发货对物流服务的影响：每个这样的订单约 -0.60 分" in sentences.describe_dsr(
        summary, drivers, "zh")
