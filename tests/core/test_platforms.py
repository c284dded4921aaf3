"""A folder of platform exports, as downloaded, is a shop: profiles, detection, joins, mapping."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.areas.overview.calc import compare_periods, summarize_period
from helpers.core.calendar import Period
from helpers.core.errors import DataError
from helpers.core.platforms import FolderMapping, default_source_groups, load_profiles
from helpers.core.platforms.read import allocate_paid, recognise
from helpers.core.shop import check_folder, connect
from tests.conftest import SAMPLE
from tests.core.platforms.writers import (
    doudian_aftersale,
    doudian_orders,
    excel_text,
    jd_orders,
    jd_shangzhi_flow,
    pdd_orders,
    qianniu_from_lines,
    qianniu_refunds,
    sycm_flow_xlsx,
    sycm_market_rank,
    sycm_product_effect,
    sycm_search,
    write_csv,
    write_xlsx,
)

QIANNIU_ORDERS = [
    ["订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家实际支付金额", "订单状态", "订单创建时间", "订单付款时间"],
    [excel_text("2839001"), "张三", "z***@163.com", "300.00", "280.00", "交易成功", "2026/11/02 9:00", "2026/11/02 9:01"],
    [excel_text("2839002"), "李四", "l***@qq.com", "50.00", "0.00", "等待买家付款", "2026/11/02 10:00", ""],
    [excel_text("2839003"), "王五", "w***@qq.com", "99.00", "99.00", "卖家已发货，等待买家确认", "2026/11/02 11:30",
     "2026/11/02 11:31"],
]
QIANNIU_ITEMS = [
    ["订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态", "商家编码"],
    [excel_text("2839001"), "连衣裙A", "100.00", "2", "", "颜色:红", "", "", "交易成功", "P1"],
    [excel_text("2839001"), "连衣裙B", "100.00", "1", "", "颜色:蓝", "", "", "交易成功", "P2"],
    [excel_text("2839002"), "连衣裙B", "50.00", "1", "", "", "", "", "等待买家付款", "P2"],
    [excel_text("2839003"), "连衣裙A", "99.00", "1", "", "", "", "", "已发货", "P1"],
]
DOUDIAN = [
    ["主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID", "商家编码", "商品单价", "订单应付金额",
     "订单提交时间", "支付完成时间", "流量来源", "达人昵称", "直播间", "订单状态", "售后状态"],
    ["'6920001", "'69200011", "连衣裙A", "红 M", "1", "3581", "P1", "129.00", "119.00", "2026/11/02 20:00",
     "2026/11/02 20:01", "直播", "小美", "小美的直播间", "已完成", "-"],
    ["'6920001", "'69200012", "连衣裙A", "蓝 L", "2", "3581", "P1", "129.00", "238.00", "2026/11/02 20:00",
     "2026/11/02 20:01", "直播", "小美", "小美的直播间", "已完成", "-"],
    ["'6920002", "'69200021", "连衣裙B", "黑 S", "1", "3582", "P2", "99.00", "99.00", "2026/11/02 21:00", "",
     "短视频", "", "", "待支付", "-"],
    ["'6920003", "'69200031", "连衣裙B", "黑 S", "1", "3582", "P2", "99.00", "89.00", "2026/11/02 21:30",
     "2026/11/02 21:31", "商品卡", "", "", "已关闭", "退款成功"],
]
PDD = [
    ["商品", "订单号", "订单状态", "商品总价(元)", "店铺优惠折扣(元)", "平台优惠折扣(元)", "邮费(元)", "用户实付金额(元)",
     "商家实收金额(元)", "商品数量(件)", "订单成交时间", "发货时间", "确认收货时间", "商品id", "商家编码-SKU维度"],
    ["连衣裙", "261102-123456789012345\t", "已签收", "198.00", "10.00", "5.00", "0.00", "183.00", "188.00", "2",
     "2026-11-02 09:00:00", "2026-11-02 18:00:00", "2026-11-05 10:00:00", "58812", "P1"],
    ["连衣裙", "261102-123456789012346", "已发货，待签收", "99.00", "0.00", "0.00", "0.00", "99.00", "99.00", "1",
     "2026-11-02 10:00:00", "2026-11-02 18:00:00", "", "58813", "P2"],
    ["连衣裙", "261102-123456789012347", "已取消", "99.00", "0.00", "0.00", "0.00", "0.00", "0.00", "1",
     "2026-11-02 11:00:00", "", "", "58813", "P2"],
]
JD = [
    ["订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额", "结算金额", "应付金额",
     "订单状态", "订单类型", "下单帐号", "付款确认时间"],
    ["289001", "100012", "连衣裙", "1", "在线支付", "2026-11-02 09:00:00", "199.00", "199.00", "189.00", "189.00",
     "完成", "SOP", "jd_user1", "2026-11-02 09:01:00"],
    ["289002", "100013", "连衣裙", "2", "在线支付", "2026-11-02 10:00:00", "99.00", "198.00", "198.00", "198.00",
     "等待出库", "SOP", "jd_user2", "2026-11-02 10:02:00"],
    ["289003", "100013", "连衣裙", "1", "在线支付", "2026-11-02 11:00:00", "99.00", "99.00", "0.00", "0.00",
     "已取消", "SOP", "jd_user3", ""],
]


def sycm_flow_rows():
    return [["流量来源", "来源明细", "访客数", "下单买家数", "支付买家数", "支付金额", "加购人数", "浏览量"],
            ["淘内免费", "手淘搜索", "1,200", "30", "20", "2,000.00", "80", "3000"],
            ["付费流量", "直通车", "500", "10", "8", "800", "20", "1200"],
            ["自主访问", "购物车", "300", "12", "10", "900", "0", "600"],
            ["合计", "", "2000", "52", "38", "3700", "100", "4800"]]


def test_every_profile_is_data_and_names_its_source():
    profiles = load_profiles()
    assert len(profiles) >= 13
    for profile in profiles.values():
        assert profile.menu and profile.table and profile.signature and profile.checked_against, profile.id
    signatures = [frozenset(p.signature) for p in profiles.values()]
    assert len(set(signatures)) == len(signatures)  # no two exports look alike


def test_qianniu_order_and_line_reports_join_into_order_lines(tmp_path):
    write_csv(tmp_path / "ExportOrderList202611021530.csv", QIANNIU_ORDERS)
    write_csv(tmp_path / "ExportOrderDetailList202611021530.csv", QIANNIU_ITEMS)
    shop = connect(tmp_path)
    lines = shop.table("orders").order_by(["order_id", "product_id"]).execute()
    assert list(lines.order_id) == ["2839001", "2839001", "2839002", "2839003"]  # ="..." kept as text
    # 280 paid for 2 x 100 + 1 x 100 of list value: 2/3 and 1/3, to the fen, adding up to 280
    assert list(lines.paid_amount) == [186.67, 93.33, 0.0, 99.0]
    assert list(lines.status) == ["paid", "paid", "unpaid", "paid"]
    assert lines.customer_id.iloc[0] == "张三" and lines.source.isna().all()
    assert lines.pay_time.iloc[0] == pd.Timestamp("2026-11-02 09:01")
    assert "list price x quantity" in " ".join(n.en for n in shop.notes)


def test_allocation_keeps_every_fen_of_the_order():
    weights = pd.Series([33.33, 33.33, 33.34, 0.0, 0.0])
    orders = pd.Series(["a", "a", "a", "b", "b"])
    paid = allocate_paid(weights, orders, pd.Series([100.0, 100.0, 100.0, 9.99, 9.99]))
    assert paid[:3].sum() == pytest.approx(100.0) and paid[3:].sum() == pytest.approx(9.99)
    assert paid[3] == pytest.approx(5.0, abs=0.01)  # no list value: spread equally


def test_a_line_report_without_its_order_report_is_refused_naming_the_missing_file(tmp_path):
    write_csv(tmp_path / "ExportOrderDetailList202611021530.csv", QIANNIU_ITEMS)
    with pytest.raises(DataError, match="line report without its order report") as err:
        connect(tmp_path).table("orders")
    assert "订单报表" in str(err.value)


def test_orders_of_the_order_report_missing_from_the_line_report_are_named(tmp_path):
    write_csv(tmp_path / "ExportOrderList202611021530.csv", QIANNIU_ORDERS)
    write_csv(tmp_path / "ExportOrderDetailList202611021530.csv", QIANNIU_ITEMS[:3])
    with pytest.raises(DataError, match="2 orders have no line") as err:
        connect(tmp_path).table("orders")
    assert "2839003" in str(err.value)


def test_sycm_flow_source_day_export_reads_its_day_from_the_title_and_derives_groups(tmp_path):
    write_csv(tmp_path / "【生意参谋平台】店铺来源_2026-11-02.csv", sycm_flow_rows(),
              titles=["【生意参谋平台】店铺来源", "统计日期：2026-11-02~2026-11-02"])
    traffic = connect(tmp_path).table("traffic").order_by("source").execute()
    assert set(traffic.date.astype(str)) == {"2026-11-02"} and len(traffic) == 3  # 合计 dropped
    assert dict(zip(traffic.source, traffic.source_group, strict=True)) == {
        "手淘搜索": "free_search", "直通车": "paid", "购物车": "crm"}
    assert traffic.visitors.sum() == 2000 and traffic.bounced_visitors.isna().all()  # no 跳失人数: allowed


def test_a_range_in_the_title_without_a_date_column_is_refused(tmp_path):
    write_csv(tmp_path / "flow.csv", sycm_flow_rows(), titles=["统计日期：2026-11-01~2026-11-07"])
    with pytest.raises(DataError, match="range"):
        connect(tmp_path).table("traffic")


def test_unknown_source_names_and_statuses_are_errors_naming_them(tmp_path):
    rows = sycm_flow_rows()
    rows[1][1] = "神秘渠道"
    write_csv(tmp_path / "flow.csv", rows, titles=["统计日期：2026-11-02"])
    orders = [row[:] for row in QIANNIU_ORDERS]
    orders[1][5] = "交易挂起"
    write_csv(tmp_path / "ExportOrderList.csv", orders)
    write_csv(tmp_path / "ExportOrderDetailList.csv", QIANNIU_ITEMS)
    summary = check_folder(tmp_path)
    problems = [p for e in summary["errors"] for p in e.problems]
    text = "\n".join(p.describe(with_file=True) for p in problems)
    assert "神秘渠道" in text and "source_groups" in text
    assert "'交易挂起'" in text and "ExportOrderList.csv" in text


def test_workbook_yaml_overrides_source_groups(tmp_path):
    rows = sycm_flow_rows()
    rows[1][1] = "神秘渠道"
    write_csv(tmp_path / "flow.csv", rows, titles=["统计日期：2026-11-02"])
    (tmp_path / "workbook.yaml").write_text("source_groups:\n  神秘渠道: offsite\n  直通车: affiliate\n",
                                            encoding="utf-8")
    traffic = connect(tmp_path).table("traffic").execute()
    groups = dict(zip(traffic.source, traffic.source_group, strict=True))
    assert groups["神秘渠道"] == "offsite" and groups["直通车"] == "affiliate"
    assert default_source_groups()["直通车"] == "paid"


def test_doudian_sub_orders_merge_into_lines_of_the_main_order(tmp_path):
    write_csv(tmp_path / "订单导出_20261102.csv", DOUDIAN, encoding="utf-8-sig")
    orders = connect(tmp_path).table("orders").order_by("order_id").execute()
    assert list(orders.order_id) == ["6920001", "6920002", "6920003"]  # leading ' kept as text, dropped
    first = orders.iloc[0]
    assert first.quantity == 3 and first.paid_amount == pytest.approx(357.0) and first.list_price == 129.0
    assert list(orders.status) == ["paid", "unpaid", "cancelled"] and first.source == "直播"


def test_pdd_orders_unit_price_from_the_line_total(tmp_path):
    write_csv(tmp_path / "orders_export20261102.csv", PDD, encoding="utf-8-sig")
    orders = connect(tmp_path).table("orders").order_by("order_id").execute()
    assert orders.order_id.iloc[0] == "261102-123456789012345"  # the trailing tab that kept it text is gone
    assert list(orders.list_price) == [99.0, 99.0, 99.0] and list(orders.paid_amount) == [183.0, 99.0, 0.0]
    assert list(orders.status) == ["paid", "paid", "cancelled"]
    assert (orders.order_time == orders.pay_time).all()


def test_jd_orders_in_xlsx(tmp_path):
    write_xlsx(tmp_path / "订单导出_20261102.xlsx", ["京东商家后台 订单导出"], [], JD[0], JD[1:])
    orders = connect(tmp_path).table("orders").order_by("order_id").execute()
    assert list(orders.status) == ["paid", "paid", "cancelled"]
    assert list(orders.customer_id) == ["jd_user1", "jd_user2", "jd_user3"]


@pytest.mark.parametrize("name, rows, titles, expected", [
    ("ExportOrderList202611021530.csv", QIANNIU_ORDERS, [], "qianniu_orders"),
    ("a.csv", QIANNIU_ITEMS, [], "qianniu_items"),
    ("b.csv", DOUDIAN, [], "doudian_orders"),
    ("c.csv", PDD, [], "pdd_orders"),
    ("d.csv", JD, [], "jd_orders"),
    ("e.csv", sycm_flow_rows(), ["统计日期：2026-11-02"], "sycm_flow_source"),
    ("f.csv", [["日期", "二级来源", "一级来源", "访客数", "浏览量", "跳失率", "下单客户数", "成交客户数", "成交金额",
                "加购客户数"], ["2026-11-02", "京东搜索", "免费", "100", "300", "40%", "5", "4", "400", "9"]],
     [], "jd_shangzhi_flow"),
    ("g.csv", [["退款编号", "订单编号", "宝贝ID", "买家退款金额", "退货数量", "退款状态", "货物状态", "退款原因", "完结时间"],
               ["R1", "2839001", "P1", "100", "1", "退款成功", "买家已收到货", "尺码不合适", "2026/11/05 9:00"]],
     [], "qianniu_refunds"),
    ("h.csv", [["售后单号", "主订单编号", "商品ID", "售后类型", "售后状态", "退款金额", "退款时间", "售后原因", "售后数量"],
               ["A1", "6920001", "3581", "仅退款", "退款成功", "119", "2026/11/03 9:00", "不想要了", "1"]],
     [], "doudian_aftersale"),
    ("i.csv", [["日期", "推广计划", "曝光量", "点击量", "花费(元)", "成交笔数", "交易额(元)", "投入产出比"],
               ["2026-11-02", "搜索-连衣裙", "10,000", "300", "150.00", "6", "600.00", "4.00"]],
     [], "pdd_promotion"),
    ("j.csv", [["排名", "商品名称", "店铺名称", "交易指数", "流量指数", "均价"], ["1", "连衣裙", "某店", "12,345", "8,000", "199"]],
     ["市场排行 类目：连衣裙", "统计时间 2026-10-01 ~ 2026-10-31"], "sycm_market_rank"),
    ("k.csv", [["搜索词", "热搜排名", "搜索人气", "点击率", "支付转化率", "在线商品数", "直通车参考价"],
               ["连衣裙女", "1", "98,765", "45.2%", "3.1%", "1,234,567", "1.25"]],
     ["搜索分析 类目：连衣裙", "统计日期 2026-10-26~2026-11-01"], "sycm_search"),
    ("l.csv", [["商品ID", "商品名称", "商品访客数", "支付件数", "支付金额"], ["P1", "连衣裙A", "100", "3", "300"]],
     [], "sycm_product_effect"),
])
def test_each_export_is_recognised_from_its_header_whatever_its_name(tmp_path, name, rows, titles, expected):
    path = write_csv(tmp_path / name, rows, titles=titles)
    assert recognise(path, FolderMapping()).profile.id == expected


@pytest.mark.parametrize("name, rows, titles, table", [
    ("g.csv", [["退款编号", "订单编号", "宝贝ID", "买家退款金额", "退货数量", "退款状态", "货物状态", "退款原因", "完结时间"],
               ["R1", "2839001", "P1", "100", "1", "退款成功", "买家已收到货", "尺码不合适", "2026/11/05 9:00"],
               ["R2", "2839002", "P2", "50", "0", "退款关闭", "买家未收到货", "拍错了", ""]], [], "refunds"),
    ("h.csv", [["售后单号", "主订单编号", "商品ID", "售后类型", "售后状态", "退款金额", "退款时间", "售后原因", "售后数量"],
               ["A1", "6920001", "3581", "仅退款", "退款成功", "119", "2026/11/03 9:00", "不想要了", "1"]], [], "refunds"),
    ("i.csv", [["日期", "推广计划", "曝光量", "点击量", "花费(元)", "成交笔数", "交易额(元)", "投入产出比"],
               ["2026-11-02", "搜索-连衣裙", "10,000", "300", "150.00", "6", "600.00", "4.00"]], [], "ads"),
    ("j.csv", [["排名", "商品名称", "商品ID", "店铺名称", "交易指数", "流量指数", "均价"],
               ["1", "连衣裙", "L1", "某店", "12,345", "8,000", "199"]],
     ["市场排行 类目：连衣裙", "统计时间 2026-10-01 ~ 2026-10-31"], "market"),
    ("k.csv", [["搜索词", "热搜排名", "搜索人气", "点击率", "支付转化率", "在线商品数", "直通车参考价"],
               ["连衣裙女", "1", "98,765", "45.2%", "3.1%", "1,234,567", "1.25"]],
     ["搜索分析 类目：连衣裙", "统计日期 2026-10-26~2026-11-01"], "keywords"),
])
def test_single_file_exports_become_valid_tables(tmp_path, name, rows, titles, table):
    write_csv(tmp_path / name, rows, titles=titles)
    frame = connect(tmp_path).table(table).execute()
    assert len(frame) == 1  # a refused refund (退款关闭) does not count
    if table == "market":
        assert frame.month.iloc[0] == pd.Timestamp("2026-10-01") and frame.category.iloc[0] == "连衣裙"
        assert not frame.is_own.iloc[0]
    if table == "keywords":
        assert frame.click_rate.iloc[0] == pytest.approx(0.452) and frame.week.iloc[0] == pd.Timestamp("2026-10-26")


def test_a_file_fitting_several_exports_is_refused_naming_the_candidates(tmp_path):
    both = [QIANNIU_ORDERS[0] + QIANNIU_ITEMS[0][1:], QIANNIU_ORDERS[1] + QIANNIU_ITEMS[1][1:]]
    write_csv(tmp_path / "export.csv", both)
    write_csv(tmp_path / "orders.csv", [["order_id"], ["1"]])  # a folder is not empty of tables
    with pytest.raises(DataError, match="fits several exports") as err:
        connect(tmp_path)
    assert "qianniu_orders" in str(err.value) and "qianniu_items" in str(err.value)


def test_workbook_yaml_maps_an_export_no_profile_knows(tmp_path):
    write_csv(tmp_path / "店铺日报_11月.csv", [["日子", "渠道", "来访", "浏览", "加购", "下单人", "成交人", "成交额"],
                                            ["2026-11-02", "小红书种草", "100", "150", "9", "5", "4", "400"]])
    (tmp_path / "workbook.yaml").write_text(
        "files:\n  - pattern: '店铺日报*.csv'\n    table: traffic\n    derive: {source_group: source}\n"
        "    columns: {日子: date, 渠道: source, 来访: visitors, 浏览: page_views, 加购: cart_buyers,\n"
        "              下单人: order_buyers, 成交人: paid_buyers, 成交额: paid_amount}\n"
        "source_groups: {小红书种草: offsite}\n", encoding="utf-8")
    summary = check_folder(tmp_path)
    assert not summary["errors"]
    assert summary["tables"]["traffic"]["totals"]["visitors"] == 100
    assert "workbook.yaml" in summary["recognised"][0]["as"]


def test_workbook_yaml_status_map_covers_a_status_no_profile_knows(tmp_path):
    write_csv(tmp_path / "my_orders.csv", [["单号", "下单", "付款", "货号", "件数", "单价", "实收", "状态"],
                                          ["1", "2026-11-02 09:00", "2026-11-02 09:01", "P1", "1", "10", "9", "妥投"]])
    (tmp_path / "workbook.yaml").write_text(
        "files:\n  - pattern: 'my_*.csv'\n    table: orders\n    columns: {单号: order_id, 下单: order_time, "
        "付款: pay_time, 货号: product_id, 件数: quantity, 单价: list_price, 实收: paid_amount, 状态: status}\n"
        "    status: {妥投: paid}\n", encoding="utf-8")
    orders = connect(tmp_path).table("orders").execute()
    assert orders.status.iloc[0] == "paid" and orders.paid_amount.iloc[0] == 9.0


# ---- the same shop in platform format and in contract format: the overview's figures agree ----

@pytest.fixture(scope="module")
def two_formats(tmp_path_factory):
    """Two weeks of the sample shop written twice: as contract tables, and as the platforms'
    downloads (千牛 订单报表 + 宝贝报表 in GBK with ="..." ids, 生意参谋 店铺来源 as .xlsx with a
    merged two-row header and a totals row, 千牛 退款 with a refused request)."""
    start, end = pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-14 23:59:59")
    orders = pd.read_csv(SAMPLE / "orders.csv", dtype={"order_id": str, "product_id": str, "customer_id": str},
                         parse_dates=["order_time", "pay_time"])
    orders = orders[(orders.order_time >= start) & (orders.order_time <= end)]
    traffic = pd.read_csv(SAMPLE / "traffic.csv", parse_dates=["date"])
    traffic = traffic[(traffic.date >= start) & (traffic.date <= end)]
    refunds = pd.read_csv(SAMPLE / "refunds.csv", dtype={"order_id": str, "product_id": str},
                          parse_dates=["refund_time"])
    refunds = refunds[refunds.order_id.isin(orders.order_id)]
    products = pd.read_csv(SAMPLE / "products.csv", dtype={"product_id": str})
    contract, platform = tmp_path_factory.mktemp("contract"), tmp_path_factory.mktemp("platform")
    orders.to_csv(contract / "orders.csv", index=False)
    traffic.to_csv(contract / "traffic.csv", index=False)
    refunds.to_csv(contract / "refunds.csv", index=False)
    products.to_csv(contract / "products.csv", index=False)
    qianniu_from_lines(platform, orders)
    sycm_flow_xlsx(platform / "【生意参谋平台】店铺来源_2026-10-01_2026-10-14.xlsx", traffic)
    qianniu_refunds(platform / "ExportRefundList20261015.csv", refunds)
    products.to_csv(platform / "products.csv", index=False)
    return connect(contract), connect(platform), traffic


def test_the_overview_on_platform_exports_equals_the_same_shop_in_contract_format(two_formats):
    contract, platform, _ = two_formats
    period = Period(pd.Timestamp("2026-10-03"), pd.Timestamp("2026-10-12"))
    ours = summarize_period(platform, period)
    theirs = summarize_period(contract, period)
    assert ours["sales"] > 0 and ours["visitors"] > 0 and ours["refund_amount"] > 0
    pd.testing.assert_series_equal(ours, theirs, rtol=1e-9)


def test_source_groups_derived_from_names_equal_the_sample_shops_groups(two_formats):
    _, platform, traffic = two_formats
    derived = platform.table("traffic").execute().set_index(["date", "source"]).source_group
    truth = traffic.assign(date=traffic.date.dt.date).set_index(["date", "source"]).source_group
    assert derived.sort_index().astype(str).tolist() == truth.sort_index().astype(str).tolist()


def test_movers_by_source_are_skipped_with_a_sentence_when_the_orders_have_no_source(two_formats):
    from helpers.areas.overview.calc import top_movers
    from helpers.areas.overview.views import describe_movers

    _, platform, _ = two_formats
    movers = top_movers(platform, Period(pd.Timestamp("2026-10-08"), pd.Timestamp("2026-10-14")), "source")
    assert movers.empty and "千牛" in describe_movers(movers, "来源", "zh")
    assert "no traffic source" in describe_movers(movers, "source", "en")


def test_docs_platforms_are_generated_from_the_profiles():
    from helpers.core.platforms.docs import render_platform_docs
    from helpers.core.shop import project_root

    folder = project_root() / "docs" / "platforms"
    for name, text in render_platform_docs().items():
        assert (folder / name).read_text(encoding="utf-8") == text, (
            f"docs/platforms/{name} is stale: run `python -m helpers.core.platforms.docs`")
    assert "千牛卖家中心 > 交易 > 已卖出的宝贝" in (folder / "taobao.md").read_text(encoding="utf-8")


def test_traffic_without_bounced_visitors_has_an_unknown_bounce_rate_not_zero(two_formats):
    from helpers.areas.traffic.calc import build_funnel

    contract, platform, _ = two_formats
    period = Period(pd.Timestamp("2026-10-03"), pd.Timestamp("2026-10-12"))
    ours, theirs = build_funnel(platform, period), build_funnel(contract, period)
    assert ours.bounce_rate.isna().all() and theirs.loc["total", "bounce_rate"] > 0
    assert ours.loc["total", "conversion_rate"] == pytest.approx(theirs.loc["total", "conversion_rate"])


def test_a_contract_format_file_under_any_name_is_recognised_by_its_header(tmp_path):
    from tests.core.exports import HEADER_ZH, ROWS_ZH, write

    write(tmp_path / "订单导出_20261102.csv", [HEADER_ZH, *ROWS_ZH])
    (tmp_path / "notes.csv").write_text("备注,内容\n1,联系客服\n", encoding="utf-8")
    summary = check_folder(tmp_path)
    assert summary["tables"]["orders"]["rows"] == 3 and not summary["errors"]
    assert summary["recognised"][0]["as"] == "contract table `orders` (by header)"
    assert summary["ignored"] == [str(tmp_path / "notes.csv")]


# ---- the same for JD, 抖店 and 拼多多: their order exports against the contract slice ----

UNKNOWN = {"jd": set(), "doudian": {"buyers"}, "pdd": {"buyers"}}  # figures the export cannot give


def read_sample_slice(start: str, end: str) -> dict[str, pd.DataFrame]:
    """The sample shop's tables for the days start..end (orders by order time)."""
    first, last = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    orders = pd.read_csv(SAMPLE / "orders.csv", dtype={"order_id": str, "product_id": str, "customer_id": str},
                         parse_dates=["order_time", "pay_time"])
    orders = orders[(orders.order_time >= first) & (orders.order_time < last)]
    traffic = pd.read_csv(SAMPLE / "traffic.csv", parse_dates=["date"])
    refunds = pd.read_csv(SAMPLE / "refunds.csv", dtype={"order_id": str, "product_id": str},
                          parse_dates=["refund_time"])
    return {"orders": orders, "traffic": traffic[(traffic.date >= first) & (traffic.date < last)],
            "refunds": refunds[refunds.order_id.isin(orders.order_id)],
            "products": pd.read_csv(SAMPLE / "products.csv", dtype={"product_id": str})}


