"""Who may call what: every route of the web application, for every role and for anonymous callers.

:data:`ROUTE_RULES` is the authorisation table (method, route template) -> the roles the route
serves; it must list exactly the routes of ``create_app()``, so a new route without a rule
fails :func:`test_the_rules_cover_every_route`. :data:`PROBES` are concrete requests on the
live demo server, with the scoping by org unit on top of the role rule (404 outside the
caller's subtree). Each probe is sent for every role: the allowed ones must get the
expected 2xx/3xx answer, every other caller its 401/403/404 (pages send anonymous callers
to the login page).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from markupsafe import escape
from web_helpers import (
    ANON,
    EVERYONE,
    NUMBERS,
    ROLES,
    Callers,
    all_pages,
    app_of,
    csrf,
    discard_upload,
    distinctive_numbers,
    fresh_account,
    fresh_session,
    is_api,
    kpi_csv,
    number_texts,
    routes_of,
    score_rows,
    subtree,
    units_frame,
    upload_id_of,
)
from web_support import PASSWORD, SECRET, LiveWeb

from servicechain.accounts.users import setup_token
from servicechain.settings import Settings

SIGNED_IN = frozenset(ROLES)
PUBLIC = frozenset(EVERYONE)
SCORES = SIGNED_IN - {"employee"}
WHOLE = frozenset({"executive", "analyst"})
ANALYST = frozenset({"analyst"})
NOBODY: frozenset[str] = frozenset()

ROUTE_RULES: dict[tuple[str, str], frozenset[str]] = {
    # signing in and the account
    ("GET", "/"): SIGNED_IN,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): SIGNED_IN,
    ("GET", "/setup/{token}"): PUBLIC,
    ("POST", "/setup/{token}"): PUBLIC,
    ("GET", "/me"): SIGNED_IN,
    ("POST", "/me/password"): SIGNED_IN,
    ("POST", "/language"): PUBLIC,
    # dashboards
    ("GET", "/overview"): WHOLE,
    ("GET", "/linkage"): WHOLE,
    ("GET", "/regions/{code}"): SCORES,
    ("GET", "/units/{code}"): SCORES,
    # imports
    ("GET", "/imports"): ANALYST,
    ("POST", "/imports"): ANALYST,
    ("POST", "/imports/{upload_id}/confirm"): ANALYST,
    ("POST", "/imports/{upload_id}/discard"): ANALYST,
    # the API
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/overview"): WHOLE,
    ("GET", "/api/v1/linkage"): WHOLE,
    ("GET", "/api/v1/regions/{code}"): SCORES,
    ("GET", "/api/v1/units"): SCORES,
    ("GET", "/api/v1/units/{code}"): SCORES,
    ("GET", "/api/v1/scorecard"): SCORES,
    ("GET", "/api/v1/snapshot"): SCORES,
    ("GET", "/api/v1/imports"): ANALYST,
    ("POST", "/api/v1/imports"): ANALYST,
    ("POST", "/api/v1/imports/{upload_id}/confirm"): ANALYST,
    # documentation and plumbing
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/api/v1/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/static-vendor/plotly.min.js"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
}
MOUNTS = {"/static", "/static-docs"}
"""Static files (style sheet, script, Swagger UI assets): public, not in the table."""


@dataclass(frozen=True)
class Probe:
    """One concrete request: ``path`` may name ``{region}``, ``{location}``, ``{team}``,
    ``{other_region}``, ``{other_location}`` and ``{token}``/``{upload_id}`` (made by ``send``).

    ``allowed`` get ``ok``; ``hidden`` get 404 (their role may use the route, but the unit is
    outside their subtree); other signed-in callers 403; anonymous callers 401 (API) or a
    303 to the login page.
    """

    method: str
    route: str
    path: str
    allowed: frozenset[str]
    hidden: frozenset[str] = NOBODY
    ok: int = 200
    send: str = "get"
    lands: str | None = None
    """Where an allowed caller's redirect goes (a path template like ``path``)."""

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def expected(self, role: str) -> int:
        if role in self.allowed:
            return self.ok
        if role in self.hidden:
            return 404
        if role == ANON:
            return 401 if is_api(self.path) else 303
        return 403


def page(path: str, allowed: frozenset[str], **more: Any) -> Probe:
    return Probe("GET", more.pop("route", path), path, allowed, **more)


