"""The ideas page, the summary and ``/api/v1/ideas`` over real HTTP on the live demo server (DuckDB),
and the API on the PostgreSQL server: who sees, raises, votes and decides what."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from factories import seed_organisation, write
from web_helpers import Callers, all_pages, csrf, fresh_session, unique
from web_support import PASSWORD, SECRET, LiveWeb, ServerThread, free_port, sign_in, wait_for

from servicechain.accounts.audit import entries
from servicechain.accounts.tokens import create_token
from servicechain.accounts.users import add_user, set_password
from servicechain.act import ideas
from servicechain.act.ideas import Member, get_idea, home_unit, raise_idea
from servicechain.act.ideas_summary import CSV_COLUMNS, summary_csv
from servicechain.analysis.units import read_units
from servicechain.ingest.pipeline import import_file
from servicechain.settings import Settings
from servicechain.store import Store
from servicechain.web.app import create_app
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
        page = callers.clone(role).get("/ideas")
        assert page.status_code == 200, page.text[:300]
        assert mine in cards(page.text) and theirs not in cards(page.text), role
        assert 'href="/ideas"' in page.text, f"{role}: in the menu"
    for role in ("executive", "analyst"):
        assert {mine, theirs} <= set(cards(callers.clone(role).get("/ideas").text)), role
    employee = callers.clone("employee").get("/ideas?lang=en").text
    assert 'class="actions idea-decide"' not in employee, "employees do not decide"
    assert 'id="ideas-summary"' not in employee
    assert 'class="actions idea-decide"' not in callers.clone("analyst").get("/ideas").text
    assert 'class="actions idea-decide"' in callers.clone("unit-manager").get("/ideas").text
    assert callers.clone("employee").get(f"/ideas?unit={live_web.other_location}").status_code == 404
    assert callers.clone("anonymous").get("/ideas").status_code == 303


def test_an_employee_raises_an_idea_anonymously_or_by_name(live_web: LiveWeb, callers: Callers) -> None:
    client = callers.clone("employee")
    token = csrf(client)
    form = {"csrf_token": token, "kind": "rule", "title": "Retour alleen met bon", "body": "Klanten\nbalen"}
    answer = client.post("/ideas", data=form)
    assert answer.status_code == 303, answer.text[:300]
    idea_id = int(answer.headers["location"].rsplit("#idea-", 1)[1])
    idea = get_idea(live_web.store, idea_id)
    assert idea["unit_code"] == live_web.location and idea["author_email"] is None and idea["kind"] == "rule"
    page = client.get("/ideas?sort=newest&lang=en")
    assert cards(page.text)[idea_id]["yours"] == "yes" and "anonymous" in page.text
    other = callers.clone("unit-manager").get("/ideas?sort=newest").text
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
        assert cast.status_code == 303 and cast.headers["location"] == f"/ideas?done=voted#idea-{idea_id}"
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
    manager = callers.clone("unit-manager")
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
    assert planned.status_code == 303
    assert planned.headers["location"] == f"/ideas?status=all&done=decided#idea-{idea_id}"
    idea = get_idea(live_web.store, idea_id)
    assert (idea["status"], idea["reward"], idea["decided_by"]) == (
        "planned",
        "Lunch",
        "vestiging@example.nl",
    )
    logged = [str(e["detail"]) for e in entries(live_web.store, action="idea_decided", limit=100)]
    assert any(line.startswith(f"idea {idea_id} {live_web.location} status=planned") for line in logged)
    for role in ("employee", "analyst"):
        client = callers.clone(role)
        answer = client.post(f"/ideas/{idea_id}", data=form | {"csrf_token": csrf(client), "status": "done"})
        assert answer.status_code == 403, role
    theirs = idea_at(live_web, live_web.other_location, "Elders beslissen")
    assert manager.post(f"/ideas/{theirs}", data=form | {"status": "done"}).status_code == 404
    assert get_idea(live_web.store, theirs)["status"] == "new"


def test_the_summary_page_is_for_managers(live_web: LiveWeb, callers: Callers) -> None:
    idea_at(live_web, live_web.location, "Voor de samenvatting")
    page = callers.clone("unit-manager").get("/ideas/summary?lang=en")
    assert (
        page.status_code == 200
        and 'id="ideas-per-unit"' in page.text
        and "Median days to decision" in page.text
    )
    assert f'data-unit="{live_web.location}"' in page.text and live_web.other_location not in page.text
    assert f'data-unit="{live_web.other_location}"' in callers.clone("executive").get("/ideas/summary").text
    assert callers.clone("employee").get("/ideas/summary").status_code == 403


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
    session = callers.clone("employee")
    assert session.post("/api/v1/ideas", json={"title": "zonder token"}).status_code == 403, "CSRF header"
    with_header = session.post(
        "/api/v1/ideas", json={"title": "met token"}, headers={"X-CSRF-Token": csrf(session)}
    )
    assert with_header.status_code == 201


def test_long_lists_come_in_pages(live_web: LiveWeb, callers: Callers) -> None:
    an_hour_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)  # ids say nothing of order
    made = [idea_at(live_web, live_web.other_location, f"Pagina {n}", now=an_hour_ago if n == 0 else None)
            for n in range(PER_PAGE + 1)]  # fmt: skip
    executive = callers.clone("executive")
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


def decide_forms(html: str) -> set[int]:
    """The ideas of a page that carry a decide form."""
    found = set()
    for card in html.split('<article class="card idea" id="idea-')[1:]:
        if 'class="actions idea-decide"' in card.split("</article>")[0]:
            found.add(int(card.split('"', 1)[0]))
    return found


@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
def test_a_unit_manager_of_a_team_sees_the_location_but_decides_only_what_they_may(
    request: pytest.FixtureRequest, engine: str
) -> None:
    """Viewing goes by the location above the caller's unit, deciding by the caller's own unit: a
    unit manager of a team sees the location's ideas without decide forms (deciding answers 404),
    the location's manager and the region's see the forms on exactly what they may decide."""
    web: LiveWeb = request.getfixturevalue("live_web" if engine == "duckdb" else "live_web_pg")
    here = idea_at(web, web.location, f"Voor de locatie {unique()}")
    email = f"{unique('teamlead')}@example.nl"
    add_user(web.store, email, "unit-manager", web.team)
    set_password(web.store, email, PASSWORD)
    lead = web.client()
    try:
        assert sign_in(lead, email, PASSWORD).status_code == 303
        page = lead.get("/ideas?lang=en")
        assert page.status_code == 200 and here in cards(page.text), "the team's location's ideas"
        assert decide_forms(page.text) == set(), "nothing the team's manager may decide"
        token = csrf(lead)
        form = {"csrf_token": token, "status": "planned", "reason": "", "reward": "", "back": "/ideas"}
        assert lead.post(f"/ideas/{here}", data=form).status_code == 404
        assert get_idea(web.store, here)["status"] == "new"
        voted = lead.post(f"/ideas/{here}/vote", data={"csrf_token": token, "vote": "1"})
        assert voted.status_code == 303 and get_idea(web.store, here)["votes"] == 1, "voting is for all"
    finally:
        lead.close()
    callers = Callers.of(web)
    for role in ("unit-manager", "regional-manager", "executive"):
        html = callers.clone(role).get("/ideas").text
        assert here in decide_forms(html) and decide_forms(html) == set(cards(html)), role


def test_the_app_refuses_an_anonymous_idea_where_too_few_work(store: Store, tmp_path: Path) -> None:
    """With the installation's anonymity threshold (3 here, not the default 5): L-AMF has one
    current employee, L-UTR three; a named idea is always taken."""
    seed_organisation(store, tmp_path)
    extra = "employee_code,unit_code,role,is_manager,customer_facing\nE003,T-UTR-1,verkoper,false,true\n"
    import_file(store, "employees", write(tmp_path, "extra.csv", extra))
    add_user(store, "amf@example.nl", "employee", "L-AMF")
    add_user(store, "utr@example.nl", "employee", "T-UTR-1")
    settings = Settings(
        database_url=store.url, secret_key=SECRET, secure_cookies=False, anonymity_threshold=3
    )
    server = ServerThread(create_app(settings, store=store), port := free_port())
    server.start()
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        wait_for(lambda: server.server.started)

        def post(email: str, **body: Any) -> httpx.Response:
            token = create_token(store, email, "tests")
            headers = {"Authorization": f"Bearer {token}"}
            return client.post("/api/v1/ideas?lang=en", json={"title": "Idee"} | body, headers=headers)

        refused = post("amf@example.nl")
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["message"] == (
            "Fewer than 3 people work at Amersfoort Centrum, so an anonymous idea could be traced to you: "
            "raise it with your name instead."
        )
        assert post("amf@example.nl", anonymous=False).status_code == 201
        taken = post("utr@example.nl")
        assert taken.status_code == 201 and taken.json()["unit_code"] == "L-UTR", "3 people at L-UTR"
        assert taken.json()["created_at"].endswith(":00:00Z"), "to the hour"
    finally:
        client.close()
        server.stop()


def test_the_filter_forms_all_is_no_filter_and_a_bad_filter_says_why(
    live_web: LiveWeb, callers: Callers
) -> None:
    """The filter form sends ``kind=`` for "All": that lists both kinds (it once answered 422); a
    value that is not a filter answers the page with every idea and the reason (400), the API 422."""
    rule = idea_at(live_web, live_web.location, "Regel in de weg")
    client = callers.clone("employee")
    shown = client.get("/ideas", params={"status": "open", "kind": "", "sort": "votes"})
    assert shown.status_code == 200 and rule in cards(shown.text)
    assert client.get("/ideas", params={"status": "", "kind": "", "sort": ""}).status_code == 200
    for query, message in (
        ({"status": "later"}, "The status filter must be all, open, new, under_review, planned, done or "
                              "declined, not later."),
        ({"kind": "klacht"}, "The kind must be friction or rule, not klacht."),
        ({"sort": "oldest"}, "Sort by votes or newest, not oldest."),
    ):  # fmt: skip
        page = client.get("/ideas", params=query | {"lang": "en"})
        assert page.status_code == 400 and message in page.text, query
        assert rule in cards(page.text), "every idea, with the reason"
        answer = callers.token("employee").get("/api/v1/ideas", params=query | {"lang": "en"})
        assert answer.status_code == 422 and answer.json()["error"]["message"] == message
    assert callers.token("employee").get("/api/v1/ideas", params={"kind": ""}).status_code == 200


def test_one_idea_has_its_own_page_and_api_call_within_scope(live_web: LiveWeb, callers: Callers) -> None:
    """``/ideas/{id}`` and ``GET /api/v1/ideas/{id}``: the card with its forms for who sees it, 404
    for who does not (like an unknown id); an anonymous idea names nobody there either."""
    client = callers.clone("employee")
    raised = client.post("/ideas", data={"csrf_token": csrf(client), "title": "Een eigen pagina"})
    mine = int(raised.headers["location"].rsplit("#idea-", 1)[1])
    theirs = idea_at(live_web, live_web.other_location, "Elders, eigen pagina")
    page = client.get(f"/ideas/{mine}")
    assert page.status_code == 200 and set(cards(page.text)) == {mine}
    assert cards(page.text)[mine]["yours"] == "yes"
    manager = callers.clone("unit-manager").get(f"/ideas/{mine}")
    assert manager.status_code == 200 and decide_forms(manager.text) == {mine}
    assert cards(manager.text)[mine]["yours"] == "no"
    assert live_web.accounts["employee"].email not in manager.text.split('id="idea-')[1]
    assert client.get(f"/ideas/{theirs}").status_code == 404
    assert client.get("/ideas/987654321").status_code == 404
    assert callers.clone("executive").get(f"/ideas/{theirs}").status_code == 200
    api = callers.token("employee")
    one = api.get(f"/api/v1/ideas/{mine}")
    assert one.status_code == 200 and one.json()["yours"] and one.json()["author_email"] is None
    assert "author_key" not in one.json()
    assert api.get(f"/api/v1/ideas/{theirs}").status_code == 404
    assert api.get("/api/v1/ideas/summary").status_code == 403, "summary is not an idea id"
    vote_back = callers.clone("unit-manager")
    answer = vote_back.post(
        f"/ideas/{mine}/vote", data={"csrf_token": csrf(vote_back), "back": f"/ideas/{mine}"}
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"/ideas/{mine}?done=voted#idea-{mine}"


def test_the_summary_links_the_oldest_waiting_idea_and_takes_a_period(
    live_web: LiveWeb, callers: Callers
) -> None:
    """The oldest undecided idea's link opens that idea, wherever it would be in the list; the
    summary counts the ideas raised in a period, and says why a period is not one."""
    oldest = idea_at(
        live_web, live_web.other_location, "Wacht het langst", now=datetime(2020, 1, 1, 8), threshold=1
    )
    executive = callers.clone("executive")
    page = executive.get(f"/ideas/summary?unit={live_web.other_location}")
    assert f'href="/ideas/{oldest}" class="oldest-idea"' in page.text
    assert executive.get(f"/ideas/{oldest}").status_code == 200
    api = callers.token("executive")
    period = {"since": "2020-01-01", "until": "2020-01-01"}
    summary = api.get("/api/v1/ideas/summary", params=period)
    assert summary.status_code == 200 and summary.json()["total"]["ideas"] == 1
    assert (summary.json()["since"], summary.json()["until"]) == ("2020-01-01", "2020-01-01")
    assert summary.json()["units"][0]["oldest_undecided_id"] == oldest
    listed = api.get("/api/v1/ideas", params=period).json()["items"]
    assert [item["id"] for item in listed] == [oldest]
    for bad, message in (
        ({"since": "2020-02-01", "until": "2020-01-01"},
         "The period ends (2020-01-01) before it starts (2020-02-01)."),
        ({"since": "1-1-2020"}, "The start date must be a day such as 2026-03-31, not 1-1-2020."),
    ):  # fmt: skip
        answer = api.get("/api/v1/ideas/summary", params=bad | {"lang": "en"})
        assert answer.status_code == 422 and answer.json()["error"]["message"] == message
        shown = executive.get("/ideas/summary", params=bad | {"lang": "en"})
        assert shown.status_code == 400 and message in shown.text and 'id="ideas-per-unit"' in shown.text
    shown = executive.get("/ideas/summary", params=period)
    assert shown.status_code == 200 and 'value="2020-01-01"' in shown.text
    assert callers.clone("employee").get("/ideas/summary", params=period).status_code == 403


def card_html(html: str, idea_id: int) -> str:
    """One card's HTML."""
    return html.split(f'id="idea-{idea_id}"', 1)[1].split("</article>", 1)[0]


