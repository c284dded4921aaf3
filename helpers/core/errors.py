"""Errors a user can act on: each names the file, the column, example rows and the fix."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Bad input: says which file, which column, which rows, and what to do."""

    def __init__(self, problem: str, *, file: str | Path | None = None, column: str | None = None,
                 examples: list[str] | None = None, fix: str | None = None):
        self.file = str(file) if file is not None else None
        self.column = column
        self.examples = examples or []
        self.fix = fix
        parts = []
        if self.file:
            parts.append(f"{self.file}:")
        if column:
            parts.append(f"column {column!r}:")
        parts.append(problem)
        message = " ".join(parts)
        if self.examples:
            message += "\n  e.g. " + "\n       ".join(self.examples)
        if fix:
            message += f"\n  Fix: {fix}"
        super().__init__(message)


