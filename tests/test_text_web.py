"""What people write (issue 8) on the unit page, the overview, the report and ``/api/v1``, over real
HTTP on the live demo server (DuckDB and PostgreSQL): each unit's numbers are the snapshot's
``text`` document, a manager sees only their subtree, employees see none, and employee comments
of a group below the comment threshold never reach a page or the API, not even as a count."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from web_helpers import Callers, all_pages, subtree, units_frame
from web_support import LiveWeb, serve_demo

from servicechain.analysis.snapshot import latest_snapshot, read_document, refresh
from servicechain.analysis.text_report import link_word, report_texts
from servicechain.analysis.units import read_units
from servicechain.report.html import render_html, text_bar
from servicechain.settings import Settings
from servicechain.store import Store, schema
from servicechain.web.i18n import Formats

RECENT = "recent"


@pytest.fixture(params=["duckdb", "postgresql"])
def web(request: pytest.FixtureRequest) -> LiveWeb:
    return request.getfixturevalue("live_web" if request.param == "duckdb" else "live_web_pg")  # type: ignore[no-any-return]


def text_document(store: Store) -> dict[str, Any]:
    """The newest snapshot's ``text`` document, as the server reads it."""
    info = latest_snapshot(store)
    assert info is not None
    return read_document(store, info.id, "text")  # type: ignore[no-any-return]


def unit_id(web: LiveWeb, code: str) -> int:
    return int(units_frame(web).at[code, "unit_id"])


def rows(document: dict[str, Any], key: str, unit: int, **where: str) -> list[dict[str, Any]]:
    return [r for r in document[key] if r["unit_id"] == unit and all(r[k] == v for k, v in where.items())]


def employer_row(document: dict[str, Any], unit: int) -> dict[str, Any]:
    return next(r for r in document["employer"]["rows"] if r["unit_id"] == unit and r["period"] == RECENT)


def aspect_keys(html: str, group: str) -> list[str]:
    """The aspects of the ``aspects-GROUP`` table of a page, in order."""
    table = re.search(rf'<table class="aspects" id="aspects-{group}">(.*?)</table>', html, re.S)
    return re.findall(r'data-aspect="([^"]+)"', table.group(1)) if table else []


def section(html: str) -> str:
    """The page's ``texts`` section."""
    found = re.search(r'<section class="card texts" id="texts">(.*?)</section>', html, re.S)
    assert found, "no texts section on the page"
    return found.group(1)


# --------------------------------------------------------------------------- the unit page


def test_the_unit_page_shows_what_people_write_about_the_managers_location(web: LiveWeb) -> None:
    callers = Callers.of(web)
    manager = callers.session("unit-manager")
    document = text_document(web.store)
    mine = unit_id(web, web.location)
    page = callers.clone("unit-manager").get(f"/units/{web.location}", params={"lang": "nl"})
    assert page.status_code == 200, page.text[:300]
    texts = section(page.text)
    assert "Wat er over deze locatie geschreven wordt" in texts
    expected = [r["aspect"] for r in rows(document, "aspect_rows", mine, group="customer", period=RECENT)]
    assert expected, "the demo location has customer aspects"
    assert sorted(aspect_keys(texts, "customer")) == sorted(expected)
    order = [a for a in document["aspects"] if a in expected]
    assert aspect_keys(texts, "customer") == order, "the taxonomy's order"
    for quote in rows(document, "quotes", mine, group="customer", period=RECENT):
        assert quote["text"] in unescape(texts)
    summary = rows(document, "summary", mine, group="customer", period=RECENT)[0]
    assert f"{summary['texts']} teksten" in texts
    assert 'id="chart-text-trend"' in texts
    english = callers.clone("unit-manager").get(f"/units/{web.location}", params={"lang": "en"})
    assert "What people write about this location" in section(english.text)
    assert manager.get(f"/units/{web.other_location}").status_code == 404
    assert callers.session("regional-manager").get(f"/units/{web.other_location}").status_code == 404
    assert callers.session("employee").get(f"/units/{web.team}").status_code == 403


