"""Hand-built shops with known answers, for the customers tests."""

from __future__ import annotations

import pandas as pd

from helpers.core.calendar import Period
from helpers.core.shop import connect, project_root

SAMPLE = project_root() / "data" / "sample"
COLUMNS = ["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity", "list_price",
           "paid_amount", "source", "status"]
END = pd.Timestamp("2026-03-31")
PERIOD = Period(pd.Timestamp("2026-01-01"), END)


def make_shop(folder, lines, refunds=None):
    """A shop from order lines (order, customer, pay time, paid, product, source), all paid."""
    rows = [(o, t, t, c, p, 1, paid, paid, s, "paid") for o, c, t, paid, p, s in lines]
    pd.DataFrame(rows, columns=COLUMNS).to_csv(folder / "orders.csv", index=False)
    if refunds:
        pd.DataFrame(refunds, columns=["order_id", "product_id", "refund_time", "refund_amount", "quantity",
                                       "reason"]).to_csv(folder / "refunds.csv", index=False)
    return connect(folder)
