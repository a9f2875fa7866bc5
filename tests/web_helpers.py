"""Helpers of the web access, auth and API tests: callers per role, fresh accounts, the app's routes.

Signing in costs an argon2 verification (about half a second here), so :class:`Callers`
signs each role in once and hands out that client; tests that change an account's state
make a fresh account with :func:`fresh_account` / :func:`fresh_session` instead.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

import httpx
import pandas as pd
from fastapi import FastAPI
from web_support import PASSWORD, SECRET, LiveWeb, csrf_of

from servicechain.accounts.users import User, add_user, setup_token
from servicechain.analysis.units import read_units
from servicechain.settings import Settings
from servicechain.web.app import API_PREFIX, create_app

ANON = "anonymous"
ROLES = ("executive", "analyst", "regional-manager", "unit-manager", "employee")
EVERYONE = (ANON, *ROLES)
NUMBERS = ("n", "mean", "ci_low", "ci_high", "shrunk", "percentile", "flag")
"""The fields of a score row that a suppressed row must leave empty."""


def unique(prefix: str = "t") -> str:
    """A short unique name (letters and digits)."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def fresh_account(web: LiveWeb, role: str, *, password: str | None = PASSWORD) -> User:
    """A new account with ``role`` on the unit of that role's test account."""
    return add_user(
        web.store,
        f"{unique(role.replace('-', ''))}@example.nl",
        role,
        web.accounts[role].unit,
        password=password,
    )


def fresh_session(web: LiveWeb, role: str, password: str = PASSWORD) -> tuple[httpx.Client, User]:
    """A new account with ``role`` and a client signed in as it (through its setup link: one argon2
    hash, no verification)."""
    user = fresh_account(web, role, password=None)
    client = web.client()
    token = setup_token(user, SECRET)
    form = {"password": password, "repeat": password, "csrf_token": csrf(client)}
    answer = client.post(f"/setup/{token}", data=form)
    assert answer.status_code == 303, answer.text[:500]
    return client, user


def csrf(client: httpx.Client) -> str:
    """The CSRF token of the client's session (the login page renders it for anyone)."""
    return csrf_of(client.get("/login").text)


class Callers:
    """HTTP clients per role, made once: ``session`` (signed in through the login form), ``token``
    (bearer token), ``clone`` (a second client carrying the same session cookie).

    :meth:`of` shares one set per live server among the test modules of a worker.
    """

    _shared: ClassVar[dict[str, Callers]] = {}

    @classmethod
    def of(cls, web: LiveWeb) -> Callers:
        """The callers of ``web`` (made on first use, closed with the server's process)."""
        if web.url not in cls._shared:
            cls._shared[web.url] = cls(web)
        return cls._shared[web.url]

    def __init__(self, web: LiveWeb) -> None:
        self.web = web
        self._sessions: dict[str, httpx.Client] = {}
        self._tokens: dict[str, httpx.Client] = {}
        self._opened: list[httpx.Client] = []

    def _keep(self, client: httpx.Client) -> httpx.Client:
        self._opened.append(client)
        return client

    def session(self, role: str) -> httpx.Client:
        if role not in self._sessions:
            self._sessions[role] = self._keep(self.web.client(None if role == ANON else role))
        return self._sessions[role]

    def token(self, role: str) -> httpx.Client:
        if role not in self._tokens:
            client = self.web.client() if role == ANON else self.web.api(role)
            self._tokens[role] = self._keep(client)
        return self._tokens[role]

    def clone(self, role: str) -> httpx.Client:
        """A new client with the cookies of ``session(role)`` (whatever it does leaves that one as is)."""
        source = self.session(role)
        cookies = httpx.Cookies()
        for cookie in source.cookies.jar:
            cookies.jar.set_cookie(cookie)
        return self._keep(
            httpx.Client(base_url=self.web.url, follow_redirects=False, timeout=30, cookies=cookies)
        )

    def close(self) -> None:
        for client in self._opened:
            client.close()


