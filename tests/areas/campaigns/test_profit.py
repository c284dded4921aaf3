"""What a campaign earned: the profit bridge, campaign ROI and the cost of a new buyer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.areas.campaigns import findings as rules
from helpers.areas.campaigns.campaign import baseline_days
from helpers.areas.campaigns.frames import load_frames
from helpers.areas.campaigns.profit import (
    campaign_roi,
    compute_profit,
    cost_per_new_buyer,
    count_new_buyers,
    effective_discount,
)
from helpers.areas.campaigns.refunds import compare_refunds
from helpers.areas.campaigns.sentences import describe_profit
from helpers.areas.campaigns.uplift import estimate_uplift
from helpers.core.notes import MetricNote, quiet
from helpers.core.shop import connect
from tests.areas.campaigns.sample_shop import (
    SAMPLE,
    raw_campaigns,
    sample_folder,
    truth_post_days,
    windows_for,
)


@pytest.mark.recovery
def test_profit_bridge_adds_up_and_discount_matches_the_orders(frames, impacts, truth):
    cid = "618-2026"
    campaign, w = windows_for(frames, cid, truth_post_days(truth["campaigns"][cid]))
    with quiet():
        refunds = compare_refunds(frames, campaign, w)
        profit = compute_profit(frames, campaign, w, impacts[cid], refunds)
    orders = pd.read_csv(SAMPLE / "orders.csv", dtype={"order_id": str, "product_id": str})
    lines = orders[(orders["campaign_id"] == cid) & (orders["status"] == "paid")]
    discount = (lines["list_price"] * lines["quantity"] - lines["paid_amount"]).sum()
    assert profit.value("discount_cost") == pytest.approx(discount, abs=0.01)
    t = profit.table["value"]
    costs = t[["discount_cost", "waived_freight", "extra_ad_spend", "extra_refund_cost", "budget"]].sum()
    assert np.isnan(t["waived_freight"])  # a 满减 campaign waives no freight
    assert profit.campaign_cost == pytest.approx(costs)
    assert t["incremental_list_sales"] == pytest.approx(impacts[cid].value("window", "effect") + discount)
    assert t["incremental_gross_profit"] == pytest.approx(t["incremental_list_sales"] * profit.normal_margin)
    assert t["profit"] == pytest.approx(t["incremental_gross_profit"] - costs)
    assert profit.roi == pytest.approx(t["profit"] / costs)
    assert profit.breakeven_sales * profit.normal_margin == pytest.approx(costs)
    assert profit.table.loc["profit", "low"] < t["profit"] < profit.table.loc["profit", "high"]
    assert t["budget"] == 30000 and t["extra_ad_spend"] > 0  # ads cost more during 618
    assert profit.new_buyers["incremental"] > 0
    assert profit.cost_per_new_buyer == pytest.approx(costs / profit.new_buyers["incremental"])
    assert profit.missing == []
    # the true net gain, valued the same way, lies inside the profit interval
    true_gain = truth["campaigns"][cid]["incremental_sales_all_phases"]
    true_profit = (true_gain + discount) * profit.normal_margin - costs
    assert profit.table.loc["profit", "low"] <= true_profit <= profit.table.loc["profit", "high"]


def test_roi_and_cost_per_buyer_are_nan_with_a_note_on_zero_denominators():
    with pytest.warns(MetricNote, match="campaign cost is 0") as caught:
        assert np.isnan(campaign_roi(100.0, 0.0))
    assert "活动投入为 0" in caught[0].message.note.zh
    with pytest.warns(MetricNote, match="no more new buyers") as caught:
        assert np.isnan(cost_per_new_buyer(100.0, -3.0))
    assert "没有多于平时" in caught[0].message.note.zh
    with pytest.warns(MetricNote, match="list value is 0") as caught:
        assert np.isnan(effective_discount(0.0, 0.0))
    assert "原价金额为 0" in caught[0].message.note.zh
    assert campaign_roi(50.0, 100.0) == 0.5
    assert cost_per_new_buyer(1000.0, 40.0) == 25.0
    assert effective_discount(80.0, 100.0) == pytest.approx(0.2)


def test_new_buyers_against_the_baseline_rate(frames):
    campaign, w = windows_for(frames, "618-2026")
    n = count_new_buyers(frames, campaign, w)
    in_window = frames.new_buyers.loc[w.window.start:w.window.end].sum()
    per_day = frames.new_buyers.reindex(pd.DatetimeIndex(w.clean_days)).mean()
    assert n["window"] == in_window and n["per_day_pre"] == pytest.approx(per_day)
    assert n["expected"] == pytest.approx(per_day * w.window.days)
    assert n["incremental"] == pytest.approx(in_window - per_day * w.window.days) and n["incremental"] > 0


def test_the_profit_sentence_says_the_verdict_in_each_language(frames, june):
    campaign, w, imp = june
    with quiet():
        profit = compute_profit(frames, campaign, w, imp, compare_refunds(frames, campaign, w))
    # with commission, payment fee, freight and packaging counted, 618 2026 neither surely made nor
    # surely lost money (it read "made money" when only the goods were costed)
    assert rules.PROFIT_UNSURE < profit.p_profit < rules.PROFIT_SURE
    assert (profit.value("profit") > 0) == (profit.p_profit > 0.5)  # the point and the probability agree
    en, zh = describe_profit(profit, imp, "en"), describe_profit(profit, imp, "zh")
    assert "roughly broke even" in en and "大致持平" in zh
    assert f"{profit.new_buyers['incremental']:,.0f} extra new buyers" in en


@pytest.mark.recovery  # builds a shop of its own from the sample (several seconds)
def test_campaign_without_budget_and_without_ads(tmp_path):
    raw = raw_campaigns()
    raw.loc[raw["campaign_id"] == "618-2026", "budget"] = ""
    shop = connect(sample_folder(tmp_path, raw, drop=("ads",)))
    frames = load_frames(shop)
    assert frames.ads_daily is None
    campaign, w = windows_for(frames, "618-2026")
    assert np.isnan(campaign.budget)
    imp = estimate_uplift(frames, campaign, w)
    refunds = compare_refunds(frames, campaign, w)
    with pytest.warns(MetricNote) as caught:
        profit = compute_profit(frames, campaign, w, imp, refunds)
    messages = " ".join(str(x.message) for x in caught)
    assert "no ads table" in messages and "no budget" in messages
    zh = " ".join(x.message.note.zh for x in caught if issubclass(x.category, MetricNote))
    assert "没有推广表" in zh and "没有填它的预算" in zh
    assert set(profit.missing) == {"ads", "budget"}
    assert np.isnan(profit.value("extra_ad_spend")) and np.isnan(profit.value("budget"))
    assert profit.campaign_cost == pytest.approx(profit.value("discount_cost") + profit.value("extra_refund_cost"))
    assert not np.isnan(profit.value("profit"))
    assert "no budget given" in describe_profit(profit, imp, "en")
    assert "预算未填" in describe_profit(profit, imp, "zh")


def test_without_an_estimate_only_the_costs_are_known(frames):
    campaign, w = windows_for(frames, "nhj-2025", 5)
    imp = estimate_uplift(frames, campaign, w)
    with quiet():
        profit = compute_profit(frames, campaign, w, imp, compare_refunds(frames, campaign, w))
    assert np.isnan(profit.value("profit")) and profit.value("discount_cost") > 0
    assert np.isnan(profit.roi) and np.isnan(profit.p_profit)
    assert "break even" in describe_profit(profit, imp, "en")
    assert "才能保本" in describe_profit(profit, imp, "zh")


@pytest.mark.recovery
def test_a_free_shipping_campaign_pays_the_freight_its_buyers_would_have_paid(frames, impacts, truth):
    """夏日满99包邮 ships orders of ¥99 to ¥199 free, which the sample shop's buyers otherwise pay
    for (costs.csv: free from ¥199, ¥4.5 first kg + ¥2 per extra kg): that freight is a cost of
    the campaign, and every order's fees and parcel come out of the normal margin."""
    cid = "ship-2025-07"
    campaign, w = windows_for(frames, cid, truth_post_days(truth["campaigns"][cid]))
    with quiet():
        refunds = compare_refunds(frames, campaign, w)
        profit = compute_profit(frames, campaign, w, impacts[cid], refunds)
    orders = pd.read_csv(SAMPLE / "orders.csv", dtype={"order_id": str, "product_id": str})
    products = pd.read_csv(SAMPLE / "products.csv", dtype={"product_id": str})
    rates = pd.read_csv(SAMPLE / "costs.csv")
    shop_row = rates[rates["category"] == "*"].iloc[0]
    weight = products["category"].map(rates.set_index("category")["unit_weight_kg"])
    lines = orders[(orders["campaign_id"] == cid) & (orders["status"] == "paid")].merge(
        products.assign(weight=weight)[["product_id", "weight"]], on="product_id")
    per_order = lines.assign(kg=lines["quantity"] * lines["weight"]).groupby("order_id")[["paid_amount", "kg"]].sum()
    free = per_order[per_order["paid_amount"] < shop_row["free_shipping_over"]]
    freight = shop_row["freight_first"] + shop_row["freight_extra"] * np.ceil((free["kg"] - 1).clip(lower=0))
    assert len(free) > 50
    assert profit.value("waived_freight") == pytest.approx(freight.sum(), abs=0.01)
    t = profit.table["value"]
    assert profit.campaign_cost == pytest.approx(t[["discount_cost", "waived_freight", "extra_ad_spend",
                                                    "extra_refund_cost", "budget"]].fillna(0).sum())
    # the margin an extra order leaves is under the goods margin: commission, fee, freight, packaging
    pre = frames.daily.reindex(baseline_days(w))
    goods = 1 - pre["cost"].sum() / pre["costed_list_value"].sum()
    assert 0.05 < goods - profit.normal_margin < 0.2
