"""The report's notes: every note raised while a notebook runs, listed once in its language.

:func:`start_report` (the first thing a notebook does) makes every
:class:`~helpers.core.notes.MetricNote` raised from then on a note of the report instead of
a warning; :func:`show_notes` (its last section) lists them. Nothing else carries notes:
no helper returns them and no notebook merges lists of them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from helpers.core.notes import MetricNote, Note, caught
from helpers.i18n import check_lang, is_zh
from helpers.present.display import escape, show_markdown
from helpers.present.format import report_lang

_COLLECTED: list[Note] = []
_STATE: dict[str, Any] = {"original": None}


def _showwarning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, MetricNote):
        collect(message.note)
        return
    _STATE["original"](message, category, filename, lineno, file, line)


def collect(note: Note) -> None:
    """Add a note to the report's list (once: a note raised twice is listed once)."""
    if all((n.zh, n.en) != (note.zh, note.en) for n in _COLLECTED):
        _COLLECTED.append(note)


def start_report(lang: str) -> str:
    """Begin a report in ``lang``: notes are collected from now on, formats and charts use
    ``lang``. Calling it again (a re-run notebook) starts a fresh list.

    Returns ``lang``, checked (:func:`helpers.i18n.check_lang`).
    """
    from helpers.present.charts import set_theme
    from helpers.present.tables import capture_tables

    check_lang(lang)
    set_theme(lang)
    capture_tables()
    _COLLECTED.clear()
    if _STATE["original"] is None:
        _STATE["original"] = warnings.showwarning
        warnings.showwarning = _showwarning
    warnings.simplefilter("always", MetricNote)  # every note, not once per line of code
    return lang


def collected() -> list[Note]:
    """The notes of the report so far, in the order they were raised."""
    return list(_COLLECTED)


def render_notes(notes: list[Note], lang: str) -> str:
    """The notes as a Markdown list under a heading ("" when there are none)."""
    if not notes:
        return ""
    head = "**数据说明**" if is_zh(lang) else "**Notes on the data**"
    return head + "\n\n" + "\n".join(f"- {escape(n.text(lang))}" for n in notes)


def show_notes(lang: str | None = None) -> None:
    """Show every note of the report so far, in the report's language."""
    text = render_notes(collected(), report_lang(lang))
    if text:
        show_markdown(text)


def capture(func: Callable[..., Any], *args, **kwargs) -> tuple[Any, list[Note]]:
    """``func(*args, **kwargs)`` and the notes it raised (for a view drawn on its own, such as
    an Explore slice, whose notes are shown under it)."""
    with caught() as notes:
        result = func(*args, **kwargs)
    return result, notes
