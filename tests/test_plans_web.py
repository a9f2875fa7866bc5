"""The action plans page and ``/api/v1/plans`` over real HTTP on the live demo server, and a unit
manager making a plan from the unit's focus areas in chromium that the executive then sees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from test_web_browser import TEXT, VIEWPORT, Tab
from web_helpers import Callers, all_pages, csrf
from web_support import LiveWeb

from servicechain.act.plans import create_plan, get_plan

DUE = date.today() + timedelta(days=45)


@pytest.fixture
def callers(live_web: LiveWeb) -> Callers:
    return Callers.of(live_web)


def make_two(web: LiveWeb, title: str = "Plan") -> tuple[int, int]:
    """A plan at the unit manager's location and one at a location of another region."""
    ids = []
    for unit in (web.location, web.other_location):
        plan = create_plan(
            web.store,
            unit,
            f"{title} {unit}",
            "eigenaar@example.nl",
            "ce_index",
            4.2,
            DUE,
            None,
            "directie@example.nl",
        )
        ids.append(int(plan["id"]))
    return ids[0], ids[1]


def plan_ids(html: str) -> set[int]:
    return {int(found) for found in re.findall(r'id="plan-(\d+)"', html)}


def focus_keys(web: LiveWeb, code: str) -> list[str]:
    """The focus areas of a unit in the served results (Dutch report), in their order."""
    results = web.app.state.results.get(web.store)
    areas = results.reports["nl"]["drivers"]["focus_areas"]
    keys: list[str] = []
    for area in areas:
        if area["unit_code"] == code and area["driver"] not in keys:
            keys.append(area["driver"])
    return keys


def test_page_scoped_per_role(live_web: LiveWeb, callers: Callers) -> None:
    mine, theirs = make_two(live_web)
    for role in ("unit-manager", "regional-manager"):
        page = callers.session(role).get("/plans")
        assert page.status_code == 200, page.text[:300]
        assert mine in plan_ids(page.text) and theirs not in plan_ids(page.text), role
        assert live_web.other_location not in page.text, "another region's units are not even offered"
    executive = callers.session("executive").get("/plans?lang=en")
    assert {mine, theirs} <= plan_ids(executive.text) and "Action plans" in executive.text
    assert 'href="/plans"' in executive.text, "in the menu"
    assert callers.session("employee").get("/plans").status_code == 403
    assert 'href="/plans"' not in callers.session("employee").get("/me").text
    anonymous = callers.session("anonymous").get("/plans")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    other = callers.session("unit-manager").get(f"/plans?unit={live_web.other_location}")
    assert other.status_code == 404


def test_the_unit_page_links_to_its_plans_and_the_form_offers_its_focus_areas(
    live_web: LiveWeb, callers: Callers
) -> None:
    client = callers.session("unit-manager")
    unit = client.get(f"/units/{live_web.location}")
    assert f'href="/plans?unit={live_web.location}"' in unit.text
    page = client.get(f"/plans?unit={live_web.location}&lang=en")
    assert page.status_code == 200
    focus = focus_keys(live_web, live_web.location)
    assert focus, "the demo location has focus areas"
    group = re.search(
        r'<optgroup label="Focus areas of this unit" id="focus-measures">(.*?)</optgroup>', page.text, re.S
    )
    assert group, "the focus areas come first"
    assert re.findall(r'<option value="([^"]+)"', group.group(1)) == focus
    assert page.text.index('id="focus-measures"') < page.text.index('label="Other measures"')


