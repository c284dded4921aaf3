"""What the product tests share besides fixtures: the hand-built shop's period and rows, and
a way to see the notes a call raised."""

from __future__ import annotations

import pandas as pd

from helpers.core.calendar import Period
from helpers.core.notes import caught

ODD = "连衣裙 <b>x</b>"  # a product title that must come out escaped
MARCH = Period(pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-31"))
ORDER_COLUMNS = ["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity", "list_price",
                 "paid_amount", "source", "campaign_id", "status"]


def write(folder, name, rows, columns):
    pd.DataFrame(rows, columns=columns).to_csv(folder / f"{name}.csv", index=False)


def notes_of(func, *args, **kwargs):
    """``func(*args, **kwargs)`` and the notes it raised (each in both languages)."""
    with caught() as found:
        result = func(*args, **kwargs)
    return result, found
