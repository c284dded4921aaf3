"""Every ``WORKBOOK_*`` environment variable, read once into one frozen object.

The code never reads ``os.environ`` for its own settings: it asks :func:`get`, which reads
the environment the first time and keeps the result. A batch run hands a kernel its
settings through the kernel's own environment (:meth:`Settings.to_env`), never by changing
the environment of the process that starts it.

=================================  ===========================================================
variable                           meaning
=================================  ===========================================================
``WORKBOOK_DB_URL``                an Ibis connection URL of a warehouse (credentials live here,
                                   never in notebook parameters)
``WORKBOOK_CACHE_DIR``             where parsed exports are cached (``off`` disables the cache;
                                   default ``~/.cache/ecommerce-workbook``)
``WORKBOOK_DUCKDB_MEMORY_LIMIT``   DuckDB's memory cap, e.g. ``8GB`` (default: half the machine)
``WORKBOOK_DUCKDB_THREADS``        DuckDB's threads (default: every core)
``WORKBOOK_DUCKDB_TEMP_DIR``       where DuckDB spills beyond its cap
``WORKBOOK_STATIC``                ``1`` in batch runs: Explore sections show their default slice
``WORKBOOK_ID_SALT``               the secret that masks customer ids in reports
``WORKBOOK_BROWSER``               the Chromium, Chrome or Edge that prints reports to PDF (default:
                                   the first of chromium, google-chrome, microsoft-edge on the PATH)
``WORKBOOK_EXPORT_STAGING``        set by a batch run for its kernel: exports (CSV, XLSX) are staged
                                   there and published only when the report succeeded
``WORKBOOK_SHOPS``                 the shops the dashboard offers, ``name=folder`` separated by
                                   ``;``, e.g. ``旗舰店=/data/shop1;二店=/data/shop2`` (the sample
                                   shop is always offered too; see :mod:`helpers.present.dashboard`)
=================================  ===========================================================

Two variables are not the workbook's own: Voilà gives a dashboard kernel the page's query
string in ``QUERY_STRING`` (``shop=二店`` picks that configured shop by name), and
``VOILA_PREHEAT=True`` while a preheated kernel runs ahead of any request (the query string
arrives later, so :func:`reload` is called once it has). A batch run never passes them on.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from helpers.core.secrets import mask_url

#: Environment variable -> field of :class:`Settings`.
ENV = {
    "WORKBOOK_DB_URL": "db_url",
    "WORKBOOK_CACHE_DIR": "cache_dir",
    "WORKBOOK_DUCKDB_MEMORY_LIMIT": "duckdb_memory_limit",
    "WORKBOOK_DUCKDB_THREADS": "duckdb_threads",
    "WORKBOOK_DUCKDB_TEMP_DIR": "duckdb_temp_dir",
    "WORKBOOK_STATIC": "static",
    "WORKBOOK_ID_SALT": "id_salt",
    "WORKBOOK_EXPORT_STAGING": "export_staging",
    "WORKBOOK_BROWSER": "browser",
    "WORKBOOK_SHOPS": "shops",
}


@dataclass(frozen=True)
class Settings:
    """The workbook's settings. Empty text means "not set" (the documented default applies)."""

    db_url: str = ""
    cache_dir: str = ""
    duckdb_memory_limit: str = ""
    duckdb_threads: str = ""
    duckdb_temp_dir: str = ""
    static: bool = False
    id_salt: str = ""
    export_staging: str = ""
    browser: str = ""
    shops: str = ""
    query_string: str = ""
    voila_preheat: bool = False
    voila_page: bool = False  # this kernel serves a dashboard page (Voilà's SERVER_SOFTWARE)
    export_subdir: str = ""  # set by a dashboard page for its shop (never from the environment)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from an environment (default: this process's)."""
        environ = os.environ if environ is None else environ
        values = {}
        for variable, name in ENV.items():
            text = environ.get(variable, "").strip()
            values[name] = text == "1" if name == "static" else text
        # Voilà's, not ours: read here (the one place that reads the environment), never in to_env
        values["query_string"] = environ.get("QUERY_STRING", "").strip()
        values["voila_preheat"] = environ.get("VOILA_PREHEAT", "") == "True"
        values["voila_page"] = environ.get("SERVER_SOFTWARE", "").startswith("voila/")
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The ``WORKBOOK_*`` variables that give a child process (a kernel) these settings."""
        out = {}
        for variable, name in ENV.items():
            value = getattr(self, name)
            if name == "static":
                value = "1" if value else ""
            if value:
                out[variable] = value
        return out

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def cache_folder(self) -> Path | None:
        """Where parsed exports are cached; None when ``WORKBOOK_CACHE_DIR=off``."""
        if self.cache_dir.lower() == "off":
            return None
        return Path(self.cache_dir).expanduser() if self.cache_dir else Path.home() / ".cache" / "ecommerce-workbook"

    def __repr__(self) -> str:  # the URL and the salt are secrets: never printed whole
        shown = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        shown["db_url"] = mask_url(self.db_url)
        shown["id_salt"] = "***" if self.id_salt else ""
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


_current: Settings | None = None


def get() -> Settings:
    """The settings, read from the environment on first use."""
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current


def reload() -> Settings:
    """Read the environment again (after a test or a program changed it on purpose)."""
    global _current
    _current = Settings.from_env()
    return _current


def use(**changes) -> Settings:
    """Change the settings for the rest of this process (a dashboard page's kernel, once it
    knows which shop it serves)."""
    global _current
    _current = get().replace(**changes)
    return _current


@contextmanager
def override(**changes) -> Iterator[Settings]:
    """Use changed settings inside a ``with`` block (tests; one process serving several shops)."""
    global _current
    before = get()
    _current = before.replace(**changes)
    try:
        yield _current
    finally:
        _current = before
