"""A live servicechain web server for tests: a demo store, one account per role, real HTTP.

``live_web`` (session scope) loads a small demo into a DuckDB file, computes its results,
adds one user per role (:data:`ACCOUNTS`) and serves the application with uvicorn on a
free port of 127.0.0.1 in a thread. Tests talk to it over real HTTP (httpx, or chromium
through Playwright). ``live_web_pg`` does the same on a PostgreSQL database.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn

from servicechain.accounts.tokens import create_token
from servicechain.accounts.users import add_user
from servicechain.analysis.snapshot import refresh
from servicechain.demo.load import load_demo
from servicechain.settings import Settings
from servicechain.store import Store
from servicechain.web.app import create_app

PASSWORD = "correct horse battery staple"
SECRET = "test-secret-not-for-production-0123456789"
DEMO = {"units": 10, "periods": 4, "customers_per_unit": 40, "seed": 11}
"""Small, but with regions, locations and teams, flags, suppressed teams and every page's data."""


@dataclass(frozen=True)
class Account:
    """A test user: role, login and the unit their account hangs under."""

    role: str
    email: str
    unit: str | None


@dataclass
class LiveWeb:
    """A running server: its base URL, store and the units the accounts see."""

    url: str
    store: Store
    accounts: dict[str, Account]
    region: str
    """The regional manager's region."""
    location: str
    """The unit manager's location (inside ``region``)."""
    team: str
    """A team of ``location`` (the employee's unit)."""
    other_region: str
    other_location: str
    """A location outside ``region``: nobody but executives and analysts may see it."""
    tokens: dict[str, str] = field(default_factory=dict)
    app: Any = None
    """The served application object (its ``state``: settings, refresher, intake writer)."""

    def client(self, role: str | None = None) -> httpx.Client:
        """An HTTP client, signed in as ``role`` (None: anonymous); close it when done (do not
        use it in a ``with`` block: it is open already)."""
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)
        if role is not None:
            sign_in(client, self.accounts[role].email, PASSWORD)
        return client

    def api(self, role: str) -> httpx.Client:
        """An HTTP client carrying ``role``'s API token."""
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.tokens[role]}"},
                            timeout=30)  # fmt: skip


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    """Sign in through the login form; returns the answer to the form post."""
    page = client.get("/login")
    form = {"email": email, "password": password, "csrf_token": csrf_of(page.text)}
    return client.post("/login", data=form)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerThread(threading.Thread):
    """uvicorn serving ``app`` on 127.0.0.1:``port`` until :meth:`stop`."""

    def __init__(self, app: object, port: int) -> None:
        super().__init__(daemon=True)
        # keep-alive longer than any pause in a test: a client reusing a connection the server just
        # closed (uvicorn's default is 5 s) reads "connection reset" on a busy machine
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                timeout_keep_alive=300)  # fmt: skip
        self.server = uvicorn.Server(config)

    def run(self) -> None:
        self.server.run()

    def stop(self) -> None:
        self.server.should_exit = True
        self.join(timeout=10)


def _pick_units(store: Store) -> dict[str, str]:
    """A region with a location and a team, and a location in another region."""
    from servicechain.analysis.units import read_units

    units = read_units(store)
    regions = units[units["level"] == "region"].sort_values("unit_code")
    locations = units[units["level"] == "location"]
    teams = units[units["level"] == "team"]
    region = regions.iloc[0]
    mine = locations[locations["parent_id"] == region["unit_id"]].sort_values("unit_code").iloc[0]
    team = teams[teams["parent_id"] == mine["unit_id"]].sort_values("unit_code").iloc[0]
    other_region = regions.iloc[1]
    other = locations[locations["parent_id"] == other_region["unit_id"]].sort_values("unit_code").iloc[0]
    return {"region": region["unit_code"], "location": mine["unit_code"], "team": team["unit_code"],
            "other_region": other_region["unit_code"], "other_location": other["unit_code"]}  # fmt: skip


@contextmanager
def serve_demo(store: Store) -> Iterator[LiveWeb]:
    """Load the demo into ``store``, add the accounts and tokens, serve it; yields the server."""
    load_demo(store, **DEMO)
    settings = Settings(database_url=store.url, secret_key=SECRET, secure_cookies=False, language="nl")
    refresh(store, settings=settings)
    picked = _pick_units(store)
    accounts = {
        "executive": Account("executive", "directie@example.nl", None),
        "analyst": Account("analyst", "analist@example.nl", None),
        "regional-manager": Account("regional-manager", "regio@example.nl", picked["region"]),
        "unit-manager": Account("unit-manager", "vestiging@example.nl", picked["location"]),
        "employee": Account("employee", "medewerker@example.nl", picked["team"]),
    }
    for account in accounts.values():
        add_user(store, account.email, account.role, account.unit, password=PASSWORD)
    tokens = {role: create_token(store, account.email, "tests") for role, account in accounts.items()}
    app = create_app(settings, store=store)
    port = free_port()
    server = ServerThread(app, port)
    server.start()
    deadline = time.monotonic() + 20
    while not server.server.started:
        if time.monotonic() > deadline or not server.is_alive():
            raise RuntimeError("the test web server did not start")
        time.sleep(0.05)
    try:
        yield LiveWeb(url=f"http://127.0.0.1:{port}", store=store, accounts=accounts, tokens=tokens, app=app,
                      **picked)  # fmt: skip
    finally:
        server.stop()


@pytest.fixture(scope="session")
def live_web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveWeb]:
    """The demo served from a DuckDB file (one per test worker)."""
    from conftest import fresh_store

    with fresh_store(request, "duckdb", tmp_path_factory.mktemp("web")) as store, serve_demo(store) as web:
        yield web


@pytest.fixture(scope="session")
def live_web_pg(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[LiveWeb]:  # fmt: skip
    """The demo served from a PostgreSQL database."""
    from conftest import fresh_store

    folder = tmp_path_factory.mktemp("web")
    with fresh_store(request, "postgresql", folder) as store, serve_demo(store) as web:
        yield web


def wait_for(predicate: object, timeout: float = 10.0) -> None:
    """Poll ``predicate()`` until it is true (background work in the server)."""
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium through Playwright (skips when it is missing), one per test module."""
    from test_report_html import CHROMIUM, browser_available

    browser_available()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()
