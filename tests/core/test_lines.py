"""The one definition of a paid order line and of a known buyer."""

from __future__ import annotations

import pandas as pd

from helpers.core.calendar import Period
from helpers.core.lines import known_customer, paid_order_lines
from helpers.core.shop import connect


def test_paid_order_lines_are_paid_with_a_pay_time_on_the_periods_days(tmp_path):
    """The one definition of a paid line every sales figure starts from, and its day bounds."""
    rows = [  # (order, pay time, status)
        ("before", "2026-02-28 23:59:59", "paid"),
        ("first", "2026-03-01 00:00:00", "paid"),
        ("last", "2026-03-31 23:59:59", "paid"),
        ("after", "2026-04-01 00:00:00", "paid"),
        ("no_pay_time", None, "paid"),
        ("cancelled", "2026-03-10 10:00:00", "cancelled"),
        ("unpaid", None, "unpaid"),
    ]
    frame = pd.DataFrame({
        "order_id": [r[0] for r in rows], "order_time": pd.Timestamp("2026-02-01"),
        "pay_time": pd.to_datetime([r[1] for r in rows]), "customer_id": "c", "product_id": "p",
        "quantity": 1, "list_price": 10.0, "paid_amount": 10.0, "source": "搜索", "campaign_id": None,
        "status": [r[2] for r in rows],
    })
    frame.to_parquet(tmp_path / "orders.parquet")
    shop = connect(tmp_path)

    def ids(period=None):
        return sorted(paid_order_lines(shop, period).order_id.execute())

    assert ids() == ["after", "before", "first", "last"]
    assert ids(Period(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))) == ["first", "last"]
    assert ids(Period(pd.Timestamp("2026-03-31"), pd.Timestamp("2026-03-31"))) == ["last"]


def test_known_customer_is_an_id_neither_missing_nor_empty(tmp_path):
    """An empty id, a missing one and one of spaces (stripped by the validation) are no one."""
    frame = pd.DataFrame({
        "order_id": ["1", "2", "3", "4"], "order_time": pd.Timestamp("2026-03-01"),
        "pay_time": pd.Timestamp("2026-03-01 10:00"), "customer_id": ["c1", "", None, " \u3000"],
        "product_id": "p", "quantity": 1, "list_price": 10.0, "paid_amount": 10.0, "source": "搜索",
        "campaign_id": None, "status": "paid",
    })
    frame.to_parquet(tmp_path / "orders.parquet")
    o = connect(tmp_path).table("orders")
    known = o.select("order_id", known=known_customer(o)).order_by("order_id").execute()
    assert known["known"].tolist() == [True, False, False, False]
