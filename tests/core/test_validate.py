"""In-engine validation: bounds, keys, duplicates, padded text; files, Parquet and warehouse alike."""

from __future__ import annotations

import pytest

from helpers.core.errors import DataError
from helpers.core.shop import connect
from tests.core.exports import (
    HEADER_ZH,
    ROWS_ZH,
    orders_frame_from_rows,
    texts,
    write,
)


def test_negative_amount_is_rejected_with_rows(tmp_path):
    rows = [*ROWS_ZH, "283900009,2026-11-04 10:00,2026-11-04 10:01,赵六,1003,-1,20,-20,手淘搜索,交易成功"]
    write(tmp_path / "orders.csv", [HEADER_ZH, *rows])
    with pytest.raises(DataError) as err:
        connect(tmp_path).table("orders")
    message = str(err.value)
    assert "quantity" in message and "283900009" in message and "line 5" in message
    assert "refunds" in message  # the fix says where returns belong


def test_duplicate_key_with_different_values_is_an_error(tmp_path):
    clash = ROWS_ZH[0].replace("¥1200.50", "¥1100.00")
    write(tmp_path / "orders.csv", [HEADER_ZH, *ROWS_ZH, clash])
    with pytest.raises(DataError) as err:
        connect(tmp_path).table("orders")
    assert "order_id, product_id" in str(err.value) and "283900001" in str(err.value)


def test_exact_duplicate_lines_are_removed_and_reported(tmp_path):
    write(tmp_path / "orders.csv", [HEADER_ZH, *ROWS_ZH, ROWS_ZH[1], ROWS_ZH[1]])
    shop = connect(tmp_path)
    assert shop.table("orders").count().execute() == 3
    assert "removed 2 exact duplicate rows" in texts(shop.notes)
    assert "删除了 2 行完全重复的数据" in texts(shop.notes, "zh")


def test_parquet_is_validated_in_the_engine(tmp_path):
    frame = orders_frame_from_rows()
    frame.to_parquet(tmp_path / "orders.parquet")
    assert connect(tmp_path).table("orders").count().execute() == 2
    frame.loc[1, "paid_amount"] = -5.0
    frame.to_parquet(tmp_path / "orders.parquet")
    with pytest.raises(DataError, match="paid_amount.*below 0"):
        connect(tmp_path).table("orders")


def test_padded_text_in_parquet_is_stripped_with_a_note(tmp_path):
    """Ids with spaces around them match their CSV form; the note repeats on a run that reuses the validation."""
    frame = orders_frame_from_rows()
    frame["order_id"] = [" 1", "2\t"]
    frame["customer_id"] = ["a\u3000", " b "]
    frame["source"] = ["手淘搜索 ", "直通车"]
    frame.to_parquet(tmp_path / "orders.parquet")
    for _ in ("first run", "validation recorded"):
        shop = connect(tmp_path)
        got = shop.table("orders").order_by("order_id").execute()
        assert got["order_id"].tolist() == ["1", "2"]
        assert got["customer_id"].tolist() == ["a", "b"]
        assert got["source"].tolist() == ["手淘搜索", "直通车"]
        assert "column `customer_id`: 2 values had spaces around them" in texts(shop.notes)
        assert "`product_id`" not in texts(shop.notes)


def test_rows_that_cannot_be_right_are_all_named_at_once(tmp_path):
    """More buyers than visitors (a 1,277% conversion), money paid for no units, an order dated
    2099 (which moved the default week to 2099): refused together, each with rows and fix."""
    rows = [*ROWS_ZH, "283900009,2099-12-25 10:00,2099-12-25 10:01,赵六,1003,1,20,20,手淘搜索,交易成功",
            "283900010,2026-11-04 10:00,2026-11-04 10:01,钱七,1003,0,20,20,手淘搜索,交易成功"]
    write(tmp_path / "orders.csv", [HEADER_ZH, *rows])
    write(tmp_path / "traffic.csv", ["date,source,source_group,visitors,page_views,bounced_visitors,cart_buyers,"
                                     "order_buyers,paid_buyers,paid_amount",
                                     "2026-11-01,手淘搜索,free_search,10,30,2,3,5,127,900"])
    shop = connect(tmp_path)
    with pytest.raises(DataError) as err:
        shop.table("orders")
    message = str(err.value)
    assert "3 problems" in message and "dates outside from 1990" in message and "283900009" in message
    assert "money paid for no units" in message and "283900010" in message
    assert [p.column for p in err.value.problems] == ["order_time", "pay_time", "quantity, paid_amount"]
    with pytest.raises(DataError, match="paid_buyers above visitors") as err:
        shop.table("traffic")
    assert "paid_buyers=127" in str(err.value) and "visitors=10" in str(err.value)


def test_paid_lines_without_a_pay_time_are_said_not_silently_dropped(tmp_path):
    rows = [ROWS_ZH[0], ROWS_ZH[0].replace("283900001", "283900005").replace("2026/11/01 10:05:00", "")]
    write(tmp_path / "orders.csv", [HEADER_ZH, *rows])
    shop = connect(tmp_path)
    shop.table("orders")
    assert "1 lines marked paid without a pay time: they count in no sales figure" in texts(shop.notes)
    assert "1 条标为已支付的订单行没有付款时间" in texts(shop.notes, "zh")