@pytest.fixture(scope="module", params=["jd", "doudian", "pdd"])
def platform_and_contract(request, tmp_path_factory):
    """Two weeks of the sample shop as one platform's downloads (its order export; its traffic
    and refund exports where it has them, else the contract's traffic.csv and refunds.csv;
    products.csv always) and as contract tables."""
    tables = read_sample_slice("2026-10-01", "2026-10-14")
    if request.param == "pdd":  # an order on 拼多多 is one product
        per_order = tables["orders"].groupby("order_id").order_id.transform("size")
        tables["orders"] = tables["orders"][per_order == 1]
        tables["refunds"] = tables["refunds"][tables["refunds"].order_id.isin(tables["orders"].order_id)]
    contract = tmp_path_factory.mktemp("contract")
    platform = tmp_path_factory.mktemp(request.param)
    for name, frame in tables.items():
        frame.to_csv(contract / f"{name}.csv", index=False)
    tables["products"].to_csv(platform / "products.csv", index=False)
    if request.param == "jd":
        jd_orders(platform / "订单导出_20261015.csv", tables["orders"])
        jd_shangzhi_flow(platform / "京东商智_流量来源_20261001-20261014.csv", tables["traffic"])
        tables["refunds"].to_csv(platform / "refunds.csv", index=False)
    elif request.param == "doudian":
        doudian_orders(platform / "订单导出_20261015.csv", tables["orders"])
        doudian_aftersale(platform / "售后导出_20261015.csv", tables["refunds"])
        tables["traffic"].to_csv(platform / "traffic.csv", index=False)
    else:
        pdd_orders(platform / "orders_export20261015.csv", tables["orders"])
        tables["traffic"].to_csv(platform / "traffic.csv", index=False)
        tables["refunds"].to_csv(platform / "refunds.csv", index=False)
    return request.param, connect(platform), connect(contract), platform


