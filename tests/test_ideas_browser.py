"""Two journeys in chromium. Sanne's: an employee raises a friction point anonymously on her phone, a
colleague votes it up, the unit manager plans it, is refused a decline without a reason (on the
idea's own page, with what he typed kept), marks it done with a reward, and the employee sees it
done and marked as hers; each step says that it worked. A regional manager's: the
filter form, the summary per unit and the idea that has waited longest, decided on its own page."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from test_web_browser import VIEWPORT, Tab
from web_support import PASSWORD, LiveWeb

from servicechain.accounts.users import add_user, set_password
from servicechain.act.ideas import Member, home_unit, raise_idea
from servicechain.analysis.units import read_units
from servicechain.web.i18n import translator

PHONE = {"width": 390, "height": 844}
NL = translator("nl")
TITLE = "De retourprocedure vraagt drie handtekeningen"


def employee(web: LiveWeb) -> str:
    """A new employee account on the team of the live server's employee (same location)."""
    email = f"medewerker-{uuid.uuid4().hex[:8]}@example.nl"
    add_user(web.store, email, "employee", web.team)
    set_password(web.store, email, PASSWORD)
    return email


def card_of(tab: Tab) -> Any:
    """The idea's card (exactly one)."""
    card = tab.page.locator("article.idea", has_text=TITLE)
    assert card.count() == 1
    return card


def address(tab: Tab) -> str:
    """The tab's path and query (no fragment)."""
    return str(tab.page.url).removeprefix(tab.web.url).split("#")[0]


def test_a_friction_point_is_raised_voted_up_planned_and_done(live_web: LiveWeb, browser: Any) -> None:
    sanne, colleague = employee(live_web), employee(live_web)

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="nl-NL")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(sanne)
        tab.goto("/me")
        with tab.page.expect_navigation():
            tab.page.click("header nav a[href='/ideas']")
        tab.clean("ideas")
        tab.fits("ideas on a phone")
        assert tab.page.is_checked("#author-anonymous"), "anonymous unless she chooses otherwise"
        tab.page.check("#kind-friction")
        tab.page.fill("#idea-title", TITLE)
        tab.page.fill("#idea-body", "Een klant wacht tien minuten op de derde handtekening.")
        tab.submit("#idea-create")
        notice = tab.page.locator("#idea-notice[role=status]")
        assert notice.inner_text() == NL("Your idea was raised anonymously.")
        assert "retour" not in tab.page.url, "the address names no idea"
        card = card_of(tab)
        assert (card.get_attribute("data-yours"), card.get_attribute("data-status")) == ("yes", "new")
        assert card.locator(".yours").inner_text() == NL("yours")
        assert card.locator("button.vote").count() == 0, "no vote on your own idea"
        assert sanne not in card.inner_text()
        idea_id = card.get_attribute("id")
    finally:
        context.close()

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="nl-NL")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(colleague)
        tab.goto("/ideas")
        card = card_of(tab)
        assert card.get_attribute("data-yours") == "no" and sanne not in card.inner_text()
        assert card.locator("button.vote").inner_text() == NL("Vote for it")
        assert tab.page.locator("form.idea-decide").count() == 0, "employees do not decide"
        tab.submit(f"#{idea_id} button.vote")
        assert tab.page.locator("#idea-notice").inner_text() == NL("Your vote was counted.")
        card = card_of(tab)
        assert card.get_attribute("data-votes") == "1"
        assert card.locator("button.vote").inner_text() == NL("Withdraw my vote")
    finally:
        context.close()

    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["unit-manager"].email)
        tab.goto("/ideas")
        assert card_of(tab).get_attribute("data-votes") == "1"
        tab.page.select_option(f"#{idea_id} select[name=status]", "planned")
        tab.submit(f"#{idea_id} button.save")
        assert card_of(tab).get_attribute("data-status") == "planned"
        assert tab.page.locator("#idea-notice").inner_text() == NL("The decision was saved.")

        tab.page.select_option("#filter-sort", "newest")
        tab.submit("#filter-apply")
        tab.page.select_option(f"#{idea_id} select[name=status]", "declined")
        tab.page.fill(f"#{idea_id} input[name=reward]", "Taart voor het team")
        tab.submit(f"#{idea_id} button.save", status=400, expected_url=f"{live_web.url}/ideas/{idea_id[5:]}")
        assert tab.page.locator("article.idea").count() == 1, "the idea's own page"
        error = card_of(tab).locator("#idea-error")
        assert error.inner_text() == NL("Say why the idea is declined: a reason is required.")
        assert card_of(tab).get_attribute("data-status") == "planned", "nothing changed"
        assert tab.page.input_value(f"#{idea_id} select[name=status]") == "declined", "as typed"
        assert tab.page.input_value(f"#{idea_id} input[name=reward]") == "Taart voor het team"
        listed = "/ideas?status=all&sort=newest"
        assert tab.page.get_attribute("#back-to-ideas", "href") == listed, "the list as it was"

        tab.page.select_option(f"#{idea_id} select[name=status]", "done")
        tab.submit(f"#{idea_id} button.save")
        assert address(tab) == "/ideas?status=all&sort=newest&done=decided", "back to the list as it was"
        assert tab.page.input_value("#filter-sort") == "newest"
        card = card_of(tab)
        assert card.get_attribute("data-status") == "done"
        assert card.locator(".reward").inner_text() == "Taart voor het team"
        tab.screenshot("ideas.png")
    finally:
        context.close()

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="nl-NL")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(sanne)
        tab.goto("/ideas?status=done")
        card = card_of(tab)
        assert (card.get_attribute("data-status"), card.get_attribute("data-yours")) == ("done", "yes")
        assert card.locator(".status strong").inner_text() == NL("Done")
        assert card.locator(".reward").inner_text() == "Taart voor het team"
        assert card.locator("button.vote").count() == 0
    finally:
        context.close()