def test_the_region_page_shows_what_people_write_in_the_region(web: LiveWeb) -> None:
    """The regional manager's own page has the region's texts: its customers' aspects and summary
    over the newest four quarters, as the document has them for the region."""
    document = text_document(web.store)
    region = unit_id(web, web.region)
    page = Callers.of(web).clone("regional-manager").get(f"/regions/{web.region}", params={"lang": "en"})
    assert page.status_code == 200, page.text[:300]
    texts = section(page.text)
    assert "What people write" in texts and "about this location" not in texts
    expected = [r["aspect"] for r in rows(document, "aspect_rows", region, group="customer", period=RECENT)]
    assert expected and sorted(aspect_keys(texts, "customer")) == sorted(expected)
    summary = rows(document, "summary", region, group="customer", period=RECENT)[0]
    assert f"{summary['texts']:,} texts" in texts


def test_aspect_bars_greyed_and_flagged_as_the_document_says(web: LiveWeb) -> None:
    document = text_document(web.store)
    page = Callers.of(web).session("executive").get(f"/units/{web.location}")
    texts = section(page.text)
    for row in rows(document, "aspect_rows", unit_id(web, web.location), group="customer", period=RECENT):
        cells = re.search(rf'<tr class="aspect( few)?" data-aspect="{row["aspect"]}">(.*?)</tr>', texts, re.S)
        assert cells, row["aspect"]
        assert bool(cells.group(1)) == row["few"]
        bar = text_bar(row)
        assert f"width: {bar['share']}%" in cells.group(2)
        assert f'class="bar {bar["tone"]}"' in cells.group(2)
        sentiment = cells.group(2).split("track sentiment")[1]
        flags = re.findall(r'class="flag (above|below)"', sentiment)
        shown = row["mean_flag"] in ("above", "below") and not row["few"]
        assert flags == ([row["mean_flag"]] if shown else [])


def test_employee_comments_are_shown_only_where_the_document_shows_them(web: LiveWeb) -> None:
    """Per location, the employee block holds the newest quarter's aspects and quotes when its summary
    row is shown, the reason when it is hidden, never both."""
    document = text_document(web.store)
    executive = Callers.of(web).clone("executive")
    executive.get("/me", params={"lang": "nl"})  # Dutch from here on, in this client only
    units = read_units(web.store)
    seen = set()
    for unit, code in zip(units["unit_id"], units["unit_code"], strict=True):
        if units.loc[units["unit_id"] == unit, "level"].iloc[0] != "location":
            continue
        mine = rows(document, "summary", int(unit), group="employee")
        if not mine:
            continue
        newest = max(mine, key=lambda r: r["period"])
        texts = section(executive.get(f"/units/{code}").text)
        block = texts.split('id="texts-employee"')[1].split('id="texts-employer"')[0]
        if newest.get("suppressed_reason"):
            seen.add("hidden")
            assert 'id="employee-hidden"' in block
            assert "respondenten" in block
            assert aspect_keys(block, "employee") == [] and 'id="quotes-employee"' not in block
        else:
            seen.add("shown")
            assert 'id="employee-hidden"' not in block
            assert newest["period"] in block
            expected = rows(document, "aspect_rows", int(unit), group="employee", period=newest["period"])
            assert sorted(aspect_keys(block, "employee")) == sorted(r["aspect"] for r in expected)
    assert seen == {"hidden", "shown"}, "the demo has locations of both kinds"


# --------------------------------------------------------------------------- the overview


def test_the_overview_shows_the_company_barometer_and_region_themes(web: LiveWeb) -> None:
    callers = Callers.of(web)
    document = text_document(web.store)
    root = int(read_units(web.store).query("parent_id.isna()")["unit_id"].iloc[0])
    page = callers.clone("executive").get("/overview", params={"lang": "en"})
    assert page.status_code == 200
    texts = section(page.text)
    expected = [r["aspect"] for r in rows(document, "aspect_rows", root, group="customer", period=RECENT)]
    assert sorted(aspect_keys(texts, "customer")) == sorted(expected)
    barometer = employer_row(document, root)
    assert 'id="barometer"' in texts and Formats("en").number(barometer["rating"], 2) in texts
    correlation = document["employer"]["correlation"]
    assert correlation is not None, "the demo has employer reviews at every location"
    number = Formats("en").number
    sentence = (
        f"Across {correlation['units']} locations, employer-review ratings and survey engagement go "
        f"together: r = {number(correlation['pearson'], 2)} (95% interval {number(correlation['low'], 2)} "
        f"to {number(correlation['high'], 2)})."
    )
    assert link_word(correlation) == "together"
    assert sentence in unescape(texts)
    regions = units_frame(web).query("level == 'region'")
    for code, unit in zip(regions["unit_code"], regions["unit_id"], strict=True):
        over = [t["term"] for t in rows(document, "themes", unit, group="customer", direction="over")][:3]
        if over:
            listed = re.search(rf'<li><a href="/regions/{code}">.*?</li>', texts, re.S)
            assert listed and re.findall(r'class="theme over"[^>]*>([^<]+)<', listed.group(0)) == over
    dutch = callers.clone("executive").get("/overview", params={"lang": "nl"}).text
    assert "Over " in section(dutch) and "gaan het cijfer in werkgeversreviews" in section(dutch)
    assert callers.session("unit-manager").get("/overview").status_code == 403