def api(path: str, allowed: frozenset[str], **more: Any) -> Probe:
    route = more.pop("route", f"/api/v1{path}".split("?")[0])
    return Probe("GET", route, f"/api/v1{path}", allowed, **more)


REGION_VIEWERS = WHOLE | {"regional-manager"}
LOCATION_VIEWERS = REGION_VIEWERS | {"unit-manager"}
MANAGERS = frozenset({"regional-manager", "unit-manager"})

PROBES: list[Probe] = [
    page("/", SIGNED_IN, ok=303),
    page("/login", PUBLIC),
    Probe("POST", "/login", "/login", PUBLIC, ok=303, send="login"),
    Probe("POST", "/logout", "/logout", SIGNED_IN, ok=303, send="logout", lands="/login"),
    page("/setup/{token}", PUBLIC, send="setup_page"),
    Probe("POST", "/setup/{token}", "/setup/{token}", PUBLIC, ok=303, send="setup", lands="/me"),
    page("/me", SIGNED_IN),
    Probe("POST", "/me/password", "/me/password", SIGNED_IN, send="password"),
    Probe("POST", "/language", "/language", PUBLIC, ok=303, send="language", lands="/me"),
    page("/overview", WHOLE),
    page("/linkage", WHOLE),
    page("/regions/{region}", REGION_VIEWERS, hidden=frozenset({"unit-manager"}), route="/regions/{code}"),
    page("/regions/{other_region}", WHOLE, hidden=MANAGERS, route="/regions/{code}"),
    page("/regions/{location}", LOCATION_VIEWERS, ok=303, route="/regions/{code}", lands="/units/{location}"),
    page(
        "/regions/{other_location}",
        WHOLE,
        hidden=MANAGERS,
        ok=303,
        route="/regions/{code}",
        lands="/units/{other_location}",
    ),
    page("/regions/X-NOPE", NOBODY, hidden=SCORES, route="/regions/{code}"),
    page("/units/{location}", LOCATION_VIEWERS, route="/units/{code}"),
    page("/units/{team}", LOCATION_VIEWERS, route="/units/{code}"),
    page("/units/{other_location}", WHOLE, hidden=MANAGERS, route="/units/{code}"),
    page(
        "/units/{region}",
        REGION_VIEWERS,
        hidden=frozenset({"unit-manager"}),
        ok=303,
        route="/units/{code}",
        lands="/regions/{region}",
    ),
    page("/units/X-NOPE", NOBODY, hidden=SCORES, route="/units/{code}"),
    page("/imports", ANALYST),
    Probe("POST", "/imports", "/imports", ANALYST, send="page_upload"),
    Probe(
        "POST", "/imports/{upload_id}/confirm", "/imports/{upload_id}/confirm", ANALYST, send="page_confirm"
    ),
    Probe(
        "POST",
        "/imports/{upload_id}/discard",
        "/imports/{upload_id}/discard",
        ANALYST,
        ok=303,
        send="page_discard",
        lands="/imports",
    ),
    api("/me", SIGNED_IN),
    api("/overview", WHOLE),
    api("/linkage", WHOLE),
    api(
        "/regions/{region}",
        REGION_VIEWERS,
        hidden=frozenset({"unit-manager"}),
        route="/api/v1/regions/{code}",
    ),
    api("/regions/{other_region}", WHOLE, hidden=MANAGERS, route="/api/v1/regions/{code}"),
    api("/regions/{location}", LOCATION_VIEWERS, route="/api/v1/regions/{code}"),
    api("/regions/X-NOPE", NOBODY, hidden=SCORES, route="/api/v1/regions/{code}"),
    api("/units", SCORES),
    api("/units?level=location&per_page=2&page=2", SCORES),
    api("/units/{location}", LOCATION_VIEWERS, route="/api/v1/units/{code}"),
    api("/units/{team}", LOCATION_VIEWERS, route="/api/v1/units/{code}"),
    api("/units/{other_location}", WHOLE, hidden=MANAGERS, route="/api/v1/units/{code}"),
    api("/units/{region}", REGION_VIEWERS, hidden=frozenset({"unit-manager"}), route="/api/v1/units/{code}"),
    api("/units/X-NOPE", NOBODY, hidden=SCORES, route="/api/v1/units/{code}"),
    api("/scorecard", SCORES),
    api("/scorecard?unit={location}&period=latest", LOCATION_VIEWERS),
    api("/scorecard?unit={other_location}", WHOLE, hidden=MANAGERS),
    api("/scorecard?unit={other_region}", WHOLE, hidden=MANAGERS),
    api("/scorecard?unit=X-NOPE", NOBODY, hidden=SCORES),
    api("/snapshot", SCORES),
    api("/imports", ANALYST),
    Probe("POST", "/api/v1/imports", "/api/v1/imports", ANALYST, send="api_upload"),
    Probe(
        "POST",
        "/api/v1/imports/{upload_id}/confirm",
        "/api/v1/imports/{upload_id}/confirm",
        ANALYST,
        send="api_confirm",
    ),
    api("/openapi.json", PUBLIC),
    api("/docs", PUBLIC),
    page("/docs/oauth2-redirect", PUBLIC),
    page("/static-vendor/plotly.min.js", PUBLIC),
    page("/healthz", PUBLIC),
]
ORDER = (ANON, "executive", "regional-manager", "unit-manager", "employee", "analyst")
"""Analysts last: the others' refused confirm/discard must leave the analyst's upload pending."""


