"""The shop: an engine connection (Ibis, DuckDB by default) and its validated contract tables.

Data flows one way: files or a warehouse -> a :class:`Shop` -> area helpers, which reduce
inside the engine and bring small pandas frames back. A data folder holds one file per
table, named after the table (``orders.csv``, ``traffic.xlsx``, ``orders.parquet``), or a
sub-folder per table whose files are stacked (``orders/2026-01.csv``, ...). Text and Excel
exports are parsed by :mod:`helpers.core.readers`; Parquet files are read by DuckDB directly
(out of core) and must already use contract names.

A warehouse is reached through ``WORKBOOK_DB_URL`` (:mod:`helpers.settings`; any Ibis URL,
e.g. ``postgres://...``, ``trino://...``); credentials never pass through notebook
parameters. Any other open Ibis connection, a Spark session for one, becomes a shop through
:func:`connect_backend` (docs/backends.md). Every table goes through the same in-engine
validation (:func:`helpers.core.validate.validate_table`) on first use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers import i18n, settings
from helpers.core import cache
from helpers.core.contract import TABLES, alias_table
from helpers.core.errors import DataError
from helpers.core.notes import Note
from helpers.core.notes import note as raise_note
from helpers.core.readers import SUFFIXES, is_na, parse_exports
from helpers.core.secrets import mask_text, mask_url, secret_values
from helpers.core.validate import validate_table

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

def project_root() -> Path:
    """The workbook's root folder (the one with pyproject.toml)."""
    return Path(__file__).resolve().parents[2]


def resolve_data_dir(data_dir: str | Path) -> Path:
    """A data folder path as given, else relative to the project root (notebooks run in notebooks/)."""
    path = Path(data_dir).expanduser()
    if path.is_dir() or path.is_absolute():
        return path
    candidate = project_root() / path
    return candidate if candidate.is_dir() else path


def resolve_export_dir(export_dir: str | Path) -> Path:
    """The folder a report's files for other tools (CRM lists, purchase plans) go to.

    ``export_dir`` as given when absolute, else under the project root; a dashboard page adds
    its shop's own subfolder (``settings.export_subdir``) so that a page never writes over the
    files a batch published.
    """
    path = Path(export_dir).expanduser()
    path = path if path.is_absolute() else project_root() / path
    subdir = settings.get().export_subdir
    return path / subdir if subdir else path


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
class FolderScan:
    """What a data folder holds: the files of each table, the profile each platform export is
    read through, what was recognised per file, the files ignored and the problems found."""

    files: dict[str, list[Path]]
    profiles: dict[Path, Any]
    recognised: list[dict[str, str]]
    ignored: list[Path]
    problems: list[DataError]
    mapping: Any


