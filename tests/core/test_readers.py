"""Reading real exports: encodings, title rows, Chinese headers, number formats, and bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core.contract import TABLES
from helpers.core.errors import DataError
from helpers.core.readers import parse_column
from helpers.core.shop import connect
from tests.core.exports import (
    HEADER_ZH,
    ROWS_ZH,
    orders_frame,
    orders_frame_from_rows,
    texts,
    write,
)


def test_utf8_bom_and_gb18030_exports_load_identically(tmp_path):
    frames = []
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        write(tmp_path / encoding / "orders.csv", [HEADER_ZH, *ROWS_ZH], encoding)
        frames.append(orders_frame(tmp_path / encoding))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])
    assert frames[2]["customer_id"].tolist() == ["张三", "李四", "王五"]


def test_title_rows_chinese_headers_and_number_formats(tmp_path):
    write(tmp_path / "orders.csv", ["生意参谋-订单报表", "统计日期: 2026-11-01 ~ 2026-11-07", "",
                                    HEADER_ZH + ",备注", *[r + ",x" for r in ROWS_ZH]], "gb18030")
    shop = connect(tmp_path)
    frame = shop.table("orders").order_by("order_id").execute()
    assert list(frame.columns) == [c.name for c in TABLES["orders"].columns]
    first = frame.iloc[0]
    assert first["order_id"] == "283900001"  # the ="..." wrapper is removed
    assert first["list_price"] == 1299.0 and first["paid_amount"] == 1200.5
    assert pd.isna(frame.iloc[1]["pay_time"])  # "-" means missing
    assert frame["status"].tolist() == ["paid", "unpaid", "cancelled"]
    assert frame.iloc[2]["order_time"] == pd.Timestamp("2026-11-03 09:30")
    notes = texts(shop.notes)
    assert "备注" in notes and "3 title rows" in notes
    assert "跳过了表头上方的 3 行标题" in texts(shop.notes, "zh")


def test_percent_yuan_wan_and_tab_separated_traffic(tmp_path):
    header = "统计日期\t流量来源\t来源分组\t访客数\t浏览量\t跳失人数\t加购人数\t下单买家数\t支付买家数\t支付金额"
    row = "2026-11-01\t手淘搜索\t自然搜索\t1.2万\t\"30,000\"\t5000\t800\t400\t352\t¥35,200.50"
    write(tmp_path / "traffic.tsv", [header, row])
    write(tmp_path / "orders.csv", [HEADER_ZH, ROWS_ZH[0]])
    frame = connect(tmp_path).table("traffic").execute()
    assert frame.loc[0, "visitors"] == 12000 and frame.loc[0, "page_views"] == 30000
    assert frame.loc[0, "paid_amount"] == pytest.approx(35200.5)
    assert frame.loc[0, "source_group"] == "free_search"
    parsed = parse_column(["3.52%", "-", "0.5"], TABLES["keywords"].column("click_rate"), [2, 3, 4], "k")
    assert parsed.iloc[0] == pytest.approx(0.0352) and pd.isna(parsed.iloc[1]) and parsed.iloc[2] == 0.5


def test_excel_export_with_title_rows(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["订单报表 2026-11-01 ~ 2026-11-03"])
    ws.append(HEADER_ZH.split(","))
    ws.append([283900001, "2026-11-01 10:00:00", "2026-11-01 10:05:00", "张三", 1001, 1, 1299, 1200.5,
               "手淘搜索", "交易成功"])
    wb.save(tmp_path / "orders.xlsx")
    frame = orders_frame(tmp_path)
    assert frame.loc[0, "order_id"] == "283900001"  # numbers in id cells become text, without ".0"
    assert frame.loc[0, "product_id"] == "1001"
    assert frame.loc[0, "paid_amount"] == 1200.5


def test_legacy_xls_export(tmp_path):
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("订单")
    ws.write(0, 0, "订单报表")
    for j, name in enumerate(HEADER_ZH.split(",")):
        ws.write(2, j, name)
    row = ["283900001", "2026-11-01 10:00:00", "2026-11-01 10:05:00", "张三", 1001.0, 2.0, 99.0, 150.0,
           "手淘搜索", "交易成功"]
    for j, value in enumerate(row):
        ws.write(3, j, value)
    wb.save(str(tmp_path / "orders.xls"))
    frame = orders_frame(tmp_path)
    assert frame.loc[0, "product_id"] == "1001" and frame.loc[0, "quantity"] == 2
    assert frame.loc[0, "paid_amount"] == 150.0 and frame.loc[0, "status"] == "paid"


def test_missing_required_column_names_file_column_and_fix(tmp_path):
    header = HEADER_ZH.replace(",实付款", "")
    write(tmp_path / "orders.csv", [header, "1,2026-11-01,2026-11-01,a,p,1,10,手淘搜索,交易成功"])
    with pytest.raises(DataError) as err:
        connect(tmp_path).table("orders")
    message = str(err.value)
    assert "orders.csv" in message and "'paid_amount'" in message and "实付款" in message
    assert err.value.column == "paid_amount" and "Fix:" in message


def test_unparseable_value_names_line_and_value(tmp_path):
    rows = [*ROWS_ZH]
    rows[1] = rows[1].replace(",2,50,", ",two,50,")
    write(tmp_path / "orders.csv", ["title row", HEADER_ZH, *rows])
    with pytest.raises(DataError) as err:
        connect(tmp_path).table("orders")
    message = str(err.value)
    assert "'quantity'" in message and "line 4: 'two'" in message and "orders.csv" in message


def test_unparseable_date_is_an_error_not_a_null(tmp_path):
    rows = [ROWS_ZH[0].replace("2026/11/01 10:00:00", "yesterday")]
    write(tmp_path / "orders.csv", [HEADER_ZH, *rows])
    with pytest.raises(DataError, match="order_time.*cannot be read as datetime"):
        connect(tmp_path).table("orders")


def test_ids_in_scientific_notation_are_refused(tmp_path):
    rows = [ROWS_ZH[1].replace("283900002", "2.839E+11")]
    write(tmp_path / "orders.csv", [HEADER_ZH, *rows])
    with pytest.raises(DataError, match="scientific notation"):
        connect(tmp_path).table("orders")


def test_unreadable_encoding_and_missing_header(tmp_path):
    (tmp_path / "orders.csv").write_bytes(b"\xff\xfe\x00\x81\x30\xff" * 10)
    with pytest.raises(DataError, match="neither UTF-8 nor GBK"):
        connect(tmp_path).table("orders")
    write(tmp_path / "orders.csv", ["a,b,c", "1,2,3"])
    with pytest.raises(DataError, match="no header row naming the orders columns"):
        connect(tmp_path).table("orders")


def test_two_headers_for_one_column_and_overlong_rows(tmp_path):
    write(tmp_path / "orders.csv", [HEADER_ZH + ",主订单编号", ROWS_ZH[0] + ",9"])
    with pytest.raises(DataError, match="two headers mean the same contract column 'order_id'"):
        connect(tmp_path).table("orders")
    write(tmp_path / "orders.csv", [HEADER_ZH, ROWS_ZH[0] + ",surplus"])
    with pytest.raises(DataError, match="more cells than the header"):
        connect(tmp_path).table("orders")


def test_stacked_monthly_exports_in_a_folder(tmp_path):
    write(tmp_path / "orders" / "2026-10.csv", [HEADER_ZH, ROWS_ZH[0], ROWS_ZH[1]])
    write(tmp_path / "orders" / "2026-11.csv", [HEADER_ZH, ROWS_ZH[1], ROWS_ZH[2]], "gb18030")
    shop = connect(tmp_path)
    assert shop.table("orders").count().execute() == 3
    assert "removed 1 exact duplicate" in texts(shop.notes)


def test_error_in_stacked_file_names_the_file_and_line(tmp_path):
    write(tmp_path / "orders" / "2026-10.csv", [HEADER_ZH, ROWS_ZH[0]])
    bad = ROWS_ZH[1].replace(",等待买家付款", ",退货中")
    write(tmp_path / "orders" / "2026-11.csv", [HEADER_ZH, bad])
    with pytest.raises(DataError) as err:
        connect(tmp_path).table("orders")
    assert "status" in str(err.value) and "2026-11.csv:2" in str(err.value) and "退货中" in str(err.value)


def test_an_unclosed_quote_that_would_swallow_rows_is_an_error(tmp_path):
    """A stray quote used to make the next 2,000 rows one cell: sales silently fell by a third."""
    rows = [f"28390{i:04d},2026-11-01 10:00,2026-11-01 10:01,c{i},1001,1,10,10,手淘搜索,交易成功" for i in range(3000)]
    rows[1000] = rows[1000].replace(",c1000,", ',"c1000,')  # the quote opens and closes 2,000 lines later
    rows[2999] = rows[2999].replace(",c2999,", ',c2999",')
    write(tmp_path / "orders.csv", [HEADER_ZH, *rows])
    with pytest.raises(DataError, match="unclosed quote") as err:
        connect(tmp_path).table("orders")
    assert "line 1002" in str(err.value) and "orders.csv" in str(err.value)
    rows[2999] = rows[2999].replace('c2999",', "c2999,")  # never closed at all
    write(tmp_path / "orders.csv", [HEADER_ZH, *rows])
    with pytest.raises(DataError, match="never closed"):
        connect(tmp_path).table("orders")


def test_a_quoted_review_with_line_breaks_is_one_cell_not_an_error(tmp_path):
    write(tmp_path / "orders.csv", [HEADER_ZH, *ROWS_ZH])
    write(tmp_path / "reviews.csv", ["订单编号,商品ID,评价时间,评分,评价内容",
                                     '283900001,1001,2026-11-05 10:00,5,"很好看\n第二天就到了\n会回购"',
                                     "283900003,1001,2026-11-06 10:00,2,一般"])
    reviews = connect(tmp_path).table("reviews").order_by("order_id").execute()
    assert reviews["text"].tolist() == ["很好看\n第二天就到了\n会回购", "一般"]


def test_a_big5_export_is_read_as_big5_not_as_gbk_garbage(tmp_path):
    header = "order_id,order_time,pay_time,customer_id,product_id,quantity,list_price,paid_amount,source,status"
    rows = [f"{i},2026-11-01 10:00,2026-11-01 10:01,會員{i}號,p1,1,10,10,手機淘寶搜尋,paid" for i in range(40)]
    write(tmp_path / "orders.csv", [header, *rows], "big5")
    frame = connect(tmp_path).table("orders").order_by("order_id").execute()
    assert frame["source"].iloc[0] == "手機淘寶搜尋" and frame["customer_id"].iloc[0].startswith("會員")


def test_a_large_export_is_read_in_parts_with_true_line_numbers(tmp_path, monkeypatch):
    from helpers.core import readers

    monkeypatch.setattr(readers, "CHUNK_ROWS", 7)  # a 2 GB export reads the same way, 200,000 rows at a time
    rows = [f"o{i},2026-11-01 10:00,2026-11-01 10:01,c{i},1001,1,10,{i},手淘搜索,交易成功" for i in range(50)]
    rows[40] = rows[40].replace(",1,10,40,", ",x,10,40,")
    write(tmp_path / "orders.csv", ["订单报表", HEADER_ZH, *rows])
    with pytest.raises(DataError, match="line 43: 'x'"):
        connect(tmp_path).table("orders")
    rows[40] = rows[40].replace(",x,10,40,", ",1,10,40,")
    write(tmp_path / "orders.csv", ["订单报表", HEADER_ZH, *rows])
    frame = connect(tmp_path).table("orders").execute()
    assert len(frame) == 50 and frame["paid_amount"].sum() == sum(range(50))


def test_ids_typed_as_numbers_keep_the_zeros_excel_shows(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER_ZH.split(","))
    ws.append([283900001, "2026-11-01 10:00:00", "2026-11-01 10:05:00", "张三", 1001, 1, 1299, 1200.5,
               "手淘搜索", "交易成功"])
    ws["E2"].number_format = "000000"  # product id 001001, typed as a number
    wb.save(tmp_path / "orders.xlsx")
    frame = orders_frame(tmp_path)
    assert frame.loc[0, "product_id"] == "001001" and frame.loc[0, "order_id"] == "283900001"


def test_ids_stored_as_numbers_in_parquet_are_noted(tmp_path):
    frame = orders_frame_from_rows()
    frame["product_id"] = [1001, 1002]
    frame.to_parquet(tmp_path / "orders.parquet")
    shop = connect(tmp_path)
    assert shop.table("orders").product_id.execute().tolist() == ["1001", "1002"]
    assert "column `product_id` is stored as numbers" in texts(shop.notes)
    assert "`product_id` 列以数字存储" in texts(shop.notes, "zh")
