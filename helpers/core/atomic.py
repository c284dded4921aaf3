"""Writing a file so that a reader sees the old copy or the new one, never half of either."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_atomically(path: Path, content: str | bytes | Callable[[Path], Any]) -> Path:
    """Put ``content`` at ``path`` through a temporary file beside it and one rename.

    Parameters
    ----------
    path : Path
        The file to create or replace; its folder is created when missing.
    content : str, bytes or callable
        Text (written as UTF-8), bytes, or ``write(tmp_path)`` for writers that want a path
        (Parquet, XLSX).

    Notes
    -----
    The temporary file carries the process id and a random part, so two writers never share
    one; it is removed when writing fails, and the old ``path`` is then left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        if isinstance(content, str):
            tmp.write_text(content, encoding="utf-8")
        elif isinstance(content, bytes):
            tmp.write_bytes(content)
        else:
            content(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
