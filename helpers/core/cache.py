"""The parse cache: parsed exports and the record of their validation, kept between runs.

Parsing text is the slow part of a run and every notebook of a batch loads the same files,
so a parsed table is kept as Parquet under :attr:`helpers.settings.Settings.cache_folder`
(``WORKBOOK_CACHE_DIR``; ``off`` disables it), keyed by the files' paths and contents, the
contract and the loader's own code. A changed file (even one whose size and modification
time an edit kept), contract or loader gets a new key; hashing reads each file once, about a
second per gigabyte, against the seconds a parse or a validation costs. A cache entry that cannot be read is parsed again; a cache that
cannot be written (a read-only home) only costs speed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from helpers import settings
from helpers.core.atomic import write_atomically
from helpers.core.contract import TABLES
from helpers.core.notes import Note

_LOADER = ("readers.py", "values.py", "validate.py", "cache.py")  # a change to any of them invalidates the cache


def cache_dir() -> Path | None:
    """Where parsed exports are cached; None when the cache is off."""
    return settings.get().cache_folder


def cache_key(files: list[Path], table_name: str) -> str:
    """The key of a set of files of one table (32 hex digits)."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _LOADER:
        digest.update((here / name).read_bytes())
    digest.update(repr(TABLES[table_name]).encode())
    for path in files:
        digest.update(f"{path.resolve()}|{path.stat().st_size}|".encode())
        with path.open("rb") as fh:  # the bytes themselves: an edit can keep the size and the time
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:32]


def _write_atomically(path: Path, write: Any) -> None:
    try:
        write_atomically(path, write)
    except OSError:
        pass  # a read-only or full disk only costs speed


def notes_to_json(notes: list[Note]) -> list[dict]:
    return [{"zh": n.zh, "en": n.en, "sticky": n.sticky} for n in notes]


def notes_from_json(items: list[dict]) -> list[Note]:
    return [Note(i["zh"], i["en"], bool(i.get("sticky"))) for i in items]


def validation_record(files: list[Path], table_name: str) -> dict | None:
    """What an earlier validation of these very files found, or None.

    Checking a table (duplicate keys above all) costs seconds on millions of rows and every
    notebook of a batch loads the same files. Only tables that passed are recorded: a table
    that failed is checked, and fails, every time.

    Returns
    -------
    ``{"notes": [Note], "duplicates_removed": bool, "stripped": [column]}`` or None.
    """
    folder = cache_dir()
    if not folder:
        return None
    try:
        record = json.loads((folder / f"{cache_key(files, table_name)}.valid.json").read_text(encoding="utf-8"))
        return {**record, "notes": notes_from_json(record["notes"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_validation_record(files: list[Path], table_name: str, record: dict) -> None:
    """Record that these files passed validation (see :func:`validation_record`)."""
    folder = cache_dir()
    if not folder:
        return
    text = json.dumps({**record, "notes": notes_to_json(record["notes"])}, ensure_ascii=False)
    _write_atomically(folder / f"{cache_key(files, table_name)}.valid.json",
                      lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_parsed(files: list[Path], table_name: str):
    """The cached Arrow table and notes of these files, or None."""
    import pyarrow.parquet as pq

    folder = cache_dir()
    if not folder:
        return None
    key = cache_key(files, table_name)
    if not (folder / f"{key}.parquet").exists():
        return None
    try:
        notes = notes_from_json(json.loads((folder / f"{key}.json").read_text(encoding="utf-8")))
        return pq.read_table(folder / f"{key}.parquet"), notes
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged entry is parsed again


def write_parsed(files: list[Path], table_name: str, arrow: Any, notes: list[Note]) -> None:
    """Keep a parsed table and its notes for the next run."""
    import pyarrow.parquet as pq

    folder = cache_dir()
    if not folder:
        return
    key = cache_key(files, table_name)
    _write_atomically(folder / f"{key}.json",
                      lambda tmp: tmp.write_text(json.dumps(notes_to_json(notes), ensure_ascii=False),
                                                 encoding="utf-8"))
    _write_atomically(folder / f"{key}.parquet", lambda tmp: pq.write_table(arrow, tmp))
