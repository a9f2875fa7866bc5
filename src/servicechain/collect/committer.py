"""Group commit: many concurrent responses, one transaction, acknowledged only after it commits.

Each request hands its :class:`Submission` to one writer thread and waits. The writer
takes everything queued (up to ``max_batch``, after waiting ``linger`` for more) and in
ONE transaction inserts their receipts, each carrying the checked response
(:mod:`servicechain.collect.journal`); the receipts' primary key (client, Idempotency-Key)
decides which requests are new. Only after the commit does each waiting request get its
answer. A DuckDB file commits a few hundred times a second, so one commit per request
would cap intake there; one commit per batch does not (``bench/intake.py``).

A second thread writes the new responses and their alerts into the response tables from
the journal, in larger batches (:class:`~servicechain.collect.journal.Projector`), within
0.25 s. A crash in between loses nothing: the receipts are written to the tables when the
server starts again.
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

from servicechain.collect.journal import TABLES, AlertRules, Entry, Projector, encode
from servicechain.collect.model import Receipt, Submission
from servicechain.collect.responses import now_utc
from servicechain.store import Store, schema
from servicechain.store.bulk import allocate_ids, append_rows, insert_new_rows
from servicechain.store.engine import HeldConnection

log = logging.getLogger(__name__)

Pending = tuple[Submission, "concurrent.futures.Future[Receipt]"]
Barrier = tuple[None, "concurrent.futures.Future[Receipt | None]"]


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
        self.on_commit = on_commit
        self.max_batch = max_batch
        self.max_waiting = max_waiting
        self.linger = linger
        """Seconds the writer waits for more requests after the first of a batch: a commit costs
        about the same for 1 row as for 30, so a short wait buys throughput under load."""
        self._queue: queue.SimpleQueue[Pending | Barrier | None] = queue.SimpleQueue()
        self._ids = IdBlocks(store)
        self._held = HeldConnection(store)
        self._projector = Projector(store, alerts_of, on_alerts)
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

    def flush(self) -> None:
        """Wait until every response acknowledged so far is in the response tables."""
        reached: concurrent.futures.Future[Receipt | None] = concurrent.futures.Future()
        self._queue.put((None, reached))  # every request queued before is acknowledged ...
        reached.result(timeout=60)
        self._projector.flush()  # ... and written

    def close(self) -> None:
        """Store what was accepted, write the journal into the tables, then stop."""
        self._closed = True
        self._queue.put(None)
        self._thread.join(timeout=60)
        self._projector.close()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            batch: list[Pending] = []
            barriers: list[Barrier] = []
            stopping = self._gather(first, batch, barriers)
            try:
                if batch:
                    self._write(batch)
            except Exception:  # the writer must outlive any one batch
                log.exception("the intake writer failed on a batch of %d", len(batch))
                for _, future in batch:
                    _settle(future, error=RuntimeError("not stored"))
            for _, reached in barriers:
                _settle(reached, None)
        self._held.close()
        while True:  # requests that came in while the writer stopped: they hear so
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                _settle(item[1], error=Overloaded("the server is stopping"))

    def _gather(self, first: Pending | Barrier | None, batch: list[Pending], barriers: list[Barrier]) -> bool:
        """Take ``first`` and what arrives within the linger; True when the writer must stop."""
        item = first
        linger_until = time.monotonic() + self.linger
        while True:
            if item is None:
                return True
            if item[0] is None:
                barriers.append(item)  # type: ignore[arg-type]
            else:
                batch.append(item)  # type: ignore[arg-type]
            if len(batch) >= self.max_batch:
                return False
            try:
                item = self._queue.get(timeout=max(0.0, linger_until - time.monotonic()))
            except queue.Empty:
                return False

    def _write(self, batch: list[Pending]) -> None:
        try:
            receipts = self._commit([submission for submission, _ in batch])
        except Exception as error:
            if len(batch) > 1:  # one bad apple (or a connection that broke): one by one
                for pending in batch:
                    self._write([pending])
                return
            log.exception("could not store a collected response")
            _settle(batch[0][1], error=error)
            return
        if self.on_commit is not None:
            self.on_commit()
        for (_, future), receipt in zip(batch, receipts, strict=True):
            _settle(future, receipt)

    def _commit(self, submissions: list[Submission]) -> list[Receipt]:
        """Insert the batch's receipts in one transaction; a receipt per submission, in order."""
        first: dict[tuple[int, str], Submission] = {}
        for submission in submissions:
            first.setdefault((submission.client_id, submission.idempotency_key), submission)
        unique = list(first.values())
        ids: dict[tuple[int, str], int] = {}
        for kind, table in TABLES.items():  # before the batch's transaction (see IdBlocks)
            group = [submission for submission in unique if submission.kind == kind]
            for response_id, submission in zip(self._ids.take(table, len(group)), group, strict=True):
                ids[(submission.client_id, submission.idempotency_key)] = response_id
        now = now_utc()
        rows: list[dict[str, object]] = [{
            "client_id": s.client_id, "idempotency_key": s.idempotency_key, "kind": s.kind,
            "response_id": ids[(s.client_id, s.idempotency_key)], "body_hash": s.body_hash,
            "received_at": now, "payload": encode(s),
        } for s in unique]  # fmt: skip
        new, earlier = self._insert_receipts(rows, unique)
        receipts, entries = [], []
        for submission in submissions:
            key = (submission.client_id, submission.idempotency_key)
            if key in new and first[key] is submission:
                entries.append(Entry(submission, ids[key], now))
                alerts = len(self.alerts_of(submission)) if self.alerts_of else 0
                receipts.append(Receipt(submission.kind, ids[key], replayed=False, alerts=alerts))
                continue
            if key in new:
                kind, response_id, digest = first[key].kind, ids[key], first[key].body_hash
            else:
                kind, response_id, digest = earlier[key]
            conflict = digest != submission.body_hash or kind != submission.kind
            receipts.append(Receipt(kind, response_id, replayed=True, conflict=conflict))
        self._projector.add(entries)
        return receipts

    def _insert_receipts(
        self, rows: list[dict[str, object]], unique: list[Submission]
    ) -> tuple[set[tuple[int, str]], dict[tuple[int, str], tuple[str, int, str]]]:
        """The keys stored now, and (kind, response id, body hash) of the keys stored before.

        A plain insert first: retries are rare, and on DuckDB ``ON CONFLICT ... RETURNING``
        costs half as much again; when a key exists, the whole batch again with it.
        """
        try:
            with self._held.transaction() as connection:
                append_rows(connection, schema.intake_receipt, rows)
            return {(s.client_id, s.idempotency_key) for s in unique}, {}
        except Exception:  # a key stored before (or a real error, which the next try raises)
            pass
        with self._held.transaction() as connection:
            stored = insert_new_rows(
                connection, schema.intake_receipt, rows, ("client_id", "idempotency_key")
            )
            new = {(int(str(client)), str(key)) for client, key in stored}
            earlier = _earlier_receipts(
                connection, [s for s in unique if (s.client_id, s.idempotency_key) not in new]
            )
        return new, earlier


def _settle(future: concurrent.futures.Future[Any], result: Any = None, *, error: BaseException | None = None
            ) -> None:  # fmt: skip
    """Give a waiting request its answer, unless it stopped waiting (a cancelled request)."""
    if not future.set_running_or_notify_cancel():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


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
