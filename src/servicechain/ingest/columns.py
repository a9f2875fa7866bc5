"""Column specifications and the typed reading of a file's cells against them."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from servicechain.ingest import cells
from servicechain.ingest.problems import ProblemLog, describe_cell


@dataclass(frozen=True)
class Column:
    """One canonical column of an import kind.

    ``parse`` turns text cells into typed values; ``expect`` completes the sentence
    "'abc' is not ..." in error messages; ``required`` means the column must be in the
    file, ``nullable`` that its cells may be empty.
    """

    name: str
    parse: Callable[[pd.Series], cells.Parsed]
    expect: str
    required: bool = True
    nullable: bool = False
    numeric: bool = False
    max_length: int | None = None


def code(name: str, *, required: bool = True, nullable: bool = False, max_length: int = 64) -> Column:
    """A code such as a unit or employee code (free text of at most ``max_length``)."""
    return Column(name, cells.text, "a code", required, nullable, max_length=max_length)


def label(
    name: str, expect: str, max_length: int, *, required: bool = True, nullable: bool = False
) -> Column:
    """A short text such as a name, a kind or a role."""
    return Column(name, cells.text, expect, required, nullable, max_length=max_length)


def free_text(name: str, *, required: bool = False) -> Column:
    """Optional free text of any length (a comment, a review text)."""
    return Column(name, cells.text, "text", required, nullable=True)


def scale_item(
    name: str,
    low: int,
    high: int,
    *,
    required: bool = True,
    nullable: bool = True,
    not_applicable: bool = False,
    labels: dict[str, int] | None = None,
) -> Column:
    """An answer on a scale from ``low`` to ``high``; empty (or ``n.v.t.`` where the scale
    allows it) means not applicable. ``labels`` maps answer texts (``Helemaal eens``) to
    their value, for survey tools that export the label instead of the number."""

    def parse(column: pd.Series) -> cells.Parsed:
        if not_applicable:
            column = cells.not_applicable_as_missing(column)
        if labels:
            column = cells.labels_as_numbers(column, labels)
        return cells.integer_in_range(column, low, high)

    return Column(
        name,
        parse,
        f"a whole number from {low} to {high}",
        required,
        nullable,
        numeric=True,
    )


def _numbers_as_written(raw: pd.Series, delimiter: str | None) -> pd.Series:
    if delimiter in (";", "\t"):
        return cells.dutch_decimals(raw)
    if delimiter == ",":
        return cells.english_thousands(raw)
    return raw


def check_header(
    frame: pd.DataFrame,
    columns: list[Column],
    log: ProblemLog,
) -> None:
    """Missing required columns and unknown columns, each with a hint where we can give one."""
    known = {column.name for column in columns}
    present = set(frame.columns)
    for column in columns:
        if column.required and column.name not in present:
            guess = difflib.get_close_matches(column.name, sorted(present - known), n=1)
            hint = f" (is {guess[0]!r} meant? rename it with --mapping)" if guess else ""
            log.add(f"required column {column.name!r} is missing{hint}", row=1, column=column.name)
    for name in frame.columns:
        if name not in known:
            guess = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {guess[0]!r}?" if guess else ""
            log.add(f"unknown column {name!r}{hint}", row=1, column=name)


def parse_columns(
    frame: pd.DataFrame, columns: list[Column], log: ProblemLog, *, delimiter: str | None = None
) -> pd.DataFrame:
    """Typed values of every spec'd column present; bad and missing cells go to ``log``.

    Numbers in a ``;`` or tab file (as Dutch Excel writes them) are read by
    :func:`cells.dutch_decimals` first, those in a ``,`` file by
    :func:`cells.english_thousands`; typed files (Excel, Parquet) need neither.
    """
    typed: dict[str, pd.Series] = {}
    for column in columns:
        if column.name not in frame.columns:
            continue
        raw = frame[column.name]
        parsed = column.parse(_numbers_as_written(raw, delimiter) if column.numeric else raw)
        log.add_mask(parsed.bad, column.name, describe_cell(raw, f"{{value}} is not {column.expect}"))
        if not column.nullable:
            log.add_mask(raw.isna().to_numpy(), column.name, "is empty but required")
        if column.max_length is not None:
            too_long = (raw.str.len() > column.max_length).fillna(False).to_numpy()
            log.add_mask(too_long, column.name, f"is longer than {column.max_length} characters")
        typed[column.name] = parsed.values
    return pd.DataFrame(typed, index=frame.index)
