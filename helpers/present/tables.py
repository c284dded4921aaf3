"""The one table styler of the reports: headers in the report's language, numbers formatted,
missing values as "—", every cell escaped."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

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
    return styler