@pytest.fixture
def callers(live_web: LiveWeb) -> Callers:
    """Clients per role, shared by the web test modules of this worker."""
    return Callers.of(live_web)


def test_the_rules_cover_every_route(live_web: LiveWeb) -> None:
    """The table lists exactly the application's routes, and the probes exercise each rule."""
    endpoints, mounts = routes_of(app_of(live_web))
    assert endpoints - set(ROUTE_RULES) == set(), "routes without an access rule in ROUTE_RULES"
    assert set(ROUTE_RULES) - endpoints == set(), "rules for routes the application no longer has"
    assert mounts == MOUNTS
    for route, rule in ROUTE_RULES.items():
        probes = [probe for probe in PROBES if (probe.method, probe.route) == route]
        assert probes, f"no probe for {route}"
        assert any(probe.allowed == rule for probe in probes), f"no probe exercises the whole rule of {route}"
        for probe in probes:
            assert probe.allowed | probe.hidden <= rule, f"{probe} allows more than the rule of {route}"


class Sender:
    """Sends one probe as one role; special senders prepare their own state (fresh accounts,
    uploads, setup links)."""

    def __init__(self, web: LiveWeb, callers: Callers, probe: Probe) -> None:
        self.web, self.callers, self.probe = web, callers, probe
        self.values = {
            name: getattr(web, name)
            for name in ("region", "location", "team", "other_region", "other_location")
        }
        prepare: Callable[[], None] | None = getattr(self, f"prepare_{probe.send}", None)
        if prepare is not None:
            prepare()

    def path(self) -> str:
        return self.probe.path.format(**self.values)

    def lands(self) -> str | None:
        return None if self.probe.lands is None else self.probe.lands.format(**self.values)

    def vias(self) -> tuple[str, ...]:
        if is_api(self.probe.path) and self.probe.method == "GET":
            return ("token", "session")
        return ("token",) if is_api(self.probe.path) else ("session",)

    def __call__(self, role: str, via: str) -> httpx.Response:
        client = self.callers.token(role) if via == "token" else self.callers.session(role)
        method: Callable[[str, httpx.Client], httpx.Response] = getattr(self, f"send_{self.probe.send}")
        return method(role, client)

    def send_get(self, role: str, client: httpx.Client) -> httpx.Response:
        return client.get(self.path())

    # signing in and the account
    def send_login(self, role: str, client: httpx.Client) -> httpx.Response:
        other = self.callers.clone(role)  # signing in again replaces the session: keep the shared one
        account = self.web.accounts["executive" if role == ANON else role]
        form = {"email": account.email, "password": PASSWORD, "csrf_token": csrf(other)}
        return other.post("/login", data=form)

    def send_logout(self, role: str, client: httpx.Client) -> httpx.Response:
        other = self.web.client(None if role == ANON else role)  # a session of its own to end
        try:
            answer = other.post("/logout", data={"csrf_token": csrf(other)})
            if role != ANON:
                assert answer.headers.get("location") == "/login"
                assert other.get("/me").status_code == 303, "still signed in after signing out"
            return answer
        finally:
            other.close()

    def prepare_setup_page(self) -> None:
        self.values["token"] = setup_token(fresh_account(self.web, "employee", password=None), SECRET)

    def send_setup_page(self, role: str, client: httpx.Client) -> httpx.Response:
        return client.get(self.path())

    def prepare_setup(self) -> None:
        self.values["token"] = "A-NEW-LINK-PER-CALLER"

    def send_setup(self, role: str, client: httpx.Client) -> httpx.Response:
        token = setup_token(fresh_account(self.web, "employee", password=None), SECRET)
        other = self.callers.clone(role)
        form = {"password": PASSWORD, "repeat": PASSWORD, "csrf_token": csrf(other)}
        return other.post(f"/setup/{token}", data=form)

    def send_password(self, role: str, client: httpx.Client) -> httpx.Response:
        if role == ANON:
            other = self.callers.clone(ANON)
        else:
            other, _ = fresh_session(self.web, role)
        new = PASSWORD + " again"
        form = {"current": PASSWORD, "password": new, "repeat": new, "csrf_token": csrf(other)}
        try:
            return other.post("/me/password", data=form)
        finally:
            if role != ANON:
                other.close()

    def send_language(self, role: str, client: httpx.Client) -> httpx.Response:
        other = self.callers.clone(role)
        return other.post("/language", data={"language": "nl", "back": "/me", "csrf_token": csrf(other)})

    # imports
    def _page_upload(self, client: httpx.Client) -> httpx.Response:
        return client.post(
            "/imports",
            data={"kind": "kpis", "csrf_token": csrf(client)},
            files={"file": ("probe.csv", kpi_csv(self.web.location), "text/csv")},
        )

    def send_page_upload(self, role: str, client: httpx.Client) -> httpx.Response:
        answer = self._page_upload(client)
        if answer.status_code == 200:
            assert 'id="validation"' in answer.text
            discard_upload(self.callers, upload_id_of(answer.text))
        return answer

    def prepare_page_confirm(self) -> None:
        answer = self._page_upload(self.callers.session("analyst"))
        assert answer.status_code == 200, answer.text[:500]
        self.values["upload_id"] = upload_id_of(answer.text)

    prepare_page_discard = prepare_page_confirm

    def send_page_confirm(self, role: str, client: httpx.Client) -> httpx.Response:
        answer = client.post(self.path(), data={"csrf_token": csrf(client)})
        if answer.status_code == 200:
            assert 'id="imported"' in answer.text
        return answer

    send_page_discard = send_page_confirm

    def _api_upload(self, client: httpx.Client) -> httpx.Response:
        return client.post(
            "/api/v1/imports",
            data={"kind": "kpis"},
            files={"file": ("probe.csv", kpi_csv(self.web.location), "text/csv")},
        )

    def send_api_upload(self, role: str, client: httpx.Client) -> httpx.Response:
        answer = self._api_upload(client)
        if answer.status_code == 200:
            assert answer.json()["ok"] is True, answer.text
            discard_upload(self.callers, answer.json()["id"])
        return answer

    def prepare_api_confirm(self) -> None:
        answer = self._api_upload(self.callers.token("analyst"))
        assert answer.status_code == 200 and answer.json()["ok"], answer.text[:500]
        self.values["upload_id"] = answer.json()["id"]

    def send_api_confirm(self, role: str, client: httpx.Client) -> httpx.Response:
        answer = client.post(self.path())
        if answer.status_code == 200:
            assert answer.json()["result"]["inserted"] == 1, answer.text
        return answer


