"""Collecting what is wrong with an input file, cheaply even when a million cells are bad."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from servicechain.errors import ImportRejected, Problem

SHOWN = 50


class ProblemLog:
    """Problems of one file: keeps the first ``SHOWN`` by row and counts the rest."""

    def __init__(
        self,
        file: str,
        first_row: int = 2,
        columns: list[str] | None = None,
        row_numbers: np.ndarray | None = None,
    ) -> None:
        self.file = file
        self.first_row = first_row
        self.row_numbers = row_numbers
        self.columns = {name: position for position, name in enumerate(columns or [])}
        self._kept: list[Problem] = []
        self.total = 0

    def add(self, reason: str, *, row: int | None = None, column: str | None = None) -> None:
        """One problem; ``row`` is the spreadsheet row number (header = 1)."""
        self.total += 1
        self._kept.append(Problem(self.file, row, column, reason))

    def add_mask(
        self,
        mask: np.ndarray,
        column: str | None,
        reason: Callable[[int], str] | str,
    ) -> None:
        """Problems at every position where ``mask`` is true (positions are 0-based data rows).

        ``reason`` is a text, or a function of the position that builds one; it is called
        only for the first ``SHOWN`` positions.
        """
        positions = np.flatnonzero(mask)
        self.total += len(positions)
        for position in positions[:SHOWN]:
            text = reason(int(position)) if callable(reason) else reason
            self._kept.append(Problem(self.file, self.row_of(int(position)), column, text))

    def row_of(self, position: int) -> int:
        """Spreadsheet row number of a 0-based data position."""
        if self.row_numbers is not None:
            return int(self.row_numbers[position])
        return position + self.first_row

    def __bool__(self) -> bool:
        return self.total > 0

    def _order(self, problem: Problem) -> tuple[bool, int, int]:
        """File-level problems first, then by row, then by the column's place in the file."""
        column = self.columns.get(problem.column or "", -1)
        return (problem.row is not None, problem.row or 0, column)

    def raise_if_any(self) -> None:
        """Raise :class:`ImportRejected` with the first problems by row, if there are any."""
        if not self:
            return
        ordered = sorted(self._kept, key=self._order)
        raise ImportRejected(ordered[:SHOWN], total=self.total)


def quoted(cells: pd.Series, position: int) -> str:
    """The raw cell at ``position`` quoted for a message, shortened when long."""
    value = cells.iloc[position]
    text = "" if pd.isna(value) else str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def describe_cell(cells: pd.Series, template: str) -> Callable[[int], str]:
    """A reason builder for :meth:`ProblemLog.add_mask`: ``{value}`` becomes the quoted cell."""

    def reason(position: int) -> str:
        return template.replace("{value}", quoted(cells, position))

    return reason
