"""Recognition in chromium, each workflow walked by the role that does it: the unit manager confirms a
suggestion (it then shows on the unit page, on the colleague's page and on the location's compliments
wall), the analyst resolves an
ambiguous match by choosing the right colleague, and the executive opens the awards."""

from __future__ import annotations

from typing import Any

from recognition_helpers import namesakes, only_one, plant, recognition_of, status_of
from test_web_browser import VIEWPORT, Tab
from web_support import LiveWeb

from servicechain.act.recognition import find_recognition


def test_the_unit_manager_confirms_a_suggestion(live_web: LiveWeb, browser: Any) -> None:
    name, code, team = only_one(live_web.store, live_web.location)
    [key] = plant(live_web.store, live_web.location, f"Aanrader! {name} nam echt de tijd voor me.")
    find_recognition(live_web.store)
    [row] = recognition_of(live_web.store, key)
    assert row.status == "suggested"
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["unit-manager"].email)
        tab.goto(f"/units/{live_web.location}")
        with tab.page.expect_navigation():
            tab.page.click("#unit-recognition")
        tab.clean("recognition")
        tab.fits("recognition")
        card = tab.page.locator(f"#recognition-{row.id}")
        assert card.get_attribute("data-status") == "suggested"
        assert card.locator("mark").inner_text() == name
        assert code in card.locator(".employee").inner_text()
        tab.submit(f"#recognition-{row.id} button.confirm")
        assert status_of(live_web.store, row.id) == "confirmed"
        assert "Bevestigd" in tab.page.inner_text("[role=status]"), "the page says it worked"
        assert tab.page.locator(f"#recognition-{row.id}").count() == 0, "decided: out of the queue"
        assert tab.page.locator(f"#confirmed #praise-{row.id}").count() == 1
        tab.goto(f"/units/{live_web.location}")
        praise = tab.page.locator(f"#unit-praise #praise-{row.id}")
        assert praise.count() == 1 and name in praise.inner_text()
        with tab.page.expect_navigation():
            praise.locator("a.employee-link").click()
        tab.clean("employee")
        assert tab.path == f"/employees/{code}" and code in tab.heading()
        assert tab.page.locator(f"#employee-praise #praise-{row.id}").count() == 1
        assert team.split(" - ")[0] in tab.page.inner_text(".unit")
        tab.screenshot("recognition-employee.png")
    finally:
        context.close()
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    try:  # a colleague of the location sees it on the compliments wall
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["employee"].email)
        tab.goto("/me")
        with tab.page.expect_navigation():
            tab.page.click("header nav a[href='/compliments']")
        tab.clean("compliments")
        tab.fits("compliments")
        assert name in tab.page.inner_text(f"#wall #praise-{row.id}")
    finally:
        context.close()


def test_the_analyst_chooses_the_right_colleague(live_web: LiveWeb, browser: Any) -> None:
    name, codes = namesakes(live_web.store, live_web.location)
    [key] = plant(live_web.store, live_web.location, f"{name} was super vriendelijk, bedankt!")
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["analyst"].email)
        tab.goto("/recognition?lang=en")
        tab.submit("#find-praise")  # the analyst's button reads the new review
        assert "positive texts" in tab.page.inner_text("#find-notice")
        [row] = recognition_of(live_web.store, key)
        card = tab.page.locator(f"#recognition-{row.id}")
        assert card.get_attribute("data-status") == "ambiguous"
        offered = card.locator("input[name=employee]").evaluate_all("inputs => inputs.map(i => i.value)")
        assert sorted(offered) == sorted(codes)
        tab.screenshot("recognition-queue.png", full_page=False)  # the whole organisation's queue is long
        card.locator(f"input[value='{codes[-1]}']").check()
        tab.submit(f"#recognition-{row.id} button.choose-button")
        assert status_of(live_web.store, row.id) == "confirmed"
        [after] = recognition_of(live_web.store, key)
        chosen = tab.page.locator(f"#confirmed #praise-{row.id}")
        assert chosen.get_attribute("data-employee") == codes[-1] and after.employee_id is not None
    finally:
        context.close()


def test_the_executive_opens_the_awards(live_web: LiveWeb, browser: Any) -> None:
    name, _code, _team = only_one(live_web.store, live_web.other_location)
    [key] = plant(live_web.store, live_web.other_location, f"Complimenten voor {name}, super behulpzaam!")
    find_recognition(live_web.store)
    [row] = recognition_of(live_web.store, key)
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["executive"].email)
        tab.goto("/recognition?lang=en")
        tab.submit(f"#recognition-{row.id} button.confirm")
        with tab.page.expect_navigation():
            tab.page.click("#awards-link")
        tab.clean("awards")
        tab.fits("awards")
        assert tab.page.inner_text("#award-year") == "2026"
        assert tab.page.locator("#award-employee .winner a").count() >= 1  # a tie names every winner
        for level in ("employee", "team", "location"):
            assert tab.page.locator(f"#award-{level} tbody tr").count() >= 1, level
        assert "person-years" in tab.page.inner_text("#award-location .reasoning")
        assert "empirical Bayes" in tab.page.inner_text("#award-method")
        tab.screenshot("recognition-awards.png")
    finally:
        context.close()


def test_rejecting_asks_first_and_then_says_so(live_web: LiveWeb, browser: Any) -> None:
    """"Not about this colleague" cannot be undone on the page: the browser asks first; cancelled,
    nothing changes; accepted, the suggestion is rejected and the page says so."""
    name, _code, _team = only_one(live_web.store, live_web.location)
    [key] = plant(live_web.store, live_web.location, f"Wat een service van {name}, echt top geholpen!")
    find_recognition(live_web.store)
    [row] = recognition_of(live_web.store, key)
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["unit-manager"].email)
        tab.goto("/recognition?lang=en")
        asked: list[str] = []

        def cancel(dialog: Any) -> None:
            asked.append(dialog.message)
            dialog.dismiss()

        tab.page.once("dialog", cancel)
        tab.page.click(f"#recognition-{row.id} button.reject")
        tab.page.wait_for_timeout(300)
        assert asked and "cannot be undone" in asked[0]
        assert status_of(live_web.store, row.id) == "suggested", "cancelled: nothing changed"
        tab.page.once("dialog", lambda dialog: dialog.accept())
        tab.submit(f"#recognition-{row.id} button.reject")
        assert status_of(live_web.store, row.id) == "rejected"
        assert "Rejected" in tab.page.inner_text("[role=status]")
    finally:
        context.close()