def judge(probe: Probe, path: str, lands: str | None, role: str, answer: httpx.Response) -> str | None:
    """What is wrong with ``answer`` to ``role``, or None."""
    expected = probe.expected(role)
    got = answer.status_code
    if got != expected:
        return f"expected {expected}, got {got}: {answer.text[:200]!r}"
    location = answer.headers.get("location", "")
    if role == ANON and expected == 303 and role not in probe.allowed:
        if location != f"/login?next={path}":
            return f"anonymous caller sent to {location!r}, not to the login page"
    elif lands is not None and role in probe.allowed:
        if location != lands:
            return f"redirected to {location!r}, not to {lands!r}"
    elif location.startswith("/login"):
        return f"an allowed caller was sent to the login page ({location})"
    if got >= 400 and is_api(path):
        if not answer.headers.get("content-type", "").startswith("application/json"):
            return f"API error is not JSON: {answer.headers.get('content-type')}"
        error = answer.json().get("error", {})
        if error.get("status") != got or not error.get("message"):
            return f"API error body without status and message: {answer.text[:200]!r}"
        if got == 401 and answer.headers.get("www-authenticate") != "Bearer":
            return "401 without WWW-Authenticate: Bearer"
    return None


@pytest.mark.parametrize("probe", PROBES, ids=str)
def test_access(live_web: LiveWeb, callers: Callers, probe: Probe) -> None:
    send = Sender(live_web, callers, probe)
    path = send.path()
    failures = []
    for role in ORDER:
        for via in send.vias():
            answer = send(role, via)
            problem = judge(probe, path, send.lands(), role, answer)
            if problem:
                failures.append(f"{role} ({via}): {problem}")
    assert not failures, f"{probe.method} {path}:\n" + "\n".join(failures)