def test_each_platform_export_is_recognised_in_its_folder(platform_and_contract):
    name, _, _, folder = platform_and_contract
    summary = check_folder(folder)
    assert not summary["errors"]
    read_as = {r["file"].rsplit("/", 1)[-1]: r["as"] for r in summary["recognised"]}
    expected = {"jd": {"订单导出_20261015.csv": "(jd_orders)",
                       "京东商智_流量来源_20261001-20261014.csv": "(jd_shangzhi_flow)"},
                "doudian": {"订单导出_20261015.csv": "(doudian_orders)", "售后导出_20261015.csv": "(doudian_aftersale)"},
                "pdd": {"orders_export20261015.csv": "(pdd_orders)"}}[name]
    assert all(read_as[file].endswith(profile) for file, profile in expected.items()), read_as


def test_the_overview_on_jd_doudian_and_pdd_exports_equals_the_contract_slice(platform_and_contract):
    name, ours_shop, theirs_shop, _ = platform_and_contract
    week = Period(pd.Timestamp("2026-10-08"), pd.Timestamp("2026-10-14"))
    ours, theirs = summarize_period(ours_shop, week), summarize_period(theirs_shop, week)
    assert theirs["sales"] > 0 and theirs["refund_amount"] > 0 and theirs["buyers"] > 0
    known = [k for k in ours.index if k not in UNKNOWN[name]]
    pd.testing.assert_series_equal(ours[known], theirs[known], rtol=1e-9)
    ours_cmp, theirs_cmp = compare_periods(ours_shop, week), compare_periods(theirs_shop, week)
    assert theirs_cmp.loc["sales", "previous"] > 0
    pd.testing.assert_frame_equal(ours_cmp.loc[known, ["current", "previous", "change"]],
                                  theirs_cmp.loc[known, ["current", "previous", "change"]], rtol=1e-9)


