"""The web application in a real browser: Debian's chromium driven by Playwright (sync API).

One browser for the module and a fresh context (cookies, cache) per test, against the live demo
server of :mod:`web_support`. Each role signs in through the form and uses its pages: no console
error and no uncaught exception, every chart drawn by plotly (``data-rendered`` and an svg),
sortable tables sort, the language switch is remembered, the analyst imports a file and sees a
bad one refused, an employee sees no scores; no page scrolls sideways, no table is wider than
its card, no chart label is cut off. Full-page screenshots (viewport 1400x900) are
written to docs/screenshots/ on every run, after the charts have been drawn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from web_support import PASSWORD, LiveWeb, serve_demo, sign_in

from servicechain.accounts.roles import ROLE_LABELS
from servicechain.accounts.users import add_user, find_user, set_language
from servicechain.errors import UserError
from servicechain.store import schema
from servicechain.web.i18n import translator

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
VIEWPORT = {"width": 1400, "height": 900}
SESSION_COOKIE = "servicechain_session"
TEXT = {"nl": translator("nl"), "en": translator("en")}
"""The app's own catalogue: what a message reads like in each language (English while untranslated)."""
SWITCH_LABEL = {"nl": "English", "en": "Nederlands"}
"""The language switch names the other language."""

DRAWN = """() => document.readyState === 'complete' && (typeof Plotly === 'undefined' ||
  [...document.querySelectorAll('[data-chart]')].every(
    el => el.getAttribute('data-rendered') === 'true' || el.classList.contains('no-chart')))"""
CHARTS = """els => els.map(el => ({id: el.id, rendered: el.getAttribute('data-rendered') === 'true',
  svg: el.querySelector('.main-svg') !== null}))"""
OVERFLOW = """() => {
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth) {
    out.push(`page ${document.documentElement.scrollWidth}px wide in a ${window.innerWidth}px window`);
  }
  document.querySelectorAll('main table').forEach(table => {
    const room = table.parentElement.clientWidth;
    if (table.scrollWidth > room + 1) {
      const title = table.closest('section, .card')?.querySelector('h2')?.textContent ?? '?';
      out.push(`table under "${title}" needs ${table.scrollWidth}px, has ${room}px: it scrolls sideways`);
    }
  });
  document.querySelectorAll('[data-chart]').forEach(chart => {
    const box = chart.getBoundingClientRect();
    chart.querySelectorAll('.main-svg text').forEach(text => {
      const r = text.getBoundingClientRect();
      if (r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1)) {
        out.push(`${chart.id}: label "${text.textContent}" cut off`);
      }
    });
  });
  return out;
}"""


def homes(web: LiveWeb) -> dict[str, str]:
    return {
        "executive": "/overview",
        "analyst": "/overview",
        "regional-manager": f"/regions/{web.region}",
        "unit-manager": f"/units/{web.location}",
        "employee": "/me",
    }


def pages_of(web: LiveWeb, role: str) -> list[str]:
    """The pages a role may use (the executive walks every kind of page, the analyst its own)."""
    return {
        "executive": ["/overview", "/linkage", f"/regions/{web.region}", f"/units/{web.location}",
                      f"/units/{web.team}", "/me"],
        "analyst": ["/overview", "/linkage", "/imports", "/me"],
        "regional-manager": [f"/regions/{web.region}", f"/units/{web.location}", f"/units/{web.team}", "/me"],
        "unit-manager": [f"/units/{web.location}", f"/units/{web.team}", "/me"],
    }[role]  # fmt: skip


def refused_to(web: LiveWeb, role: str) -> dict[str, int]:
    """Pages a manager may not open: whole-organisation pages (403), units outside the subtree (404)."""
    return {
        "regional-manager": {"/overview": 403, "/imports": 403, f"/units/{web.other_location}": 404},
        "unit-manager": {"/linkage": 403, f"/regions/{web.region}": 404},
    }.get(role, {})


