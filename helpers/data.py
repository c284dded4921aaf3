"""Connect to a shop's data and load its tables, validated against the contract.

Data flows one way: files or a warehouse -> this module (Ibis on DuckDB by
default) -> area helpers, which reduce inside the engine and return small
pandas frames -> notebooks.

A data folder holds one file per table, named after the table
(``orders.csv``, ``traffic.xlsx``, ``orders.parquet``), or a sub-folder per
table whose files are stacked (``orders/2026-01.csv``, ``orders/2026-02.csv``:
monthly exports). Text and Excel files are platform exports: they are decoded,
their header row is found, headers are mapped to contract names and values are
parsed here, in Python, because DuckDB cannot decode GBK offline. Parquet files
are read by DuckDB directly (out of core) and must already use contract names.

A warehouse is reached through the URL in the environment variable
``WORKBOOK_DB_URL`` (any Ibis backend URL, e.g. ``postgres://...``,
``trino://...``); credentials never pass through notebook parameters. Any other
open Ibis connection, a Spark session for one, becomes a shop through
:func:`connect_backend` (docs/backends.md).

Every table, whatever its source, goes through the same in-engine validation
(:func:`validate_table`): required columns, empty cells, value bounds, allowed
values, duplicate keys. Errors name the file, the column, example rows and the
fix. Repairs (exact duplicate lines) are reported in :attr:`Shop.notes`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.core.contract import TABLES, Column, Table, alias_table

# ibis 12 reads a pandas option that pandas 3 deprecates; users cannot act on it, so keep reports clean.
warnings.filterwarnings("ignore", message=".*future.infer_string.*", module=r"ibis\..*")
warnings.filterwarnings("ignore", message="fetch_arrow_table", category=DeprecationWarning)

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

DB_URL_ENV = "WORKBOOK_DB_URL"
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xls")
SUFFIXES = (".parquet", *TEXT_SUFFIXES, *EXCEL_SUFFIXES)
MISSING_TOKENS = frozenset({"", "-", "--", "—", "null", "none", "nan", "n/a", "#n/a"})
MAX_EXAMPLES = 5
HEADER_SCAN_ROWS = 30


class DataError(ValueError):
    """Bad input: says which file, which column, which rows, and what to do."""

    def __init__(self, problem: str, *, file: str | Path | None = None, column: str | None = None,
                 examples: list[str] | None = None, fix: str | None = None):
        self.file = str(file) if file is not None else None
        self.column = column
        self.examples = examples or []
        self.fix = fix
        parts = []
        if self.file:
            parts.append(f"{self.file}:")
        if column:
            parts.append(f"column {column!r}:")
        parts.append(problem)
        message = " ".join(parts)
        if self.examples:
            message += "\n  e.g. " + "\n       ".join(self.examples)
        if fix:
            message += f"\n  Fix: {fix}"
        super().__init__(message)


# ---------------------------------------------------------------------------
# Reading platform exports (text and Excel)
# ---------------------------------------------------------------------------


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


def _is_na(value: Any) -> bool:
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
        head = [[None if _is_na(v) else v for v in row] for row in frame.head(HEADER_SCAN_ROWS).itertuples(index=False)]
        header_at = find_header_row(head, table)
        if header_at < 0:
            return frame, head[-header_at - 2] if head else [], header_at, "excel"
        body = frame.iloc[header_at + 1:].reset_index(drop=True)
        body = body.map(_excel_cell_text)
        return body, [str(c).strip() if not _is_na(c) else "" for c in head[header_at]], header_at, "excel"
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
    if _is_na(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores ids and counts as floats
    return str(value)


def read_export(path: str | Path, table_name: str) -> tuple[pd.DataFrame, list[str]]:
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
        notes.append(f"{path.name}: ignored columns not in the `{table_name}` contract: "
                     + ", ".join(ignored[:12]) + (" ..." if len(ignored) > 12 else ""))
    if header_at > 0:
        notes.append(f"{path.name}: skipped {header_at} title rows above the header ({encoding}).")
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


# ---------------------------------------------------------------------------
# In-engine validation (files, Parquet and warehouse tables alike)
# ---------------------------------------------------------------------------


def _ibis_type(kind: str) -> str:
    return {"str": "string", "int": "int64", "float": "float64", "date": "date",
            "datetime": "timestamp", "bool": "boolean"}[kind]


def _describe_rows(frame: pd.DataFrame, table: Table, column: str | None = None) -> list[str]:
    out = []
    for _, row in frame.head(MAX_EXAMPLES).iterrows():
        where = f"line {row['_line']}: " if "_line" in row and not _is_na(row["_line"]) else ""
        keys = ", ".join(f"{k}={row[k]}" for k in table.key if k in row)
        value = f" -> {column}={row[column]!r}" if column and column in row else ""
        out.append(f"{where}{keys}{value}")
    return out


def validate_table(expr: ir.Table, table_name: str, origin: str, passed: dict | None = None) -> tuple[ir.Table, list[str]]:
    """Check a table against its contract inside the engine.

    Parameters
    ----------
    expr : the table (with contract column names; a ``_line`` column, when
        present, gives file line numbers for messages).
    table_name : contract table name.
    origin : file, folder or warehouse table the data came from, for messages.
    passed : the record of an earlier validation of the very same files (see
        :func:`validation_record`): the checks are not run again, only the casts and the
        removal of exact duplicates they found.

    Returns
    -------
    (table, notes): the table restricted to contract columns and cast to
    contract types, with exact duplicate rows removed (and counted in notes).

    Raises
    ------
    DataError
        on a missing required column, nulls where none are allowed, values out
        of bounds or outside the allowed set, or duplicate keys whose rows differ.
    """
    table = TABLES[table_name]
    notes: list[str] = []
    present = set(expr.columns)
    for col in table.columns:
        if col.name not in present:
            if col.required:
                raise DataError("required column is missing", file=origin, column=col.name,
                                fix=f"add `{col.name}` ({col.description}); see docs/data.md.")
            expr = expr.mutate(**{col.name: _null_literal(col)})
    extra = [c for c in expr.columns if c not in table.names and c != "_line"]
    if extra:
        notes.append(f"{origin}: ignored columns not in the `{table_name}` contract: {', '.join(extra)}")
    cast = {}
    for col in table.columns:
        want = _ibis_type(col.kind)
        if str(expr[col.name].type()).rstrip("!") != want:
            cast[col.name] = expr[col.name].try_cast(want)
    if cast and passed is None:
        for name, casted in cast.items():
            failed = expr.filter(expr[name].notnull() & casted.isnull())
            n_failed = failed.count().execute()
            if n_failed:
                raise DataError(f"{n_failed} values cannot be read as {table.column(name).kind}",
                                file=origin, column=name,
                                examples=_describe_rows(failed.limit(MAX_EXAMPLES).execute(), table, name),
                                fix=_FIXES[table.column(name).kind])
    if cast:
        expr = expr.mutate(**cast)
    keep = [*table.names, *(["_line"] if "_line" in expr.columns else [])]
    expr = expr.select(keep)
    if passed is not None:
        expr = _strip_text(expr, passed.get("stripped", []))
        if passed["duplicates_removed"]:
            expr = _drop_exact_duplicates(expr, table)
        return expr, list(passed["notes"])  # the notes of the full check, this one's included

    checks = []
    for col in table.columns:
        c = expr[col.name]
        if not col.nullable:
            checks.append((col, c.isnull(), "empty values where the column must be filled",
                           "fill them in, or remove the rows if they are not real data."))
        if col.min_value is not None:
            checks.append((col, c < col.min_value, f"values below {col.min_value:g}",
                           "amounts and counts cannot be negative: returns belong in `refunds`, "
                           "not as negative order lines."))
        if col.max_value is not None:
            checks.append((col, c > col.max_value, f"values above {col.max_value:g}",
                           "check the unit (a rate of 35% is 0.35)."))
        if col.choices is not None:
            checks.append((col, c.notnull() & ~c.isin(list(col.choices)),
                           f"values outside the allowed set {list(col.choices)}",
                           "map them to an allowed value (the Chinese names in docs/data.md are accepted)."))
    # Ids and names must match across tables as they do in CSV exports (whose cells the
    # parser strips); a padded value of a column with a fixed set is refused below instead.
    text = [col.name for col in table.columns if col.kind == "str" and col.choices is None]
    if checks or text:
        import ibis

        counts = expr.aggregate(**{f"c{i}": ibis.ifelse(cond, 1, 0).sum()
                                   for i, (_, cond, _, _) in enumerate(checks)},
                                **{f"padded_{name}": ibis.ifelse(_is_padded(expr[name]), 1, 0).sum()
                                   for name in text}).execute()
        for i, (col, cond, problem, fix) in enumerate(checks):
            n = counts[f"c{i}"].iloc[0]
            if n and n > 0:
                examples = expr.filter(cond).limit(MAX_EXAMPLES).execute()
                raise DataError(f"{int(n)} rows have {problem}", file=origin, column=col.name,
                                examples=_describe_rows(examples, table, col.name), fix=fix)
        padded = {name: int(counts[f"padded_{name}"].iloc[0] or 0) for name in text}
        padded = {name: n for name, n in padded.items() if n}
        expr = _strip_text(expr, list(padded))
        notes.extend(f"{origin}: column `{name}`: {n} values had {PADDED_NOTE} (removed, as for CSV exports)"
                     for name, n in padded.items())

    expr, dup_notes = _check_duplicate_keys(expr, table, origin)
    return expr, notes + dup_notes


PADDED_NOTE = "spaces around them"
_PADDING = (" ", "\t", "\n", "\r", "\u3000")  # what str.strip removes from CSV cells, and full-width spaces


def _is_padded(column):
    """Whether a text value starts or ends with white space (prefix tests: far cheaper than a trim)."""
    import ibis

    cond = ibis.literal(False)
    for mark in _PADDING:
        cond = cond | column.startswith(mark) | column.endswith(mark)
    return cond.fill_null(False)


def _strip_text(expr: ir.Table, columns: list[str]) -> ir.Table:
    """Text columns without the white space around values (ids compare equal to their CSV form)."""
    marks = "".join(_PADDING)  # none is special inside a character class, in RE2 or in Java
    edges = f"^[{marks}]+|[{marks}]+$"
    return expr.mutate(**{name: expr[name].re_replace(edges, "") for name in columns}) if columns else expr


def _null_literal(col: Column):
    import ibis

    return ibis.null().cast(_ibis_type(col.kind))


def _check_duplicate_keys(expr: ir.Table, table: Table, origin: str) -> tuple[ir.Table, list[str]]:
    key = list(table.key)
    dupes = expr.group_by(key).aggregate(n=expr.count()).filter(lambda t: t.n > 1)
    n_keys = dupes.count().execute()
    if not n_keys:
        return expr, []
    content = expr.select(table.names)
    distinct_rows = content.distinct()
    n_distinct_keys = distinct_rows.group_by(key).aggregate(n=distinct_rows.count()).filter(
        lambda t: t.n > 1).count().execute()
    if n_distinct_keys:
        sample = dupes.limit(MAX_EXAMPLES).execute()
        rows = expr.inner_join(sample[key].pipe(_memtable), key).order_by(key).limit(MAX_EXAMPLES * 2)
        raise DataError(
            f"{n_distinct_keys} keys ({', '.join(key)}) appear on several rows with different values",
            file=origin, column=", ".join(key),
            examples=_describe_rows(rows.execute(), table),
            fix="each key must appear once: merge the rows (add up quantities and amounts) or "
            "correct the key.",
        )
    total = expr.count().execute()
    removed = total - distinct_rows.count().execute()
    note = (f"{origin}: removed {removed} exact duplicate rows ({n_keys} keys), which exports "
            "produce when overlapping date ranges are stacked.")
    return _drop_exact_duplicates(expr, table), [note]


DUPLICATES_NOTE = "exact duplicate rows"


def _drop_exact_duplicates(expr: ir.Table, table: Table) -> ir.Table:
    """One row per distinct content, keeping the first file line of each."""
    if "_line" in expr.columns:
        first_lines = expr.group_by(table.names).aggregate(_line=expr._line.min())
        return first_lines.select(expr.columns)
    return expr.select(table.names).distinct()


def _memtable(frame):
    import ibis

    return ibis.memtable(frame)


# ---------------------------------------------------------------------------
# The shop: a connection plus its validated tables
# ---------------------------------------------------------------------------


def project_root() -> Path:
    """The workbook's root folder (the one with pyproject.toml)."""
    return Path(__file__).resolve().parent.parent


