"""The alerts page and ``/api/v1/alerts`` over real HTTP on the live demo server, and a unit manager
acknowledging and resolving an alert in chromium."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from alert_helpers import respond
from test_web_browser import VIEWPORT, Tab
from web_helpers import Callers, all_pages, csrf
from web_support import LiveWeb

from servicechain.collect.alerts import get_alert


@pytest.fixture
def callers(live_web: LiveWeb) -> Callers:
    return Callers.of(live_web)


def raise_two(web: LiveWeb, **answers: Any) -> tuple[int, int]:
    """The detractor alert (the first of its response's alerts) at the unit manager's location and
    one at a location of another region."""
    mine = respond(web.store, "customer", web.location, contact="06-1234", recommend=2, **answers)[0]
    theirs = respond(web.store, "customer", web.other_location, recommend=1, **answers)[0]
    return mine, theirs


def alert_ids(html: str) -> set[int]:
    return {int(found) for found in re.findall(r'id="alert-(\d+)"', html)}


def test_page_scoped_per_role(live_web: LiveWeb, callers: Callers) -> None:
    mine, theirs = raise_two(live_web, comment="Onbeschoft geholpen")
    manager = callers.session("unit-manager").get("/alerts?status=all")
    assert manager.status_code == 200
    assert mine in alert_ids(manager.text) and theirs not in alert_ids(manager.text)
    assert "06-1234" in manager.text and "Onbeschoft geholpen" in manager.text
    assert "Criticaster (aanbeveling 0-6)" in manager.text, "the rule's name in the reader's language"
    assert re.search(r'href="/alerts"[^>]*>[^<]*\(\d+\)', manager.text), "the menu shows the open count"
    region = callers.session("regional-manager").get("/alerts")
    assert mine in alert_ids(region.text) and theirs not in alert_ids(region.text)
    executive = callers.session("executive").get("/alerts?lang=en")
    assert {mine, theirs} <= alert_ids(executive.text) and "Detractor (recommend 0-6)" in executive.text
    assert callers.session("employee").get("/alerts").status_code == 403
    assert 'href="/alerts"' not in callers.session("employee").get("/me").text
    anonymous = callers.session("anonymous").get("/alerts")
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_acting_on_another_units_alert_is_404(live_web: LiveWeb, callers: Callers) -> None:
    mine, theirs = raise_two(live_web)
    client = callers.session("unit-manager")
    token = csrf(client)
    for action in ("acknowledge", "resolve"):
        answer = client.post(f"/alerts/{theirs}/{action}", data={"csrf_token": token, "note": "x"})
        assert answer.status_code == 404, answer.text[:300]
        api = callers.token("unit-manager").post(f"/api/v1/alerts/{theirs}/{action}", json={"note": "x"})
        assert api.status_code == 404 and "error" in api.json()
    assert get_alert(live_web.store, theirs)["status"] == "open"
    assert client.post(f"/alerts/{mine}/acknowledge", data={"csrf_token": "wrong"}).status_code == 403
    answer = client.post(f"/alerts/{mine}/acknowledge", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/alerts"
    assert get_alert(live_web.store, mine)["acknowledged_by"] == live_web.accounts["unit-manager"].email
    answer = client.post(f"/alerts/{mine}/resolve", data={"csrf_token": token, "note": "Teruggebeld",
                                                          "status": "all"})  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/alerts?status=all"
    assert get_alert(live_web.store, mine)["resolution"] == "Teruggebeld"
    page = client.get("/alerts?status=all").text
    assert mine in alert_ids(page) and "Teruggebeld" in page
    assert mine not in alert_ids(client.get("/alerts").text), "resolved: no longer open"


def test_api_lists_paginates_and_acts(live_web: LiveWeb, callers: Callers) -> None:
    mine, theirs = raise_two(live_web)
    executive = callers.token("executive")
    everything = all_pages(executive, "/api/v1/alerts", status="all", per_page=1)
    ids = [item["id"] for item in everything]
    assert {mine, theirs} <= set(ids) and len(ids) == len(set(ids))
    first = executive.get("/api/v1/alerts", params={"per_page": 1}).json()
    assert first["per_page"] == 1 and first["next"] and first["total"] >= 2
    item = next(i for i in everything if i["id"] == mine)
    assert item["unit_code"] == live_web.location and item["rule"] == "detractor"
    assert item["raised_at"].endswith("Z") and item["status"] == "open" and "unit_path" not in item
    manager = callers.token("unit-manager")
    assert theirs not in [i["id"] for i in all_pages(manager, "/api/v1/alerts")]
    assert callers.token("employee").get("/api/v1/alerts").status_code == 403
    assert callers.token("anonymous").get("/api/v1/alerts").status_code == 401
    assert manager.get("/api/v1/alerts", params={"status": "closed"}).status_code == 422
    done = manager.post(f"/api/v1/alerts/{mine}/resolve", json={"note": "Bon gestuurd"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "resolved" and done.json()["resolution"] == "Bon gestuurd"
    assert done.json()["hours_to_resolve"] is not None
    # with a session cookie the CSRF header is needed
    session = callers.session("executive")
    assert session.post(f"/api/v1/alerts/{theirs}/acknowledge").status_code == 403
    answer = session.post(f"/api/v1/alerts/{theirs}/acknowledge", headers={"X-CSRF-Token": csrf(session)})
    assert answer.status_code == 200 and answer.json()["status"] == "acknowledged"


def test_unit_manager_acknowledges_and_resolves_in_the_browser(live_web: LiveWeb, browser: Any) -> None:
    mine, _ = raise_two(live_web, comment="De verkoper was onbeschoft")
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["unit-manager"].email)
        tab.goto("/units/" + live_web.location)
        with tab.page.expect_navigation():
            tab.page.click("header nav a[href='/alerts']")
        card = f"#alert-{mine}"
        assert tab.page.get_attribute(card, "data-status") == "open"
        assert "De verkoper was onbeschoft" in tab.page.inner_text(card)
        tab.submit(f"{card} button.acknowledge")
        assert tab.page.get_attribute(card, "data-status") == "acknowledged"
        assert "vestiging@example.nl" in tab.page.inner_text(f"{card} dd.acknowledged")
        tab.page.fill(f"{card} input[name=note]", "Klant teruggebeld, excuses aangeboden")
        tab.submit(f"{card} button.resolve")
        assert tab.page.query_selector(card) is None, "resolved alerts leave the open list"
        tab.page.click("#filter-all")
        tab.page.wait_for_selector(card)
        assert tab.page.get_attribute(card, "data-status") == "resolved"
        assert "Klant teruggebeld, excuses aangeboden" in tab.page.inner_text(f"{card} dd.resolved")
        tab.clean("alerts")
        tab.fits("alerts")
    finally:
        context.close()
    stored = get_alert(live_web.store, mine)
    assert stored["resolved_by"] == "vestiging@example.nl" and stored["hours_to_resolve"] is not None
    with httpx.Client(base_url=live_web.url) as client:
        assert client.get("/alerts").status_code == 303
