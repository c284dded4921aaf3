"""Search terms against the market: share of a term's clicks with its interval, rank, and the
terms where the shop gets no clicks; hand-built reports and the sample shop's truth."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.traffic import terms
from helpers.core.calendar import Period
from helpers.core.shop import connect
from tests.areas.traffic.seeds import SEEDS, seeded_shop

TWO_WEEKS = Period(pd.Timestamp("2026-11-01"), pd.Timestamp("2026-11-15"))  # whole weeks: 11-02 .. 11-15


def write_terms(folder, market, ads=None):
    pd.DataFrame([("o1", "2026-11-10 10:00", "2026-11-10 10:01", "c1", "a", 1, 100, 100, "paid")],
                 columns=["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity",
                          "list_price", "paid_amount", "status"]).to_csv(folder / "orders.csv", index=False)
    pd.DataFrame(market, columns=["week", "keyword", "category", "search_popularity", "click_rate", "online_items",
                                  "conversion_rate", "avg_cpc"]).to_csv(folder / "keywords.csv", index=False)
    if ads is not None:
        pd.DataFrame(ads, columns=["date", "plan", "keyword", "impressions", "clicks", "spend", "avg_rank",
                                   "attributed_orders", "attributed_amount"]).to_csv(folder / "ad_keywords.csv",
                                                                                      index=False)
    return connect(folder)


MARKET = [("2026-11-02", "t恤女", "女装T恤", 10000, 0.5, 1000, 0.02, 1.0),
          ("2026-11-09", "t恤女", "女装T恤", 10000, 0.5, 1000, 0.02, 1.0),
          ("2026-10-26", "t恤女", "女装T恤", 90000, 0.5, 1000, 0.02, 1.0),  # a week not wholly inside
          ("2026-11-02", "白衬衫", "男装衬衫", 8000, 0.25, 1000, 0.04, 2.0),
          ("2026-11-09", "白衬衫", "男装衬衫", 8000, 0.25, 1000, 0.04, 2.0),
          ("2026-11-02", "小众词", "男装衬衫", 100, 0.5, 10, 0.01, 0.5)]


def test_share_matches_terms_as_the_platform_does_and_counts_whole_weeks_only(tmp_path):
    shop = write_terms(tmp_path, MARKET, [("2026-11-03", "核心", "T恤女", 20000, 300, 300.0, 2.0, 3, 300.0),
                                          ("2026-11-10", "长尾", "T恤 女", 20000, 100, 100.0, 4.0, 1, 100.0),
                                          ("2026-10-31", "核心", "T恤女", 90000, 900, 900.0, 9.0, 9, 900.0)])
    shares = terms.term_share(shop, TWO_WEEKS)
    row = shares.loc["t恤女"]
    assert (row["market_clicks"], row["our_clicks"], row["share"]) == (10000, 400, 0.04)
    assert row["avg_rank"] == 2.5  # click-weighted: (300 x 2 + 100 x 4) / 400
    assert row["share_low"] < 0.04 < row["share_high"] and bool(row["bought"])
    assert shares.loc["白衬衫", "our_clicks"] == 0 and not shares.loc["白衬衫", "bought"]


def test_big_terms_without_clicks_are_found_with_their_evidence_and_small_ones_are_not(tmp_path):
    shop = write_terms(tmp_path, MARKET, [("2026-11-03", "核心", "t恤女", 20000, 300, 300.0, 2.0, 3, 300.0)])
    found = terms.find_unranked(terms.term_share(shop, TWO_WEEKS), min_market_clicks=1000)
    assert [(f.subject, f.verdict) for f in found] == [("白衬衫", "unranked")]
    assert found[0].evidence["market_clicks"] == 4000 and found[0].evidence["category"] == "男装衬衫"
    zh, en = (terms.describe_terms(terms.term_share(shop, TWO_WEEKS), found, lang) for lang in ("zh", "en"))
    assert "白衬衫" in zh and "没有任何点击" in zh and "no clicks at all" in en and "没有" not in en


def test_without_ad_keywords_every_term_is_unbought_and_a_period_without_a_whole_week_is_empty(tmp_path):
    shop = write_terms(tmp_path, MARKET)
    shares = terms.term_share(shop, TWO_WEEKS)
    assert not shares["bought"].any() and (shares["our_clicks"] == 0).all()
    short = terms.term_share(shop, Period(pd.Timestamp("2026-11-03"), pd.Timestamp("2026-11-06")))
    assert short.empty and "No whole week" in terms.describe_terms(short, [], "en")


def test_the_poisson_interval_of_a_count_matches_the_exact_one():
    low, high = terms.poisson_interval([0, 10])
    assert low[0] == 0 and high[0] == pytest.approx(3.689, abs=1e-3)
    assert (low[1], high[1]) == (pytest.approx(4.795, abs=1e-3), pytest.approx(18.390, abs=1e-3))


def _shares(shop, truth):
    w = truth["ad_keywords"]["share_window"]
    shares = terms.term_share(shop, Period(pd.Timestamp(w["start"]), pd.Timestamp(w["end"])))
    expected = {terms.normalise_term(k): v["expected_clicks_share_window"]
                for k, v in truth["ad_keywords"]["keywords"].items()}
    bought = shares[shares["bought"]]
    true = pd.Series([expected[terms.normalise_term(t)] for t in bought.index], index=bought.index) / bought["market_clicks"]
    return shares, bought, true


def test_the_sample_shares_hold_their_truth_and_the_unbought_terms_are_the_planted_ones(sample, truth):
    shares, bought, true = _shares(sample, truth)
    assert ((bought["share_low"] <= true) & (true <= bought["share_high"])).all()
    assert sorted(shares.index[~shares["bought"]]) == truth["ad_keywords"]["market_terms_not_bought"]


@pytest.mark.recovery
@pytest.mark.parametrize("seed", SEEDS)
def test_term_shares_are_inside_their_intervals_over_seeds(seed):
    folder, truth = seeded_shop(seed)
    _, bought, true = _shares(connect(folder), truth)
    assert len(bought) == 5
    assert ((bought["share_low"] <= true) & (true <= bought["share_high"])).sum() >= 4  # 95% intervals, 5 terms