def test_a_manager_makes_and_updates_a_plan_with_the_form(live_web: LiveWeb, callers: Callers) -> None:
    client = callers.session("unit-manager")
    token = csrf(client)
    form = {
        "csrf_token": token,
        "unit": live_web.location,
        "title": "Briefing voor elke dienst",
        "owner": "vestiging@example.nl",
        "measure": "ce_index",
        "target": "4,3",
        "due_on": DUE.isoformat(),
        "notes": "Start maandag",
    }
    answer = client.post("/plans", data=form)
    assert answer.status_code == 303, answer.text[:500]
    plan_id = int(answer.headers["location"].rsplit("#plan-", 1)[1])
    plan = get_plan(live_web.store, plan_id)
    assert (plan["unit_code"], plan["target"], plan["created_by"]) == (
        live_web.location,
        4.3,
        "vestiging@example.nl",
    )
    assert plan["baseline"] is not None and plan["baseline_period"] is not None
    listed = client.get(answer.headers["location"].split("#")[0])
    assert plan_id in plan_ids(listed.text) and "Briefing voor elke dienst" in listed.text

    refused = client.post("/plans?lang=en", data=form | {"target": "12"})
    assert refused.status_code == 400 and "The target must be a number between" in refused.text
    assert 'value="Briefing voor elke dienst"' in refused.text, "the form keeps what was typed"
    bad_date = client.post("/plans?lang=en", data=form | {"due_on": "morgen"})
    assert bad_date.status_code == 400 and "The due date must be a date (YYYY-MM-DD)." in bad_date.text
    assert client.post("/plans", data=form | {"unit": live_web.other_location}).status_code == 404
    assert client.post("/plans", data=form | {"csrf_token": "wrong"}).status_code == 403

    update = {"csrf_token": token, "status": "in_progress", "note": "Loopt", "back": "/plans?status=all"}
    moved = client.post(f"/plans/{plan_id}", data=update)
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/plans?status=all&updated={plan_id}#plan-{plan_id}"
    changed = get_plan(live_web.store, plan_id)
    assert changed["status"] == "in_progress"
    assert changed["notes"] == f"Start maandag\n{date.today().isoformat()} vestiging@example.nl: Loopt"
    assert (
        client.post(f"/plans/{plan_id}", data=update | {"back": "https://evil.example"}).headers["location"]
        == f"/plans?updated={plan_id}#plan-{plan_id}"
    )
    _, theirs = make_two(live_web)
    assert client.post(f"/plans/{theirs}", data=update).status_code == 404
    assert get_plan(live_web.store, theirs)["status"] == "open"
    assert client.post(f"/plans/{plan_id}?lang=en", data=update | {"status": "later"}).status_code == 400


