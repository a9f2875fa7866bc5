"""Server time of every page and API route on the 10M-response demo: target p95 under 150 ms.

    python bench/web.py [--units 500] [--customers-per-unit 2500] [--periods 8] [--repeat 30] [--rebuild]

The store is the full demo organisation (``load_demo(store, units=500, periods=8,
customers_per_unit=2500)``: 10 million customer responses with their employees,
touchpoints, reviews and KPIs), imported through the normal pipeline. It is cached in
``bench/.cache/`` keyed by the demo configuration and kept (building it takes many
minutes); ``--rebuild`` builds it again. ``--units 50 --customers-per-unit 250`` gives a
quick check on a small demo.

Then, in this process:

- refresh: ``servicechain.analysis.snapshot.refresh`` (the precompute after an import),
  once, with the time of each of its steps and the peak resident memory;
- the application (``create_app``) served by uvicorn in a thread on a free port of
  127.0.0.1, real HTTP through httpx; an executive, a regional manager and a unit manager
  of a location in that region sign in through the login form (session cookies, as a
  browser);
- the first request after the new snapshot (the snapshot is read into memory and indexed),
  then the same again after dropping the cached snapshot (``--reloads`` times), and
  ``results.load`` called directly (best of 3);
- every route ``--repeat`` times after 3 warm-ups, routes interleaved round by round:
  the ``Server-Timing: app;dur=`` of each answer (time inside the application) and the
  client's wall time. Printed per route: median, p95 and max server ms, median and p95
  client ms, the median CPU ms of this process per request (server and client; on a busy
  machine wall times grow with the wait for a core, CPU time much less), the median over
  the baseline ``/healthz`` (served by the same server in the same rounds), and PASS/FAIL
  of the p95 server time against 150 ms.

The peak resident memory (Linux ``VmHWM``) of this process, which is the server, is
reset before the server starts, so it covers the snapshot loads and the requests (the
DuckDB buffers left by the refresh count too). The Python garbage collections during the
timed requests are counted with their pauses: a full collection stops every request.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import re
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import numpy as np
import sqlalchemy as sa
import uvicorn

from servicechain.accounts.users import add_user, find_user
from servicechain.analysis.snapshot import latest_snapshot, refresh
from servicechain.analysis.units import read_units
from servicechain.demo import DemoConfig
from servicechain.demo.load import load_demo
from servicechain.errors import UserError
from servicechain.settings import Settings
from servicechain.store import Store, open_store
from servicechain.web.app import create_app
from servicechain.web.results import load

CACHE = Path(__file__).resolve().parent / ".cache"
SEED = 7
TARGET_MS = 150.0
WARMUP = 3
PASSWORD = "correct horse battery staple"
SECRET = "bench-secret-not-for-production-0123456789"
ACCOUNTS = {
    "executive": "directie@bench.example.nl",
    "regional-manager": "regio@bench.example.nl",
    "unit-manager": "vestiging@bench.example.nl",
}
ROLE_SHORT = {"executive": "exec", "regional-manager": "region", "unit-manager": "unit"}
COUNTED = ["customer_response", "employee_response", "touchpoint_response", "review", "org_unit"]


def timed(action, *args, **kwargs):  # type: ignore[no-untyped-def]
    """(result, seconds) of calling ``action(*args, **kwargs)``."""
    start = time.perf_counter()
    result = action(*args, **kwargs)
    return result, time.perf_counter() - start


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS counter of this process (Linux); False where unsupported."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def memory_mib(field: str = "VmHWM") -> float:
    """``VmHWM`` (peak since :func:`reset_peak`) or ``VmRSS`` of this process, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


# --- the store -------------------------------------------------------------------------------------


def demo_config(args: argparse.Namespace) -> DemoConfig:
    """The configuration ``load_demo`` builds from the sizes (as ``load_demo`` does)."""
    return DemoConfig(units=args.units, periods=args.periods, customers_per_unit=args.customers_per_unit,
                      seed=SEED)  # fmt: skip


