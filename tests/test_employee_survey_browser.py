"""An employee answers the survey with her personal link in chromium on a phone-sized screen with
JavaScript switched off, sees the thank-you page, and a second visit of the link is refused kindly."""

from __future__ import annotations

import uuid
from typing import Any

from web_support import SECRET, LiveWeb

from servicechain.collect.answers import employee_instrument
from servicechain.collect.waves import find_wave, open_wave, wave_links
from servicechain.settings import Settings
from servicechain.web.i18n import translator

PHONE = {"width": 390, "height": 844}
NL = translator("nl")


def test_an_employee_answers_on_a_phone_without_javascript(browser: Any, live_web: LiveWeb) -> None:
    settings = Settings(secret_key=SECRET)
    code = f"BR-{uuid.uuid4().hex[:8]}"
    open_wave(live_web.store, code, live_web.location, "2019-Q1", settings=settings)
    kiosk_code = wave_links(live_web.store, code, settings)[0].kiosk_code
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                  java_script_enabled=False)  # fmt: skip
    try:
        page = context.new_page()
        answer = page.goto(f"{live_web.url}/e/{kiosk_code}")
        assert answer is not None and answer.status == 200
        items = employee_instrument().items
        assert page.locator("fieldset.question").count() == len(items) + 1  # and the comment
        for position, item in enumerate(items):
            choice = (
                "8" if item.key == "enps" else ("na" if item.key == "wellbeing" else str(1 + position % 5))
            )
            page.locator(f'#q-{item.key} input[value="{choice}"]').check()
        page.fill("textarea[name=comment]", "De kassa's lopen vaak vast.")
        page.screenshot(path=str(_shot("employee-survey-phone.png")), full_page=False)
        page.click("#send")
        page.wait_for_url(f"{live_web.url}/e/thanks")
        assert page.locator("#thanks h1").inner_text() == NL("Thank you!")
        assert find_wave(live_web.store, code).answered == 1
        again = page.goto(f"{live_web.url}/e/{kiosk_code}")
        assert again is not None and again.status == 410
        assert page.locator("#refused h1").inner_text() == NL("This link has already been used")
        assert context.cookies() == [], "no cookie without the language switch"
    finally:
        context.close()


def test_the_progress_footer_counts_answers_with_css_only(browser: Any, live_web: LiveWeb) -> None:
    """The sticky footer's number is a CSS counter over checked radio buttons (no JavaScript)."""
    settings = Settings(secret_key=SECRET)
    code = f"BR-{uuid.uuid4().hex[:8]}"
    open_wave(live_web.store, code, live_web.location, "2019-Q1", settings=settings)
    kiosk_code = wave_links(live_web.store, code, settings)[0].kiosk_code
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_web.url}/e/{kiosk_code}?lang=en")
        page.locator('#q-eng_pride input[value="4"]').check()
        page.locator('#q-wellbeing input[value="na"]').check()
        page.locator('#q-enps input[value="9"]').check()
        footer = page.locator(".sticky-footer")
        assert footer.is_visible()
        box = footer.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"] + 1, (
            "the footer sticks to the screen"
        )
        page.screenshot(path=str(_shot("employee-survey-progress.png")), clip=box)
    finally:
        context.close()
    # the counter's value is drawn, not in the DOM: read it with JavaScript on in a second context
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{live_web.url}/e/{kiosk_code}")
        for key, value in (("eng_pride", "4"), ("wellbeing", "na"), ("enps", "9")):
            page.locator(f'#q-{key} input[value="{value}"]').check()
        checked = page.evaluate("document.querySelectorAll('#survey-form input[type=radio]:checked').length")
        assert checked == 3
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            "no sideways scroll"
        )
    finally:
        context.close()


def _shot(name: str) -> Any:
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
