"""One grammar per kind of number: what a platform writes is read, what it cannot mean is refused."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.core.contract import TABLES
from helpers.core.errors import DataError
from helpers.core.values import parse_column

PAID = TABLES["orders"].column("paid_amount")  # money
QUANTITY = TABLES["orders"].column("quantity")  # a whole count
VISITORS = TABLES["traffic"].column("visitors")  # a count
CLICK_RATE = TABLES["keywords"].column("click_rate")  # a rate
TRADE_INDEX = TABLES["market"].column("trade_index")  # a plain number
PEER = TABLES["peers"].column("peer_avg")  # rates and yuan
CUSTOMER = TABLES["orders"].column("customer_id")
ORDER_ID = TABLES["orders"].column("order_id")
PAY_TIME = TABLES["orders"].column("pay_time")


def parse(values, col):
    return parse_column(pd.Series(values), col, list(range(2, 2 + len(values))), "orders.csv")


def refused(value, col) -> str:
    with pytest.raises(DataError) as err:
        parse([value], col)
    assert "orders.csv" in str(err.value) and col.name in str(err.value) and "Fix:" in str(err.value)
    return str(err.value)


@pytest.mark.parametrize(("text", "value"), [
    ("1234.5", 1234.5), ("1,234.50", 1234.5), ("¥12.50", 12.5), ("￥1,299.00", 1299.0), ("12.50元", 12.5),
    ("1.2万", 12000.0), ("3亿", 3e8), ("RMB 88", 88.0), ("1 234", 1234.0), ("-", None), ("", None),
])
def test_money_as_platforms_write_it(text, value):
    got = parse([text], PAID).iloc[0]
    assert (pd.isna(got) and value is None) or got == pytest.approx(value)


@pytest.mark.parametrize(("text", "reason"), [
    ("12,5", "groups of three digits"),  # a decimal comma is not 125
    ("1,2,3", "groups of three digits"),  # a list is not 123
    ("3.52%", "percent in a column that is not a rate"),  # not 0.0352 yuan
    ("$12.50", "currency other than yuan"), ("US$3", "currency other than yuan"), ("€9", "currency other than yuan"),
    ("inf", "not a finite number"), ("Infinity", "not a finite number"), ("1e999", "not a finite number"),
    ("12.5.1", "not a number"), ("abc", "not a number"),
])
def test_money_that_cannot_be_read_is_refused_with_the_reason(text, reason):
    message = refused(text, PAID)
    assert reason in message and repr(text) in message


def test_every_bad_cell_of_a_column_is_named_at_once():
    with pytest.raises(DataError) as err:
        parse(["10", "12,5", "$3", "7"], PAID)
    assert "2 values" in str(err.value) and "line 3: '12,5'" in str(err.value) and "line 4: '$3'" in str(err.value)


def test_counts_rates_and_plain_numbers():
    assert parse(["1,234", "1.2万"], VISITORS).tolist() == [1234, 12000]
    assert "not a whole number" in refused("2.5", QUANTITY)
    assert "percent in a column that is not a rate" in refused("5%", VISITORS)
    assert parse(["3.52%", "0.4"], CLICK_RATE).tolist() == pytest.approx([0.0352, 0.4])
    assert "万 in a rate" in refused("1万", CLICK_RATE)
    assert "yuan amount in a column that is not money" in refused("¥3", CLICK_RATE)
    assert parse(["1.5万", "820"], TRADE_INDEX).tolist() == [15000.0, 820.0]
    assert parse(["2.79%", "¥6.37"], PEER).tolist() == pytest.approx([0.0279, 6.37])


def test_a_buyer_called_none_is_a_buyer():
    got = parse(["Nan", "None", "NULL", "", "-", "张三"], CUSTOMER)
    assert got.tolist()[:3] == ["Nan", "None", "NULL"] and got.iloc[3:5].isna().all() and got.iloc[5] == "张三"
    assert math.isnan(parse(["nan"], PAID).iloc[0]), "in a number column NaN is missing"


def test_ids_protected_from_excel_keep_their_text_and_formulas_stay_inert():
    got = parse(['="000123"', "'000456", "\t789", "'=HYPERLINK(\"x\")", "=1+2"], ORDER_ID).tolist()
    assert got[:3] == ["000123", "000456", "789"]
    assert got[3] == "'=HYPERLINK(\"x\")", "an escaped formula is not un-escaped into a formula"
    assert got[4] == "=1+2", "a bare formula is text: the safe writers neutralise it on the way out"


def test_times_with_an_offset_become_the_shops_local_time():
    got = parse(["2026-11-11T00:30:00+08:00", "2026-11-10T16:30:00Z", "2026-11-11 00:30:00"], PAY_TIME)
    assert got.tolist() == [pd.Timestamp("2026-11-11 00:30:00")] * 3
    assert "not a date or time" in refused("2026-13-45 10:00", PAY_TIME)
