"""Platform profiles: what each back office's export looks like, as data (one TOML file each).

A profile (``<platform>_<export>.toml`` in this folder) states the platform, the export's
name and menu path, the contract table it feeds, file-name hints, the headers that identify
it (``signature``), the header -> contract column map, the status values and how they map,
constants, derived columns and the source it was checked against. Adding an export is adding
a TOML file: nothing here names a platform.

A folder's own ``workbook.yaml`` maps exports no profile knows::

    files:
      - pattern: "店铺日报*.csv"          # file name (glob) -> table
        table: traffic
        columns: {日期: date, 渠道: source, 访客: visitors, 成交人数: paid_buyers, 成交额: paid_amount}
        status: {已完成: paid}            # optional: status value -> contract status
    source_groups: {小红书种草: offsite}  # optional: more (or other) source -> group entries
    statuses: {交易挂起: paid}           # optional: status values of any export a profile lacks

Source groups (``source_groups.toml``) turn the platforms' source names (手淘搜索, 直通车, ...)
into the contract's groups (:data:`helpers.core.contract.SOURCE_GROUPS`).
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from helpers.core.contract import ORDER_STATUS_ALIASES, SOURCE_GROUP_ALIASES, SOURCE_GROUPS, TABLES
from helpers.core.errors import DataError

PROFILE_DIR = Path(__file__).parent
MAPPING_FILE = "workbook.yaml"
TOTAL_MARKS = ("合计", "总计", "汇总", "总计:", "合计:")
LEVELS = ("rows", "orders", "lines")


@dataclass(frozen=True)
class Profile:
    """One export of one platform, read from its TOML file (or from a folder's workbook.yaml).

    ``columns`` maps a contract column to the headers that hold it, in order of preference
    (the first present wins); ``level`` is ``rows`` for a file that is a contract table by
    itself, ``orders`` for an order report (one row per order, no products) and ``lines`` for
    a line report (products of orders) that is joined to the order report named in ``join``.
    """

    id: str
    platform: str
    platform_name: str
    export: str
    menu: str
    table: str
    columns: dict[str, tuple[str, ...]]
    signature: tuple[str, ...]
    level: str = "rows"
    file_hints: tuple[str, ...] = ()
    encodings: tuple[str, ...] = ()
    statuses: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    derive: dict[str, str] = field(default_factory=dict)
    date_from_title: str = ""  # contract column filled from the title rows' 统计日期 (one day)
    title_fields: dict[str, str] = field(default_factory=dict)  # column -> regex on the title rows
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> export value -> value
    row_filter: dict[str, tuple[str, ...]] = field(default_factory=dict)  # header -> values of rows kept
    per_unit: tuple[str, ...] = ()  # columns the export gives per line, divided by quantity
    join: dict[str, Any] = field(default_factory=dict)
    merge_lines: bool = False  # several rows of one (order, product): sub-orders added up
    checked_against: tuple[str, ...] = ()
    notes: str = ""
    lost: str = ""
    path: Path | None = None
    pattern: str = ""  # workbook.yaml entries: the file-name glob they claim

    @property
    def label(self) -> str:
        return f"{self.platform_name} {self.export}"

    def headers(self) -> set[str]:
        return {h for hs in self.columns.values() for h in hs}


def _profile_from(data: dict, path: Path | None = None, pattern: str = "") -> Profile:
    table = data["table"]
    if table not in TABLES:
        raise DataError(f"profile names an unknown table {table!r}", file=path,
                        fix=f"use one of: {', '.join(TABLES)}.")
    columns = {}
    for name, headers in data.get("columns", {}).items():
        if name not in TABLES[table].names:
            raise DataError(f"profile maps to {name!r}, which table `{table}` does not have", file=path,
                            fix=f"use one of: {', '.join(TABLES[table].names)}.")
        columns[name] = (headers,) if isinstance(headers, str) else tuple(headers)
    level = data.get("level", "rows")
    if level not in LEVELS:
        raise DataError(f"profile level {level!r} is unknown", file=path, fix=f"use one of {LEVELS}.")
    return Profile(
        id=data["id"], platform=data.get("platform", "custom"), platform_name=data.get("platform_name", ""),
        export=data.get("export", ""), menu=data.get("menu", ""), table=table, columns=columns,
        signature=tuple(data.get("signature") or sorted({hs[0] for hs in columns.values()})),
        level=level, file_hints=tuple(data.get("file_hints", ())), encodings=tuple(data.get("encodings", ())),
        statuses=dict(data.get("statuses", {})), constants=dict(data.get("constants", {})),
        derive=dict(data.get("derive", {})), date_from_title=data.get("date_from_title", ""),
        title_fields=dict(data.get("title_fields", {})),
        value_maps={k: dict(v) for k, v in data.get("values", {}).items()},
        row_filter={k: tuple(v) for k, v in data.get("keep_rows", {}).items()},
        per_unit=tuple(data.get("per_unit", ())),
        join=dict(data.get("join", {})), merge_lines=bool(data.get("merge_lines", False)),
        checked_against=tuple(data.get("checked_against", ())), notes=data.get("notes", ""),
        lost=data.get("lost", ""), path=path, pattern=pattern)


@cache
def load_profiles() -> dict[str, Profile]:
    """Every profile in this folder, by id."""
    out = {}
    for path in sorted(PROFILE_DIR.glob("*.toml")):
        if path.name == "source_groups.toml":
            continue
        with path.open("rb") as fh:
            profile = _profile_from(tomllib.load(fh), path)
        out[profile.id] = profile
    return out


@cache
def default_source_groups() -> dict[str, str]:
    """Platform source name -> contract source group (``source_groups.toml``), with the
    contract's own group aliases (自然搜索, 付费推广, ...) and the group keys themselves."""
    with (PROFILE_DIR / "source_groups.toml").open("rb") as fh:
        table = tomllib.load(fh)["groups"]
    out = {g: g for g in SOURCE_GROUPS} | dict(SOURCE_GROUP_ALIASES)
    for group, names in table.items():
        for name in names:
            out[name] = group
    return out


@dataclass(frozen=True)
class FolderMapping:
    """A folder's ``workbook.yaml``: its own profiles and source groups."""

    path: Path | None = None
    profiles: tuple[Profile, ...] = ()
    source_groups: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)  # status value -> contract status, any export

    def groups(self) -> dict[str, str]:
        return default_source_groups() | self.source_groups


