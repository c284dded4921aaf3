"""The report's tables: headers and generated names in the report's language, masked ids only."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.customers import tables
from helpers.areas.customers.models import ModelFit
from helpers.areas.customers.recall import mask_ids
from helpers.core.metrics import METRICS
from tests.areas.customers.views import CJK, latin_words, recall_frame, segments_frame, visible

CUSTOMER_METRICS = ["repurchase_rate_customers", "repurchase_rate_orders", "repurchase_within_days",
                    "returning_rate", "cohort_retention", "cohort_sales_per_customer"]


@pytest.mark.parametrize("key", CUSTOMER_METRICS)
def test_a_formula_in_each_language(key):
    zh, en = tables.formula(key, "zh"), tables.formula(key, "en")
    assert f"{zh} ({en})" == METRICS[key].formula
    assert CJK.search(zh) and not CJK.search(en)


def test_formula_split_keeps_brackets_of_the_chinese_part():
    assert tables.formula("cohort_sales_per_customer", "zh") == "同期群截至第k月的累计支付金额(扣除退款) / 该同期群客户数"


def _html(styler) -> str:
    return styler.to_html()


def test_segment_table_names_segments_in_each_language():
    zh, en = (_html(tables.segments_table(segments_frame(), lang)) for lang in ("zh", "en"))
    assert "重要价值客户" in zh and "销售额占比" in zh and latin_words(visible(zh)) == []
    assert "Important value" in en and "Share of sales" in en and not CJK.search(en)


def test_repurchase_table_names_n_and_the_definition_in_each_language():
    table = pd.DataFrame({"rate": [0.5, 0.25], "numerator": [1, 1], "denominator": [2, 4],
                          "window": ["2026-01-01 .. 2026-03-31", "2026-01-01 .. 2026-03-31"],
                          "days": pd.array([pd.NA, 30], dtype="Int64")},
                         index=pd.Index(["repurchase_rate_customers", "repurchase_within_days"], name="key"))
    zh, en = (_html(tables.repurchase_table(table, lang)) for lang in ("zh", "en"))
    assert "30日复购率" in zh and "N = 30; 首购 2026-01-01 .. 2026-03-31" in zh and "口径" in zh
    assert "30-day repurchase rate" in en and "N = 30; first purchase 2026-01-01" in en and not CJK.search(en)
    assert latin_words(visible(zh)) == []


def test_recall_table_masks_ids_and_shortens_actions():
    listed = recall_frame()
    zh, en = (_html(tables.recall_table(listed, "salt", lang)) for lang in ("zh", "en"))
    for masked in mask_ids(listed.index, "salt"):
        assert masked in zh and masked in en
    assert "c001" not in zh and "c001" not in en  # never a real id
    assert "客户ID" in zh and "入选原因" in zh and "VIP关怀" in zh and "沉睡唤醒" in zh and "客服一对一" not in zh
    shown = visible(zh)
    for masked in mask_ids(listed.index, "salt"):
        shown = shown.replace(masked, "")
    assert latin_words(shown) == []
    assert "Customer id" in en and "Why listed" in en and "Win-back" in en and not CJK.search(en)


def test_holdout_tables_name_their_rows():
    from helpers.areas.customers.lifetime import Holdout

    agg = pd.DataFrame({"predicted": [10.0, 180.0], "actual": [11.0, 181.0], "error": [-0.09, -0.006]},
                       index=pd.Index(["repeat_purchases", "spend_per_purchase"], name="item"))
    by = pd.DataFrame({"customers": [5, 3], "predicted": [0.2, 0.4], "actual": [0.1, 0.5]}, index=["0", "7+"])
    check = Holdout(pd.Timestamp("2026-05-19"), 180, None, agg, by, pd.DataFrame())
    zh = [_html(t) for t in tables.holdout_tables(check, "zh")]
    en = [_html(t) for t in tables.holdout_tables(check, "en")]
    assert "老客复购次数" in zh[0] and "单次消费（元）" in zh[0] and "项目" in zh[0] and "-9.0%" in zh[0]
    assert "校准期复购次数" in zh[1] and "7+" in zh[1] and latin_words(visible(zh[0] + zh[1])) == []
    assert "Spend per purchase (yuan)" in en[0] and "Repeat purchases in calibration" in en[1]
    assert not CJK.search(en[0] + en[1])


def test_fit_and_cohort_tables():
    fit = ModelFit("BG/NBD", {"r": 0.25, "alpha": 56.6}, {"r": 0.0042, "alpha": 1.511}, {"r": 0.2433, "alpha": 53.72},
                   {"r": 0.2597, "alpha": 59.64}, -1.0, 29818, True)
    zh = _html(tables.fit_table(fit, "zh"))
    assert "BG/NBD (n = 29,818)" in zh and "估计值" in zh and "0.0042" in zh and "56.6" in zh
    assert "Estimate" in _html(tables.fit_table(None, "en"))
    cohorts = pd.DataFrame({"cohort": pd.to_datetime(["2026-01-01"] * 3), "age": [0, 1, 2],
                            "cohort_customers": [2, 2, 2], "active_customers": [2, 1, 2], "sales": [150.0, 30.0, 30.0],
                            "retention": [1.0, 0.5, 1.0], "cumulative_sales_per_customer": [75.0, 90.0, 105.0]})
    zh = _html(tables.cohort_table(cohorts, "retention", "zh"))
    assert "同期群客户数" in zh and "2026-01" in zh and "50.0%" in zh
    en = _html(tables.cohort_table(cohorts, "cumulative_sales_per_customer", "en", max_age=1))
    assert "Cohort customers" in en and "¥90.00" in en and "¥105" not in en
