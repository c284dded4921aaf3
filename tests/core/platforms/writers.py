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


STATUS_JD = {"paid": "完成", "unpaid": "等待付款", "cancelled": "已取消"}
STATUS_DOUDIAN = {"paid": "已完成", "unpaid": "待支付", "cancelled": "已关闭"}
STATUS_PDD = {"paid": "已签收", "unpaid": "待支付", "cancelled": "已取消"}


def _second(ts) -> str:
    """A time as JD and 拼多多 write it: 2026-11-02 09:00:05."""
    return "" if pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


def jd_orders(path: Path, lines: pd.DataFrame) -> Path:
    """Contract order lines as the JD 订单导出 (GBK): one row per SKU, 应付金额 per line, the
    buyer's account (下单帐号), no traffic source."""
    head = ["订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额", "结算金额", "应付金额",
            "订单状态", "订单类型", "下单帐号", "付款确认时间"]
    rows = [[r.order_id, r.product_id, "连衣裙", str(r.quantity), "在线支付", _second(r.order_time), f"{r.list_price:.2f}",
             f"{r.list_price * r.quantity:.2f}", f"{r.paid_amount:.2f}", f"{r.paid_amount:.2f}", STATUS_JD[r.status],
             "SOP", r.customer_id, _second(r.pay_time)] for r in lines.itertuples()]
    return write_csv(path, [head, *rows])


def jd_shangzhi_flow(path: Path, traffic: pd.DataFrame) -> Path:
    """Daily traffic as the 京东商智 来源明细 download (GBK): 跳失率 instead of 跳失人数."""
    head = ["日期", "二级来源", "一级来源", "访客数", "浏览量", "跳失率", "下单客户数", "成交客户数", "成交金额", "加购客户数"]
    rows = [[r.date.strftime("%Y-%m-%d"), r.source, "免费", f"{r.visitors:,}", str(r.page_views),
             f"{r.bounced_visitors / r.visitors:.2%}" if r.visitors else "0.00%", str(r.order_buyers),
             str(r.paid_buyers), f"{r.paid_amount:,.2f}", str(r.cart_buyers)] for r in traffic.itertuples()]
    return write_csv(path, [head, *rows])


def doudian_orders(path: Path, lines: pd.DataFrame) -> Path:
    """Contract order lines as the 抖店 订单导出 (UTF-8 with BOM): ids as '..., times as
    2026/11/02 9:00:05, a line of several units split into two sub-orders (子订单) that share
    its paid amount to the fen; no buyer column."""
    head = ["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码", "商品单价", "订单应付金额",
            "订单提交时间", "支付完成时间", "流量来源", "达人昵称", "直播间", "订单状态", "售后状态"]
    rows = []
    for i, r in enumerate(lines.itertuples()):
        parts = [(r.quantity, r.paid_amount)]
        if r.quantity > 1:
            first = round(r.paid_amount / r.quantity, 2)
            parts = [(1, first), (r.quantity - 1, round(r.paid_amount - first, 2))]
        for j, (units, paid) in enumerate(parts):
            rows.append([f"'{r.order_id}", f"'{r.order_id}{i:03d}{j}", "连衣裙", "默认", str(units), r.product_id,
                         r.product_id, f"{r.list_price:.2f}", f"{paid:.2f}", stamp(r.order_time), stamp(r.pay_time),
                         r.source, "", "", STATUS_DOUDIAN[r.status], "-"])
    return write_csv(path, [head, *rows], encoding="utf-8-sig")


def doudian_aftersale(path: Path, refunds: pd.DataFrame) -> Path:
    """Refunds as the 抖店 售后导出 (UTF-8 with BOM), plus one closed request that must not count."""
    head = ["售后单号", "主订单编号", "商品ID", "售后类型", "售后状态", "退款金额", "退款时间", "售后原因", "售后数量"]
    rows = [[f"A{i}", r.order_id, r.product_id, "退货退款" if r.quantity else "仅退款", "退款成功",
             f"{r.refund_amount:.2f}", stamp(r.refund_time), r.reason, str(r.quantity)]
            for i, r in enumerate(refunds.itertuples())]
    r = refunds.iloc[0]
    rows.append(["X0", r.order_id, r.product_id, "仅退款", "售后关闭", "1.00", "", "拍错了", "0"])
    return write_csv(path, [head, *rows], encoding="utf-8-sig")