# --------------------------------------------------------------------------- the API


def test_api_unit_texts_is_the_document_of_the_callers_unit(web: LiveWeb) -> None:
    callers = Callers.of(web)
    document = text_document(web.store)
    mine = unit_id(web, web.location)
    answer = callers.token("unit-manager").get(f"/api/v1/units/{web.location}/texts", params={"lang": "en"})
    assert answer.status_code == 200, answer.text[:300]
    body = answer.json()
    assert set(body) == {"unit", "period", "recent", "texts", "comment_threshold", "customer", "employee",
                         "employer", "trend"}  # fmt: skip
    assert body["unit"]["code"] == web.location and body["period"] == RECENT
    assert body["recent"] == document["recent"] and body["comment_threshold"] >= 10
    customer = body["customer"]
    expected = rows(document, "aspect_rows", mine, group="customer", period=RECENT)
    assert {a["aspect"]: (a["share"], a["mean"]) for a in customer["aspects"]} == {
        r["aspect"]: (r["share"], r["mean"]) for r in expected
    }
    assert all(a["label"] == document["aspects"][a["aspect"]]["en"] for a in customer["aspects"])
    summary = rows(document, "summary", mine, group="customer", period=RECENT)[0]
    assert customer["summary"]["mean"] == summary["mean"] and customer["summary"]["texts"] == summary["texts"]
    quotes = rows(document, "quotes", mine, group="customer", period=RECENT)
    assert sorted(q["text"] for tone in ("positive", "negative") for q in customer["quotes"][tone]) == sorted(
        q["text"] for q in quotes
    )
    over = rows(document, "themes", mine, group="customer", period=RECENT, direction="over")
    assert [t["term"] for t in customer["themes"]["over"]] == [t["term"] for t in over]
    assert body["employer"]["barometer"]["rating"] == employer_row(document, mine)["rating"]
    assert [p["period"] for p in body["trend"]["customer"]] == document["periods"]
    employee = body["employee"]
    newest = max(rows(document, "summary", mine, group="employee"), key=lambda r: r["period"])
    assert employee["period"] == newest["period"]
    if newest.get("suppressed_reason"):
        assert employee["hidden"] and employee["summary"] is None and employee["aspects"] == []
    else:
        assert employee["hidden"] is None and employee["summary"]["texts"] == newest["texts"]
    route, before = f"/api/v1/units/{web.location}/texts", document["periods"][-2]
    quarter = callers.token("unit-manager").get(route, params={"period": before}).json()
    assert quarter["customer"]["period"] == quarter["employee"]["period"] == before
    assert quarter["customer"]["quotes"] == {"positive": [], "negative": []}, "quotes: the window only"
    assert callers.token("unit-manager").get(route, params={"period": "last"}).status_code == 422


def test_api_texts_are_scoped_like_the_unit_routes(web: LiveWeb) -> None:
    callers = Callers.of(web)
    for role, top in (("unit-manager", web.location), ("regional-manager", web.region)):
        client = callers.token(role)
        assert client.get(f"/api/v1/units/{web.other_location}/texts").status_code == 404
        assert client.get("/api/v1/units/X-NOPE/texts").status_code == 404
        listed = all_pages(client, "/api/v1/texts", per_page=3)
        assert {item["unit"]["code"] for item in listed} == subtree(web, top)
    assert callers.token("executive").get(f"/api/v1/units/{web.other_location}/texts").status_code == 200
    everything = all_pages(callers.token("analyst"), "/api/v1/texts", per_page=50)
    assert {item["unit"]["code"] for item in everything} == set(units_frame(web).index)
    for role in ("employee",):
        assert callers.token(role).get("/api/v1/texts").status_code == 403
        assert callers.token(role).get(f"/api/v1/units/{web.team}/texts").status_code == 403
    anonymous = httpx.Client(base_url=web.url)
    assert anonymous.get("/api/v1/texts").status_code == 401
    anonymous.close()