def resolve_data_dir(data_dir: str | Path) -> Path:
    """A data folder path as given, else relative to the project root (notebooks run in notebooks/)."""
    path = Path(data_dir).expanduser()
    if path.is_dir() or path.is_absolute():
        return path
    candidate = project_root() / path
    return candidate if candidate.is_dir() else path


def find_table_files(folder: Path) -> dict[str, list[Path]]:
    """Files per contract table in a data folder: ``<table>.<ext>`` or ``<table>/*.<ext>``."""
    found: dict[str, list[Path]] = {}
    for name in TABLES:
        single = [folder / f"{name}{s}" for s in SUFFIXES if (folder / f"{name}{s}").is_file()]
        sub = folder / name
        stacked = sorted(p for p in sub.iterdir() if p.suffix.lower() in SUFFIXES) if sub.is_dir() else []
        if single and stacked:
            raise DataError(f"table `{name}` is given twice: {single[0].name} and the folder {name}/",
                            file=folder, fix="keep one of them.")
        if len(single) > 1:
            raise DataError(f"table `{name}` is given twice: " + ", ".join(p.name for p in single),
                            file=folder, fix="keep one file per table.")
        files = single or stacked
        if files:
            kinds = {p.suffix.lower() == ".parquet" for p in files}
            if len(kinds) > 1:
                raise DataError(f"folder {name}/ mixes Parquet and other files", file=sub,
                                fix="convert them to one format.")
            found[name] = files
    return found


