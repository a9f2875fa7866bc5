"""Survey links and the public customer and touchpoint survey pages, over real HTTP.

A second server (same process, same demo store as ``live_web`` / ``live_web_pg``) runs with a
survey reward configured. Answers go through the real intake path (check, group commit, alert
rules) into the real store; the tests count the stored rows.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import segno
import sqlalchemy as sa
from PIL import Image
from typer.testing import CliRunner
from web_helpers import Callers
from web_support import SECRET, LiveWeb, ServerThread, free_port, wait_for

from servicechain.cli import app as cli_app
from servicechain.collect.links import Link, create_link, ensure_links, links_of_unit, revoke_link
from servicechain.settings import Settings
from servicechain.store import schema
from servicechain.web.app import create_app
from servicechain.web.survey_form import reward_code

REWARD = "Gratis koffie bij uw volgende bezoek"
HAS_ALERTS = importlib.util.find_spec("servicechain.collect.alerts") is not None


def serve_with_reward(web: LiveWeb) -> Iterator[LiveWeb]:
    """The demo of ``web`` served by a second application that promises a reward."""
    settings = Settings(database_url=web.store.url, secret_key=SECRET, secure_cookies=False, language="nl",
                        survey_reward=REWARD)  # fmt: skip
    app = create_app(settings, store=web.store)
    port = free_port()
    server = ServerThread(app, port)
    server.start()
    wait_for(lambda: server.server.started, 20)
    try:
        yield dataclasses.replace(web, url=f"http://127.0.0.1:{port}", app=app)
    finally:
        server.stop()
        for service in app.state.services:
            service.close()


@pytest.fixture(scope="module")
def site(live_web: LiveWeb) -> Iterator[LiveWeb]:
    yield from serve_with_reward(live_web)


@pytest.fixture(scope="module")
def site_pg(live_web_pg: LiveWeb) -> Iterator[LiveWeb]:
    yield from serve_with_reward(live_web_pg)


@pytest.fixture(params=["duckdb", "postgresql"])
def any_site(request: pytest.FixtureRequest) -> LiveWeb:
    return request.getfixturevalue("site" if request.param == "duckdb" else "site_pg")  # type: ignore[no-any-return]


def public(web: LiveWeb) -> httpx.Client:
    return httpx.Client(base_url=web.url, follow_redirects=False, timeout=30)


def link_of(web: LiveWeb, instrument: str, channel: str | None = None) -> Link:
    links = ensure_links(web.store, web.location)
    return next(link for link in links if link.instrument_key == instrument and link.channel == channel)


def nonce_of(html: str) -> str:
    match = re.search(r'name="nonce" value="([^"]+)"', html)
    assert match, "no nonce in the form"
    return match.group(1)


def rows(web: LiveWeb, table: sa.Table, source_key: str) -> list[Any]:
    web.app.state.intake.flush()  # responses reach their tables from the intake journal
    with web.store.engine.connect() as connection:
        return list(connection.execute(sa.select(table).where(table.c.source_key == source_key)).all())


def count_site_rows(web: LiveWeb, table: sa.Table) -> int:
    web.app.state.intake.flush()
    with web.store.engine.connect() as connection:
        query = sa.select(sa.func.count()).select_from(table).where(table.c.source_key.like("0:%"))
        return int(connection.execute(query).scalar_one())


def thanks_nonce(answer: httpx.Response, link: Link) -> str:
    assert answer.status_code == 303, answer.text[:2000]
    match = re.fullmatch(rf"/r/{link.key}/thanks/([A-Za-z0-9_-]+)\?lang=(nl|en)", answer.headers["location"])
    assert match, answer.headers["location"]
    return match.group(1)


# --- links and who may see them ------------------------------------------------------------------


def test_links_are_made_once_per_unit_survey_and_channel(any_site: LiveWeb) -> None:
    first = ensure_links(any_site.store, any_site.location)
    assert [(link.instrument_key, link.channel) for link in first] == [
        ("customer", None), ("touchpoint", "in_person"), ("touchpoint", "phone"),
        ("touchpoint", "chat_email"), ("touchpoint", "app_web"),
    ]  # fmt: skip
    assert all(len(link.key) >= 16 and re.fullmatch(r"[A-Za-z0-9_-]+", link.key) for link in first)
    assert ensure_links(any_site.store, any_site.location) == first  # created on demand, once
    extra = create_link(any_site.store, any_site.location, "touchpoint", "phone")
    revoke_link(any_site.store, extra.key)
    assert extra.key not in {link.key for link in links_of_unit(any_site.store, any_site.location)}
    with public(any_site) as client:
        assert client.get(f"/r/{extra.key}").status_code == 404


def test_managers_see_the_links_of_their_subtree_only(site: LiveWeb) -> None:
    callers = Callers.of(site)
    manager = callers.session("unit-manager")
    page = manager.get(f"/units/{site.location}/survey-links")
    assert page.status_code == 200, page.text[:500]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    made = manager.post(f"/units/{site.location}/survey-links", data={"csrf_token": token.group(1)})
    assert made.status_code == 303
    page = manager.get(f"/units/{site.location}/survey-links")
    keys = [link.key for link in links_of_unit(site.store, site.location)]
    assert len(keys) == 5 and all(f"/r/{key}" in page.text for key in keys)
    assert page.text.count("<svg") == 5 and page.text.count('class="poster card"') == 5
    for role in ("regional-manager", "executive", "analyst"):
        assert callers.session(role).get(f"/units/{site.location}/survey-links").status_code == 200
    assert manager.get(f"/units/{site.other_location}/survey-links").status_code == 404
    assert manager.get("/units/NOPE/survey-links").status_code == 404
    refused = manager.post(f"/units/{site.location}/survey-links", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert callers.session("employee").get(f"/units/{site.location}/survey-links").status_code == 403
    with public(site) as anonymous:
        assert anonymous.get(f"/units/{site.location}/survey-links").status_code == 303  # to the login page
        assert anonymous.get(f"/survey-links/{keys[0]}.png").status_code == 303


def test_renewing_revokes_the_old_links(site: LiveWeb) -> None:
    callers = Callers.of(site)
    manager = callers.session("unit-manager")
    old = {link.key for link in ensure_links(site.store, site.location)}
    page = manager.get(f"/units/{site.location}/survey-links")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    renewed = manager.post(f"/units/{site.location}/survey-links",
                           data={"csrf_token": token.group(1), "renew": "1"})  # fmt: skip
    assert renewed.status_code == 303
    new = {link.key for link in links_of_unit(site.store, site.location)}
    assert len(new) == 5 and not new & old
    with public(site) as client:
        assert client.get(f"/r/{next(iter(old))}").status_code == 404
        assert client.get(f"/r/{next(iter(new))}").status_code == 200


def test_the_api_lists_the_urls_within_the_callers_units(any_site: LiveWeb) -> None:
    links = ensure_links(any_site.store, any_site.location)
    with any_site.api("unit-manager") as client:
        answer = client.get(f"{any_site.url}/api/v1/units/{any_site.location}/survey-links?lang=en")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["unit"] == any_site.location
        assert [item["url"] for item in body["items"]] == [f"{any_site.url}/r/{link.key}" for link in links]
        assert body["items"][1]["channel_name"] == "In person"
        hidden = client.get(f"{any_site.url}/api/v1/units/{any_site.other_location}/survey-links")
        assert hidden.status_code == 404 and hidden.json()["error"]["status"] == 404
    with any_site.api("employee") as client:
        assert client.get(f"{any_site.url}/api/v1/units/{any_site.location}/survey-links").status_code == 403


def _modules(png: bytes, scale: int, border: int) -> list[list[bool]]:
    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width // scale - 2 * border
    return [[image.getpixel(((border + x) * scale + scale // 2, (border + y) * scale + scale // 2)) < 128
             for x in range(size)] for y in range(size)]  # fmt: skip


def test_the_qr_images_encode_the_link(site: LiveWeb) -> None:
    link = link_of(site, "touchpoint", "in_person")
    url = f"{site.url}/r/{link.key}"
    manager = Callers.of(site).session("unit-manager")
    png = manager.get(f"/survey-links/{link.key}.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    expected = segno.make(url, error="m")
    assert Image.open(io.BytesIO(png.content)).size == (expected.symbol_size(scale=10, border=4))
    assert _modules(png.content, 10, 4) == [[bool(bit) for bit in row] for row in expected.matrix]
    svg = manager.get(f"/survey-links/{link.key}.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content and url.encode() in svg.content  # the title carries the URL
    other = ensure_links(site.store, site.other_location)[0]
    assert manager.get(f"/survey-links/{other.key}.png").status_code == 404
    assert Callers.of(site).session("executive").get(f"/survey-links/{other.key}.svg").status_code == 200


# --- the public survey pages ------------------------------------------------------------------------


def test_a_touchpoint_form_sent_twice_is_stored_once(any_site: LiveWeb) -> None:
    link = link_of(any_site, "touchpoint", "phone")
    before = count_site_rows(any_site, schema.touchpoint_response)
    with public(any_site) as client:
        page = client.get(f"/r/{link.key}")
        assert page.status_code == 200 and "set-cookie" not in page.headers
        assert (
            page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
        )
        assert "Hoe tevreden bent u over dit contact?" in page.text and 'id="progress"' in page.text
        form = {"nonce": nonce_of(page.text), "answers.satisfaction": "4", "answers.ease": "6",
                "answers.valued": "na", "comment": "Snel geholpen", "contact": ""}  # fmt: skip
        first = client.post(f"/r/{link.key}", data=form)
        nonce = thanks_nonce(first, link)
        again = client.post(f"/r/{link.key}", data=form)
        assert again.headers["location"] == first.headers["location"]
        thanks = client.get(first.headers["location"])
    assert thanks.status_code == 200 and '<html lang="nl">' in thanks.text
    assert REWARD in thanks.text and reward_code(SECRET, nonce) in thanks.text
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", reward_code(SECRET, nonce))
    stored = rows(any_site, schema.touchpoint_response, f"0:r:{link.key}:{nonce}")
    assert len(stored) == 1 and count_site_rows(any_site, schema.touchpoint_response) == before + 1
    row = stored[0]
    assert (row.satisfaction, row.ease, row.valued, row.channel) == (4, 6, None, "phone")
    assert row.comment == "Snel geholpen"


def test_the_reward_code_shows_only_for_a_stored_answer(site: LiveWeb) -> None:
    link = link_of(site, "touchpoint", "in_person")
    with public(site) as client:
        nobody = client.get(f"/r/{link.key}/thanks/{'A' * 22}")
        assert nobody.status_code == 200 and REWARD not in nobody.text
        assert reward_code(SECRET, "A" * 22) not in nobody.text
        assert client.get(f"/r/{link.key}/thanks/..%2Fx").status_code == 404


def test_invalid_answers_come_back_with_a_message_per_question(site: LiveWeb) -> None:
    link = link_of(site, "touchpoint", "chat_email")
    before = count_site_rows(site, schema.touchpoint_response)
    with public(site) as client:
        page = client.get(f"/r/{link.key}?lang=en")
        assert "How satisfied are you with this interaction?" in page.text and "of 3 answered" in page.text
        form = {"nonce": nonce_of(page.text), "answers.ease": "9", "answers.valued": "2",
                "comment": "x" * 2001, "contact": "06 1234 5678"}  # fmt: skip
        answer = client.post(f"/r/{link.key}?lang=en", data=form)
    assert answer.status_code == 422
    text = answer.text
    assert (
        "is required" in text and "a whole number from 1 to 7" in text and "at most 2000 characters" in text
    )
    assert re.search(r'name="answers.valued" value="2" checked', text)  # answers kept
    assert 'value="06 1234 5678"' in text and nonce_of(text) == form["nonce"]
    assert count_site_rows(site, schema.touchpoint_response) == before


def test_a_forged_or_foreign_nonce_is_refused(site: LiveWeb) -> None:
    link = link_of(site, "touchpoint", "app_web")
    other = link_of(site, "touchpoint", "phone")
    before = count_site_rows(site, schema.touchpoint_response)
    with public(site) as client:
        foreign = nonce_of(client.get(f"/r/{other.key}").text)
        for nonce in ("forged", foreign, foreign[:-2] + ("AA" if not foreign.endswith("AA") else "BB")):
            answer = client.post(f"/r/{link.key}?lang=en", data={"nonce": nonce, "answers.satisfaction": "5"})
            assert answer.status_code == 400, nonce
            assert "expired" in answer.text and 'value="5" checked' in answer.text
            assert nonce_of(answer.text) != nonce  # a fresh form to send again
    assert count_site_rows(site, schema.touchpoint_response) == before


def test_unknown_and_revoked_links_answer_a_kind_404(site: LiveWeb) -> None:
    with public(site) as client:
        for path in ("/r/doesnotexist12345", "/r/x" + "y" * 60):
            page = client.get(path, headers={"Accept-Language": "en-GB,en;q=0.8"})
            assert page.status_code == 404 and "does not work" in page.text
            assert page.headers["referrer-policy"] == "no-referrer"
        assert client.post("/r/doesnotexist12345", data={"answers.satisfaction": "5"}).status_code == 404


def test_too_many_submissions_from_one_address_are_slowed_down(site: LiveWeb) -> None:
    link = create_link(site.store, site.location, "touchpoint", "in_person")
    with public(site) as client:
        statuses = [client.post(f"/r/{link.key}", data={"nonce": "x"}).status_code for _ in range(31)]
    assert statuses[:30] == [400] * 30 and statuses[30] == 429
    revoke_link(site.store, link.key)


def test_the_full_customer_survey_is_stored_with_not_applicable_as_missing(any_site: LiveWeb) -> None:
    link = link_of(any_site, "customer")
    with public(any_site) as client:
        page = client.get(f"/r/{link.key}?lang=en")
        assert page.text.count('class="question') == 12  # 11 items and the comment
        assert "0 = Very unlikely" in page.text and "10 = Very likely" in page.text
        answers = {"satisfaction": "5", "continue": "4", "recommend": "10", "confidence_promises": "5",
                   "confidence_competent": "na", "integrity_fair": "4", "integrity_fix": "4",
                   "pride_proud": "3", "pride_respect": "5", "passion_irreplaceable": "2",
                   "passion_fit": "4"}  # fmt: skip
        form = {"nonce": nonce_of(page.text), "comment": "Fijne winkel"}
        form |= {f"answers.{key}": value for key, value in answers.items()}
        nonce = thanks_nonce(client.post(f"/r/{link.key}?lang=en", data=form), link)
        thanks = client.get(f"/r/{link.key}/thanks/{nonce}?lang=en")
    assert "Thank you" in thanks.text and reward_code(SECRET, nonce) in thanks.text
    stored = rows(any_site, schema.customer_response, f"0:r:{link.key}:{nonce}")
    assert len(stored) == 1
    row = stored[0]
    assert (row.satisfaction, row.recommend, row.confidence_competent, row.passion_irreplaceable) == (
        5,
        10,
        None,
        2,
    )
    assert row.comment == "Fijne winkel"


@pytest.mark.skipif(not HAS_ALERTS, reason="the alert rules (collect/alerts.py) are not there yet")
def test_a_low_score_raises_an_alert_with_the_contact(site: LiveWeb) -> None:
    link = link_of(site, "touchpoint", "in_person")
    with public(site) as client:
        page = client.get(f"/r/{link.key}")
        form = {"nonce": nonce_of(page.text), "answers.satisfaction": "1", "answers.ease": "2",
                "comment": "Lang gewacht", "contact": "bel mij: 06 9999 0000"}  # fmt: skip
        nonce = thanks_nonce(client.post(f"/r/{link.key}", data=form), link)
    response = rows(site, schema.touchpoint_response, f"0:r:{link.key}:{nonce}")[0]
    alert = schema.alert
    with site.store.engine.connect() as connection:
        raised = connection.execute(sa.select(alert).where(alert.c.response_id == response.id,
                                                           alert.c.source == "touchpoint")).all()  # fmt: skip
    assert [row.rule for row in raised] == ["unhappy_touchpoint"]
    assert raised[0].contact == "bel mij: 06 9999 0000" and raised[0].unit_id == response.unit_id
    with site.store.engine.connect() as connection:
        journal = connection.execute(sa.select(schema.intake_receipt.c.payload).where(
            schema.intake_receipt.c.response_id == response.id)).scalar_one()  # fmt: skip
    assert "06 9999 0000" not in journal, "the contact is kept on the alert only"


# --- the command line -------------------------------------------------------------------------------


def test_the_command_line_creates_lists_draws_and_revokes(
    site_pg: LiveWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SERVICECHAIN_PUBLIC_URL", "https://enquete.example.nl/")
    db = site_pg.store.url

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli_app, ["--db", db, *args])

    made = run("survey-links", "create", "--unit", site_pg.team)
    assert made.exit_code == 0, (made.stdout, made.stderr)
    keys = [link.key for link in links_of_unit(site_pg.store, site_pg.team)]
    assert len(keys) == 5 and all(f"https://enquete.example.nl/r/{key}" in made.stdout for key in keys)
    listed = run("survey-links", "list", "--unit", site_pg.team)
    assert listed.exit_code == 0 and all(key in listed.stdout for key in keys)
    for suffix in ("png", "svg"):
        out = tmp_path / f"qr.{suffix}"
        drawn = run("survey-links", "qr", keys[0], "--out", str(out))
        assert drawn.exit_code == 0, drawn.stderr
        assert out.read_bytes().startswith(b"\x89PNG" if suffix == "png" else b"<?xml")
    image = Image.open(tmp_path / "qr.png")
    expected = segno.make(f"https://enquete.example.nl/r/{keys[0]}", error="m")
    assert _modules((tmp_path / "qr.png").read_bytes(), 10, 4) == [
        [bool(b) for b in r] for r in expected.matrix
    ]
    assert image.size == expected.symbol_size(scale=10, border=4)
    bad = run("survey-links", "qr", keys[0], "--out", str(tmp_path / "qr.gif"))
    assert bad.exit_code == 2 and ".png or .svg" in bad.stderr
    revoked = run("survey-links", "revoke", keys[0])
    assert revoked.exit_code == 0 and keys[0] not in {
        link.key for link in links_of_unit(site_pg.store, site_pg.team)
    }
    again = run("survey-links", "revoke", keys[0])
    assert again.exit_code == 2 and "no active survey link" in again.stderr
    unknown = run("survey-links", "create", "--unit", "NOPE")
    assert unknown.exit_code == 2 and "unknown unit" in unknown.stderr
    renewed = run("survey-links", "create", "--unit", site_pg.team, "--renew")
    assert renewed.exit_code == 0 and not set(keys) & {
        link.key for link in links_of_unit(site_pg.store, site_pg.team)
    }


def test_a_huge_form_is_refused_before_it_is_read(site: LiveWeb) -> None:
    link = link_of(site, "touchpoint", "in_person")
    before = count_site_rows(site, schema.touchpoint_response)
    with public(site) as client:
        nonce = nonce_of(client.get(f"/r/{link.key}").text)
        form = {"nonce": nonce, "answers.satisfaction": "5", "comment": "x" * 70_000}
        assert client.post(f"/r/{link.key}", data=form).status_code == 413
    assert count_site_rows(site, schema.touchpoint_response) == before
