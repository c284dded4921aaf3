"""Reading platform exports: decode, find the header, map the headers, parse every cell.

Text and Excel files are decoded, their header row is found below any title rows, headers
are mapped to contract names through the contract's aliases and values are parsed here, in
Python, because DuckDB cannot decode GBK offline. Nothing is coerced silently: a value that
cannot be read as its column's kind is an error naming the file, the column, the lines and
the fix. Parquet files are read by the engine directly (:mod:`helpers.core.shop`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.core import cache
from helpers.core.contract import TABLES, Column, Table, alias_table
from helpers.core.errors import DataError
from helpers.core.notes import Note

if TYPE_CHECKING:
    import pandas as pd

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xls")
SUFFIXES = (".parquet", *TEXT_SUFFIXES, *EXCEL_SUFFIXES)
MISSING_TOKENS = frozenset({"", "-", "--", "—", "null", "none", "nan", "n/a", "#n/a"})
MAX_EXAMPLES = 5
HEADER_SCAN_ROWS = 30



def decode_bytes(raw: bytes, file: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode an export, trying UTF-8 (with or without BOM) before GB18030.

    UTF-8 must come first: GB18030 decodes UTF-8 bytes into wrong characters
    without raising. GB18030 is a superset of GBK and GB2312.

    Returns
    -------
    (text, encoding name)
    """
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    raise DataError(
        "the file is neither UTF-8 nor GBK/GB18030 text",
        file=file,
        fix="re-export as CSV (UTF-8) or XLSX from the platform.",
    )


def _header_score(cells: list[Any], aliases: dict[str, str]) -> int:
    names = {aliases.get(str(c).strip().lower()) for c in cells if c is not None}
    names.discard(None)
    return len(names)