def test_a_refused_decision_answers_the_ideas_page_with_what_was_typed(
    live_web: LiveWeb, callers: Callers
) -> None:
    """Declining without a reason once answered the whole list with the error at the top, the
    status back to its old value and the reward emptied: now the idea's own page says why beside
    its decide form, keeps status, reason and reward as typed, and the way back keeps the list's filters."""
    idea_id = idea_at(live_web, live_web.location, "Afwijzen zonder reden")
    manager = callers.clone("unit-manager")
    back = "/ideas?status=open&sort=newest"
    form = {"csrf_token": csrf(manager), "status": "declined", "reason": " ", "reward": "Taart", "back": back}
    refused = manager.post(f"/ideas/{idea_id}?lang=en", data=form)
    assert refused.status_code == 400
    assert set(cards(refused.text)) == {idea_id}, "the idea's own page, not the whole list"
    card = card_html(refused.text, idea_id)
    error = card.split('id="idea-error"', 1)[1]
    assert "Say why the idea is declined: a reason is required." in error.split("</p>")[0]
    assert 'class="actions idea-decide"' in error, "the reason comes just before the decide form"
    assert '<option value="declined" selected>' in card and '<option value="new" selected>' not in card
    assert 'name="reward" maxlength="200" value="Taart"' in card
    assert 'name="back" value="/ideas?status=open&amp;sort=newest"' in card
    assert 'href="/ideas?status=open&amp;sort=newest" id="back-to-ideas"' in refused.text
    assert get_idea(live_web.store, idea_id)["status"] == "new", "nothing changed"

    kept = manager.post(f"/ideas/{idea_id}?lang=en", data=form | {"reason": "bel\x07", "reward": ""})
    assert kept.status_code == 400 and "The reason contains an invisible control character" in kept.text
    assert 'name="reason" maxlength="2000" value="bel\x07"' in card_html(kept.text, idea_id)
    assert 'name="reward" maxlength="200" value=""' in card_html(kept.text, idea_id), "cleared as typed"
    done = manager.post(f"/ideas/{idea_id}", data=form | {"reason": "Wettelijk verplicht"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/ideas?status=open&sort=newest&done=decided#idea-{idea_id}"


def test_a_refused_idea_keeps_the_form_and_the_lists_filters(live_web: LiveWeb, callers: Callers) -> None:
    """A manager's raise form is folded: a refused idea opens it again, with the reason beside it,
    everything typed (kind, title, description, name or anonymous) and the list as it was sorted."""
    manager = callers.clone("unit-manager")
    form = {"csrf_token": csrf(manager), "kind": "rule", "title": "Te\tlang", "body": "Uitleg\nhier",
            "author": "name", "back": "/ideas?sort=newest&status=open"}  # fmt: skip
    refused = manager.post("/ideas?lang=en", data=form)
    assert refused.status_code == 400
    assert '<details class="card" id="new-idea" open>' in refused.text, "the form is open"
    raise_form = refused.text.split('id="new-idea"', 1)[1].split("</details>", 1)[0]
    assert 'id="idea-form-error"' in raise_form and "The title contains a control character" in raise_form
    assert 'value="Te\tlang"' in raise_form and "Uitleg\nhier</textarea>" in raise_form
    assert 'value="rule" id="kind-rule" checked' in raise_form
    assert 'value="name" id="author-name" checked' in raise_form
    assert '<option value="newest" selected>' in refused.text, "the list as it was sorted"
    assert '<option value="open" selected>' in refused.text
    assert 'name="back" value="/ideas?status=open&amp;sort=newest"' in raise_form


def test_what_worked_is_said_and_names_nobody(live_web: LiveWeb, callers: Callers) -> None:
    """Raising (anonymous or by name), voting, withdrawing and deciding each come back with a
    short notice (role="status"); the redirect carries only a generic flag, never the title."""
    client = callers.clone("employee")
    token = csrf(client)
    title = "Niemand mag dit in een adres zien"
    anonymous = client.post("/ideas", data={"csrf_token": token, "title": title})
    location = anonymous.headers["location"]
    assert location.startswith("/ideas?sort=newest&done=raised-anonymously#idea-")
    assert "Niemand" not in location and "%20" not in location
    page = client.get(location.split("#")[0] + "&lang=en").text
    assert '<p class="ok card" id="idea-notice" role="status">Your idea was raised anonymously.</p>' in page
    assert "Newest first: each colleague" in page and "Most votes first: each" not in page
    assert 'id="idea-notice"' not in client.get("/ideas?lang=en").text, "only right after"
    assert "Most votes first: each" in client.get("/ideas?lang=en").text
    named = client.post("/ideas", data={"csrf_token": token, "title": "Met naam gemeld", "author": "name"})
    assert "done=raised#" in named.headers["location"]
    assert "Your idea was raised with your name." in client.get("/ideas?done=raised&lang=en").text

    idea_id = idea_at(live_web, live_web.location, "Om op te stemmen")
    voter = callers.clone("unit-manager")
    form = {"csrf_token": csrf(voter), "back": f"/ideas/{idea_id}?done=decided"}
    cast = voter.post(f"/ideas/{idea_id}/vote", data=form | {"vote": "1"})
    assert cast.headers["location"] == f"/ideas/{idea_id}?done=voted#idea-{idea_id}", "one flag"
    assert "Your vote was counted." in voter.get(f"/ideas/{idea_id}?done=voted&lang=en").text
    withdrawn = voter.post(f"/ideas/{idea_id}/vote", data=form | {"vote": "0", "back": "/ideas?kind=rule"})
    assert withdrawn.headers["location"] == f"/ideas?kind=rule&done=withdrawn#idea-{idea_id}"
    assert "Your vote was withdrawn." in voter.get("/ideas?kind=rule&done=withdrawn&lang=en").text
    decided = voter.post(f"/ideas/{idea_id}", data=form | {"status": "planned", "back": f"/ideas/{idea_id}"})
    assert decided.headers["location"] == f"/ideas/{idea_id}?done=decided#idea-{idea_id}"
    assert "The decision was saved." in voter.get(f"/ideas/{idea_id}?done=decided&lang=en").text
    assert 'id="idea-notice"' not in voter.get(f"/ideas/{idea_id}?done=%3Cscript%3E").text


def test_the_summary_downloads_as_csv_for_its_period(live_web: LiveWeb, callers: Callers) -> None:
    """The summary page links its table as CSV for the same period, with the command line's columns."""
    idea_at(live_web, live_web.location, "In de download", now=datetime(2021, 5, 4, 10))
    manager = callers.clone("unit-manager")
    period = {"since": "2021-05-01", "until": "2021-05-31"}
    page = manager.get("/ideas/summary", params=period)
    link = 'href="/ideas/summary.csv?since=2021-05-01&amp;until=2021-05-31" id="summary-download"'
    assert link in page.text
    answer = manager.get("/ideas/summary.csv", params=period)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="ideas-summary-2021-05-01-2021-05-31.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(row["unit_code"], row["ideas"]) for row in rows] == [(live_web.location, "1"), ("", "1")]
    assert rows[-1]["unit_name"] == "total"
    everything = manager.get("/ideas/summary.csv")
    assert everything.status_code == 200 and live_web.other_location not in everything.text
    backwards = {"since": "2021-06-01", "until": "2021-05-01"}
    assert manager.get("/ideas/summary.csv", params=backwards).status_code == 400
    assert callers.clone("employee").get("/ideas/summary.csv").status_code == 403
    assert callers.clone("analyst").get("/ideas/summary.csv").status_code == 200


def test_the_summary_csv_is_spreadsheet_safe() -> None:
    """One writer for the command line and the download: a unit name a spreadsheet would run gets a quote."""
    figures = {"ideas": 1, "by_status": {"new": 1, "under_review": 0, "planned": 0, "done": 0, "declined": 0}}
    figures |= {key: None for key in CSV_COLUMNS[8:]} | {"votes": 2}
    written = summary_csv({"units": [{"unit_code": "L-1", "unit_name": "=HYPERLINK(1)"} | figures],
                           "total": figures})  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(written)))
    assert rows[0]["unit_name"] == "'=HYPERLINK(1)" and rows[0]["votes"] == "2"
    assert rows[1]["unit_name"] == "total"
