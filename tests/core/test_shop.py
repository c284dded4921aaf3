"""The shop: connecting to folders, warehouses and open engines; DuckDB settings; kept tables."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from helpers import settings
from helpers.core.errors import DataError
from helpers.core.shop import (
    connect,
    connect_backend,
    default_memory_limit,
    fill_zero,
    project_root,
)
from tests.core.exports import (
    HEADER_ZH,
    ROWS_ZH,
    orders_frame_from_rows,
    write,
)


def test_missing_optional_table_is_reported_not_raised(tmp_path):
    write(tmp_path / "orders.csv", [HEADER_ZH, *ROWS_ZH])
    shop = connect(tmp_path)
    assert shop.has("orders") and not shop.has("traffic")
    assert "traffic" in shop.missing_message("traffic", "en") and "traffic.csv" in shop.missing_message("traffic", "zh")
    with pytest.raises(DataError, match="table `traffic` not found"):
        shop.table("traffic")


def test_connect_errors_and_warehouse_url(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBOOK_DB_URL", raising=False)
    settings.reload()
    with pytest.raises(DataError, match="WORKBOOK_DB_URL is not set"):
        connect("")
    with pytest.raises(DataError, match="data folder not found"):
        connect(tmp_path / "nope")
    with pytest.raises(DataError, match="no contract tables"):
        connect(tmp_path)
    import duckdb

    db = tmp_path / "shop.duckdb"
    with duckdb.connect(str(db)) as con:
        con.register("frame", orders_frame_from_rows())
        con.execute("CREATE TABLE orders AS SELECT * FROM frame")
    monkeypatch.setenv("WORKBOOK_DB_URL", f"duckdb://{db}")
    settings.reload()
    shop = connect("")
    assert shop.available == ["orders"]
    assert shop.table("orders").paid_amount.sum().execute() == pytest.approx(9.5)


def test_connect_backend_finds_contract_tables_on_an_open_connection():
    import ibis

    con = ibis.duckdb.connect()
    frame = orders_frame_from_rows().astype({"campaign_id": "string"})
    con.create_table("ORDERS", frame)  # table names match in any letter case
    con.create_table("unrelated", pd.DataFrame({"x": [1]}))
    shop = connect_backend(con)
    assert shop.available == ["orders"] and shop.origin == "duckdb connection"
    assert shop.table("orders").paid_amount.sum().execute() == pytest.approx(9.5)
    assert connect_backend(con, origin="warehouse").origin == "warehouse"


def test_fill_zero_reads_null_sums_from_any_engine_as_zero():
    # a SUM over no rows is NULL: None on DuckDB, NaN on Spark
    assert [fill_zero(v) for v in (None, float("nan"), pd.NA, 3, 2.5)] == [0.0, 0.0, 0.0, 3.0, 2.5]


def test_duckdb_settings_come_from_the_environment(monkeypatch, tmp_path):
    # a shop larger than memory spills to disk under a cap instead of taking the machine
    (tmp_path / "products.csv").write_text("product_id,title,category,unit_cost,list_price\np1,t,c,1,2\n")
    monkeypatch.setenv("WORKBOOK_DUCKDB_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("WORKBOOK_DUCKDB_THREADS", "1")
    monkeypatch.setenv("WORKBOOK_DUCKDB_TEMP_DIR", str(tmp_path / "spill"))
    settings.reload()
    shop = connect(tmp_path)
    limit, threads, temp = shop.con.raw_sql(
        "select current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
    ).fetchone()
    assert (limit, threads, temp) == ("953.6 MiB", 1, str(tmp_path / "spill"))


def test_duckdb_takes_half_the_memory_unless_told(monkeypatch, tmp_path):
    # the kernel also holds the analysis' pandas frames: DuckDB's own default (80%) leaves them too little
    (tmp_path / "products.csv").write_text("product_id,title,category,unit_cost,list_price\np1,t,c,1,2\n")
    monkeypatch.delenv("WORKBOOK_DUCKDB_MEMORY_LIMIT", raising=False)
    settings.reload()
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limit = connect(tmp_path).con.raw_sql("select current_setting('memory_limit')").fetchone()[0]
    number, unit = limit.split()
    assert unit == "GiB" and float(number) == pytest.approx(total / 2 / 2**30, abs=0.1)
    assert default_memory_limit(2) == f"{int(total / 4) // 2**20}MiB"  # parallel runs split it


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
    assert connect(project_root() / "data" / "sample").kept(("test", 10), lambda: build(10)) is not first
    assert builds == [10, 40, 10]  # another shop builds its own


def test_a_truncated_parquet_file_is_a_clear_error(tmp_path):
    orders_frame_from_rows().to_parquet(tmp_path / "orders.parquet")
    data = (tmp_path / "orders.parquet").read_bytes()
    (tmp_path / "orders.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="cannot read the Parquet file") as err:
        connect(tmp_path).table("orders")
    assert "orders.parquet" in str(err.value) and "write it again" in str(err.value)


@pytest.mark.parametrize("url", ["postgres://bob:s3cret@db.invalid:5432/shop", "clickhouse://bob:s3cret@db.invalid/x"])
def test_a_warehouse_whose_engine_is_missing_or_unreachable_is_named_without_its_password(monkeypatch, url):
    monkeypatch.setenv("WORKBOOK_DB_URL", url)
    settings.reload()
    with pytest.raises(DataError) as err:
        connect("")
    assert "s3cret" not in str(err.value) and "***@db.invalid" in str(err.value)
    assert "not installed" in str(err.value) or "cannot connect" in str(err.value)


def test_a_table_with_a_header_and_no_rows(tmp_path, capsys):
    from helpers.runner.cli import main as cli_main

    write(tmp_path / "orders.csv", [HEADER_ZH])
    assert connect(tmp_path).table("orders").count().execute() == 0
    assert cli_main(["check", str(tmp_path)]) == 0
    assert "orders              0 rows  - .. -" in capsys.readouterr().out
