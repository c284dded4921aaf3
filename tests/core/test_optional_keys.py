"""An optional key column (the inventory's warehouse) is never empty: a file without it counts
every row in the default warehouse; a file with it must fill every cell."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.core.errors import DataError
from helpers.core.shop import connect


def test_inventory_without_a_warehouse_column_counts_every_row_in_the_default_warehouse(tmp_path):
    pd.DataFrame({"日期": ["2026-01-05", "2026-01-05"], "商品ID": ["p", "q"], "库存": [3, 0]}).to_csv(
        tmp_path / "inventory.csv", index=False)
    got = connect(tmp_path).table("inventory").execute()
    assert got["warehouse"].tolist() == ["全部", "全部"]
    assert got["stock"].tolist() == [3, 0]


def test_a_parquet_inventory_without_a_warehouse_column_gets_the_default_too(tmp_path):
    pd.DataFrame({"date": pd.to_datetime(["2026-01-05"]).date, "product_id": ["p"], "stock": [3]}).to_parquet(
        tmp_path / "inventory.parquet")
    assert connect(tmp_path).table("inventory").execute()["warehouse"].tolist() == ["全部"]


def test_an_empty_warehouse_cell_is_an_error_naming_file_column_rows_and_fix(tmp_path):
    pd.DataFrame({"日期": ["2026-01-05"] * 3, "仓库": ["杭州仓", "", "广州仓"], "商品ID": ["p", "p", "q"],
                  "库存": [3, 4, 5]}).to_csv(tmp_path / "inventory.csv", index=False)
    with pytest.raises(DataError) as err:
        connect(tmp_path).table("inventory")
    message = str(err.value)
    assert "inventory.csv" in message and "warehouse" in message
    assert "line 3" in message and "line 2" not in message and "line 4" not in message
    assert "part of the key" in message and "全部" in message  # the fix: fill it, or drop the column