def test_figures_an_export_cannot_give_are_unknown_not_zero(platform_and_contract):
    name, ours_shop, _, _ = platform_and_contract
    if not UNKNOWN[name]:
        pytest.skip(f"{name}: its export gives every overview figure")
    ours = summarize_period(ours_shop, Period(pd.Timestamp("2026-10-08"), pd.Timestamp("2026-10-14")))
    assert ours[sorted(UNKNOWN[name])].isna().all(), ours[sorted(UNKNOWN[name])]


# ---- 生意参谋 市场排行, 搜索分析 and 商品效果 against the same tables in contract format ----

MARKET_CATEGORY = "女装连衣裙"


@pytest.fixture(scope="module")
def sycm_market(tmp_path_factory):
    """The sample's market table for one category, every month: as market.csv, as 市场排行
    downloads (one GBK CSV per month, ="..." ids, 1,234.5 numbers) and as those downloads
    with the 本店 column the profile's notes ask the user to add."""
    market = pd.read_csv(SAMPLE / "market.csv", dtype={"listing_id": str})
    market = market[market.category == MARKET_CATEGORY]
    contract, bare, marked = (tmp_path_factory.mktemp(n) for n in ("contract", "sycm_rank", "sycm_rank_own"))
    market.to_csv(contract / "market.csv", index=False)
    sycm_market_rank(bare, market)
    sycm_market_rank(marked, market, own_column=True)
    # a shop's folder has its products: the listings among them are its own
    for folder in (bare, marked):
        (folder / "products.csv").write_bytes((SAMPLE / "products.csv").read_bytes())
    return connect(contract), connect(bare), connect(marked)


