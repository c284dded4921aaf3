"""Fixtures of the product tests: a hand-built shop with known answers, and the sample's whole
period."""

from __future__ import annotations

import pytest

from helpers.core.calendar import Period
from helpers.core.shop import connect
from tests.areas.products.support import ODD, ORDER_COLUMNS, write


@pytest.fixture(scope="module")
def whole(sample):
    first, last = sample.date_range("orders")
    return Period(first.normalize(), last.normalize())


@pytest.fixture()
def small(tmp_path):
    """Three products (p3 never sold), four paid orders in March 2026, one refund, one channel's ads.

    o1: p1 x2 ¥180 (list ¥100) + p2 x1 ¥50, source 直通车; o2: p1 x1 ¥100, 手淘搜索;
    o3: p2 x1 ¥50 + p1 x1 ¥100, 直通车; o4: p2 x1 ¥50 refunded before shipping, 手淘搜索.
    Ads: 直通车 spend ¥66 in March.
    """
    write(tmp_path, "orders", [
        ["o1", "2026-03-02 10:00:00", "2026-03-02 10:01:00", "c1", "p1", 2, 100, 180, "直通车", "", "paid"],
        ["o1", "2026-03-02 10:00:00", "2026-03-02 10:01:00", "c1", "p2", 1, 50, 50, "直通车", "", "paid"],
        ["o2", "2026-03-10 10:00:00", "2026-03-10 10:01:00", "c2", "p1", 1, 100, 100, "手淘搜索", "", "paid"],
        ["o3", "2026-03-20 10:00:00", "2026-03-20 10:01:00", "c3", "p2", 1, 50, 50, "直通车", "", "paid"],
        ["o3", "2026-03-20 10:00:00", "2026-03-20 10:01:00", "c3", "p1", 1, 100, 100, "直通车", "", "paid"],
        ["o4", "2026-03-25 10:00:00", "2026-03-25 10:01:00", "c4", "p2", 1, 50, 50, "手淘搜索", "", "paid"],
    ], ORDER_COLUMNS)
    write(tmp_path, "products", [
        ["p1", ODD, "女装连衣裙", "b", 40, 100, "2025-01-01"],
        ["p2", "收纳盒", "家居收纳", "b", 30, 50, "2025-01-01"],
        ["p3", "从没卖过", "家居收纳", "b", 10, 20, "2025-01-01"],
    ], ["product_id", "title", "category", "brand", "unit_cost", "list_price", "launch_date"])
    write(tmp_path, "refunds", [["o4", "p2", "2026-03-26 09:00:00", 50, 0, "不想要了", "false"]],
          ["order_id", "product_id", "refund_time", "refund_amount", "quantity", "reason", "shipped"])
    write(tmp_path, "ads", [["2026-03-05", "直通车", "plan", 1000, 30, 66, 1, 100, 15]],
          ["date", "channel", "plan", "impressions", "clicks", "spend", "attributed_orders", "attributed_amount",
           "attribution_window_days"])
    return connect(tmp_path)
