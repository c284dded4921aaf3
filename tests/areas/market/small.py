"""Small market tables written to a folder, for edge cases (one seller, a gone competitor, ties)."""

from __future__ import annotations

from contextlib import contextmanager

import pandas as pd

from helpers.core.notes import caught
from helpers.core.shop import Shop, connect


def write_market(tmp_path, rows: list[dict]) -> Shop:
    """A shop whose market table has ``rows`` (defaults for the optional columns) and one order."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows)
    for col, default in (("brand", "b"), ("title", "t"), ("reviews", 10), ("rating", 4.8), ("traffic_index", 100.0)):
        if col not in frame:
            frame[col] = default
    frame.to_csv(tmp_path / "market.csv", index=False)
    pd.DataFrame({"order_id": ["1"], "order_time": ["2025-04-30 10:00:00"], "pay_time": ["2025-04-30 10:01:00"],
                  "status": ["paid"], "product_id": ["p"], "quantity": [1], "list_price": [10.0], "paid_amount": [10.0],
                  "source": ["s"], "customer_id": ["c"]}).to_csv(tmp_path / "orders.csv", index=False)
    return connect(tmp_path)


def row(month, shop, lid, units, price=100.0, own=False, index=None, **kw) -> dict:
    """One listing-month of category "c"; the trade index follows (units × price)^0.64 unless given."""
    return {"month": month, "category": "c", "shop": shop, "listing_id": lid, "price": price, "units": units,
            "trade_index": index if index is not None else (units * price) ** 0.64 if units else 1.0,
            "is_own": own, **kw}


@contextmanager
def notes_saying(zh: str, en: str):
    """Assert that the block raises a note containing ``zh`` in Chinese and ``en`` in English (one note)."""
    with caught() as found:
        yield found
    assert any(zh in n.zh and en in n.en for n in found), [(n.zh, n.en) for n in found]
