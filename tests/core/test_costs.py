"""The cost model: defaults and where each item came from, the costs table, and the costs of
order lines worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.core import costs
from helpers.core.calendar import Period
from helpers.core.errors import DataError
from helpers.core.notes import caught
from helpers.core.shop import connect

MARCH = Period(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))
ORDER_COLUMNS = ["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity", "list_price",
                 "paid_amount", "source", "campaign_id", "status"]
COST_COLUMNS = ["platform", "category", "valid_from", "commission_rate", "payment_fee_rate", "freight_first",
                "freight_extra", "unit_weight_kg", "free_shipping_over", "shipping_insurance", "packaging",
                "gift_cost", "coupon_cost", "return_freight", "unsellable_share"]


def _write(folder, name, rows, columns):
    pd.DataFrame(rows, columns=columns).to_csv(folder / f"{name}.csv", index=False)


@pytest.fixture()
def shop_dir(tmp_path):
    """o1: a wok (1.5 kg) x2 paid ¥200 and a towel (0.5 kg) x1 paid ¥100; o2: a towel ¥50, one
    unit returned (refund ¥50)."""
    t = "2026-03-02 10:00:00"
    _write(tmp_path, "orders", [["o1", t, t, "c1", "wok", 2, 100, 200, "手淘搜索", "", "paid"],
                                ["o1", t, t, "c1", "towel", 1, 100, 100, "手淘搜索", "", "paid"],
                                ["o2", t, t, "c2", "towel", 1, 50, 50, "手淘搜索", "", "paid"]], ORDER_COLUMNS)
    _write(tmp_path, "products", [["wok", "炒锅", "厨房用品", "b", 40, 100, "2025-01-01"],
                                  ["towel", "毛巾", "家居", "b", 20, 50, "2025-01-01"]],
           ["product_id", "title", "category", "brand", "unit_cost", "list_price", "launch_date"])
    _write(tmp_path, "refunds", [["o2", "towel", "2026-03-06 09:00:00", 50, 1, "不想要了", "true"]],
           ["order_id", "product_id", "refund_time", "refund_amount", "quantity", "reason", "shipped"])
    return tmp_path


def _costs_table(folder, rows):
    _write(folder, "costs", rows, COST_COLUMNS)


def test_without_a_costs_table_the_defaults_are_used_and_said(shop_dir):
    with caught(sticky=True) as found:
        model = costs.load_costs(connect(shop_dir))
    assert model.origin == "defaults" and model.defaulted == costs.ITEMS
    assert model.rates("厨房用品").commission_rate == 0.05 and model.rates("美妆护肤").commission_rate == 0.04
    assert model.base.payment_fee_rate == 0.006
    assert any("默认值" in n.zh and "use the defaults" in n.en and "commission_rate" in n.en for n in found)


def test_line_costs_by_hand(shop_dir):
    _costs_table(shop_dir, [
        ["天猫", "*", "2025-01-01", 0.05, 0.01, 5, 2, 0.5, 0, 1, 1, 0, 0, 4, 0.5],
        ["天猫", "厨房用品", "2025-01-01", 0.02, "", "", "", 1.5, "", "", "", "", "", "", ""],
    ])
    shop = connect(shop_dir)
    with caught(sticky=True) as found:
        model = costs.load_costs(shop)
    assert model.defaulted == () and not found  # every item given: no defaults note
    c = costs.contribution_by_product(shop, MARCH, model)
    # o1 weighs 2 x 1.5 + 0.5 = 3.5 kg: freight 5 + 2 x ceil(2.5) = 11; with insurance 1 and
    # packaging 1, ¥13 over 3 units: the wok's 2 units carry 2/3
    assert c.loc["wok", "freight"] == pytest.approx(11 * 2 / 3)
    assert c.loc["wok", "commission"] == pytest.approx(0.02 * 200)
    assert c.loc["wok", "payment_fee"] == pytest.approx(0.01 * 200)
    wok = 200 - 2 * 40 - 0.02 * 200 - 0.01 * 200 - 13 * 2 / 3
    assert c.loc["wok", "contribution"] == pytest.approx(wok)
    # towel: o1's third of ¥13, o2 (0.5 kg) 5 + 1 + 1; o2 returned: commission given back,
    # return freight ¥4 and half the unit written off (¥10), the kept unit of o1 costs ¥20
    towel_costs = 13 / 3 + 7 + 0.05 * 100 + 0.01 * 150 + 4 + 0.5 * 20
    assert c.loc["towel", "platform_costs"] == pytest.approx(towel_costs)
    assert c.loc["towel", "contribution"] == pytest.approx(150 - 50 - 20 - towel_costs)
    margin = costs.contribution_margin(shop, MARCH, model)
    assert margin == pytest.approx((wok + 150 - 50 - 20 - towel_costs) / 350)
    assert costs.break_even_roi(margin) == pytest.approx(1 / margin)
    assert costs.max_cpc(3.0, margin) == pytest.approx(3.0 * margin)


def test_free_shipping_threshold_moves_freight_to_the_buyer(shop_dir):
    _costs_table(shop_dir, [["天猫", "*", "2025-01-01", 0.05, 0.006, 5, 0, 0.5, 100, 0, 0, 0, 0, 0, 0]])
    shop = connect(shop_dir)
    lines = costs.daily_costs(shop, costs.load_costs(shop))
    # o1 (¥300) ships free at the shop's cost, o2 (¥50) is under ¥100: its buyer pays the ¥5
    assert lines["waived_freight"].sum() == pytest.approx(5)
    assert lines["platform_costs"].sum() == pytest.approx(5 + 0.056 * 350)


def test_parameters_fill_what_the_table_leaves_empty_and_bad_values_are_refused(shop_dir):
    _costs_table(shop_dir, [["天猫", "*", "2025-01-01", 0.03, "", "", "", "", "", "", "", "", "", "", ""]])
    shop = connect(shop_dir)
    with caught(sticky=True):
        model = costs.load_costs(shop, commission_rate=0.08, packaging=2.5)
    assert model.base.commission_rate == 0.03  # the shop's table wins
    assert model.base.packaging == 2.5 and "packaging" not in model.defaulted
    assert "freight_first" in model.defaulted
    with pytest.raises(DataError, match="between 0 and 1"):
        costs.load_costs(shop, payment_fee_rate=6)
    with pytest.raises(DataError, match="unknown cost item"):
        costs.load_costs(shop, freight=3)


def test_several_platforms_need_a_choice_and_the_latest_row_counts(shop_dir):
    _costs_table(shop_dir, [["天猫", "*", "2025-01-01", 0.05, "", "", "", "", "", "", "", "", "", "", ""],
                            ["天猫", "*", "2026-01-01", 0.04, "", "", "", "", "", "", "", "", "", "", ""],
                            ["京东", "*", "2025-01-01", 0.08, "", "", "", "", "", "", "", "", "", "", ""]])
    shop = connect(shop_dir)
    with pytest.raises(DataError, match="several platforms"):
        costs.load_costs(shop)
    with caught(sticky=True):
        assert costs.load_costs(shop, platform="天猫").base.commission_rate == 0.04
        assert costs.load_costs(shop, platform="天猫", as_of=pd.Timestamp("2025-06-30")).base.commission_rate == 0.05
        assert costs.load_costs(shop, platform="京东").base.commission_rate == 0.08


def test_no_margin_no_break_even():
    assert math.isnan(costs.break_even_roi(0.0)) and math.isnan(costs.max_cpc(3.0, -0.1))
    assert costs.break_even_roi(pd.Series([0.5, -0.2])).tolist()[0] == 2.0


def test_a_product_without_a_category_takes_the_default_commission():
    from helpers.core.costs import CostRates, default_commission

    for missing in (None, float("nan")):
        assert default_commission(missing) == CostRates.commission_rate
    assert default_commission("美妆护肤") == 0.04


def test_an_order_of_exactly_the_first_weight_pays_no_extra_kg_whatever_the_sum_order():
    import ibis

    from helpers.core.costs import CostModel, CostRates, cost_lines

    # 0.4 + 0.2 + 0.3 + 0.1 kg sums to 1.0000000000000002 in this order, 1.0 in others: an engine
    # adding in this order charged an extra kg that another did not (DuckDB against Spark)
    weights = {"a": 0.4, "b": 0.2, "c": 0.3, "d": 0.1}
    lines = ibis.memtable(pd.DataFrame({"order_id": ["o"] * 4, "product_id": list(weights), "category": list(weights),
                                        "quantity": [1] * 4, "paid_amount": [10.0] * 4, "unit_cost": [1.0] * 4}))
    model = CostModel(base=CostRates(freight_first=4.0, freight_extra=2.0),
                      categories={k: {"unit_weight_kg": w} for k, w in weights.items()})
    out = cost_lines(lines, model).execute()
    assert out["freight"].sum() == pytest.approx(4.0)  # one first kg, no extra step
