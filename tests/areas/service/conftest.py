"""The after-sales tests' shops: a hand-built one whose every figure is known, and the sample shop.

The hand-built shop (:func:`shop`) has five paid lines in March 2026 (¥460), one unpaid line
and one paid on 04-30 (the data's end). Refunds: o1/p1 ¥100 returned after shipping; o3/p2
¥40 on a ¥30 line before shipping (capped); one refund of an order that is not in
`orders`. Shipments: o1 on time, o2 late (72 h), o4 never shipped (past its promise), o3
none. Reviews: bad with markup, empty, emoji and Latin, the platform's empty-review text
(p2's only review). Three chats, one converted. A DSR table for March whose description
score drops 0.05 on the last day.
"""

from __future__ import annotations

import shutil
import warnings

import pandas as pd
import pytest

from helpers.areas.service import dsr, flags, fulfilment, refunds, reviews, scope
from helpers.core.calendar import Period
from helpers.core.lines import lines_with_refunds
from helpers.core.notes import MetricNote
from helpers.core.shop import connect, project_root

MARCH = Period(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))
ODD = "连衣裙 <b>x</b>"  # a product title that must come out escaped
ORDER_COLUMNS = ["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity", "list_price",
                 "paid_amount", "source", "campaign_id", "status"]


def write_table(folder, name, rows, columns):
    pd.DataFrame(rows, columns=columns).to_csv(folder / f"{name}.csv", index=False)


@pytest.fixture(scope="package")
def shop_folder(tmp_path_factory):
    """The folder of the hand-built shop's tables; tests that change a table work on a copy."""
    tmp_path = tmp_path_factory.mktemp("hand_built_shop")
    write_table(tmp_path, "orders", [
        ("o1", "2026-03-02 10:00:00", "2026-03-02 10:00:00", "c1", "p1", 1, 100, 100, "搜索", "", "paid"),
        ("o2", "2026-03-03 10:00:00", "2026-03-03 10:00:00", "c2", "p1", 2, 100, 200, "搜索", "", "paid"),
        ("o3", "2026-03-04 10:00:00", "2026-03-04 10:00:00", "c3", "p2", 1, 30, 30, "直通车", "618", "paid"),
        ("o4", "2026-03-05 10:00:00", "2026-03-05 10:00:00", "c4", "p1", 1, 100, 100, "直通车", "", "paid"),
        ("o4", "2026-03-05 10:00:00", "2026-03-05 10:00:00", "c4", "p2", 1, 30, 30, "直通车", "", "paid"),
        ("o5", "2026-03-06 10:00:00", "", "c5", "p1", 1, 100, 0, "搜索", "", "unpaid"),
        ("o6", "2026-04-30 10:00:00", "2026-04-30 10:00:00", "c6", "p2", 1, 30, 30, "搜索", "", "paid"),
    ], ORDER_COLUMNS)
    write_table(tmp_path, "products", [
        ("p1", ODD, "女装", "悦衣坊", 50, 100, "2025-01-01"),
        ("p2", "收纳盒", "家居", "悦家", 10, 30, "2025-01-01"),
    ], ["product_id", "title", "category", "brand", "unit_cost", "list_price", "launch_date"])
    write_table(tmp_path, "refunds", [
        ("o1", "p1", "2026-03-10 12:00:00", 100, 1, "尺码不合适", "true"),
        ("o3", "p2", "2026-03-04 20:00:00", 40, 0, "不想要了/七天无理由", "false"),
        ("x9", "p9", "2026-03-15 12:00:00", 55, 1, "质量问题", "true"),
    ], ["order_id", "product_id", "refund_time", "refund_amount", "quantity", "reason", "shipped"])
    write_table(tmp_path, "shipments", [
        ("o1", "2026-03-02 20:00:00", "2026-03-04 10:00:00", 48, "杭州仓", "快递A"),
        ("o2", "2026-03-06 10:00:00", "2026-03-08 10:00:00", 48, "武汉仓", "快递B"),
        ("o4", "", "", "", "武汉仓", ""),
    ], ["order_id", "shipped_time", "delivered_time", "promised_hours", "warehouse", "carrier"])
    write_table(tmp_path, "reviews", [
        ("o1", "p1", "2026-03-05 10:00:00", 1, "尺码偏小<script>alert(1)</script>", 3, 5, 4),
        ("o2", "p1", "2026-03-08 10:00:00", 5, "", 5, 5, 5),
        ("o4", "p1", "2026-03-09 10:00:00", 4, "很好看👍 quality不错", 5, 4, 5),
        ("o4", "p2", "2026-03-09 11:00:00", 3, "此用户没有填写评价。", 4, 4, 4),
    ], ["order_id", "product_id", "review_time", "rating", "text", "dsr_description", "dsr_service",
        "dsr_logistics"])
    write_table(tmp_path, "service", [
        ("2026-03-02 09:50:00", "c1", "小悦", 10, "true"),
        ("2026-03-03 09:00:00", "c9", "小家", 100, "false"),
        ("2026-03-04 09:00:00", "c8", "小家", 20, "false"),
    ], ["chat_time", "customer_id", "agent", "first_response_seconds", "converted"])
    days = pd.date_range("2026-03-01", "2026-03-31")
    write_table(tmp_path, "dsr", [(d.date(), 4.80 - 0.05 * (i == len(days) - 1), 4.9, 4.7, 4.85, 4.85, 4.8)
                                  for i, d in enumerate(days)],
                ["date", "description", "service", "logistics", "peer_description", "peer_service",
                 "peer_logistics"])
    return tmp_path


@pytest.fixture(scope="package")
def shop(shop_folder):
    """The hand-built shop (see the module's docstring), connected once: tests only read it."""
    return connect(shop_folder)


@pytest.fixture()
def shop_copy(shop_folder, tmp_path):
    """A copy of the hand-built shop's folder, for a test that changes a table."""
    for path in shop_folder.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


@pytest.fixture(scope="package")
def after_sales(truth):
    """The sample shop over its whole range with the figures several recovery tests read."""
    shop = connect(project_root() / "data" / "sample")
    period = scope.whole_range(shop)
    end = scope.data_end(shop)
    maturity = refunds.refund_maturity_days(shop)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetricNote)
        lines = lines_with_refunds(shop, period)
        abnormal = flags.flag_products(flags.product_refunds(lines, end, maturity))
        period_reviews = reviews.load_reviews(shop, period)
        effects = fulfilment.late_effects(shop, period, 48, maturity, end=end)
        flagged = list(abnormal.index[abnormal["flagged"]])
        drivers = dsr.find_dsr_drivers(shop, period, 48, flagged, end=end, maturity_days=maturity)
    return {"shop": shop, "truth": truth["after_sales"], "all_truth": truth, "period": period, "end": end,
            "maturity": maturity, "lines": lines, "flags": abnormal, "reviews": period_reviews,
            "effects": effects, "drivers": drivers}

