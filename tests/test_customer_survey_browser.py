"""A customer answers from a unit's link on a phone, in Debian's chromium (Playwright): once with
JavaScript disabled (the touchpoint survey), once with it (the full customer survey, first sent
empty). The progress line is read from chromium's accessibility tree, where the CSS counter's
number appears; the thank-you page shows the reward code of the stored answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from test_customer_survey import REWARD, serve_with_reward
from test_report_html import CHROMIUM, browser_available, shrink_png
from test_web_browser import SCREENSHOTS
from web_support import PASSWORD, SECRET, LiveWeb

from servicechain.collect.links import ensure_links
from servicechain.store import schema
from servicechain.web.survey_form import reward_code

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}  # fmt: skip
PROGRESS = re.compile(r"(\d+)\s*(?:of|van) (\d+)")


@pytest.fixture(scope="module")
def site(live_web: LiveWeb) -> Iterator[LiveWeb]:
    yield from serve_with_reward(live_web)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    browser_available()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


def progress(page: Any) -> tuple[int, int]:
    """``(answered, total)`` as chromium presents the progress line (the CSS counter included)."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    text = " ".join(str(node.get("name", {}).get("value", "")) for node in nodes
                    if node.get("role", {}).get("value") == "StaticText")  # fmt: skip
    found = PROGRESS.findall(text)
    assert found, text[-400:]
    return int(found[-1][0]), int(found[-1][1])


def choose(page: Any, item: str, label: str) -> None:
    page.locator(f"#q-{item} label").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first.click()


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is {width[0]}px wide on a {width[1]}px phone"


def link_from_staff_page(browser: Any, site: LiveWeb, channel_name: str) -> str:
    """The unit manager opens the links page and reads one link's URL (as printed under its QR code)."""
    ensure_links(site.store, site.location)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{site.url}/login?lang=en")
        page.fill("input[name=email]", site.accounts["unit-manager"].email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form.stack button[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"{site.url}/units/{site.location}/survey-links?lang=en")
        poster = page.locator("article.poster").filter(has_text=channel_name)
        assert poster.locator("svg.qr").count() == 1
        page.screenshot(path=str(SCREENSHOTS / "survey-links.png"), full_page=True)
        shrink_png(SCREENSHOTS / "survey-links.png")
        return str(poster.locator("p.url a").get_attribute("href"))
    finally:
        context.close()


def test_a_touchpoint_survey_on_a_phone_without_javascript(browser: Any, site: LiveWeb) -> None:
    url = link_from_staff_page(browser, site, "Phone")
    assert url.startswith(f"{site.url}/r/")
    context = browser.new_context(java_script_enabled=False, locale="nl-NL", **PHONE)
    page = context.new_page()
    try:
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == "nl"
        assert page.get_by_text("Hoe tevreden bent u over dit contact?").is_visible()
        assert progress(page) == (0, 3)
        choose(page, "satisfaction", "Tevreden")
        choose(page, "ease", "6")
        assert progress(page) == (2, 3)
        choose(page, "valued", "Eens")
        assert progress(page) == (3, 3)
        page.fill("#comment", "Vriendelijk en snel")
        page.screenshot(path=str(SCREENSHOTS / "customer-survey-phone.png"), full_page=True)
        shrink_png(SCREENSHOTS / "customer-survey-phone.png")
        page.locator("#send").click()
        page.wait_for_url(re.compile(r"/thanks/"))
        nonce = page.url.split("/thanks/")[1].split("?")[0]
        assert page.locator("#reward-code").inner_text().strip() == reward_code(SECRET, nonce)
        assert REWARD in page.locator("#reward").inner_text()
        no_sideways_scroll(page)
    finally:
        context.close()
    table = schema.touchpoint_response
    site.app.state.intake.flush()  # responses reach their tables from the intake journal
    with site.store.engine.connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.source_key.like(f"0:r:%:{nonce}"))).one()
    assert (row.satisfaction, row.ease, row.valued, row.channel) == (4, 6, 4, "phone")


def test_the_full_customer_survey_on_a_phone(browser: Any, site: LiveWeb) -> None:
    link = next(link for link in ensure_links(site.store, site.location) if link.instrument_key == "customer")
    context = browser.new_context(locale="en-GB", **PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{site.url}/r/{link.key}?lang=en")
        assert progress(page) == (0, 11)
        page.locator("#send").click()  # nothing answered: the form comes back with a message
        page.wait_for_load_state()
        assert page.locator("p.alert").count() >= 1 and page.locator("form.survey-form").count() == 1
        choose(page, "satisfaction", "Completely satisfied")
        choose(page, "continue", "Likely")
        choose(page, "recommend", "9")
        for item in ("confidence_promises", "integrity_fair", "integrity_fix", "pride_proud", "pride_respect",
                     "passion_irreplaceable", "passion_fit"):  # fmt: skip
            choose(page, item, "Agree")
        choose(page, "confidence_competent", "Not applicable / no opinion")
        assert progress(page) == (11, 11)
        no_sideways_scroll(page)
        page.locator("#send").click()
        page.wait_for_url(re.compile(r"/thanks/"))
        nonce = page.url.split("/thanks/")[1].split("?")[0]
        assert page.locator("#reward-code").inner_text().strip() == reward_code(SECRET, nonce)
        page.locator("#switch-language").click()
        assert page.locator("html").get_attribute("lang") == "nl"
        assert page.locator("#reward-code").inner_text().strip() == reward_code(SECRET, nonce)
    finally:
        context.close()
    assert errors == []
    table = schema.customer_response
    site.app.state.intake.flush()  # responses reach their tables from the intake journal
    with site.store.engine.connect() as connection:
        row = connection.execute(sa.select(table).where(table.c.source_key.like(f"0:r:%:{nonce}"))).one()
    assert (row.satisfaction, row._mapping["continue"], row.recommend, row.confidence_competent) == (
        5,
        4,
        9,
        None,
    )