def test_api_texts_list_holds_summaries_and_aspects_only(web: LiveWeb) -> None:
    client = Callers.of(web).token("analyst")
    first = client.get("/api/v1/texts", params={"level": "location", "per_page": 2, "lang": "nl"})
    assert first.status_code == 200
    body = first.json()
    locations = units_frame(web).query("level == 'location'")
    assert body["total"] == len(locations) and len(body["items"]) == 2 and body["next"]
    assert body["company"]["unit"]["level"] == "company"
    for item in [*body["items"], body["company"]]:
        assert set(item["customer"]) == {"period", "summary", "aspects"}
        assert set(item["employer"]) == {"period", "summary", "aspects", "barometer"}
        assert set(item["employee"]) == {"period", "hidden", "hidden_text", "summary", "aspects"}
        assert "trend" not in item
        assert all(a["label"] for a in item["customer"]["aspects"])


# --------------------------------------------------------------------------- the report


def test_the_report_shows_the_company_aspects_barometer_and_themes(live_web: LiveWeb) -> None:
    info = latest_snapshot(live_web.store)
    assert info is not None
    document = text_document(live_web.store)
    for language in ("nl", "en"):
        report = read_document(live_web.store, info.id, f"report:{language}")
        texts = report["texts"]
        assert texts == report_texts(document, read_units(live_web.store), language)
        assert [r["aspect"] for r in texts["customer"]]
        assert texts["link"] == "together" and texts["employer"]["n"] > 0
        html = unescape(render_html(report))
        assert 'id="texts"' in html
        for row in texts["customer"]:
            assert row["label"] in html
        sentence = {"nl": "gaan het cijfer in werkgeversreviews", "en": "employer-review ratings and survey"}
        assert sentence[language] in html
        for unit in texts["themes"]:
            assert unit["unit_name"] in html
    empty = render_html({"language": "en", "texts": {}})
    assert 'id="texts"' in empty and "No data available." in empty


def test_link_words_and_bars() -> None:
    assert link_word(None) is None
    assert link_word({"pearson": 0.6, "low": 0.2, "high": 0.8}) == "together"
    assert link_word({"pearson": -0.6, "low": -0.8, "high": -0.2}) == "opposite"
    assert link_word({"pearson": 0.1, "low": -0.3, "high": 0.5}) == "unclear"
    bar = text_bar({"share": 0.25, "mean": -0.5, "ci_low": -1.4, "ci_high": 0.2, "few": False})
    assert bar == {"share": 25.0, "tone": "negative", "left": 25.0, "width": 25.0, "low": 0.0, "span": 60.0}
    few = text_bar({"share": 0.1, "mean": 0.3, "ci_low": None, "ci_high": None, "few": True})
    assert few["tone"] == "few" and few["low"] is None


# --------------------------------------------------------------------------- hidden comments

HIDDEN = "geheimzegel"
"""A word planted in every comment of a location below the comment threshold."""
SHOWN = "zichtbaarzegel"
"""A word planted in every comment of a location above it."""
COMMENTS = ("Fijne collega's, geweldig team, echt top {word} {number}!",
            "De werkdruk is veel te hoog en de leiding luistert niet {word} {number}.")  # fmt: skip


def _respondents(store: Store, period: str) -> dict[str, list[int]]:
    """Per location code: the ids of its subtree's employee responses of ``period`` (closed waves)."""
    units = read_units(store)
    response, wave = schema.employee_response, schema.survey_wave
    query = (
        sa.select(response.c.id, response.c.unit_id)
        .join(wave, wave.c.id == response.c.wave_id)
        .where(wave.c.period == period, wave.c.status != "open")
    )
    with store.engine.connect() as connection:
        found = connection.execute(query).all()
    paths = dict(zip(units["unit_id"].astype(int), units["path"], strict=True))
    out: dict[str, list[int]] = {}
    for code, path in zip(units["unit_code"], units["path"], strict=True):
        if units.loc[units["unit_code"] == code, "level"].iloc[0] == "location":
            out[code] = [int(i) for i, u in found if paths[int(u)].startswith(path)]
    return out


