"""The employee survey over real HTTP: the analyst's waves page and API, the anonymous survey pages
(one use per code, kind refusals, validation, kiosk, language, no cookie, no referrer)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from markupsafe import escape
from web_helpers import Callers, csrf, unique
from web_support import SECRET, LiveWeb

from servicechain.collect.answers import employee_instrument
from servicechain.collect.waves import find_wave, open_wave, wave_links
from servicechain.settings import Settings
from servicechain.store import schema
from servicechain.web.i18n import translator

SETTINGS = Settings(secret_key=SECRET, language="nl")
NL = translator("nl")


@pytest.fixture
def callers(live_web: LiveWeb) -> Callers:
    return Callers.of(live_web)


def new_wave(web: LiveWeb, unit: str | None = None, **more: Any) -> tuple[str, list[str]]:
    """A wave opened for ``unit`` (default: the test location); its code and the kiosk codes."""
    code = unique("W-")
    settings = more.pop("settings", SETTINGS)
    open_wave(web.store, code, unit or web.location, "2019-Q1", settings=settings, **more)
    return code, [row.kiosk_code for row in wave_links(web.store, code, settings)]


def all_answers(value: int = 4, enps: int = 8) -> dict[str, str]:
    return {key: str(enps if key == "enps" else value) for key in employee_instrument().item_keys}


def responses(web: LiveWeb, wave_code: str) -> list[Any]:
    wave, response = schema.survey_wave, schema.employee_response
    with web.store.engine.connect() as connection:
        wave_id = connection.execute(sa.select(wave.c.id).where(wave.c.code == wave_code)).scalar_one()
        return list(connection.execute(sa.select(response).where(response.c.wave_id == wave_id)))


# --------------------------------------------------------------------------- the survey pages


def test_the_survey_page_is_one_anonymous_page_without_cookies(live_web: LiveWeb) -> None:
    _, codes = new_wave(live_web, threshold=6)
    with httpx.Client(base_url=live_web.url) as client:
        page = client.get(f"/e/{codes[0]}")
    assert page.status_code == 200
    assert "set-cookie" not in page.headers, "a survey page view must not set a cookie"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    items = employee_instrument().items
    assert html.count('<fieldset class="question"') == len(items)
    assert NL("Question {n} of {total}", n=3, total=len(items)) in html
    assert items[0].nl in html and items[0].en not in html
    assert "Helemaal oneens" in html and 'value="na"' in html
    assert html.count('name="enps"') == 11, "eNPS: 0..10 without 'not applicable'"
    assert (
        escape(
            NL(
                "They are stored without your name and without this code; results are only shown for groups "
                "of at least {n} colleagues.",
                n=6,
            )
        )
        in html
    )
    assert 'class="count"' in html and "csrf_token" not in html
    assert "<script" not in html, "the survey works without JavaScript"


def test_the_language_switch_shows_english_and_only_then_sets_a_cookie(live_web: LiveWeb) -> None:
    _, codes = new_wave(live_web)
    with httpx.Client(base_url=live_web.url) as client:
        page = client.get(f"/e/{codes[0]}?lang=en")
        assert page.status_code == 200 and "set-cookie" in page.headers
        assert employee_instrument().items[0].en in page.text
        assert "Strongly disagree" in page.text and 'lang="en"' in page.text
        again = client.get(f"/e/{codes[0]}")  # remembered
        assert employee_instrument().items[0].en in again.text


def test_answering_stores_one_anonymous_response_and_a_second_use_is_refused_kindly(
    live_web: LiveWeb,
) -> None:
    wave, codes = new_wave(live_web)
    audit_before = _audit_rows(live_web)
    with httpx.Client(base_url=live_web.url) as client:
        form = all_answers() | {"eng_pride": "5", "wellbeing": "na", "comment": "Meer collega's op zaterdag."}
        done = client.post(f"/e/{codes[0].lower().replace('-', '')}", data=form)
        assert done.status_code == 303 and done.headers["location"] == "/e/thanks"
        assert done.headers["referrer-policy"] == "no-referrer"
        thanks = client.get("/e/thanks")
        assert thanks.status_code == 200 and NL("Thank you!") in thanks.text
        stored = responses(live_web, wave)
        assert len(stored) == 1
        row = stored[0]._mapping
        assert row["eng_pride"] == 5 and row["wellbeing"] is None and row["enps"] == 8
        assert row["comment"] == "Meer collega's op zaterdag." and row["import_id"] == 0
        assert row["submitted_on"] == find_wave(live_web.store, wave).opened_on
        again = client.post(f"/e/{codes[0]}", data=all_answers(2))
        assert again.status_code == 410
        assert NL("This link has already been used") in again.text
        view = client.get(f"/e/{codes[0]}")
        assert view.status_code == 410 and NL("This link has already been used") in view.text
    assert len(responses(live_web, wave)) == 1, "the second use wrote nothing"
    assert _audit_rows(live_web) == audit_before, "answering never writes the audit log"
    assert find_wave(live_web.store, wave).answered == 1


def test_unknown_and_malformed_codes_get_a_kind_404(live_web: LiveWeb) -> None:
    with httpx.Client(base_url=live_web.url) as client:
        for code in ("ZZZZ-ZZZZ-ZZZZ", "nonsense", "K7QF-M2XP-9HTU"):
            page = client.get(f"/e/{code}")
            assert page.status_code == 404
            assert NL("We do not know this code") in page.text
            assert page.headers["referrer-policy"] == "no-referrer"
        assert client.post("/e/ZZZZ-ZZZZ-ZZZZ", data=all_answers()).status_code == 404


def test_a_closed_wave_refuses_answers_kindly(live_web: LiveWeb, callers: Callers) -> None:
    wave, codes = new_wave(live_web)
    analyst = callers.session("analyst")
    closed = analyst.post(f"/waves/{wave}/close", data={"csrf_token": csrf(analyst)})
    assert closed.status_code == 303
    assert find_wave(live_web.store, wave).status == "closed"
    with httpx.Client(base_url=live_web.url) as client:
        for answer in (client.get(f"/e/{codes[0]}"), client.post(f"/e/{codes[1]}", data=all_answers())):
            assert answer.status_code == 410
            assert NL("This survey is closed") in answer.text
    assert responses(live_web, wave) == []


def test_invalid_answers_come_back_with_a_message_per_item_and_the_answers_kept(live_web: LiveWeb) -> None:
    wave, codes = new_wave(live_web)
    with httpx.Client(base_url=live_web.url) as client:
        form = {
            "eng_pride": "9",
            "enps": "na",
            "autonomy_1": "x",
            "eng_enthusiasm": "2",
            "comment": "a" * 2001,
        }
        page = client.post(f"/e/{codes[0]}", data=form)
        assert page.status_code == 400
        html = page.text
        assert (
            'id="error-eng_pride"' in html
            and NL("Choose an answer from {min} to {max}.", min=1, max=5) in html
        )
        assert 'id="error-enps"' in html and 'id="error-autonomy_1"' in html and 'id="error-comment"' in html
        assert 'id="error-eng_enthusiasm"' not in html
        assert re.search(r'name="eng_enthusiasm" value="2" checked', html), "a valid answer is kept"
        assert "a" * 2001 in html, "the comment is kept"
        nothing = client.post(f"/e/{codes[0]}", data={"comment": "alleen commentaar"})
        assert nothing.status_code == 400
        assert NL("Answer at least one question before you send the survey.") in nothing.text
        assert "alleen commentaar" in nothing.text
        assert client.get(f"/e/{codes[0]}").status_code == 200, "the code is still unused"
    assert responses(live_web, wave) == []


def test_the_kiosk_takes_a_typed_code(live_web: LiveWeb) -> None:
    _, codes = new_wave(live_web)
    with httpx.Client(base_url=live_web.url) as client:
        form_page = client.get("/e")
        assert form_page.status_code == 200 and 'name="code"' in form_page.text
        assert "set-cookie" not in form_page.headers
        typed = " " + codes[0].replace("-", "").lower() + " "
        start = client.post("/e", data={"code": typed})
        assert start.status_code == 303 and start.headers["location"] == f"/e/{codes[0]}?kiosk=1"
        survey = client.get(start.headers["location"])
        assert 'name="kiosk" value="1"' in survey.text
        done = client.post(f"/e/{codes[0]}", data=all_answers() | {"kiosk": "1"})
        assert done.headers["location"] == "/e/thanks?kiosk=1"
        thanks = client.get(done.headers["location"])
        assert 'id="next-colleague"' in thanks.text and 'http-equiv="refresh"' in thanks.text
        bad = client.post("/e", data={"code": "12345"})
        assert bad.status_code == 400
        assert NL("That is not a code: it has 12 letters and digits, like K7QF-M2XP-9HTD.") in bad.text
        unknown = client.post("/e", data={"code": "ZZZZ-ZZZZ-ZZZZ"})
        assert (
            unknown.status_code == 404
            and NL("We do not know this code. Check it and try again.") in unknown.text
        )


def test_the_threshold_is_the_one_fixed_when_the_wave_opened(live_web: LiveWeb) -> None:
    """The server runs with threshold 5; a wave opened under threshold 4 keeps 4 everywhere."""
    wave, codes = new_wave(live_web, settings=Settings(secret_key=SECRET, anonymity_threshold=4))
    later = Settings(secret_key=SECRET, anonymity_threshold=9)
    assert find_wave(live_web.store, wave).threshold == 4
    assert wave_links(live_web.store, wave, later)[0].kiosk_code == codes[0]
    with httpx.Client(base_url=live_web.url) as client:
        page = client.get(f"/e/{codes[0]}?lang=en")
    assert "groups of at least 4 colleagues" in page.text


# --------------------------------------------------------------------------- the analyst's waves page


def test_the_analyst_opens_a_wave_downloads_links_and_closes_it(live_web: LiveWeb, callers: Callers) -> None:
    analyst = callers.session("analyst")
    page = analyst.get("/waves")
    assert page.status_code == 200 and 'id="open-wave"' in page.text
    code = unique("MW-")
    form = {
        "code": code,
        "unit": live_web.region,
        "period": "2019-Q1",
        "threshold": "5",
        "csrf_token": csrf(analyst),
    }
    opened = analyst.post("/waves", data=form)
    assert opened.status_code == 303 and opened.headers["location"] == f"/waves?opened={code}"
    listing = analyst.get(opened.headers["location"]).text
    assert f'id="wave-{code}"' in listing
    wave = find_wave(live_web.store, code)
    assert wave.unit_code == live_web.region and wave.threshold == 5 and wave.status == "open"
    links = analyst.get(f"/waves/{code}/links.csv")
    assert links.status_code == 200 and links.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(links.text)))
    assert len(rows) == wave.invited > 0
    assert set(rows[0]) == {"employee_code", "unit_code", "link", "kiosk_code"}
    assert rows[0]["link"].endswith("/e/" + rows[0]["kiosk_code"])
    assert analyst.get(f"/waves/{code}/links.csv").text == links.text, "the same links every time"
    with httpx.Client(base_url=live_web.url) as client:
        assert client.post(f"/e/{rows[0]['kiosk_code']}", data=all_answers()).status_code == 303
    reminders = list(csv.DictReader(io.StringIO(analyst.get(f"/waves/{code}/reminders.csv").text)))
    assert len(reminders) == len(rows) - 1 and rows[0]["kiosk_code"] not in {
        r["kiosk_code"] for r in reminders
    }
    again = analyst.post("/waves", data=form | {"csrf_token": csrf(analyst)})
    assert (
        again.status_code == 400
        and NL("A wave {code} exists already: choose another code.", code=code) in again.text
    )
    no_csrf = analyst.post(f"/waves/{code}/close", data={"csrf_token": "wrong"})
    assert no_csrf.status_code == 403
    closed = analyst.post(f"/waves/{code}/close", data={"csrf_token": csrf(analyst)})
    assert closed.status_code == 303 and find_wave(live_web.store, code).status == "closed"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"unit": "X-NOPE"}, ("There is no unit {unit}.", {"unit": "X-NOPE"})),
        (
            {"period": "volgend jaar"},
            ("{period} is not a period: use 2026-Q4, 2026-09 or 2026.", {"period": "volgend jaar"}),
        ),
        ({"threshold": "2"}, ("The anonymity threshold must be a whole number from 3 to 10.", {})),
        ({"threshold": "vijf"}, ("The anonymity threshold must be a whole number from 3 to 10.", {})),
        (
            {"code": "met spatie"},
            ("A wave code has 1 to 64 letters, digits, dots, dashes or underscores.", {}),
        ),
    ],
)
def test_opening_a_wave_with_bad_input_says_why(live_web: LiveWeb, callers: Callers, form: dict[str, str],
                                                message: tuple[str, dict[str, str]]) -> None:  # fmt: skip
    analyst = callers.session("analyst")
    base = {"code": unique("MW-"), "unit": live_web.location, "period": "2019-Q1", "threshold": "5"}
    page = analyst.post("/waves", data=base | form | {"csrf_token": csrf(analyst)})
    assert page.status_code == 400
    assert NL(message[0], **message[1]) in page.text


@pytest.mark.parametrize("role", ["executive", "regional-manager", "unit-manager", "employee"])
def test_waves_are_for_analysts_only(live_web: LiveWeb, callers: Callers, role: str) -> None:
    wave, _ = new_wave(live_web)
    session, token = callers.session(role), callers.token(role)
    assert session.get("/waves").status_code == 403
    assert session.get(f"/waves/{wave}/links.csv").status_code == 403
    assert session.get(f"/waves/{wave}/reminders.csv").status_code == 403
    assert session.post(f"/waves/{wave}/close", data={"csrf_token": csrf(session)}).status_code == 403
    assert token.get("/api/v1/waves").status_code == 403
    assert token.post(f"/api/v1/waves/{wave}/close").status_code == 403
    assert find_wave(live_web.store, wave).status == "open"


def test_anonymous_callers_are_sent_to_sign_in(live_web: LiveWeb) -> None:
    with httpx.Client(base_url=live_web.url) as client:
        assert client.get("/waves").status_code == 303
        assert client.get("/api/v1/waves").status_code == 401


def test_the_api_lists_opens_and_closes_waves(live_web: LiveWeb, callers: Callers) -> None:
    api = callers.token("analyst")
    code = unique("API-")
    created = api.post("/api/v1/waves", json={"code": code, "unit": live_web.location, "period": "2019-q1"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["period"] == "2019-Q1" and body["threshold"] == 5 and body["invited"] > 0
    listed = {item["code"]: item for item in api.get("/api/v1/waves").json()["items"]}
    assert listed[code]["status"] == "open" and listed[code]["answered"] == 0
    twice = api.post("/api/v1/waves", json={"code": code, "unit": live_web.location, "period": "2019-Q1"})
    assert twice.status_code == 409 and "error" in twice.json()
    bad = api.post("/api/v1/waves?lang=en", json={"code": unique("API-"), "unit": live_web.location,
                                                  "period": "2019-Q1", "threshold": 11})  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["error"]["message"] == "The anonymity threshold must be a whole number from 3 to 10."
    closed = api.post(f"/api/v1/waves/{code}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert api.post(f"/api/v1/waves/{code}/close").status_code == 409
    assert api.post("/api/v1/waves/NOPE-NOPE/close").status_code == 404
    session = callers.session("analyst")
    body = {"code": unique("API-"), "unit": live_web.location, "period": "2019-Q1"}
    assert session.post("/api/v1/waves", json=body).status_code == 403, "cookie calls need CSRF"


def test_the_navigation_shows_survey_waves_to_analysts_only(live_web: LiveWeb, callers: Callers) -> None:
    assert 'href="/waves"' in callers.session("analyst").get("/me").text
    assert 'href="/waves"' not in callers.session("executive").get("/me").text


def _audit_rows(web: LiveWeb) -> int:
    with web.store.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(schema.audit_log)).scalar_one())