def find_header_row(rows: list[list[Any]], table: Table) -> int:
    """Index of the header row: the first row that names most of the table's required columns.

    Platform exports put a title and a date range above the header
    (``生意参谋-流量来源``, ``统计日期: 2026-11-01 ~ 2026-11-07``).

    Returns
    -------
    The row index, or ``-(closest + 2)`` when no row qualifies, ``closest``
    being the row that named the most columns (for the error message).
    """
    aliases = alias_table()[table.name]
    required = [c.name for c in table.columns if c.required]
    needed = max(2, (len(required) + 1) // 2)
    best, best_score = 0, -1
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        score = _header_score(row, aliases)
        if score >= needed:
            return i
        if score > best_score:
            best, best_score = i, score
    return -(best + 2)


def is_na(value: Any) -> bool:
    try:
        return value is None or value != value  # NaN is not equal to itself
    except (TypeError, ValueError):
        return False


def _read_raw(path: Path, table: Table) -> tuple[pd.DataFrame, list[str], int, str]:
    """The cells below the header of a text or Excel file, as text, with the header and its row index."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        engine = "calamine" if suffix == ".xls" else "openpyxl"
        try:
            frame = pd.read_excel(path, header=None, dtype=object, engine=engine)
        except Exception as exc:  # corrupt or password-protected workbooks
            raise DataError(f"cannot read the Excel file ({exc})", file=path,
                            fix="open it in Excel/WPS and save a fresh .xlsx copy.") from exc
        head = [[None if is_na(v) else v for v in row] for row in frame.head(HEADER_SCAN_ROWS).itertuples(index=False)]
        header_at = find_header_row(head, table)
        if header_at < 0:
            return frame, head[-header_at - 2] if head else [], header_at, "excel"
        body = frame.iloc[header_at + 1:].reset_index(drop=True)
        body = body.map(_excel_cell_text)
        return body, [str(c).strip() if not is_na(c) else "" for c in head[header_at]], header_at, "excel"
    text, encoding = decode_bytes(path.read_bytes(), path)
    lines = text.split("\n", HEADER_SCAN_ROWS)[:HEADER_SCAN_ROWS]
    delimiter = "\t" if suffix == ".tsv" or (
        sum(line.count("\t") for line in lines) > sum(line.count(",") for line in lines)) else ","
    head = list(csv.reader(io.StringIO("\n".join(lines), newline=""), delimiter=delimiter))
    header_at = find_header_row(head, table)
    if header_at < 0:
        return pd.DataFrame(), head[-header_at - 2] if head else [], header_at, encoding
    header = [c.strip() for c in head[header_at]]
    try:
        body = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, skiprows=header_at + 1, dtype=str,
                           keep_default_na=False, skip_blank_lines=False, engine="c")
    except pd.errors.EmptyDataError:
        body = pd.DataFrame(columns=range(len(header)))
    except pd.errors.ParserError as exc:
        raise DataError(f"rows have more cells than the header ({exc})", file=path,
                        fix="a value probably contains the separator: quote it, or re-export the file.") from exc
    extra = body.columns[len(header):]
    if len(extra):
        surplus = body[extra].apply(lambda c: c.str.strip().ne("")).any(axis=1)
        if surplus.any():
            rows = [header_at + 2 + i for i in surplus[surplus].index[:MAX_EXAMPLES]]
            raise DataError(f"{int(surplus.sum())} rows have more cells than the header", file=path,
                            examples=[f"line {line}" for line in rows],
                            fix="a value probably contains the separator: quote it, or re-export the file.")
        body = body.drop(columns=extra)
    return body, header, header_at, encoding


def _excel_cell_text(value: Any) -> Any:
    if is_na(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores ids and counts as floats
    return str(value)


def read_export(path: str | Path, table_name: str) -> tuple[pd.DataFrame, list[Note]]:
    """Read one export file into a frame with contract columns and parsed values.

    Handles: UTF-8, UTF-8 with BOM and GBK/GB18030 text; comma or tab
    separated; title and date-range rows above the header; Chinese headers
    (through the contract's alias table); numbers such as ``1,234``,
    ``3.52%``, ``¥12.50``, ``1.2万``; ``-`` or empty for missing; order numbers
    wrapped as ``="2839..."`` by Excel-safe exports.

    Parameters
    ----------
    path : file to read (.csv, .tsv, .txt, .xlsx, .xls).
    table_name : contract table the file holds.

    Returns
    -------
    (frame, notes): the frame has every contract column (optional ones filled
    with nulls when absent) plus ``_line``, the 1-based line of the row in the
    file, used in error messages; notes say what was ignored.

    Raises
    ------
    DataError
        naming the file, column, example rows and fix for a missing header,
        missing required column, ambiguous headers or unparseable values.
    """
    import pandas as pd

    path = Path(path)
    table = TABLES[table_name]
    body, header, header_at, encoding = _read_raw(path, table)
    if header_at < 0:
        seen = ", ".join(str(c) for c in header if c not in (None, "")) or "(empty)"
        raise DataError(
            f"no header row naming the {table_name} columns in the first {HEADER_SCAN_ROWS} rows",
            file=path,
            examples=[f"closest row {-header_at - 1}: {seen[:200]}"],
            fix=f"the header must name the columns of `{table_name}` (see docs/data.md), "
            "in contract names or the platform's Chinese headers.",
        )
    aliases = alias_table()[table_name]
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for i, name in enumerate(header):
        target = aliases.get(name.lower())
        if target is None:
            if name:
                ignored.append(name)
            continue
        if target in positions:
            raise DataError(
                f"two headers mean the same contract column {target!r}: "
                f"{header[positions[target]]!r} and {name!r}",
                file=path, column=target,
                fix="delete or rename one of them so the file says which to use.",
            )
        positions[target] = i
    for col in table.columns:
        if col.required and col.name not in positions:
            accepted = ", ".join([col.name, *col.aliases])
            raise DataError(
                f"required column is missing (accepted headers: {accepted})",
                file=path, column=col.name,
                fix=f"add the column or rename its header to one of: {accepted}.",
            )
    body = body.reindex(columns=range(len(header)), fill_value="").fillna("")
    blank = body.apply(lambda c: c.str.strip().eq("")).all(axis=1) if len(body.columns) else pd.Series(True, body.index)
    body = body[~blank]
    lines = pd.Series(body.index + header_at + 2, index=body.index)
    out = {"_line": lines.to_numpy()}
    for col in table.columns:
        raw = body[positions[col.name]] if col.name in positions else pd.Series("", index=body.index)
        out[col.name] = parse_column(raw, col, lines, path).to_numpy()
    notes = []
    if ignored:
        names = ", ".join(ignored[:12]) + (" ..." if len(ignored) > 12 else "")
        notes.append(Note(f"{path.name}：忽略了不属于 `{table_name}` 表的列：{names}",
                          f"{path.name}: ignored columns not in the `{table_name}` contract: {names}", sticky=True))
    if header_at > 0:
        notes.append(Note(f"{path.name}：跳过了表头上方的 {header_at} 行标题（{encoding}）。",
                          f"{path.name}: skipped {header_at} title rows above the header ({encoding}).", sticky=True))
    frame = pd.DataFrame(out)
    return frame[["_line", *table.names]], notes


_NUMBER_MARKS = (",", " ", "\u00a0", "¥", "￥", "$", "元")
_EXCEL_WRAPPED = r'^="?(.*?)"?$'
_SCIENTIFIC = r"^\d(\.\d+)?[eE]\+\d+$"
_DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M",
                 "%Y年%m月%d日", "%Y-%m")
_BOOLS = {"true": True, "t": True, "1": True, "yes": True, "y": True, "是": True,
          "false": False, "f": False, "0": False, "no": False, "n": False, "否": False}


def parse_column(raw: pd.Series, col: Column, lines: pd.Series | list[int], file: Path | str) -> pd.Series:
    """Parse one column's raw text cells to its contract kind, or raise naming the bad cells.

    Missing tokens (empty, ``-``, ``—``, ``null``) become nulls; any other value
    that cannot be read as the column's kind is an error. Nothing is coerced
    silently. Vectorised: a 500,000-line export parses in about a second.

    Parameters
    ----------
    raw : the cells as text (None or "" for empty).
    col : the contract column.
    lines : file line of each cell, for messages.
    file : file name, for messages.
    """
    import pandas as pd

    raw = pd.Series(raw).reset_index(drop=True).fillna("").astype("str")  # Arrow-backed: vectorised
    lines = pd.Series(list(lines))
    text = raw.str.strip()
    missing = text.str.lower().isin(MISSING_TOKENS)
    text = text.mask(missing, None)
    if col.kind in ("date", "datetime"):
        series = pd.to_datetime(text, format="ISO8601", errors="coerce")
        for fmt in _DATE_FORMATS:
            todo = series.isna() & ~missing
            if not todo.any():
                break
            series[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        series = series.astype("datetime64[us]")
        bad = series.isna() & ~missing
        if col.kind == "date":
            bad |= series.notna() & (series != series.dt.normalize())
    elif col.kind in ("int", "float"):
        cleaned = text
        for mark in _NUMBER_MARKS:  # plain replaces stay in Arrow; a regex here falls back to Python
            cleaned = cleaned.str.replace(mark, "", regex=False)
        scale = pd.Series(1.0, index=cleaned.index)
        for suffix, factor in (("%", 0.01), ("万", 1e4), ("亿", 1e8)):
            has = cleaned.str.endswith(suffix, na=False)
            scale[has] = factor
            cleaned = cleaned.mask(has, cleaned.str[:-1])
        numbers = pd.to_numeric(cleaned, errors="coerce") * scale
        bad = numbers.isna() & ~missing
        if col.kind == "int":
            bad |= numbers.notna() & (numbers % 1 != 0)
            series = numbers.mask(bad).round().astype("Int64")
        else:
            series = numbers.astype("float64")
    elif col.kind == "bool":
        series = text.str.lower().map(_BOOLS).astype("boolean")
        bad = series.isna() & ~missing
    else:
        wrapped = text.str.startswith("=", na=False)
        text = text.mask(wrapped, text.str.replace(_EXCEL_WRAPPED, r"\1", regex=True))
        text = text.str.lstrip("'\t").str.strip()
        if col.name.endswith("_id"):
            sci = text.str.match(_SCIENTIFIC, na=False)
            if sci.any():
                idx = sci[sci].index[:MAX_EXAMPLES]
                raise DataError(
                    f"{int(sci.sum())} ids are in scientific notation, so their digits are lost",
                    file=file, column=col.name,
                    examples=[f"line {lines[i]}: {raw[i]!r}" for i in idx],
                    fix="Excel rewrote long ids as numbers: re-export the file from the platform "
                    "and do not save it from Excel, or format the column as text before saving.",
                )
        if col.value_aliases:
            text = text.replace(col.value_aliases)
        series = text.astype("string")
        bad = pd.Series(False, index=text.index)
    if bad.any():
        idx = bad[bad].index[:MAX_EXAMPLES]
        raise DataError(
            f"{int(bad.sum())} values cannot be read as {col.kind}",
            file=file, column=col.name,
            examples=[f"line {lines[i]}: {raw[i]!r}" for i in idx],
            fix=_FIXES[col.kind],
        )
    return series


_FIXES = {
    "int": "use whole numbers (thousands separators are fine); leave the cell empty or '-' if unknown.",
    "float": "use numbers such as 1234.5, 1,234.5, ¥12.50 or 3.5%; leave empty or '-' if unknown.",
    "date": "use dates such as 2026-11-11, 2026/11/11 or 20261111.",
    "datetime": "use times such as 2026-11-11 10:30:00 or 2026/11/11 10:30.",
    "bool": "use true/false, 1/0, yes/no or 是/否.",
    "str": "",
}




def parse_exports(files: list[Path], table_name: str):
    """Parse a table's export files into one Arrow table (contract types plus ``_line``) and notes.

    Parsing text is the slow part of a run (a second for 75,000 order lines), so the result
    is cached (:mod:`helpers.core.cache`); validation still runs on every load.
    """
    import pandas as pd
    import pyarrow as pa

    cached = cache.read_parsed(files, table_name)
    if cached is not None:
        return cached
    frames, notes = [], []
    for path in files:
        frame, file_notes = read_export(path, table_name)
        if len(files) > 1:
            frame.insert(0, "_file", path.name)
        frames.append(frame)
        notes.extend(file_notes)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if len(files) > 1:
        frame["_line"] = frame["_file"] + ":" + frame["_line"].astype(str)
        frame = frame.drop(columns="_file")
    arrow = pa.Table.from_pandas(frame, schema=_arrow_schema(TABLES[table_name], frame), preserve_index=False)
    cache.write_parsed(files, table_name, arrow, notes)
    return arrow, notes


def _arrow_schema(table: Table, frame: pd.DataFrame):
    import pyarrow as pa

    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "date": pa.date32(),
             "datetime": pa.timestamp("us"), "bool": pa.bool_()}
    fields = [pa.field(c.name, types[c.kind]) for c in table.columns]
    line_type = pa.string() if frame["_line"].dtype != "int64" else pa.int64()
    return pa.schema([*fields, pa.field("_line", line_type)])


