"""The building blocks of the data contract: column and table definitions and the registry
(:data:`TABLES`) that :mod:`helpers.core.contract` and its companion modules
(``contract_detail``, ``contract_planning``) register their tables into."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("str", "int", "float", "date", "datetime", "bool")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    description: str
    required: bool = True  # the column must exist in the file
    nullable: bool = False  # empty cells allowed
    aliases: tuple[str, ...] = ()  # other headers that mean this column (Chinese exports)
    min_value: float | None = None  # smallest allowed value (0 for counts and amounts)
    max_value: float | None = None
    choices: tuple[str, ...] | None = None  # allowed values after value_aliases
    value_aliases: dict[str, str] = field(default_factory=dict)  # export value -> contract value
    additive: bool = False  # summed in `workbook check` totals
    unit: str = ""
    # the grammar of a number (helpers.core.values): money, count, rate, plain or any; derived
    # from the kind, unit and bounds unless given
    number: str = ""
    future: bool = False  # a date or time that may lie ahead (a planned campaign); others may not
    # the value of every row when the file lacks this (optional) column, so that an optional key
    # column is never empty (helpers.core.validate fills it); None: the column is left empty
    default: str | None = None

    def __post_init__(self):
        if self.kind in ("int", "float") and not self.number:
            if self.unit == "元":
                grammar = "money"
            elif self.kind == "float" and self.min_value == 0 and self.max_value == 1:
                grammar = "rate"
            elif self.kind == "int" or self.unit in ("件", "人", "次", "笔"):
                grammar = "count"
            else:
                grammar = "plain"
            object.__setattr__(self, "number", grammar)


@dataclass(frozen=True)
class RowRule:
    """A check across columns of one row: ``bad(table)`` is an Ibis condition true for a row
    that cannot be right (more buyers than visitors, money paid for nothing)."""

    columns: tuple[str, ...]
    problem: str
    fix: str
    bad: Any = field(compare=False, repr=False)
    # a rule that only notes: the rows stay (the 口径 says what happens to them) and every report
    # on the data says how many there are, in Chinese as ``note_zh``
    note_zh: str = ""


def _above(smaller: str, larger: str, fix: str) -> RowRule:
    return RowRule((smaller, larger), f"{smaller} above {larger}", fix,
                   lambda t: t[smaller] > t[larger])


_SWAPPED = "they are probably swapped, or come from different days or filters: export them again together."


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # columns that identify a row; duplicates are an error
    date_column: str  # the column that places a row in time (periods, ranges)
    grain: str  # one row per ...
    optional: bool = True  # notebooks can run without it (sections are skipped)
    rules: tuple[RowRule, ...] = ()  # checks across the columns of one row

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name, kind, description, **kw) -> Column:
    return Column(name=name, kind=kind, description=description, **kw)


TABLES: dict[str, Table] = {}


def _register(table: Table) -> None:
    TABLES[table.name] = table


#: What every ad report counts (ads, ad_keywords, ad_crowds): one definition, one 口径.
AD_VOLUME = (
    _c("impressions", "int", "impressions (展现量)", min_value=0, additive=True, unit="次", aliases=("展现量",)),
    _c("clicks", "int", "clicks (点击量)", min_value=0, additive=True, unit="次", aliases=("点击量",)),
    _c("spend", "float", "spend (花费)", min_value=0, additive=True, unit="元", aliases=("花费", "消耗")),
)
AD_RESULTS = (
    _c("attributed_orders", "int", "orders attributed within the window", min_value=0, additive=True,
       unit="笔", aliases=("总成交笔数", "成交笔数")),
    _c("attributed_amount", "float", "sales attributed within the window; a conversion-only report has none: "
       "ROI is then unknown, never 0", min_value=0, additive=True, unit="元", required=False, nullable=True,
       aliases=("总成交金额", "成交金额")),
)
