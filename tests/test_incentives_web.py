"""The incentives page, ``/api/v1/incentives`` and the HR export over real HTTP on the live demo server,
on DuckDB and PostgreSQL: scoping per role, the numbers of the domain module, the audited export."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from web_helpers import Callers
from web_support import LiveWeb

from servicechain.accounts.audit import entries
from servicechain.act.incentive_rules import load_rules
from servicechain.act.incentive_texts import explain
from servicechain.act.incentives import evaluate
from servicechain.analysis.units import read_units


@pytest.fixture(params=["duckdb", "postgresql"])
def web(request: pytest.FixtureRequest) -> LiveWeb:
    return request.getfixturevalue("live_web" if request.param == "duckdb" else "live_web_pg")  # type: ignore[no-any-return]


class Rows(HTMLParser):
    """The ``verdict-CODE`` rows of the page: code -> (outcome, text of the explanation cell)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, tuple[str, str]] = {}
        self._code: str | None = None
        self._why = False
        self._outcome = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and (found.get("id") or "").startswith("verdict-"):
            self._code, self._outcome = str(found["id"])[8:], str(found.get("data-outcome"))
            self.rows[self._code] = (self._outcome, "")
        self._why = tag == "td" and found.get("class") == "why" and self._code is not None

    def handle_data(self, data: str) -> None:
        if self._why and self._code is not None:
            self.rows[self._code] = (self._outcome, self.rows[self._code][1] + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._why = False


def rows_of(html: str) -> dict[str, tuple[str, str]]:
    parser = Rows()
    parser.feed(html)
    return parser.rows


def locations(web: LiveWeb, under: str | None = None) -> set[str]:
    units = read_units(web.store)
    chosen = units[units["level"] == "location"]
    if under is not None:
        path = units.loc[units["unit_code"] == under, "path"].iloc[0]
        chosen = chosen[chosen["path"].str.startswith(path)]
    return set(chosen["unit_code"])


def test_the_page_shows_each_role_its_subtree(web: LiveWeb) -> None:
    callers = Callers.of(web)
    expected = {
        "analyst": locations(web),
        "executive": locations(web),
        "regional-manager": locations(web, web.region),
        "unit-manager": {web.location},
    }
    newest = evaluate(web.store, load_rules()[0])
    verdicts = {v.unit_code: v for v in newest.verdicts}
    for role, codes in expected.items():
        page = callers.clone(role).get("/incentives", params={"lang": "en"})
        assert page.status_code == 200, page.text[:300]
        shown = rows_of(page.text)
        assert set(shown) == codes, role
        for code, (outcome, why) in shown.items():
            assert outcome == verdicts[code].outcome
            assert why.startswith(verdicts[code].unit_name)
            assert "interval" in why or "not assessed" in why
        assert ('id="export"' in page.text) == (role in ("analyst", "executive")), role
        assert 'id="rule-promotion_ce"' in page.text and 'id="rule-bonus_service"' in page.text
    assert callers.session("employee").get("/incentives").status_code == 403


def test_the_api_gives_every_rule_with_reasons(web: LiveWeb) -> None:
    rules = load_rules()
    period = evaluate(web.store, rules[0]).periods[0]
    with web.api("analyst") as analyst, web.api("unit-manager") as manager:
        body = analyst.get("/api/v1/incentives", params={"period": period, "lang": "en"}).json()
        assert [item["rule"]["key"] for item in body["rules"]] == [rule.key for rule in rules]
        for item, rule in zip(body["rules"], rules, strict=True):
            expected = evaluate(web.store, rule, period)
            assert item["period"] == period and item["reference"] == pytest.approx(expected.reference)
            assert [u["unit_code"] for u in item["units"]] == [v.unit_code for v in expected.verdicts]
            for unit, verdict in zip(item["units"], expected.verdicts, strict=True):
                assert unit["outcome"] == verdict.outcome and unit["shrunk"] == pytest.approx(verdict.shrunk)
                assert unit["explanation"].startswith(verdict.unit_name)
                assert unit["manager"] and unit["manager_last_name"]
            assert sum(item["counts"].values()) == len(item["units"])
        dutch = analyst.get("/api/v1/incentives", params={"rule": "promotion_ce", "lang": "nl"}).json()
        judged = [u for u in dutch["rules"][0]["units"] if u["outcome"] != "not_assessed"]
        assert judged and all(re.search(r"\d,\d\d", u["explanation"]) for u in judged), "decimal commas"
        mine = manager.get("/api/v1/incentives", params={"rule": "promotion_ce"}).json()
        assert [u["unit_code"] for u in mine["rules"][0]["units"]] == [web.location]
        assert mine["rules"][0]["reference"] == pytest.approx(dutch["rules"][0]["reference"])


def test_femke_scripts_the_monthly_hr_export(web: LiveWeb) -> None:
    """The analyst's script: the CSV of every rule for a period, through the API with a token; audited."""
    rules = load_rules()
    period = evaluate(web.store, rules[0]).period  # the newest ended quarter (others may collect in this one)
    with web.api("analyst") as analyst:
        answer = analyst.get("/api/v1/incentives/export", params={"period": period, "lang": "en"})
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"].startswith("text/csv")
    assert f'filename="incentives-{period}.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    expected = [
        (rule.key, v.unit_code, v.outcome)
        for rule in rules
        for v in evaluate(web.store, rule, period).verdicts
    ]
    assert [(row["rule"], row["unit_code"], row["outcome"]) for row in rows] == expected
    bonus = [row for row in rows if row["rule"] == "bonus_service" and row["outcome"] != "not_assessed"]
    assert bonus and all(0 <= float(row["payout_share"]) <= 0.3334 for row in bonus)
    assert all(row["explanation"] and row["manager_code"] for row in rows)
    logged = entries(web.store, action="incentives_exported", limit=20)
    assert any(
        entry["email"] == web.accounts["analyst"].email
        and f"period {period} rows {len(rows)}" in str(entry["detail"])
        for entry in logged
    )
    with web.api("regional-manager") as manager:
        assert manager.get("/api/v1/incentives/export").status_code == 403


