"""``/api/v1`` over real HTTP: the OpenAPI document, pagination, JSON errors, uploads.

The unit manager's scoping and one upload also run against PostgreSQL (one test, so only
one test worker builds the PostgreSQL server).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from conftest import snapshot
from web_helpers import (
    Callers,
    all_pages,
    app_of,
    csrf,
    discard_upload,
    distinctive_numbers,
    fresh_session,
    kpi_csv,
    number_texts,
    routes_of,
    subtree,
    unique,
)
from web_support import LiveWeb, wait_for

from servicechain.accounts.audit import entries
from servicechain.accounts.tokens import create_token
from servicechain.store import schema

UNCHANGING = {"audit_log", "api_token"}
"""Tables a read may touch (the audit log of exports, a token's last use); every other table must
stay as it was when an upload is refused."""


@pytest.fixture
def callers(live_web: LiveWeb) -> Callers:
    """Clients per role, shared by the web test modules of this worker."""
    return Callers.of(live_web)


def error_of(answer: httpx.Response, status: int) -> str:
    """The message of a JSON error answer with ``status``."""
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status
    message = body["error"]["message"]
    assert isinstance(message, str) and message
    return message


# --- the OpenAPI document -----------------------------------------------------------------------------


def test_openapi_lists_every_api_route(live_web: LiveWeb) -> None:
    answer = httpx.get(f"{live_web.url}/api/v1/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    endpoints, _ = routes_of(app_of(live_web))
    plain = {(method, re.sub(r":\w+}", "}", path)) for method, path in endpoints}  # /{id:int}: /{id}
    api = {(method, path) for method, path in plain if path.startswith("/api/v1/")}
    api -= {("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs")}
    listed = {(method.upper(), path) for path, methods in document["paths"].items() for method in methods}
    assert listed == api
    assert all(path.startswith("/api/v1/") for path in document["paths"]), "pages are not in the document"
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert operation.get("summary"), f"{method} {path} has no summary"
    parameters = {p["name"] for p in document["paths"]["/api/v1/scorecard"]["get"]["parameters"]}
    assert {"unit", "period", "level", "measure", "page", "per_page"} <= parameters
    docs = httpx.get(f"{live_web.url}/api/v1/docs")
    assert docs.status_code == 200 and "/api/v1/openapi.json" in docs.text
    assert "cdn" not in docs.text.lower(), "Swagger UI is served from this site"


# --- pagination -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "key"),
    [
        ("/api/v1/units", {}, "code"),
        ("/api/v1/units", {"level": "team"}, "code"),
        ("/api/v1/scorecard", {"unit": "{location}"}, None),
        ("/api/v1/scorecard", {"period": "latest", "measure": "enps"}, None),
    ],
)
def test_pagination_walks_the_whole_list(
    live_web: LiveWeb, callers: Callers, path: str, params: dict[str, str], key: str | None
) -> None:
    params = {name: value.format(location=live_web.location) for name, value in params.items()}
    client = callers.token("analyst")
    whole = client.get(path, params=params | {"per_page": 1000}).json()
    assert whole["next"] is None and whole["page"] == 1
    everything = whole["items"]
    assert whole["total"] == len(everything) > 7
    per_page = 7
    pages: list[dict[str, Any]] = []
    answer = client.get(path, params=params | {"per_page": per_page})
    while True:
        assert answer.status_code == 200
        body = answer.json()
        pages.append(body)
        assert body["total"] == len(everything)
        assert body["per_page"] == per_page and body["page"] == len(pages)
        if body["next"] is None:
            break
        for name, value in params.items():
            assert f"{name}={value}" in body["next"], "the next link keeps the filters"
        answer = client.get(body["next"])
    assert len(pages) == -(-len(everything) // per_page)
    assert all(len(body["items"]) == per_page for body in pages[:-1])
    walked = [item for body in pages for item in body["items"]]
    assert walked == everything
    if key:
        assert len({item[key] for item in walked}) == len(walked), "no unit twice"
    beyond = client.get(path, params=params | {"per_page": per_page, "page": len(pages) + 1}).json()
    assert beyond["items"] == [] and beyond["next"] is None and beyond["total"] == len(everything)


def test_imports_list_counts_every_import(live_web: LiveWeb, callers: Callers) -> None:
    with live_web.store.engine.connect() as connection:
        stored = connection.execute(sa.select(sa.func.count()).select_from(schema.import_log)).scalar_one()
    client = callers.token("analyst")
    first = client.get("/api/v1/imports", params={"per_page": 2}).json()
    assert first["total"] == stored >= 9
    walked = all_pages(client, "/api/v1/imports", per_page=2)
    assert len(walked) == first["total"]
    ids = [row["id"] for row in walked]
    assert ids == sorted(ids, reverse=True), "newest first"


# --- errors ---------------------------------------------------------------------------------------


def test_errors_are_json_with_a_message(live_web: LiveWeb, callers: Callers) -> None:
    analyst, employee, manager = (
        callers.token("analyst"),
        callers.token("employee"),
        callers.token("unit-manager"),
    )
    anonymous = httpx.Client(base_url=live_web.url)
    assert "no unit X-NOPE" in error_of(analyst.get("/api/v1/units/X-NOPE?lang=en"), 404)
    assert "geen eenheid X-NOPE" in error_of(analyst.get("/api/v1/units/X-NOPE?lang=nl"), 404)
    error_of(analyst.get("/api/v1/no-such-route"), 404)
    assert "X-NOPE" in error_of(analyst.get("/api/v1/regions/X-NOPE"), 404)
    error_of(manager.get(f"/api/v1/units/{live_web.other_location}"), 404)
    assert "Employees see no scores" in error_of(employee.get("/api/v1/units?lang=en"), 403)
    error_of(manager.get("/api/v1/overview"), 403)
    error_of(analyst.post("/api/v1/imports/" + "a" * 24 + "/confirm"), 404)
    error_of(manager.post("/api/v1/imports/" + "a" * 24 + "/confirm"), 403)
    assert error_of(anonymous.get("/api/v1/units?lang=en"), 401) == "Sign in first."
    bad = httpx.Client(base_url=live_web.url, headers={"Authorization": "Bearer sc_nope_nope"})
    assert "token" in error_of(bad.get("/api/v1/me"), 401)
    assert "per_page" in error_of(analyst.get("/api/v1/units", params={"per_page": 0}), 422)
    assert "per_page" in error_of(analyst.get("/api/v1/scorecard", params={"per_page": 5000}), 422)
    assert "page" in error_of(analyst.get("/api/v1/units", params={"page": "first"}), 422)
    assert "lang" in error_of(analyst.get("/api/v1/overview", params={"lang": "de"}), 422)
    assert "kind" in error_of(analyst.post("/api/v1/imports", files={"file": ("a.csv", b"x")}), 422)
    error_of(analyst.delete("/api/v1/units"), 405)
    anonymous.close()
    bad.close()


# --- uploads --------------------------------------------------------------------------------------


def lasting(web: LiveWeb) -> dict[str, str]:
    """A digest of every table an upload may change."""
    return {name: digest for name, digest in snapshot(web.store).items() if name not in UNCHANGING}


def check_bad_upload(web: LiveWeb, client: httpx.Client) -> None:
    """A file with problems: every problem named by file, row and column; nothing written."""
    # a refresh an earlier test started in the background (it ends by updating the recognition
    # scan) must be over before the tables are compared
    wait_for(lambda: not web.app.state.refresher.running, timeout=120)
    before = lasting(web)
    text = (
        f"unit_code,period,metric,value\n{web.location},2026-07,{unique('bad_')},1.5\n"
        f"X-NOPE,2026-07,{unique('bad_')},2\n{web.location},2026-13,{unique('bad_')},3\n"
    )
    answer = client.post(
        "/api/v1/imports", data={"kind": "kpis"}, files={"file": ("bad-kpis.csv", text.encode(), "text/csv")}
    )
    assert answer.status_code == 200
    report = answer.json()
    assert report["ok"] is False and report["result"] is None
    assert report["total_problems"] == 2
    assert report["problems"][0].startswith("bad-kpis.csv:3:unit_code: unknown unit_code 'X-NOPE'")
    assert report["problems"][1].startswith("bad-kpis.csv:4:period: ")
    assert lasting(web) == before, "a refused upload wrote something"
    error_of(client.post(f"/api/v1/imports/{report['id']}/confirm"), 404)  # nothing kept to confirm


def check_good_upload(web: LiveWeb, client: httpx.Client) -> None:
    """Check, confirm, a new snapshot; the same file again is recognised."""
    metric = unique("api_")
    content = kpi_csv(web.location, metric, value="12.5")
    before = client.get("/api/v1/snapshot").json()["id"]
    unchanged = lasting(web)
    checked = client.post(
        "/api/v1/imports", data={"kind": "kpis"}, files={"file": ("kpis.csv", content, "text/csv")}
    )
    report = checked.json()
    assert report["ok"] is True and report["already_imported"] is False, report
    assert report["result"]["dry_run"] is True and report["result"]["inserted"] == 1
    assert lasting(web) == unchanged, "checking wrote something"
    confirmed = client.post(f"/api/v1/imports/{report['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text[:500]
    done = confirmed.json()
    assert done["result"]["inserted"] == 1 and done["result"]["dry_run"] is False
    assert done["snapshot_id"] > before
    now = client.get("/api/v1/snapshot").json()
    assert now["id"] == done["snapshot_id"] and now["refreshing"] is False
    with web.store.engine.connect() as connection:
        value = connection.execute(
            sa.select(schema.unit_kpi.c.value).where(schema.unit_kpi.c.metric == metric)
        )
        assert [row.value for row in value] == [12.5]
    newest = client.get("/api/v1/imports", params={"per_page": 1}).json()["items"][0]
    assert (newest["kind"], newest["file_name"], newest["inserted"]) == ("kpis", "kpis.csv", 1)
    assert any(
        row["action"] == "import" and "kpis.csv" in str(row["detail"]) for row in entries(web.store, limit=20)
    )
    error_of(client.post(f"/api/v1/imports/{report['id']}/confirm"), 404)  # confirmed once only
    again = client.post(
        "/api/v1/imports", data={"kind": "kpis"}, files={"file": ("kpis-again.csv", content, "text/csv")}
    ).json()
    assert again["ok"] is True and again["already_imported"] is True
    error_of(client.post(f"/api/v1/imports/{again['id']}/confirm"), 404)  # nothing to confirm
    assert client.get("/api/v1/snapshot").json()["id"] == done["snapshot_id"]


def check_unit_manager_scope(web: LiveWeb, manager: httpx.Client, executive: httpx.Client) -> None:
    """The unit manager's lists hold their subtree only; another location is unknown to them."""
    mine = subtree(web, web.location)
    assert {item["code"] for item in all_pages(manager, "/api/v1/units", per_page=2)} == mine
    assert {row["unit_code"] for row in all_pages(manager, "/api/v1/scorecard", per_page=500)} == mine
    numbers = distinctive_numbers(executive.get(f"/api/v1/units/{web.other_location}").json())
    assert numbers
    for path in (
        f"/api/v1/units/{web.other_location}",
        f"/api/v1/scorecard?unit={web.other_location}",
        f"/api/v1/regions/{web.other_region}",
        f"/api/v1/regions/{web.region}",
    ):
        answer = manager.get(path)
        error_of(answer, 404)
        assert not any(text in answer.text for value in numbers for text in number_texts(value))


def test_a_refused_upload_names_every_problem_and_writes_nothing(live_web: LiveWeb, callers: Callers) -> None:
    check_bad_upload(live_web, callers.token("analyst"))


def test_an_upload_is_checked_confirmed_and_recognised_again(live_web: LiveWeb, callers: Callers) -> None:
    check_good_upload(live_web, callers.token("analyst"))


def test_upload_odd_files(live_web: LiveWeb, callers: Callers) -> None:
    """Unknown kinds, unreadable types and odd file names are reported, not crashed on."""
    client = callers.token("analyst")
    content = kpi_csv(live_web.location)
    unknown = client.post("/api/v1/imports", data={"kind": "nonsense"}, files={"file": ("a.csv", content)})
    assert unknown.status_code == 200 and unknown.json()["ok"] is False
    assert "nonsense" in unknown.json()["problems"][0]
    for name in ("..", ".", "/", "notes.json"):
        answer = client.post("/api/v1/imports", data={"kind": "kpis"}, files={"file": (name, content)})
        assert answer.status_code == 200, (name, answer.text[:300])
        assert answer.json()["ok"] is False, name
    sneaky = client.post("/api/v1/imports", data={"kind": "kpis"}, files={"file": ("../../x.csv", content)})
    assert sneaky.json()["ok"] is True and sneaky.json()["file"] == "x.csv"
    discard_upload(callers, sneaky.json()["id"])


def test_only_the_uploader_confirms_or_discards(live_web: LiveWeb, callers: Callers) -> None:
    """Another analyst can neither confirm nor discard an upload that is not theirs."""
    owner = callers.token("analyst")
    report = owner.post(
        "/api/v1/imports", data={"kind": "kpis"}, files={"file": ("k.csv", kpi_csv(live_web.location))}
    ).json()
    assert report["ok"]
    colleague, user = fresh_session(live_web, "analyst")
    token = create_token(live_web.store, user.email, "tests")
    other = httpx.Client(base_url=live_web.url, headers={"Authorization": f"Bearer {token}"})
    error_of(other.post(f"/api/v1/imports/{report['id']}/confirm"), 404)
    discard = f"/imports/{report['id']}/discard"
    assert colleague.post(discard, data={"csrf_token": csrf(colleague)}).status_code == 404
    # still there for its owner
    mine = callers.session("analyst")
    answer = mine.post(discard, data={"csrf_token": csrf(mine)})
    assert answer.status_code == 303 and answer.headers["location"] == "/imports"
    error_of(owner.post(f"/api/v1/imports/{report['id']}/confirm"), 404)  # discarded
    other.close()
    colleague.close()


def test_writes_with_a_session_cookie_need_the_csrf_header(live_web: LiveWeb, callers: Callers) -> None:
    client = callers.session("analyst")
    files = {"file": ("kpis.csv", kpi_csv(live_web.location), "text/csv")}
    refused = client.post("/api/v1/imports?lang=en", data={"kind": "kpis"}, files=files)
    assert "expired" in error_of(refused, 403)
    wrong = client.post(
        "/api/v1/imports", data={"kind": "kpis"}, files=files, headers={"X-CSRF-Token": "wrong"}
    )
    error_of(wrong, 403)
    right = client.post(
        "/api/v1/imports", data={"kind": "kpis"}, files=files, headers={"X-CSRF-Token": csrf(client)}
    )
    assert right.status_code == 200 and right.json()["ok"] is True
    confirm = f"/api/v1/imports/{right.json()['id']}/confirm"
    error_of(client.post(confirm), 403)
    discard_upload(callers, right.json()["id"])
    # a bearer token needs no CSRF header
    by_token = callers.token("analyst").post("/api/v1/imports", data={"kind": "kpis"}, files=files)
    assert by_token.status_code == 200 and by_token.json()["ok"] is True
    discard_upload(callers, by_token.json()["id"])
    # reads with a session cookie need none either
    assert client.get("/api/v1/units", params={"per_page": 1}).status_code == 200


def test_postgresql_scoping_and_upload(live_web_pg: LiveWeb) -> None:
    """The same scoping and upload checks on PostgreSQL."""
    manager, executive, analyst = (live_web_pg.api(role) for role in ("unit-manager", "executive", "analyst"))
    try:
        check_unit_manager_scope(live_web_pg, manager, executive)
        check_bad_upload(live_web_pg, analyst)
        check_good_upload(live_web_pg, analyst)
    finally:
        for client in (manager, executive, analyst):
            client.close()


def test_unit_manager_scope_on_duckdb(live_web: LiveWeb, callers: Callers) -> None:
    check_unit_manager_scope(live_web, callers.token("unit-manager"), callers.token("executive"))