# --- scoping by org unit -------------------------------------------------------------------------

OUT_OF_SCOPE = [
    # (role, path template, the unit whose numbers must not show, how the executive sees that unit)
    ("unit-manager", "/units/{other_location}", "other_location", "/api/v1/units/{}"),
    ("unit-manager", "/regions/{other_region}", "other_region", "/api/v1/regions/{}"),
    ("unit-manager", "/regions/{region}", "region", "/api/v1/regions/{}"),
    ("unit-manager", "/api/v1/units/{other_location}", "other_location", "/api/v1/units/{}"),
    ("unit-manager", "/api/v1/scorecard?unit={other_location}", "other_location", "/api/v1/units/{}"),
    ("unit-manager", "/api/v1/regions/{other_region}", "other_region", "/api/v1/regions/{}"),
    ("unit-manager", "/api/v1/units/{region}", "region", "/api/v1/units/{}"),
    ("regional-manager", "/units/{other_location}", "other_location", "/api/v1/units/{}"),
    ("regional-manager", "/api/v1/units/{other_location}", "other_location", "/api/v1/units/{}"),
    ("regional-manager", "/api/v1/scorecard?unit={other_location}", "other_location", "/api/v1/units/{}"),
    ("regional-manager", "/api/v1/regions/{other_region}", "other_region", "/api/v1/regions/{}"),
]


@pytest.mark.parametrize(
    ("role", "template", "target", "source"), OUT_OF_SCOPE, ids=[f"{r}:{t}" for r, t, _, _ in OUT_OF_SCOPE]
)
def test_out_of_scope_unit_looks_unknown(
    live_web: LiveWeb, callers: Callers, role: str, template: str, target: str, source: str
) -> None:
    """A manager asking for a unit outside their subtree gets exactly the answer of an unknown code,
    with none of that unit's name or numbers."""
    code = getattr(live_web, target)
    truth = callers.token("executive").get(source.format(code))
    assert truth.status_code == 200
    numbers = distinctive_numbers(truth.json())
    assert numbers, "the executive should see numbers of this unit"
    client = callers.token(role) if template.startswith("/api/") else callers.session(role)
    path = template.format(**{target: code})
    answer = client.get(path)
    unknown = client.get(path.replace(code, "X-NOPE"))
    assert answer.status_code == 404, answer.text[:300]
    assert unknown.status_code == 404
    assert answer.text.replace(code, "X-NOPE") == unknown.text, (
        "an out-of-scope unit differs from an unknown one"
    )
    name = str(units_frame(live_web).at[code, "unit_name"])
    for text in {name, str(escape(name)), json.dumps(name)[1:-1]}:
        assert text not in answer.text
    leaked = {
        value
        for value in numbers
        for text in number_texts(value)
        if text in answer.text and text not in unknown.text
    }
    assert not leaked, f"numbers of {code} in the answer: {sorted(leaked)}"


@pytest.mark.parametrize(
    ("role", "root"), [("unit-manager", "location"), ("regional-manager", "region"), ("executive", None)]
)
def test_lists_hold_only_the_callers_subtree(
    live_web: LiveWeb, callers: Callers, role: str, root: str | None
) -> None:
    units = units_frame(live_web)
    mine = subtree(live_web, getattr(live_web, root)) if root else set(units.index)
    client = callers.token(role)
    listed = all_codes(client, "/api/v1/units", per_page=3)
    assert listed == mine
    locations = all_codes(client, "/api/v1/units", level="location")
    assert locations == {code for code in mine if units.at[code, "level"] == "location"}
    assert locations, "the subtree has a location"
    rows = all_pages(client, "/api/v1/scorecard", per_page=1000)
    assert len(rows) == client.get("/api/v1/scorecard", params={"per_page": 1}).json()["total"]
    assert {row["unit_code"] for row in rows} == mine
    for code in sorted(set(units.index) - mine)[:4]:
        assert client.get("/api/v1/scorecard", params={"unit": code}).status_code == 404


