"""``import_file``: read, map, validate and write one file in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from servicechain.errors import ImportRejected, Problem, UserError
from servicechain.ingest import employer_reviews, kpis, organisation, reviews, surveys
from servicechain.ingest.columns import check_header, parse_columns
from servicechain.ingest.context import Counts, ImportContext, ProgressHook
from servicechain.ingest.kinds import KINDS, columns_for
from servicechain.ingest.mapping import apply_mapping, load_mapping
from servicechain.ingest.problems import ProblemLog
from servicechain.ingest.readers import SourceTable, file_hash, read_source
from servicechain.settings import get_settings
from servicechain.store import Store, schema
from servicechain.store.bulk import allocate_ids

IMPORTERS: dict[str, Callable[[ImportContext], Counts]] = {
    "units": organisation.import_units,
    "employees": organisation.import_employees,
    "customers": organisation.import_customers,
    "employee-responses": surveys.import_employee_responses,
    "customer-responses": surveys.import_customer_responses,
    "touchpoints": surveys.import_touchpoints,
    "reviews": reviews.import_reviews,
    "kpis": kpis.import_unit_kpis,
    "customer-kpis": kpis.import_customer_kpis,
    "employer-reviews": employer_reviews.import_employer_reviews,
}


@dataclass
class ImportResult:
    """What one import did."""

    kind: str
    file: str
    rows: int
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    already_imported: bool = False
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        if self.already_imported:
            return f"{self.file}: already imported earlier (same content), nothing changed"
        if self.dry_run:
            return (
                f"{self.file}: {self.rows:,} rows of {self.kind} are valid: {self.inserted:,} would be "
                f"added, {self.updated:,} updated, {self.skipped:,} unchanged or already present"
            )
        return (
            f"{self.file}: {self.rows:,} rows of {self.kind}: {self.inserted:,} added, "
            f"{self.updated:,} updated, {self.skipped:,} unchanged or already present"
        )


def import_file(
    store: Store,
    kind: str,
    path: Path | str,
    *,
    mapping: Path | str | None = None,
    sheet: str | None = None,
    replace: bool = False,
    progress: ProgressHook | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import one file of ``kind``; all of it or, on any problem, nothing (raises ImportRejected).
    With ``dry_run`` everything is checked and counted, and then nothing is written.

    A file is recognised by its bytes together with the mapping's and the sheet's name:
    the same file with a corrected mapping, or another sheet of it, is imported again.
    """
    if kind not in KINDS:
        raise UserError(f"unknown import kind {kind!r}: choose one of {', '.join(KINDS)}")
    path = Path(path)
    if progress:
        progress("reading", 0, 0)
    source = read_source(path, sheet=sheet)
    renames: dict[str, str | None] = {}
    mapping_name = path.name
    identity = [source.content_hash]
    if mapping is not None:
        mapping_path = Path(mapping)
        renames, mapping_name = load_mapping(mapping_path), mapping_path.name
        identity.append(file_hash(mapping_path))
    if sheet is not None:
        identity.append(f"sheet:{sheet}")
    if len(identity) > 1:
        source.content_hash = hashlib.sha256("|".join(identity).encode()).hexdigest()
    source.frame, problems = apply_mapping(source.frame, renames, mapping_name)
    if problems:
        raise ImportRejected(problems)
    return import_table(store, kind, source, replace=replace, progress=progress, dry_run=dry_run)


def import_table(
    store: Store,
    kind: str,
    source: SourceTable,
    *,
    replace: bool = False,
    progress: ProgressHook | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Validate and write an already-read table (used by ``import_file`` and the demo);
    with ``dry_run`` the transaction is rolled back after the last check."""
    result = ImportResult(kind, source.name, len(source.frame), notes=list(source.notes))
    try:
        _import_in_transaction(store, kind, source, result, replace=replace, progress=progress,
                               dry_run=dry_run)  # fmt: skip
    except _DryRunDone:
        result.dry_run = True
    return result


class _DryRunDone(Exception):
    """Raised inside the transaction of a dry run, so that it rolls back."""


def _import_in_transaction(store: Store, kind: str, source: SourceTable, result: ImportResult, *,
                           replace: bool, progress: ProgressHook | None, dry_run: bool) -> None:  # fmt: skip
    with store.transaction() as connection:
        if not replace and _already_imported(connection, kind, source.content_hash):
            result.already_imported = True
            return
        log = ProblemLog(source.name, source.first_row, list(source.frame.columns), source.row_numbers)
        columns = columns_for(kind, list(source.frame.columns))
        check_header(source.frame, columns, log)
        log.raise_if_any()
        if progress:
            progress("checking", 0, 0)
        typed = parse_columns(source.frame, columns, log, delimiter=source.delimiter)
        context = ImportContext(
            connection=connection,
            kind=kind,
            raw=source.frame,
            typed=typed,
            log=log,
            import_id=int(allocate_ids(connection, schema.import_log, 1)[0]),
            replace=replace,
            anonymity_threshold=get_settings().anonymity_threshold,
            progress=progress,
        )
        counts = IMPORTERS[kind](context)
        log.raise_if_any()
        result.inserted, result.updated, result.skipped = counts.inserted, counts.updated, counts.skipped
        result.notes += counts.notes
        _log_import(connection, context.import_id, result, source.content_hash)
        if dry_run:
            raise _DryRunDone


def _already_imported(connection: sa.Connection, kind: str, content_hash: str) -> bool:
    log = schema.import_log
    query = sa.select(sa.func.count()).where(log.c.kind == kind, log.c.content_hash == content_hash)
    return bool(connection.execute(query).scalar())


def _log_import(connection: sa.Connection, import_id: int, result: ImportResult, content_hash: str) -> None:
    connection.execute(
        schema.import_log.insert().values(
            id=import_id, kind=result.kind, file_name=result.file, content_hash=content_hash,
            rows=result.rows,
            inserted=result.inserted, updated=result.updated, skipped=result.skipped,
            imported_at=datetime.now().replace(microsecond=0),
        )
    )  # fmt: skip


def problem_lines(error: ImportRejected) -> list[str]:
    """The messages of a rejected import as lines, with the count of those not shown."""
    lines = [str(problem) for problem in error.problems]
    if error.total > len(error.problems):
        lines.append(f"... and {error.total - len(error.problems)} more problems")
    return lines


__all__ = ["ImportResult", "Problem", "import_file", "import_table", "problem_lines"]