@dataclass
class Planted:
    """A served demo whose newest employee quarter has a location below the comment threshold."""

    web: LiveWeb
    period: str
    small: str
    """The location with 6 respondents, every comment of theirs saying ``HIDDEN``."""
    big: str
    """A location with the most respondents, every comment saying ``SHOWN``."""


def newest_wave_period(store: Store) -> str:
    wave = schema.survey_wave
    query = sa.select(sa.func.max(wave.c.period)).where(wave.c.status != "open", wave.c.period.is_not(None))
    with store.engine.connect() as connection:
        return str(connection.execute(query).scalar_one())


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def planted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planted]:
    """A demo server of its own, changed in its newest employee quarter and computed again."""
    from conftest import fresh_store

    folder = tmp_path_factory.mktemp("texts")
    with fresh_store(request, request.param, folder) as store, serve_demo(store) as web:
        period = newest_wave_period(store)
        counts = _respondents(store, period)
        small = min(counts, key=lambda c: (len(counts[c]), c))
        big = max(counts, key=lambda c: (len(counts[c]), c))
        assert len(counts[big]) >= 20, "the demo has a location well above the comment threshold"
        response = schema.employee_response
        with store.transaction() as connection:
            if counts[small][6:]:  # the smallest location, cut to 6 respondents
                connection.execute(response.delete().where(response.c.id.in_(counts[small][6:])))
            for word, ids in ((HIDDEN, counts[small][:6]), (SHOWN, counts[big])):
                for number, rid in enumerate(ids):
                    comment = COMMENTS[number % 2].format(word=word, number=number)
                    connection.execute(response.update().where(response.c.id == rid).values(comment=comment))
        refresh(store, settings=Settings(database_url=store.url, secret_key="x" * 40, language="nl"))
        yield Planted(web, period, small, big)


def test_comments_of_a_location_below_the_threshold_never_appear(planted: Planted) -> None:
    web, small, big, newest = planted.web, planted.small, planted.big, planted.period
    callers = Callers.of(web)
    document = text_document(web.store)
    hidden = rows(document, "summary", unit_id(web, small), group="employee", period=newest)
    assert hidden and hidden[0]["suppressed_reason"] == "too_few" and hidden[0]["respondents"] is None
    client, api = callers.session("executive"), callers.token("executive")
    below = sorted(subtree(web, small))
    for code in below:
        for language in ("nl", "en"):
            page = callers.clone("executive").get(f"/units/{code}", params={"lang": language})
            assert page.status_code == 200
            assert HIDDEN not in page.text, f"/units/{code}: a hidden comment on the page"
        body = api.get(f"/api/v1/units/{code}/texts").text
        assert HIDDEN not in body, f"/api/v1/units/{code}/texts: a hidden comment"
    page = section(callers.clone("executive").get(f"/units/{small}", params={"lang": "nl"}).text)
    assert "Minder dan 10 respondenten: opmerkingen worden niet getoond." in page
    data = api.get(f"/api/v1/units/{small}/texts", params={"lang": "en"}).json()
    assert data["employee"] == {
        "period": newest, "hidden": "too_few", "summary": None, "aspects": [],
        "hidden_text": "Fewer than 10 respondents: comments are not shown.",
        "themes": {"over": [], "under": []}, "quotes": {"positive": [], "negative": []},
    }  # fmt: skip
    listed = {item["unit"]["code"]: item for item in all_pages(api, "/api/v1/texts", per_page=100)}
    assert listed[small]["employee"]["hidden"] == "too_few" and listed[small]["employee"]["summary"] is None
    assert all(HIDDEN not in str(listed[code]) for code in below)
    # the control: the large location's comments are shown, counted and quoted
    shown = api.get(f"/api/v1/units/{big}/texts").json()["employee"]
    assert shown["hidden"] is None and shown["period"] == newest
    assert shown["summary"]["texts"] >= 10
    quoted = [q["text"] for tone in ("positive", "negative") for q in shown["quotes"][tone]]
    assert quoted and all(SHOWN in q for q in quoted)
    assert SHOWN in client.get(f"/units/{big}").text
