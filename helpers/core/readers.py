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
from helpers.core.contract import TABLES, Table, alias_table
from helpers.core.errors import DataError
from helpers.core.notes import Note
from helpers.core.values import parse_column

if TYPE_CHECKING:
    import pandas as pd

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xls")
SUFFIXES = (".parquet", *TEXT_SUFFIXES, *EXCEL_SUFFIXES)
MAX_EXAMPLES = 5
HEADER_SCAN_ROWS = 30



CHUNK_ROWS = 200_000  # rows parsed at a time: a file of any size is read in bounded memory
MAX_EXCEL_BYTES = 200 * 2**20  # openpyxl holds a whole workbook in memory


def detect_encoding(path: Path) -> str:
    """The encoding of a text export: UTF-8 (with or without BOM), GB18030 (GBK, GB2312) or Big5.

    The whole file is checked, a megabyte at a time. UTF-8 must come first: GB18030 decodes
    UTF-8 bytes into wrong characters without raising. Big5 (traditional Chinese exports)
    also decodes as GB18030 without an error, into kana, Greek, box drawing and rare
    characters: a file whose GB18030 reading is full of those, and which is valid Big5, is
    read as Big5.

    Raises
    ------
    DataError
        when the file is none of them.
    """
    for encoding in ("utf-8-sig", "gb18030"):
        if _decodes(path, encoding):
            if encoding == "gb18030" and _looks_big5(path):
                return "big5"
            return encoding
    if _decodes(path, "big5"):
        return "big5"
    raise DataError("the file is neither UTF-8 nor GBK/GB18030 nor Big5 text", file=path,
                    fix="re-export as CSV (UTF-8) or XLSX from the platform.")


def _decodes(path: Path, encoding: str) -> bool:
    import codecs

    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _looks_big5(path: Path) -> bool:
    with path.open("rb") as fh:
        sample = fh.read(1 << 16)
    try:
        as_gb = sample.decode("gb18030", errors="ignore")
        sample.decode("big5", errors="strict")
    except UnicodeDecodeError:
        return False
    wide = [ch for ch in as_gb if ord(ch) > 0x2E7F]
    # kana, Greek, Cyrillic, box drawing and the rare hanzi of GBK's extensions: what Big5's
    # common characters turn into when read as GB18030
    odd = sum(1 for ch in wide if 0x3040 <= ord(ch) <= 0x30FF or ch.encode("gb2312", errors="ignore") == b"")
    return len(wide) >= 20 and odd > 0.3 * len(wide)


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


def _read_raw(path: Path, table: Table):
    """The header of an export, its row index, the encoding, and an iterator of the cells below
    it as text, in chunks of :data:`CHUNK_ROWS` rows (one chunk for Excel)."""
    head, header_at, encoding, chunks = read_cells(path, lambda rows: find_header_row(rows, table))
    if header_at < 0:
        return (head[-header_at - 2] if head else []), header_at, encoding, chunks
    return [_header_text(c) for c in head[header_at]], header_at, encoding, chunks


def _header_text(cell: Any) -> str:
    return "" if is_na(cell) else str(cell).strip()


def read_cells(path: Path, find_header):
    """The first rows of an export (:data:`HEADER_SCAN_ROWS`), the index of its header row as
    ``find_header(rows)`` gives it (negative: none), the encoding, and an iterator of the cells
    below the header as text, in chunks (one chunk for Excel; none without a header)."""
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _read_excel(path, find_header)
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as fh:
        lines = [line.rstrip("\r\n") for _, line in zip(range(HEADER_SCAN_ROWS), fh, strict=False)]
    delimiter = "\t" if path.suffix.lower() == ".tsv" or (
        sum(line.count("\t") for line in lines) > sum(line.count(",") for line in lines)) else ","
    head = list(csv.reader(io.StringIO("\n".join(lines), newline=""), delimiter=delimiter))
    header_at = find_header(head)
    name = "utf-8" if encoding == "utf-8-sig" else encoding
    if header_at < 0:
        return head, header_at, name, iter(())
    return head, header_at, name, _text_chunks(path, encoding, delimiter, header_at, len(head[header_at]))


