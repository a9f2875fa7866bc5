"""Every error servicechain raises on purpose, in one place.

ServicechainError            base class; the CLI prints its message, never a traceback
├── UserError                a user mistake (bad option, missing file)
│   ├── ImportRejected       an import file failed validation; carries the row-level problems
│   └── Refused              a request refused with a translatable message (plans, ideas, ...)
└── StoreBusy                the DuckDB file is locked by another process
"""

from __future__ import annotations

from dataclasses import dataclass


class ServicechainError(Exception):
    """Base class of every error that the CLI reports as one clear line."""


class UserError(ServicechainError):
    """A user mistake: the message says what was wrong and what to do."""


class Refused(UserError):
    """A request refused for a reason the user can fix: ``message`` (English, with ``{name}``
    fields) and ``values``, so pages and the API can say it in the caller's language."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values) if values else message)
        self.message, self.values = message, values


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason an input file was refused, located as FILE:ROW:COLUMN.

    ``row`` counts lines as a spreadsheet shows them: the header is row 1, the first
    data row is row 2. ``row`` and ``column`` are empty for file-level problems.
    """

    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        column = self.column or ""
        return f"{self.file}:{row}:{column}: {self.reason}"


class ImportRejected(UserError):
    """An import found problems and wrote nothing."""

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems = problems
        self.total = total if total is not None else len(problems)
        first = str(problems[0]) if problems else "rejected"
        more = f" (and {self.total - 1} more)" if self.total > 1 else ""
        super().__init__(f"{first}{more}")


class StoreBusy(ServicechainError):
    """The embedded DuckDB store is opened for writing by another process."""
