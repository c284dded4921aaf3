"""The one label table and the one language check.

Every word a report shows (table headers, metric names, segment and phase names) is a key
of ``helpers/labels.toml`` with one Chinese and one English wording; :func:`label` looks it
up. A report is wholly in its language, and a language other than ``zh`` or ``en`` is the
same clear error everywhere (:func:`check_lang`).

Sentences are composed where their numbers are (an area's views, a note), from these words,
one sentence per language.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LANGS = ("zh", "en")
LABELS_FILE = Path(__file__).with_name("labels.toml")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def check_lang(lang: Any) -> str:
    """``lang`` when it is a supported report language, else a ValueError saying which are.

    The one language check of the workbook: notebooks, helpers, the batch runner and the
    command line all call it, so ``lang="fr"`` fails the same way everywhere.
    """
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not supported; use one of {', '.join(LANGS)}")
    return lang


def is_zh(lang: Any) -> bool:
    """True for ``zh``, False for ``en``; any other value is :func:`check_lang`'s error."""
    return check_lang(lang) == "zh"


@functools.cache
def labels() -> Mapping[str, tuple[str, str]]:
    """The label table: key -> (中文, English), read once from ``labels.toml``."""
    with LABELS_FILE.open("rb") as fh:  # tomllib itself refuses a key defined twice
        table = tomllib.load(fh)
    return {key: (value["zh"], value["en"]) for key, value in table.items()}


def has_label(key: Any) -> bool:
    return isinstance(key, str) and key in labels()


def label(key: str, lang: str) -> str:
    """The wording of ``key`` in ``lang``: ``label("aov", "zh") == "客单价"``.

    Raises KeyError naming close keys for an unknown key, ValueError for an unknown language.
    """
    zh = is_zh(lang)
    try:
        pair = labels()[key]
    except KeyError:
        close = difflib.get_close_matches(str(key), list(labels()), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(f"no label {key!r} in {LABELS_FILE.name}{hint}") from None
    return pair[0 if zh else 1]


def label_or_text(value: Any, lang: str) -> str:
    """The label of ``value`` when it is a key of the table, else ``value`` as text (data
    values such as a source name or a product title pass through unchanged)."""
    return label(value, lang) if has_label(value) else str(value)


def pick(lang: str, zh: str, en: str) -> str:
    """One of two sentences by report language (sentences built where their figures are)."""
    return zh if is_zh(lang) else en


def add_label(key: str, zh: str, en: str, path: Path = LABELS_FILE) -> None:
    """Append one label to the table; refused when the key exists or is malformed.

    For developers adding a word: ``python -m helpers.i18n add KEY ZH EN``. The file is
    locked while it is read and appended, so several editors cannot lose each other's keys.
    """
    import fcntl
    import json

    if not _KEY.match(key):
        raise ValueError(f"label key {key!r}: use lower_snake_case ASCII")
    if _CJK.search(en):
        raise ValueError(f"label {key!r}: the English wording has Chinese characters: {en!r}")
    with path.open("r+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        text = fh.read()
        if key in tomllib.loads(text):
            raise ValueError(f"label {key!r} exists already")
        fh.seek(0, 2)
        end = "" if text.endswith("\n") else "\n"
        fh.write(f"{end}{key} = {{ zh = {json.dumps(zh, ensure_ascii=False)}, en = {json.dumps(en)} }}\n")
    labels.cache_clear()


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 5 or sys.argv[1] != "add":
        sys.exit("usage: python -m helpers.i18n add KEY ZH EN")
    add_label(*sys.argv[2:])
    print(f"added {sys.argv[2]}")
