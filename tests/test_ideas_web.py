"""The ideas page, the summary and ``/api/v1/ideas`` over real HTTP on the live demo server (DuckDB),
and the API on the PostgreSQL server: who sees, raises, votes and decides what."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from web_helpers import Callers, all_pages, csrf, fresh_session
from web_support import LiveWeb

from servicechain.accounts.audit import entries
from servicechain.act import ideas
from servicechain.act.ideas import Member, get_idea, home_unit, raise_idea
from servicechain.analysis.units import read_units
from servicechain.web.ideas import MESSAGES, PER_PAGE


@pytest.fixture
def callers(live_web: LiveWeb) -> Callers:
    return Callers.of(live_web)


def idea_at(web: LiveWeb, code: str, title: str, **more: Any) -> int:
    """An anonymous idea raised at ``code`` by someone without an account (anyone may vote on it)."""
    units = read_units(web.store).set_index("unit_code")
    unit_id = home_unit(web.store, int(units.at[code, "unit_id"]))["id"]
    author = Member(0, "nobody@example.nl", "another-key")
    return int(raise_idea(web.store, author, unit_id, "friction", title, None, anonymous=True, **more)["id"])


def cards(html: str) -> dict[int, dict[str, str]]:
    """The idea cards of a page: id -> their data attributes."""
    found = {}
    for match in re.finditer(r'<article class="card idea" id="idea-(\d+)"([^>]*)>', html):
        found[int(match.group(1))] = dict(re.findall(r'data-([a-z]+)="([^"]*)"', match.group(2)))
    return found


def test_every_refusal_has_a_message_in_the_catalogue() -> None:
    assert set(MESSAGES) == set(ideas.MESSAGES)
    assert all(MESSAGES[message] == message for message in ideas.MESSAGES), "the same English text"


def test_who_sees_which_ideas(live_web: LiveWeb, callers: Callers) -> None:
    mine = idea_at(live_web, live_web.location, "Wachtrij bij de kassa")
    theirs = idea_at(live_web, live_web.other_location, "Parkeren bij de achteringang")
    for role in ("employee", "unit-manager", "regional-manager"):
        page = callers.session(role).get("/ideas")
        assert page.status_code == 200, page.text[:300]
        assert mine in cards(page.text) and theirs not in cards(page.text), role
        assert 'href="/ideas"' in page.text, f"{role}: in the menu"
    for role in ("executive", "analyst"):
        assert {mine, theirs} <= set(cards(callers.session(role).get("/ideas").text)), role
    employee = callers.session("employee").get("/ideas?lang=en").text
    assert 'class="actions idea-decide"' not in employee, "employees do not decide"
    assert 'id="ideas-summary"' not in employee
    assert 'class="actions idea-decide"' not in callers.session("analyst").get("/ideas").text
    assert 'class="actions idea-decide"' in callers.session("unit-manager").get("/ideas").text
    assert callers.session("employee").get(f"/ideas?unit={live_web.other_location}").status_code == 404
    assert callers.session("anonymous").get("/ideas").status_code == 303


def test_an_employee_raises_an_idea_anonymously_or_by_name(live_web: LiveWeb, callers: Callers) -> None:
    client = callers.session("employee")
    token = csrf(client)
    form = {"csrf_token": token, "kind": "rule", "title": "Retour alleen met bon", "body": "Klanten\nbalen"}
    answer = client.post("/ideas", data=form)
    assert answer.status_code == 303, answer.text[:300]
    idea_id = int(answer.headers["location"].rsplit("#idea-", 1)[1])
    idea = get_idea(live_web.store, idea_id)
    assert idea["unit_code"] == live_web.location and idea["author_email"] is None and idea["kind"] == "rule"
    page = client.get("/ideas?sort=newest&lang=en")
    assert cards(page.text)[idea_id]["yours"] == "yes" and "anonymous" in page.text
    other = callers.session("unit-manager").get("/ideas?sort=newest").text
    assert cards(other)[idea_id]["yours"] == "no"
    assert (
        live_web.accounts["employee"].email
        not in other.split(f'id="idea-{idea_id}"')[1].split("</article>")[0]
    )

    named = client.post("/ideas", data=form | {"title": "Met naam", "author": "name"})
    named_id = int(named.headers["location"].rsplit("#idea-", 1)[1])
    assert get_idea(live_web.store, named_id)["author_email"] == live_web.accounts["employee"].email

    refused = client.post("/ideas?lang=en", data=form | {"title": "  "})
    assert refused.status_code == 400 and "Give the idea a title (at most 200 characters)." in refused.text
    assert "Klanten\nbalen</textarea>" in refused.text, "the form keeps what was typed"
    control = client.post("/ideas?lang=en", data=form | {"body": "bel\x07"})
    assert (
        control.status_code == 400
        and "The description contains an invisible control character" in control.text
    )
    assert client.post("/ideas", data=form | {"csrf_token": "wrong"}).status_code == 403


def test_voting_toggles_and_refuses_your_own_idea(live_web: LiveWeb, callers: Callers) -> None:
    idea_id = idea_at(live_web, live_web.location, "Te weinig tassen")
    colleague, _user = fresh_session(live_web, "employee")
    try:
        token = csrf(colleague)
        cast = colleague.post(
            f"/ideas/{idea_id}/vote", data={"csrf_token": token, "vote": "1", "back": "/ideas"}
        )
        assert cast.status_code == 303 and cast.headers["location"] == f"/ideas#idea-{idea_id}"
        again = colleague.post(f"/ideas/{idea_id}/vote", data={"csrf_token": token, "vote": "1"})
        assert again.status_code == 303 and get_idea(live_web.store, idea_id)["votes"] == 1, "one vote each"
        page = colleague.get("/ideas?lang=en").text
        assert cards(page)[idea_id]["votes"] == "1" and "Withdraw my vote" in page
        colleague.post(f"/ideas/{idea_id}/vote", data={"csrf_token": token, "vote": "0", "back": "//evil"})
        assert get_idea(live_web.store, idea_id)["votes"] == 0
        raised = colleague.post("/ideas", data={"csrf_token": token, "title": "Mijn eigen"})
        own = int(raised.headers["location"].rsplit("#idea-", 1)[1])
        refused = colleague.post(f"/ideas/{own}/vote?lang=en", data={"csrf_token": token})
        assert refused.status_code == 400 and "This is your own idea" in refused.text
        theirs = idea_at(live_web, live_web.other_location, "Elders")
        assert colleague.post(f"/ideas/{theirs}/vote", data={"csrf_token": token}).status_code == 404
        assert get_idea(live_web.store, theirs)["votes"] == 0
    finally:
        colleague.close()


def test_a_manager_decides_and_employees_and_analysts_may_not(live_web: LiveWeb, callers: Callers) -> None:
    idea_id = idea_at(live_web, live_web.location, "Sleutel van de kluis")
    manager = callers.session("unit-manager")
    token = csrf(manager)
    form = {
        "csrf_token": token,
        "status": "declined",
        "reason": "",
        "reward": "",
        "back": "/ideas?status=all",
    }
    refused = manager.post(f"/ideas/{idea_id}?lang=en", data=form)
    assert (
        refused.status_code == 400 and "Say why the idea is declined: a reason is required." in refused.text
    )
    assert get_idea(live_web.store, idea_id)["status"] == "new"
    planned = manager.post(f"/ideas/{idea_id}", data=form | {"status": "planned", "reward": "Lunch"})
    assert planned.status_code == 303 and planned.headers["location"] == f"/ideas?status=all#idea-{idea_id}"
    idea = get_idea(live_web.store, idea_id)
    assert (idea["status"], idea["reward"], idea["decided_by"]) == (
        "planned",
        "Lunch",
        "vestiging@example.nl",
    )
    logged = [str(e["detail"]) for e in entries(live_web.store, action="idea_decided", limit=100)]
    assert any(line.startswith(f"idea {idea_id} {live_web.location} status=planned") for line in logged)
    for role in ("employee", "analyst"):
        client = callers.session(role)
        answer = client.post(f"/ideas/{idea_id}", data=form | {"csrf_token": csrf(client), "status": "done"})
        assert answer.status_code == 403, role
    theirs = idea_at(live_web, live_web.other_location, "Elders beslissen")
    assert manager.post(f"/ideas/{theirs}", data=form | {"status": "done"}).status_code == 404
    assert get_idea(live_web.store, theirs)["status"] == "new"


def test_the_summary_page_is_for_managers(live_web: LiveWeb, callers: Callers) -> None:
    idea_at(live_web, live_web.location, "Voor de samenvatting")
    page = callers.session("unit-manager").get("/ideas/summary?lang=en")
    assert (
        page.status_code == 200
        and 'id="ideas-per-unit"' in page.text
        and "Median days to decision" in page.text
    )
    assert f'data-unit="{live_web.location}"' in page.text and live_web.other_location not in page.text
    assert f'data-unit="{live_web.other_location}"' in callers.session("executive").get("/ideas/summary").text
    assert callers.session("employee").get("/ideas/summary").status_code == 403


def test_the_api_raises_votes_decides_and_summarises(live_web: LiveWeb, callers: Callers) -> None:
    employee, manager = callers.token("employee"), callers.token("unit-manager")
    made = employee.post("/api/v1/ideas", json={"kind": "friction", "title": "Pinautomaat traag"})
    assert made.status_code == 201, made.text
    item = made.json()
    assert item["anonymous"] and item["yours"] and item["author_email"] is None and "author_key" not in item
    assert item["created_at"].endswith("Z") and item["status"] == "new" and item["kind_name"]
    idea_id = item["id"]
    bad = employee.post("/api/v1/ideas?lang=en", json={"kind": "klacht", "title": "x"})
    assert (
        bad.status_code == 422
        and bad.json()["error"]["message"] == "The kind must be friction or rule, not klacht."
    )
    own = employee.post(f"/api/v1/ideas/{idea_id}/vote", json={"vote": True})
    assert own.status_code == 422
    voted = manager.post(f"/api/v1/ideas/{idea_id}/vote", json={"vote": True})
    assert voted.status_code == 200 and voted.json()["votes"] == 1 and voted.json()["voted"]
    assert manager.post(f"/api/v1/ideas/{idea_id}/vote").json()["votes"] == 1, "no body: cast (once)"
    listed = employee.get("/api/v1/ideas", params={"status": "new", "sort": "newest"}).json()
    mine = next(i for i in listed["items"] if i["id"] == idea_id)
    assert mine["votes"] == 1 and mine["yours"] and not mine["voted"]
    assert employee.post(f"/api/v1/ideas/{idea_id}", json={"status": "done"}).status_code == 403
    decided = manager.post(f"/api/v1/ideas/{idea_id}", json={"status": "done", "reward": "Bioscoopbon"})
    assert decided.status_code == 200 and decided.json()["status"] == "done" and decided.json()["decided_at"]
    declined = manager.post(f"/api/v1/ideas/{idea_id}?lang=en", json={"status": "declined"})
    assert declined.status_code == 422 and "a reason is required" in declined.json()["error"]["message"]
    assert manager.post(f"/api/v1/ideas/{idea_id}/vote", json={"vote": False}).status_code == 422, "closed"
    assert manager.post("/api/v1/ideas/999999999", json={"status": "done"}).status_code == 404
    summary = manager.get("/api/v1/ideas/summary").json()
    assert {unit["unit_code"] for unit in summary["units"]} <= {live_web.location}
    assert summary["total"]["by_status"]["done"] >= 1 and summary["as_of"].endswith("Z")
    assert callers.token("employee").get("/api/v1/ideas/summary").status_code == 403
    session = callers.session("employee")
    assert session.post("/api/v1/ideas", json={"title": "zonder token"}).status_code == 403, "CSRF header"
    with_header = session.post(
        "/api/v1/ideas", json={"title": "met token"}, headers={"X-CSRF-Token": csrf(session)}
    )
    assert with_header.status_code == 201


def test_long_lists_come_in_pages(live_web: LiveWeb, callers: Callers) -> None:
    made = [idea_at(live_web, live_web.other_location, f"Pagina {n}") for n in range(PER_PAGE + 1)]
    executive = callers.session("executive")
    query = f"/ideas?unit={live_web.other_location}&sort=newest&lang=en"
    first, second = executive.get(query), executive.get(query + "&page=2")
    assert len(cards(first.text)) == PER_PAGE and 'id="page-next"' in first.text
    assert set(made) <= set(cards(first.text)) | set(cards(second.text))
    assert 'id="page-previous"' in second.text and made[0] in cards(second.text), "oldest last"
    listed = all_pages(callers.token("executive"), "/api/v1/ideas", unit=live_web.other_location, per_page=40)
    assert set(made) <= {item["id"] for item in listed}


def test_the_api_on_postgresql(live_web_pg: LiveWeb) -> None:
    """Raise, vote, decide and summarise over HTTP on the PostgreSQL store; scoping as on DuckDB."""
    theirs = idea_at(live_web_pg, live_web_pg.other_location, "Elders op PostgreSQL")
    with live_web_pg.api("employee") as employee, live_web_pg.api("unit-manager") as manager:
        made = employee.post(
            "/api/v1/ideas", json={"kind": "rule", "title": "Retour zonder bon", "anonymous": False}
        )
        assert made.status_code == 201, made.text
        idea_id = made.json()["id"]
        assert made.json()["author_email"] == live_web_pg.accounts["employee"].email
        assert made.json()["unit_code"] == live_web_pg.location
        assert manager.post(f"/api/v1/ideas/{idea_id}/vote", json={"vote": True}).json()["votes"] == 1
        assert manager.post(f"/api/v1/ideas/{theirs}/vote", json={"vote": True}).status_code == 404
        ids = {item["id"] for item in employee.get("/api/v1/ideas").json()["items"]}
        assert idea_id in ids and theirs not in ids
        done = manager.post(f"/api/v1/ideas/{idea_id}", json={"status": "done", "reward": "Taart"})
        assert done.status_code == 200 and done.json()["status"] == "done"
        summary = manager.get("/api/v1/ideas/summary").json()
        assert summary["total"]["decided"] >= 1 and summary["total"]["median_days_to_decision"] is not None
    with httpx.Client(base_url=live_web_pg.url) as anonymous:
        assert anonymous.get("/api/v1/ideas").status_code == 401
