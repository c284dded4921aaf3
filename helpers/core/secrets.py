"""Secrets never reach an output: one function masks them in every message, URL and parameter.

A connection URL carries its credentials in the user-info part (``user:password@``) or in
the query (``?password=...``); an ADO/ODBC string in ``Password=...;`` pairs. Passwords
contain ``/``, ``@``, ``:`` and spaces in real life, so the user-info part is taken to end at
the *last* ``@`` of the URL, not at the first character a well-formed URL would stop at.
"""

from __future__ import annotations

import re

MASK = "***"

_SECRET_KEYS = r"pass(?:word)?|pwd|token|secret|api_?key|access_?key|private_?key|credentials?|auth"
# scheme://anything up to the last @ before the end of the value (no white space inside a URL)
_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.\-]*://)(?P<userinfo>[^\s]*@)", re.I)
_QUERY_SECRET = re.compile(rf"(?P<key>[?&;](?:{_SECRET_KEYS})=)(?P<value>[^&#\s;]*)", re.I)
_PAIR_SECRET = re.compile(rf"(?P<key>(?:^|[;\s])\s*(?:{_SECRET_KEYS}|user ?id|uid)\s*=\s*)(?P<value>[^;]*)", re.I)


def mask_url(text: str) -> str:
    """``text`` with every credential replaced by ``***``: URL user info, secret query values,
    ``Password=`` pairs of DSN strings. Text without secrets comes back unchanged."""
    if not text:
        return text
    masked = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    masked = _QUERY_SECRET.sub(lambda m: f"{m['key']}{MASK}", masked)
    return _PAIR_SECRET.sub(lambda m: f"{m['key']}{MASK}", masked)


def has_secret(text: str) -> bool:
    """Whether ``text`` holds a credential :func:`mask_url` would hide."""
    return isinstance(text, str) and mask_url(text) != text