def charts_on(web: LiveWeb, path: str) -> set[str]:
    """Charts a page must draw (the templates always place these; more may follow the data)."""
    if path == "/overview" or path.startswith("/regions/"):
        return {"chart-human-sigma", "chart-trend-engagement", "chart-trend-net"}
    if path.startswith("/units/"):
        return {"chart-trend-engagement", "chart-trend-net"}
    return set()


class Tab:
    """A page in a fresh browser context that records console errors and uncaught exceptions.

    Console errors about answers a test asks for (a 403 page, a refused upload) are expected;
    so is the missing favicon, reported once by :func:`test_the_site_has_a_favicon`. Every page
    opened must fit the window.
    """

    def __init__(self, page: Any, web: LiveWeb) -> None:
        self.page, self.web = page, web
        self.errors: list[str] = []
        self.expected: set[tuple[int, str]] = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught {error}"))

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        status = re.search(r"status of (\d+)", message.text)
        if status and (int(status.group(1)), url) in self.expected:
            return
        self.errors.append(f"{message.text} ({url})")

    def clean(self, where: str) -> None:
        assert self.errors == [], f"{where}: {self.errors}"

    def drawn(self, where: str, required: set[str] | None = None) -> list[str]:
        """Wait for the page's charts; every chart div is drawn and holds an svg, ``required`` (default:
        :func:`charts_on` the page) among them. Their ids."""
        self.page.wait_for_function(DRAWN, timeout=20_000)
        charts = self.page.eval_on_selector_all("[data-chart]", CHARTS)
        undrawn = [c["id"] for c in charts if not (c["rendered"] and c["svg"])]
        assert not undrawn, f"{where}: charts not drawn: {undrawn}"
        ids = [c["id"] for c in charts]
        required = charts_on(self.web, self.path) if required is None else required
        assert required <= set(ids), f"{where}: charts {ids}, expected {sorted(required)}"
        return ids

    def goto(self, path: str, status: int = 200) -> list[str]:
        """Open ``path``: answered with ``status``, charts drawn, no console error. The chart ids."""
        url = self.web.url + path
        if status != 200:
            self.expected.add((status, url))
        answer = self.page.goto(url)
        assert answer is not None and answer.status == status, f"{path}: HTTP {answer and answer.status}"
        charts = self.drawn(path, None if status == 200 else set())
        self.clean(path)
        self.fits(path)
        return charts

    def submit(self, button: str, status: int = 200, *, expected_url: str | None = None) -> None:
        """Click a form's button and wait for the page it leads to."""
        if status != 200:
            self.expected.add((status, expected_url or self.page.url))
        with self.page.expect_navigation() as navigation:
            self.page.click(button)
        answer = navigation.value
        assert answer is not None and answer.status == status, f"{button}: HTTP {answer and answer.status}"
        self.drawn(button, None if status == 200 else set())
        self.clean(button)
        self.fits(button)

    def fits(self, where: str) -> None:
        """No sideways scrolling, no table wider than its card, no chart label cut off."""
        assert self.page.evaluate(OVERFLOW) == [], where

    @property
    def path(self) -> str:
        return self.page.url.removeprefix(self.web.url).split("?")[0]

    def log_in(self, email: str, *, open_form: bool = True) -> None:
        """Sign in through the login form (opened first, unless the tab shows it already)."""
        if open_form:
            self.goto("/login")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", PASSWORD)
        self.submit("form[action='/login'] button[type=submit]")

    def sign_in_quickly(self, email: str) -> None:
        """Sign in over HTTP and give the browser the session cookie (the form has its own test)."""
        with httpx.Client(base_url=self.web.url, timeout=30) as client:
            answer = sign_in(client, email, PASSWORD)
            assert answer.status_code == 303, answer.text[:300]
            cookie = client.cookies[SESSION_COOKIE]
        self.page.context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": self.web.url}])

    def lang(self) -> str:
        return str(self.page.get_attribute("html", "lang"))

    def heading(self) -> str:
        return self.page.inner_text("main h1").strip()

    def screenshot(self, name: str, *, full_page: bool = True) -> None:
        """A screenshot in docs/screenshots (charts are drawn by now): the whole page, or what the
        window shows (``full_page=False``: long lists)."""
        self.page.mouse.move(0, 0)  # no tooltip or hover colour in the picture
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        self.page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        shrink_png(path)
        assert 0 < path.stat().st_size < 1_000_000


