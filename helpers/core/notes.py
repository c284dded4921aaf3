"""Notes: what a figure left out, repaired or could not compute, said once in each language.

A note reaches the report one way: the code that knows raises it with :func:`note` (a
:class:`MetricNote` warning carrying a :class:`Note`), wherever it is, and the report's
collector (:mod:`helpers.present.notes`) lists every note of the run in the report's
language. No helper returns notes beside its result and no notebook merges lists of them.

A computation that would repeat what its caller says runs inside :func:`quiet`; notes about
the data itself (what the loader repaired) are ``sticky`` and pass through it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Note:
    """One note in both report languages."""

    zh: str
    en: str
    sticky: bool = False  # survives quiet(): a fact about the data, not about one computation

    def text(self, lang: str) -> str:
        from helpers.i18n import is_zh

        return self.zh if is_zh(lang) else self.en

    def __str__(self) -> str:
        return self.en


class MetricNote(UserWarning):
    """A visible note about how a figure was computed; its message is a :class:`Note`."""

    def __init__(self, note: Note):
        if not isinstance(note, Note):
            raise TypeError("MetricNote takes a Note (zh and en); use helpers.core.notes.note()")
        super().__init__(note)

    @property
    def note(self) -> Note:
        return self.args[0]

    def __str__(self) -> str:
        return self.note.en


def note(zh: str, en: str, *, stacklevel: int = 2, sticky: bool = False) -> None:
    """Raise a note for the report.

    ``stacklevel`` counts as for :func:`warnings.warn` from the caller of this function: 2
    points at the caller's caller (the notebook line or test that called the helper).
    """
    warnings.warn(MetricNote(Note(zh, en, sticky)), stacklevel=stacklevel + 1)


def note_of(message: object) -> Note:
    """The :class:`Note` of a caught warning's message (a MetricNote, or any warning as text)."""
    if isinstance(message, MetricNote):
        return message.note
    text = str(message)
    return Note(text, text)


@contextmanager
def quiet() -> Iterator[None]:
    """Drop the notes raised inside, except sticky ones; other warnings pass on unchanged."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MetricNote)
        yield
    for w in caught:
        if issubclass(w.category, MetricNote):
            if w.message.note.sticky:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


@contextmanager
def caught(sticky: bool = False) -> Iterator[list[Note]]:
    """Collect the notes raised inside into the yielded list (filled when the block ends)
    instead of raising them. Sticky notes pass on unless ``sticky=True`` collects them too."""
    found: list[Note] = []
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", MetricNote)
        yield found
    for w in record:
        if issubclass(w.category, MetricNote) and (sticky or not w.message.note.sticky):
            found.append(w.message.note)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
