"""Loading real exports: encodings, title rows, Chinese headers, number formats, and bad input."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from helpers import data
from helpers.cli import main as cli_main
from helpers.data import DataError
from helpers.params import Period

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
    return data.connect(folder).table("orders").order_by("order_id").execute()


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
    shop = data.connect(tmp_path)
    frame = shop.table("orders").order_by("order_id").execute()
    assert list(frame.columns) == [c.name for c in data.TABLES["orders"].columns]
    first = frame.iloc[0]
    assert first["order_id"] == "283900001"  # the ="..." wrapper is removed
    assert first["list_price"] == 1299.0 and first["paid_amount"] == 1200.5
    assert pd.isna(frame.iloc[1]["pay_time"])  # "-" means missing
    assert frame["status"].tolist() == ["paid", "unpaid", "cancelled"]
    assert frame.iloc[2]["order_time"] == pd.Timestamp("2026-11-03 09:30")
    notes = " ".join(shop.notes)
    assert "备注" in notes and "3 title rows" in notes


def test_percent_yuan_wan_and_tab_separated_traffic(tmp_path):
    header = "统计日期\t流量来源\t来源分组\t访客数\t浏览量\t跳失人数\t加购人数\t下单买家数\t支付买家数\t支付金额"
    row = "2026-11-01\t手淘搜索\t自然搜索\t1.2万\t\"30,000\"\t5000\t800\t400\t352\t¥35,200.50"
    write(tmp_path / "traffic.tsv", [header, row])
    write(tmp_path / "orders.csv", [HEADER_ZH, ROWS_ZH[0]])
    frame = data.connect(tmp_path).table("traffic").execute()
    assert frame.loc[0, "visitors"] == 12000 and frame.loc[0, "page_views"] == 30000
    assert frame.loc[0, "paid_amount"] == pytest.approx(35200.5)
    assert frame.loc[0, "source_group"] == "free_search"
    parsed = data.parse_column(["3.52%", "-", "0.5"], data.TABLES["keywords"].column("click_rate"), [2, 3, 4], "k")
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
        data.connect(tmp_path).table("orders")
    message = str(err.value)
    assert "orders.csv" in message and "'paid_amount'" in message and "实付款" in message
    assert err.value.column == "paid_amount" and "Fix:" in message


def test_unparseable_value_names_line_and_value(tmp_path):
    rows = [*ROWS_ZH]
    rows[1] = rows[1].replace(",2,50,", ",two,50,")
    write(tmp_path / "orders.csv", ["title row", HEADER_ZH, *rows])
    with pytest.raises(DataError) as err:
        data.connect(tmp_path).table("orders")
    message = str(err.value)
    assert "'quantity'" in message and "line 4: 'two'" in message and "orders.csv" in message


def test_unparseable_date_is_an_error_not_a_null(tmp_path):
    rows = [ROWS_ZH[0].replace("2026/11/01 10:00:00", "yesterday")]
    write(tmp_path / "orders.csv", [HEADER_ZH, *rows])
    with pytest.raises(DataError, match="order_time.*cannot be read as datetime"):
        data.connect(tmp_path).table("orders")


def test_negative_amount_is_rejected_with_rows(tmp_path):
    rows = [*ROWS_ZH, "283900009,2026-11-04 10:00,2026-11-04 10:01,赵六,1003,-1,20,-20,手淘搜索,交易成功"]
    write(tmp_path / "orders.csv", [HEADER_ZH, *rows])
    with pytest.raises(DataError) as err:
        data.connect(tmp_path).table("orders")
    message = str(err.value)
    assert "quantity" in message and "283900009" in message and "line 5" in message
    assert "refunds" in message  # the fix says where returns belong


def test_duplicate_key_with_different_values_is_an_error(tmp_path):
    clash = ROWS_ZH[0].replace("¥1200.50", "¥1100.00")
    write(tmp_path / "orders.csv", [HEADER_ZH, *ROWS_ZH, clash])
    with pytest.raises(DataError) as err:
        data.connect(tmp_path).table("orders")
    assert "order_id, product_id" in str(err.value) and "283900001" in str(err.value)


def test_exact_duplicate_lines_are_removed_and_reported(tmp_path):
    write(tmp_path / "orders.csv", [HEADER_ZH, *ROWS_ZH, ROWS_ZH[1], ROWS_ZH[1]])
    shop = data.connect(tmp_path)
    assert shop.table("orders").count().execute() == 3
    assert any("removed 2 exact duplicate rows" in n for n in shop.notes)


def test_stacked_monthly_exports_in_a_folder(tmp_path):
    write(tmp_path / "orders" / "2026-10.csv", [HEADER_ZH, ROWS_ZH[0], ROWS_ZH[1]])
    write(tmp_path / "orders" / "2026-11.csv", [HEADER_ZH, ROWS_ZH[1], ROWS_ZH[2]], "gb18030")
    shop = data.connect(tmp_path)
    assert shop.table("orders").count().execute() == 3
    assert any("removed 1 exact duplicate" in n for n in shop.notes)


def test_error_in_stacked_file_names_the_file_and_line(tmp_path):
    write(tmp_path / "orders" / "2026-10.csv", [HEADER_ZH, ROWS_ZH[0]])
    bad = ROWS_ZH[1].replace(",等待买家付款", ",退货中")
    write(tmp_path / "orders" / "2026-11.csv", [HEADER_ZH, bad])
    with pytest.raises(DataError) as err:
        data.connect(tmp_path).table("orders")
    assert "status" in str(err.value) and "2026-11.csv:2" in str(err.value) and "退货中" in str(err.value)


def test_ids_in_scientific_notation_are_refused(tmp_path):
    rows = [ROWS_ZH[1].replace("283900002", "2.839E+11")]
    write(tmp_path / "orders.csv", [HEADER_ZH, *rows])
    with pytest.raises(DataError, match="scientific notation"):
        data.connect(tmp_path).table("orders")


def test_unreadable_encoding_and_missing_header(tmp_path):
    (tmp_path / "orders.csv").write_bytes(b"\xff\xfe\x00\x81\x30\xff" * 10)
    with pytest.raises(DataError, match="neither UTF-8 nor GBK"):
        data.connect(tmp_path).table("orders")
    write(tmp_path / "orders.csv", ["a,b,c", "1,2,3"])
    with pytest.raises(DataError, match="no header row naming the orders columns"):
        data.connect(tmp_path).table("orders")


def test_two_headers_for_one_column_and_overlong_rows(tmp_path):
    write(tmp_path / "orders.csv", [HEADER_ZH + ",主订单编号", ROWS_ZH[0] + ",9"])
    with pytest.raises(DataError, match="two headers mean the same contract column 'order_id'"):
        data.connect(tmp_path).table("orders")
    write(tmp_path / "orders.csv", [HEADER_ZH, ROWS_ZH[0] + ",surplus"])
    with pytest.raises(DataError, match="more cells than the header"):
        data.connect(tmp_path).table("orders")


def test_parquet_is_validated_in_the_engine(tmp_path):
    frame = orders_frame_from_rows()
    frame.to_parquet(tmp_path / "orders.parquet")
    assert data.connect(tmp_path).table("orders").count().execute() == 2
    frame.loc[1, "paid_amount"] = -5.0
    frame.to_parquet(tmp_path / "orders.parquet")
    with pytest.raises(DataError, match="paid_amount.*below 0"):
        data.connect(tmp_path).table("orders")


def test_padded_text_in_parquet_is_stripped_with_a_note(tmp_path):
    """Ids with spaces around them match their CSV form; the note repeats on a run that reuses the validation."""
    frame = orders_frame_from_rows()
    frame["order_id"] = [" 1", "2\t"]
    frame["customer_id"] = ["a\u3000", " b "]
    frame["source"] = ["手淘搜索 ", "直通车"]
    frame.to_parquet(tmp_path / "orders.parquet")
    for _ in ("first run", "validation recorded"):
        shop = data.connect(tmp_path)
        got = shop.table("orders").order_by("order_id").execute()
        assert got["order_id"].tolist() == ["1", "2"]
        assert got["customer_id"].tolist() == ["a", "b"]
        assert got["source"].tolist() == ["手淘搜索", "直通车"]
        assert any("column `customer_id`: 2 values had spaces around them" in n for n in shop.notes)
        assert not any("`product_id`" in n for n in shop.notes)


def orders_frame_from_rows():
    return pd.DataFrame({
        "order_id": ["1", "2"], "order_time": pd.to_datetime(["2026-11-01 10:00", "2026-11-02 10:00"]),
        "pay_time": pd.to_datetime(["2026-11-01 10:01", None]), "customer_id": ["a", "b"],
        "product_id": ["p1", "p2"], "quantity": [1, 2], "list_price": [10.0, 20.0],
        "paid_amount": [9.5, 0.0], "source": ["手淘搜索", "直通车"], "campaign_id": [None, None],
        "status": ["paid", "unpaid"],
    })


def test_missing_optional_table_is_reported_not_raised(tmp_path):
    write(tmp_path / "orders.csv", [HEADER_ZH, *ROWS_ZH])
    shop = data.connect(tmp_path)
    assert shop.has("orders") and not shop.has("traffic")
    assert "traffic" in shop.missing_message("traffic", "en") and "traffic.csv" in shop.missing_message("traffic")
    with pytest.raises(DataError, match="table `traffic` not found"):
        shop.table("traffic")


def test_connect_errors_and_warehouse_url(tmp_path, monkeypatch):
    monkeypatch.delenv(data.DB_URL_ENV, raising=False)
    with pytest.raises(DataError, match="WORKBOOK_DB_URL is not set"):
        data.connect("")
    with pytest.raises(DataError, match="data folder not found"):
        data.connect(tmp_path / "nope")
    with pytest.raises(DataError, match="no contract tables"):
        data.connect(tmp_path)
    import duckdb

    db = tmp_path / "shop.duckdb"
    with duckdb.connect(str(db)) as con:
        con.register("frame", orders_frame_from_rows())
        con.execute("CREATE TABLE orders AS SELECT * FROM frame")
    monkeypatch.setenv(data.DB_URL_ENV, f"duckdb://{db}")
    shop = data.connect("")
    assert shop.available == ["orders"]
    assert shop.table("orders").paid_amount.sum().execute() == pytest.approx(9.5)


def test_connect_backend_finds_contract_tables_on_an_open_connection():
    import ibis

    con = ibis.duckdb.connect()
    frame = orders_frame_from_rows().astype({"campaign_id": "string"})
    con.create_table("ORDERS", frame)  # table names match in any letter case
    con.create_table("unrelated", pd.DataFrame({"x": [1]}))
    shop = data.connect_backend(con)
    assert shop.available == ["orders"] and shop.origin == "duckdb connection"
    assert shop.table("orders").paid_amount.sum().execute() == pytest.approx(9.5)
    assert data.connect_backend(con, origin="warehouse").origin == "warehouse"


def test_fill_zero_reads_null_sums_from_any_engine_as_zero():
    # a SUM over no rows is NULL: None on DuckDB, NaN on Spark
    assert [data.fill_zero(v) for v in (None, float("nan"), pd.NA, 3, 2.5)] == [0.0, 0.0, 0.0, 3.0, 2.5]


def test_credentials_never_appear_in_origin():
    masked = data.mask_url("postgres://bob:s3cret@db.example:5432/shop")
    assert "s3cret" not in masked and masked.startswith("postgres://***@")


def test_workbook_check_summarises_rows_dates_and_totals(tmp_path, capsys):
    write(tmp_path / "orders.csv", [HEADER_ZH, *ROWS_ZH])
    assert cli_main(["check", str(tmp_path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    orders = summary["tables"]["orders"]
    assert orders["rows"] == 3 and orders["totals"] == {"quantity": 6, "paid_amount": 4800.5}
    assert orders["start"].startswith("2026-11-01") and orders["end"].startswith("2026-11-03")
    assert "traffic" in summary["missing"]
    assert cli_main(["check", str(tmp_path)]) == 0
    assert "orders" in capsys.readouterr().out


def test_workbook_check_fails_with_message_on_bad_data(tmp_path, capsys):
    write(tmp_path / "orders.csv", [HEADER_ZH.replace(",实付款", ""), "1,2026-11-01,,a,p,1,10,s,交易成功"])
    assert cli_main(["check", str(tmp_path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["column"] == "paid_amount" and out["file"].endswith("orders.csv")


def test_parsed_exports_are_cached_and_refreshed_when_the_file_changes(tmp_path, monkeypatch):
    import os

    cache = tmp_path / "cache"
    monkeypatch.setenv(data.CACHE_ENV, str(cache))
    path = write(tmp_path / "d" / "orders.csv", ["title", HEADER_ZH, *ROWS_ZH[:2]])
    first = orders_frame(tmp_path / "d")
    assert len(list(cache.glob("*.parquet"))) == 1
    shop = data.connect(tmp_path / "d")
    pd.testing.assert_frame_equal(shop.table("orders").order_by("order_id").execute(), first)
    assert any("skipped 1 title rows" in n for n in shop.notes), "notes come back with a cache hit"
    write(path, ["title", HEADER_ZH, *ROWS_ZH])
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert len(orders_frame(tmp_path / "d")) == 3
    for entry in cache.glob("*.parquet"):
        entry.write_bytes(b"damaged")
    assert len(orders_frame(tmp_path / "d")) == 3, "a damaged cache entry is parsed again"
    monkeypatch.setenv(data.CACHE_ENV, "off")
    assert data.cache_dir() is None and len(orders_frame(tmp_path / "d")) == 3


def test_duckdb_settings_come_from_the_environment(monkeypatch, tmp_path):
    # a shop larger than memory spills to disk under a cap instead of taking the machine
    (tmp_path / "products.csv").write_text("product_id,title,category,unit_cost,list_price\np1,t,c,1,2\n")
    monkeypatch.setenv("WORKBOOK_DUCKDB_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("WORKBOOK_DUCKDB_THREADS", "1")
    monkeypatch.setenv("WORKBOOK_DUCKDB_TEMP_DIR", str(tmp_path / "spill"))
    shop = data.connect(tmp_path)
    limit, threads, temp = shop.con.raw_sql(
        "select current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
    ).fetchone()
    assert (limit, threads, temp) == ("953.6 MiB", 1, str(tmp_path / "spill"))


def test_duckdb_takes_half_the_memory_unless_told(monkeypatch, tmp_path):
    # the kernel also holds the analysis' pandas frames: DuckDB's own default (80%) leaves them too little
    (tmp_path / "products.csv").write_text("product_id,title,category,unit_cost,list_price\np1,t,c,1,2\n")
    monkeypatch.delenv("WORKBOOK_DUCKDB_MEMORY_LIMIT", raising=False)
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limit = data.connect(tmp_path).con.raw_sql("select current_setting('memory_limit')").fetchone()[0]
    number, unit = limit.split()
    assert unit == "GiB" and float(number) == pytest.approx(total / 2 / 2**30, abs=0.1)
    assert data.default_memory_limit(2) == f"{int(total / 4) // 2**20}MiB"  # parallel runs split it


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_files_that_passed_are_not_checked_again_until_they_change(tmp_path, monkeypatch, fmt):
    # every notebook of a batch loads the same files: the seconds of checks run once per file version
    write(tmp_path / "orders.csv", [HEADER_ZH, *ROWS_ZH, ROWS_ZH[1], ROWS_ZH[1]])
    if fmt == "parquet":
        frame = data.connect(tmp_path).table("orders").execute()
        (tmp_path / "orders.csv").unlink()
        pd.concat([frame, frame.iloc[[1, 1]]]).to_parquet(tmp_path / "orders.parquet")
    first = data.connect(tmp_path)
    rows = first.table("orders").count().execute()
    assert rows == 3 and any("exact duplicate rows" in n for n in first.notes)

    def checked_again(*args, **kwargs):
        raise AssertionError("the duplicate-key check ran again on unchanged files")

    monkeypatch.setattr(data, "_check_duplicate_keys", checked_again)
    second = data.connect(tmp_path)
    assert second.table("orders").count().execute() == rows  # the duplicates are still removed
    assert second.notes == first.notes
    monkeypatch.undo()

    # a changed file is checked again, and a bad row is found
    if fmt == "csv":
        write(tmp_path / "orders.csv", [HEADER_ZH, *ROWS_ZH, ROWS_ZH[0].replace("¥1200.50", "¥1100.00")])
    else:
        clash = frame.iloc[[0]].assign(paid_amount=1100.0)
        pd.concat([frame, clash]).to_parquet(tmp_path / "orders.parquet")
    with pytest.raises(DataError, match="different values"):
        data.connect(tmp_path).table("orders")


def test_an_engine_without_temporary_tables_gives_the_same_figures(sample, monkeypatch):
    """Trino (ibis 12) cannot create temporary tables: the helpers that keep a result in the
    engine recompute it instead, with the same figures."""
    from helpers import campaigns, customers, service

    no_temp = data.connect(data.project_root() / "data" / "sample")

    def refuse(name, expr):
        raise NotImplementedError("Temporary tables are not supported in the Trino backend")

    monkeypatch.setattr(no_temp.con, "_create_cached_table", refuse)
    whole = Period(pd.Timestamp("2025-01-01"), pd.Timestamp("2026-11-15"))
    autumn = Period(pd.Timestamp("2026-10-05"), pd.Timestamp("2026-11-15"))
    results = []
    for shop in (sample, no_temp):
        shipped = service.order_shipments(shop, autumn)
        frames = campaigns.load_frames(shop)
        june = campaigns.get_campaign(frames.campaigns, "618-2026")
        windows = campaigns.campaign_windows(june, frames.data_first, frames.data_last, 56, 14, frames.campaigns)
        results.append([customers.summarize_customers(shop, whole), customers.compare_repurchase(shop, whole),
                        service.summarize_fulfilment(shipped), service.summarize_fulfilment(shipped, "carrier"),
                        service.late_effects(shop, autumn), campaigns.compare_buyers(shop, frames, june, windows)])
    for cached, recomputed in zip(*results, strict=True):
        pd.testing.assert_frame_equal(cached, recomputed, check_exact=False, rtol=1e-12)
    assert results[0][0]["purchases"].sum() > 10_000 and results[0][2]["orders"].iloc[0] > 1_000
    assert results[0][5]["repeat_cohort"].min() > 1_000
    assert not [t for t in no_temp.con.list_tables() if t.startswith("ibis_cache")]
    assert [t for t in sample.con.list_tables() if t.startswith("ibis_cache")]  # the same helpers do cache there


def test_a_kept_table_is_built_once_per_key_and_shop(sample):
    builds = []

    def build(days):
        builds.append(days)
        o = sample.table("orders")
        return o.filter(o.pay_time < pd.Timestamp("2025-01-01") + pd.Timedelta(days=days)).select("order_id")

    first = sample.kept(("test", 10), lambda: build(10))
    again = sample.kept(("test", 10), lambda: build(10))
    other = sample.kept(("test", 40), lambda: build(40))
    assert builds == [10, 40] and first is again
    assert 0 < first.count().execute() < other.count().execute()
    assert data.connect(data.project_root() / "data" / "sample").kept(("test", 10), lambda: build(10)) is not first
    assert builds == [10, 40, 10]  # another shop builds its own


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
    shop = data.connect(tmp_path)

    def ids(period=None):
        return sorted(data.paid_order_lines(shop, period).order_id.execute())

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
    o = data.connect(tmp_path).table("orders")
    known = o.select("order_id", known=data.known_customer(o)).order_by("order_id").execute()
    assert known["known"].tolist() == [True, False, False, False]