def market_figures(shop, calibrated: bool) -> pd.DataFrame:
    from helpers.areas.market import calibration, size

    cal = calibration.calibrate(shop) if calibrated else None
    sales = size.listing_sales(shop, cal, MARKET_CATEGORY)
    return size.market_size(sales, cal, "2026-10-31")


def test_market_rank_downloads_give_the_market_size_of_the_contract_table(sycm_market):
    contract, bare, _ = sycm_market
    ours, theirs = market_figures(bare, calibrated=False), market_figures(contract, calibrated=False)
    assert len(theirs) == 23 and theirs.loc["2026-10-01", "sales"] > 0
    pd.testing.assert_frame_equal(ours[["sales", "units", "listings", "mom", "yoy"]],
                                  theirs[["sales", "units", "listings", "mom", "yoy"]], rtol=1e-9)


def test_market_rank_with_a_own_shop_column_gives_the_same_size_share_and_competitors(sycm_market):
    from helpers.areas.market import calibration, competition, size

    contract, _, marked = sycm_market
    ours, theirs = market_figures(marked, calibrated=True), market_figures(contract, calibrated=True)
    assert theirs.loc["2026-10-01", "own_share"] > 0 and theirs.loc["2026-10-01", "estimated_sales"] > 0
    pd.testing.assert_frame_equal(ours, theirs, rtol=1e-9)
    recent = list(theirs.index[-4:-1])
    sales = {name: size.listing_sales(shop, calibration.calibrate(shop), MARKET_CATEGORY)
             for name, shop in (("ours", marked), ("theirs", contract))}
    rivals = competition.resolve_competitors(sales["theirs"], [], 5, recent)
    assert competition.resolve_competitors(sales["ours"], [], 5, recent) == rivals
    cols = ["competitor", "month", "sales", "price", "listings"]  # the export has no reviews or rating
    pd.testing.assert_frame_equal(competition.competitor_trends(sales["ours"], rivals)[cols],
                                  competition.competitor_trends(sales["theirs"], rivals)[cols], rtol=1e-9)


