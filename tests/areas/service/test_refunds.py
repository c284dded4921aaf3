"""Refund figures of the hand-built shop, unmatched and oversized refunds, timing and maturity."""

from __future__ import annotations

import math

import pytest

from helpers.areas.service import refunds, scope
from helpers.core.lines import lines_with_refunds
from helpers.core.notes import caught
from helpers.core.shop import connect
from helpers.core.stats import wilson_interval
from tests.areas.service.conftest import MARCH


def test_refund_figures_of_the_hand_built_shop(shop):
    end = scope.data_end(shop)
    lines = lines_with_refunds(shop, MARCH)
    s = refunds.summarize_refunds(lines, end, 20)
    assert (s["paid_lines"], s["refunded"]) == (5, 2)
    assert s["paid_amount"] == pytest.approx(460)
    assert s["refund_amount"] == pytest.approx(130)  # the ¥40 refund of a ¥30 line counts ¥30
    assert s["refund_rate_by_value"] == pytest.approx(130 / 460)
    assert s["refund_rate_by_count"] == pytest.approx(0.4)
    lo, hi = wilson_interval(2, 5)
    assert (s["low"], s["high"]) == (pytest.approx(lo), pytest.approx(hi))
    assert s["before_shipping"] == pytest.approx(0.5)
    assert s["immature_lines"] == 0
    margin = refunds.refund_margin(lines)
    # cost 4 x 50 + 2 x 10 = 220; back: o1's returned dress (50) and o3's unshipped box (10)
    assert margin.loc["before_refunds", "gross_profit"] == pytest.approx(240)
    assert margin.loc["after_refunds", "gross_profit"] == pytest.approx(330 - 160)
    assert margin.loc["lost", "gross_profit"] == pytest.approx(70)
    assert margin.loc["before_refunds", "cogs"] == pytest.approx(220)
    reasons = refunds.summarize_reasons(lines)
    assert reasons.index.name == "refund_reason"
    assert reasons.loc["尺码不合适", "before_shipping"] == 0 and reasons.loc["不想要了/七天无理由", "before_shipping"] == 1
    assert reasons["refunded"].sum() == 2
    by_source = refunds.refunds_by(lines, "source")
    assert by_source.loc["搜索", "refund_rate_by_count"] == pytest.approx(0.5)
    assert by_source.loc["直通车", "refunded"] == 1


def test_unmatched_and_oversized_refunds_are_noted_in_both_languages(shop):
    with caught() as notes:
        counts = refunds.count_unmatched_refunds(shop, MARCH)
    assert (counts["refunds"], counts["unmatched"], counts["over"]) == (3, 1, 1)
    assert counts["unmatched_amount"] == pytest.approx(55)
    assert any("1 refunds completed in the period (¥55.00) match no paid order line" in n.en for n in notes)
    assert any("1 笔本期完成的退款（¥55.00）在订单表中找不到对应" in n.zh for n in notes)
    assert any("1 refunds exceed their line's paid amount" in n.en for n in notes)
    assert any("1 笔退款金额大于对应子订单的实付金额" in n.zh for n in notes)


def test_a_refund_of_a_paid_line_without_pay_time_is_reported_as_unmatched(shop_copy):
    """Such a line is in no sales figure, so neither is its refund: the note has to say so."""
    with open(shop_copy / "orders.csv", "a", encoding="utf-8") as f:
        f.write("o7,2026-03-07 10:00:00,,c7,p1,1,100,100,搜索,,paid\n")
    with open(shop_copy / "refunds.csv", "a", encoding="utf-8") as f:
        f.write("o7,p1,2026-03-12 12:00:00,70,1,质量问题,true\n")
    contradictory = connect(shop_copy)
    with caught() as notes:
        refunds.count_unmatched_refunds(contradictory, MARCH)
    assert any("2 refunds completed in the period (¥125) match no paid order line" in n.en for n in notes)
    assert any("2 笔本期完成的退款（¥125）" in n.zh for n in notes)
    s = refunds.summarize_refunds(lines_with_refunds(contradictory, MARCH), scope.data_end(contradictory), 20)
    assert (s["paid_lines"], s["refunded"], s["refund_amount"]) == (5, 2, pytest.approx(130))


def test_refund_timing_splits_before_and_after_shipping(shop):
    timing = refunds.refund_timing(lines_with_refunds(shop, MARCH))
    assert set(map(tuple, timing[["day", "stage", "refund_count"]].to_numpy().tolist())) == {
        (0, "not_shipped", 1), (8, "shipped", 1)}


def test_maturity_comes_from_the_data_and_stays_in_bounds(shop):
    assert refunds.refund_maturity_days(shop) == refunds.DEFAULT_MATURITY_DAYS  # fewer than 30 refunds


def test_without_refunds_nothing_is_unmatched_and_margin_needs_products(tmp_path, shop):
    folder = tmp_path / "orders_only"
    folder.mkdir()
    (folder / "orders.csv").write_bytes(shop.files["orders"][0].read_bytes())
    bare = connect(folder)
    lines = lines_with_refunds(bare, MARCH)
    with caught() as notes:
        assert refunds.count_unmatched_refunds(bare, MARCH)["unmatched"] == 0
        margin = refunds.refund_margin(lines)
    assert math.isnan(margin.loc["lost", "gross_profit"])
    assert any("5 paid lines have no unit cost" in n.en and "5 个支付子订单没有单位成本" in n.zh for n in notes)
    assert refunds.refund_maturity_days(bare) == refunds.DEFAULT_MATURITY_DAYS


@pytest.mark.recovery
def test_maturity_of_the_sample_covers_its_refund_delays(after_sales):
    latest = max(days[1] for days in after_sales["all_truth"]["refunds"]["days_after_payment"].values())
    assert 15 <= after_sales["maturity"] <= latest  # refunds come 1-20 days after payment


@pytest.mark.recovery
def test_the_sample_period_counts_every_paid_line_and_refund(after_sales):
    truth = after_sales["all_truth"]
    s = refunds.summarize_refunds(after_sales["lines"], after_sales["end"], after_sales["maturity"])
    assert s["paid_lines"] == truth["lines"]["paid_lines"]
    assert s["refunded"] == truth["rows"]["refunds"]  # every refund of the sample matches a paid line
