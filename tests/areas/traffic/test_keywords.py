"""Keywords (直通车 关键词报表): the table with max CPC, the action per keyword and rising terms, on
hand-built reports for the guardrails and on the sample shop against the generator's truth."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.traffic import ads, keywords
from helpers.core.calendar import Period
from helpers.core.shop import connect
from tests.areas.traffic.seeds import SEEDS, seeded_shop

WEEK = Period(pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15"))
COLUMNS = ["date", "plan", "keyword", "impressions", "clicks", "spend", "attributed_orders", "attributed_amount",
           "avg_rank"]


def write_keywords(folder, rows) -> object:
    pd.DataFrame([("o1", "2026-11-10 10:00", "2026-11-10 10:01", "c1", "a", 1, 100, 100, "paid")],
                 columns=["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity",
                          "list_price", "paid_amount", "status"]).to_csv(folder / "orders.csv", index=False)
    pd.DataFrame(rows, columns=COLUMNS).to_csv(folder / "ad_keywords.csv", index=False)
    return connect(folder)


def test_the_table_gives_roi_and_the_margin_linked_max_cpc(tmp_path):
    shop = write_keywords(tmp_path, [("2026-11-10", "P", "好词", 10000, 400, 400.0, 20, 4000.0, 3.0),
                                     ("2026-11-11", "P", "好词", 10000, 600, 600.0, 30, 6000.0, 5.0)])
    row = keywords.keyword_table(shop, WEEK, margin=0.4).iloc[0]
    assert (row["ctr"], row["cpc"], row["roi"], row["breakeven_roi"]) == (0.05, 1.0, 10.0, 2.5)
    assert row["max_cpc"] == pytest.approx(10 * 0.4)  # ¥10 sales per click x 40% margin
    assert row["avg_rank"] == pytest.approx((400 * 3 + 600 * 5) / 1000)  # click-weighted
    assert row["roi_low"] < 10 < row["roi_high"]


@pytest.mark.parametrize(("clicks", "spend", "orders", "amount", "rank", "action"), [
    (100, 100.0, 5, 500.0, 3.0, "not_enough_data"),  # too few clicks for any verdict
    (1000, 2000.0, 10, 1000.0, 3.0, "cut"),  # ROI 0.5, interval wholly below break-even 2.5
    (1000, 1000.0, 12, 2200.0, 3.0, "lower_bid"),  # ROI 2.2: CPC ¥1 above max CPC ¥0.88, interval straddles
    (1000, 500.0, 60, 6000.0, 3.0, "raise_bid"),  # ROI 12, far above break-even, rank 3
    (1000, 500.0, 60, 6000.0, 1.0, "keep"),  # the same but already first: nothing to climb
    (1000, 500.0, 60, None, 3.0, "unknown"),  # orders without an amount: ROI unknown, not 0
])
def test_each_keyword_gets_its_action(tmp_path, clicks, spend, orders, amount, rank, action):
    shop = write_keywords(tmp_path, [("2026-11-10", "P", "词", 20 * clicks, clicks, spend, orders, amount, rank)])
    found = keywords.judge_keywords(keywords.keyword_table(shop, WEEK, margin=0.4))[0]
    assert found.verdict == action
    if action == "lower_bid":
        assert found.evidence["suggested_bid"] == pytest.approx(2.2 * 0.4)


def test_a_term_rising_faster_than_the_rest_is_found_and_a_campaign_lifting_all_is_not(tmp_path):
    rows = []
    for day in pd.date_range("2026-11-02", "2026-11-15"):
        recent = day >= WEEK.start
        lift = 1.5 if recent else 1.0  # a campaign lifts every search by half
        rows += [(day.date(), "P", "稳定词", int(1000 * lift), 10, 10.0, 0, 0.0, 2.0),
                 (day.date(), "P", "飙升词", int(200 * lift * (3 if recent else 1)), 5, 5.0, 0, 0.0, 2.0),
                 (day.date(), "P", "小词", 10 * (5 if recent else 1), 1, 1.0, 0, 0.0, 2.0)]
    rising = keywords.rising_terms(write_keywords(tmp_path, rows), WEEK.end, min_volume=500)
    assert list(rising.index[rising["rising"]]) == ["飙升词"]  # 小词 grew 5x but on too few impressions
    assert rising.loc["飙升词", "growth"] == pytest.approx(3.5)
    assert rising.loc["飙升词", "relative_growth_low"] > 1.3


def test_the_sample_losing_keywords_are_cut_and_no_profitable_one_is(sample, truth):
    period = Period.ending(pd.Timestamp(truth["period"]["end"]), 28)
    table = keywords.keyword_table(sample, period, ads.estimate_margin(sample, period))
    actions = {f.subject.split(" / ")[1]: f.verdict for f in keywords.judge_keywords(table)}
    planted = truth["ad_keywords"]
    assert {k for k, v in actions.items() if v == "cut"} >= set(planted["losing_keywords"])
    assert not {k for k, v in actions.items() if v == "cut"} & set(planted["profitable_keywords"])


def test_the_sample_rising_term_is_found(sample, truth):
    rising = keywords.rising_terms(sample, pd.Timestamp(truth["period"]["end"]))
    assert list(rising.index[rising["rising"]]) == [truth["ad_keywords"]["rising"]["keyword"]]


@pytest.mark.recovery
@pytest.mark.parametrize("seed", SEEDS)
def test_keyword_conversion_is_inside_its_interval_and_the_planted_keywords_are_found_over_seeds(seed):
    folder, truth = seeded_shop(seed)
    shop = connect(folder)
    period = Period(pd.Timestamp(truth["period"]["start"]), pd.Timestamp(truth["period"]["end"]))
    table = keywords.keyword_table(shop, period, ads.estimate_margin(shop, period)).set_index("keyword")
    true = pd.Series({k: v["conversion"] for k, v in truth["ad_keywords"]["keywords"].items()}).reindex(table.index)
    inside = (table["conversion_low"] <= true) & (true <= table["conversion_high"])
    assert inside.sum() >= len(inside) - 2  # 11 keywords at 95%: two misses at most
    rising = keywords.rising_terms(shop, period.end)
    planted = truth["ad_keywords"]["rising"]
    assert list(rising.index[rising["rising"]]) == [planted["keyword"]]
    assert rising.loc[planted["keyword"], "relative_growth"] == pytest.approx(planted["weekly_growth"], rel=0.15)


def test_sentences_name_the_cut_keywords_in_both_languages(sample, truth):
    period = Period.ending(pd.Timestamp(truth["period"]["end"]), 28)
    found = keywords.judge_keywords(keywords.keyword_table(sample, period, ads.estimate_margin(sample, period)))
    zh, en = (keywords.describe_keywords(found, lang) for lang in ("zh", "en"))
    losing = truth["ad_keywords"]["losing_keywords"][0]
    assert "否词" in zh and losing in zh and "Cut" in en and losing in en


def test_a_keyword_report_as_downloaded_from_ztc_is_read(tmp_path):
    pd.DataFrame([("o1", "2026-11-10 10:00", "2026-11-10 10:01", "c1", "a", 1, 100, 100, "paid")],
                 columns=["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity",
                          "list_price", "paid_amount", "status"]).to_csv(tmp_path / "orders.csv", index=False)
    (tmp_path / "直通车关键词报表20261110.csv").write_text(
        "日期,推广计划名称,关键词,匹配方式,展现量,点击量,花费,质量分,出价,平均展现排名,总成交笔数,总成交金额\n"
        '2026-11-10,核心词,连衣裙,广泛匹配,"1,200",30,¥45.00,6,2.10,3.2,1,189.00\n', encoding="utf-8")
    row = connect(tmp_path).table("ad_keywords").execute().iloc[0]
    assert (row["keyword"], row["match_type"], row["impressions"], row["spend"]) == ("连衣裙", "broad", 1200, 45.0)
    assert row["attribution_window_days"] == 15  # the report's default 转化周期
