"""Crowds (引力魔方/万相台 人群报表): ROI per crowd with its interval and the action, on hand-built
reports for the rules and on the sample shop against the generator's truth."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.traffic import ads, crowds, keywords
from helpers.core.calendar import Period
from helpers.core.shop import connect
from tests.areas.traffic.seeds import SEEDS, seeded_shop
from tests.areas.traffic.test_keywords import write_keywords

WEEK = Period(pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15"))
COLUMNS = ["date", "plan", "crowd", "impressions", "clicks", "spend", "attributed_orders", "attributed_amount"]


def write_crowds(folder, rows):
    pd.DataFrame([("o1", "2026-11-10 10:00", "2026-11-10 10:01", "c1", "a", 1, 100, 100, "paid")],
                 columns=["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity",
                          "list_price", "paid_amount", "status"]).to_csv(folder / "orders.csv", index=False)
    pd.DataFrame(rows, columns=COLUMNS).to_csv(folder / "ad_crowds.csv", index=False)
    return connect(folder)


def test_roi_and_its_interval_follow_their_definitions(tmp_path):
    shop = write_crowds(tmp_path, [("2026-11-10", "拉新", "相似人群", 50000, 400, 200.0, 8, 800.0),
                                   ("2026-11-11", "拉新", "相似人群", 50000, 600, 300.0, 12, 1200.0),
                                   ("2026-11-11", "拉新", "泛人群", 40000, 500, 400.0, 0, 0.0)])
    table = crowds.crowd_table(shop, WEEK, margin=0.5).set_index("crowd")
    row = table.loc["相似人群"]
    assert (row["clicks"], row["ctr"], row["cpc"], row["roi"], row["breakeven_roi"]) == (1000, 0.01, 0.5, 4.0, 2.0)
    assert row["roi_low"] < 4.0 < row["roi_high"]
    none = table.loc["泛人群"]
    assert none["roi"] == 0 and none["roi_high"] > 0  # no order yet: the plan's order value bounds it above


@pytest.mark.parametrize(("clicks", "orders", "amount", "action"), [
    (2000, 2, 200.0, "cut"),  # ROI 0.2, even the top of its interval below break-even 2
    (2000, 60, 6000.0, "scale"),  # ROI 6, the low end above 1.5 x break-even
    (2000, 25, 2500.0, "keep"),  # ROI 2.5: the interval straddles break-even
    (100, 0, 0.0, "not_enough_data"),  # under 300 clicks
])
def test_each_crowd_gets_its_action(tmp_path, clicks, orders, amount, action):
    shop = write_crowds(tmp_path, [("2026-11-10", "拉新", "人群", 100 * clicks, clicks, clicks * 0.5, orders, amount)])
    (found,) = crowds.judge_crowds(crowds.crowd_table(shop, WEEK, margin=0.5))
    assert found.verdict == action and found.subject == "拉新 / 人群"


def test_missing_amount_is_unknown_not_a_loss(tmp_path):
    shop = write_crowds(tmp_path, [("2026-11-10", "拉新", "人群", 100000, 1000, 500.0, 3, None),
                                   ("2026-11-11", "拉新", "人群", 100000, 1000, 500.0, 3, 300.0)])
    (found,) = crowds.judge_crowds(crowds.crowd_table(shop, WEEK, margin=0.5))
    assert found.verdict == "unknown"
    assert "ROI 未知" in crowds.describe_crowds([found], "zh") and "ROI unknown" in crowds.describe_crowds([found], "en")


def _judge(shop, truth):
    period = Period.ending(pd.Timestamp(truth["period"]["end"]), 28)
    table = crowds.crowd_table(shop, period, ads.estimate_margin(shop, period))
    return {f.subject.split(" / ")[1]: f for f in crowds.judge_crowds(table)}


def test_the_sample_losing_crowd_is_cut_and_every_roi_interval_holds_its_truth(sample, truth):
    found = _judge(sample, truth)
    planted = truth["ad_crowds"]
    assert {c for c, f in found.items() if f.verdict == "cut"} == set(planted["losing_crowds"])
    for crowd, f in found.items():  # the default window is the truth's recent one
        assert f.evidence["roi_low"] <= planted["crowds"][crowd]["expected_roi_recent"] <= f.evidence["roi_high"]
    zh, en = (crowds.describe_crowds(list(found.values()), lang) for lang in ("zh", "en"))
    losing = planted["losing_crowds"][0]
    assert "排除" in zh and losing in zh and "exclude" in en and losing in en


@pytest.mark.recovery
@pytest.mark.parametrize("seed", SEEDS)
def test_the_losing_crowd_is_cut_and_conversion_inside_its_interval_over_seeds(seed):
    folder, truth = seeded_shop(seed)
    shop = connect(folder)
    found = _judge(shop, truth)
    planted = truth["ad_crowds"]
    assert {c for c, f in found.items() if f.verdict == "cut"} <= set(planted["losing_crowds"])
    assert all(found[c].verdict in ("cut", "not_enough_data") for c in planted["losing_crowds"])
    whole = Period(pd.Timestamp(truth["period"]["start"]), pd.Timestamp(truth["period"]["end"]))
    table = crowds.crowd_table(shop, whole, 0.45)
    true = table["crowd"].map({c: v["expected_conversion"] for c, v in planted["crowds"].items()})
    inside = (table["conversion_low"] <= true) & (true <= table["conversion_high"])
    assert inside.mean() >= 5 / 6


@pytest.mark.parametrize("margin", [0.0, -0.2, float("nan")])
def test_no_break_even_without_a_positive_margin_in_crowds_and_keywords_alike(tmp_path, margin):
    """A shop that loses money before ads (or whose margin is unknown) has no break-even ROI:
    both ad tables say unknown, never 1 / margin."""
    (tmp_path / "c").mkdir()
    (tmp_path / "k").mkdir()
    shop = write_crowds(tmp_path / "c", [("2026-11-10", "拉新", "人群", 200000, 2000, 1000.0, 60, 6000.0)])
    table = crowds.crowd_table(shop, WEEK, margin=margin)
    (found,) = crowds.judge_crowds(table)
    assert table["breakeven_roi"].isna().all() and found.verdict == "unknown"
    shop = write_keywords(tmp_path / "k", [("2026-11-10", "P", "词", 20000, 1000, 500.0, 60, 6000.0, 3.0)])
    table = keywords.keyword_table(shop, WEEK, margin=margin)
    assert table["breakeven_roi"].isna().all() and table["max_cpc"].isna().all()
    assert keywords.judge_keywords(table)[0].verdict == "unknown"