def test_api_lists_makes_and_updates_plans(live_web: LiveWeb, callers: Callers) -> None:
    mine, theirs = make_two(live_web)
    manager = callers.token("unit-manager")
    listed = all_pages(manager, "/api/v1/plans", status="all", per_page=1)
    ids = {item["id"] for item in listed}
    assert mine in ids and theirs not in ids
    first = manager.get("/api/v1/plans", params={"status": "all", "per_page": 1}).json()
    assert (
        first["total"] >= 1 and len(first["items"]) == 1 and set(first) >= {"items", "page", "next", "total"}
    )
    item = next(i for i in listed if i["id"] == mine)
    assert item["result"]["verdict"] in {"not_measured", "improved", "worse", "no_change", "suppressed"}
    assert item["due_on"] == DUE.isoformat() and item["measure_name"] and item["result"]["verdict_text"]

    body = {
        "unit": live_web.location,
        "title": "Vaste kassa",
        "owner": "vestiging@example.nl",
        "measure": "touchpoint_satisfaction",
        "target": 4.0,
        "due_on": DUE.isoformat(),
    }
    made = manager.post("/api/v1/plans", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["unit_code"] == live_web.location and made.json()["status"] == "open"
    new_id = made.json()["id"]
    wrong = manager.post("/api/v1/plans?lang=en", json=body | {"measure": "nope"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["message"] == "nope is not a measure of the scorecard."
    assert manager.post("/api/v1/plans", json=body | {"unit": live_web.other_location}).status_code == 404
    assert manager.post("/api/v1/plans", json=body | {"due_on": "not a date"}).status_code == 422

    changed = manager.post(f"/api/v1/plans/{new_id}", json={"status": "done", "notes": "Klaar"})
    assert changed.status_code == 200 and changed.json()["status"] == "done"
    assert manager.post(f"/api/v1/plans/{theirs}", json={"status": "done"}).status_code == 404
    assert manager.post("/api/v1/plans/999999999", json={"status": "done"}).status_code == 404
    overdue = manager.get("/api/v1/plans", params={"overdue": "true", "status": "all"}).json()
    assert all(plan["overdue"] for plan in overdue["items"])
    assert callers.token("employee").get("/api/v1/plans").status_code == 403

    session = callers.session("executive")
    assert session.post(f"/api/v1/plans/{theirs}", json={"status": "dropped"}).status_code == 403
    answer = session.post(
        f"/api/v1/plans/{theirs}", json={"status": "dropped"}, headers={"X-CSRF-Token": csrf(session)}
    )
    assert answer.status_code == 200 and answer.json()["status"] == "dropped"


def test_a_unit_manager_plans_from_a_focus_area_and_the_executive_sees_it(
    live_web: LiveWeb, browser: Any
) -> None:
    title = "Teamoverleg over vertrouwen, elke maandag"
    focus = focus_keys(live_web, live_web.location)
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["unit-manager"].email)
        tab.goto("/units/" + live_web.location)
        with tab.page.expect_navigation():
            tab.page.click("#action-plans")
        tab.clean("plans")
        tab.fits("plans")
        assert tab.page.eval_on_selector("#plan-unit", "select => select.value") == live_web.location
        offered = tab.page.eval_on_selector_all(
            "#focus-measures option", "options => options.map(o => o.value)"
        )
        assert offered == focus
        tab.page.select_option("#plan-measure", focus[0])
        tab.page.fill("#plan-title", title)
        tab.page.fill("#plan-target", "4,5")
        tab.page.fill("#plan-due", DUE.isoformat())
        tab.page.fill("#plan-notes", "Tien minuten, staand")
        tab.submit("#plan-create")
        card = tab.page.locator("article.plan", has_text=title)
        assert card.count() == 1
        assert card.get_attribute("data-unit") == live_web.location
        assert card.get_attribute("data-status") == "open"
    finally:
        context.close()

    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["executive"].email)
        tab.goto("/overview?lang=en")
        with tab.page.expect_navigation():
            tab.page.click("header nav a[href='/plans']")
        card = tab.page.locator("article.plan", has_text=title)
        assert card.count() == 1
        text = card.inner_text()
        assert "vestiging@example.nl" in text or "eigenaar" not in text
        assert live_web.location in text and "4.50" in text
        assert card.get_attribute("data-verdict") == "not_measured"
        tab.page.select_option(f"#{card.get_attribute('id')} select[name=status]", "in_progress")
        tab.submit(f"#{card.get_attribute('id')} button.save")
        assert tab.page.locator("article.plan", has_text=title).get_attribute("data-status") == "in_progress"
        tab.clean("plans")
        tab.fits("plans")
    finally:
        context.close()
    with httpx.Client(base_url=live_web.url) as client:
        assert client.get("/plans").status_code == 303


def test_the_api_on_postgresql(live_web_pg: LiveWeb) -> None:
    """Make, list and update a plan over HTTP on the PostgreSQL store; scoping as on DuckDB."""
    body = {
        "unit": live_web_pg.location,
        "title": "Welkom bij de deur",
        "owner": "vestiging@example.nl",
        "measure": "ce_index",
        "target": 4.1,
        "due_on": DUE.isoformat(),
    }
    with live_web_pg.api("unit-manager") as manager, live_web_pg.api("executive") as executive:
        made = manager.post("/api/v1/plans", json=body)
        assert made.status_code == 201, made.text
        plan_id = made.json()["id"]
        assert made.json()["baseline_period"] and made.json()["result"]["verdict"] == "not_measured"
        other = executive.post("/api/v1/plans", json=body | {"unit": live_web_pg.other_location})
        assert other.status_code == 201
        mine = {item["id"] for item in all_pages(manager, "/api/v1/plans", status="all")}
        assert plan_id in mine and other.json()["id"] not in mine
        assert manager.post(f"/api/v1/plans/{other.json()['id']}", json={"status": "done"}).status_code == 404
        done = manager.post(f"/api/v1/plans/{plan_id}", json={"status": "done"})
        assert done.status_code == 200 and done.json()["status"] == "done"
        everything = {item["id"] for item in all_pages(executive, "/api/v1/plans", status="all")}
        assert {plan_id, other.json()["id"]} <= everything


@contextmanager
def hidden_at(web: LiveWeb, code: str, measure: str) -> Iterator[None]:
    """Every value of ``measure`` at unit ``code`` hidden for anonymity for a while (as a small team's)."""
    import sqlalchemy as sa

    from servicechain.analysis.snapshot import latest_snapshot
    from servicechain.store import schema

    info = latest_snapshot(web.store)
    assert info is not None
    results = web.app.state.results.get(web.store)
    unit_id = int(results.units[results.units["unit_code"] == code].iloc[0]["unit_id"])
    table = schema.result_scorecard
    where = sa.and_(table.c.snapshot_id == info.id, table.c.unit_id == unit_id, table.c.measure == measure)
    with web.store.engine.connect() as connection:
        before = connection.execute(sa.select(table.c.period, table.c.suppressed).where(where)).all()
    assert before, (code, measure)
    with web.store.transaction() as connection:
        connection.execute(table.update().where(where).values(suppressed=True))
    try:
        yield
    finally:
        with web.store.transaction() as connection:
            for period, suppressed in before:
                connection.execute(
                    table.update().where(where, table.c.period == period).values(suppressed=suppressed)
                )


def test_the_form_shows_the_scale_and_current_value_and_asks_for_the_unit_once(
    live_web: LiveWeb, callers: Callers
) -> None:
    from servicechain.act import plans

    client = callers.clone("unit-manager")
    page = client.get(f"/plans?unit={live_web.location}&lang=en")
    assert page.status_code == 200
    assert page.text.count('name="unit"') == 2, "one unit picker, and the form carries the choice"
    assert page.text.count('<select name="unit"') == 1
    assert re.search(
        rf'<input type="hidden" name="unit" id="plan-unit" value="{live_web.location}">', page.text
    )
    results = live_web.app.state.results.get(live_web.store)
    unit_id = int(results.units[results.units["unit_code"] == live_web.location].iloc[0]["unit_id"])
    key = focus_keys(live_web, live_web.location)[0]
    base = plans.baseline_of(plans.scores(live_web.store, {(unit_id, key)})[(unit_id, key)])
    assert base is not None and base.mean is not None
    option = re.search(rf'<option value="{key}"[^>]*>([^<]*)</option>', page.text)
    assert option, key
    assert f"now {base.mean:.2f} ({base.period})" in option.group(1) and "1–5" in option.group(1)
    hint = re.search(r'<small id="target-hint"[^>]*>([^<]*)</small>', page.text)
    assert hint and "scale 1–5" in hint.group(1) and f"now {base.mean:.2f} ({base.period})" in hint.group(1)
    nps = re.search(r'<option value="nps"[^>]*>([^<]*)</option>', page.text)
    assert nps and "NPS −100…100" in nps.group(1)
    share = next(k for k, e in results.measures.items() if e.get("kind") == "share")
    assert re.search(rf'<option value="{share}"[^>]*>[^<]*0–100 %</option>', page.text)


def test_a_measure_hidden_for_anonymity_is_refused(live_web: LiveWeb, callers: Callers) -> None:
    code, key = live_web.team, "engagement_index"
    client = callers.clone("unit-manager")
    with hidden_at(live_web, code, key):
        _refuse_hidden(client, code, key)


def _refuse_hidden(client: httpx.Client, code: str, key: str) -> None:
    page = client.get(f"/plans?unit={code}&lang=en")
    option = re.search(rf'<option value="{key}"([^>]*)>([^<]*)</option>', page.text)
    assert option and " disabled" in option.group(1) and "hidden: too few answers" in option.group(2)
    form = {
        "csrf_token": csrf(client),
        "unit": code,
        "title": "Iets",
        "owner": "vestiging@example.nl",
        "measure": key,
        "target": "4",
        "due_on": DUE.isoformat(),
    }
    refused = client.post("/plans?lang=en", data=form)
    assert refused.status_code == 400 and "could never be judged" in refused.text


def test_making_and_updating_say_they_worked_and_warn_of_a_target_not_better(
    live_web: LiveWeb, callers: Callers
) -> None:
    from servicechain.accounts.audit import entries

    client = callers.clone("unit-manager")
    form = {
        "csrf_token": csrf(client),
        "unit": live_web.location,
        "title": "Lager doel",
        "owner": "vestiging@example.nl",
        "measure": "ce_index",
        "target": "1",
        "due_on": DUE.isoformat(),
        "notes": "Eerste stap",
    }
    made = client.post("/plans", data=form)
    assert made.status_code == 303
    plan_id = int(made.headers["location"].rsplit("#plan-", 1)[1])
    shown = client.get(made.headers["location"].split("#")[0] + "&lang=en")
    notice = re.search(
        r'<p class="ok card plan-notice" id="plan-notice" role="status">([^<]*)</p>', shown.text
    )
    assert notice and "The plan is made" in notice.group(1)
    warning = re.search(
        r'<p class="card plan-warning" id="plan-warning" role="status">([^<]*)</p>', shown.text
    )
    assert warning and "not better than the baseline" in warning.group(1), "accepted, with a notice"
    assert plan_id in plan_ids(shown.text)
    plain = client.get(f"/plans?unit={live_web.location}")
    assert 'role="status"' not in plain.text.split("</h1>", 1)[1].split('id="plan-', 1)[0], (
        "only after acting"
    )

    later = DUE + timedelta(days=10)
    update = {
        "csrf_token": csrf(client),
        "status": "in_progress",
        "target": "4,6",
        "due_on": later.isoformat(),
        "note": "Tweede stap\nmet een tweede regel",
        "back": f"/plans?unit={live_web.location}",
    }
    saved = client.post(f"/plans/{plan_id}", data=update)
    assert saved.status_code == 303
    plan = get_plan(live_web.store, plan_id)
    assert (plan["target"], plan["due_on"], plan["status"]) == (4.6, later, "in_progress")
    today = date.today().isoformat()
    assert plan["notes"] == f"Eerste stap\n{today} vestiging@example.nl: Tweede stap\nmet een tweede regel"
    logged = [str(e["detail"]) for e in entries(live_web.store, action="plan_updated", limit=20)]
    assert any(f"plan {plan_id} " in line and "target=4.6" in line and str(later) in line for line in logged)
    page = client.get(saved.headers["location"].split("#")[0] + "&lang=en")
    assert re.search(r'id="plan-notice" role="status">The changes to the plan are saved', page.text)
    assert 'id="plan-warning"' not in page.text, "the new target is better than the baseline"
    card = page.text.split(f'id="plan-{plan_id}"', 1)[1].split("</article>", 1)[0]
    assert '<textarea name="note"' in card and "Eerste stap" in card and "Tweede stap" in card
    assert 'name="target" value="4.6"' in card and f'name="due_on" value="{later.isoformat()}"' in card
    again = client.post(f"/plans/{plan_id}", data=update | {"note": "", "target": "4.6"})
    assert again.status_code == 303 and get_plan(live_web.store, plan_id)["notes"] == plan["notes"]
    past = client.post(f"/plans/{plan_id}?lang=en", data=update | {"due_on": "2020-01-01", "note": ""})
    assert past.status_code == 400 and "The due date must be today or later." in past.text


PHONE = {"width": 390, "height": 844}
CUT = """() => [...document.querySelectorAll('article.plan')].flatMap(card => {
  const box = card.getBoundingClientRect();
  const out = card.scrollWidth > card.clientWidth + 1 ? [`${card.id} scrolls sideways`] : [];
  card.querySelectorAll('dd, label, button').forEach(el => {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > box.right + 1) out.push(`${card.id} ${el.className || el.tagName}: cut off`);
  });
  return out;
})"""


def test_plan_cards_wrap_on_a_phone_and_the_hint_follows_the_measure(live_web: LiveWeb, browser: Any) -> None:
    make_two(live_web, "Een heel lang plan over betrokkenheid van medewerkers op de werkvloer")
    context = browser.new_context(viewport=PHONE, locale="nl-NL", is_mobile=True)
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["unit-manager"].email)
        tab.goto(f"/plans?unit={live_web.location}")
        assert tab.page.locator("article.plan").count() >= 1
        assert tab.page.evaluate(CUT) == []
        tab.fits("plans on a phone")
        focus = focus_keys(live_web, live_web.location)
        before = tab.page.inner_text("#target-hint")
        other = next(k for k in ("nps", "touchpoint_satisfaction") if k not in focus[:1])
        tab.page.select_option("#plan-measure", other)
        after = tab.page.inner_text("#target-hint")
        assert after != before and ("NPS" in after if other == "nps" else "1–5" in after), (before, after)
        assert re.search(r"\(\d{4}-Q\d\)", after) or TEXT["nl"]("no value yet") in after
        with tab.page.expect_navigation():
            tab.page.select_option("#plan-unit-choice", live_web.team)
        assert tab.page.eval_on_selector("#plan-unit", "input => input.value") == live_web.team
        tab.clean("plans on a phone")
    finally:
        context.close()
