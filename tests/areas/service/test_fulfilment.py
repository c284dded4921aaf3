"""Fulfilment: shipping speed and on-time rate, and the Mantel-Haenszel effects of late parcels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.contingency_tables import StratifiedTable

from helpers.areas.service import fulfilment
from helpers.core.notes import caught
from helpers.core.stats import z_value
from tests.areas.service.conftest import MARCH


def test_fulfilment_of_the_hand_built_shop(shop):
    orders = fulfilment.order_shipments(shop, MARCH, promised_hours=48)
    overall = fulfilment.summarize_fulfilment(orders)
    row = overall.iloc[0]
    assert (row["orders"], row["shipped_orders"], row["due"]) == (3, 2, 3)
    assert row["on_time_rate"] == pytest.approx(1 / 3)  # o1 on time; o2 72 h; o4 never shipped
    assert row["without_shipment"] == 1  # o3, cancelled before shipping
    assert row["median_ship_hours"] == pytest.approx((10 + 72) / 2)
    by = fulfilment.summarize_fulfilment(orders, "warehouse")
    assert by.loc["武汉仓", "on_time_rate"] == 0 and by.loc["杭州仓", "on_time_rate"] == 1
    assert by.index[0] == "武汉仓"  # worst first
    hist = fulfilment.ship_hours(orders, "warehouse")
    assert hist.set_index(["group", "hours"])["orders"].to_dict() == {("杭州仓", 8): 1, ("武汉仓", 72): 1}


def test_promised_hours_parameter_fills_a_missing_promise(shop):
    orders = fulfilment.order_shipments(shop, MARCH, promised_hours=24)
    late = orders.select("order_id", "promised", "late").execute().set_index("order_id")
    assert late.loc["o4", "promised"] == 24 and late.loc["o1", "promised"] == 48
    assert bool(late.loc["o4", "late"]) and not bool(late.loc["o1", "late"])


def test_mantel_haenszel_single_stratum_matches_the_textbook():
    strata = pd.DataFrame({"a": [20], "n1": [100], "c": [10], "n0": [100]})
    mh = fulfilment.mantel_haenszel(strata)
    assert mh["rr"] == pytest.approx(2.0) and mh["rd"] == pytest.approx(0.1)
    se_log = math.sqrt(1 / 20 - 1 / 100 + 1 / 10 - 1 / 100)  # Katz = Greenland-Robins for one stratum
    assert mh["rr_high"] == pytest.approx(2 * math.exp(1.959964 * se_log), rel=1e-4)
    se_rd = math.sqrt(0.2 * 0.8 / 100 + 0.1 * 0.9 / 100)
    assert mh["rd_high"] - mh["rd"] == pytest.approx(1.959964 * se_rd, rel=1e-4)


def test_mantel_haenszel_removes_confounding_by_stratum():
    # late parcels sit mostly in the high-risk stratum: crude RR is far above the true 1.5
    strata = pd.DataFrame({"a": [30, 3], "n1": [100, 100], "c": [20, 20], "n0": [100, 1000]})
    crude = (33 / 200) / (40 / 1100)
    mh = fulfilment.mantel_haenszel(strata)
    assert crude > 4 and mh["rr"] == pytest.approx(1.5, rel=0.05)
    with caught() as notes:
        empty = fulfilment.mantel_haenszel(pd.DataFrame({"a": [1], "n1": [5], "c": [0], "n0": [0]}))
    assert math.isnan(empty["rr"]) and math.isnan(empty["rd"]) and empty["strata"] == 0
    assert any("no stratum has both" in n.en and "没有一个分层" in n.zh for n in notes)


def test_mantel_haenszel_is_statsmodels_and_the_greenland_robins_and_sato_formulas():
    """The library's pooled RR and the hand-written intervals, against the formulas written out."""
    rng = np.random.default_rng(11)
    n1, n0 = rng.integers(20, 400, 6).astype(float), rng.integers(50, 900, 6).astype(float)
    a, c = rng.binomial(n1.astype(int), 0.2).astype(float), rng.binomial(n0.astype(int), 0.1).astype(float)
    mh = fulfilment.mantel_haenszel(pd.DataFrame({"a": a, "n1": n1, "c": c, "n0": n0}), 0.9)
    N = n1 + n0
    r, s = (a * n0 / N).sum(), (c * n1 / N).sum()
    rr = r / s
    library = StratifiedTable(np.array([[a, n1 - a], [c, n0 - c]])).riskratio_pooled
    np.testing.assert_allclose([mh["rr"], library], [rr, rr], rtol=1e-12)
    se = math.sqrt(((n1 * n0 * (a + c) - a * c * N) / N**2).sum() / (r * s))
    z = z_value(0.9)
    np.testing.assert_allclose([mh["rr_low"], mh["rr_high"]], [rr * math.exp(-z * se), rr * math.exp(z * se)],
                               rtol=1e-12)
    w = n1 * n0 / N
    rd = (w * (a / n1 - c / n0)).sum() / w.sum()
    p = ((n1**2 * c - n0**2 * a + n1 * n0 * (n0 - n1) / 2) / N**2).sum()
    q = ((a * (n0 - c) + c * (n1 - a)) / (2 * N)).sum()
    se_rd = math.sqrt((rd * p + q) / w.sum() ** 2)
    np.testing.assert_allclose([mh["rd"], mh["rd_low"], mh["rd_high"]], [rd, rd - z * se_rd, rd + z * se_rd],
                               rtol=1e-12)


