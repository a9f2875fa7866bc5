"""The intake journal: receipts carry the response, the response tables are written from them.

A request is answered once its receipt is committed (``intake_receipt``: the client, the
Idempotency-Key, the response's id and the checked response as JSON). That is one insert
per batch of requests. The responses and the alerts they raise are written from the
receipts a little later (at most :data:`MAX_DELAY` seconds, or :data:`MAX_ROWS` at a time)
in one transaction of their own. On DuckDB every insert costs a few milliseconds whatever
its size, so the requests wait for one insert instead of three (``bench/intake.py``).

Nothing is lost in between: the receipt is the durable copy. A server that stops writes
what it holds; after a crash, :func:`orphans` finds the receipts whose response is
missing and they are written at start-up. A response is inserted with ``ON CONFLICT DO
NOTHING`` on its id, so two servers recovering the same receipt store it once, and only
the server that stored it raises its alerts.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from servicechain.collect.model import Submission
from servicechain.collect.responses import MOMENT, now_utc
from servicechain.store import Store, schema
from servicechain.store.bulk import allocate_ids, append_rows, insert_new_rows
from servicechain.store.engine import HeldConnection

log = logging.getLogger(__name__)
TABLES = {"touchpoint": schema.touchpoint_response, "customer": schema.customer_response}
COLLECTED_IMPORT_ID = 0
"""``import_id`` of collected responses: they come from no file."""
MAX_DELAY = 0.25
MAX_ROWS = 2000

AlertRules = Callable[[Submission], list[dict[str, Any]]]
"""The alerts a response raises: dicts with ``rule, summary, comment, contact`` (see collect.alerts)."""


@dataclass(frozen=True)
class Entry:
    """A response acknowledged (its receipt committed) and not yet written to its table."""

    submission: Submission
    response_id: int
    received_at: datetime


def encode(submission: Submission) -> str:
    """The submission as the receipt's payload (JSON; the moment in ISO 8601)."""
    row = dict(submission.row)
    moment = MOMENT[submission.kind]
    row[moment] = row[moment].isoformat()
    return json.dumps({"row": row, "extra": submission.extra, "contact": submission.contact,
                       "unit_code": submission.unit_code}, ensure_ascii=False)  # fmt: skip


def decode(kind: str, client_id: int, key: str, body_hash: str, payload: str) -> Submission:
    """The submission a receipt's payload holds."""
    data = json.loads(payload)
    row = data["row"]
    row[MOMENT[kind]] = datetime.fromisoformat(row[MOMENT[kind]])
    return Submission(kind=kind, client_id=client_id, idempotency_key=key, unit_id=int(row["unit_id"]),  # type: ignore[arg-type]
                      row=row, body_hash=body_hash, contact=data["contact"], unit_code=data["unit_code"],
                      extra=data["extra"])  # fmt: skip


def orphans(store: Store) -> list[Entry]:
    """Receipts whose response is not in its table (the server stopped before writing it)."""
    receipt = schema.intake_receipt
    found = []
    with store.engine.connect() as connection:
        for kind, table in TABLES.items():
            missing = ~sa.exists().where(table.c.id == receipt.c.response_id)
            rows = connection.execute(sa.select(receipt).where(receipt.c.kind == kind, missing)
                                      .order_by(receipt.c.response_id))  # fmt: skip
            found += [Entry(decode(kind, int(row.client_id), row.idempotency_key, row.body_hash, row.payload),
                            int(row.response_id), row.received_at) for row in rows]  # fmt: skip
    return found


class Projection:
    """Writes journal entries into the response tables, with their alerts (writer thread only)."""

    def __init__(self, store: Store, alerts_of: AlertRules | None) -> None:
        self.store, self.alerts_of = store, alerts_of
        self.held = HeldConnection(store)
        self._waves: dict[str, int] = {}

    def write(self, entries: Sequence[Entry], *, careful: bool = False) -> int:
        """Store ``entries`` in one transaction; their alerts raised; how many alerts.

        ``careful``: skip responses stored already (after a crash, or by another server that
        recovered the same receipts); otherwise a plain insert, which a stored id refuses.
        """
        if not entries:
            return 0
        new_waves: dict[str, int] = {}
        alerts: list[dict[str, object]] = []
        with self.held.transaction() as connection:
            for kind, table in TABLES.items():
                group = [entry for entry in entries if entry.submission.kind == kind]
                if not group:
                    continue
                rows = _same_keys([self._row(connection, entry, new_waves) for entry in group], table)
                if careful:
                    stored = insert_new_rows(connection, table, rows, ("id",))
                else:
                    append_rows(connection, table, rows)
                    stored = {(entry.response_id,) for entry in group}
                for entry in group:
                    if (entry.response_id,) in stored and self.alerts_of is not None:
                        alerts += [{**alert, "unit_id": entry.submission.unit_id, "source": kind,
                                    "response_id": entry.response_id, "raised_at": entry.received_at}
                                   for alert in self.alerts_of(entry.submission)]  # fmt: skip
            append_rows(connection, schema.alert, _same_keys(alerts, schema.alert))
            _forget_contacts(connection, entries)
        self._waves.update(new_waves)  # remembered only once committed
        return len(alerts)

    def _row(self, connection: sa.Connection, entry: Entry, new_waves: dict[str, int]) -> dict[str, Any]:
        submission = entry.submission
        row = {**submission.row, "id": entry.response_id, "import_id": COLLECTED_IMPORT_ID,
               "source_key": f"{submission.client_id}:{submission.idempotency_key}"}  # fmt: skip
        if submission.kind == "customer":
            row["wave_id"] = self._wave_id(connection, submission.extra["wave"], new_waves)
        return row

    def _wave_id(self, connection: sa.Connection, code: str, new_waves: dict[str, int]) -> int:
        """The customer wave ``code``; a new one is opened (``web-2026-Q4`` has period 2026-Q4)."""
        known = self._waves.get(code) or new_waves.get(code)
        if known is not None:
            return known
        waves = schema.survey_wave
        found = connection.execute(sa.select(waves.c.id).where(
            waves.c.instrument_key == "customer", waves.c.code == code)).scalar_one_or_none()  # fmt: skip
        if found is None:
            from servicechain.ingest.surveys import wave_period

            found = int(allocate_ids(connection, waves, 1)[0])
            connection.execute(waves.insert().values(
                id=found, code=code, instrument_key="customer", period=wave_period(code), status="open",
                opened_on=now_utc().date()))  # fmt: skip
        new_waves[code] = int(found)
        return int(found)


