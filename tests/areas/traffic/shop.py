"""The hand-built traffic shop whose answers are known, and a helper that collects notes.

Three sources over three weeks with round numbers (see :func:`write_shop`); the sample
shop's generator planted anomalies, source conversions, plan economics and touch paths whose
truth is in data/sample/ground_truth.json (the ``truth`` fixture).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.core.calendar import Period
from helpers.core.notes import Note, caught

WEEK = Period(pd.Timestamp("2026-11-09"), pd.Timestamp("2026-11-15"))
ODD = "<b>外链</b>"  # a source name that must come out escaped
ESCAPED = "&lt;b&gt;外链&lt;/b&gt;"
TRAFFIC_COLUMNS = ["date", "source", "source_group", "visitors", "page_views", "bounced_visitors", "cart_buyers",
                   "order_buyers", "paid_buyers", "paid_amount"]


def noted(func, *args, **kwargs) -> tuple[object, list[Note]]:
    """Call ``func`` and return (result, the notes it raised, in both languages)."""
    with caught(sticky=True) as found:
        result = func(*args, **kwargs)
    return result, found


def notes_point_at_the_caller(func, *args, **kwargs) -> bool:
    """``func(*args, **kwargs)`` raises notes and every one points at the line that called it
    (here); sticky notes of the loader are left out."""
    import warnings

    from helpers.core.notes import MetricNote

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", MetricNote)
        func(*args, **kwargs)
    files = {w.filename for w in record if issubclass(w.category, MetricNote) and not w.message.note.sticky}
    return files == {__file__}


def has_note(notes: list[Note], zh: str, en: str) -> bool:
    """Some note says ``zh`` in Chinese and ``en`` in English."""
    return any(zh in n.zh and en in n.en for n in notes)


def traffic_rows() -> pd.DataFrame:
    rows = []
    for day in pd.date_range("2026-10-26", WEEK.end):
        this = day >= WEEK.start
        # search: 100/day (80 before), conversion 5%, AOV 100
        v = 100 if this else 80
        rows.append((day.date(), "搜索", "free_search", v, 3 * v, 40, v // 10, 6 * v // 100, v // 20, v // 20 * 100.0))
        # paid: 50/day, conversion 2% now (4% before), AOV 100
        b = 1 if this else 2
        rows.append((day.date(), "直通车", "paid", 50, 120, 30, 5, b + 1, b, b * 100.0))
        if this and day != pd.Timestamp("2026-11-10"):  # no row on 11-10: a day without visitors
            v = 20 if day == WEEK.start else (0 if day == pd.Timestamp("2026-11-11") else 10)
            b = 1 if day == WEEK.start else 0
            rows.append((day.date(), ODD, "offsite", v, 2 * v, v // 2, b, b, b, 50.0 * b))
    return pd.DataFrame(rows, columns=TRAFFIC_COLUMNS)


def write_shop(folder: Path) -> Path:
    """Three weeks of traffic; orders, products, ads, peers (no AOV) and touch paths for this week.

    This week: 搜索 700 visitors / 35 buyers / ¥3,500; 直通车 350 / 7 / ¥700; the odd source
    60 / 1 / ¥50 (no row on 11-10, 0 visitors on 11-11). Previous week: 搜索 560 / 28 / ¥2,800,
    直通车 350 / 14 / ¥1,400, the odd source absent.
    """
    traffic_rows().to_csv(folder / "traffic.csv", index=False)
    pd.DataFrame([
        ("o1", "2026-11-10 11:58", "2026-11-10 12:00", "c1", "p1", 1, 100, 100, ODD, "paid"),
        ("o2", "2026-11-11 09:00", "2026-11-11 09:01", "c2", "p1", 1, 100, 100, "搜索", "paid"),
        ("o3", "2026-11-12 10:00", "2026-11-12 10:02", "c3", "p1", 1, 100, 100, "搜索", "paid"),
        ("o4", "2026-11-13 10:00", "2026-11-13 10:02", "c4", "p1", 1, 100, 100, "直通车", "paid"),
        ("o5", "2026-11-13 11:00", "", "c5", "p1", 1, 100, 0, "直通车", "unpaid"),
    ], columns=["order_id", "order_time", "pay_time", "customer_id", "product_id", "quantity", "list_price",
                "paid_amount", "source", "status"]).to_csv(folder / "orders.csv", index=False)
    pd.DataFrame({"product_id": ["p1"], "title": ["连衣裙"], "category": ["女装"], "brand": ["A"],
                  "unit_cost": [40.0], "list_price": [100.0], "launch_date": ["2026-01-01"]}).to_csv(
        folder / "products.csv", index=False)
    pd.DataFrame({
        "date": ["2026-11-10", "2026-11-10", "2026-11-11"], "channel": ["直通车", "直通车", "淘宝客"],
        "plan": ["A", "B", "C"], "impressions": [2000, 500, 1000], "clicks": [100, 0, 20],
        "spend": [150.0, 50.0, 30.0], "attributed_orders": [5, 0, 3], "attributed_amount": [600.0, 0.0, 300.0],
        "attribution_window_days": [15, 15, 1],
    }).to_csv(folder / "ads.csv", index=False)
    days = [d.date() for d in pd.date_range(WEEK.start, WEEK.end)]
    pd.DataFrame({"date": days * 2, "metric": ["conversion_rate"] * 7 + ["uv_value"] * 7, "tier": "L4",
                  "peer_avg": [0.03] * 7 + [4.0] * 7, "peer_excellent": [0.05] * 7 + [6.0] * 7}).to_csv(
        folder / "peers.csv", index=False)
    pd.DataFrame({
        "order_id": ["o1", "o1", "o1", "o1", "o2", "o3", "o3"],
        "touch_time": ["2026-11-05 10:00", "2026-11-08 10:00", "2026-11-10 11:50", "2026-11-11 08:00",
                       "2026-11-11 08:55", "2026-11-12 08:00", "2026-11-12 09:55"],
        "source": ["搜索", "直通车", ODD, "直通车", "搜索", "直通车", "搜索"],
    }).to_csv(folder / "touchpoints.csv", index=False)
    return folder
