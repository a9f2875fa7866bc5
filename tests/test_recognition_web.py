"""The recognition pages and ``/api/v1/recognition`` over real HTTP on the live demo (DuckDB and
PostgreSQL): scoping per role, who decides what, the forms with their CSRF token, the employee page,
the unit page's section and the awards."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from recognition_helpers import make_row, namesakes, only_one, plant, recognition_of, status_of
from web_helpers import Callers, csrf, subtree
from web_support import LiveWeb

from servicechain.act import recognition_queue as queue


@pytest.fixture(params=["duckdb", "postgresql"])
def web(request: pytest.FixtureRequest) -> Iterator[LiveWeb]:
    yield request.getfixturevalue("live_web" if request.param == "duckdb" else "live_web_pg")


def ids_on(html: str) -> dict[int, str]:
    """Recognition cards on a page: id -> the unit code they are about."""
    found = re.findall(
        r'<article class="card recognition" id="recognition-(\d+)" data-status="\w+" data-unit="([^"]+)"',
        html,
    )
    return {int(i): unit for i, unit in found}


def find_as_analyst(web: LiveWeb) -> dict[str, int]:
    answer = web.api("analyst").post("/api/v1/recognition/find")
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_queue_scoped_per_role(live_web: LiveWeb) -> None:
    callers = Callers.of(live_web)
    mine, theirs = (
        make_row(live_web.store, live_web.location, "suggested"),
        make_row(live_web.store, live_web.other_location, "suggested"),
    )
    region = subtree(live_web, live_web.region)
    for role in ("unit-manager", "regional-manager"):
        page = callers.session(role).get("/recognition")
        assert page.status_code == 200, page.text[:300]
        shown = ids_on(page.text)
        assert mine in shown and theirs not in shown, role
        assert set(shown.values()) <= region
    executive = callers.clone("executive").get("/recognition?lang=en")  # a clone: the language stays
    assert {mine, theirs} <= set(ids_on(executive.text)) and "Recognition" in executive.text
    assert 'href="/recognition"' in executive.text, "in the menu"
    assert 'id="find-praise"' not in executive.text, "searching is the analyst's button"
    assert 'id="find-praise"' in callers.session("analyst").get("/recognition").text
    assert callers.session("employee").get("/recognition").status_code == 403
    assert 'href="/recognition"' not in callers.session("employee").get("/me").text
    assert (
        callers.session("unit-manager").get(f"/recognition?unit={live_web.other_location}").status_code == 404
    )
    api = live_web.api("unit-manager").get("/api/v1/recognition", params={"status": "all", "per_page": 1000})
    assert mine in {i["id"] for i in api.json()["items"]} and theirs not in {
        i["id"] for i in api.json()["items"]
    }
    assert {i["unit_code"] for i in api.json()["items"]} <= region


def test_a_manager_confirms_a_suggestion(web: LiveWeb) -> None:
    name, code, _team = only_one(web.store, web.location)
    [key] = plant(web.store, web.location, f"Fijne winkel! {name} was super behulpzaam.")
    assert find_as_analyst(web)["added"] >= 1
    [row] = recognition_of(web.store, key)
    assert row.status == "suggested"
    manager = web.api("unit-manager")
    listed = manager.get("/api/v1/recognition", params={"lang": "en"}).json()["items"]
    item = next(i for i in listed if i["id"] == row.id)
    assert (
        item["employee"]["code"] == code
        and item["status_name"] == "suggested"
        and item["source_name"] == "review"
    )
    assert item["excerpt"] == f"{name} was super behulpzaam." and item["said_on"] == "2026-09-15"
    refused = web.api("analyst").post(f"/api/v1/recognition/{row.id}", json={"action": "confirm"})
    assert refused.status_code == 403 and "managers" in refused.json()["error"]["message"]
    assert (
        web.api("employee").post(f"/api/v1/recognition/{row.id}", json={"action": "confirm"}).status_code
        == 403
    )
    done = manager.post(f"/api/v1/recognition/{row.id}", json={"action": "confirm"})
    assert done.status_code == 200 and done.json()["status"] == "confirmed", done.text
    assert done.json()["decided_by"] == web.accounts["unit-manager"].email
    again = manager.post(f"/api/v1/recognition/{row.id}?lang=en", json={"action": "reject"})
    assert again.status_code == 422 and "already confirmed" in again.json()["error"]["message"]
    praise = manager.get(f"/api/v1/employees/{code}/recognition").json()
    assert praise["employee"]["code"] == code and row.id in {i["id"] for i in praise["items"]}
    session = Callers.of(web).session("unit-manager")
    person = session.get(f"/employees/{code}")
    assert person.status_code == 200 and f'id="praise-{row.id}"' in person.text
    unit = session.get(f"/units/{web.location}")
    section = unit.text[unit.text.index('id="unit-praise"') :]
    assert f'id="praise-{row.id}"' in section and f"<mark>{name}</mark>" in section


def test_an_analyst_resolves_an_ambiguous_match(web: LiveWeb) -> None:
    name, codes = namesakes(web.store, web.location)
    [key] = plant(web.store, web.location, f"{name} was heel vriendelijk, bedankt!")
    find_as_analyst(web)
    [row] = recognition_of(web.store, key)
    assert row.status == "ambiguous" and row.employee_id is None
    item = queue.get_recognition(web.store, row.id)
    assert sorted(c["code"] for c in item["candidates"]) == sorted(codes)
    manager = web.api("unit-manager").post(
        f"/api/v1/recognition/{row.id}", json={"action": "choose", "employee": codes[0]}
    )
    assert manager.status_code == 403
    analyst = web.api("analyst")
    wrong = analyst.post(
        f"/api/v1/recognition/{row.id}?lang=en", json={"action": "choose", "employee": "E999999"}
    )
    assert wrong.status_code == 422 and "not one of the colleagues" in wrong.json()["error"]["message"]
    missing = analyst.post(f"/api/v1/recognition/{row.id}?lang=en", json={"action": "choose"})
    assert missing.status_code == 422
    assert missing.json()["error"]["message"] == "Choose the colleague this praise is about."
    chosen = analyst.post(f"/api/v1/recognition/{row.id}", json={"action": "choose", "employee": codes[1]})
    assert chosen.status_code == 200 and chosen.json()["employee"]["code"] == codes[1]
    assert status_of(web.store, row.id) == "confirmed"


def test_forms_check_the_token_and_say_what_is_wrong(live_web: LiveWeb) -> None:
    callers = Callers.of(live_web)
    client = callers.session("unit-manager")
    row = make_row(live_web.store, live_web.location, "suggested")
    token = csrf(client)
    assert (
        client.post(f"/recognition/{row}", data={"csrf_token": "wrong", "action": "confirm"}).status_code
        == 403
    )
    bad = callers.clone("unit-manager").post(
        f"/recognition/{row}?lang=en", data={"csrf_token": token, "action": "approve"}
    )
    assert (
        bad.status_code == 400 and "The decision must be confirm, reject or choose, not approve." in bad.text
    )
    back = "/recognition?status=all"
    done = client.post(f"/recognition/{row}", data={"csrf_token": token, "action": "reject", "back": back})
    assert done.status_code == 303 and done.headers["location"] == f"{back}&done=reject#recognition-{row}"
    assert status_of(live_web.store, row) == "rejected"
    other = make_row(live_web.store, live_web.other_location, "suggested")
    assert (
        client.post(f"/recognition/{other}", data={"csrf_token": token, "action": "confirm"}).status_code
        == 404
    )
    assert status_of(live_web.store, other) == "suggested"
    evil = make_row(live_web.store, live_web.location, "suggested")
    away = client.post(
        f"/recognition/{evil}",
        data={"csrf_token": token, "action": "confirm", "back": "https://evil.example"},
    )
    assert away.headers["location"] == f"/recognition?done=confirm#recognition-{evil}"


def test_the_find_button_is_the_analysts(live_web: LiveWeb) -> None:
    callers = Callers.of(live_web)
    analyst = callers.session("analyst")
    answer = analyst.post("/recognition/find", data={"csrf_token": csrf(analyst)})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/recognition?found=0-0-0-")
    page = callers.clone("analyst").get(answer.headers["location"] + "&lang=en")
    assert re.search(
        r'id="find-notice"[^>]*>0 new: 0 suggestions and 0 ambiguous matches, from [\d,]+ positive texts',
        page.text,
    )
    assert "came since the last search" in page.text, "the button reads new texts, not every one"
    manager = callers.session("unit-manager")
    assert manager.post("/recognition/find", data={"csrf_token": csrf(manager)}).status_code == 403
    assert live_web.api("executive").post("/api/v1/recognition/find").status_code == 403


def test_awards_within_the_callers_units(web: LiveWeb) -> None:
    row = make_row(web.store, web.location, "suggested")
    web.api("executive").post(f"/api/v1/recognition/{row}", json={"action": "confirm"})
    whole = web.api("executive").get("/api/v1/recognition/awards", params={"year": 2026})
    assert whole.status_code == 200 and whole.json()["year"] == 2026
    assert whole.json()["employee"] and whole.json()["location"] and whole.json()["team"]
    mine = web.api("unit-manager").get("/api/v1/recognition/awards", params={"year": 2026}).json()
    assert {t["code"] for t in mine["team"]} <= subtree(web, web.location)
    assert [u["code"] for u in mine["location"]] == [web.location]
    page = Callers.of(web).clone("executive").get("/recognition/awards?year=2026&lang=en")
    assert (
        page.status_code == 200 and "Employee of the year" in page.text and 'id="award-method"' in page.text
    )
    assert web.api("executive").get("/api/v1/recognition/awards", params={"year": 12}).status_code == 422
    one_unit = {"year": 2026, "unit": web.location}
    narrowed = web.api("executive").get("/api/v1/recognition/awards", params=one_unit)
    assert [u["code"] for u in narrowed.json()["location"]] == [web.location], "?unit= narrows the awards"
    assert {t["code"] for t in narrowed.json()["team"]} <= subtree(web, web.location)
    for role, code in (("unit-manager", web.other_location), ("unit-manager", "NOPE"), ("executive", "NOPE")):
        outside = web.api(role).get("/api/v1/recognition/awards", params={"year": 2026, "unit": code})
        assert outside.status_code == 404, (role, code)
    form = Callers.of(web).clone("executive").get(f"/recognition/awards?year=2026&unit={web.location}")
    assert f'name="unit" value="{web.location}"' in form.text, "the year form keeps the unit"
    for level in ("employee", "team", "location"):  # a tie shares a place: every entry says its place
        ranked = whole.json()[level]
        assert [e["rank"] for e in ranked] == sorted(e["rank"] for e in ranked) and ranked[0]["rank"] == 1
        assert all(e["shared"] >= 1 for e in ranked)
        shown = re.search(rf'id="award-{level}".*?<tbody>(.*?)</tbody>', page.text, re.S)
        assert shown and re.findall(r"<tr><td>(\d+)</td>", shown.group(1)) == [str(e["rank"]) for e in ranked]


def test_employee_pages_are_scoped(live_web: LiveWeb) -> None:
    _name, mine, _team = only_one(live_web.store, live_web.location)
    _name, theirs, _team = only_one(live_web.store, live_web.other_location)
    callers = Callers.of(live_web)
    assert callers.session("unit-manager").get(f"/employees/{mine}").status_code == 200
    hidden = callers.session("unit-manager").get(f"/employees/{theirs}")
    unknown = callers.session("unit-manager").get("/employees/NOBODY")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.text.replace(theirs, "CODE") == unknown.text.replace("NOBODY", "CODE"), "as if unknown"
    assert callers.session("executive").get(f"/employees/{theirs}").status_code == 200
    assert callers.session("employee").get(f"/employees/{mine}").status_code == 403
    api: httpx.Response = live_web.api("unit-manager").get(f"/api/v1/employees/{theirs}/recognition")
    assert api.status_code == 404 and api.json()["error"]["status"] == 404


def test_the_compliments_wall_shows_confirmed_praise_of_the_location_only(live_web: LiveWeb) -> None:
    """Employees see what customers confirmed-ly praised at their location: no suggestions, ambiguous or
    rejected ones, nothing of another location, no ratings and no links to colleagues' pages."""
    store, executive = live_web.store, live_web.api("executive")
    rows = {
        status: make_row(store, live_web.location, "suggested")
        for status in ("confirmed", "rejected", "open")
    }
    rows["ambiguous"] = make_row(store, live_web.location, "ambiguous")
    rows["elsewhere"] = make_row(store, live_web.other_location, "suggested")
    for key, action in (("confirmed", "confirm"), ("rejected", "reject"), ("elsewhere", "confirm")):
        assert executive.post(f"/api/v1/recognition/{rows[key]}", json={"action": action}).status_code == 200
    employee = Callers.of(live_web).session("employee")
    wall = employee.get("/compliments")
    assert wall.status_code == 200 and 'href="/compliments"' in wall.text, "in the employee's menu"
    shown = {int(i) for i in re.findall(r'id="praise-(\d+)"', wall.text)}
    assert rows["confirmed"] in shown
    assert not shown & {rows[key] for key in ("rejected", "open", "ambiguous", "elsewhere")}
    assert "/employees/" not in wall.text and "%" not in wall.text
    assert employee.get("/recognition").status_code == 403
    assert employee.get("/api/v1/recognition").status_code == 403
    everyone = Callers.of(live_web).session("executive").get("/compliments").text
    assert {rows["confirmed"], rows["elsewhere"]} <= {
        int(i) for i in re.findall(r'id="praise-(\d+)"', everyone)
    }