def all_codes(client: httpx.Client, path: str, **params: Any) -> set[str]:
    return {item["code"] for item in all_pages(client, path, **params)}


@pytest.mark.parametrize(
    ("role", "home", "root"),
    [("unit-manager", "/units/{}", "location"), ("regional-manager", "/regions/{}", "region")],
)
def test_home_page_names_no_unit_outside_the_subtree(
    live_web: LiveWeb, callers: Callers, role: str, home: str, root: str
) -> None:
    """A manager's own page compares with the company and region, but shows no other unit."""
    units = units_frame(live_web)
    code = getattr(live_web, root)
    mine = subtree(live_web, code)
    ancestors = {
        other for other in units.index if str(units.at[code, "path"]).startswith(units.at[other, "path"])
    }
    shown = {str(units.at[other, "unit_name"]) for other in mine | ancestors}
    answer = callers.session(role).get(home.format(code))
    assert answer.status_code == 200
    page = answer.text
    for other in sorted(set(units.index) - mine - ancestors):
        name = str(units.at[other, "unit_name"])
        if any(name in allowed for allowed in shown):
            continue  # a team's name contains its location's name
        assert str(escape(name)) not in page and name not in page, f"{other} ({name}) on the page of {code}"
        assert f"/units/{other}" not in page and f"/regions/{other}" not in page


# --- anonymity ------------------------------------------------------------------------------------

THRESHOLD = Settings.model_fields["anonymity_threshold"].default


def test_small_groups_show_no_employee_results(live_web: LiveWeb, callers: Callers) -> None:
    """Suppressed rows carry no numbers, only a reason; employee results that are shown come from
    groups of at least the anonymity threshold."""
    executive, manager = callers.token("executive"), callers.token("unit-manager")
    documents = [
        all_pages(executive, "/api/v1/scorecard", per_page=1000),
        executive.get("/api/v1/units", params={"per_page": 1000}).json(),
        executive.get(f"/api/v1/units/{live_web.location}").json(),
        executive.get(f"/api/v1/units/{live_web.team}").json(),
        executive.get(f"/api/v1/regions/{live_web.region}").json(),
        executive.get("/api/v1/overview").json(),
        manager.get(f"/api/v1/units/{live_web.location}").json(),
        manager.get("/api/v1/units").json(),
    ]
    rows = score_rows(documents)
    suppressed = [row for row in rows if row["suppressed"]]
    assert suppressed, "the demo has teams below the threshold"
    assert any(row["source"] == "employee" for row in suppressed)
    for row in suppressed:
        assert all(row[field] is None for field in NUMBERS), row
        assert isinstance(row["reason"], str) and row["reason"], row
    assert any(str(THRESHOLD) in row["reason"] for row in suppressed), "the reason names the threshold"
    shown = [row for row in rows if not row["suppressed"]]
    assert shown
    for row in shown:
        assert row["reason"] is None and isinstance(row["n"], int), row
        if row["source"] == "employee":
            assert row["n"] >= THRESHOLD, row


def test_employee_sees_no_scores_anywhere(live_web: LiveWeb, callers: Callers) -> None:
    """An employee's own pages carry no score; every score route refuses them, for their own team too."""
    client, token = callers.session("employee"), callers.token("employee")
    me = client.get("/me")
    assert me.status_code == 200
    assert "/units/" not in me.text and "/overview" not in me.text
    for path in (f"/units/{live_web.team}", f"/units/{live_web.location}", f"/regions/{live_web.region}"):
        assert client.get(path).status_code == 403
    for path in (
        f"/api/v1/units/{live_web.team}",
        f"/api/v1/scorecard?unit={live_web.team}",
        "/api/v1/snapshot",
    ):
        answer = token.get(path)
        assert answer.status_code == 403
        assert score_rows(answer.json()) == []
    assert token.get("/api/v1/me").json()["unit"]["code"] == live_web.team