@dataclass
class Shop:
    """A shop's data: an Ibis connection and its validated contract tables.

    Use :func:`connect` to make one. Tables load lazily on first use and are
    validated once; ``notes`` collects what the loader repaired or ignored.
    """

    con: Any
    origin: str
    files: dict[str, list[Path]] = field(default_factory=dict)
    warehouse_tables: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    engine_names: dict[str, str] = field(default_factory=dict)  # contract name -> the engine's spelling
    _tables: dict[str, Any] = field(default_factory=dict, repr=False)
    _kept: dict[tuple, Any] = field(default_factory=dict, repr=False)

    def kept(self, key: tuple, build: Any) -> Any:
        """The Ibis table ``build()`` makes, built once per ``key`` for this shop and kept in
        the engine (:func:`cache_table`): for intermediate results several sections read."""
        if key not in self._kept:
            self._kept[key] = cache_table(build())
        return self._kept[key]

    @property
    def available(self) -> list[str]:
        """Contract tables this shop has."""
        return [t for t in TABLES if t in self.files or t in self.warehouse_tables]

    def has(self, name: str) -> bool:
        return name in self.available

    def missing_message(self, name: str, lang: str = "en") -> str:
        """A sentence for a report section skipped because a table is absent."""
        if lang == "zh":
            return (f"本节需要 `{name}` 表（{TABLES[name].description}），当前数据中没有，已跳过。"
                    f"把 `{name}.csv`（或 .xlsx/.parquet）放进数据目录即可启用。")
        return (f"This section needs the `{name}` table ({TABLES[name].description}), which this "
                f"data does not have, so it is skipped. Add `{name}.csv` (or .xlsx/.parquet) to the "
                "data folder to enable it.")

    def table(self, name: str) -> ir.Table:
        """The validated table as an Ibis expression (reduce it in the engine, then execute)."""
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}; the contract has {', '.join(TABLES)}")
        if name not in self._tables:
            if not self.has(name):
                raise DataError(f"table `{name}` not found", file=self.origin,
                                fix=f"add `{name}.csv`, `.xlsx` or `.parquet` ({TABLES[name].description}); "
                                "see docs/data.md.")
            expr, notes = self._load(name)
            self.notes.extend(notes)
            self._tables[name] = expr
        return self._tables[name]

    def _load(self, name: str) -> tuple[ir.Table, list[str]]:
        if name in self.warehouse_tables:
            expr = self.con.table(self.engine_names.get(name, name))
            expr = expr.rename({c: alias_table()[name][c.lower()] for c in expr.columns
                                if c.lower() in alias_table()[name] and alias_table()[name][c.lower()] != c})
            validated, notes = validate_table(expr, name, f"{self.origin} table {name}")
            return validated, notes
        files = self.files[name]
        origin = str(files[0] if len(files) == 1 else files[0].parent)
        passed = validation_record(files, name)
        if files[0].suffix.lower() == ".parquet":
            paths = [str(p) for p in files]
            expr = self.con.read_parquet(paths, table_name=f"raw_{name}")
            validated, notes = validate_table(expr, name, origin, passed)
            if passed is None:
                save_validation_record(files, name, notes)
            return validated.cache() if notes else validated, notes
        arrow, notes = parse_exports(files, name)
        expr = self.con.create_table(f"raw_{name}", arrow, temp=True, overwrite=True)
        validated, check_notes = validate_table(expr, name, origin, passed)
        if passed is None:
            save_validation_record(files, name, check_notes)
        return validated.drop("_line"), notes + check_notes

    def date_range(self, name: str, column: str | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last value of a table's date column (NaT, NaT if the table is empty)."""
        import pandas as pd

        t = self.table(name)
        col = t[column or TABLES[name].date_column]
        lo, hi = t.aggregate(lo=col.min(), hi=col.max()).execute().iloc[0]
        return pd.Timestamp(lo), pd.Timestamp(hi)


CACHE_ENV = "WORKBOOK_CACHE_DIR"


def cache_dir() -> Path | None:
    """Where parsed exports are cached: ``$WORKBOOK_CACHE_DIR``, else ``~/.cache/ecommerce-workbook``.

    ``WORKBOOK_CACHE_DIR=off`` disables the cache.
    """
    configured = os.environ.get(CACHE_ENV, "").strip()
    if configured.lower() == "off":
        return None
    return Path(configured) if configured else Path.home() / ".cache" / "ecommerce-workbook"


def _cache_key(files: list[Path], table_name: str) -> str:
    import hashlib

    digest = hashlib.sha256()
    digest.update(Path(__file__).read_bytes())  # any change to the parser invalidates the cache
    digest.update(repr(TABLES[table_name]).encode())
    for path in files:
        stat = path.stat()
        digest.update(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def validation_record(files: list[Path], table_name: str) -> dict | None:
    """What an earlier validation of these very files found, or None.

    Checking a table (duplicate keys above all) costs seconds on millions of rows and every
    notebook of a batch loads the same files; a file that changed (size or modification
    time), a new contract or a new loader gets a new key and is checked again. Only tables
    that passed are recorded: a table that failed is checked, and fails, every time.
    """
    import json

    folder = cache_dir()
    if not folder:
        return None
    try:
        return json.loads((folder / f"{_cache_key(files, table_name)}.valid.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def save_validation_record(files: list[Path], table_name: str, notes: list[str]) -> None:
    """Record that these files passed validation, with the check notes to repeat."""
    import json

    folder = cache_dir()
    if not folder:
        return
    import re

    stripped = [m.group(1) for n in notes for m in [re.search(rf"column `(\w+)`: \d+ values had {PADDED_NOTE}", n)] if m]
    record = {"notes": notes, "duplicates_removed": any(DUPLICATES_NOTE in n for n in notes), "stripped": stripped}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{_cache_key(files, table_name)}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / f"{_cache_key(files, table_name)}.valid.json")
    except OSError:
        pass  # a read-only home only costs speed


def parse_exports(files: list[Path], table_name: str):
    """Parse a table's export files into one Arrow table (contract types plus ``_line``) and notes.

    Parsing text is the slow part of a run (a second for 75,000 order lines), so
    the result is cached by file path, size and modification time (see
    :func:`cache_dir`); validation still runs on every load.
    """
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = cache_dir()
    key = _cache_key(files, table_name) if folder else ""
    if folder and (folder / f"{key}.parquet").exists():
        try:
            notes = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
            return pq.read_table(folder / f"{key}.parquet"), notes
        except (OSError, ValueError):
            pass  # a damaged cache entry is parsed again below
    import pandas as pd

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
    if folder:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f"{key}.{os.getpid()}.tmp"
            pq.write_table(arrow, tmp)
            os.replace(tmp, folder / f"{key}.parquet")
            (folder / f"{key}.json").write_text(json.dumps(notes, ensure_ascii=False), encoding="utf-8")
        except OSError:
            pass  # a read-only home only costs speed
    return arrow, notes


def _arrow_schema(table: Table, frame: pd.DataFrame):
    import pyarrow as pa

    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "date": pa.date32(),
             "datetime": pa.timestamp("us"), "bool": pa.bool_()}
    fields = [pa.field(c.name, types[c.kind]) for c in table.columns]
    line_type = pa.string() if frame["_line"].dtype != "int64" else pa.int64()
    return pa.schema([*fields, pa.field("_line", line_type)])


def connect(data_dir: str | Path | None = None) -> Shop:
    """Connect to a shop's data.

    Parameters
    ----------
    data_dir : a folder of table files; relative paths are tried from the
        current folder, then from the project root. Empty or None means the
        warehouse in the environment variable ``WORKBOOK_DB_URL``.

    Returns
    -------
    Shop, with tables loaded lazily.
    """
    import ibis

    if data_dir:
        folder = resolve_data_dir(data_dir)
        if not folder.is_dir():
            raise DataError("data folder not found", file=folder,
                            fix="pass the folder that holds orders.csv etc., e.g. data/sample; "
                            "`workbook sample --out DIR` makes a sample shop.")
        files = find_table_files(folder)
        if not files:
            raise DataError("no contract tables in this folder", file=folder,
                            fix="name files after tables: " + ", ".join(f"{t}.csv" for t in TABLES)
                            + " (or .xlsx, .xls, .parquet); see docs/data.md.")
        return Shop(con=ibis.duckdb.connect(**duckdb_settings()), origin=str(folder), files=files)
    url = os.environ.get(DB_URL_ENV, "").strip()
    if not url:
        raise DataError("no data folder given and WORKBOOK_DB_URL is not set",
                        fix="set data_dir to a folder of exports, or export WORKBOOK_DB_URL="
                        "<ibis backend URL> for a warehouse.")
    return connect_backend(ibis.connect(url), mask_url(url))


def cache_table(table: Any) -> Any:
    """``table`` kept in the engine as a temporary table, for a result several queries read.

    Engines without temporary tables (Trino through ibis 12) get ``table`` back unchanged:
    the same results, recomputed by every query that reads it.
    """
    try:
        return table.cache()
    except NotImplementedError:
        return table


def paid_order_lines(shop: Shop, period: Any = None):
    """The paid order lines every sales figure starts from (an Ibis expression).

    A paid line has ``status == "paid"`` and a ``pay_time``; with ``period`` (a
    :class:`helpers.params.Period`), its pay time falls on one of the period's calendar days:
    ``period.start <= pay_time < period.end_exclusive``. Lines of other statuses, and
    "paid" lines without a pay time (contradictory rows), count in no sales figure.
    """
    import ibis

    o = shop.table("orders")
    if period is None:
        return o.filter(o.status == "paid", o.pay_time.notnull())
    # the bounds leave out a null pay time
    return o.filter(o.status == "paid",
                    o.pay_time >= ibis.literal(period.start.to_pydatetime(), type="timestamp"),
                    o.pay_time < ibis.literal(period.end_exclusive.to_pydatetime(), type="timestamp"))


def known_customer(lines: Any) -> Any:
    """Whether a line's buyer is known: its ``customer_id`` is neither missing nor empty.

    Every figure about customers counts only these (支付买家数, first-time buyers, repurchase,
    RFM): an empty id is no one in particular, not one buyer. Ids are stripped when a table
    is validated, so an id of spaces is empty here. Sales figures keep the other lines.
    """
    return lines.customer_id.notnull() & (lines.customer_id != "")


def connect_backend(con: Any, origin: str | None = None) -> Shop:
    """A shop on an open Ibis connection whose tables are named after the contract tables.

    The way in for an engine that is not reached through a URL, a Spark session above
    all (``connect_backend(ibis.pyspark.connect(spark))``; see docs/backends.md). Tables
    are found by name, case-insensitively (``orders``, ``traffic``, ...), renamed from
    the contract's aliases and validated in the engine by :func:`validate_table` on
    first use, exactly as for ``WORKBOOK_DB_URL``.

    Parameters
    ----------
    con : an Ibis backend (``ibis.duckdb.connect(...)``, ``ibis.pyspark.connect(spark)``,
        ``ibis.postgres.connect(...)``, ...), with the contract tables in its current database.
    origin : how messages and reports name the data; default ``"<backend name> connection"``.

    Returns
    -------
    Shop, with tables loaded lazily.
    """
    present = {t.lower(): t for t in con.list_tables()}
    tables = tuple(t for t in TABLES if t in present)
    return Shop(con=con, origin=origin or f"{con.name} connection", warehouse_tables=tables,
                engine_names={t: present[t] for t in tables})


def fill_zero(value: Any) -> float:
    """An executed count or sum as a float, 0 where the engine returned NULL (no rows).

    A SUM over no rows is NULL in SQL, and backends hand NULL to pandas differently:
    DuckDB as None, Spark as NaN (which ``value or 0`` lets through). A count of
    nothing is 0.
    """
    import pandas as pd

    return 0.0 if value is None or pd.isna(value) else float(value)


MEMORY_LIMIT_ENV = "WORKBOOK_DUCKDB_MEMORY_LIMIT"
DUCKDB_ENV = {MEMORY_LIMIT_ENV: "memory_limit", "WORKBOOK_DUCKDB_THREADS": "threads",
              "WORKBOOK_DUCKDB_TEMP_DIR": "temp_directory"}


DUCKDB_MEMORY_SHARE = 0.5  # of the machine's memory, when WORKBOOK_DUCKDB_MEMORY_LIMIT is not set


def default_memory_limit(runs: int = 1) -> str | None:
    """DuckDB's memory cap when none is set: half of the machine's memory, split over ``runs``.

    DuckDB's own default, 80% of memory, assumes it is alone in the process; a notebook's
    kernel also holds the pandas frames of the analysis (on a 50-million-line shop the
    customers report holds 20 million customers, several GB). None where the machine's memory
    cannot be read (DuckDB's default then applies).
    """
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None
    return f"{max(int(total * DUCKDB_MEMORY_SHARE / max(runs, 1)) // 2**20, 256)}MiB"


def duckdb_settings() -> dict[str, str]:
    """DuckDB settings from the environment, for shops larger than memory or shared machines.

    ``WORKBOOK_DUCKDB_MEMORY_LIMIT`` (e.g. ``8GB``; default :func:`default_memory_limit`,
    half of the machine's memory) caps the engine's memory, beyond which it spills to
    ``WORKBOOK_DUCKDB_TEMP_DIR``; ``WORKBOOK_DUCKDB_THREADS`` caps its threads (default: every
    core). See docs/performance.md.
    """
    settings = {setting: os.environ[env].strip() for env, setting in DUCKDB_ENV.items()
                if os.environ.get(env, "").strip()}
    if "memory_limit" not in settings and (limit := default_memory_limit()):
        settings["memory_limit"] = limit
    return settings


def mask_url(url: str) -> str:
    """A connection URL with its user and password replaced by ``***``, for messages and reports."""
    return re.sub(r"//[^@/]*@", "//***@", url)


def check_folder(data_dir: str | Path | None) -> dict[str, Any]:
    """Validate every table of a data folder (or the warehouse) and summarise it.

    Returns
    -------
    ``{"origin": ..., "tables": {name: {"rows", "start", "end", "totals", "files"}},
    "missing": [...], "notes": [...]}``: rows, date range of the table's date
    column and totals of its additive columns (see docs/data.md).
    """
    shop = connect(data_dir)
    summary: dict[str, Any] = {"origin": shop.origin, "tables": {}, "missing": [], "notes": shop.notes}
    for name, table in TABLES.items():
        if not shop.has(name):
            summary["missing"].append(name)
            continue
        t = shop.table(name)
        date_col = t[table.date_column]
        aggs = {"rows": t.count(), "start": date_col.min(), "end": date_col.max()}
        aggs.update({f"sum_{c.name}": t[c.name].sum() for c in table.columns if c.additive})
        row = t.aggregate(**aggs).execute().iloc[0]
        width = 10 if table.column(table.date_column).kind == "date" else 19
        summary["tables"][name] = {
            "rows": int(row["rows"]),
            "start": None if _is_na(row["start"]) else str(row["start"])[:width],
            "end": None if _is_na(row["end"]) else str(row["end"])[:width],
            "totals": {c.name: _round(row[f"sum_{c.name}"]) for c in table.columns if c.additive},
            "files": [str(p) for p in shop.files.get(name, [])],
        }
    if "orders" in summary["missing"]:
        summary["notes"].append("orders is required by every notebook and is missing.")
    return summary


def _round(value: Any) -> float | int | None:
    if _is_na(value):
        return None
    value = float(value)
    return int(value) if value.is_integer() else round(value, 2)
