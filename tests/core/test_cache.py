"""The parse cache: parsed exports and their validation kept until the files change."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from helpers import settings
from helpers.core import validate
from helpers.core.cache import cache_dir
from helpers.core.errors import DataError
from helpers.core.shop import connect
from tests.core.exports import (
    HEADER_ZH,
    ROWS_ZH,
    orders_frame,
    texts,
    write,
)


def test_parsed_exports_are_cached_and_refreshed_when_the_file_changes(tmp_path, monkeypatch):

    cache = tmp_path / "cache"
    monkeypatch.setenv("WORKBOOK_CACHE_DIR", str(cache))
    settings.reload()
    path = write(tmp_path / "d" / "orders.csv", ["title", HEADER_ZH, *ROWS_ZH[:2]])
    first = orders_frame(tmp_path / "d")
    assert len(list(cache.glob("*.parquet"))) == 1
    shop = connect(tmp_path / "d")
    pd.testing.assert_frame_equal(shop.table("orders").order_by("order_id").execute(), first)
    assert "skipped 1 title rows" in texts(shop.notes), "notes come back with a cache hit"
    assert "跳过了表头上方的 1 行标题" in texts(shop.notes, "zh")
    write(path, ["title", HEADER_ZH, *ROWS_ZH])
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert len(orders_frame(tmp_path / "d")) == 3
    for entry in cache.glob("*.parquet"):
        entry.write_bytes(b"damaged")
    assert len(orders_frame(tmp_path / "d")) == 3, "a damaged cache entry is parsed again"
    monkeypatch.setenv("WORKBOOK_CACHE_DIR", "off")
    settings.reload()
    assert cache_dir() is None and len(orders_frame(tmp_path / "d")) == 3


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_files_that_passed_are_not_checked_again_until_they_change(tmp_path, monkeypatch, fmt):
    # every notebook of a batch loads the same files: the seconds of checks run once per file version
    write(tmp_path / "orders.csv", [HEADER_ZH, *ROWS_ZH, ROWS_ZH[1], ROWS_ZH[1]])
    if fmt == "parquet":
        frame = connect(tmp_path).table("orders").execute()
        (tmp_path / "orders.csv").unlink()
        pd.concat([frame, frame.iloc[[1, 1]]]).to_parquet(tmp_path / "orders.parquet")
    first = connect(tmp_path)
    rows = first.table("orders").count().execute()
    assert rows == 3 and "exact duplicate rows" in texts(first.notes)

    def checked_again(*args, **kwargs):
        raise AssertionError("the duplicate-key check ran again on unchanged files")

    monkeypatch.setattr(validate, "_check_duplicate_keys", checked_again)
    second = connect(tmp_path)
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
        connect(tmp_path).table("orders")


def test_an_edit_that_keeps_size_and_time_is_not_served_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_CACHE_DIR", str(tmp_path / "cache"))
    settings.reload()
    path = write(tmp_path / "d" / "orders.csv", [HEADER_ZH, *ROWS_ZH])
    stat = path.stat()
    assert orders_frame(tmp_path / "d")["paid_amount"].tolist()[0] == 1200.5
    text = path.read_bytes().replace("¥1200.50".encode(), "¥1300.50".encode())  # same length
    path.write_bytes(text)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert orders_frame(tmp_path / "d")["paid_amount"].tolist()[0] == 1300.5
