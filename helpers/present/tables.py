"""The one table styler of the reports: headers in the report's language, numbers formatted,
missing values as "—", every cell escaped."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from helpers.core.metrics import METRICS
from helpers.i18n import is_zh, label_or_text
from helpers.present.format import DASH, formatter, report_lang


def style_table(
    df: pd.DataFrame,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    lang: str | None = None,
    *,
    columns: Sequence[str] | None = None,
    index_label: str | None = None,
    translate: bool = True,
    hide_index: bool = False,
    numbers: tuple[pd.DataFrame, pd.DataFrame] | None = None,
):
    """A pandas Styler for reports: headers in the report's language, numbers formatted, NaN
    as "—", booleans as 是/否 (yes/no), all text HTML-escaped.

    Parameters
    ----------
    df : DataFrame
    formats : dict column -> kind
        ``"yuan"``, ``"pct"``, ``"signed_pct"``, ``"count"``, ``"wan"``, ``"big"``,
        ``"ratio"``, a metric key (its unit decides) or a callable. Other columns are
        shown as they are (text escaped).
    lang : "zh" or "en"; None means the report's language.
    columns : show only these columns, in this order (those absent from ``df`` are skipped).
    index_label : a label key (or text) naming the index.
    translate : show column and index names that are label keys in ``lang``.
    hide_index : hide the row index.
    numbers : ``(values, kinds)`` for a table whose cells are already text (each row in its
        own unit): the numbers behind them and each cell's kind, the shape of the table shown,
        so that the report's XLSX gets numbers (:func:`keep_numbers`).

    Cells, index and header labels are HTML-escaped (product titles and reviews come from
    users and must not inject HTML into reports).
    """
    lang = report_lang(lang)
    formats = dict(formats or {})
    if columns is not None:
        kept = [c for c in columns if c in df.columns]
        df = df[kept]
        formats = {c: kind for c, kind in formats.items() if c in kept}
    missing = [c for c in formats if c not in df.columns]
    if missing:
        raise KeyError(f"formats name columns that are not in the table: {missing}")
    data = df.copy()
    yes, no = ("是", "否") if is_zh(lang) else ("yes", "no")
    for col in data.columns:
        if pd.api.types.is_bool_dtype(data[col]):
            data[col] = data[col].map({True: yes, False: no})
    if translate and not isinstance(data.columns, pd.MultiIndex):
        mapping = {c: label_or_text(c, lang) for c in data.columns}
        if len(set(mapping.values())) == len(mapping):  # never merge two columns
            data = data.rename(columns=mapping)
            formats = {mapping[c]: kind for c, kind in formats.items()}
    if index_label is not None:
        data.index.name = label_or_text(index_label, lang)
    elif translate:
        data.index = data.index.set_names([None if n is None else label_or_text(n, lang)
                                           for n in data.index.names])
    fmt = {col: formatter(kind, lang) for col, kind in formats.items()}
    styler = data.style.format(na_rep=DASH, escape="html")
    if fmt:
        styler = styler.format(fmt, na_rep=DASH, escape="html")
    styler = styler.format_index(escape="html", axis=0, na_rep=DASH)
    styler = styler.format_index(escape="html", axis=1, na_rep=DASH)
    if hide_index:
        styler = styler.hide(axis="index")
    # the table's numbers travel beside its HTML for the report's XLSX (helpers.runner.publish)
    styler.workbook_table = (table_payload(data, formats, hide_index) if numbers is None else
                             numbers_payload(data, numbers[0][list(df.columns)], numbers[1][list(df.columns)],
                                             hide_index))
    styler._repr_mimebundle_ = lambda include=None, exclude=None: _bundle(styler.workbook_table)
    return styler


def _bundle(payload: dict | None) -> dict:
    return {TABLE_MIME: payload} if payload else {}


#: The MIME type of a report table's data; HTML rendering ignores it.
TABLE_MIME = "application/vnd.ecommerce-workbook.table+json"
#: Excel number formats of the table kinds.
EXCEL_FORMATS = {"yuan": "#,##0.00", "pct": "0.00%", "signed_pct": "+0.00%;-0.00%;0.00%", "count": "#,##0",
                 "wan": "#,##0", "big": "#,##0", "ratio": "0.00"}
MAX_TABLE_ROWS = 20_000  # a longer table is in the report's HTML only


def excel_format(kind: Any) -> str | None:
    """The Excel number format of a table kind or a metric key (its unit decides); None for
    text and callables."""
    kind = METRICS[kind].kind if isinstance(kind, str) and kind in METRICS else kind
    return EXCEL_FORMATS.get(kind) if isinstance(kind, str) else None


def keep_numbers(shown: pd.DataFrame, values: pd.DataFrame, kinds: pd.DataFrame) -> pd.DataFrame:
    """``shown``, a table already formatted as text for reading (each row in its own unit, say),
    carrying the numbers behind it so that the report's XLSX holds numbers, not text.

    Parameters
    ----------
    shown : the table as displayed (text cells).
    values : the numbers, the same shape as ``shown`` (its index and headers are used).
    kinds : the kind of each cell (``"yuan"``, ``"pct"``, ``"signed_pct"``, ``"count"``, ...,
        or a metric key), the same shape; a cell of another kind is written as its value.

    Returns
    -------
    ``shown`` itself, with the payload in ``shown.attrs`` (read by :func:`capture_tables`).
    """
    shown.attrs[TABLE_ATTR] = numbers_payload(shown, values, kinds, hide_index=False)
    return shown


def numbers_payload(shown: pd.DataFrame, values: pd.DataFrame, kinds: pd.DataFrame, hide_index: bool) -> dict | None:
    """:func:`table_payload` of ``values`` under ``shown``'s index and headers, with each cell's
    Excel format from ``kinds`` (see :func:`keep_numbers`)."""
    if values.shape != shown.shape or kinds.shape != shown.shape:
        raise ValueError(f"values {values.shape} and kinds {kinds.shape} must have the shape of the table {shown.shape}")
    numbers = pd.DataFrame(values.to_numpy(), index=shown.index, columns=shown.columns)
    cells = [[excel_format(k) for k in row] for row in kinds.itertuples(index=False, name=None)]
    payload = table_payload(numbers, {}, hide_index=hide_index)
    if payload is not None:
        lead = len(payload["columns"]) - shown.shape[1]  # the index's columns come first
        payload["cell_formats"] = [[None] * lead + row for row in cells]
    return payload


#: Where :func:`keep_numbers` puts a formatted table's numbers.
TABLE_ATTR = "workbook_table"


def table_payload(data: pd.DataFrame, formats: Mapping[str, Any], hide_index: bool) -> dict | None:
    """A shown table as JSON for a spreadsheet: headers as shown, raw values (numbers stay
    numbers), the Excel number format of each formatted column; None for a table too long or
    with column levels."""
    if len(data) > MAX_TABLE_ROWS or isinstance(data.columns, pd.MultiIndex):
        return None
    frame = data.reset_index(drop=True)
    plain_rows = isinstance(data.index, pd.RangeIndex) and data.index.name is None
    if not hide_index and not plain_rows:  # the index is a column of the sheet (it may share a column's name)
        index = data.index.to_frame(index=False)
        index.columns = ["" if n is None else str(n) for n in data.index.names]
        frame = pd.concat([index, frame], axis=1)
    kinds = {str(col): excel_format(kind) for col, kind in formats.items() if excel_format(kind)}
    rows = []
    for row in frame.itertuples(index=False, name=None):
        rows.append([_json_value(v) for v in row])
    return {"columns": [str(c) for c in frame.columns], "rows": rows, "formats": kinds}


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def capture_tables() -> None:
    """Make every table a report displays travel with its data, not only those of
    :func:`style_table`: a DataFrame or a Styler shown in an IPython kernel gets the
    :data:`TABLE_MIME` bundle too (headers and values as shown, no number formats), so the
    report's XLSX holds all its tables. Outside IPython this does nothing."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - notebooks always have IPython
        return
    shell = get_ipython()
    if shell is None:
        return
    from pandas.io.formats.style import Styler

    formatter = shell.display_formatter.mimebundle_formatter

    def frame_bundle(frame):  # keep_numbers' payload when the frame carries one
        own = frame.attrs.get(TABLE_ATTR)
        return _bundle(own if own is not None else table_payload(frame, {}, hide_index=False))

    def styler_bundle(styler):  # style_table's own payload (with formats) when it made the Styler
        own = getattr(styler, "workbook_table", None)
        return _bundle(own if own is not None else table_payload(styler.data, {}, hide_index=False))

    formatter.for_type(pd.DataFrame, frame_bundle)
    formatter.for_type(Styler, styler_bundle)