class Progress:
    """Progress hooks for ``load_demo`` that print each import stage once, with the elapsed time."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last: tuple[str, str] | None = None
        self.printed = 0.0

    def __call__(self, label: str) -> Callable[[str, int, int], None]:
        def hook(stage: str, done: int, total: int) -> None:
            now = time.perf_counter()
            if (label, stage) != self.last or now - self.printed > 30:
                self.last, self.printed = (label, stage), now
                counts = f" {done:,}/{total:,}" if total else ""
                print(f"#   {now - self.started:7.1f} s  {label}: {stage}{counts}", flush=True)

        return hook


def build_store(path: Path, config: DemoConfig) -> float:
    """Load the demo into a new DuckDB file at ``path``; seconds."""
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    partial.with_suffix(".partial.wal").unlink(missing_ok=True)
    store = open_store(f"duckdb:///{partial}")
    start = time.perf_counter()
    load_demo(store, units=config.units, periods=config.periods, customers_per_unit=config.customers_per_unit,
              seed=config.seed, progress=Progress())  # fmt: skip
    with store.engine.connect() as connection:
        connection.exec_driver_sql("CHECKPOINT")
    seconds = time.perf_counter() - start
    store.dispose()
    partial.rename(path)
    return seconds


def cached_store(config: DemoConfig, rebuild: bool) -> tuple[Path, float | None]:
    """The demo store for ``config`` under ``bench/.cache/``; the build seconds when this run built it."""
    key = hashlib.sha256(repr(config).encode()).hexdigest()[:10]
    path = CACHE / f"web-{config.units}x{config.customers_per_unit}x{config.periods}-{key}.duckdb"
    if rebuild:
        path.unlink(missing_ok=True)
        path.with_suffix(".duckdb.wal").unlink(missing_ok=True)
    if path.exists():
        print(f"# reusing {path.relative_to(CACHE.parent.parent)}", flush=True)
        return path, None
    CACHE.mkdir(exist_ok=True)
    print(f"# building {path.name}: load_demo(units={config.units}, periods={config.periods}, "
          f"customers_per_unit={config.customers_per_unit}) through the import pipeline",
          flush=True)  # fmt: skip
    seconds = build_store(path, config)
    print(f"# built {path.name} in {seconds:.1f} s ({path.stat().st_size / 2**30:.2f} GiB)", flush=True)
    return path, seconds


def counts(store: Store) -> dict[str, int]:
    """Rows of the main tables."""
    with store.engine.connect() as connection:
        return {
            table: int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in COUNTED
        }


def pick_units(store: Store) -> dict[str, str]:
    """The first region, its first location and that location's first team."""
    units = read_units(store)
    region = units[units["level"] == "region"].sort_values("unit_code").iloc[0]
    locations = units[(units["level"] == "location") & (units["parent_id"] == region["unit_id"])]
    location = locations.sort_values("unit_code").iloc[0]
    teams = units[(units["level"] == "team") & (units["parent_id"] == location["unit_id"])]
    picked = {"region": str(region["unit_code"]), "location": str(location["unit_code"])}
    if len(teams):
        picked["team"] = str(teams.sort_values("unit_code").iloc[0]["unit_code"])
    levels = units["level"].value_counts().to_dict()
    print(f"# units: {', '.join(f'{n:,} {level}' for level, n in levels.items())}; "
          f"region {picked['region']} has {len(locations)} locations", flush=True)  # fmt: skip
    return picked


def ensure_accounts(store: Store, picked: dict[str, str]) -> None:
    """The three bench accounts (kept in the cached store; added when missing)."""
    units = {"executive": None, "regional-manager": picked["region"], "unit-manager": picked["location"]}
    for role, email in ACCOUNTS.items():
        try:
            user = find_user(store, email=email)
        except UserError:
            add_user(store, email, role, units[role], password=PASSWORD)
            continue
        if user.unit_code != (units[role] or user.unit_code):
            raise SystemExit(f"{email} belongs to {user.unit_code}, not {units[role]}: use --rebuild")