def test_bad_input_names_the_field(web: LiveWeb) -> None:
    callers = Callers.of(web)
    with web.api("analyst") as analyst:
        unknown = analyst.get("/api/v1/incentives", params={"rule": "lottery", "lang": "en"})
        assert unknown.status_code == 422
        assert unknown.json()["error"]["message"] == (
            "There is no incentive rule lottery: choose one of promotion_ce, bonus_service."
        )
        early = analyst.get("/api/v1/incentives/export", params={"period": "1999-Q1", "lang": "en"})
        assert early.status_code == 422 and "for period 1999-Q1; periods with results" in early.text
        assert analyst.get("/api/v1/incentives", params={"period": "x" * 40}).status_code == 422
    page = callers.clone("unit-manager").get("/incentives", params={"period": "1999-Q1", "lang": "en"})
    assert page.status_code == 400 and 'id="incentive-error"' in page.text
    assert "periods with results" in page.text


def test_one_persons_outcome_and_nothing_outside_the_subtree(web: LiveWeb) -> None:
    """``unit=`` narrows the page and the API to one unit (its manager): a regional manager gets their
    own region's stores, and a store in another region is a 404 like an unknown one; employees 403."""
    callers = Callers.of(web)
    promotion = load_rules()[0]
    newest = evaluate(web.store, promotion)
    mine = next(v for v in newest.verdicts if v.unit_code == web.location)
    regional = callers.clone("regional-manager")
    page = regional.get("/incentives", params={"unit": web.location, "lang": "en"})
    assert page.status_code == 200, page.text[:300]
    assert list(rows_of(page.text)) == [web.location] and 'id="all-units"' in page.text
    assert rows_of(page.text)[web.location][0] == mine.outcome
    for code in (web.other_location, web.other_region, "NOPE"):
        hidden = regional.get("/incentives", params={"unit": code, "lang": "en"})
        assert hidden.status_code == 404 and f"There is no unit {code} among your units." in hidden.text
    region = callers.clone("analyst").get("/incentives", params={"unit": web.region})
    assert set(rows_of(region.text)) == locations(web, web.region)
    with web.api("regional-manager") as manager, web.api("employee") as employee:
        body = manager.get("/api/v1/incentives", params={"unit": web.location, "lang": "en"}).json()
        (item,) = [one for one in body["rules"] if one["rule"]["key"] == promotion.key]
        (unit,) = item["units"]
        assert unit["unit_code"] == web.location and unit["explanation"] == explain(mine, newest)
        assert item["period_ended"] is True and item["previous_period"] == newest.previous_period
        assert unit["previous"]["period"] == newest.previous_period and isinstance(unit["changed"], bool)
        assert item["snapshot_id"] == newest.snapshot_id
        outside = manager.get("/api/v1/incentives", params={"unit": web.other_location})
        assert outside.status_code == 404
        assert employee.get("/api/v1/incentives").status_code == 403
    assert callers.session("employee").get("/incentives").status_code == 403


def test_the_page_marks_a_changed_outcome_and_a_running_quarter(web: LiveWeb) -> None:
    promotion = load_rules()[0]
    newest = evaluate(web.store, promotion)
    running = [period for period in newest.periods if period > newest.period]
    page = callers_page(web, {"rule": promotion.key, "period": newest.period})
    assert 'id="provisional"' not in page
    changed = {v.unit_code for v in newest.verdicts if v.changed}
    assert changed == set(re.findall(r'id="verdict-([^"]+)"[^>]*data-changed="true"', page))
    before = [v for v in newest.verdicts if v.previous is not None]
    assert before and all(
        f'{v.previous.period}: <span class="badge {v.previous.outcome}">' in page  # type: ignore[union-attr]
        for v in before
    ), "the period before, per unit"
    if running:  # the demo collects in the current quarter: shown, but provisional
        later = callers_page(web, {"rule": promotion.key, "period": running[-1]})
        assert 'id="provisional"' in later and "has not ended yet" in later


def callers_page(web: LiveWeb, params: dict[str, str]) -> str:
    page = Callers.of(web).clone("analyst").get("/incentives", params=params | {"lang": "en"})
    assert page.status_code == 200, page.text[:300]
    return page.text


def test_rule_cards_name_the_measure_and_level_in_the_readers_language(web: LiveWeb) -> None:
    """The rule cards say "Klantbetrokkenheid (per locatie)", not the measure's code."""
    from servicechain.act.incentives import measure_entry

    page = Callers.of(web).clone("executive").get("/incentives", params={"lang": "nl"})
    assert page.status_code == 200
    for rule in load_rules():
        card = page.text.split(f'id="rule-{rule.key}"')[1].split("</article>")[0]
        _snapshot, entry = measure_entry(web.store, rule)
        shown = re.search(r'<dd title="([a-z_]+)">([^<]+)<small>\(([^)]+)\)</small>', card)
        assert shown, card
        assert shown.group(1) == rule.measure and shown.group(2).strip() == entry["nl"]
        assert shown.group(3) == "per locatie" and f"<code>{rule.measure}</code>" not in card
