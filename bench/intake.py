"""Intake under load: 32 concurrent clients POST touchpoints for a bounded time, per engine.

    python bench/intake.py [--seconds 20] [--clients 32] [--engines duckdb,postgresql]

For each engine: a store with the demo organisation (24 locations) and one intake key; the
server is ``servicechain serve`` in its own process (uvicorn, one worker, as a user runs
it), reached on loopback by :mod:`intake_load` (keep-alive HTTP/1.1, asyncio) from this
process. First the baseline: ``GET /healthz`` on the same server for a few seconds (the
cost of HTTP alone); then the intake: every request a new touchpoint with its own
``Idempotency-Key`` for a random location. Printed: accepted responses per second, p50
and p99 latency, the ratio to the baseline rate, and the count check after the server
stopped: rows stored for this key == responses acknowledged (201), no key twice, no
acknowledged key missing. Target (issue 6): >= 2,000 responses/s, p99 < 100 ms, 0 lost,
0 duplicated.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from intake_load import Sent, get_bytes, percentile, post_bytes, run_load

from servicechain.analysis.snapshot import refresh
from servicechain.collect.intake_keys import create_key
from servicechain.demo.load import load_demo
from servicechain.settings import Settings
from servicechain.store import Store, open_store, schema

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
SECRET = "bench-secret-0123456789-abcdefghijklmnop"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_store(engine: str, folder: Path) -> tuple[Store, str | None]:
    """A migrated store with the demo organisation; for PostgreSQL also the database name."""
    if engine == "duckdb":
        store = open_store(f"duckdb:///{folder / 'intake.duckdb'}")
        database = None
    else:
        database = f"bench_intake_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {database}")
        admin.dispose()
        store = open_store(f"{PG_SERVER}/{database}")
    load_demo(store, units=24, periods=2, customers_per_unit=20, seed=3)
    refresh(store, settings=Settings(database_url=store.url, secret_key=SECRET))
    return store, database


def drop_database(database: str | None) -> None:
    if database:
        admin = sa.create_engine(f"{PG_SERVER}/test", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        admin.dispose()


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    """``servicechain serve`` in its own process; returns once /healthz answers."""
    env = {**os.environ, "SERVICECHAIN_DATABASE_URL": url, "SERVICECHAIN_SECRET_KEY": SECRET}
    server = subprocess.Popen(
        [sys.executable, "-m", "servicechain.cli", "serve", "--port", str(port), "--dev"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"the server stopped: {server.stderr.read().decode() if server.stderr else ''}"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start within 120 s")


def touchpoint_requests(key: str, units: list[str], run: str):  # type: ignore[no-untyped-def]
    """An endless supply of new touchpoints, each with its own Idempotency-Key."""
    counter = itertools.count()
    rng = random.Random(1)
    channels = ["in_person", "phone", "chat_email", "app_web"]

    def next_request() -> tuple[bytes, Sent]:
        idem = f"{run}-{next(counter)}"
        body = json.dumps(
            {
                "unit": rng.choice(units),
                "channel": rng.choice(channels),
                "answers": {
                    "satisfaction": rng.randint(1, 5),
                    "ease": rng.randint(1, 7),
                    "valued": rng.choice([None, 3, 4, 5]),
                },
            }
        ).encode()
        headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": idem}
        return post_bytes("/api/v1/touchpoints", body, headers), Sent(idem, body)

    return next_request


def summary(name: str, sent: list[Sent], seconds: float, ok: set[int]) -> dict[str, float]:
    answered = [s for s in sent if s.status in ok]
    latencies = [s.seconds * 1000 for s in answered]
    return {
        "name": name,
        "rate": len(answered) / seconds,
        "p50": percentile(latencies, 0.5),  # type: ignore[dict-item]
        "p99": percentile(latencies, 0.99),
        "answered": len(answered),
        "other": sum(1 for s in sent if s.status not in ok),
    }


def count_check(store: Store, prefix: str, acknowledged: set[str]) -> dict[str, int]:
    """Rows stored for this key's client against the acknowledged keys."""
    clients, responses = schema.intake_client, schema.touchpoint_response
    with store.engine.connect() as connection:
        client_id = connection.execute(sa.select(clients.c.id).where(clients.c.prefix == prefix)).scalar_one()
        keys = [
            row[0].split(":", 1)[1]
            for row in connection.execute(
                sa.select(responses.c.source_key).where(responses.c.source_key.like(f"{client_id}:%"))
            )
        ]
    stored = set(keys)
    return {
        "acknowledged": len(acknowledged),
        "stored": len(keys),
        "duplicated": len(keys) - len(stored),
        "lost": len(acknowledged - stored),
        "stored_unacknowledged": len(stored - acknowledged),
    }


def bench_engine(engine: str, seconds: float, clients: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store, database = make_store(engine, Path(folder))
        try:
            with store.engine.connect() as connection:
                units = [
                    row[0]
                    for row in connection.execute(
                        sa.text("SELECT code FROM org_unit WHERE kind = 'location'")
                    )
                ]
                root = connection.execute(sa.text("SELECT code FROM org_unit WHERE depth = 0")).scalar()
            key = create_key(store, "bench", str(root), 1_000_000)
            url = store.url
            store.dispose()  # the server owns the DuckDB file now
            port = free_port()
            server = start_server(url, port)
            try:
                probe = get_bytes("/healthz")
                base = run_load(
                    port, lambda: (probe, Sent("", b"")), clients=clients, seconds=min(5.0, seconds)
                )
                baseline = summary("GET /healthz (baseline)", base, min(5.0, seconds), {200})
                warm = run_load(port, touchpoint_requests(key, units, "warm"), clients=clients, seconds=2)
                started = time.perf_counter()
                sent = run_load(
                    port, touchpoint_requests(key, units, "run"), clients=clients, seconds=seconds
                )
                elapsed = time.perf_counter() - started
                intake = summary("POST /api/v1/touchpoints", sent, elapsed, {201})
            finally:
                server.send_signal(signal.SIGTERM)  # a clean stop: the writer stores what it accepted
                server.wait(timeout=60)
            store = open_store(url)
            checks = count_check(store, key.split("_")[1], {s.key for s in warm + sent if s.status == 201})
        finally:
            store.dispose()
            drop_database(database)
    print(
        f"\n{engine}: {clients} clients, {seconds:g} s, server = `servicechain serve` (1 process), loopback"
    )
    print(
        f"  {'route':30} {'per s':>10} {'p50 ms':>8} {'p99 ms':>8} {'answered':>9} {'other':>6} {'ratio':>6}"
    )
    for row in (baseline, intake):
        print(
            f"  {row['name']:30} {row['rate']:10.0f} {row['p50']:8.1f} {row['p99']:8.1f} "
            f"{row['answered']:9.0f} {row['other']:7.0f} {row['rate'] / baseline['rate']:6.2f}"
        )
    verdict = "PASS" if intake["rate"] >= 2000 and intake["p99"] < 100 else "FAIL"
    print(
        f"  count check: {checks['acknowledged']} acknowledged, {checks['stored']} stored, "
        f"{checks['lost']} lost, {checks['duplicated']} duplicated, "
        f"{checks['stored_unacknowledged']} stored without an answer -> "
        f"{'OK' if checks['lost'] == 0 and checks['duplicated'] == 0 else 'WRONG'}; target {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--engines", default="duckdb,postgresql")
    options = parser.parse_args()
    for engine in options.engines.split(","):
        bench_engine(engine, options.seconds, options.clients)


if __name__ == "__main__":
    main()
