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
# scheme://anything up to the last @ of the line that a host name follows: passwords hold spaces too
_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.\-]*://)(?P<userinfo>[^\n]*@)(?=[\w.\-\[])", re.I)
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


def secret_values(url: str) -> list[str]:
    """The credential values inside a URL or DSN (the password, a token in the query): an error
    message may quote one without its URL around it."""
    values = []
    for m in _USERINFO.finditer(url or ""):
        userinfo = m["userinfo"][:-1]
        values.append(userinfo.split(":", 1)[1] if ":" in userinfo else userinfo)
    values += [m["value"] for m in _QUERY_SECRET.finditer(url or "")]
    values += [m["value"].strip() for m in _PAIR_SECRET.finditer(url or "")]
    return [v for v in values if len(v) >= 3]  # a one-letter "password" would mask half the report


def mask_text(text: str, secrets: list[str] = ()) -> str:
    """:func:`mask_url`, and every one of ``secrets`` replaced by ``***`` wherever it stands."""
    masked = mask_url(text)
    for value in secrets:
        masked = masked.replace(value, MASK)
    return masked