def _text_chunks(path: Path, encoding: str, delimiter: str, header_at: int, width: int):
    import pandas as pd

    fix = "a value probably contains the separator or a quote (\"): quote it properly, or re-export the file."
    try:
        reader = pd.read_csv(path, encoding=encoding, sep=delimiter, header=None, skiprows=header_at + 1,
                             dtype=str, keep_default_na=False, skip_blank_lines=False, engine="c",
                             chunksize=CHUNK_ROWS, names=None)
        for body in reader:
            body = _check_row_width(body, path, header_at, width, fix)
            _check_swallowed_lines(body, path, header_at, width, delimiter)
            yield body
    except pd.errors.EmptyDataError:
        return
    except pd.errors.ParserError as exc:
        problem = ("a quote (\") is never closed" if "EOF inside string" in str(exc) else
                   "rows have more cells than the header" if "Expected" in str(exc) else "rows do not parse")
        raise DataError(f"{problem} ({' '.join(str(exc).split())})", file=path, fix=fix) from exc


def _check_row_width(body, path: Path, header_at: int, width: int, fix: str):
    extra = body.columns[width:]
    if len(extra):
        surplus = body[extra].apply(lambda c: c.fillna("").str.strip().ne("")).any(axis=1)
        if surplus.any():
            rows = [header_at + 2 + i for i in surplus[surplus].index[:MAX_EXAMPLES]]
            raise DataError(f"{int(surplus.sum())} rows have more cells than the header", file=path,
                            examples=[f"line {line}" for line in rows], fix=fix)
        body = body.drop(columns=extra)
    return body


def _check_swallowed_lines(body, path: Path, header_at: int, width: int, delimiter: str) -> None:
    """A quote opened and never closed makes the next lines one cell: rows vanish without an
    error. A cell holding whole rows (a line with as many separators as a row) is that."""
    if width < 2:
        return
    for column in body.columns:
        cells = body[column].fillna("")
        multi = cells.str.contains("\n", regex=False)
        if not multi.any():
            continue
        rowlike = cells[multi].map(lambda cell: sum(line.count(delimiter) >= width - 1
                                                    for line in cell.split("\n")[1:]))
        swallowed = rowlike[rowlike > 0]
        if len(swallowed):
            first = swallowed.index[0]
            raise DataError(
                f"an unclosed quote (\") makes {int(swallowed.sum())} following lines part of one cell, so their "
                "rows would be lost", file=path,
                examples=[f"line {header_at + 2 + first} (the cell starts {cells[first][:60]!r})"],
                fix="close the quote in that cell, or remove it; re-export the file if it came like this.")


def _read_excel(path: Path, find_header):
    import pandas as pd

    if path.stat().st_size > MAX_EXCEL_BYTES:
        raise DataError(f"the Excel file is {path.stat().st_size / 2**20:,.0f} MB: too large to read whole",
                        file=path, fix="export it as CSV (read in parts) or Parquet, or split it by month "
                        "into a folder named after its table.")
    try:
        if path.suffix.lower() == ".xls":
            frame = pd.read_excel(path, header=None, dtype=object, engine="calamine")
        else:
            frame = _xlsx_cells(path)
    except Exception as exc:  # corrupt or password-protected workbooks
        raise DataError(f"cannot read the Excel file ({exc})", file=path,
                        fix="open it in Excel/WPS and save a fresh .xlsx copy.") from exc
    head = [[None if is_na(v) else v for v in row] for row in frame.head(HEADER_SCAN_ROWS).itertuples(index=False)]
    header_at = find_header(head)
    if header_at < 0:
        return head, header_at, "excel", iter(())
    body = frame.iloc[header_at + 1:].reset_index(drop=True).map(_excel_cell_text)
    return head, header_at, "excel", iter([body])


def _xlsx_cells(path: Path):
    """The first sheet's cells, each as its value or, for a number shown with leading zeros (a
    cell format such as ``000000``: an id typed as a number), as the text Excel shows."""
    import openpyxl
    import pandas as pd

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        rows = [[_shown(cell) for cell in row] for row in sheet.iter_rows()]
    finally:
        book.close()
    return pd.DataFrame(rows, dtype=object)


