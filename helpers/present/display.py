"""What a notebook shows besides tables and charts: escaped Markdown and the report's key figures.

Text that comes from data (titles, source names, review text) is made inert by
:func:`escape` before it reaches a sentence; tables escape their cells in
:func:`helpers.present.tables.style_table`.
"""

from __future__ import annotations

import html
import math
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~$])")

METRIC_MIME = "application/vnd.workbook.metric+json"


def escape(text: object) -> str:
    """Make data text inert in Markdown and HTML: ``<>&`` become entities, Markdown marks and
    ``$`` (which would start a formula) are escaped."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


def show_markdown(text: str) -> None:
    """Display Markdown in a notebook (plain print outside IPython)."""
    try:
        from IPython.display import Markdown, display

        display(Markdown(text))
    except ImportError:  # pragma: no cover - notebooks always have IPython
        print(text)


def record(name: str, value: float | int | str | None, unit: str = "", label: str = "") -> None:
    """Record one key figure of the report for the batch runner (``metrics.json``, the index).

    The figure travels as an output of a MIME type that HTML rendering ignores, so it adds
    nothing visible to the report; the runner reads it back from the executed notebook.

    Parameters
    ----------
    name : stable machine name, e.g. ``"sales"``, ``"conversion_rate"``.
    value : the figure (NaN and None are recorded as null).
    unit : ``"yuan"``, ``"pct"`` (a fraction), ``"count"``, ``"ratio"`` or free text.
    label : human label shown in the index, e.g. ``"支付金额"``.
    """
    if isinstance(value, float) and math.isnan(value):
        value = None
    elif hasattr(value, "item"):  # numpy scalars
        value = value.item()
    payload = {"name": name, "value": value, "unit": unit, "label": label or name}
    try:
        from IPython.display import display

        display({METRIC_MIME: payload}, raw=True)
    except ImportError:  # pragma: no cover - notebooks always have IPython
        pass