def shrink_png(path: Path) -> None:
    """256 colours keep the committed screenshots small (fast octree: a tenth of a second a page)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - the full-colour PNG is fine too
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    small.save(path)


@pytest.fixture(scope="module")
def live_web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveWeb]:
    """A demo server of this module's own: the screenshots in docs/ show the demo as `make demo`
    makes it, without the answers and alerts other test modules add to the shared server."""
    from conftest import fresh_store

    folder = tmp_path_factory.mktemp("screens")
    with fresh_store(request, "duckdb", folder) as store, serve_demo(store) as web:
        yield web


@pytest.fixture
def tab(browser: Any, live_web: LiveWeb) -> Iterator[Tab]:
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    try:
        yield Tab(context.new_page(), live_web)
    finally:
        context.close()


def email_of(web: LiveWeb, role: str) -> str:
    return web.accounts[role].email


# --------------------------------------------------------------------------- roles and pages


def hover_and_open_a_dot(tab: Tab) -> None:
    """Hovering a dot of the Human Sigma matrix names its unit; clicking it opens the unit."""
    specs = tab.page.evaluate("() => JSON.parse(document.getElementById('chart-specs').textContent)")
    first = specs["chart-human-sigma"]["data"][0]
    name, code = first["text"][0], first["customdata"][0][2]
    dot = tab.page.locator("#chart-human-sigma .scatterlayer .trace").first.locator(".point").first
    box = dot.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    tab.page.mouse.move(x, y)  # plotly's drag layer lies over the dots: move the mouse, not the element
    hover = tab.page.wait_for_selector("#chart-human-sigma .hoverlayer .hovertext")
    text = (hover.text_content() if hover else "") or ""
    assert name in text and "pEE" in text and "pCE" in text, text
    with tab.page.expect_navigation():
        tab.page.mouse.click(x, y)
    assert tab.path == f"/units/{code}"
    tab.drawn(tab.path)
    tab.clean("the unit opened from the matrix")


@pytest.mark.parametrize("role", ["executive", "analyst", "regional-manager", "unit-manager"])
def test_each_role_signs_in_and_uses_its_pages(live_web: LiveWeb, tab: Tab, role: str) -> None:
    tab.goto("/login")
    assert tab.lang() == "nl" and tab.page.locator("nav a").count() == 0
    if role == "executive":
        tab.screenshot("login.png")
    tab.log_in(email_of(live_web, role), open_form=False)
    assert tab.path == homes(live_web)[role]
    assert ROLE_LABELS[role]["nl"] in tab.page.inner_text("header .who")
    for path in pages_of(live_web, role):
        charts = tab.drawn(path) if path == tab.path else tab.goto(path)  # the home page is open already
        assert tab.heading(), path
        if path == "/linkage":
            assert any(c.startswith("chart-drivers-") for c in charts), charts
        if role == "executive" and path == "/overview":
            hover_and_open_a_dot(tab)
        if role == "executive" and path == "/linkage":
            tab.screenshot("linkage.png")
        if role == "regional-manager" and path == f"/regions/{live_web.region}":
            tab.screenshot("region.png")
        if role == "unit-manager" and path == f"/units/{live_web.location}":
            tab.screenshot("unit.png")
    for path, status in refused_to(live_web, role).items():
        tab.goto(path, status)
        assert tab.heading() == TEXT["nl"]("Not allowed" if status == 403 else "Not found"), path
        assert tab.page.locator("[data-chart]").count() == 0


def test_employee_sees_no_scores(live_web: LiveWeb, tab: Tab) -> None:
    tab.log_in(email_of(live_web, "employee"))
    assert tab.path == homes(live_web)["employee"] == "/me"
    explanation = TEXT["nl"]("Employees see no scores here: survey results are shown to managers only for "
                             "groups large enough to keep every answer anonymous.")  # fmt: skip
    assert explanation in tab.page.inner_text("main")
    menu = [TEXT["nl"](label) for label in ("Compliments", "Ideas", "Account")]
    assert [a.strip() for a in tab.page.locator("nav a").all_inner_texts()] == menu
    assert tab.page.locator("[data-chart], table").count() == 0
    tab.screenshot("account-employee.png")
    refused = ["/overview", "/linkage", "/imports", f"/regions/{live_web.region}", f"/units/{live_web.team}"]
    for path in refused:
        tab.goto(path, 403)
        assert tab.heading() == TEXT["nl"]("Not allowed"), path
        assert tab.page.locator("[data-chart], table").count() == 0, path
        if path == "/overview":
            tab.screenshot("forbidden.png")


def test_sortable_table_reorders_rows(live_web: LiveWeb, tab: Tab) -> None:
    tab.sign_in_quickly(email_of(live_web, "regional-manager"))
    tab.goto(f"/regions/{live_web.region}")
    table = tab.page.locator("table.sortable").last  # the region's locations
    number = table.locator("thead th[data-type=number]").first
    name = table.locator("thead th[data-type=text]").first
    column = int(number.evaluate("th => th.cellIndex"))

    def values(index: int) -> list[str]:
        return list(table.evaluate("(t, i) => [...t.tBodies[0].rows].map(r => r.cells[i].getAttribute("
                                   "'data-sort') ?? r.cells[i].textContent.trim())", index))  # fmt: skip

    def numbers() -> list[float]:
        cells = values(column)
        filled = [float(v) for v in cells if v.strip()]
        assert all(v.strip() for v in cells[: len(filled)]), f"empty values are not last: {cells}"
        return filled

    first_row = values(0)[0]
    assert len(values(0)) >= 2 and number.get_attribute("aria-sort") == "none"
    number.click()
    assert number.get_attribute("aria-sort") == "ascending"
    rising = numbers()
    assert rising == sorted(rising) and len(set(rising)) >= 2, rising
    ascending_first = values(0)[0]
    number.click()
    assert number.get_attribute("aria-sort") == "descending"
    falling = numbers()
    assert falling == sorted(falling, reverse=True), falling
    assert values(0)[0] != ascending_first
    name.focus()
    tab.page.keyboard.press("Enter")  # sortable from the keyboard too
    assert name.get_attribute("aria-sort") == "ascending" and number.get_attribute("aria-sort") == "none"
    names = [v.lower() for v in values(0)]
    assert names == sorted(names)
    assert first_row in values(0)
    tab.clean("sorting")


# --------------------------------------------------------------------------- language


def check_language(tab: Tab, language: str) -> None:
    """The page is in ``language``: html lang, the switch, the menu, the role and the title."""
    _ = TEXT[language]
    assert tab.lang() == language
    assert tab.page.inner_text("#switch-language").strip() == SWITCH_LABEL[language]
    if tab.page.locator("header .who").count():
        assert tab.page.locator("nav a").first.inner_text().strip() == _("Overview")
        assert ROLE_LABELS["executive"][language] in tab.page.inner_text("header .who")
    if tab.path == "/overview":
        assert _("Overview") in tab.page.title()
        assert _("Human Sigma matrix") in tab.page.inner_text("main")
    else:
        assert tab.heading() == _("Sign in")


def test_language_switch_is_remembered(live_web: LiveWeb, tab: Tab) -> None:
    email = "bestuur@example.nl"  # an account of its own: the test changes its language
    try:
        add_user(live_web.store, email, "executive", password=PASSWORD)
    except UserError:  # made by an earlier run on this store
        set_language(live_web.store, find_user(live_web.store, email=email), "nl")
    tab.log_in(email)
    assert tab.path == "/overview"
    check_language(tab, "nl")
    tab.screenshot("overview-nl.png")
    tab.submit("#switch-language")
    assert tab.path == "/overview"  # back on the same page
    check_language(tab, "en")
    tab.screenshot("overview-en.png")
    tab.page.reload()
    tab.drawn("/overview")
    check_language(tab, "en")
    tab.submit("#logout")
    assert tab.path == "/login"
    check_language(tab, "en")  # the session keeps the language after signing out
    tab.page.context.clear_cookies()
    tab.goto("/login")
    check_language(tab, "nl")  # a new visitor gets the default
    tab.log_in(email, open_form=False)
    check_language(tab, "en")  # the account remembers the choice
    tab.submit("#switch-language")
    check_language(tab, "nl")


# --------------------------------------------------------------------------- imports


def kpi_rows(web: LiveWeb, metric: str) -> list[tuple[str, str, float]]:
    kpi, unit = schema.unit_kpi, schema.org_unit
    query = (sa.select(unit.c.code, kpi.c.period, kpi.c.value).join(unit, unit.c.id == kpi.c.unit_id)
             .where(kpi.c.metric == metric))  # fmt: skip
    with web.store.engine.connect() as connection:
        return [(str(code), str(period), float(value)) for code, period, value in connection.execute(query)]


def counts(web: LiveWeb) -> tuple[int, int]:
    """Rows of unit KPIs and of the import log."""
    with web.store.engine.connect() as connection:
        kpis = connection.execute(sa.select(sa.func.count()).select_from(schema.unit_kpi)).scalar_one()
        log = connection.execute(sa.select(sa.func.count()).select_from(schema.import_log)).scalar_one()
    return int(kpis), int(log)


def upload(tab: Tab, kind: str, name: str, content: str, status: int = 200) -> None:
    """Choose the kind and the file on the imports page and have it checked."""
    tab.page.select_option("select[name=kind]", kind)
    tab.page.set_input_files("input[name=file]", files=[{"name": name, "mimeType": "text/csv",
                                                          "buffer": content.encode()}])  # fmt: skip
    tab.submit("#upload-form button[type=submit]", status, expected_url=f"{tab.web.url}/imports")


def test_analyst_imports_a_file(live_web: LiveWeb, tab: Tab) -> None:
    """A file naming an unknown unit is refused with its row and column, and writes nothing; a good
    file is checked, then imported on confirmation."""
    code = live_web.location
    period = max(p for c, p, _ in kpi_rows(live_web, "revenue") if c == code)  # a period with KPIs
    before = counts(live_web)
    tab.sign_in_quickly(email_of(live_web, "analyst"))
    tab.goto("/imports")
    header = "unit_code,period,metric,value\n"
    upload(tab, "kpis", "kpis-refused.csv", f"{header}{code},{period},browser_check,1\n"
                                            f"X-NOWHERE,{period},browser_check,2\n", 400)  # fmt: skip
    problems = tab.page.locator("#validation .problems li").all_inner_texts()
    assert any(p.startswith("kpis-refused.csv:3:unit_code:") and "X-NOWHERE" in p for p in problems), problems
    assert tab.page.locator("#validation .error").count() == 1
    assert tab.page.locator("#confirm-import").count() == 0
    tab.screenshot("imports-refused.png")
    assert counts(live_web) == before and kpi_rows(live_web, "browser_check") == []

    upload(tab, "kpis", "kpis-browser.csv", f"{header}{code},{period},browser_check,42.5\n")
    validation = tab.page.locator("#validation")
    assert validation.locator(".ok").count() >= 1 and validation.locator(".problems").count() == 0
    assert tab.page.locator("#confirm-import").is_enabled()
    assert counts(live_web) == before  # checked, not written
    tab.screenshot("imports.png")
    tab.submit("#confirm-import")
    assert tab.page.locator("#imported .ok").inner_text().strip()
    assert kpi_rows(live_web, "browser_check") == [(code, period, 42.5)]
    assert counts(live_web) == (before[0] + 1, before[1] + 1)
    newest = tab.page.locator("main table.sortable tbody tr").first.inner_text()
    assert "kpis-browser.csv" in newest


# --------------------------------------------------------------------------- favicon


def test_the_site_has_a_favicon(live_web: LiveWeb) -> None:
    page = httpx.get(f"{live_web.url}/login", timeout=30).text
    linked = re.search(r"<link[^>]+rel=\"[^\"]*icon", page) is not None
    assert linked or httpx.get(f"{live_web.url}/favicon.ico", timeout=30).status_code == 200
