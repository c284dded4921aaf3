"""Portfolio: known answers on a hand-built shop (a refund before shipping, allocated ads, a
product never sold), the ABC split against a plain Pareto count, the growth-share quadrants,
stock cover and the planted overstock, rising products."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from helpers.areas.products import portfolio
from helpers.core.calendar import Period
from helpers.core.notes import MetricNote
from helpers.core.shop import project_root
from tests.areas.products.support import MARCH, notes_of

SAMPLE = project_root() / "data" / "sample"


def test_portfolio_known_answer_and_never_sold_product(small):
    pf, found = notes_of(portfolio.summarize_portfolio, small, MARCH)
    p1, p2, p3 = pf.loc["p1"], pf.loc["p2"], pf.loc["p3"]
    assert p1["units"] == 4 and p1["sales"] == pytest.approx(380)
    assert p1["discounts"] == pytest.approx(20)  # list 4 x 100 - paid 380
    assert p1["cogs"] == pytest.approx(160)
    # p2: 3 units sold, the refunded one came back before shipping: cost of 2 units only
    assert p2["sales"] == pytest.approx(150) and p2["refund_amount"] == pytest.approx(50)
    assert p2["cogs"] == pytest.approx(60) and p2["gross_profit"] == pytest.approx(40)
    assert p2["gross_margin"] == pytest.approx(40 / 100)  # over sales after refunds
    # 直通车 ¥66 split by its sales: p1 280 / 380, p2 100 / 380
    assert p1["allocated_ad_spend"] == pytest.approx(66 * 280 / 380)
    assert p2["allocated_ad_spend"] == pytest.approx(66 * 100 / 380)
    # platform costs of the default cost model: 5% commission on the paid amount after refunds,
    # 0.6% payment fee, per order freight ¥4 + ¥2 per kg over the first (0.5 kg a unit), 运费险
    # ¥0.8 and packaging ¥1, shared by units: o1 (3 units, 1.5 kg) ¥7.8, o2 and o3 ¥5.8 each
    assert p1["platform_costs"] == pytest.approx(0.056 * 380 + 7.8 * 2 / 3 + 5.8 + 5.8 / 2)
    assert p2["platform_costs"] == pytest.approx(0.05 * 100 + 0.006 * 150 + 7.8 / 3 + 5.8 / 2 + 5.8)
    p1_contribution = 380 - 160 - p1["platform_costs"] - 66 * 280 / 380
    assert p1["contribution"] == pytest.approx(p1_contribution)
    assert p1["contribution_margin"] == pytest.approx(p1_contribution / 380)
    # the never-sold product is a row of zeros with NaN margins, noted once, and class C
    assert p3["units"] == 0 and p3["sales"] == 0 and math.isnan(p3["contribution_margin"])
    assert math.isnan(p3["gross_margin"])
    assert [(n.zh, n.en) for n in found] == [(
        "毛利率、贡献利润率：1 个商品本期扣除退款后没有销售额 → —",
        "gross and contribution margins: 1 product(s) have no sales after refunds in the period -> —")]
    assert portfolio.abc_classes(pf["sales"])["p3"] == "C"
    assert list(pf.columns) == portfolio.PORTFOLIO_COLUMNS
    assert pf["sales"].is_monotonic_decreasing


def test_ad_spend_of_a_channel_without_orders_is_not_allocated(small, tmp_path):
    ads = pd.read_csv(tmp_path / "ads.csv")
    extra = ads.assign(channel="引力魔方", spend=30.0)
    pd.concat([ads, extra]).to_csv(tmp_path / "ads.csv", index=False)
    from helpers.core.shop import connect

    pf, found = notes_of(portfolio.summarize_portfolio, connect(tmp_path), MARCH)
    assert pf["allocated_ad_spend"].sum() == pytest.approx(66)  # 引力魔方 brought no orders
    assert ("引力魔方 的推广花费在本期没有来自该渠道的订单 → 未分摊到商品",
            "ad spend of 引力魔方 has no orders from that channel in the period -> not allocated to products") in [
        (n.zh, n.en) for n in found]


def test_abc_classes_known_answer():
    v = pd.Series([50, 30, 10, 5, 3, 2, 0, -4], index=list("abcdefgh"))
    assert portfolio.abc_classes(v).tolist() == ["A", "A", "B", "B", "C", "C", "C", "C"]
    with pytest.warns(MetricNote, match="no positive value"):
        assert set(portfolio.abc_classes(pd.Series([0.0, 0.0]))) == {"C"}
    _, found = notes_of(portfolio.abc_classes, pd.Series([0.0, -1.0]))
    assert [(n.zh, n.en) for n in found] == [("ABC 分类：没有大于 0 的值 → 全部为 C 类",
                                              "ABC classes: no positive value -> every product is C")]


@pytest.mark.recovery
def test_abc_classes_on_the_sample_match_an_independent_count(sample, whole):
    """Portfolio sales agree with the raw CSV and the ABC split with a plain pandas Pareto."""
    pf = portfolio.summarize_portfolio(sample, whole)
    raw = pd.read_csv(SAMPLE / "orders.csv", dtype={"product_id": str}, usecols=["product_id", "paid_amount",
                                                                                  "status"])
    sales = raw[raw["status"] == "paid"].groupby("product_id")["paid_amount"].sum()
    assert pf["sales"].reindex(sales.index).to_numpy() == pytest.approx(sales.to_numpy(), abs=0.01)
    ranked = sales.sort_values(ascending=False)
    cum_before = (ranked.cumsum() - ranked) / ranked.sum()
    expected = pd.Series(np.where(cum_before < 0.8, "A", np.where(cum_before < 0.95, "B", "C")), index=ranked.index)
    got = portfolio.abc_classes(pf["sales"])
    assert (got.reindex(expected.index) == expected).all()
    a_share = ranked[expected == "A"].sum() / ranked.sum()
    assert 0.8 <= a_share < 0.8 + ranked.max() / ranked.sum()


def test_growth_share_quadrants(small):
    pf = portfolio.summarize_portfolio(small, MARCH)
    m, found = notes_of(portfolio.growth_share, small, MARCH, pf)
    # halves: 03-01..03-15 and 03-16..03-31; p1 280 -> 100 (falling, biggest), p2 50 -> 100 (growing)
    assert m.loc["p1", "sales_growth"] == pytest.approx(100 / 280 - 1)
    assert m.loc["p1", "quadrant"] == "cash_cow"
    assert m.loc["p2", "sales_growth"] == pytest.approx(1.0)
    assert m.loc["p3", "quadrant"] == "dog"
    assert m["share_of_sales"].sum() == pytest.approx(1.0)
    # p3 sold nothing in the first half: its growth is NaN, said once in both languages
    assert math.isnan(m.loc["p3", "sales_growth"])
    assert [(n.zh, n.en) for n in found] == [(
        "环比增长：1 个商品前半期（2026-03-01 ~ 2026-03-15）没有销售 → —；其中后半期有销售的算作增长",
        "growth: 1 product(s) sold nothing in the first half of the period (2026-03-01 ~ 2026-03-15) -> —; "
        "those that sold in the second half count as growing")]


@pytest.mark.recovery
def test_stock_cover_finds_the_planted_overstock(sample, whole, truth):
    pf = portfolio.summarize_portfolio(sample, whole)
    cover = portfolio.stock_cover(sample, whole, pf)
    planted = set(truth["inventory"]["overstocked"])
    slow = set(portfolio.slow_movers(cover, 90).index)
    assert planted <= slow
    assert slow - planted <= set(truth["inventory"]["dead_stock"]) | set(cover.index[cover["daily_units"] < 0.2])
    # no sales in October 2026 (the generator's month), so at most a trickle in the last 30 days
    assert set(truth["inventory"]["dead_stock"]) <= slow
    assert cover.loc[cover["not_selling"], "cover_days"].isna().all()
    assert cover["sell_through"].between(0, 1).all()


def test_stock_cover_without_inventory_is_none_and_low_margins_are_listed(small):
    pf = portfolio.summarize_portfolio(small, MARCH)
    assert portfolio.stock_cover(small, MARCH, pf) is None
    low = portfolio.low_margin_products(pf, 0.15)
    # p2 earns 40 - ¥17.20 of platform costs - 66 x 100/380 on 100 of net sales (5.4%): without
    # the platform costs it made 22.6% and no list had it; p1 makes 32.7%; p3 sold nothing
    assert list(low.index) == ["p2"]
    assert low.loc["p2", "contribution_margin"] == pytest.approx((40 - 17.2 - 66 * 100 / 380) / 100)
    assert portfolio.low_margin_products(pf, 0.05).empty


def test_slow_movers_are_over_the_cover_or_not_selling():
    cover = pd.DataFrame({"cover_days": [200.0, 30.0, np.nan, 91.0], "not_selling": [False, False, True, False]},
                         index=["a", "b", "c", "d"])
    assert list(portfolio.slow_movers(cover, 90).index) == ["a", "c", "d"]


@pytest.mark.recovery
def test_a_new_launch_ramping_up_is_rising(sample):
    """Products launched in August 2026 ramp up for six weeks: their share rises in September."""
    period = Period(pd.Timestamp("2026-08-01"), pd.Timestamp("2026-09-27"))
    rising = portfolio.rising_products(sample, period, weeks=4, min_lines=5)
    launched = sample.table("products").execute()
    launch = pd.to_datetime(launched["launch_date"])
    new = set(launched.loc[launch.between(pd.Timestamp("2026-07-25"), pd.Timestamp("2026-08-31")), "product_id"])
    assert new & set(rising.index[rising["rising"]])
    assert (rising["recent_lines"] >= 5).all()
    assert (rising.loc[rising["rising"], "recent_low"] > rising.loc[rising["rising"], "before_high"]).all()


def test_rising_products_on_the_small_shop(small):
    """Two windows of one week: p2 sold only in the recent one, so its share ratio is unknown (noted)."""
    period = Period(pd.Timestamp("2026-03-09"), pd.Timestamp("2026-03-22"))  # 03-09..15 | 03-16..22
    rising, found = notes_of(portfolio.rising_products, small, period, weeks=1, min_lines=1)
    assert rising.loc["p1", "recent_share"] == pytest.approx(100 / 150)  # o3: p1 100 of 150
    assert rising.loc["p1", "before_share"] == pytest.approx(1.0)  # o2: p1 only
    assert rising.loc["p1", "share_ratio"] == pytest.approx(2 / 3)
    assert rising.loc["p2", "recent_share"] == pytest.approx(50 / 150)
    assert math.isnan(rising.loc["p2", "share_ratio"])
    assert not rising["rising"].any()  # two lines against one: nothing credible
    assert ("占比变化：1 个商品在此前 1 周没有销售 → —",
            "share ratio: 1 product(s) sold nothing in the 1 weeks before -> —") in [(n.zh, n.en) for n in found]


def test_stock_cover_sums_the_warehouses_of_the_last_count(small, tmp_path):
    """Stock counted in two warehouses is the shop's stock once: p1 holds 6 + 4 units, not a
    second p1 row (or the first warehouse's 6 only)."""
    from helpers.core.shop import connect
    from tests.areas.products.support import write

    write(tmp_path, "inventory", [["2026-03-31", "杭州仓", "p1", 6], ["2026-03-31", "广州仓", "p1", 4],
                                  ["2026-03-31", "杭州仓", "p2", 3]], ["date", "warehouse", "product_id", "stock"])
    shop = connect(tmp_path)
    cover = portfolio.stock_cover(shop, MARCH, portfolio.summarize_portfolio(shop, MARCH))
    assert cover.index.is_unique and cover.loc["p1", "stock"] == 10 and cover.loc["p2", "stock"] == 3
