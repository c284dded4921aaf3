"""Reading one cell of an export: a grammar per column kind that refuses what it cannot read.

Numbers follow the column's kind (:attr:`helpers.core.contract.Column.number`):

=========  ===========================================================================
money      ``1234.5``, ``1,234.50``, ``¥12.50``, ``12.50元``, ``1.2万``: yuan only; another
           currency (``$12.50``, ``€9``, ``HK$3``) is refused: the shop's currency is yuan
count      ``1,234``, ``1.2万``, ``3亿``; whole numbers for whole-number columns
rate       ``0.0352`` or ``3.52%`` (= 0.0352); 万/亿 and currencies are refused
plain      indexes, scores, seconds: ``1,234.5``, ``1.2万``; no ``%``, no currency
any        a column holding several kinds (``peers``: rates and yuan): ``%`` and ``¥`` accepted
=========  ===========================================================================

Everywhere: a thousands separator (``,``, a space) separates groups of exactly three digits,
so ``12,5`` (a decimal comma) and ``1,2,3`` are refused instead of read as 125 and 123;
``inf``, ``Infinity`` and ``1e999`` are refused. Missing is an empty cell, ``-``, ``--`` or
``—`` (numbers also ``null``, ``none``, ``nan``, ``n/a``); in a text column only the first
four: a buyer called ``None`` is a buyer. Dates accept the forms platforms write, and a time
with an offset (``+08:00``, ``Z``) is turned into the shop's local time (Asia/Shanghai).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from helpers.core.contract import Column
from helpers.core.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

MAX_EXAMPLES = 5
SHOP_TIMEZONE = "Asia/Shanghai"
TEXT_MISSING = frozenset({"", "-", "--", "—"})
NUMBER_MISSING = TEXT_MISSING | {"null", "none", "nan", "n/a", "#n/a"}

_NUMBER = r"[+-]?(?:\d{1,3}(?:[, \u00a0]\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d{1,3})?"
_YUAN_PREFIX = r"^(?:[¥￥]|RMB|CNY)\s*"
_OTHER_CURRENCY = r"[$€£₩₹]|US\$|HK\$|NT\$|USD|EUR|HKD|JPY|GBP|円"
_DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M",
                 "%Y年%m月%d日", "%Y-%m")
_BOOLS = {"true": True, "t": True, "1": True, "yes": True, "y": True, "是": True,
          "false": False, "f": False, "0": False, "no": False, "n": False, "否": False}
_SCIENTIFIC_ID = r"^\d(\.\d+)?[eE]\+\d+$"
_EXCEL_TEXT = r'^="(.*)"$'  # an id an export wrote as ="2839..." so that Excel keeps it as text
_FORMULA_START = ("=", "+", "-", "@")

FIXES = {
    "int": "use whole numbers (thousands separators are fine); leave the cell empty or '-' if unknown.",
    "float": "use numbers such as 1234.5, 1,234.5, ¥12.50 or 3.5%; leave empty or '-' if unknown.",
    "date": "use dates such as 2026-11-11, 2026/11/11 or 20261111.",
    "datetime": "use times such as 2026-11-11 10:30:00 or 2026/11/11 10:30.",
    "bool": "use true/false, 1/0, yes/no or 是/否.",
    "str": "",
}


def parse_column(raw: pd.Series, col: Column, lines: pd.Series | list, file: Path | str) -> pd.Series:
    """Parse one column's raw text cells to its contract kind, or raise naming the bad cells.

    Nothing is coerced silently: a cell that the column's grammar cannot read is an error
    naming the file, the column, example lines with the reason for each, and the fix.
    Vectorised: a 500,000-line export parses in about a second.

    Parameters
    ----------
    raw : the cells as text (None or "" for empty).
    col : the contract column.
    lines : the file line of each cell, for messages.
    file : the file's name, for messages.
    """
    import pandas as pd

    raw = pd.Series(raw).reset_index(drop=True).fillna("").astype("str")  # Arrow-backed: vectorised
    lines = pd.Series(list(lines))
    text = raw.str.strip()
    missing_tokens = TEXT_MISSING if col.kind == "str" else NUMBER_MISSING
    missing = text.str.lower().isin(missing_tokens)
    text = text.mask(missing, None)
    reasons = pd.Series(None, index=text.index, dtype=object)
    if col.kind in ("date", "datetime"):
        series, reasons = _parse_times(text, missing, col)
    elif col.kind in ("int", "float"):
        series, reasons = _parse_numbers(text, missing, col)
    elif col.kind == "bool":
        series = text.str.lower().map(_BOOLS).astype("boolean")
        reasons = reasons.mask(series.isna() & ~missing, "not one of true/false, 1/0, yes/no, 是/否")
    else:
        series = _parse_text(text, raw, col, lines, file)
    bad = reasons.notna()
    if bad.any():
        idx = bad[bad].index[:MAX_EXAMPLES]
        raise DataError(f"{int(bad.sum())} values cannot be read as {col.kind}", file=file, column=col.name,
                        examples=[f"line {lines[i]}: {raw[i]!r} ({reasons[i]})" for i in idx], fix=FIXES[col.kind])
    return series


def _parse_text(text, raw, col: Column, lines, file):
    # ="2839..." is an export's way to keep an id as text; the text inside is the id. A leading
    # apostrophe or tab is the same protection, unless what follows it would read as a formula.
    wrapped = text.str.match(_EXCEL_TEXT, na=False)
    text = text.mask(wrapped, text.str.replace(_EXCEL_TEXT, r"\1", regex=True))
    unquoted = text.str.lstrip("'\t").str.strip()
    formula = unquoted.str[:1].isin(_FORMULA_START)
    text = text.mask(~formula & ~wrapped, unquoted)
    if col.name.endswith("_id"):
        sci = text.str.match(_SCIENTIFIC_ID, na=False)
        if sci.any():
            idx = sci[sci].index[:MAX_EXAMPLES]
            raise DataError(
                f"{int(sci.sum())} ids are in scientific notation, so their digits are lost",
                file=file, column=col.name, examples=[f"line {lines[i]}: {raw[i]!r}" for i in idx],
                fix="Excel rewrote long ids as numbers: re-export the file from the platform and do not save it "
                "from Excel, or format the column as text before saving.")
    if col.value_aliases:
        text = text.replace(col.value_aliases)
    return text.astype("string")


def _parse_numbers(text, missing, col: Column):
    import numpy as np
    import pandas as pd

    grammar = col.number
    reasons = pd.Series(None, index=text.index, dtype=object)
    rest = text.fillna("").str.replace("\u00a0", " ", regex=False)

    def refuse(mask, reason):
        nonlocal reasons
        reasons = reasons.mask(mask & reasons.isna() & ~missing, reason)

    other = rest.str.contains(_OTHER_CURRENCY, regex=True, na=False)
    refuse(other, "a currency other than yuan: this shop reports in yuan (元)")
    yuan = rest.str.contains(_YUAN_PREFIX, regex=True, na=False) | rest.str.endswith("元", na=False)
    if grammar not in ("money", "any"):
        refuse(yuan, "a yuan amount in a column that is not money")
    rest = rest.str.replace(_YUAN_PREFIX, "", regex=True).str.removesuffix("元").str.strip()
    scale = pd.Series(1.0, index=text.index)
    percent = rest.str.endswith("%", na=False)
    if grammar not in ("rate", "any"):
        refuse(percent, "a percent in a column that is not a rate" + (" (yuan)" if grammar == "money" else ""))
    scale[percent] = 0.01
    rest = rest.mask(percent, rest.str[:-1])
    for suffix, factor in (("万", 1e4), ("亿", 1e8)):
        has = rest.str.endswith(suffix, na=False)
        if grammar == "rate":
            refuse(has, f"{suffix} in a rate")
        scale[has] = factor
        rest = rest.mask(has, rest.str[:-1])
    rest = rest.str.strip()
    form = rest.str.fullmatch(_NUMBER, na=False)
    comma = rest.str.contains(",", regex=False, na=False)
    refuse(~form & comma, "commas must separate groups of three digits (a decimal comma? write 12.5)")
    refuse(~form & rest.str.lower().str.contains("inf", regex=False, na=False), "not a finite number")
    refuse(~form, "not a number")
    numbers = pd.to_numeric(rest.where(form).str.replace(r"[, ]", "", regex=True), errors="coerce") * scale
    refuse(form & ~np.isfinite(numbers.fillna(0.0)), "too large: not a finite number")
    if col.kind == "int":
        refuse(numbers.notna() & (numbers % 1 != 0), "not a whole number")
        series = numbers.mask(reasons.notna()).round().astype("Int64")
    else:
        series = numbers.mask(reasons.notna()).astype("float64")
    return series, reasons


def _parse_times(text, missing, col: Column):
    import pandas as pd

    reasons = pd.Series(None, index=text.index, dtype=object)
    zoned = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True, na=False) & text.str.contains(
        r"\d[T ]\d", regex=True, na=False)
    series = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    if zoned.any():  # an instant with its offset: the shop's local time of that instant
        local = pd.to_datetime(text[zoned], format="ISO8601", errors="coerce", utc=True)
        series[zoned] = local.dt.tz_convert(SHOP_TIMEZONE).dt.tz_localize(None).astype("datetime64[us]")
    plain = ~zoned
    series[plain] = pd.to_datetime(text[plain], format="ISO8601", errors="coerce")
    for fmt in _DATE_FORMATS:
        todo = series.isna() & ~missing & plain
        if not todo.any():
            break
        series[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    series = series.astype("datetime64[us]")
    reasons = reasons.mask(series.isna() & ~missing, "not a date or time")
    if col.kind == "date":
        reasons = reasons.mask(series.notna() & (series != series.dt.normalize()), "a time where a day is expected")
    return series, reasons