def test_a_regional_manager_filters_finds_the_longest_wait_and_decides_it(
    live_web: LiveWeb, browser: Any
) -> None:
    """The regional manager filters the list with the form (kind left at "All"), opens the summary
    per unit, follows the oldest undecided idea's link to its own page and plans it there."""
    author = Member(0, "niemand@example.nl", "another-key")
    units = read_units(live_web.store).set_index("unit_code")
    home = home_unit(live_web.store, int(units.at[live_web.location, "unit_id"]))
    title = f"Wacht al heel lang {uuid.uuid4().hex[:6]}"
    waiting = raise_idea(live_web.store, author, home["id"], "rule", title, None, anonymous=True,
                         threshold=1, now=datetime(2019, 6, 3, 9))["id"]  # fmt: skip
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["regional-manager"].email)
        tab.goto("/ideas")
        tab.page.select_option("#filter-status", "open")
        tab.submit("#filter-apply")
        assert tab.page.locator(f"#idea-{waiting}").count() == 1, "open ideas of every kind"
        assert tab.page.locator("article.idea[data-status=done]").count() == 0

        with tab.page.expect_navigation():
            tab.page.click("#ideas-summary")
        tab.clean("summary")
        tab.fits("summary")
        row = tab.page.locator(f"#ideas-per-unit tr[data-unit='{live_web.location}']")
        assert row.locator("a.oldest-idea").get_attribute("href") == f"/ideas/{waiting}"
        with tab.page.expect_navigation():
            row.locator("a.oldest-idea").click()
        tab.clean("one idea")
        assert tab.page.locator("article.idea").count() == 1
        card = tab.page.locator(f"#idea-{waiting}")
        assert title in card.inner_text() and "niemand" not in card.inner_text()
        tab.page.select_option(f"#idea-{waiting} select[name=status]", "planned")
        tab.page.fill(f"#idea-{waiting} input[name=reward]", "Een bos bloemen")
        tab.submit(f"#idea-{waiting} button.save")
        assert address(tab) == f"/ideas/{waiting}?done=decided", "back on the idea's own page"
        assert tab.page.locator("#idea-notice").inner_text() == NL("The decision was saved.")
        assert tab.page.locator(f"#idea-{waiting}").get_attribute("data-status") == "planned"
        assert tab.page.locator(f"#idea-{waiting} .reward").inner_text() == "Een bos bloemen"
    finally:
        context.close()