def _forget_contacts(connection: sa.Connection, entries: Sequence[Entry]) -> None:
    """A customer's call-back contact is kept on the alert only: once written, the journal
    forgets it (few customers leave one, so this is a handful of updates)."""
    receipt = schema.intake_receipt
    for entry in entries:
        submission = entry.submission
        if submission.contact:
            connection.execute(
                receipt.update()
                .where(receipt.c.client_id == submission.client_id,
                       receipt.c.idempotency_key == submission.idempotency_key)
                .values(payload=encode(replace(submission, contact=None)))
            )  # fmt: skip


def _same_keys(rows: list[dict[str, Any]], table: sa.Table) -> list[dict[str, Any]]:
    """Every row with the same columns (the union of their keys, missing ones None)."""
    names = [column.name for column in table.columns if any(column.name in row for row in rows)]
    return [{name: row.get(name) for name in names} for row in rows]


Flush = concurrent.futures.Future[None]


class Projector:
    """A thread of its own that writes journal entries into the response tables.

    Entries wait at most :data:`MAX_DELAY` seconds (or until :data:`MAX_ROWS` are waiting);
    the receipts' writer never waits for this (on DuckDB both run at once on their own
    connections: they write different tables). Entries whose write failed are tried again.
    """

    def __init__(
        self, store: Store, alerts_of: AlertRules | None, on_alerts: Sequence[Callable[[], None]]
    ) -> None:
        self._projection = Projection(store, alerts_of)
        self._on_alerts = on_alerts
        self._queue: queue.SimpleQueue[list[Entry] | Flush | None] = queue.SimpleQueue()
        self._pending: list[Entry] = orphans(store)  # left by a server that stopped abruptly
        self._careful = bool(self._pending)  # another server may be recovering them too
        self._pause, self._backoff_until = 0.0, 0.0
        self._thread = threading.Thread(target=self._run, name="intake-projector", daemon=True)
        self._thread.start()

    def add(self, entries: list[Entry]) -> None:
        """Write these entries soon."""
        self._queue.put(entries)

    def flush(self) -> None:
        """Wait until every entry added so far is in the tables."""
        done: Flush = concurrent.futures.Future()
        self._queue.put(done)
        done.result(timeout=60)

    def close(self) -> None:
        """Write what is pending and stop."""
        self._queue.put(None)
        self._thread.join(timeout=60)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            try:
                item = self._queue.get(timeout=self._wait())
            except queue.Empty:
                self._write()
                continue
            flushes: list[Flush] = []
            while item is not None or not stopping:
                if item is None:
                    stopping = True
                elif isinstance(item, list):
                    self._pending += item
                else:
                    flushes.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if flushes or stopping or len(self._pending) >= MAX_ROWS or self._wait() == 0:
                self._write()
            for done in flushes:
                if self._pending:
                    done.set_exception(RuntimeError(f"{len(self._pending)} responses wait for the store"))
                else:
                    done.set_result(None)
        self._projection.held.close()

    def _wait(self) -> float | None:
        """Seconds until the oldest pending entry is due (None: nothing pending)."""
        if not self._pending:
            return None
        due = max(0.0, MAX_DELAY - (now_utc() - self._pending[0].received_at).total_seconds())
        return max(due, self._backoff_until - time.monotonic())

    def _write(self) -> None:
        """Write the pending entries; when that fails, one by one: an entry that fails alone is
        left in its receipt (logged; tried again at the next start), and when every one fails
        the store is away, so all wait, with a growing pause between tries."""
        if not self._pending or time.monotonic() < self._backoff_until:
            return
        try:
            try:
                raised = self._projection.write(self._pending, careful=self._careful)
            except Exception:  # some stored already (a recovery): skip those
                raised = self._projection.write(self._pending, careful=True)
            written, failed = self._pending, list[Entry]()
            self._careful = False
        except Exception:
            raised, written, failed = 0, [], []
            for entry in self._pending:
                try:
                    raised += self._projection.write([entry], careful=True)
                    written.append(entry)
                except Exception:
                    failed.append(entry)
        if failed and not written:
            self._pause = min(30.0, self._pause * 2 or 0.5)
            self._backoff_until = time.monotonic() + self._pause
            log.error("could not write %d collected responses into their tables; next try in %.1f s",
                      len(failed), self._pause)  # fmt: skip
            return
        for entry in failed:
            log.error("could not write collected %s response %d into its table; its receipt keeps it",
                      entry.submission.kind, entry.response_id)  # fmt: skip
        self._pending, self._pause, self._backoff_until = [], 0.0, 0.0
        if raised:
            for listener in self._on_alerts:
                listener()
