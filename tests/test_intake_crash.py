"""Crash safety of the intake API: SIGKILL in the middle of a load loses and doubles nothing.

The server is ``servicechain serve`` in its own process. 32 clients send touchpoints, each
with its own Idempotency-Key; once some hundreds are acknowledged the server is killed
with SIGKILL (no shutdown, no flush). After a restart on the same store, every request
that got no answer is sent again with its key and body, as a well-behaved client does.
Then every acknowledged response must be stored exactly once, with the id it was
acknowledged with, and every key sent must be stored exactly once.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from web_support import SECRET, free_port

from servicechain.analysis.snapshot import refresh
from servicechain.collect.intake_keys import create_key
from servicechain.demo.load import load_demo
from servicechain.settings import Settings
from servicechain.store import Store, schema

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
from intake_load import Sent, post_bytes, run_load


class Server:
    """``servicechain serve`` on a store, in its own process."""

    def __init__(self, url: str) -> None:
        self.url, self.port = url, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "SERVICECHAIN_DATABASE_URL": self.url, "SERVICECHAIN_SECRET_KEY": SECRET}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "servicechain.cli", "serve", "--port", str(self.port), "--dev"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr.read().decode()  # type: ignore[union-attr]
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)


@pytest.fixture
def served_store(store: Store) -> Iterator[tuple[Store, Server]]:
    load_demo(store, units=10, periods=2, customers_per_unit=10, seed=5)
    refresh(store, settings=Settings(database_url=store.url, secret_key=SECRET))
    yield store, Server(store.url)


def test_sigkill_during_load_loses_and_doubles_nothing(served_store: tuple[Store, Server]) -> None:
    store, server = served_store
    with store.engine.connect() as connection:
        units = [
            row[0] for row in connection.execute(sa.text("SELECT code FROM org_unit WHERE kind = 'location'"))
        ]
        root = connection.execute(sa.text("SELECT code FROM org_unit WHERE depth = 0")).scalar_one()
    key = create_key(store, "crash-test", root, 1_000_000)
    if store.dialect == "duckdb":
        store.dispose()  # the server process owns the file
    rng = random.Random(3)
    counter = iter(range(10**9))
    headers = {"Authorization": f"Bearer {key}"}

    def next_request() -> tuple[bytes, Sent]:
        idem = f"crash-{next(counter)}"
        body = json.dumps(
            {
                "unit": rng.choice(units),
                "channel": "phone",
                "answers": {"satisfaction": rng.randint(1, 5), "ease": rng.randint(1, 7)},
            }
        ).encode()
        return post_bytes("/api/v1/touchpoints", body, {**headers, "Idempotency-Key": idem}), Sent(idem, body)

    def kill_when_busy(sent: list[Sent]) -> bool:
        if (
            sum(1 for s in sent if s.status == 201) >= 600
            and server.process
            and server.process.poll() is None
        ):
            server.kill()
        return False

    server.start()
    try:
        sent = run_load(server.port, next_request, clients=32, seconds=30, stop_after=kill_when_busy)
        assert server.process is not None and server.process.returncode == -signal.SIGKILL, (
            "not killed mid-load"
        )
        acknowledged = {s.key: s.answer["id"] for s in sent if s.status == 201 and s.answer}
        unanswered = [s for s in sent if s.status is None]
        assert len(acknowledged) >= 600 and unanswered, "the kill did not land in the middle of the load"
        assert all(s.status in (201, None) for s in sent)

        server.start()  # same store: DuckDB replays its WAL, PostgreSQL recovers
        replayed: dict[str, int] = {}
        already = 0
        with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", headers=headers, timeout=30) as client:
            for s in unanswered:
                answer = client.post(
                    "/api/v1/touchpoints",
                    content=s.body,
                    headers={"Idempotency-Key": s.key, "Content-Type": "application/json"},
                )
                assert answer.status_code in (200, 201), answer.text
                replayed[s.key] = answer.json()["id"]
                already += answer.status_code == 200  # committed before the kill, answer lost
            for idem in list(acknowledged)[:50]:  # a retry of an acknowledged request changes nothing
                body = next(s.body for s in sent if s.key == idem)
                again = client.post(
                    "/api/v1/touchpoints",
                    content=body,
                    headers={"Idempotency-Key": idem, "Content-Type": "application/json"},
                )
                assert again.status_code == 200 and again.json()["id"] == acknowledged[idem]
    finally:
        server.stop()

    table = schema.touchpoint_response
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(table.c.source_key, table.c.id).where(table.c.import_id == 0)
        ).all()
    stored: dict[str, list[int]] = {}
    for source_key, response_id in rows:
        stored.setdefault(source_key.split(":", 1)[1], []).append(int(response_id))
    assert {k: v for k, v in stored.items() if len(v) > 1} == {}, "a response stored twice"
    for idem, response_id in acknowledged.items():
        assert stored.get(idem) == [response_id], f"acknowledged {idem} lost or changed"
    assert set(stored) == {s.key for s in sent}, "every request sent is stored once after the replay"
    assert all(stored[idem] == [response_id] for idem, response_id in replayed.items())
    print(
        f"\ncrash test on {store.dialect}: {len(sent)} sent, {len(acknowledged)} acked before SIGKILL, "
        f"{len(unanswered)} unanswered and replayed "
        f"({already} of them committed before the kill), 0 lost, 0 doubled"
    )