def test_market_rank_as_downloaded_knows_our_listings(sycm_market):
    """市场排行 has no 本店 column: our listings are found by their product ids, so own share and the
    index calibration equal the contract format's (they were 0 and impossible)."""
    contract, bare, _ = sycm_market
    ours, theirs = market_figures(bare, calibrated=True), market_figures(contract, calibrated=True)
    pd.testing.assert_series_equal(ours["own_share"], theirs["own_share"], rtol=1e-9)
    assert any("count as the shop's own" in n.en for n in bare.notes)


@pytest.fixture(scope="module")
def sycm_keywords(tmp_path_factory):
    """Eight weeks of two categories' keywords as keywords.csv and as 搜索分析 .xlsx downloads
    (a file per week and category, rates as 39.39%), with the sample's products.csv."""
    keywords = pd.read_csv(SAMPLE / "keywords.csv", parse_dates=["week"])
    keywords = keywords[keywords.category.isin([MARKET_CATEGORY, "厨房用品"])
                        & keywords.week.between("2026-09-07", "2026-10-26")]
    products = pd.read_csv(SAMPLE / "products.csv", dtype={"product_id": str})
    contract, platform = tmp_path_factory.mktemp("contract"), tmp_path_factory.mktemp("sycm_search")
    keywords.to_csv(contract / "keywords.csv", index=False)
    sycm_search(platform, keywords)
    for folder in (contract, platform):
        products.to_csv(folder / "products.csv", index=False)
    return connect(contract), connect(platform)


