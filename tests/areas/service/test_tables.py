"""The report's tables: headers in the report's language, data escaped, generated names labelled."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from helpers.areas.service import chats, dsr, fulfilment, phrases, refunds, reviews, scope, tables
from helpers.core.lines import lines_with_refunds
from tests.areas.service.conftest import MARCH
from tests.xlsx_checks import assert_sheet_holds_numbers

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _headers(styler) -> str:
    """The column headers and index names of a table (not its row names, which may be data)."""
    html = styler.to_html()
    return " ".join(re.findall(r'<th[^>]*class="(?:col_heading|index_name)[^"]*"[^>]*>(.*?)</th>', html))


def test_refund_tables_in_each_language(shop):
    lines = lines_with_refunds(shop, MARCH)
    summary = refunds.summarize_refunds(lines, scope.data_end(shop), 20)
    assert_sheet_holds_numbers(tables.refund_summary_table(summary, "zh"), "refund summary")
    zh = tables.refund_summary_table(summary, "zh").to_html()
    assert "支付子订单" in zh and "本期" in zh and "40.0% (" not in zh and "40.00% (" in zh
    en = tables.refund_summary_table(summary, "en").to_html()
    assert "Paid lines" in en and "This period" in en
    reasons = _headers(tables.reasons_table(refunds.summarize_reasons(lines), "en"))
    assert "Refunded lines" in reasons and "Refunds" in reasons and "Reason" in reasons
    margin = tables.margin_table(refunds.refund_margin(lines), "zh").to_html()
    assert "退款前" in margin and "商品成本" in margin and "cogs" not in margin
    by = tables.refunds_by_table(refunds.refunds_by(lines, "campaign"), "campaign", "en").to_html()
    assert "No campaign" in by and "Paid lines" in by


def test_review_tables_escape_titles(shop):
    found = reviews.load_reviews(shop, MARCH)
    html = tables.reviews_table(reviews.reviews_by_product(found, min_reviews=2), "en").to_html()
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    empty = tables.phrases_table(phrases.complaint_phrases(found), None, "zh").to_html()
    assert "关键词" in empty


def test_flagged_table_shows_booleans_in_the_language():
    flags = pd.DataFrame({"title": ["<b>t</b>"], "category": ["c"], "paid_lines": [10], "refunded": [5],
                          "refund_rate_by_count": [0.5], "category_expected": [0.1], "shrunk": [0.3], "low": [0.2],
                          "high": [0.4], "flagged": [True], "excess_refunds": [4.0], "refund_amount": [5.0],
                          "top_reason": [None], "top_reason_share": [np.nan], "rho": [0.01]},
                         index=pd.Index(["p1"], name="product_id"))
    zh = tables.flagged_table(flags, "zh").to_html()
    assert ">是<" in zh and "未填写" in zh and "类目预期" in zh and "<b>t</b>" not in zh
    en = tables.flagged_table(flags, "en").to_html()
    assert ">yes<" in en and "Not given" in en and "Expected (category)" in en


def test_fulfilment_service_and_dsr_tables_in_each_language(shop):
    orders = fulfilment.order_shipments(shop, MARCH, promised_hours=48)
    assert "全店" in tables.fulfilment_table(fulfilment.summarize_fulfilment(orders), None, "zh").to_html()
    bands = chats.service_by(shop, MARCH, "response_band")
    zh = tables.service_table(bands, "response_band", "zh").to_html()
    assert "0-15秒" in zh and "180秒+" in zh and "首次响应时长" in zh
    assert "0-15s" in tables.service_table(bands, "response_band", "en").to_html()
    summary = tables.dsr_table(dsr.summarize_dsr(dsr.load_dsr(shop, MARCH)), "en").to_html()
    assert "Item as described" in summary and "Change" in summary and "-0.050" in summary
    effects = fulfilment.late_effects(shop, MARCH, 48, maturity_days=20)
    assert not CJK.search(_headers(tables.late_effects_table(effects, "en")))


def test_drivers_table_names_scores_and_drivers():
    drivers = pd.DataFrame({"dsr_score": ["logistics"], "driver": ["late_shipped"], "coefficient": [-0.6],
                            "low": [-0.7], "high": [-0.5], "share_of_reviews": [0.05], "score_impact": [-0.03],
                            "n": [500]})
    zh = tables.drivers_table(drivers, "zh").to_html()
    assert "物流服务" in zh and "延迟发货" in zh and "评分" in zh and "-0.600" in zh
    en = _headers(tables.drivers_table(drivers, "en"))
    assert not CJK.search(en) and "Score" in en and "Driver" in en


def test_no_table_shows_a_raw_column_key(shop):
    """A header left as a key (``refund_amount``) means the label was missing or two labels collided."""
    lines = lines_with_refunds(shop, MARCH)
    orders = fulfilment.order_shipments(shop, MARCH, promised_hours=48)
    found = reviews.load_reviews(shop, MARCH)
    for lang in ("zh", "en"):
        shown = [tables.refund_summary_table(refunds.summarize_refunds(lines, scope.data_end(shop), 20), lang),
                 tables.refunds_by_table(refunds.refunds_by(lines, "category"), "category", lang),
                 tables.reasons_table(refunds.summarize_reasons(lines), lang),
                 tables.margin_table(refunds.refund_margin(lines), lang),
                 tables.reviews_table(reviews.reviews_by_product(found, min_reviews=2), lang),
                 tables.phrases_table(phrases.complaint_phrases(found), None, lang),
                 tables.fulfilment_table(fulfilment.summarize_fulfilment(orders), None, lang),
                 tables.fulfilment_table(fulfilment.summarize_fulfilment(orders, "carrier"), "carrier", lang),
                 tables.late_effects_table(fulfilment.late_effects(shop, MARCH, 48, maturity_days=20), lang),
                 tables.service_table(chats.service_by(shop, MARCH, "agent"), "agent", lang),
                 tables.dsr_table(dsr.summarize_dsr(dsr.load_dsr(shop, MARCH)), lang)]
        for styler in shown:
            headers = _headers(styler)
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", headers), headers
            if lang == "en":
                assert not CJK.search(headers), headers
