"""The customer-centricity scan over real HTTP on the live demo server (DuckDB and PostgreSQL), and an
executive filling it in in chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from test_web_browser import VIEWPORT, Tab
from web_helpers import Callers, csrf
from web_support import LiveWeb

from servicechain.accounts.audit import entries
from servicechain.act import scan
from servicechain.web.i18n import translator
from servicechain.web.scan import PROBLEMS

TEAM = ("executive", "analyst", "regional-manager")


def answers(default: int, **areas: list[int]) -> dict[str, int]:
    """Every statement ``default``; the statements of each named area as given."""
    found = {key: default for key in scan.questionnaire().keys}
    for area in scan.questionnaire().areas:
        for statement, value in zip(area.statements, areas.get(area.key, []), strict=False):
            found[statement.key] = value
    return found


@pytest.fixture
def callers(live_web: LiveWeb) -> Callers:
    return Callers.of(live_web)


def ranks(html: str) -> list[str]:
    return re.findall(r'id="result-([a-z_]+)" data-rank', html)


@pytest.mark.parametrize("server", ["live_web", "live_web_pg"])
def test_api_scores_the_latest_answers_of_the_team(request: pytest.FixtureRequest, server: str) -> None:
    web: LiveWeb = request.getfixturevalue(server)
    callers = Callers.of(web)
    first = callers.token("executive").post("/api/v1/scan", json={"answers": answers(5)})
    assert first.status_code == 201, first.text
    others = answers(4, measurement=[2, 2, 2, 2])
    sent = {
        "executive": answers(3, measurement=[1, 1, 1, 1], accountability=[5, 5, 5, 1]),
        "analyst": others,
        "regional-manager": others,
    }
    for role, given in sent.items():
        answer = callers.token(role).post("/api/v1/scan?lang=en", json={"answers": given})
        assert answer.status_code == 201, answer.text
    found = answer.json()["result"]
    assert found["respondents"] == 3, "the executive's first submission was replaced"
    assert found["areas"][0]["key"] == "measurement" and found["areas"][0]["name"] == "Measurement"
    assert found["areas"][0]["mean"] == pytest.approx(round((0 + 25 + 25) / 3, 1))
    assert found["areas"][-1]["key"] == "accountability"  # (75 + 75 + 75) / 3
    assert found["overall"] == pytest.approx(round((4 * (50 + 75 + 75) / 3 + 50 / 3 + 75) / 6, 1))
    # the regional manager's links: only pages they may open, {home} their region
    regional = callers.token("regional-manager").get("/api/v1/scan/result?lang=nl").json()
    hrefs = {link["href"] for area in regional["areas"] for link in area["links"]}
    assert f"/regions/{web.accounts['regional-manager'].unit}" in hrefs and "/overview" not in hrefs
    assert regional["areas"][0]["name"] == "Meten"
    assert [e for e in entries(web.store, action="scan_submitted") if e["email"] == "directie@example.nl"]


def test_questionnaire_api_in_both_languages(callers: Callers) -> None:
    dutch = callers.token("analyst").get("/api/v1/scan?lang=nl").json()
    english = callers.token("analyst").get("/api/v1/scan?lang=en").json()
    assert [area["key"] for area in dutch["areas"]] == [area.key for area in scan.questionnaire().areas]
    assert sum(len(area["statements"]) for area in english["areas"]) == 24
    assert dutch["areas"][0]["name"] == "Strategie" and english["areas"][0]["name"] == "Strategy"
    assert dutch["scale"]["labels"][0] == translator("nl")("disagree")
    assert english["scale"]["labels"][-1] == "agree"
    assert dutch["areas"][1]["statements"][0]["text"].startswith("We meten betrokkenheid per locatie")


def test_api_refuses_incomplete_answers_with_the_statements_named(callers: Callers) -> None:
    keys = scan.questionnaire().keys
    given = answers(3) | {keys[0]: 7}
    del given[keys[1]]
    answer = callers.token("executive").post("/api/v1/scan?lang=en", json={"answers": given})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["status"] == 422 and "1 to 5" in error["message"]
    assert set(error["problems"]) == {keys[0], keys[1]}
    assert "whole number from 1 to 5" in error["problems"][keys[0]]
    bad = callers.token("executive").post("/api/v1/scan", json={"answers": "all fives"})
    assert bad.status_code == 422 and "error" in bad.json()
    session = callers.session("executive")
    assert session.post("/api/v1/scan", json={"answers": answers(3)}).status_code == 403, "no CSRF token"


def test_unit_managers_and_employees_may_not(callers: Callers) -> None:
    for role in ("unit-manager", "employee"):
        for path in ("/scan", "/scan/result"):
            answer = callers.session(role).get(path + "?lang=en")
            assert answer.status_code == 403 and "management team" in answer.text
        assert callers.token(role).get("/api/v1/scan/result").status_code == 403
        assert 'href="/scan"' not in callers.session(role).get("/me").text
    assert 'href="/scan"' in callers.session("regional-manager").get("/me").text


def test_form_checks_every_statement_and_keeps_the_answers(live_web: LiveWeb, callers: Callers) -> None:
    client = callers.session("analyst")
    keys = scan.questionnaire().keys
    form = {key: "4" for key in keys[:-1]} | {keys[0]: "9"}
    before = len(entries(live_web.store, action="scan_submitted", limit=1000))
    answer = client.post("/scan", data={"csrf_token": csrf(client), **form})
    assert answer.status_code == 422
    dutch = translator("nl")
    assert dutch(PROBLEMS["missing"]) in answer.text and dutch(PROBLEMS["out_of_range"]) in answer.text
    assert re.search(rf'id="statement-{keys[-1]}" class="invalid"', answer.text)
    assert re.search(rf'id="statement-{keys[0]}" class="invalid"', answer.text)
    assert re.search(rf'name="{keys[1]}" value="4"[^>]*checked', answer.text), "answers are kept"
    assert len(entries(live_web.store, action="scan_submitted", limit=1000)) == before
    assert client.post("/scan", data={"csrf_token": "wrong", **form}).status_code == 403
    done = client.post("/scan", data={"csrf_token": csrf(client), **{key: "4" for key in keys}})
    assert done.status_code == 303 and done.headers["location"] == "/scan/result"
    again = client.get("/scan?lang=en").text
    assert "Your earlier answers are filled in" in again and "One executive is accountable" in again
    assert re.search(rf'name="{keys[-1]}" value="4"[^>]*checked', again)


def test_result_page_in_dutch_and_english(callers: Callers) -> None:
    client = callers.session("executive")
    dutch = client.get("/scan/result?lang=nl").text
    english = client.get("/scan/result?lang=en").text
    assert translator("nl")("Result of the customer-centricity scan") in dutch and "Meten" in dutch
    assert "Result of the customer-centricity scan" in english and "Measurement" in english
    assert ranks(dutch) == ranks(english) and len(ranks(english)) == 6
    assert "What servicechain offers" in english and 'href="/linkage"' in english


def test_executive_fills_in_the_scan_in_the_browser(live_web: LiveWeb, callers: Callers, browser: Any
                                                    ) -> None:  # fmt: skip
    # the rest of the team thinks the data are scattered; the executive agrees in the browser
    for role in ("analyst", "regional-manager"):
        given = answers(5, data_platform=[1, 2, 1, 2])
        assert callers.token(role).post("/api/v1/scan", json={"answers": given}).status_code == 201
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    try:
        tab = Tab(context.new_page(), live_web)
        tab.sign_in_quickly(live_web.accounts["executive"].email)
        tab.goto("/me?lang=en")
        with tab.page.expect_navigation():
            tab.page.click("header nav a[href='/scan']")
        data_platform = next(area for area in scan.questionnaire().areas if area.key == "data_platform")
        weak = {s.key for s in data_platform.statements}
        for key in scan.questionnaire().keys[:-1]:
            tab.page.check(f"input[name={key}][value='{2 if key in weak else 4}']")
        last = scan.questionnaire().keys[-1]  # unanswered, even when earlier answers were filled in
        tab.page.eval_on_selector_all(f"input[name={last}]", "all => all.forEach(i => i.checked = false)")
        tab.submit("#scan-submit", 422, expected_url=live_web.url + "/scan")
        assert tab.page.is_visible("#scan-errors")
        assert tab.page.get_attribute(f"#statement-{last}", "class") == "invalid"
        assert tab.page.is_checked(f"input[name={next(iter(weak))}][value='2']"), "the answers are kept"
        tab.page.check(f"input[name={last}][value='4']")
        tab.submit("#scan-submit")
        assert tab.path == "/scan/result"
        first = tab.page.query_selector("section.scan-result")
        assert first is not None and first.get_attribute("id") == "result-data_platform"
        assert "Data on one platform" in first.inner_text() and "imports" in first.inner_text().lower()
        with tab.page.expect_navigation():
            first.query_selector("dd.links a[href='/linkage']").click()  # type: ignore[union-attr]
        assert tab.path == "/linkage"
        tab.clean("scan")
    finally:
        context.close()
    mine = scan.answers_of(live_web.store, live_web.accounts["executive"].email)
    assert {mine[key] for key in weak} == {2} and len(mine) == 24