def test_search_analysis_downloads_give_the_same_keyword_values_and_coverage(sycm_keywords):
    from helpers.areas.products import keywords

    contract, platform = sycm_keywords
    period = Period(pd.Timestamp("2026-09-14"), pd.Timestamp("2026-10-25"))
    ours, theirs = (keywords.keyword_value(s, period) for s in (platform, contract))
    assert len(theirs) == 16 and (theirs.weeks == 6).all()
    pd.testing.assert_frame_equal(ours.sort_index(), theirs.sort_index(), rtol=1e-9)
    titles = keywords.listings(contract)["title"]
    covered = keywords.keyword_coverage(titles, ours).sort_index()
    truth = keywords.keyword_coverage(titles, theirs).sort_index()
    assert truth.missing.any() and (truth.titles_covering > 0).any()
    pd.testing.assert_frame_equal(covered, truth, rtol=1e-9)


def test_product_effect_gives_ids_and_titles_and_names_every_column_it_lacks(tmp_path):
    import openpyxl

    products = pd.read_csv(SAMPLE / "products.csv", dtype={"product_id": str}).head(12)
    path = sycm_product_effect(tmp_path / "【生意参谋平台】商品效果_2026-10.xlsx", products, "2026-10-01", "2026-10-31")
    with pytest.raises(DataError) as err:
        connect(tmp_path).table("products")
    missing = {p.column for p in err.value.problems}
    assert missing == {"category", "unit_cost", "list_price", "launch_date"}  # none invented
    book = openpyxl.load_workbook(path)  # the columns the profile's notes ask the user to add
    sheet = book.active
    head = [c.value for c in sheet[4]]
    for j, name in enumerate(["类目", "成本价", "一口价", "上架时间"], len(head) + 1):
        sheet.cell(4, j, name)
        for i, r in enumerate(products.itertuples(), 5):
            sheet.cell(i, j, {"类目": r.category, "成本价": f"{r.unit_cost:.2f}", "一口价": f"{r.list_price:,.2f}",
                              "上架时间": r.launch_date}[name])
    book.save(path)
    read = connect(tmp_path).table("products").order_by("product_id").execute()
    truth = products.assign(launch_date=pd.to_datetime(products.launch_date)).sort_values("product_id")
    cols = ["product_id", "title", "category", "unit_cost", "list_price", "launch_date"]
    pd.testing.assert_frame_equal(read[cols].reset_index(drop=True), truth[cols].reset_index(drop=True),
                                  check_dtype=False)
    assert read.brand.isna().all()  # not in the export: empty, not guessed


