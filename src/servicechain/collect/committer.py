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
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from servicechain.collect.model import Receipt, Submission
from servicechain.collect.responses import now_utc
from servicechain.store import Store, schema
from servicechain.store.bulk import allocate_ids

log = logging.getLogger(__name__)

TABLES = {"touchpoint": schema.touchpoint_response, "customer": schema.customer_response}
COLLECTED_IMPORT_ID = 0
"""``import_id`` of collected responses: they come from no file."""

Pending = tuple[Submission, "concurrent.futures.Future[Receipt]"]
AlertHook = Callable[[sa.Connection, Submission, int, Any], int]
"""Raises the alerts of one stored response in the writer's transaction; returns how many."""


class Overloaded(Exception):
    """More requests are waiting than the writer should hold (answer 503, retry later)."""


class GroupCommitter:
    """One writer thread that stores submissions in batches (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        *,
        raise_alerts: AlertHook | None = None,
        on_alerts: Sequence[Callable[[], None]] = (),
        max_batch: int = 256,
        max_waiting: int = 20_000,
    ) -> None:
        self.store = store
        self.raise_alerts = raise_alerts
        self.on_alerts = on_alerts
        self.max_batch = max_batch
        self.max_waiting = max_waiting
        self._queue: queue.SimpleQueue[Pending | None] = queue.SimpleQueue()
        self._waves: dict[str, int] = {}
        self._new_waves: dict[str, int] = {}
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
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
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
        raised = 0
        for (_, future), receipt in zip(batch, receipts, strict=True):
            future.set_result(receipt)
            raised += receipt.alerts
        if raised:
            for listener in self.on_alerts:
                listener()

    def _commit(self, submissions: list[Submission]) -> list[Receipt]:
        self._new_waves = {}
        with self.store.transaction() as connection:
            earlier = _earlier_receipts(connection, submissions)
            fresh: dict[tuple[int, str], Submission] = {}
            for submission in submissions:
                key = (submission.client_id, submission.idempotency_key)
                if key not in earlier and key not in fresh:
                    fresh[key] = submission
            stored = self._store(connection, list(fresh.values()))
        self._waves.update(self._new_waves)  # remembered only once committed
        receipts = []
        for submission in submissions:
            key = (submission.client_id, submission.idempotency_key)
            if key in stored and fresh[key] is submission:
                receipts.append(stored[key])
                continue
            if key in earlier:
                kind, response_id, digest = earlier[key]
            else:
                kind, response_id, digest = stored[key].kind, stored[key].response_id, fresh[key].body_hash
            conflict = digest != submission.body_hash or kind != submission.kind
            receipts.append(Receipt(kind, response_id, replayed=True, conflict=conflict))
        return receipts

    def _store(
        self, connection: sa.Connection, submissions: list[Submission]
    ) -> dict[tuple[int, str], Receipt]:
        stored: dict[tuple[int, str], Receipt] = {}
        now = now_utc()
        receipts = []
        for kind, table in TABLES.items():
            group = [submission for submission in submissions if submission.kind == kind]
            if not group:
                continue
            ids = allocate_ids(connection, table, len(group)).tolist()
            rows = []
            for response_id, submission in zip(ids, group, strict=True):
                row = {**submission.row, "id": response_id, "import_id": COLLECTED_IMPORT_ID,
                       "source_key": f"{submission.client_id}:{submission.idempotency_key}"}  # fmt: skip
                if kind == "customer":
                    row["wave_id"] = self._wave_id(connection, submission.extra["wave"])
                rows.append(row)
                receipts.append({
                    "client_id": submission.client_id, "idempotency_key": submission.idempotency_key,
                    "kind": kind, "response_id": response_id, "body_hash": submission.body_hash,
                    "received_at": now,
                })  # fmt: skip
            connection.execute(table.insert(), rows)
            for response_id, submission in zip(ids, group, strict=True):
                alerts = (
                    self.raise_alerts(connection, submission, response_id, now) if self.raise_alerts else 0
                )
                stored[(submission.client_id, submission.idempotency_key)] = Receipt(
                    kind, response_id, replayed=False, alerts=alerts
                )
        if receipts:
            connection.execute(schema.intake_receipt.insert(), receipts)
        return stored

    def _wave_id(self, connection: sa.Connection, code: str) -> int:
        """The customer wave ``code``; a new one is opened (``web-2026-Q4`` has period 2026-Q4)."""
        if code in self._waves or code in self._new_waves:
            return self._waves.get(code) or self._new_waves[code]
        waves = schema.survey_wave
        found = connection.execute(sa.select(waves.c.id).where(
            waves.c.instrument_key == "customer", waves.c.code == code)).scalar()  # fmt: skip
        if found is None:
            from servicechain.ingest.surveys import wave_period

            found = int(allocate_ids(connection, waves, 1)[0])
            connection.execute(waves.insert().values(
                id=found, code=code, instrument_key="customer", period=wave_period(code), status="open",
                opened_on=now_utc().date()))  # fmt: skip
        self._new_waves[code] = int(found)
        return int(found)


def _earlier_receipts(
    connection: sa.Connection, submissions: list[Submission]
) -> dict[tuple[int, str], tuple[str, int, str]]:
    """(client, key) -> (kind, response id, body hash) of receipts stored before."""
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
