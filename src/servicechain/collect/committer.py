"""Group commit: many concurrent responses, one transaction, acknowledged only after it commits.

Each request hands its :class:`Submission` to one writer thread and waits. The writer
takes everything queued (up to ``max_batch``), and in ONE transaction looks up earlier
receipts of the same idempotency keys, stores the new responses with their receipts and
the alerts they raise, and commits; only then does each waiting request get its receipt.
A DuckDB file commits a few hundred times a second, so one commit per request would cap
intake there; one commit per batch does not (figures in the README, ``bench/intake.py``).

Exactly once: the receipt's primary key (client, idempotency key) and the response are
written in the same transaction, so a retry after a crash finds either both or neither.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from servicechain.collect.model import Receipt, Submission
from servicechain.collect.responses import now_utc
from servicechain.store import Store, schema
from servicechain.store.bulk import allocate_ids, append_rows, insert_new_rows

log = logging.getLogger(__name__)

TABLES = {"touchpoint": schema.touchpoint_response, "customer": schema.customer_response}
COLLECTED_IMPORT_ID = 0
"""``import_id`` of collected responses: they come from no file."""

Pending = tuple[Submission, "concurrent.futures.Future[Receipt]"]
AlertRules = Callable[[Submission], list[dict[str, Any]]]
"""The alerts a response raises: dicts with ``rule, summary, comment, contact`` (see collect.alerts)."""


class IdBlocks:
    """Response ids drawn from each table's sequence a block at a time (one query per block, in
    its own committed transaction, so a rolled-back batch never hands out an id twice)."""

    def __init__(self, store: Store, block: int = 2000) -> None:
        self.store, self.block = store, block
        self._free: dict[str, list[int]] = {}

    def take(self, table: sa.Table, count: int) -> list[int]:
        """``count`` fresh ids of ``table``."""
        free = self._free.setdefault(table.name, [])
        if len(free) < count:
            with self.store.transaction() as connection:
                free.extend(allocate_ids(connection, table, max(count, self.block)).tolist())
        taken, self._free[table.name] = free[:count], free[count:]
        return taken


class Overloaded(Exception):
    """More requests are waiting than the writer should hold (answer 503, retry later)."""


class GroupCommitter:
    """One writer thread that stores submissions in batches (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        *,
        alerts_of: AlertRules | None = None,
        on_alerts: Sequence[Callable[[], None]] = (),
        on_commit: Callable[[], None] | None = None,
        max_batch: int = 256,
        max_waiting: int = 20_000,
        linger: float = 0.002,
    ) -> None:
        self.store = store
        self.alerts_of = alerts_of
        self.on_alerts = on_alerts
        self.on_commit = on_commit
        self.max_batch = max_batch
        self.max_waiting = max_waiting
        self.linger = linger
        """Seconds the writer waits for more requests after the first of a batch: a commit costs
        about the same for 1 row as for 30, so a short wait buys throughput under load."""
        self._queue: queue.SimpleQueue[Pending | None] = queue.SimpleQueue()
        self._waves: dict[str, int] = {}
        self._new_waves: dict[str, int] = {}
        self._ids = IdBlocks(store)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
        self._thread.start()

    async def submit(self, submission: Submission) -> Receipt:
        """Store ``submission`` (or find its earlier receipt); returns once it is committed."""
        return await asyncio.wrap_future(self.submit_nowait(submission))

    def submit_nowait(self, submission: Submission) -> concurrent.futures.Future[Receipt]:
        """Queue ``submission``; the future resolves after the commit."""
        if self._closed:
            raise Overloaded("the server is stopping")
        if self._queue.qsize() >= self.max_waiting:
            raise Overloaded(f"{self.max_waiting} responses are waiting to be stored")
        future: concurrent.futures.Future[Receipt] = concurrent.futures.Future()
        self._queue.put((submission, future))
        return future

    def store_now(self, submission: Submission) -> Receipt:
        """Store one submission and wait for it (for code that is not async)."""
        return self.submit_nowait(submission).result()

    def close(self) -> None:
        """Store what was accepted, then stop the writer."""
        self._closed = True
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            batch = [first]
            linger_until = time.monotonic() + self.linger
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get(timeout=max(0.0, linger_until - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._write(batch)

    def _write(self, batch: list[Pending]) -> None:
        try:
            receipts = self._commit([submission for submission, _ in batch])
        except Exception as error:
            if len(batch) > 1:  # one bad apple (or a race with another process): one by one
                for pending in batch:
                    self._write([pending])
                return
            log.exception("could not store a collected response")
            batch[0][1].set_exception(error)
            return
        if self.on_commit is not None:
            self.on_commit()
        raised = 0
        for (_, future), receipt in zip(batch, receipts, strict=True):
            future.set_result(receipt)
            raised += receipt.alerts
        if raised:
            for listener in self.on_alerts:
                listener()

    def _commit(self, submissions: list[Submission]) -> list[Receipt]:
        """Store the batch in one transaction; a receipt per submission, in order."""
        self._new_waves = {}
        first: dict[tuple[int, str], Submission] = {}
        for submission in submissions:
            first.setdefault((submission.client_id, submission.idempotency_key), submission)
        unique = list(first.values())
        ids: dict[tuple[int, str], int] = {}
        for kind, table in TABLES.items():  # before the batch's transaction (see IdBlocks)
            group = [submission for submission in unique if submission.kind == kind]
            for response_id, submission in zip(self._ids.take(table, len(group)), group, strict=True):
                ids[(submission.client_id, submission.idempotency_key)] = response_id
        with self.store.transaction() as connection:
            stored, earlier = self._store(connection, unique, ids)
        self._waves.update(self._new_waves)  # remembered only once committed
        receipts = []
        for submission in submissions:
            key = (submission.client_id, submission.idempotency_key)
            if key in stored and first[key] is submission:
                receipts.append(stored[key])
                continue
            kind, response_id, digest = earlier.get(key) or (stored[key].kind, stored[key].response_id,
                                                             first[key].body_hash)  # fmt: skip
            conflict = digest != submission.body_hash or kind != submission.kind
            receipts.append(Receipt(kind, response_id, replayed=True, conflict=conflict))
        return receipts

    def _store(
        self, connection: sa.Connection, submissions: list[Submission], ids: dict[tuple[int, str], int]
    ) -> tuple[dict[tuple[int, str], Receipt], dict[tuple[int, str], tuple[str, int, str]]]:
        """Receipts first (the primary key decides which keys are new), then the new responses.

        Returns the new receipts and, for keys stored before, (kind, response id, body hash).
        """
        now = now_utc()
        receipts: list[dict[str, object]] = [{
            "client_id": s.client_id, "idempotency_key": s.idempotency_key, "kind": s.kind,
            "response_id": ids[(s.client_id, s.idempotency_key)], "body_hash": s.body_hash,
            "received_at": now,
        } for s in submissions]  # fmt: skip
        new = insert_new_rows(connection, schema.intake_receipt, receipts, ("client_id", "idempotency_key"))
        fresh = [s for s in submissions if (s.client_id, s.idempotency_key) in new]
        earlier = _earlier_receipts(
            connection, [s for s in submissions if (s.client_id, s.idempotency_key) not in new]
        )
        stored: dict[tuple[int, str], Receipt] = {}
        alerts: list[dict[str, object]] = []
        for kind, table in TABLES.items():
            group = [submission for submission in fresh if submission.kind == kind]
            if not group:
                continue
            rows = []
            for submission in group:
                key = (submission.client_id, submission.idempotency_key)
                row = {**submission.row, "id": ids[key], "import_id": COLLECTED_IMPORT_ID,
                       "source_key": f"{submission.client_id}:{submission.idempotency_key}"}  # fmt: skip
                if kind == "customer":
                    row["wave_id"] = self._wave_id(connection, submission.extra["wave"])
                rows.append(row)
            append_rows(connection, table, _same_keys(rows, table))
            for submission in group:
                key = (submission.client_id, submission.idempotency_key)
                raised = self.alerts_of(submission) if self.alerts_of else []
                alerts += [{**alert, "unit_id": submission.unit_id, "source": kind, "response_id": ids[key],
                            "raised_at": now} for alert in raised]  # fmt: skip
                stored[key] = Receipt(kind, ids[key], replayed=False, alerts=len(raised))
        append_rows(connection, schema.alert, _same_keys(alerts, schema.alert))
        return stored, earlier

    def _wave_id(self, connection: sa.Connection, code: str) -> int:
        """The customer wave ``code``; a new one is opened (``web-2026-Q4`` has period 2026-Q4)."""
        if code in self._waves or code in self._new_waves:
            return self._waves.get(code) or self._new_waves[code]
        waves = schema.survey_wave
        found = connection.execute(sa.select(waves.c.id).where(
            waves.c.instrument_key == "customer", waves.c.code == code)).scalar_one_or_none()  # fmt: skip
        if found is None:
            from servicechain.ingest.surveys import wave_period

            found = int(allocate_ids(connection, waves, 1)[0])
            connection.execute(waves.insert().values(
                id=found, code=code, instrument_key="customer", period=wave_period(code), status="open",
                opened_on=now_utc().date()))  # fmt: skip
        self._new_waves[code] = int(found)
        return int(found)


def _same_keys(rows: list[dict[str, Any]], table: sa.Table) -> list[dict[str, Any]]:
    """Every row with the same columns (the union of their keys, missing ones None)."""
    names = [column.name for column in table.columns if any(column.name in row for row in rows)]
    return [{name: row.get(name) for name in names} for row in rows]


def _earlier_receipts(
    connection: sa.Connection, submissions: list[Submission]
) -> dict[tuple[int, str], tuple[str, int, str]]:
    """(client, key) -> (kind, response id, body hash) of receipts stored before."""
    if not submissions:
        return {}
    table = schema.intake_receipt
    keys = {submission.idempotency_key for submission in submissions}
    clients = {submission.client_id for submission in submissions}
    rows = connection.execute(
        sa.select(
            table.c.client_id, table.c.idempotency_key, table.c.kind, table.c.response_id, table.c.body_hash
        ).where(table.c.idempotency_key.in_(keys), table.c.client_id.in_(clients))
    )
    return {(int(row.client_id), row.idempotency_key): (row.kind, int(row.response_id), row.body_hash)
            for row in rows}  # fmt: skip
