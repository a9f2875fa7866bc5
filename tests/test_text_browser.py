"""What people write, in chromium: a store manager reads the aspect bars, the sentiment trend, the
themes and the quotes of their own location; an executive reads the employer barometer and its
link to engagement on the overview. Screenshots of both sections go to docs/screenshots/."""

from __future__ import annotations

from typing import Any

from test_text_web import RECENT, rows, text_document, unit_id
from test_web_browser import SCREENSHOTS, VIEWPORT, Tab, shrink_png
from web_support import LiveWeb


def section_screenshot(tab: Tab, name: str) -> None:
    """The page's texts section as a picture in docs/screenshots (charts drawn, no hover)."""
    tab.page.mouse.move(0, 0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    tab.page.locator("#texts").screenshot(path=str(path), animations="disabled")
    shrink_png(path)
    assert 0 < path.stat().st_size < 1_000_000


def test_a_store_manager_reads_what_people_write_about_their_store(live_web: LiveWeb, browser: Any) -> None:
    document = text_document(live_web.store)
    mine = unit_id(live_web, live_web.location)
    aspects = rows(document, "aspect_rows", mine, group="customer", period=RECENT)
    quotes = {q["text"] for q in rows(document, "quotes", mine, group="customer", period=RECENT)}
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL", device_scale_factor=1)
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["unit-manager"].email)
        charts = tab.goto(f"/units/{live_web.location}?lang=nl")
        assert "chart-text-trend" in charts
        texts = tab.page.locator("#texts")
        texts.scroll_into_view_if_needed()
        assert "Wat er over deze locatie geschreven wordt" in texts.locator("h2").inner_text()
        bars = tab.page.locator("#aspects-customer tr.aspect")
        assert bars.count() == len(aspects) > 0
        for index in range(bars.count()):
            row = bars.nth(index)
            key = row.get_attribute("data-aspect")
            expected = next(a for a in aspects if a["aspect"] == key)
            fill = row.locator(".track .fill").bounding_box()
            track = row.locator(".track").first.bounding_box()
            assert fill and track and row.locator(".track .fill").is_visible()
            assert abs(fill["width"] - track["width"] * expected["share"]) < 2, key
            sentiment = row.locator(".track.sentiment .bar").bounding_box()
            assert sentiment is not None
            if abs(expected["mean"]) > 0.02:
                assert sentiment["width"] > 0, key
            greyed = "few" in (row.get_attribute("class") or "")
            assert greyed == expected["few"], key
        quote = tab.page.locator("#quotes-customer li.quote").first
        assert quote.is_visible()
        assert quote.locator("blockquote").inner_text().strip() in quotes
        assert tab.page.locator("#chart-text-trend .main-svg").first.is_visible()
        section_screenshot(tab, "texts-unit.png")
        tab.clean("unit texts")
    finally:
        context.close()


def test_an_executive_reads_the_employer_barometer_on_the_overview(live_web: LiveWeb, browser: Any) -> None:
    correlation = text_document(live_web.store)["employer"]["correlation"]
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", device_scale_factor=1)
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["executive"].email)
        charts = tab.goto("/overview?lang=en")
        assert "chart-text-trend" in charts
        link = tab.page.locator("#employer-link")
        link.scroll_into_view_if_needed()
        assert link.is_visible()
        opening = f"Across {correlation['units']} locations, employer-review ratings"
        assert link.inner_text().startswith(opening)
        assert tab.page.locator("#barometer").is_visible()
        assert tab.page.locator("#region-themes li").count() >= 1
        section_screenshot(tab, "texts-overview.png")
        tab.clean("overview texts")
    finally:
        context.close()
