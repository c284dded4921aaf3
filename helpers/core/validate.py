"""In-engine validation: every table, whatever its source, checked against its contract.

Files, Parquet and warehouse tables go through the same checks inside the engine, so a
table of millions of rows is checked without loading it: required columns, values readable
as their kind, empty cells, bounds, allowed values, duplicate keys. A problem is a
:class:`~helpers.core.errors.DataError` naming the origin, the column, example rows and the
fix; a repair (exact duplicate rows removed, spaces around ids) is a sticky note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpers.core.contract import TABLES, Column, Table
from helpers.core.errors import DataError
from helpers.core.notes import Note
from helpers.core.readers import MAX_EXAMPLES, is_na
from helpers.core.values import FIXES

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

def _ibis_type(kind: str) -> str:
    return {"str": "string", "int": "int64", "float": "float64", "date": "date",
            "datetime": "timestamp", "bool": "boolean"}[kind]


def _describe_rows(frame: pd.DataFrame, table: Table, columns: tuple[str, ...] = ()) -> list[str]:
    out = []
    for _, row in frame.head(MAX_EXAMPLES).iterrows():
        where = f"line {row['_line']}: " if "_line" in row and not is_na(row["_line"]) else ""
        keys = ", ".join(f"{k}={row[k]}" for k in table.key if k in row)
        values = ", ".join(f"{c}={row[c]!r}" for c in columns if c in row and c not in table.key)
        out.append(f"{where}{keys}" + (f" -> {values}" if values else ""))
    return out


#: Before online shops: an older date is a typo. Public order histories reach back to the 1990s
#: (CDNOW, 1997), so the window starts in 1990.
EARLIEST = "1990-01-01"


def _date_window(col: Column, c) -> tuple:
    """Days a shop's record can fall on: from 1990 to tomorrow (today in any time zone), or any
    day ahead for a column that plans (a campaign's dates). One order dated 2099 would move
    every default period to 2099."""
    import datetime as dt

    import ibis

    latest = dt.date.today() + dt.timedelta(days=1)
    first = dt.date.fromisoformat(EARLIEST)
    low, high = (dt.datetime.combine(first, dt.time.min), dt.datetime.combine(latest, dt.time.max)) \
        if col.kind == "datetime" else (first, latest)
    bad = c < ibis.literal(low)
    reach = f"from {first.year}"
    if not col.future:
        bad = bad | (c > ibis.literal(high))
        reach += f" to {latest.isoformat()}"
    return ((col.name,), bad.fill_null(False), f"dates outside {reach}",
            "a date this far off is a typo or a wrong date format (day and month swapped? a two-digit year?).")


def validate_table(expr: ir.Table, table_name: str, origin: str,
                   passed: dict | None = None) -> tuple[ir.Table, dict]:
    """Check a table against its contract inside the engine.

    Parameters
    ----------
    expr : the table (with contract column names; a ``_line`` column, when
        present, gives file line numbers for messages).
    table_name : contract table name.
    origin : file, folder or warehouse table the data came from, for messages.
    passed : the record of an earlier validation of the very same files (see
        :func:`helpers.core.cache.validation_record`): the checks are not run again, only
        the casts and the repairs they found.

    Returns
    -------
    (table, record): the table restricted to contract columns and cast to contract types,
    with exact duplicate rows removed and text stripped; the record is ``{"notes": [Note],
    "duplicates_removed": bool, "stripped": [column]}``, what :func:`helpers.core.cache.
    save_validation_record` keeps.

    Raises
    ------
    DataError
        on a missing required column, nulls where none are allowed, values out
        of bounds or outside the allowed set, or duplicate keys whose rows differ.
    """
    table = TABLES[table_name]
    notes: list[Note] = []
    present = set(expr.columns)
    for col in table.columns:
        if col.name not in present:
            if col.required:
                raise DataError("required column is missing", file=origin, column=col.name,
                                fix=f"add `{col.name}` ({col.description}); see docs/data.md.")
            expr = expr.mutate(**{col.name: _absent_value(col)})
    extra = [c for c in expr.columns if c not in table.names and c != "_line"]
    if extra:
        names = ", ".join(extra)
        notes.append(Note(f"{origin}：忽略了不属于 `{table_name}` 表的列：{names}",
                          f"{origin}: ignored columns not in the `{table_name}` contract: {names}", sticky=True))
    cast = {}
    numeric_ids = [c.name for c in table.columns if c.kind == "str" and c.name in present
                   and (expr[c.name].type().is_integer() or expr[c.name].type().is_floating())]
    if numeric_ids and passed is None:  # an empty column of no type reads as numbers too: not a loss
        filled = expr.aggregate(**{name: expr[name].count() for name in numeric_ids}).execute().iloc[0]
        numeric_ids = [name for name in numeric_ids if filled[name]]
    elif passed is not None:
        numeric_ids = []  # the record's notes have them already
    for name in numeric_ids:
        notes.append(Note(f"{origin}：`{name}` 列以数字存储：原本以 0 开头的编号（如 00123）已丢失开头的 0，"
                          "与其他表的编号可能对不上；请以文本存储编号",
                          f"{origin}: column `{name}` is stored as numbers: ids that began with 0 (00123) have "
                          "lost their zeros and may not match other tables; store ids as text", sticky=True))
    for col in table.columns:
        want = _ibis_type(col.kind)
        if str(expr[col.name].type()).rstrip("!") != want:
            cast[col.name] = expr[col.name].try_cast(want)
    problems: list[DataError] = []
    if cast and passed is None:
        for name, casted in cast.items():
            failed = expr.filter(expr[name].notnull() & casted.isnull())
            n_failed = failed.count().execute()
            if n_failed:
                problems.append(DataError(f"{n_failed} values cannot be read as {table.column(name).kind}",
                                          file=origin, column=name, fix=FIXES[table.column(name).kind],
                                          examples=_describe_rows(failed.limit(MAX_EXAMPLES).execute(), table,
                                                                  (name,))))
        if problems:  # the other checks need the casts to work
            raise DataError.several(problems, origin)
    if cast:
        expr = expr.mutate(**cast)
    keep = [*table.names, *(["_line"] if "_line" in expr.columns else [])]
    expr = expr.select(keep)
    if passed is not None:
        expr = _strip_text(expr, passed.get("stripped", []))
        if passed["duplicates_removed"]:
            expr = _drop_exact_duplicates(expr, table)
        return expr, dict(passed)  # the notes of the full check, this one's included

    checks = []  # (columns, condition of a bad row, problem, fix)
    for col in table.columns:
        c = expr[col.name]
        where = (col.name,)
        if not col.nullable:
            fix = "fill them in, or remove the rows if they are not real data."
            if col.name in table.key:
                fix = (f"`{col.name}` is part of the key ({', '.join(table.key)}), which cannot be empty: " + fix
                       + (f" Without the column every row counts as {col.default!r}." if col.default is not None
                          else ""))
            checks.append((where, c.isnull(), "empty values where the column must be filled", fix))
        if col.min_value is not None:
            checks.append((where, c < col.min_value, f"values below {col.min_value:g}",
                           "amounts and counts cannot be negative: returns belong in `refunds`, "
                           "not as negative order lines."))
        if col.max_value is not None:
            checks.append((where, c > col.max_value, f"values above {col.max_value:g}",
                           "check the unit (a rate of 35% is 0.35)."))
        if col.choices is not None:
            checks.append((where, c.notnull() & ~c.isin(list(col.choices)),
                           f"values outside the allowed set {list(col.choices)}",
                           "map them to an allowed value (the Chinese names in docs/data.md are accepted)."))
        if col.kind in ("date", "datetime"):
            checks.append(_date_window(col, c))
    for rule in table.rules:
        if not rule.note_zh:
            checks.append((rule.columns, rule.bad(expr).fill_null(False), rule.problem, rule.fix))
    noted = [rule for rule in table.rules if rule.note_zh]
    # Ids and names must match across tables as they do in CSV exports (whose cells the
    # parser strips); a padded value of a column with a fixed set is refused below instead.
    text = [col.name for col in table.columns if col.kind == "str" and col.choices is None]
    if checks or text:
        import ibis

        counts = expr.aggregate(**{f"c{i}": ibis.ifelse(cond, 1, 0).sum()
                                   for i, (_, cond, _, _) in enumerate(checks)},
                                **{f"n{i}": ibis.ifelse(rule.bad(expr).fill_null(False), 1, 0).sum()
                                   for i, rule in enumerate(noted)},
                                **{f"padded_{name}": ibis.ifelse(_is_padded(expr[name]), 1, 0).sum()
                                   for name in text}).execute()
        for i, (columns, cond, problem, fix) in enumerate(checks):
            n = counts[f"c{i}"].iloc[0]
            if n and n > 0:
                examples = expr.filter(cond).limit(MAX_EXAMPLES).execute()
                problems.append(DataError(f"{int(n)} rows have {problem}", file=origin, column=", ".join(columns),
                                          examples=_describe_rows(examples, table, columns), fix=fix))
        if problems:
            raise DataError.several(problems, origin)
        for i, rule in enumerate(noted):
            if n := int(counts[f"n{i}"].iloc[0] or 0):
                notes.append(Note(f"{origin}：{n} {rule.note_zh}",
                                  f"{origin}: {n} {rule.problem} ({rule.fix})", sticky=True))
        padded = {name: int(counts[f"padded_{name}"].iloc[0] or 0) for name in text}
        padded = {name: n for name, n in padded.items() if n}
        expr = _strip_text(expr, list(padded))
        notes.extend(Note(f"{origin}：`{name}` 列有 {n} 个值前后带空格（已去除，与 CSV 导出一致）",
                          f"{origin}: column `{name}`: {n} values had spaces around them (removed, as for CSV "
                          "exports)", sticky=True)
                     for name, n in padded.items())
    else:
        padded = {}
    expr, dup_notes = _check_duplicate_keys(expr, table, origin)
    return expr, {"notes": notes + dup_notes, "duplicates_removed": bool(dup_notes), "stripped": list(padded)}


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


def _absent_value(col: Column):
    """What a column the data lacks holds: its contract default, else empty. The readers leave
    absent columns out so that this is the one place that fills them (a default written by a
    reader would hide an empty column the file does have)."""
    import ibis

    if col.default is not None:
        return ibis.literal(col.default).cast(_ibis_type(col.kind))
    return ibis.null().cast(_ibis_type(col.kind))


def _check_duplicate_keys(expr: ir.Table, table: Table, origin: str) -> tuple[ir.Table, list[Note]]:
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
    note = Note(f"{origin}：删除了 {removed} 行完全重复的数据（{n_keys} 个键），这是叠加日期范围重叠的导出时产生的。",
                f"{origin}: removed {removed} exact duplicate rows ({n_keys} keys), which exports "
                "produce when overlapping date ranges are stacked.", sticky=True)
    return _drop_exact_duplicates(expr, table), [note]


def _drop_exact_duplicates(expr: ir.Table, table: Table) -> ir.Table:
    """One row per distinct content, keeping the first file line of each."""
    if "_line" in expr.columns:
        first_lines = expr.group_by(table.names).aggregate(_line=expr._line.min())
        return first_lines.select(expr.columns)
    return expr.select(table.names).distinct()


def _memtable(frame):
    import ibis

    return ibis.memtable(frame)