def _shown(cell: Any) -> Any:
    value = getattr(cell, "value", None)
    fmt = getattr(cell, "number_format", "") or ""
    if isinstance(value, int | float) and not isinstance(value, bool) and fmt and set(fmt) == {"0"}:
        if float(value).is_integer():
            return str(int(value)).zfill(len(fmt))
    return value


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
    (frame, notes): the frame has the contract columns the file has (optional
    ones it lacks are filled by :func:`helpers.core.validate.validate_table`)
    plus ``_line``, the 1-based line of the row in the file, used in error
    messages; notes say what was ignored.

    Raises
    ------
    DataError
        naming the file, column, example rows and fix for a missing header,
        missing required column, ambiguous headers or unparseable values.
    """
    import pandas as pd

    path = Path(path)
    table = TABLES[table_name]
    header, header_at, encoding, chunks = _read_raw(path, table)
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
    problems: list[DataError] = []
    for i, name in enumerate(header):
        target = aliases.get(name.lower())
        if target is None:
            if name:
                ignored.append(name)
            continue
        if target in positions:
            problems.append(DataError(
                f"two headers mean the same contract column {target!r}: {header[positions[target]]!r} and {name!r}",
                file=path, column=target, fix="delete or rename one of them so the file says which to use."))
            continue
        positions[target] = i
    for col in table.columns:
        if col.required and col.name not in positions:
            accepted = ", ".join([col.name, *col.aliases])
            problems.append(DataError(f"required column is missing (accepted headers: {accepted})", file=path,
                                      column=col.name,
                                      fix=f"add the column or rename its header to one of: {accepted}."))
    if problems:  # the values of the columns that are there are checked too: every problem at once
        try:
            for body in chunks:
                _parse_chunk(body, table, positions, len(header), header_at, path)
        except DataError as exc:
            problems += exc.problems
        raise DataError.several(problems, path)
    parts = [_parse_chunk(body, table, positions, len(header), header_at, path) for body in chunks]
    frame = pd.concat(parts, ignore_index=True) if parts else _parse_chunk(
        pd.DataFrame(columns=range(len(header))), table, positions, len(header), header_at, path)
    notes = []
    if ignored:
        names = ", ".join(ignored[:12]) + (" ..." if len(ignored) > 12 else "")
        notes.append(Note(f"{path.name}：忽略了不属于 `{table_name}` 表的列：{names}",
                          f"{path.name}: ignored columns not in the `{table_name}` contract: {names}", sticky=True))
    if header_at > 0:
        notes.append(Note(f"{path.name}：跳过了表头上方的 {header_at} 行标题（{encoding}）。",
                          f"{path.name}: skipped {header_at} title rows above the header ({encoding}).", sticky=True))
    return frame[["_line", *[n for n in table.names if n in frame]]], notes


def _parse_chunk(body, table: Table, positions: dict[str, int], width: int, header_at: int, path: Path):
    """One chunk of cells as contract columns of parsed values, with each row's file line."""
    import pandas as pd

    body = body.reindex(columns=range(width), fill_value="").fillna("")
    blank = body.apply(lambda c: c.str.strip().eq("")).all(axis=1) if len(body.columns) else pd.Series(True, body.index)
    body = body[~blank]
    lines = pd.Series(body.index + header_at + 2, index=body.index)
    out = {"_line": lines.to_numpy(dtype="int64")}
    problems = []
    for col in table.columns:
        if col.name not in positions:
            continue  # validation fills it (an optional column's default or empty)
        raw = body[positions[col.name]]
        try:
            out[col.name] = parse_column(raw, col, lines, path).to_numpy()
        except DataError as exc:  # every column's problems at once
            problems.append(exc)
    if problems:
        raise DataError.several(problems, path)
    return pd.DataFrame(out)






def parse_exports(files: list[Path], table_name: str):
    """Parse a table's export files into one Arrow table (contract types plus ``_line``) and notes.

    Parsing text is the slow part of a run (a second for 75,000 order lines), so the result
    is cached (:mod:`helpers.core.cache`); validation still runs on every load. Platform
    exports go through :func:`helpers.core.platforms.read.parse_platform_exports` instead.
    """
    import pandas as pd

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
    arrow = to_arrow(frame, table_name)
    cache.write_parsed(files, table_name, arrow, notes)
    return arrow, notes


def to_arrow(frame: pd.DataFrame, table_name: str):
    """A parsed frame as an Arrow table with the contract's types (and ``_line``)."""
    import pyarrow as pa

    return pa.Table.from_pandas(frame, schema=_arrow_schema(TABLES[table_name], frame), preserve_index=False)


def _arrow_schema(table: Table, frame: pd.DataFrame):
    import pyarrow as pa

    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "date": pa.date32(),
             "datetime": pa.timestamp("us"), "bool": pa.bool_()}
    fields = [pa.field(c.name, types[c.kind]) for c in table.columns if c.name in frame]
    line_type = pa.string() if frame["_line"].dtype != "int64" else pa.int64()
    return pa.schema([*fields, pa.field("_line", line_type)])