def pdd_orders(path: Path, lines: pd.DataFrame) -> Path:
    """Contract order lines (one product per order, as on 拼多多) as the 拼多多 订单导出 (UTF-8
    with BOM): 商品总价 the line's list value, the shop's discount the rest, ids ending in a tab
    (that keeps them text in Excel), one time (订单成交时间); no buyer, no source."""
    head = ["商品", "订单号", "订单状态", "商品总价(元)", "店铺优惠折扣(元)", "平台优惠折扣(元)", "邮费(元)", "用户实付金额(元)",
            "商家实收金额(元)", "商品数量(件)", "订单成交时间", "发货时间", "确认收货时间", "商品id", "商家编码-SKU维度"]
    rows = []
    for r in lines.itertuples():
        total = r.list_price * r.quantity
        when = r.pay_time if pd.notna(r.pay_time) else r.order_time
        rows.append(["连衣裙", f"{r.order_id}\t", STATUS_PDD[r.status], f"{total:.2f}",
                     f"{max(total - r.paid_amount, 0) if r.status == 'paid' else 0:.2f}", "0.00", "0.00",
                     f"{r.paid_amount:.2f}", f"{r.paid_amount:.2f}", str(r.quantity), _second(when), "", "",
                     r.product_id, r.product_id])
    return write_csv(path, [head, *rows], encoding="utf-8-sig")


def _amount(value, decimals: int = 2) -> str:
    """A number as 生意参谋 shows it: thousands separators, empty when unknown."""
    return "" if pd.isna(value) else f"{value:,.{decimals}f}"


def sycm_market_rank(folder: Path, market: pd.DataFrame, own_column: bool = False) -> list[Path]:
    """The market table as 生意参谋 市场排行 (商品榜) downloads, one GBK CSV per month and
    category: title rows naming the category and 统计时间 (the month), 排名 by trade index,
    numbers with thousands separators; no month or category column, no reviews or rating.
    ``own_column`` adds the 本店 column (是/否) the profile's notes ask the user to add."""
    head = ["排名", "商品名称", "商品ID", "店铺名称", "品牌", "均价", "支付件数", "交易指数", "流量指数"]
    paths = []
    for (month, category), rows in market.groupby(["month", "category"], sort=True):
        first = pd.Timestamp(month)
        last = first + pd.offsets.MonthEnd(0)
        rows = rows.sort_values("trade_index", ascending=False)
        body = [[str(i), r.title, excel_text(r.listing_id), r.shop, r.brand, _amount(r.price), _amount(r.units, 0),
                 _amount(r.trade_index, 1), _amount(r.traffic_index, 1)]
                + (["是" if r.is_own else "否"] if own_column else [])
                for i, r in enumerate(rows.itertuples(), 1)]
        titles = [f"【生意参谋平台】市场排行 商品 高交易 类目：{category}",
                  f"统计时间：{first:%Y-%m-%d} ~ {last:%Y-%m-%d}"]
        name = f"【生意参谋平台】市场排行_{category}_{first:%Y-%m}.csv"
        paths.append(write_csv(folder / name, [head + (["本店"] if own_column else []), *body], titles=titles))
    return paths


def sycm_search(folder: Path, keywords: pd.DataFrame) -> list[Path]:
    """The keywords table as 生意参谋 搜索分析 downloads, one .xlsx per week and category: title
    rows naming the category and the week (统计日期 Monday ~ Sunday), rates as 39.39%, counts
    with thousands separators, a 热搜排名 column the contract does not use."""
    head = ["搜索词", "热搜排名", "搜索人气", "点击率", "支付转化率", "在线商品数", "直通车参考价"]
    paths = []
    for (week, category), rows in keywords.groupby(["week", "category"], sort=True):
        first = pd.Timestamp(week)
        rows = rows.sort_values("search_popularity", ascending=False)
        body = [[r.keyword, str(i), _amount(r.search_popularity, 0), f"{r.click_rate:.2%}",
                 f"{r.conversion_rate:.2%}", _amount(r.online_items, 0), f"{r.avg_cpc:.2f}"]
                for i, r in enumerate(rows.itertuples(), 1)]
        titles = [f"【生意参谋平台】搜索分析 相关搜索词 类目：{category}",
                  f"统计日期：{first:%Y-%m-%d}~{first + pd.Timedelta(days=6):%Y-%m-%d}"]
        paths.append(write_xlsx(folder / f"【生意参谋平台】搜索分析_{category}_{first:%Y-%m-%d}.xlsx", titles, [],
                                head, body))
    return paths


def sycm_product_effect(path: Path, products: pd.DataFrame, start: str, end: str) -> Path:
    """Products as the 生意参谋 商品效果 (商品排行) .xlsx: title rows, 商品ID as text, traffic and
    sales figures; no 类目, 成本价, 一口价 or 上架时间 (the export does not carry them)."""
    head = ["商品ID", "商品名称", "商品访客数", "商品浏览量", "支付件数", "支付金额", "商品支付转化率"]
    body = [[str(r.product_id), r.title, "1,024", "2,311", "31", "4,309.00", "3.03%"] for r in products.itertuples()]
    return write_xlsx(path, ["【生意参谋平台】商品效果 商品排行", f"统计日期：{start}~{end}"], [], head, body)
