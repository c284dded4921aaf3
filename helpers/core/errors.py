"""Errors a user can act on: each names the file, the column, example rows and the fix."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Bad input: says which file, which column, which rows, and what to do.

    One error can carry several problems (:meth:`several`): a check reports every problem of a
    table at once, so four mistakes take one run to find, not five.
    """

    def __init__(self, problem: str, *, file: str | Path | None = None, column: str | None = None,
                 examples: list[str] | None = None, fix: str | None = None):
        self.file = str(file) if file is not None else None
        self.column = column
        self.problem = problem
        self.examples = examples or []
        self.fix = fix
        self.problems: list[DataError] = [self]
        super().__init__(self.describe(with_file=True))

    def describe(self, with_file: bool) -> str:
        parts = []
        if self.file and with_file:
            parts.append(f"{self.file}:")
        if self.column:
            parts.append(f"column {self.column!r}:")
        parts.append(self.problem)
        message = " ".join(parts)
        if self.examples:
            message += "\n  e.g. " + "\n       ".join(self.examples)
        if self.fix:
            message += f"\n  Fix: {self.fix}"
        return message

    @classmethod
    def several(cls, problems: list[DataError], file: str | Path | None = None) -> DataError:
        """One error listing every problem (the first problem's error itself when there is one)."""
        if len(problems) == 1:
            return problems[0]
        error = cls(f"{len(problems)} problems", file=file)
        error.problems = list(problems)
        body = "\n".join(f"{i}. " + p.describe(with_file=p.file != error.file).replace("\n", "\n   ")
                         for i, p in enumerate(problems, 1))
        error.args = (f"{error.file + ': ' if error.file else ''}{len(problems)} problems\n{body}",)
        return error