def app_of(web: LiveWeb, **settings: Any) -> FastAPI:
    """A second application object on the live store (not served): for its routes and settings."""
    values = {"database_url": web.store.url, "secret_key": SECRET, "secure_cookies": False} | settings
    return create_app(Settings(**values), store=web.store)


def routes_of(app: FastAPI) -> tuple[set[tuple[str, str]], set[str]]:
    """``({(method, path template)}, {mount paths})`` of every route the application answers.

    Works with flat route lists and with FastAPI's included-router objects alike. HEAD is left
    out (Starlette adds it to GET routes).
    """
    endpoints: set[tuple[str, str]] = set()
    mounts: set[str] = set()

    def walk(routes: Iterable[Any], prefix: str) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                walk(included.routes, prefix + route.include_context.prefix)
            elif getattr(route, "methods", None):
                endpoints.update((method, prefix + route.path) for method in route.methods - {"HEAD"})
            else:
                mounts.add(prefix + route.path)

    walk(app.routes, "")
    return endpoints, mounts


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIX)


def units_frame(web: LiveWeb) -> pd.DataFrame:
    """The store's units (``unit_code, unit_name, level, path, ...``) indexed by code."""
    return read_units(web.store).set_index("unit_code", drop=False)


def subtree(web: LiveWeb, code: str) -> set[str]:
    """The codes of ``code`` and every unit below it, straight from the store."""
    units = units_frame(web)
    return set(units.index[units["path"].str.startswith(str(units.at[code, "path"]))])


def kpi_csv(unit: str, metric: str | None = None, period: str = "2026-07", value: str = "1.5") -> bytes:
    """A small kpis file (one row of an own metric, new unless ``metric`` is given)."""
    return f"unit_code,period,metric,value\n{unit},{period},{metric or unique('probe_')},{value}\n".encode()


def discard_upload(callers: Callers, upload_id: str) -> None:
    """Throw away a pending upload of the analyst (through the imports page, as a person would)."""
    client = callers.session("analyst")
    answer = client.post(f"/imports/{upload_id}/discard", data={"csrf_token": csrf(client)})
    assert answer.status_code == 303, answer.text[:300]


def upload_id_of(html: str) -> str:
    """The id of a checked upload on the imports page (its confirm form)."""
    match = re.search(r'action="/imports/([A-Za-z0-9_-]+)/confirm"', html)
    assert match, "no confirm form on the imports page"
    return match.group(1)


def number_texts(value: float) -> set[str]:
    """How a number could appear on a page or in JSON (JSON's repr, 1 and 2 decimals, Dutch commas)."""
    texts = {repr(value)}
    for digits in (1, 2):
        text = f"{value:.{digits}f}"
        texts |= {text, text.replace(".", ",")}
    return texts


def distinctive_numbers(data: Any) -> set[float]:
    """Every mean, interval bound and shrunk value in a JSON document that is specific enough to
    recognise (not a whole number)."""
    found: set[float] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("mean", "ci_low", "ci_high", "shrunk") and isinstance(value, float):
                if value != round(value):
                    found.add(value)
            else:
                found |= distinctive_numbers(value)
    elif isinstance(data, list):
        for item in data:
            found |= distinctive_numbers(item)
    return found


def score_rows(data: Any) -> list[dict[str, Any]]:
    """Every score row (a dict with ``suppressed`` and ``measure``) anywhere in a JSON document."""
    rows: list[dict[str, Any]] = []
    if isinstance(data, dict):
        if "suppressed" in data and "measure" in data:
            rows.append(data)
        for value in data.values():
            rows += score_rows(value)
    elif isinstance(data, list):
        for item in data:
            rows += score_rows(item)
    return rows


def all_pages(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paginated API list, following ``next``."""
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text[:500]
    body = answer.json()
    items = list(body["items"])
    while body["next"]:
        answer = client.get(body["next"])
        assert answer.status_code == 200, answer.text[:500]
        body = answer.json()
        items += body["items"]
    return items