# --- the server ------------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerThread(threading.Thread):
    """uvicorn serving ``app`` on 127.0.0.1:``port`` until :meth:`stop`."""

    def __init__(self, app: Any, port: int) -> None:
        super().__init__(daemon=True)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)

    def run(self) -> None:
        self.server.run()

    def start_and_wait(self) -> None:
        self.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.join(timeout=10)


def signed_in_client(url: str, email: str) -> httpx.Client:
    """A client with the session cookie of ``email`` (through the login form, CSRF token included)."""
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=120)
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if match is None:
        raise RuntimeError("no CSRF token on the login page")
    answer = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": match.group(1)})
    if answer.status_code != 303 or "login" in answer.headers.get("location", ""):
        raise RuntimeError(f"signing in as {email} failed: {answer.status_code} {answer.headers}")
    return client


def server_ms(response: httpx.Response) -> float:
    """The application's own time from ``Server-Timing: app;dur=<ms>``."""
    match = re.search(r"app;dur=([0-9.]+)", response.headers.get("server-timing", ""))
    if match is None:
        raise RuntimeError(f"no Server-Timing on {response.request.url}")
    return float(match.group(1))


class Sample(NamedTuple):
    """One request: the application's time, the client's wall time, this process's CPU time, bytes."""

    server: float
    client: float
    cpu: float
    size: int


