"""Guardrails of the paid-promotion advice, each on a shop built here to trip it: no verdict on
noisy or thin data, affiliates judged on commission, missing revenue is not zero revenue,
attribution windows put on one window before plans are compared, budget advice only between
paid sources, returning visitors never an acquisition channel."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.areas.traffic import ads, calc, roi, sentences
from helpers.core.calendar import Period
from helpers.core.findings import NOT_ENOUGH_DATA
from helpers.core.shop import connect
from tests.areas.traffic.shop import TRAFFIC_COLUMNS, noted

DAYS = pd.date_range("2026-09-01", "2026-09-14")
FORTNIGHT = Period(DAYS[0], DAYS[-1])
MARGIN = 0.6  # break-even ROI 1.667


def _ads(plans: dict[tuple[str, str], list[tuple]], window: dict[tuple[str, str], int | list[int]]) -> pd.DataFrame:
    """Rows per day of each plan: (clicks, spend, orders, amount) for each of the 14 days."""
    rows = []
    for (channel, plan), days in plans.items():
        windows = window[(channel, plan)]
        for i, (day, (clicks, spend, orders, amount)) in enumerate(zip(DAYS, days, strict=True)):
            w = windows[i] if isinstance(windows, list) else windows
            rows.append((day.date(), channel, plan, clicks * 20, clicks, spend, orders, amount, w))
    return pd.DataFrame(rows, columns=["date", "channel", "plan", "impressions", "clicks", "spend",
                                       "attributed_orders", "attributed_amount", "attribution_window_days"])


def _shop(tmp_path, ads_frame: pd.DataFrame):
    pd.DataFrame([("o1", "2026-09-02 10:00", "2026-09-02 10:01", "c1", "p1", 1, 100, 100, "直通车", "paid")],
                 columns=["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity",
                          "list_price", "paid_amount", "source", "status"]).to_csv(tmp_path / "orders.csv", index=False)
    ads_frame.to_csv(tmp_path / "ads.csv", index=False)
    return connect(tmp_path)


STEADY = [(50, 100.0, 2, 300.0)] * 14  # ROI 3.0 every day, 28 orders
NOISY = [(50, 100.0, 12, 600.0)] + [(50, 100.0, 0, 0.0)] * 12 + [(50, 100.0, 13, 800.0)]  # ROI 1.0 over 2 days
THIN = [(50, 100.0, 1 if i < 5 else 0, 50.0 if i < 5 else 0.0) for i in range(14)]  # 5 orders, ROI 0.18


def test_noisy_or_thin_plans_get_no_verdict(tmp_path):
    shop = _shop(tmp_path, _ads({("直通车", "稳"): STEADY, ("直通车", "噪"): NOISY, ("直通车", "少"): THIN},
                                dict.fromkeys([("直通车", "稳"), ("直通车", "噪"), ("直通车", "少")], 15)))
    plans, _ = noted(ads.summarize_ads, shop, FORTNIGHT, MARGIN)
    steady, noisy, thin = (plans.loc[("直通车", p)] for p in ("稳", "噪", "少"))
    # steady: the whole interval above 1.5 x break-even
    assert steady["roi"] == pytest.approx(3.0) and steady["roi_low"] > 2.5 and steady["verdict"] == "scale"
    # 25 orders on two lucky days: ROI 1.0 is below break-even, but its interval straddles it, so no cut
    assert noisy["roi"] == pytest.approx(1.0) and noisy["attributed_orders"] == 25
    assert noisy["roi_low"] < 1 / MARGIN < noisy["roi_high"]
    assert (noisy["verdict"], noisy["reason"]) == (NOT_ENOUGH_DATA, "straddles")
    # 5 orders: below the minimum, no verdict whatever the ROI
    assert (thin["verdict"], thin["reason"]) == (NOT_ENOUGH_DATA, "few_orders")
    en = sentences.describe_ads(plans, plans, MARGIN, "en")
    assert "Cut:" not in en and "No verdict yet: 噪, 少" in en and "Scale up: 稳" in en


def test_the_roi_interval_is_the_ratio_estimator_over_days():
    low, high = roi.roi_interval([600.0] + [0.0] * 12 + [800.0], [100.0] * 14)
    # R = 1; sd = sqrt(14/13 x 860000) / 1400; t(13, 0.975) = 2.1604
    half = 2.160369 * math.sqrt(14 / 13 * 860_000) / 1400
    assert low == pytest.approx(max(1 - half, 0)) and high == pytest.approx(1 + half, rel=1e-5)
    assert roi.roi_interval([300.0] * 5, [100.0] * 5) == pytest.approx((3.0, 3.0))
    assert all(math.isnan(v) for v in roi.roi_interval([300.0], [100.0]))  # one day: no interval


def test_affiliates_are_judged_on_commission_never_given_a_cpc(tmp_path):
    cheap = [(40, 30.0, 3, 300.0)] * 14  # 10% commission
    dear = [(40, 210.0, 3, 300.0)] * 14  # 70% commission: above the 60% margin
    shop = _shop(tmp_path, _ads({("淘宝客", "通用"): cheap, ("淘宝客", "团长"): dear},
                                {("淘宝客", "通用"): 1, ("淘宝客", "团长"): 1}))
    plans, _ = noted(ads.summarize_ads, shop, FORTNIGHT, MARGIN)
    cheap_row, dear_row = plans.loc[("淘宝客", "通用")], plans.loc[("淘宝客", "团长")]
    assert math.isnan(cheap_row["cpc"]) and math.isnan(cheap_row["max_cpc"])
    assert math.isnan(dear_row["cpc"]) and math.isnan(dear_row["max_cpc"])
    assert cheap_row["commission_rate"] == pytest.approx(0.1) and cheap_row["verdict"] == "scale"
    assert dear_row["commission_rate"] == pytest.approx(0.7)
    assert (dear_row["verdict"], dear_row["reason"]) == ("cut", "commission_high")
    assert ads.per_click_plans(plans).empty and ads.build_profit_grid(plans, MARGIN).empty


def test_conversion_only_ad_data_gives_roi_unknown_not_zero(tmp_path):
    no_amount = [(50, 100.0, 3, 0.0)] * 14  # the export has orders but no amounts
    shop = _shop(tmp_path, _ads({("直通车", "A"): no_amount, ("万相台", "B"): no_amount},
                                {("直通车", "A"): 15, ("万相台", "B"): 15}))
    review, _ = noted(ads.review_ads, shop, FORTNIGHT)
    plans = review.plans
    assert plans["roi"].isna().all() and not plans["revenue_known"].any()
    assert (plans["verdict"] == "unknown").all() and not (plans["verdict"] == "cut").any()
    en = sentences.describe_ads(plans, review.channels, MARGIN, "en")
    assert "ROI is unknown, not 0" in en and "Cut:" not in en and "ROI 0.00" not in en
    assert "ROI 未知" in sentences.describe_ads(plans, review.channels, MARGIN, "zh")


def test_windows_are_put_on_one_window_from_the_shops_own_ratio(tmp_path):
    long_days = [(50, 100.0, 3, 270.0)] * 14  # 15-day window, ROI 2.7
    short_days = [(50, 100.0, 3, 200.0)] * 14  # 1-day window, ROI 2.0
    plans_in = {("直通车", "长"): long_days, ("万相台", "短"): short_days}
    windows = {("直通车", "长"): 15, ("万相台", "短"): 1}
    shop = _shop(tmp_path, _ads(plans_in, windows))
    plans, _ = noted(ads.summarize_ads, shop, FORTNIGHT, MARGIN)
    assert math.isnan(plans.loc[("直通车", "长"), "roi_normalised"])  # no plan under both windows: no ratio
    assert "not comparable" in sentences.describe_ads(plans, plans, MARGIN, "en")
    assert "不可比" in sentences.describe_ads(plans, plans, MARGIN, "zh")
    # a third plan reported under 1 day for a week, then 15 days: 1.35x the orders per click under the long window
    both = [(50, 100.0, 20, 200.0)] * 7 + [(50, 100.0, 27, 270.0)] * 7
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shop = _shop(mixed, _ads({**plans_in, ("引力魔方", "换"): both},
                             {**windows, ("引力魔方", "换"): [1] * 7 + [15] * 7}))
    assert roi.estimate_window_ratios(shop) == {(1, 15): pytest.approx(1.35)}
    plans, _ = noted(ads.summarize_ads, shop, FORTNIGHT, MARGIN)
    assert plans.loc[("直通车", "长"), "roi_normalised"] == pytest.approx(2.0)  # 2.7 / 1.35: as good as 短
    assert plans.loc[("万相台", "短"), "roi_normalised"] == pytest.approx(2.0)
    assert plans["window_reference"].iloc[0] == 1
    assert "put on the 1-day window with the shop's own window ratios" in sentences.describe_ads(
        plans.drop(index=[("引力魔方", "换")]), plans, MARGIN, "en")


def test_the_window_ratio_is_read_on_orders_not_on_an_order_value_that_drifted(tmp_path):
    """A plan moved from the 7-day to the 15-day window while its order value fell from ¥10 to
    ¥8: the window credits 1.35x the orders per click; the amount per click (1.08x) mixes in
    the price drop."""
    both = [(50, 100.0, 20, 200.0)] * 7 + [(50, 100.0, 27, 216.0)] * 7
    shop = _shop(tmp_path, _ads({("万相台", "换"): both}, {("万相台", "换"): [7] * 7 + [15] * 7}))
    assert roi.estimate_window_ratios(shop) == {(7, 15): pytest.approx(1.35)}


def test_commission_plans_do_not_set_the_window_the_others_are_compared_on(tmp_path):
    """淘宝客 reports a 1-day window and is judged on its commission rate: the per-click plans (7 and
    15 days) are put on the 7-day window with the ratio the shop has, not left incomparable for
    want of a 1-day ratio."""
    plans_in = {("直通车", "长"): [(50, 100.0, 27, 270.0)] * 14, ("万相台", "短"): [(50, 100.0, 20, 200.0)] * 14,
                ("淘宝客", "客"): [(50, 10.0, 5, 100.0)] * 14,
                ("万相台", "换"): [(50, 100.0, 20, 200.0)] * 7 + [(50, 100.0, 27, 270.0)] * 7}
    windows = {("直通车", "长"): 15, ("万相台", "短"): 7, ("淘宝客", "客"): 1, ("万相台", "换"): [7] * 7 + [15] * 7}
    shop = _shop(tmp_path, _ads(plans_in, windows))
    plans, _ = noted(ads.summarize_ads, shop, FORTNIGHT, MARGIN)
    assert plans["window_reference"].iloc[0] == 7
    assert plans.loc[("直通车", "长"), "roi_normalised"] == pytest.approx(2.0)  # 2.7 / 1.35
    assert plans.loc[("万相台", "短"), "roi_normalised"] == pytest.approx(2.0)
    assert math.isnan(plans.loc[("淘宝客", "客"), "roi_normalised"])  # judged on its commission rate
    assert math.isnan(plans.loc[("万相台", "换"), "roi_normalised"])  # mixes two windows
    en = sentences.describe_ads(plans, plans, MARGIN, "en")
    assert "put on the 7-day window with the shop's own window ratios" in en
    assert "换 changed its window within the period" in en
    assert "换 在本期内换过归因周期" in sentences.describe_ads(plans, plans, MARGIN, "zh")


def _traffic(tmp_path) -> None:
    rows = []
    for day in pd.date_range("2026-09-01", "2026-09-07"):
        for source, group, visitors, buyers, amount in (
                ("猜你喜欢", "recommendation", 3000, 15, 1500.0),  # free, many visitors, few buyers
                ("引力魔方", "paid", 1000, 5, 500.0),  # paid, few buyers
                ("直通车", "paid", 800, 40, 4800.0),  # paid, high UV value
                ("手淘搜索", "free_search", 2000, 80, 8000.0),
                ("购物车", "crm", 300, 60, 9000.0)):  # returning visitors: the highest UV value
            rows.append((day.date(), source, group, visitors, 2 * visitors, visitors // 3, visitors // 10,
                         buyers + 1, buyers, amount))
    pd.DataFrame(rows, columns=TRAFFIC_COLUMNS).to_csv(tmp_path / "traffic.csv", index=False)


def test_budget_advice_only_between_paid_sources_and_never_towards_returning_visitors(tmp_path):
    _traffic(tmp_path)
    pd.DataFrame([("o1", "2026-09-02 10:00", "2026-09-02 10:01", "c1", "p1", 1, 100, 100, "直通车", "paid")],
                 columns=["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity",
                          "list_price", "paid_amount", "source", "status"]).to_csv(tmp_path / "orders.csv", index=False)
    shop = connect(tmp_path)
    week = Period(pd.Timestamp("2026-09-01"), pd.Timestamp("2026-09-07"))
    sources, _ = noted(calc.summarize_sources, shop, week)
    totals, _ = noted(calc.total_figures, sources, shop, week)
    en = sentences.describe_sources(sources, totals, "pooled", "en")
    budget = [s for s in en.split(". ") if "budget" in s]
    assert budget and all("猜你喜欢" not in s and "购物车" not in s for s in budget if "move budget" in s)
    assert any("move budget to paid sources with a higher UV value (直通车)" in s for s in budget)
    assert "Free sources with many visitors but few buyers: 猜你喜欢" in en and "no budget to move" in en
    assert "“购物车” is returning visitors" in en and "not a channel that wins new ones" in en
    zh = sentences.describe_sources(sources, totals, "pooled", "zh")
    assert "免费来源「猜你喜欢」" in zh and "不涉及预算" in zh and "不是拉新渠道" in zh


def test_an_ads_report_without_revenue_loads_and_gives_roi_unknown(shop_dir):
    """A conversion-only ads export (no 成交金额 column) is not refused, and missing revenue is not ROI 0."""
    import pandas as pd

    from helpers.areas.traffic import ads as ads_area
    from helpers.core.shop import connect
    from tests.areas.traffic.shop import WEEK

    frame = pd.read_csv(shop_dir / "ads.csv").drop(columns=["attributed_amount"])
    frame.to_csv(shop_dir / "ads.csv", index=False)
    shop = connect(shop_dir)
    plans = ads_area.summarize_ads(shop, WEEK, ads_area.estimate_margin(shop, WEEK))
    per_click = plans.loc[("直通车", "A")]
    assert pd.isna(per_click["roi"]) and per_click["verdict"] != "cut"
