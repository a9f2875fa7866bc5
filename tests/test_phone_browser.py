"""Every page of every role's menu on a phone (390 x 844, chromium): the menu wraps inside the
screen and the page never scrolls sideways (wide tables scroll inside their own card)."""

from __future__ import annotations

from typing import Any

import pytest
from test_web_browser import Tab
from web_support import LiveWeb

PHONE = {"width": 390, "height": 844}

SIDEWAYS = """width => {
  const out = [];
  if (document.documentElement.scrollWidth > width || window.innerWidth > width) {
    out.push(`page ${document.documentElement.scrollWidth}px wide, window ${window.innerWidth}px`);
  }
  document.querySelectorAll('header.top a, header.top button').forEach(item => {
    const box = item.getBoundingClientRect();
    if (box.width > 0 && (box.left < 0 || box.right > width + 1)) {
      const where = `${Math.round(box.left)}..${Math.round(box.right)}px`;
      out.push(`menu item "${item.textContent.trim()}" at ${where}`);
    }
  });
  return out;
}"""


@pytest.mark.parametrize("role", ["employee", "unit-manager", "regional-manager", "executive", "analyst"])
def test_every_menu_page_fits_a_phone(live_web: LiveWeb, browser: Any, role: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="nl-NL", is_mobile=True)
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts[role].email)
        tab.page.goto(f"{live_web.url}/me")
        links = tab.page.locator("header.top nav a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert len(links) >= 3, links
        problems = {}
        for href in links:  # wide tables and charts may scroll inside their card on a phone
            answer = tab.page.goto(f"{live_web.url}{href}")
            assert answer is not None and answer.status == 200, href
            tab.clean(href)
            found = tab.page.evaluate(SIDEWAYS, PHONE["width"])
            if found:
                problems[href] = found
        assert problems == {}, f"{role} on a 390px phone: {problems}"
    finally:
        context.close()