def test_late_effects_on_the_hand_built_shop(shop):
    with caught() as notes:  # no late line was refunded
        effects = fulfilment.late_effects(shop, MARCH, 48, maturity_days=20)
    assert any("no events in one group" in n.en and "其中一组没有事件" in n.zh for n in notes)
    assert set(effects.index) == set(fulfilment.OUTCOMES)
    # refunds: o1/p1 (on time, refunded), o2/p1 (late), o4 lines (late); o3 refunded before shipping
    refund = effects.loc["refund_after_shipping"]
    assert (refund["on_time_n"], refund["late_n"]) == (1, 3)
    assert refund["on_time_rate"] == 1.0 and refund["late_rate"] == 0.0 and math.isnan(refund["rr"])
    assert effects.loc["bad_review", "late_n"] == 3 and effects.loc["bad_review", "on_time_rate"] == 1.0


@pytest.mark.recovery
def test_late_shipping_effect_on_bad_reviews_recovers_the_planted_size(after_sales):
    e = after_sales["effects"].loc["bad_review"]
    planted = after_sales["truth"]["reviews"]["late_effect_on_bad_review_rate"]  # +15 points
    assert e["rd"] == pytest.approx(planted, abs=0.04)
    assert e["rd_low"] <= planted <= e["rd_high"] and e["rd_low"] > 0


@pytest.mark.recovery
def test_late_shipping_effect_on_refunds_recovers_the_planted_relative_risk(after_sales):
    e = after_sales["effects"].loc["refund_after_shipping"]
    planted = after_sales["truth"]["refunds"]["late_shipping_relative_risk"]  # x1.8
    assert e["rr_low"] <= planted <= e["rr_high"] and e["rr_low"] > 1
    assert abs(math.log(e["rr"] / planted)) < 0.3


@pytest.mark.recovery
def test_slowest_warehouse_and_carrier_are_the_planted_ones(after_sales):
    orders = fulfilment.order_shipments(after_sales["shop"], after_sales["period"], 48, after_sales["end"])
    wh = fulfilment.summarize_fulfilment(orders, "warehouse")
    truth = after_sales["truth"]["shipping"]
    slowest = max(truth["warehouses"], key=lambda w: truth["warehouses"][w]["median_hours_to_ship"])
    assert wh.index[0] == slowest
    normal = truth["warehouses"][slowest]["expected_late_share_normal_day"]
    event = truth["warehouses"][slowest]["expected_late_share_platform_event"]
    assert normal - 0.03 <= 1 - wh.loc[slowest, "on_time_rate"] <= event
    carriers = fulfilment.summarize_fulfilment(orders, "carrier")
    slow_carrier = max(truth["carriers"], key=lambda c: truth["carriers"][c]["median_transit_hours"])
    assert carriers["median_transit_hours"].idxmax() == slow_carrier
    for name, spec in truth["carriers"].items():
        assert carriers.loc[name, "median_transit_hours"] == pytest.approx(spec["median_transit_hours"], rel=0.1)
