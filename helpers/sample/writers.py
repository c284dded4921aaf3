"""File writers: contract tables as CSV (UTF-8 without BOM, fixed decimals) or Parquet (zstd).

Both formats round floats the same way (:data:`DECIMALS`), so they hold the same values, and
nothing depends on the clock, so the bytes are identical between runs. Also the Arrow helpers
that turn the simulators' index arrays into typed columns (labels, timestamps, customer ids).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from helpers.core.contract import TABLES

# Decimals of float columns in the files (yuan columns default to 2).
DECIMALS = {
    ("campaigns", "discount_rate"): 2,
    ("market", "units"): 0,
    ("market", "trade_index"): 1,
    ("market", "traffic_index"): 1,
    ("market", "rating"): 2,
    ("keywords", "search_popularity"): 0,
    ("keywords", "click_rate"): 4,
    ("keywords", "conversion_rate"): 4,
    ("candidates", "search_demand"): 0,
    ("candidates", "rating"): 2,
    ("peers", "peer_avg"): 4,
    ("peers", "peer_excellent"): 4,
    ("service", "first_response_seconds"): 0,
    ("dsr", "description"): 4,
    ("dsr", "service"): 4,
    ("dsr", "logistics"): 4,
    ("dsr", "peer_description"): 4,
    ("dsr", "peer_service"): 4,
    ("dsr", "peer_logistics"): 4,
    ("costs", "commission_rate"): 4,
    ("costs", "payment_fee_rate"): 4,
    ("costs", "unsellable_share"): 4,
    ("costs", "unit_weight_kg"): 3,
    ("ad_keywords", "quality_score"): 0,
    ("ad_keywords", "avg_rank"): 1,
    ("live_sessions", "duration_min"): 0,
    ("live_sessions", "avg_watch_seconds"): 0,
}
ARROW_TYPES = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(),
               "date": pa.date32(), "datetime": pa.timestamp("s"), "bool": pa.bool_()}


def _decimals(table: str, column: str) -> int:
    """Decimals a float column is rounded to in the files."""
    return DECIMALS.get((table, column), 2)


def _fixed_point_text(values: pa.Array, decimals: int) -> pa.Array:
    """Non-negative floats as fixed-point text (``12.50``); nulls stay null."""
    x = values.to_numpy(zero_copy_only=False).astype(float)
    valid = ~np.isnan(x)
    scaled = np.rint(np.where(valid, x, 0.0) * 10**decimals).astype(np.int64)
    text = pa.array(scaled // 10**decimals).cast(pa.string())
    if decimals:
        frac = pc.utf8_lpad(pa.array(scaled % 10**decimals).cast(pa.string()), decimals, "0")
        text = pc.binary_join_element_wise(text, frac, ".")
    return pc.if_else(pa.array(valid), text, pa.scalar(None, pa.string()))


def _csv_text(table: str, column: str, kind: str, values: pa.Array) -> pa.Array:
    """One typed column rendered as CSV text per the file conventions."""
    if kind == "str":
        return values
    if kind == "float":
        return _fixed_point_text(values, _decimals(table, column))
    if kind == "datetime":
        return pc.strftime(values, format="%Y-%m-%d %H:%M:%S")
    if kind == "bool":
        return pc.if_else(values, "true", "false")
    return values.cast(pa.string())  # int, date (ISO)


class _TableWriter:
    """Writes one contract table in chunks, as CSV (UTF-8, no BOM) or Parquet."""

    def __init__(self, out_dir: Path, name: str, fmt: str) -> None:
        self.name = name
        # a column with a default (the inventory's warehouse) is left out: the sample shop has one
        # warehouse, and loading fills the default as for any shop whose exports lack the column
        self.columns = tuple(c for c in TABLES[name].columns if c.default is None)
        self.schema = pa.schema([(c.name, ARROW_TYPES[c.kind]) for c in self.columns])
        self.path = out_dir / f"{name}.{fmt}"
        self.fmt = fmt
        self.rows = 0
        if fmt == "csv":
            self._fh = open(self.path, "wb")  # closed in close()
            self._fh.write((",".join(c.name for c in self.columns) + "\n").encode("utf-8"))
        else:
            # Parquet stores no write time; with fixed options the bytes are identical
            # between runs (created_by only carries the pyarrow version).
            self._pq = pq.ParquetWriter(self.path, self.schema, compression="zstd",
                                        compression_level=3, write_page_index=False)

    def write(self, data: dict[str, pa.Array]) -> None:
        """Append rows given as typed arrays keyed by contract column name."""
        if set(data) != {c.name for c in self.columns}:
            raise ValueError(f"{self.name}: columns differ from the contract")
        arrays = []
        for col in self.columns:
            arr = data[col.name]
            arr = (arr if isinstance(arr, pa.Array) else pa.array(arr)).cast(ARROW_TYPES[col.kind])
            if col.kind == "float":  # the same rounding in both formats
                x = arr.to_numpy(zero_copy_only=False).astype(float)
                dec = _decimals(self.name, col.name)
                arr = pa.array(np.round(x, dec), mask=np.isnan(x), type=pa.float64())
            arrays.append(arr)
        if not arrays or len(arrays[0]) == 0:
            return
        typed = pa.Table.from_arrays(arrays, schema=self.schema)
        self.rows += typed.num_rows
        if self.fmt == "parquet":
            self._pq.write_table(typed)
            return
        text = pa.Table.from_arrays(
            [_csv_text(self.name, c.name, c.kind, typed.column(c.name).combine_chunks())
             for c in self.columns], names=[c.name for c in self.columns])
        # quoting_style="none" raises if a value ever contains a separator or quote.
        pacsv.write_csv(text, self._fh,
                        pacsv.WriteOptions(include_header=False, quoting_style="none"))

    def close(self) -> int:
        """Finish the file and return the number of rows written."""
        if self.fmt == "csv":
            self._fh.close()
        else:
            self._pq.close()
        return self.rows


def _write_table(out_dir: Path, name: str, fmt: str, data: dict) -> int:
    """Write a whole (small) table at once; returns the row count."""
    writer = _TableWriter(out_dir, name, fmt)
    writer.write(data)
    return writer.close()


def _take(names: list[str] | tuple[str, ...], idx: np.ndarray) -> pa.Array:
    """Strings by index; index -1 gives null."""
    idx = np.asarray(idx, dtype=np.int64)
    return pa.array(list(names), pa.string()).take(pa.array(idx, mask=idx < 0))


def _timestamps(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Epoch seconds as a timestamp array (null where not valid)."""
    mask = None if valid is None else ~valid
    return pa.array(seconds, pa.int64(), mask=mask).cast(pa.timestamp("s"))


def _customer_ids(idx: np.ndarray) -> pa.Array:
    """Customer indices as ids like ``c00001234``."""
    digits = pa.array(np.asarray(idx, dtype=np.int64) + 1).cast(pa.string())
    return pc.binary_join_element_wise("c", pc.utf8_lpad(digits, 8, "0"), "")