def read_mapping(folder: Path) -> FolderMapping:
    """The folder's ``workbook.yaml``, or an empty mapping when there is none.

    Raises
    ------
    DataError
        naming the entry and the fix when the file is malformed.
    """
    import yaml

    path = folder / MAPPING_FILE
    if not path.is_file():
        return FolderMapping()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DataError(f"cannot read the mapping file ({' '.join(str(exc).split())})", file=path,
                        fix="fix the YAML (indentation, quotes) or remove the file.") from None
    profiles = []
    for i, entry in enumerate(data.get("files", []) or [], 1):
        if not isinstance(entry, dict) or not {"pattern", "table", "columns"} <= set(entry):
            raise DataError(f"entry {i} of `files` needs pattern, table and columns", file=path,
                            fix="write e.g. {pattern: '日报*.csv', table: traffic, columns: {日期: date}}.")
        columns: dict[str, list[str]] = {}
        for header, name in entry["columns"].items():
            columns.setdefault(str(name), []).append(str(header))
        statuses = {str(k): str(v) for k, v in (entry.get("status") or {}).items()}
        profiles.append(_profile_from({"id": f"{MAPPING_FILE}#{i}", "platform": "custom",
                                       "platform_name": MAPPING_FILE, "export": entry["pattern"],
                                       "table": entry["table"], "columns": columns, "statuses": statuses,
                                       "derive": entry.get("derive", {}),
                                       "signature": [h for hs in columns.values() for h in hs]},
                                      path, pattern=str(entry["pattern"])))
    groups = {str(k): str(v) for k, v in (data.get("source_groups") or {}).items()}
    bad = {k: v for k, v in groups.items() if v not in SOURCE_GROUPS}
    if bad:
        raise DataError(f"source_groups names unknown groups: {bad}", file=path,
                        fix=f"use one of: {', '.join(SOURCE_GROUPS)}.")
    statuses = {str(k): str(v) for k, v in (data.get("statuses") or {}).items()}
    return FolderMapping(path, tuple(profiles), groups, statuses)


def status_map(profile: Profile) -> dict[str, str]:
    """Status value -> contract status: the profile's own, then the contract's aliases."""
    choices = TABLES[profile.table].column("status").choices if "status" in TABLES[profile.table].names else ()
    return {c: c for c in choices or ()} | dict(ORDER_STATUS_ALIASES) | profile.statuses


def match_header(cells: list[Any], profiles: list[Profile]) -> list[Profile]:
    """The profiles whose signature headers are all in ``cells``; a profile whose signature
    holds another's is more specific and hides it."""
    present = {str(c).strip() for c in cells if c is not None and str(c).strip()}
    hits = [p for p in profiles if p.signature and set(p.signature) <= present]
    return [p for p in hits if not any(set(p.signature) < set(q.signature) for q in hits)]


def narrow_by_name(candidates: list[Profile], name: str) -> list[Profile]:
    """Among several candidates, those whose file-name hints the file's name holds (all of
    them when none or several does)."""
    hinted = [p for p in candidates if any(h.lower() in name.lower() for h in p.file_hints)]
    return hinted if len(hinted) == 1 else candidates


def claimed_by(name: str, mapping: FolderMapping) -> Profile | None:
    """The workbook.yaml entry whose pattern matches the file's name, if any (the first)."""
    for profile in mapping.profiles:
        if fnmatch.fnmatch(name, profile.pattern):
            return profile
    return None
