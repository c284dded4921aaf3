"""Every CSV and XLSX the workbook writes: safe to open in Excel, written whole or not at all.

One writer for every table file a user opens in a spreadsheet:

- **No cell can become a formula.** Text that a spreadsheet would read as a formula (it starts,
  after any spaces, with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or their
  full-width forms) is written with a leading apostrophe in CSV (the OWASP CSV-injection
  advice: Excel and LibreOffice then show it as text). In XLSX every text cell is stored as a
  string cell, which no spreadsheet evaluates, so ids keep their exact text there. Numbers
  stay numbers.
- **Ids stay text**: text columns are never converted to numbers (leading zeros kept); in XLSX
  they are text-formatted (``@``).
- **Excel reads Chinese**: CSV is UTF-8 with a byte-order mark.
- **Nothing half-written**: a file is written beside its target and renamed onto it. Inside a
  batch run (:mod:`helpers.runner.execute` sets ``WORKBOOK_EXPORT_STAGING``) files are staged
  and published only when the whole report succeeded, so a failed or killed run leaves the
  last good export in place (:func:`publish_staged`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import pandas as pd

from helpers import settings
from helpers.core.atomic import write_atomically

#: First characters that make a spreadsheet read a cell as a formula or a DDE call.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
STAGING_MANIFEST = "exports.jsonl"


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula: it starts, after spaces, with
    one of :data:`FORMULA_STARTS` (``-2+3`` and ``+1+cmd|...`` are formulas to Excel)."""
    stripped = text.lstrip(" \u3000")
    return bool(stripped) and (stripped[0] in FORMULA_STARTS or text[0] in FORMULA_STARTS)


def neutralise_text(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is formula-like text; anything else unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index), formula-like text neutralised, missing values empty."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(neutralise_text, na_action="ignore")
    out.columns = [neutralise_text(str(c)) for c in out.columns]
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    return buffer.getvalue()


def write_csv_stream(frame: pd.DataFrame, stream: IO[str]) -> None:
    """``frame`` as CSV onto an open text stream (standard output), with the byte-order mark
    Excel needs to read UTF-8."""
    stream.write("\ufeff" + csv_text(frame))


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as a CSV file for Excel (UTF-8 with BOM, formula-like text neutralised),
    atomically (or staged inside a batch run). Returns the file's final path."""
    data = ("\ufeff" + csv_text(frame)).encode("utf-8")
    return publish_file(Path(path), lambda tmp: tmp.write_bytes(data))


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | Path, *,
               text_columns: Mapping[str, list[str]] | None = None,
               number_formats: Mapping[str, Mapping[str, str]] | None = None,
               cell_formats: Mapping[str, list[list[str | None]]] | None = None) -> Path:
    """Write one sheet per frame as an XLSX file, atomically (or staged inside a batch run).

    Every text cell is a string cell (never a formula, whatever it starts with); the columns
    of ``text_columns[sheet]`` are text-formatted (``@``) so Excel keeps them as typed
    (ids); ``number_formats[sheet][column]`` is an Excel number format (``#,##0.00``,
    ``0.0%``); ``cell_formats[sheet]``, one list per row, gives a cell its own format (a table
    whose rows have different units) where it is not None. The header row is frozen. Written in openpyxl's streaming mode (about 0.3 ms a
    row). Returns the file's final path.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    def write(tmp: Path) -> None:
        book = Workbook(write_only=True)
        for sheet_name, frame in sheets.items():
            sheet = book.create_sheet(_sheet_title(sheet_name))
            sheet.freeze_panes = "A2"
            texts = set((text_columns or {}).get(sheet_name, ()))
            formats = dict((number_formats or {}).get(sheet_name, {}))
            columns = [str(c) for c in frame.columns]
            sheet.append([_cell(sheet, name, None) for name in columns])
            styles = [("@" if c in texts else formats.get(c)) for c in columns]
            values = frame.astype(object).where(frame.notna(), None)
            own = (cell_formats or {}).get(sheet_name)
            for i, row in enumerate(values.itertuples(index=False, name=None)):
                row_styles = [c or s for c, s in zip(own[i], styles, strict=True)] if own else styles
                sheet.append([_cell(sheet, v, style, as_text=style == "@")
                              for v, style in zip(row, row_styles, strict=True)])
        book.save(tmp)

    def _cell(sheet, value, style, as_text=False):
        if as_text and value is not None:
            value = str(value)
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, float) and not math.isfinite(value):  # an empty cell, not a broken number
            value = None
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl would store text starting with "=" as a formula
        if style:
            cell.number_format = style
        return cell

    return publish_file(Path(path), write)


def _sheet_title(name: str) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    clean = "".join("_" if ch in '[]:*?/\\' else ch for ch in str(name)).strip("'") or "sheet"
    return clean[:31]


def publish_file(path: Path, write: Callable[[Path], Any]) -> Path:
    """Run ``write(tmp)`` and put ``tmp`` at ``path`` atomically.

    Outside a batch run the file is renamed onto ``path`` at once. Inside one
    (``settings.get().export_staging``) it is kept in the staging folder with a line in its
    manifest, and :func:`publish_staged` moves it when the report succeeded.
    """
    staging = settings.get().export_staging
    if staging:
        folder = Path(staging)
        folder.mkdir(parents=True, exist_ok=True)
        staged = folder / f"{uuid.uuid4().hex[:12]}-{path.name}"
        write(staged)
        _record(folder, {"staged": str(staged), "target": str(path.resolve())})
        return path
    return write_atomically(path, write)


def remove_file(path: Path) -> None:
    """Remove a file an earlier run published (a copy that would look current), now or, inside
    a batch run, when the report succeeded."""
    staging = settings.get().export_staging
    if staging:
        folder = Path(staging)
        folder.mkdir(parents=True, exist_ok=True)
        _record(folder, {"remove": str(Path(path).resolve())})
    else:
        Path(path).unlink(missing_ok=True)


def _record(folder: Path, entry: dict) -> None:
    with (folder / STAGING_MANIFEST).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def publish_staged(staging: str | Path) -> list[Path]:
    """Publish what a successful run staged, in the order it was written: each file copied
    beside its target and renamed onto it (the staging folder may be on another disk), each
    removal done. Returns the paths published."""
    manifest = Path(staging) / STAGING_MANIFEST
    if not manifest.exists():
        return []
    published = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if "remove" in entry:
            Path(entry["remove"]).unlink(missing_ok=True)
            continue
        target = Path(entry["target"])
        publish_file_now(target, lambda tmp, src=entry["staged"]: shutil.copyfile(src, tmp))
        published.append(target)
    return published


def publish_file_now(path: Path, write: Callable[[Path], Any]) -> Path:
    """:func:`publish_file` outside any staging (the runner publishing staged files)."""
    with settings.override(export_staging=""):
        return publish_file(path, write)
