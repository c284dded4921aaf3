"""Multi-touch attribution: known credits on three paths, and the sample generator's path model."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.traffic.attribution import ATTRIBUTION_MODELS, attribute_orders, credit_shares
from helpers.core.calendar import Period
from tests.areas.traffic.shop import ODD, WEEK, has_note, noted, notes_point_at_the_caller


def test_attribution_models_known_credits(shop):
    (table, coverage), notes = noted(attribute_orders, shop, WEEK)
    assert coverage == {"paid_orders": 4, "tracked_orders": 3, "tracked_share": 0.75}
    assert has_note(notes, "4 笔支付订单中有 3 笔有触点路径", "3 of 4 paid orders")
    assert notes_point_at_the_caller(attribute_orders, shop, WEEK)
    # o1: 搜索 > 直通车 > odd (its touch after the payment is ignored); o2: 搜索; o3: 直通车 > 搜索
    expected = {
        "last_click": {"搜索": 2, "直通车": 0, ODD: 1},
        "first_click": {"搜索": 2, "直通车": 1, ODD: 0},
        "linear": {"搜索": 1 / 3 + 1 + 0.5, "直通车": 1 / 3 + 0.5, ODD: 1 / 3},
        "position_based": {"搜索": 0.4 + 1 + 0.5, "直通车": 0.2 + 0.5, ODD: 0.4},
    }
    for model, credit in expected.items():
        for source, value in credit.items():
            assert table.loc[source, model] == pytest.approx(value), (model, source)
        assert table[model].sum() == pytest.approx(3)
        assert table[f"{model}_sales"].sum() == pytest.approx(300)
    assert list(table.index) == ["搜索", ODD, "直通车"]  # by last-click credit
    shares = credit_shares(table)
    assert shares.sum().tolist() == pytest.approx([1.0] * len(ATTRIBUTION_MODELS))


def test_a_period_without_paid_orders_has_no_credit(shop):
    later = Period(pd.Timestamp("2026-11-16"), pd.Timestamp("2026-11-22"))
    (table, coverage), notes = noted(attribute_orders, shop, later)
    assert table.empty and coverage["paid_orders"] == 0 and coverage["tracked_orders"] == 0
    assert notes == []


@pytest.mark.recovery
def test_attribution_recovers_the_path_model(sample, truth):
    tp = truth["touchpoints"]
    last = sample.date_range("traffic")[1]
    window = Period(pd.Timestamp(tp["from"]), last)
    (table, coverage), _ = noted(attribute_orders, sample, window)
    assert coverage["tracked_orders"] == tp["orders"]
    assert coverage["tracked_share"] == pytest.approx(tp["order_share"], abs=0.03)
    shares = table[list(ATTRIBUTION_MODELS)] / tp["orders"]
    for model, expected in tp["expected_credit_share"].items():
        for source, share in expected.items():
            got = shares[model].get(source, 0.0)
            assert got == pytest.approx(share, abs=0.02), (model, source)
    # last click is the orders' own source, exactly
    orders = sample.table("orders").execute()
    last_click = table["last_click"]
    paid = orders[(orders["status"] == "paid") & (orders["pay_time"] >= window.start)]
    tracked = set(sample.table("touchpoints").execute()["order_id"])
    own = paid[paid["order_id"].isin(tracked)].drop_duplicates("order_id")["source"].value_counts()
    pd.testing.assert_series_equal(last_click[last_click > 0].sort_index(), own.sort_index().astype(float),
                                   check_names=False)