def scan_folder(folder: Path) -> FolderScan:
    """The tables of a data folder: files named after a table (``orders.csv``), and every other
    export recognised from its header (:mod:`helpers.core.platforms`), whatever its name.

    A file whose header fits several exports is refused, naming them; a file no profile or
    table fits is ignored (listed); a table given both ways is refused. ``workbook.yaml`` in the
    folder maps exports no profile knows.
    """
    from helpers.core.platforms import read_mapping
    from helpers.core.platforms.read import recognise

    problems: list[DataError] = []
    try:
        mapping = read_mapping(folder)
    except DataError as exc:
        from helpers.core.platforms import FolderMapping

        problems.append(exc)
        mapping = FolderMapping()
    files = find_table_files(folder)
    named = {p for ps in files.values() for p in ps}
    recognised = [{"file": str(p), "table": t, "as": "contract table"} for t, ps in files.items() for p in ps]
    found: dict[str, list[Path]] = {}
    profiles: dict[Path, Any] = {}
    ignored: list[Path] = []
    for path in sorted(folder.iterdir()):
        if (not path.is_file() or path in named or path.name.startswith(("~$", "."))
                or path.suffix.lower() not in SUFFIXES or path.suffix.lower() == ".parquet"):
            continue
        try:
            rec = recognise(path, mapping)
        except DataError as exc:
            problems += exc.problems
            continue
        if rec.ambiguous:
            problems.append(DataError("the header fits several exports: " + "; ".join(rec.candidates), file=path,
                                      fix=f"say which in {folder / 'workbook.yaml'} (files: - pattern: "
                                      f"'{path.name}', table: ..., columns: ...), or export it again unedited."))
            continue
        if rec.table is None:
            ignored.append(path)
            continue
        if rec.table in files:
            problems.append(DataError(f"table `{rec.table}` is given twice: {files[rec.table][0].name} and "
                                      f"{path.name}", file=path, fix="keep the platform exports or the "
                                      "contract file, not both."))
            continue
        found.setdefault(rec.table, []).append(path)
        if rec.profile is not None:
            profiles[path] = rec.profile
        recognised.append({"file": str(path), "table": rec.table, "as": (
            f"{rec.profile.label} ({rec.profile.id})" if rec.profile else f"contract table `{rec.table}` (by header)")})
    for table, paths in found.items():
        kinds = {profiles[p].id if p in profiles else "contract" for p in paths}
        if "contract" in kinds and len(kinds) > 1:
            problems.append(DataError(f"table `{table}` mixes platform exports and contract files: "
                                      + ", ".join(p.name for p in paths), file=folder,
                                      fix="keep one kind of file per table."))
            continue
        files[table] = paths
    return FolderScan(files, profiles, recognised, ignored, problems, mapping)


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
    notes: list[Note] = field(default_factory=list)
    engine_names: dict[str, str] = field(default_factory=dict)  # contract name -> the engine's spelling
    scan: FolderScan | None = None  # a folder's files as recognised (platform exports, workbook.yaml)
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

    def missing_message(self, name: str, lang: str) -> str:
        """A sentence for a report section skipped because a table is absent."""
        if i18n.is_zh(lang):
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
            for n in notes:  # what the loader repaired is a note of every report on this data
                raise_note(n.zh, n.en, sticky=True, stacklevel=3)
            self._tables[name] = expr
        return self._tables[name]

    def _own_listings(self, market: ir.Table) -> tuple[ir.Table, list[Note]]:
        """生意参谋's 市场排行 download has no 本店 column: a listing whose id is one of the shop's
        product ids is the shop's own (a platform id names one listing), so own share and the
        index calibration work on the file as downloaded. Said in a note when it marks any."""
        ids = self.table("products").product_id
        mine = market.listing_id.isin(ids)
        found = int(market.filter(mine & ~market.is_own).count().execute())
        marked = market.mutate(is_own=market.is_own | mine)
        if not found:
            return market, []
        note = Note(f"市场排行没有标明本店：{found} 行的商品ID与本店 products 表中的商品ID一致，按本店商品计",
                    f"The market ranking does not mark the shop's own listings: {found} rows whose listing id is "
                    "one of the shop's product ids (products table) count as the shop's own", sticky=True)
        return marked.cache(), [note]

    def _load(self, name: str) -> tuple[ir.Table, list[Note]]:
        if name in self.warehouse_tables:
            expr = self.con.table(self.engine_names.get(name, name))
            expr = expr.rename({c: alias_table()[name][c.lower()] for c in expr.columns
                                if c.lower() in alias_table()[name] and alias_table()[name][c.lower()] != c})
            validated, record = validate_table(expr, name, f"{self.origin} table {name}")
            return validated, record["notes"]
        files = self.files[name]
        origin = str(files[0] if len(files) == 1 else files[0].parent)
        profiles = {p: self.scan.profiles[p] for p in files if p in self.scan.profiles} if self.scan else {}
        if profiles:
            from helpers.core.platforms.read import key_files, parse_platform_exports

            key = key_files(files, profiles, self.scan.mapping)
            arrow, notes = parse_platform_exports(files, name, profiles, self.scan.mapping)
            expr = self.con.create_table(f"raw_{name}", arrow, temp=True, overwrite=True)
            passed = cache.validation_record(key, name)
            validated, record = validate_table(expr, name, origin, passed)
            if passed is None:
                cache.save_validation_record(key, name, record)
            validated = validated.drop("_line")
            if name == "market" and self.has("products"):
                validated, own = self._own_listings(validated)
                notes = notes + own
            return validated, notes + record["notes"]
        passed = cache.validation_record(files, name)
        if files[0].suffix.lower() == ".parquet":
            paths = [str(p) for p in files]
            try:
                expr = self.con.read_parquet(paths, table_name=f"raw_{name}")
                expr.limit(0).execute()  # a truncated or foreign file fails here, not mid-report
            except Exception as exc:
                raise DataError(f"cannot read the Parquet file(s) ({' '.join(str(exc).split())[:300]})",
                                file=origin, fix="the file is damaged or not Parquet: write it again (a copy "
                                "cut short by a full disk or an interrupted download looks like this).") from None
            validated, record = validate_table(expr, name, origin, passed)
            if passed is None:
                cache.save_validation_record(files, name, record)
            return validated.cache() if record["notes"] else validated, record["notes"]
        arrow, notes = parse_exports(files, name)
        expr = self.con.create_table(f"raw_{name}", arrow, temp=True, overwrite=True)
        validated, record = validate_table(expr, name, origin, passed)
        if passed is None:
            cache.save_validation_record(files, name, record)
        return validated.drop("_line"), notes + record["notes"]

    def date_range(self, name: str, column: str | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last value of a table's date column (NaT, NaT if the table is empty)."""
        import pandas as pd

        t = self.table(name)
        col = t[column or TABLES[name].date_column]
        lo, hi = t.aggregate(lo=col.min(), hi=col.max()).execute().iloc[0]
        return pd.Timestamp(lo), pd.Timestamp(hi)




def connect(data_dir: str | Path | None = None, strict: bool = True) -> Shop:
    """Connect to a shop's data.

    Parameters
    ----------
    data_dir : a folder of table files, named after their tables or as downloaded from a
        platform (recognised from their headers, :func:`scan_folder`); relative paths are
        tried from the current folder, then from the project root. Empty or None means the
        warehouse in the environment variable ``WORKBOOK_DB_URL``.
    strict : raise on a file that cannot be placed (ambiguous, a table given twice);
        ``workbook check`` passes False and reports them with every other problem.

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
        scan = scan_folder(folder)
        if scan.problems and (strict or not scan.files):
            raise DataError.several(scan.problems, folder)
        if not scan.files:
            raise DataError("no contract tables in this folder", file=folder,
                            fix="put the platforms' exports as downloaded (docs/platforms/), or name files "
                            "after tables: " + ", ".join(f"{t}.csv" for t in TABLES)
                            + " (or .xlsx, .xls, .parquet); see docs/data.md.")
        return Shop(con=ibis.duckdb.connect(**duckdb_settings()), origin=str(folder), files=scan.files, scan=scan)
    url = settings.get().db_url
    if not url:
        raise DataError("no data folder given and WORKBOOK_DB_URL is not set",
                        fix="set data_dir to a folder of exports, or export WORKBOOK_DB_URL="
                        "<ibis backend URL> for a warehouse.")
    scheme = url.split(":", 1)[0].lower()
    try:
        con = ibis.connect(url)
    except (ImportError, AttributeError):  # ibis names a backend whose extra is not installed
        raise DataError(f"the engine of WORKBOOK_DB_URL ({mask_url(url)}) is not installed", fix=(
            f"pip install 'ibis-framework[{scheme}]>=12,<13' into the workbook's environment; "
            "see docs/backends.md.")) from None
    except Exception as exc:  # the engine's own error can quote the URL it was given
        raise DataError(f"cannot connect to WORKBOOK_DB_URL ({mask_text(str(exc), secret_values(url))})",
                        file=mask_url(url), fix="check the URL, the network and the credentials "
                        "(docs/backends.md gives the form per engine).") from None
    return connect_backend(con, mask_url(url))


def cache_table(table: Any) -> Any:
    """``table`` kept in the engine as a temporary table, for a result several queries read.

    Engines without temporary tables (Trino through ibis 12) get ``table`` back unchanged:
    the same results, recomputed by every query that reads it.
    """
    try:
        return table.cache()
    except NotImplementedError:
        return table




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
    """DuckDB settings for shops larger than memory or shared machines (:mod:`helpers.settings`).

    ``WORKBOOK_DUCKDB_MEMORY_LIMIT`` (e.g. ``8GB``; default :func:`default_memory_limit`,
    half of the machine's memory) caps the engine's memory, beyond which it spills to
    ``WORKBOOK_DUCKDB_TEMP_DIR``; ``WORKBOOK_DUCKDB_THREADS`` caps its threads (default: every
    core). See docs/performance.md.
    """
    current = settings.get()
    config = {"memory_limit": current.duckdb_memory_limit, "threads": current.duckdb_threads,
              "temp_directory": current.duckdb_temp_dir}
    config = {k: v for k, v in config.items() if v}
    if "memory_limit" not in config and (limit := default_memory_limit()):
        config["memory_limit"] = limit
    return config


def check_folder(data_dir: str | Path | None) -> dict[str, Any]:
    """Validate every table of a data folder (or the warehouse) and summarise it.

    Returns
    -------
    ``{"origin": ..., "tables": {name: {"rows", "start", "end", "totals", "files"}},
    "missing": [...], "notes": [...], "errors": [DataError], "recognised": [{"file", "table",
    "as"}], "ignored": [file]}``: rows, date range of the table's date column and totals of its
    additive columns (see docs/data.md), what each file was recognised as, and every problem of
    every file: a file or table that fails does not stop the check of the others.
    """
    from helpers.core.notes import caught

    shop = connect(data_dir, strict=False)
    scan = shop.scan
    summary: dict[str, Any] = {"origin": shop.origin, "tables": {}, "missing": [], "notes": shop.notes,
                               "errors": list(scan.problems) if scan else [],
                               "recognised": scan.recognised if scan else [],
                               "ignored": [str(p) for p in scan.ignored] if scan else []}
    for name, table in TABLES.items():
        if not shop.has(name):
            summary["missing"].append(name)
            continue
        try:
            with caught(sticky=True):  # the loader's notes are in the summary (shop.notes), not warnings
                t = shop.table(name)
        except DataError as exc:
            summary["errors"].append(exc)
            continue
        date_col = t[table.date_column]
        aggs = {"rows": t.count(), "start": date_col.min(), "end": date_col.max()}
        aggs.update({f"sum_{c.name}": t[c.name].sum() for c in table.columns if c.additive})
        row = t.aggregate(**aggs).execute().iloc[0]
        width = 10 if table.column(table.date_column).kind == "date" else 19
        summary["tables"][name] = {
            "rows": int(row["rows"]),
            "start": None if is_na(row["start"]) else str(row["start"])[:width],
            "end": None if is_na(row["end"]) else str(row["end"])[:width],
            "totals": {c.name: _round(row[f"sum_{c.name}"]) for c in table.columns if c.additive},
            "files": [str(p) for p in shop.files.get(name, [])],
        }
    if "orders" in summary["missing"]:
        summary["notes"].append(Note("每个笔记本都需要 orders 表，当前数据中没有。",
                                     "orders is required by every notebook and is missing."))
    return summary


def _round(value: Any) -> float | int | None:
    if is_na(value):
        return None
    value = float(value)
    return int(value) if value.is_integer() else round(value, 2)
