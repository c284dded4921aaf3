"""Export files written the way a platform writes them, for the reading and validation tests."""

from __future__ import annotations

import pandas as pd

from helpers.core.shop import connect

HEADER_ZH = "订单编号,订单创建时间,订单付款时间,买家会员名,商品ID,购买数量,商品价格,实付款,流量来源,订单状态"
ROWS_ZH = [
    '="283900001",2026/11/01 10:00:00,2026/11/01 10:05:00,张三,1001,1,"1,299.00",¥1200.50,手淘搜索,交易成功',
    "283900002,2026-11-02 11:00:00,-,李四,1002,2,50,0,直通车,等待买家付款",
    "283900003,2026-11-03 09:30,2026-11-03 09:31,王五,1001,3,1299,3600,猜你喜欢,交易关闭",
]


def write(path, lines, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\n".join(lines).encode(encoding) + b"\n")
    return path


def orders_frame(folder):
    return connect(folder).table("orders").order_by("order_id").execute()


def orders_frame_from_rows():
    return pd.DataFrame({
        "order_id": ["1", "2"], "order_time": pd.to_datetime(["2026-11-01 10:00", "2026-11-02 10:00"]),
        "pay_time": pd.to_datetime(["2026-11-01 10:01", None]), "customer_id": ["a", "b"],
        "product_id": ["p1", "p2"], "quantity": [1, 2], "list_price": [10.0, 20.0],
        "paid_amount": [9.5, 0.0], "source": ["手淘搜索", "直通车"], "campaign_id": [None, None],
        "status": ["paid", "unpaid"],
    })


def texts(notes, lang="en"):
    """The notes' texts in one language, joined (for `in` checks)."""
    return " | ".join(n.text(lang) for n in notes)