def get(client: httpx.Client, path: str) -> Sample:
    """One GET that must answer 200.

    ``cpu`` is the CPU time of the whole process (server threads and client) during the
    request: on a busy machine the wall times grow with the wait for a core, CPU time much less.
    """
    cpu, start = time.process_time(), time.perf_counter()
    response = client.get(path)
    wall, cpu = (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")
    return Sample(server_ms(response), wall, cpu, len(response.content))


def routes(picked: dict[str, str]) -> list[tuple[str, str]]:
    """(role, path) of every measured route; the baseline ``/healthz`` first."""
    region, location = picked["region"], picked["location"]
    pages = [
        ("executive", "/healthz"),
        ("executive", "/overview"),
        ("executive", f"/regions/{region}"),
        ("executive", f"/units/{location}"),
    ]
    if "team" in picked:
        pages.append(("executive", f"/units/{picked['team']}"))
    pages += [
        ("executive", "/linkage"),
        ("executive", "/me"),
        ("regional-manager", f"/regions/{region}"),
        ("regional-manager", f"/units/{location}"),
        ("unit-manager", f"/units/{location}"),
    ]
    api = [
        ("executive", "/api/v1/me"),
        ("executive", "/api/v1/overview"),
        ("executive", f"/api/v1/regions/{region}"),
        ("executive", "/api/v1/units?per_page=100"),
        ("executive", f"/api/v1/units/{location}"),
        ("executive", f"/api/v1/scorecard?unit={location}&period=latest"),
        ("executive", "/api/v1/linkage"),
        ("regional-manager", f"/api/v1/regions/{region}"),
        ("regional-manager", "/api/v1/units?per_page=100"),
        ("unit-manager", f"/api/v1/units/{location}"),
        ("unit-manager", f"/api/v1/scorecard?unit={location}&period=latest"),
    ]
    return pages + api


def first_requests(app: Any, client: httpx.Client, reloads: int) -> list[tuple[str, Sample]]:
    """The first request after a new snapshot, the same after forgetting it, and once more."""
    path = "/api/v1/overview"
    out = [(f"first {path} after refresh", get(client, path))]
    for index in range(reloads):
        app.state.results.forget()
        gc.collect()
        out.append((f"{path} after forget() #{index + 1}", get(client, path)))
    out.append((f"{path} again (snapshot in memory)", get(client, path)))
    return out


def measure(clients: dict[str, httpx.Client], plan: list[tuple[str, str]], repeat: int
            ) -> dict[tuple[str, str], list[Sample]]:  # fmt: skip
    """{(role, path): [(server ms, client ms, bytes)]}, ``repeat`` interleaved rounds after warm-ups;
    the first warm-up of each route (its page data computed for this snapshot, language and scope)
    is kept in :data:`COLD`."""
    for round_ in range(WARMUP):
        for role, path in plan:
            sample = get(clients[role], path)
            if round_ == 0:
                COLD[(role, path)] = sample.server
    samples: dict[tuple[str, str], list[Sample]] = {key: [] for key in plan}
    for _ in range(repeat):
        for role, path in plan:
            samples[(role, path)].append(get(clients[role], path))
    return samples


COLD: dict[tuple[str, str], float] = {}
"""Server ms of each route's first request on a snapshot (before its page data is memoised)."""


class GcPauses:
    """Python garbage collections while active: count per generation, total and longest pause."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], (time.perf_counter() - self._started) * 1000))

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self) -> str:
        if not self.pauses:
            return "no collections"
        per = {g: sum(1 for gen, _ in self.pauses if gen == g) for g in (0, 1, 2)}
        full = [ms for gen, ms in self.pauses if gen == 2]
        total, longest = sum(ms for _, ms in self.pauses), max(ms for _, ms in self.pauses)
        return (f"{len(self.pauses):,} collections (gen0/1/2: {per[0]}/{per[1]}/{per[2]}), "
                f"{total:,.0f} ms in all, longest {longest:.1f} ms"
                + (f", full collections {np.median(full):.0f} ms median" if full else ""))  # fmt: skip


def report(samples: dict[tuple[str, str], list[Sample]]) -> bool:
    """Print the table; True when every route's p95 server time is under the target."""
    baseline = float(np.median([s.server for s in samples[("executive", "/healthz")]]))
    header = (f"{'route':46} {'role':6} {'srv med':>7} {'srv p95':>7} {'srv max':>7} {'cli med':>7} "
              f"{'cli p95':>7} {'cpu med':>7} {'x healthz':>9} {'KiB':>5} {'cold':>6}  p95<150")  # fmt: skip
    print(header)
    print("-" * len(header))
    ok = True
    for (role, path), runs in samples.items():
        server = np.array([s.server for s in runs])
        client = np.array([s.client for s in runs])
        p95 = float(np.percentile(server, 95))
        passed = p95 < TARGET_MS
        ok &= passed or path == "/healthz"
        print(f"{path:46} {ROLE_SHORT[role]:6} {np.median(server):7.1f} {p95:7.1f} {server.max():7.1f} "
              f"{np.median(client):7.1f} {np.percentile(client, 95):7.1f} "
              f"{np.median([s.cpu for s in runs]):7.1f} {np.median(server) / baseline:8.0f}x "
              f"{runs[-1].size / 1024:5.0f} {COLD.get((role, path), float('nan')):6.0f}  "
              f"{'PASS' if passed else 'FAIL'}")  # fmt: skip
    print(f"baseline /healthz median server time: {baseline:.2f} ms; srv: Server-Timing app;dur, cli: the "
          "client's wall time, cpu: CPU time of this process (server and client) per request, cold: "
          "server ms of the route's first request on this snapshot (its page data computed, then "
          "memoised)")  # fmt: skip
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description="server time of the web pages and API on the demo")
    parser.add_argument("--units", type=int, default=500, help="demo locations (500: 10M responses)")
    parser.add_argument("--customers-per-unit", type=int, default=2500)
    parser.add_argument("--periods", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per route")
    parser.add_argument("--reloads", type=int, default=3, help="snapshot reloads timed after the first")
    parser.add_argument("--rebuild", action="store_true", help="build the cached demo store again")
    args = parser.parse_args()

    config = demo_config(args)
    path, built = cached_store(config, args.rebuild)
    store = open_store(f"duckdb:///{path}")
    rows = counts(store)
    print("# rows: " + ", ".join(f"{table} {n:,}" for table, n in rows.items()), flush=True)
    picked = pick_units(store)
    ensure_accounts(store, picked)
    settings = Settings(database_url=store.url, secret_key=SECRET, secure_cookies=False, language="nl")

    gc.collect()
    reset_peak()
    steps: list[tuple[str, float]] = [("start", time.perf_counter())]
    snapshot = refresh(store, settings=settings,
                       on_step=lambda name: steps.append((name, time.perf_counter())))  # fmt: skip
    steps.append(("done", time.perf_counter()))
    refresh_s, refresh_peak = steps[-1][1] - steps[0][1], memory_mib()
    split = ", ".join(f"{name} {steps[i + 1][1] - at:.1f}" for i, (name, at) in enumerate(steps[:-1]))
    print(f"# refresh: {refresh_s:.1f} s (snapshot {snapshot.id}); peak RSS {refresh_peak:,.0f} MiB; "
          f"seconds per step: {split}", flush=True)  # fmt: skip
    with store.engine.connect() as connection:
        result_rows = connection.execute(
            sa.text("SELECT count(*) FROM result_scorecard WHERE snapshot_id = :id"), {"id": snapshot.id}
        ).scalar_one()

    gc.collect()
    reset_peak()
    app = create_app(settings, store=store)
    server = ServerThread(app, free_port())
    server.start_and_wait()
    url = f"http://127.0.0.1:{server.server.config.port}"
    clients = {role: signed_in_client(url, email) for role, email in ACCOUNTS.items()}
    try:
        firsts = first_requests(app, clients["executive"], args.reloads)
        plan = routes(picked)
        with GcPauses() as pauses:
            samples, seconds = timed(measure, clients, plan, args.repeat)
    finally:
        for client in clients.values():
            client.close()
        server.stop()
    server_peak, server_rss = memory_mib(), memory_mib("VmRSS")
    objects = len(gc.get_objects())
    info = latest_snapshot(store)
    assert info is not None
    loads = [timed(load, store, info)[1] for _ in range(3)]
    cached = load(store, info)
    frame_mib = cached.scorecard.memory_usage(deep=True).sum() / 2**20
    store.dispose()

    print(f"\n{rows['customer_response']:,} customer responses, {rows['employee_response']:,} employee, "
          f"{rows['touchpoint_response']:,} touchpoint responses, {rows['review']:,} reviews, "
          f"{rows['org_unit']:,} units (DuckDB)")  # fmt: skip
    if built is not None:
        print(f"demo build (load_demo through the import pipeline): {built:.1f} s")
    print(f"refresh (precompute after an import): {refresh_s:.1f} s, {result_rows:,} scorecard rows; "
          f"peak RSS during refresh {refresh_peak:,.0f} MiB")  # fmt: skip
    print(f"snapshot in memory: scorecard frame {frame_mib:,.0f} MiB; results.load direct: "
          f"best {min(loads) * 1000:,.0f} ms of 3")  # fmt: skip
    print("\nfirst requests after a new snapshot (server ms / client ms / cpu ms):")
    for what, sample in firsts:
        print(f"  {what:58} {sample.server:9.1f} {sample.client:9.1f} {sample.cpu:9.1f}")
    print(f"\n{args.repeat} requests per route after {WARMUP} warm-ups, interleaved ({seconds:.0f} s); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; times in ms")  # fmt: skip
    ok = report(samples)
    print(f"server process: peak RSS {server_peak:,.0f} MiB while serving (VmHWM, reset before the server "
          f"started), RSS now {server_rss:,.0f} MiB")  # fmt: skip
    print(f"Python GC in this process during the timed requests (warm-ups included): {pauses.summary()}; "
          f"{objects:,} objects tracked")  # fmt: skip
    print(f"target: every route's p95 server time under {TARGET_MS:.0f} ms: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
