"""Recognising and reading platform exports through their profiles.

A file is recognised from its header, whatever it is called: the profiles whose signature
headers all appear in one of its first rows are its candidates (a vertically merged header
cell of an Excel export counts in the row below it). Several candidates of different exports
make the file ambiguous: it is refused, naming them. A file no profile knows is tried against
the contract's own tables (every required column under a contract name or alias).

Reading maps the headers through the profile, drops the totals row (合计), maps status values
(an unknown one is an error naming it), fills constants and the day given in the title rows,
derives source groups from source names, and parses every cell with the contract's grammar
(:mod:`helpers.core.values`). An order report and a line report (千牛 订单报表 + 宝贝报表) are
joined into order lines, the paid amount allocated to lines by list price x quantity.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers.core import cache, readers
from helpers.core.contract import TABLES, alias_table
from helpers.core.errors import DataError
from helpers.core.notes import Note
from helpers.core.platforms import (
    TOTAL_MARKS,
    FolderMapping,
    Profile,
    claimed_by,
    load_profiles,
    match_header,
    narrow_by_name,
    status_map,
)

if TYPE_CHECKING:
    import pandas as pd

MAX_EXAMPLES = readers.MAX_EXAMPLES
_TITLE_DAY = re.compile(r"(\d{4}[-/]\d{1,2}[-/]\d{1,2})(?:\s*[~～至到-]\s*(\d{4}[-/]\d{1,2}[-/]\d{1,2}))?")


@dataclass(frozen=True)
class Recognition:
    """What a file was recognised as: a profile, a contract table (contract headers) or nothing."""

    path: Path
    profile: Profile | None = None
    table: str | None = None
    candidates: tuple[str, ...] = ()  # the candidates' labels, when ambiguous

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


def combined_rows(rows: list[list[Any]]) -> list[list[str]]:
    """Each row with its empty cells filled from the row above: a header cell merged down over
    two rows (订单编号 beside 金额 > 实付/优惠) is read with the lower row."""
    out = []
    for i, row in enumerate(rows):
        cells = [readers._header_text(c) for c in row]
        if i:
            above = [readers._header_text(c) for c in rows[i - 1]]
            cells = [c or (above[j] if j < len(above) else "") for j, c in enumerate(cells)]
            cells += above[len(cells):]
        out.append(cells)
    return out


def _profile_header(profiles: list[Profile], name: str):
    def find(rows):
        for i, cells in enumerate(combined_rows(rows)):
            if narrow_by_name(match_header(cells, profiles), name):
                return i
        return -1
    return find


def recognise(path: Path, mapping: FolderMapping) -> Recognition:
    """The profile (or contract table) a file holds, from its header (its name only breaks ties
    between profiles, through their file-name hints)."""
    claimed = claimed_by(path.name, mapping)
    if claimed is not None:
        return Recognition(path, claimed, claimed.table)
    profiles = list(load_profiles().values())
    head, at, _, _ = readers.read_cells(path, lambda rows: -1)
    for cells in combined_rows(head):
        found = narrow_by_name(match_header(cells, profiles), path.name)
        if len(found) == 1:
            return Recognition(path, found[0], found[0].table)
        if found:
            return Recognition(path, candidates=tuple(f"{p.label} ({p.id}: {p.table})" for p in found))
    tables = []
    for name, table in TABLES.items():
        aliases = alias_table()[name]
        required = {c.name for c in table.columns if c.required}
        if any(required <= {aliases.get(str(c).strip().lower()) for c in row if c is not None} for row in head):
            tables.append(name)
    if len(tables) == 1:
        return Recognition(path, table=tables[0])
    return Recognition(path, candidates=tuple(f"contract table `{t}`" for t in tables))


def read_profile_file(path: Path, profile: Profile, mapping: FolderMapping) -> tuple[pd.DataFrame, list[Note]]:
    """One export read through its profile: the contract columns it holds, parsed, with ``_line``.

    Raises
    ------
    DataError
        every problem of the file at once: missing columns, unknown statuses or source
        names, unreadable values.
    """
    import pandas as pd

    table = TABLES[profile.table]
    head, header_at, encoding, chunks = readers.read_cells(path, _profile_header([profile], path.name)
                                                           if not profile.pattern else _pattern_header(profile))
    if header_at < 0:
        raise DataError(f"no header row with {', '.join(profile.signature)} in the first "
                        f"{readers.HEADER_SCAN_ROWS} rows", file=path,
                        fix=f"export {profile.label} again ({profile.menu}), without editing its header.")
    header = combined_rows(head[: header_at + 1])[header_at]
    where = {}
    for i, name in enumerate(header):
        where.setdefault(name, i)
    positions: dict[str, int] = {}
    for name, headers in profile.columns.items():
        for h in headers:
            if h in where:
                positions[name] = where[h]
                break
    aliases = alias_table()[profile.table]
    if not profile.pattern:  # a profile may leave the contract's own headers to the aliases
        for i, name in enumerate(header):
            target = aliases.get(name.lower())
            if target and target not in positions and target not in profile.columns and i not in positions.values():
                positions[target] = i
    filled = set(profile.constants) | set(profile.derive) | set(profile.title_fields) | (
        {profile.date_from_title} - {""})
    problems: list[DataError] = []
    wanted = profile.columns if profile.level != "rows" else {c.name: () for c in table.columns}
    absent = [n for n in wanted if n not in positions and n not in filled and table.column(n).nullable]
    for name in wanted:
        col = table.column(name)
        if col.required and not col.nullable and name not in positions and name not in filled:
            headers = ", ".join(profile.columns.get(name, ()) or col.aliases)
            fix = (f"map a header to {name} under `columns:` of this file's entry in {profile.path}."
                   if profile.pattern else f"export {profile.label} with that column ({profile.menu}), or map "
                   f"its header in {path.parent / 'workbook.yaml'}.")
            problems.append(DataError(f"the column for {name!r} is missing (headers read as it: {headers})",
                                      file=path, column=name, fix=fix))
    parts = list(chunks)
    body = pd.concat(parts) if parts else pd.DataFrame(columns=range(len(header)))
    body = body.reindex(columns=range(len(header)), fill_value="").fillna("")
    first = body.apply(lambda row: next((str(c).strip() for c in row if str(c).strip()), ""), axis=1) if len(body) else body
    totals = first.isin(TOTAL_MARKS) if len(body) else pd.Series(False, index=body.index)
    body = body[~totals]
    notes = []
    if int(totals.sum()):
        notes.append(Note(f"{path.name}：去掉了 {int(totals.sum())} 行合计行。",
                          f"{path.name}: dropped {int(totals.sum())} totals row(s) (合计).", sticky=True))
    for header_name, values in profile.row_filter.items():
        if header_name not in where:
            problems.append(DataError(f"the column {header_name!r} that says which rows count is missing",
                                      file=path, fix=f"export {profile.label} with it ({profile.menu})."))
            continue
        cells = body[where[header_name]].str.strip()
        kept = cells.isin(values)
        if (~kept).any():
            counts = cells[~kept].value_counts()
            shown = "、".join(f"{v or '(empty)'} {n}" for v, n in counts.items())
            notes.append(Note(f"{path.name}：只计 {header_name} 为 {'/'.join(values)} 的行，去掉了 {shown}。",
                              f"{path.name}: only rows whose {header_name} is {'/'.join(values)} count; "
                              f"dropped {shown}.", sticky=True))
        body = body[kept]
    names = [c.name for c in table.columns if c.name in positions or c.name in profile.constants
             or c.name == profile.date_from_title or c.name in profile.title_fields]
    virtual = pd.DataFrame({i: (body[positions[n]] if n in positions else pd.Series("", index=body.index))
                            for i, n in enumerate(names)}, index=body.index)
    for i, n in enumerate(names):
        if n in profile.constants:
            virtual[i] = virtual[i].mask(virtual[i].str.strip().eq(""), str(profile.constants[n]))
    if profile.date_from_title and profile.date_from_title not in positions:
        day = _title_day(head[:header_at], path, problems, profile.date_from_title)
        virtual[names.index(profile.date_from_title)] = day or ""
    title = " ".join(readers._header_text(c) for row in head[:header_at] for c in row)
    for name, pattern in profile.title_fields.items():
        if name in positions:
            continue
        found = re.search(pattern, title)
        if found is None:
            problems.append(DataError(f"the title rows do not give {name!r} (looked for {pattern!r})", file=path,
                                      column=name, fix=f"export {profile.label} unedited, with its title rows."))
        virtual[names.index(name)] = found.group(1).strip() if found else ""
    if "status" in positions:
        _map_values(virtual, names.index("status"), "status", status_map(profile) | mapping.statuses, profile,
                    path, header_at, problems)
    for name, values in profile.value_maps.items():
        if name in positions:
            _map_values(virtual, names.index(name), name, values, profile, path, header_at, problems)
    sub = dataclasses.replace(table, columns=tuple(table.column(n) for n in names))
    try:
        frame = readers._parse_chunk(virtual, sub, {n: i for i, n in enumerate(names)}, len(names), header_at, path)
    except DataError as exc:
        problems += exc.problems
        frame = None
    if frame is not None:
        for name in profile.per_unit:  # a line total (商品总价) as a unit price
            units = frame["quantity"].astype("Float64")
            frame[name] = (frame[name] / units.where(units > 0)).round(2).astype("float64")
        for target, source in profile.derive.items():
            if source in frame:
                _derive_group(frame, target, source, mapping, path, problems)
    if problems:
        raise DataError.several(problems, path)
    required_absent = [n for n in absent if table.column(n).required]
    if required_absent:  # the export does not have them: empty, and said so
        shown = ", ".join(required_absent)
        notes.append(Note(f"{path.name}：{profile.label} 没有这些列，留空：{shown}",
                          f"{path.name}: {profile.label} has no {shown}: left empty", sticky=True))
    if header_at:
        notes.append(Note(f"{path.name}：识别为 {profile.label}，跳过了表头上方的 {header_at} 行（{encoding}）。",
                          f"{path.name}: read as {profile.label}; skipped {header_at} rows above the header "
                          f"({encoding}).", sticky=True))
    return frame, notes


def _pattern_header(profile: Profile):
    def find(rows):
        for i, cells in enumerate(combined_rows(rows)):
            if len(set(cells) & profile.headers()) >= max(1, (len(profile.headers()) + 1) // 2):
                return i
        return -1
    return find


def _title_day(title_rows: list[list[Any]], path: Path, problems: list[DataError], column: str) -> str | None:
    """The day the title rows give (统计日期 2026-11-02 or 2026-11-02~2026-11-02); for a month or
    week column, the first day of the range (a month: its first day)."""
    text = " ".join(readers._header_text(c) for row in title_rows for c in row)
    found = _TITLE_DAY.search(text)
    if not found:
        problems.append(DataError("the file has no date column and its title rows name no day (统计日期)",
                                  file=path, column=column, fix="export one day per file (the title then "
                                  "says 统计日期 YYYY-MM-DD), or export with a 日期 column."))
        return None
    start, end = found.group(1), found.group(2) or found.group(1)
    if column == "month":
        year, month = re.split(r"[-/]", start)[:2]
        return f"{year}-{int(month):02d}-01"
    if column == "week":
        return start
    if start.replace("/", "-") != end.replace("/", "-"):
        problems.append(DataError(f"the title gives a range ({start} ~ {end}) and the rows have no day",
                                  file=path, column="date", fix="export by day (one file per day), or with a "
                                  "日期 column, so each row says its day."))
        return None
    return start


def _map_values(virtual, index: int, column: str, known: dict[str, str], profile: Profile, path: Path,
                header_at: int, problems: list[DataError]) -> None:
    raw = virtual[index].str.strip()
    unknown = raw.ne("") & ~raw.isin(list(known))
    if unknown.any():
        values = sorted(set(raw[unknown]))
        lines = [f"line {i + header_at + 2}: {raw[i]!r}" for i in raw[unknown].index[:MAX_EXAMPLES]]
        allowed = TABLES[profile.table].column(column).choices
        target = f"one of {', '.join(allowed)}" if allowed else "a value of the column"
        problems.append(DataError(f"unknown {column} value(s) {', '.join(map(repr, values))}", file=path,
                                  column=column, examples=lines,
                                  fix=f"map each to {target} in {path.parent / 'workbook.yaml'}"
                                  + (f" (`statuses: {{{values[0]}: ...}}`)" if column == "status" else
                                     f" (or under [values.{column}] of {profile.path.name if profile.path else 'the profile'})")
                                  + "."))
    virtual[index] = raw.map(lambda v: known.get(v, v))


def _derive_group(frame, target: str, source: str, mapping: FolderMapping, path: Path,
                  problems: list[DataError]) -> None:
    groups = mapping.groups()
    names = frame[source].astype("string")
    have = frame[target].astype("string") if target in frame else None
    derived = names.map(groups.get, na_action="ignore")
    if have is not None:  # a group the export states wins over the table
        derived = have.where(have.notna(), derived)
    missing = names.notna() & derived.isna()
    if missing.any():
        values = sorted(set(names[missing]))
        problems.append(DataError(f"no source group for {len(values)} source name(s): {', '.join(values[:10])}",
                                  file=path, column=target, fix="add them to workbook.yaml, e.g. `source_groups: "
                                  f"{{{values[0]}: free_search}}` (groups: free_search, paid, recommendation, live, "
                                  "affiliate, crm, offsite); docs/platforms/README.md lists the table."))
    frame[target] = derived.astype("string")


def allocate_paid(weights: pd.Series, orders: pd.Series, totals: pd.Series) -> pd.Series:
    """An order's paid amount spread over its lines in proportion to their weights.

    paid_line = paid_order x w_line / sum(w over the order), in yuan rounded to the fen; the
    fen lost to rounding go to the line of largest weight, so the lines add up to the order
    exactly. The weight is list price x quantity (the 宝贝报表's 价格 x 购买数量): discounts
    are assumed proportional to list value. An order whose weights are all 0 is spread
    equally.

    Parameters
    ----------
    weights : weight of each line (yuan).
    orders : the order id of each line (same index).
    totals : the paid amount of each line's order (same index, yuan).
    """
    import numpy as np

    w = weights.fillna(0.0).astype(float)
    n = w.groupby(orders).transform("size")
    total_w = w.groupby(orders).transform("sum")
    share = np.where(total_w > 0, w / total_w.where(total_w > 0, 1.0), 1.0 / n)
    cents = (totals.fillna(0.0).astype(float) * 100).round()
    paid = (cents * share).round()
    rest = cents - paid.groupby(orders).transform("sum")
    largest = w.groupby(orders).transform("idxmax") if len(w) else w
    paid = paid + np.where(largest == w.index, rest, 0.0)
    return (paid / 100).astype(float)


def join_order_lines(lines: pd.DataFrame, orders: pd.DataFrame, line_file: str, order_file: str
                     ) -> tuple[pd.DataFrame, list[DataError]]:
    """Lines of a line report joined to their orders of the order report: the order's buyer,
    times and status, its paid amount allocated by :func:`allocate_paid`."""
    problems = []
    dup = orders.order_id.duplicated(keep=False)
    if dup.any():
        problems.append(DataError(f"{int(dup.sum())} rows repeat an order id", file=order_file, column="order_id",
                                  examples=[f"line {x}" for x in orders._line[dup][:MAX_EXAMPLES]],
                                  fix="an order report has one row per order: export it again."))
        orders = orders[~orders.order_id.duplicated()]
    take = [c for c in orders.columns if c not in lines.columns or c in ("order_id", "status")]
    merged = lines.merge(orders[take], on="order_id", how="left", suffixes=("", "_order"), indicator=True)
    orphans = merged["_merge"].eq("left_only")
    if orphans.any():
        problems.append(DataError(f"{int(orphans.sum())} lines have no order in the order report", file=line_file,
                                  column="order_id", examples=[f"line {x}: order {o}" for x, o in zip(
                                      merged._line[orphans][:MAX_EXAMPLES], merged.order_id[orphans], strict=False)],
                                  fix="export the order report (订单报表) and the line report (宝贝报表) for the same "
                                  "days and filters."))
    lonely = ~orders.order_id.isin(lines.order_id)
    if lonely.any():
        problems.append(DataError(f"{int(lonely.sum())} orders have no line in the line report", file=order_file,
                                  column="order_id", examples=[f"line {x}: order {o}" for x, o in zip(
                                      orders._line[lonely][:MAX_EXAMPLES], orders.order_id[lonely], strict=False)],
                                  fix="export the line report (宝贝报表) for the same days and filters."))
    merged = merged[~orphans].drop(columns="_merge")
    if "status_order" in merged:  # the order's status unless the line says its own (a closed line)
        merged["status"] = merged["status"].where(merged["status"].notna(), merged["status_order"])
        merged = merged.drop(columns="status_order")
    weight = merged.list_price * merged.quantity
    merged["paid_amount"] = allocate_paid(weight, merged.order_id, merged.paid_amount).where(
        merged.paid_amount.notna())
    return merged, problems


def merge_sub_orders(frame: pd.DataFrame, path: str) -> tuple[pd.DataFrame, list[Note]]:
    """Sub-orders (子订单) of one order and product added up into one order line: quantity and
    paid amount summed, list price averaged by quantity, the first sub-order's other values.
    Sub-orders of one product in different states are refused (adding them up would misstate both)."""
    key = ["order_id", "product_id"]
    dup = frame.duplicated(key, keep=False)
    if not dup.any():
        return frame, []
    states = frame[dup].groupby(key, sort=False)["status"].nunique()
    mixed = states[states > 1]
    if len(mixed):  # one line cannot be paid and refunded at once: adding them up would misstate both
        orders = list(dict.fromkeys(mixed.index.get_level_values(0)))
        raise DataError(f"{len(orders)} order(s) have sub-orders of one product in different states (e.g. one "
                        f"paid, one closed): {', '.join(map(str, orders[:5]))}{' …' if len(orders) > 5 else ''}",
                        file=path, column="status",
                        fix="give the refund through the after-sales export (售后) instead, or keep each such product "
                        "in one state; the sub-orders are otherwise added up into one order line.")
    value = (frame.list_price * frame.quantity).groupby([frame.order_id, frame.product_id]).transform("sum")
    units = frame.quantity.groupby([frame.order_id, frame.product_id]).transform("sum")
    frame = frame.assign(list_price=(value / units.where(units > 0)).fillna(frame.list_price))
    sums = frame.groupby(key, sort=False)[["quantity", "paid_amount"]].sum(min_count=1)
    first = frame.groupby(key, sort=False).first().drop(columns=["quantity", "paid_amount"])
    merged = first.join(sums).reset_index()[frame.columns]
    n = int(dup.sum())
    return merged, [Note(f"{Path(path).name}：{n} 个子订单按（主订单，商品）合并为 {n - (len(frame) - len(merged))} 行订单行。",
                         f"{Path(path).name}: {n} sub-orders added up into {n - (len(frame) - len(merged))} "
                         "order lines (one per main order and product).", sticky=True)]


def read_table(files: list[Path], table_name: str, profiles: dict[Path, Profile],
               mapping: FolderMapping) -> tuple[pd.DataFrame, list[Note]]:
    """A contract table from its files: contract-named ones read as such, platform exports
    through their profiles, order and line reports joined. ``_line`` is ``file:line``.

    Raises
    ------
    DataError
        every problem of every file at once.
    """
    import pandas as pd

    table = TABLES[table_name]
    problems: list[DataError] = []
    notes: list[Note] = []
    parts: dict[str, list[tuple[Path, pd.DataFrame]]] = {"rows": [], "orders": [], "lines": []}
    failed = False  # a file that could not be read: its partner report is not "missing"
    for path in files:
        profile = profiles.get(path)
        try:
            if profile is None:
                frame, file_notes = readers.read_export(path, table_name)
                level = "rows"
            else:
                frame, file_notes = read_profile_file(path, profile, mapping)
                level = profile.level
                if profile.merge_lines:
                    frame, merged = merge_sub_orders(frame, str(path))
                    file_notes = file_notes + merged
        except DataError as exc:
            problems += exc.problems
            failed = True
            continue
        frame = frame.assign(_line=path.name + ":" + frame["_line"].astype(str))
        parts[level].append((path, frame))
        notes += file_notes
    frames = [f for _, f in parts["rows"]]
    if parts["lines"] or parts["orders"]:
        if (not parts["orders"] or not parts["lines"]) and not failed:
            have, lack = ("line report", "order report") if parts["lines"] else ("order report", "line report")
            shown = parts["lines"] or parts["orders"]
            profile = profiles[shown[0][0]]
            partner = next((p for p in load_profiles().values() if p.id == profile.join.get("with")
                            or p.join.get("with") == profile.id), None)
            problems.append(DataError(f"{'a' if parts['lines'] else 'an'} {have} without its {lack}: "
                                      + ("the paid amount, buyer and times are in the order report" if parts["lines"]
                                         else "the products and quantities are in the line report"),
                                      file=shown[0][0], fix=f"add the {lack} of the same days"
                                      + (f" ({partner.label}, {partner.menu})" if partner else "") + " to the folder."))
        elif not failed:
            lines = pd.concat([f for _, f in parts["lines"]], ignore_index=True)
            orders = pd.concat([f for _, f in parts["orders"]], ignore_index=True)
            joined, join_problems = join_order_lines(lines, orders, ", ".join(p.name for p, _ in parts["lines"]),
                                                     ", ".join(p.name for p, _ in parts["orders"]))
            problems += join_problems
            frames.append(joined)
            notes.append(Note("订单行的实付金额由订单报表的买家实际支付金额按 商品价格×数量 分摊到各行（宝贝报表无行级实付）。",
                              "Order lines' paid amounts are the order report's amount paid, allocated to the lines "
                              "by list price x quantity (the line report has no paid amount per line).", sticky=True))
    if problems:
        raise DataError.several(problems, files[0].parent if len(files) > 1 else files[0])
    notes = collapse_notes(notes, [p.name for p in files])
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for col in table.columns:  # an export without a required column leaves it empty (said in a note);
        if col.required and col.name not in out:  # validation fills the absent optional ones
            out[col.name] = _empty(col.kind, len(out))
    return out[["_line", *[n for n in table.names if n in out]]], notes


def collapse_notes(notes: list[Note], names: list[str], shown: int = 3) -> list[Note]:
    """One note for what many files of one export share ("161 files (a, b, c, …): read as 生意参谋
    市场排行; skipped 2 rows above the header"), instead of a note per file; notes that
    differ beyond the file name stay as they are."""
    groups: dict[tuple[str, str, bool], list[str]] = {}
    order: list[tuple[str, str, bool] | Note] = []
    for n in notes:
        name = next((f for f in names if n.zh.startswith(f + "：") and n.en.startswith(f + ": ")), None)
        if name is None:
            order.append(n)
            continue
        key = (n.zh[len(name) + 1:], n.en[len(name) + 2:], n.sticky)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(name)
    out = []
    for item in order:
        if isinstance(item, Note):
            out.append(item)
            continue
        files = groups[item]
        if len(files) == 1:
            out.append(Note(f"{files[0]}：{item[0]}", f"{files[0]}: {item[1]}", item[2]))
            continue
        listed = ", ".join(files[:shown]) + (", …" if len(files) > shown else "")
        out.append(Note(f"{len(files)} 个文件（{listed}）：{item[0]}", f"{len(files)} files ({listed}): {item[1]}",
                        item[2]))
    return out


def _empty(kind: str, n: int):
    import pandas as pd

    dtype = {"str": "string", "int": "Int64", "float": "float64", "date": "datetime64[us]",
             "datetime": "datetime64[us]", "bool": "boolean"}[kind]
    return pd.Series([None] * n, dtype=dtype)


def key_files(files: list[Path], profiles: dict[Path, Profile], mapping: FolderMapping) -> list[Path]:
    """The files a parsed table depends on: its exports, the profiles read them through, the
    folder's workbook.yaml and this reader (a change to any of them is a new cache key)."""
    here = Path(__file__).parent
    extra = sorted({p.path for p in profiles.values() if p.path and p.path.name != "workbook.yaml"})
    extra += [here / "__init__.py", here / "read.py", here / "source_groups.toml"]
    if mapping.path:
        extra.append(mapping.path)
    return [*files, *extra]


def parse_platform_exports(files: list[Path], table_name: str, profiles: dict[Path, Profile],
                           mapping: FolderMapping):
    """:func:`read_table` as one Arrow table with the contract's types (and ``_line``), and its
    notes; cached under the files, their profiles and the folder's mapping (:func:`key_files`)."""
    key = key_files(files, profiles, mapping)
    cached = cache.read_parsed(key, table_name)
    if cached is not None:
        return cached
    frame, notes = read_table(files, table_name, profiles, mapping)
    arrow = readers.to_arrow(frame, table_name)
    cache.write_parsed(key, table_name, arrow, notes)
    return arrow, notes
