"""The report's sentences: each wholly in its language, data text escaped, the figures they state."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.areas.customers import findings, sentences
from helpers.areas.customers.lifetime import score_lifetime
from helpers.areas.customers.models import simulate_bgnbd
from helpers.areas.customers.rfm import RFMSplits
from helpers.core.findings import Finding, not_enough_data
from helpers.core.notes import quiet
from helpers.core.shop import project_root
from helpers.present.display import escape
from tests.areas.customers.views import CJK, latin_words, recall_frame, segments_frame

LANGS = ("zh", "en")


def _check_language(text: str, lang: str) -> None:
    if lang == "en":
        assert not CJK.search(text), text
    else:
        assert not latin_words(text), (latin_words(text), text)


def test_sentences_escape_data_text():
    table = pd.DataFrame({"customers": [100, 100], "repeat_customers": [50, 5], "rate": [0.5, 0.05],
                          "low": [0.4, 0.02], "high": [0.6, 0.11]}, index=["<b>搜索</b>", "直通车*"])
    found = findings.compare_groups(table, "first_source")
    for lang in LANGS:
        text = sentences.describe_repurchase_by(found, lang)
        assert "<b>" not in text and "&lt;b&gt;" in text and r"直通车\*" in text
    assert sentences.describe_repurchase_by(found, "zh").startswith("按首购来源看，")
    assert sentences.describe_repurchase_by(found, "en").startswith("By first source, ")
    assert "差别可信" in sentences.describe_repurchase_by(found, "zh")
    assert sentences.describe_repurchase_by(not_enough_data("customers.repurchase_by", "first_product"),
                                            "en") == "Too few groups to compare."


def test_rfm_sentences_in_each_language():
    splits = RFMSplits(76.5, 1.0, 209.0, {"recency_days": "purchase_cycle", "frequency": "repeat",
                                          "monetary": "parameter"})
    segments = segments_frame()
    for lang in LANGS:
        for text in (sentences.describe_splits(splits, lang), sentences.describe_rfm(segments, lang)):
            _check_language(text, lang)
    zh = sentences.describe_splits(splits, "zh")
    assert "≤ 76 天为“近”（本店复购客户的平均购买间隔的中位数，即一个购买周期）" in zh and "消费金额 > ¥209 为“高额”（参数）" in zh
    assert "> 1 次为“高频”（即复购客户）" in zh
    assert sentences.describe_rfm(segments, "zh").startswith("本期共 100 位购买客户。重要价值客户 10 人（10.00%）")
    assert "(“important to win back”, " in sentences.describe_rfm(segments, "en")
    assert sentences.describe_rfm(segments * 0, "en") == "No customer bought in the period."


def test_trend_sentence_names_the_important_segments():
    dates = pd.to_datetime(["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"])
    rows = [{"date": d, "segment": k, "customers": 10 * (i + 1), "month_sales": 0.0}
            for i, d in enumerate(dates) for k in segments_frame().index]
    trend = pd.DataFrame(rows)
    trend.attrs["window_days"] = 180
    zh, en = (sentences.describe_segment_trend(trend, lang) for lang in LANGS)
    assert zh.startswith("2026-01-31 → 2026-04-30：重要价值客户 10 → 40（+300.0%）")
    assert "important value 10 → 40 (+300.0%)" in en
    assert "bought in the 180 days before it" in en and "do not grow just because history accumulates" in en
    assert "之前 180 天内购买" in zh
    _check_language(zh, "zh")
    _check_language(en, "en")
    assert sentences.describe_segment_trend(trend[trend["date"] == dates[0]], "en").startswith("Only one month end")
    assert "not enough data yet" in sentences.describe_segment_trend(trend.iloc[:0], "en")


def test_repurchase_sentence_states_the_rates_and_the_platforms_basis():
    table = pd.DataFrame({"rate": [0.339, 0.626, 0.212, 0.153], "numerator": [10106, 33018, 5395, 344],
                          "denominator": [29818, 52730, 25392, 2246]},
                         index=["repurchase_rate_customers", "repurchase_rate_orders", "repurchase_within_days",
                                "returning_rate"])
    gaps = {"median": 48.0, "p25": 17.0, "p75": 112.0}
    for lang in LANGS:
        for rule in ("once", "per_order"):
            _check_language(sentences.describe_repurchase(table, gaps, rule, 90, lang), lang)
    zh = sentences.describe_repurchase(table, gaps, "once", 90, "zh")
    assert "本期 29,818 位客户中 10,106 位购买了两次及以上，复购率（人数）33.90%" in zh
    assert "间隔中位数为 48 天，一半的复购发生在 17–112 天之间" in zh
    assert "`same_day_orders` to `once`" in sentences.describe_repurchase(table, gaps, "per_order", 90, "en")
    assert "returning rate" not in sentences.describe_repurchase(table.drop(index="returning_rate"),
                                                                  {}, "once", 90, "en")


def test_cohort_sentence():
    stats = {"cohorts": 22.0, "retention_1": 0.0949, "retention_3": 0.0763, "retention_6": np.nan,
             "retention_12": np.nan, "sales_per_customer_3": 280.0}
    zh, en = (sentences.describe_cohorts(stats, lang) for lang in LANGS)
    assert zh.startswith("22 个首购月同期群的加权留存：第1个月 9.49%，第3个月 7.63%。新客首购后 3 个月内人均累计消费 ¥280")
    assert en.startswith("Customer-weighted retention of 22 monthly cohorts: month 1: 9.49%, month 3: 7.63%.")
    _check_language(zh, "zh")
    _check_language(en, "en")
    assert sentences.describe_cohorts({"cohorts": 0.0}, "zh") == "期内没有首购客户。"


def test_lifetime_sentence(simulated):
    _, sim = simulated
    with quiet():
        life = score_lifetime(sim.rename(columns={"m": "repeat_value"}).head(3000), 90)
    r, alpha, a, b = life.bgnbd.values()
    zh, en = (sentences.describe_lifetime(life, lang) for lang in LANGS)
    assert f"活跃客户平均每年购买 {r / alpha * 365:.2f} 次" in zh
    assert f"an active customer buys {r / alpha * 365:.2f} times a year" in en
    _check_language(zh, "zh")
    _check_language(en, "en")


def test_holdout_sentences_follow_the_verdict():
    evidence = {"predicted": 6593.5, "actual": 6568.0, "error": 0.0039, "calibration_end": pd.Timestamp("2026-05-19"),
                "holdout_days": 180, "spend_predicted": 180.35, "spend_actual": 181.46}
    trust = Finding("customers.holdout", "bgnbd", "trust", evidence)
    rank = Finding("customers.holdout", "bgnbd", "rank_only", {**evidence, "error": 0.2})
    assert sentences.describe_holdout(trust, "zh") == (
        "检验：只用 2026-05-19 以前的数据拟合，预测之后 180 天老客复购 6,594 次，实际 6,568 次（误差 +0.4%）。"
        "预测单次消费 ¥180，实际 ¥181。总量误差在 ±10% 以内，用于预算和备货可以信任；单个客户的预测仍有较大随机性，"
        "适合排序而非精确预估。")
    assert "off by more than 10%" in sentences.describe_holdout(rank, "en")
    few = not_enough_data("customers.holdout", "bgnbd", holdout_days=30, calibration_end=pd.Timestamp("2026-01-01"),
                          repeat_customers=3, needed=10)
    for finding in (trust, rank, few):
        for lang in LANGS:
            _check_language(sentences.describe_holdout(finding, lang), lang)
    assert "has 3 customers who bought more than once" in sentences.describe_holdout(few, "en")


def test_a_fit_that_did_not_converge_is_not_presented_as_a_check():
    """Customers who never drop out (Online Retail's regime): a -> 0 and b -> infinity fit equally
    well, there are no standard errors, and the sentences say so instead of giving predictions."""
    flat = not_enough_data("customers.holdout", "bgnbd", calibration_end=pd.Timestamp("2011-06-12"),
                           holdout_days=180, not_converged="flat")
    en, zh = sentences.describe_holdout(flat, "en"), sentences.describe_holdout(flat, "zh")
    assert en.startswith("Not enough data for the check: fitted on the history up to 2011-06-12, the model did "
                         "not converge (the likelihood is flat in some direction")
    assert zh.startswith("数据不足以检验：只用 2011-06-12 以前的历史拟合时，模型没有收敛（似然在某个方向上是平的")
    assert "predicted" not in en and "预测之后" not in zh
    _check_language(en, "en")
    _check_language(zh, "zh")
    sim = simulate_bgnbd(3000, (0.8, 60.0, 1e-6, 1e4), 200.0, seed=3)
    with quiet():
        life = score_lifetime(sim.assign(repeat_value=np.nan), 90)
    assert not life.bgnbd.converged
    text = {lang: sentences.describe_lifetime(life, lang) for lang in LANGS}
    assert text["en"].startswith("Not enough data for a conclusion: the lifetime model did not converge")
    assert text["zh"].startswith("数据不足以给出结论：生命周期模型没有收敛")
    assert "times a year" not in text["en"] and "每年购买" not in text["zh"]


def test_recall_sentence_counts_actions_and_names_the_files(tmp_path):
    listed = recall_frame()
    inside = [project_root() / "reports" / "exports" / "recall_list_x.csv", tmp_path / "recall_list_x.xlsx"]
    zh, en = (sentences.describe_recall(listed, inside, lang) for lang in LANGS)
    assert zh.startswith("召回名单共 4 位高价值客户（本期消费合计 ¥3,000）：3 位超过购买周期未回购，1 位活跃概率在下降。"
                         "建议动作：VIP关怀 1，复购提醒 1，流失预警 1，沉睡唤醒 1。")
    assert "Suggested actions: VIP care 1, Repurchase reminder 1, Churn alert 1, Win-back 1." in en
    assert "reports/exports/recall\\_list\\_x.csv" in en  # inside the project: relative, escaped
    files = [escape(str(inside[0].relative_to(project_root()))), escape(str(inside[1]))]
    _check_language(zh.replace(files[0], "").replace(files[1], ""), "zh")  # file names are data
    _check_language(en, "en")
    assert sentences.describe_recall(listed.iloc[:0], [], "en") == "No valuable customer needs a recall now."


def test_period_header(small):
    from tests.areas.customers.shops import PERIOD

    zh = sentences.period_header(small, PERIOD, "once", "zh")
    assert zh == ("**分析期** 2026-01-01 ~ 2026-03-31（90 天） · 同一客户同一天的多笔订单算一次购买 · 金额为实付款减去退款"
                  " · 生命周期模型使用截至期末的全部历史")
    assert "every order is a purchase" in sentences.period_header(small, PERIOD, "per_order", "en")


@pytest.mark.parametrize("key, zh, en", [("vip_care", "VIP关怀", "VIP care"), ("winback", "沉睡唤醒", "Win-back")])
def test_action_names_are_the_head_of_their_label(key, zh, en):
    assert sentences.action_name(key, "zh") == zh and sentences.action_name(key, "en") == en


def test_no_path_outside_the_project_is_shortened(tmp_path):
    text = sentences.describe_recall(recall_frame(), [Path(tmp_path) / "a.csv"], "en")
    assert "a.csv" in text and "use the import wizard" in text
