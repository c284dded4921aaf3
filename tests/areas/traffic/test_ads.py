"""Paid promotion: known numbers, the profit grid and its break-even point, a shop without
costs, and the verdicts the sample's truth implies."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.areas.traffic import ads
from helpers.core.calendar import Period
from helpers.core.shop import connect
from tests.areas.traffic.shop import WEEK, has_note, noted, notes_point_at_the_caller


def test_ads_known_numbers_and_a_plan_with_spend_but_no_clicks(shop):
    margin = ads.estimate_margin(shop, WEEK)
    # default costs per ¥100 order: 5% commission, 0.6% payment fee, ¥4 freight (0.5 kg), ¥0.8 运费险, ¥1 packaging
    assert margin == pytest.approx(0.486)  # (400 - 4 x 40 - 4 x 11.4) / 400
    plans, notes = noted(ads.summarize_ads, shop, WEEK, margin)
    a = plans.loc[("直通车", "A")]
    assert a["ctr"] == pytest.approx(0.05) and a["cpc"] == pytest.approx(1.5)
    assert a["cpm"] == pytest.approx(75.0) and a["click_conversion"] == pytest.approx(0.05)
    assert a["roi"] == pytest.approx(4.0) and a["cost_per_order"] == pytest.approx(30.0)
    assert a["max_cpc"] == pytest.approx(6.0 * 0.486) and a["profit_after_ads"] == pytest.approx(600 * 0.486 - 150)
    assert (a["verdict"], a["reason"]) == ("not_enough_data", "few_orders")  # 5 orders on 1 day: no verdict
    b = plans.loc[("直通车", "B")]
    assert math.isnan(b["cpc"]) and b["roi"] == 0
    assert (b["verdict"], b["reason"]) == ("cut", "no_clicks")
    assert has_note(notes, "点击量 = 0", "Clicks = 0")  # the zero denominator is visible
    c = plans.loc[("淘宝客", "C")]  # paid per sale: judged on its commission rate, no CPC
    assert (c["verdict"], c["reason"]) == ("scale", "commission_low") and c["commission_rate"] == pytest.approx(0.1)
    assert math.isnan(c["cpc"]) and math.isnan(c["max_cpc"])
    channels, _ = noted(ads.summarize_ads, shop, WEEK, margin, by="channel")
    assert channels.loc["直通车", "spend"] == 200 and channels.loc["淘宝客", "attribution_window_days"] == "1"
    assert list(channels.index) == ["淘宝客", "直通车"]


def test_plans_with_different_windows_show_the_range(shop, shop_dir):
    frame = pd.read_csv(shop_dir / "ads.csv")
    frame.loc[frame["plan"] == "B", "channel"] = "淘宝客"
    frame.to_csv(shop_dir / "ads.csv", index=False)
    channels, _ = noted(ads.summarize_ads, connect(shop_dir), WEEK, 0.6, by="channel")
    assert channels.loc["淘宝客", "attribution_window_days"] == "1-15"
    with pytest.raises(ValueError, match="by="):
        ads.summarize_ads(shop, WEEK, 0.6, by="keyword")
    with pytest.raises(ValueError, match="ads table has no rows"):
        ads.summarize_ads(shop, Period(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-02")), 0.6)


def test_profit_grid_centre_is_the_actual_profit_of_per_click_plans(shop):
    margin = ads.estimate_margin(shop, WEEK)
    plans, _ = noted(ads.summarize_ads, shop, WEEK, margin)
    assert list(ads.per_click_plans(plans).index.get_level_values("plan")) == ["A", "B"]
    grid = ads.build_profit_grid(plans, margin)
    assert grid.shape == (7, 7)
    centre = grid.iloc[3, 3]
    assert grid.columns[3] == pytest.approx(2.0) and grid.index[3] == pytest.approx(0.05)
    assert centre == pytest.approx(600 * margin - 200)
    assert grid.iloc[0, 0] > centre > grid.iloc[-1, -1]  # more conversion, lower CPC: more profit
    point = ads.break_even_point(plans, margin)
    assert point["breakeven_conversion"] == pytest.approx(2 / (120 * margin))
    assert point["breakeven_cpc"] == pytest.approx(0.05 * 120 * margin)
    assert point["profit"] == pytest.approx(centre)
    assert ads.break_even_point(plans, float("nan")) is None and ads.build_profit_grid(plans, float("nan")).empty


def test_review_ads_without_products_cannot_judge_break_even(shop_dir):
    (shop_dir / "products.csv").unlink()
    review, notes = noted(ads.review_ads, connect(shop_dir), WEEK)
    assert math.isnan(review.margin) and math.isnan(review.breakeven)
    assert review.plans.loc[("直通车", "A"), "verdict"] == "optimise"
    assert review.plans.loc[("直通车", "B"), "verdict"] == "cut"  # no clicks needs no margin
    assert review.grid.empty
    assert has_note(notes, "单位成本", "unit_cost")
    assert review.roi == pytest.approx(900 / 230)


def test_a_product_without_cost_is_left_out_of_the_margin(shop_dir):
    orders = pd.read_csv(shop_dir / "orders.csv")
    orders.loc[orders["order_id"] == "o4", "product_id"] = "p2"  # p2 has no row in products
    orders.to_csv(shop_dir / "orders.csv", index=False)
    margin, notes = noted(ads.estimate_margin, connect(shop_dir), WEEK)
    assert margin == pytest.approx(0.486)  # (300 - 3 x 40 - 3 x 11.4) / 300: p2's line left out
    assert has_note(notes, "100.00 元销售额的商品没有单位成本", "100.00 yuan of sales are for products without")
    assert notes_point_at_the_caller(ads.estimate_margin, connect(shop_dir), WEEK)


@pytest.mark.recovery
def test_plans_are_cut_and_scaled_as_the_truth_says(sample, truth):
    first, last = sample.date_range("ads")
    whole = Period(first, last)
    margin = ads.estimate_margin(sample, whole)
    # the contribution margin is the gross margin less platform, logistics and return costs
    # (tests/core/test_costs.py works them out line by line); on the sample they take 5 to 25 points
    assert truth["ads"]["gross_margin"] - 0.25 < margin < truth["ads"]["gross_margin"] - 0.05
    plans, _ = noted(ads.summarize_ads, sample, whole, margin)
    by_plan = plans.reset_index().set_index("plan")
    breakeven = 1 / margin
    losing = [p for p, spec in truth["ads"]["plans"].items()
              if spec["observed_roas"] is not None and spec["observed_roas"] < 0.75 * breakeven]
    winning = [p for p, spec in truth["ads"]["plans"].items() if spec["channel"] != "淘宝客"
               and spec["observed_roas"] is not None and spec["observed_roas"] > 1.75 * breakeven]  # clear of the noise
    assert losing and winning
    for plan in truth["ads"]["plans"]:
        if plan not in losing:  # a plan that makes money on the true margin is never cut
            assert by_plan.loc[plan, "verdict"] != "cut", plan
    for plan in losing:
        assert by_plan.loc[plan, "verdict"] == "cut", plan
    for plan in winning:
        assert by_plan.loc[plan, "verdict"] == "scale", plan
    for plan, spec in truth["ads"]["plans"].items():
        assert by_plan.loc[plan, "roi"] == pytest.approx(spec["observed_roas"], rel=1e-4)
