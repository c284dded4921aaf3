"""Exports written the way each platform writes them: encodings, title rows, totals rows,
merged header cells, ="..." ids, dates such as 2026/11/02 9:00."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

STATUS_QIANNIU = {"paid": "交易成功", "unpaid": "等待买家付款", "cancelled": "交易关闭"}


def write_csv(path: Path, rows: list[list], encoding: str = "gb18030", titles: list[str] = ()) -> Path:
    """Rows as a CSV the platform's way: title lines first, then the header and the rows."""
    out = io.StringIO()
    for title in titles:
        out.write(title + "\r\n")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, titles: list[str], groups: list[tuple[str, int]], header: list[str],
               rows: list[list]) -> Path:
    """An Excel export with title rows and a two-row header: ``groups`` are (name, width) cells
    merged across the top row (width 1 and an empty name below: merged down over both rows)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for title in titles:
        sheet.append([title])
    top = len(titles) + 1
    col = 1
    for name, width in groups:
        sheet.cell(top, col, name)
        if width > 1:
            sheet.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + width - 1)
        elif not header[col - 1]:
            sheet.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
        col += width
    for j, name in enumerate(header, 1):
        if name:
            sheet.cell(top + 1, j, name)
    for row in rows:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def excel_text(value) -> str:
    return f'="{value}"'


def stamp(ts) -> str:
    """A time as 千牛 writes it: 2026/11/02 9:00:05 (no leading zero on the hour)."""
    if pd.isna(ts):
        return ""
    ts = pd.Timestamp(ts)
    return f"{ts.year}/{ts.month:02d}/{ts.day:02d} {ts.hour}:{ts.minute:02d}:{ts.second:02d}"


def qianniu_from_lines(folder: Path, lines: pd.DataFrame, stamp_name: str = "202611021530") -> None:
    """Contract order lines as 千牛's two reports: 订单报表 (one row per order, the amount paid)
    and 宝贝报表 (one row per product: price and quantity), GBK, ids as ="..."."""
    orders = lines.groupby("order_id", sort=False).agg(
        customer_id=("customer_id", "first"), order_time=("order_time", "first"), pay_time=("pay_time", "first"),
        paid_amount=("paid_amount", "sum"), status=("status", "first"), units=("quantity", "sum")).reset_index()
    head = ["订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家实际支付金额", "订单状态",
            "买家留言", "订单创建时间", "订单付款时间", "宝贝标题", "宝贝种类", "宝贝总数量", "店铺名称"]
    rows = [[excel_text(r.order_id), r.customer_id if isinstance(r.customer_id, str) else "", "***@163.com",
             f"{r.paid_amount:.2f}", "0.00", f"{r.paid_amount:.2f}", STATUS_QIANNIU[r.status], "",
             stamp(r.order_time), stamp(r.pay_time), "", "1", str(r.units), "悦家优品旗舰店"]
            for r in orders.itertuples()]
    write_csv(folder / f"ExportOrderList{stamp_name}.csv", [head, *rows])
    head = ["订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态", "商家编码"]
    rows = [[excel_text(r.order_id), "连衣裙", f"{r.list_price:.2f}", str(r.quantity), "", "颜色分类:默认", "", "",
             STATUS_QIANNIU[r.status], r.product_id] for r in lines.itertuples()]
    write_csv(folder / f"ExportOrderDetailList{stamp_name}.csv", [head, *rows])


def sycm_flow_xlsx(path: Path, traffic: pd.DataFrame) -> Path:
    """生意参谋 店铺来源 as an .xlsx: title rows, 统计日期 and 来源 merged down over a two-row
    header under metric groups, a totals row (合计); no 跳失人数."""
    header = ["", "流量来源", "来源明细", "访客数", "浏览量", "加购人数", "下单买家数", "支付买家数", "支付金额"]
    groups = [("统计日期", 1), ("来源", 2), ("流量", 2), ("转化", 4)]
    rows = [[r.date.strftime("%Y-%m-%d"), "淘内免费", r.source, f"{r.visitors:,}", r.page_views, r.cart_buyers,
             r.order_buyers, r.paid_buyers, f"{r.paid_amount:,.2f}"] for r in traffic.itertuples()]
    rows.append(["合计", "", "", int(traffic.visitors.sum()), "", "", "", int(traffic.paid_buyers.sum()), ""])
    return write_xlsx(path, ["【生意参谋平台】店铺来源", "统计日期：2026-10-01~2026-10-14"], groups, header, rows)


def qianniu_refunds(path: Path, refunds: pd.DataFrame, closed: int = 1) -> Path:
    """千牛 退款管理 export (GBK): successful refunds, plus ``closed`` refused requests that must not count."""
    head = ["退款编号", "订单编号", "宝贝ID", "宝贝标题", "买家实际支付金额", "买家退款金额", "退货数量", "退款状态",
            "货物状态", "退款原因", "退款的申请时间", "完结时间"]
    rows = [[excel_text(f"R{i}"), excel_text(r.order_id), r.product_id, "连衣裙", f"{r.refund_amount:.2f}",
             f"{r.refund_amount:.2f}", str(r.quantity), "退款成功", "卖家已发货" if r.shipped else "卖家未发货",
             r.reason, stamp(r.refund_time), stamp(r.refund_time)] for i, r in enumerate(refunds.itertuples())]
    for i in range(closed):
        r = refunds.iloc[i]
        rows.append([excel_text(f"X{i}"), excel_text(r.order_id), r.product_id + "9", "连衣裙", "1.00", "1.00", "0",
                     "退款关闭", "卖家未发货", "拍错了", stamp(r.refund_time), ""])
    return write_csv(path, [head, *rows])