def test_many_files_of_one_export_give_one_note_not_one_each(sycm_market):
    _, bare, _ = sycm_market
    bare.table("market")
    shared = [n for n in bare.notes if "files (" in n.en and "read as" in n.en]
    assert len(shared) == 1 and shared[0].en.startswith("23 files (")  # was 23 notes, one per month's file
    assert sum("read as" in n.en for n in bare.notes) == 1


def test_sub_orders_of_one_product_in_different_states_are_refused_not_added_up():
    from helpers.core.errors import DataError
    from helpers.core.platforms.read import merge_sub_orders

    frame = pd.DataFrame({"order_id": ["A", "A", "B", "B"], "product_id": ["p", "p", "q", "q"],
                          "status": ["paid", "closed", "paid", "paid"], "quantity": [1, 1, 1, 2],
                          "list_price": [10.0, 10.0, 5.0, 5.0], "paid_amount": [10.0, 10.0, 5.0, 10.0]})
    with pytest.raises(DataError, match="different states") as err:
        merge_sub_orders(frame, "订单导出.csv")
    assert "A" in str(err.value) and "B" not in str(err.value).split("states")[1].split("\n")[0].split(":")[1]
    merged, _ = merge_sub_orders(frame[frame.order_id == "B"], "订单导出.csv")
    assert merged.paid_amount.tolist() == [15.0] and merged.quantity.tolist() == [3]
