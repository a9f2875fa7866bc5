"""Finalising a period over real HTTP, on DuckDB and PostgreSQL: who may finalise (analysts; others
403), CSRF and the confirmation, refusals, the frozen outcome on the page, in the API and in the export
after the data changed (with the live outcome beside it), the audited replacement, and scoping."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from web_helpers import csrf
from web_support import SECRET, LiveWeb, serve_demo

from servicechain.accounts.audit import entries
from servicechain.act import incentive_decisions as decisions
from servicechain.act.incentive_rules import load_rules
from servicechain.act.incentives import evaluate
from servicechain.analysis.snapshot import refresh
from servicechain.settings import Settings
from servicechain.store import schema

PROMOTION = load_rules()[0]


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveWeb]:
    """A server of its own: these tests change the data after finalising."""
    from conftest import fresh_store

    folder = tmp_path_factory.mktemp("finalise")
    with fresh_store(request, request.param, folder) as store, serve_demo(store) as served:
        yield served


def _page(client: object, params: dict[str, str]) -> str:
    answer = client.get("/incentives", params=params | {"lang": "en"})  # type: ignore[attr-defined]
    assert answer.status_code == 200, answer.text[:300]
    return str(answer.text)


def test_only_analysts_finalise_and_everyone_sees_the_frozen_record(web: LiveWeb) -> None:
    live = evaluate(web.store, PROMOTION)
    period = live.period  # the newest ended quarter
    analyst, manager = web.client("analyst"), web.client("unit-manager")
    try:
        page = _page(analyst, {"rule": PROMOTION.key, "period": period})
        assert 'id="finalise"' in page and 'id="finalised"' not in page
        assert 'id="finalise"' not in _page(manager, {"rule": PROMOTION.key, "period": period})
        for role in ("employee", "unit-manager", "regional-manager", "executive"):
            with web.api(role) as caller:
                refused = caller.post("/api/v1/incentives/finalise", json={"period": period})
                assert refused.status_code == 403, (role, refused.text[:200])
        form = {"csrf_token": csrf(manager), "rule": PROMOTION.key, "period": period, "confirm": "yes"}
        assert manager.post("/incentives/finalise", data=form).status_code == 403
        no_csrf = {"rule": PROMOTION.key, "period": period, "confirm": "yes"}
        assert analyst.post("/incentives/finalise", data=no_csrf).status_code == 403
        assert analyst.post("/api/v1/incentives/finalise", json={"period": period}).status_code == 403, (
            "a session cookie without the CSRF header"
        )
        token = csrf(analyst)
        unconfirmed = analyst.post(
            "/incentives/finalise?lang=en",
            data={"csrf_token": token, "rule": PROMOTION.key, "period": period},
        )
        assert unconfirmed.status_code == 400 and "Tick the box to confirm" in unconfirmed.text
        assert decisions.finalised(web.store, PROMOTION.key, period) is None
        confirmed = {"csrf_token": token, "rule": PROMOTION.key, "period": period, "confirm": "yes"}
        done = analyst.post("/incentives/finalise", data=confirmed)
        assert done.status_code == 303, done.text[:300]
        assert done.headers["location"].startswith(f"/incentives?rule={PROMOTION.key}&period={period}")
        page = _page(analyst, {"rule": PROMOTION.key, "period": period})
        email = web.accounts["analyst"].email
        assert 'id="finalised"' in page and f"by {email}" in page and 'id="finalise"' not in page
        assert 'id="changed-since"' not in page
        logged = entries(web.store, action="incentives_finalised", limit=5)
        assert logged[0]["email"] == email and str(logged[0]["detail"]).startswith(
            f"rule {PROMOTION.key} period {period} units {len(live.verdicts)}"
        )
        again = analyst.post("/incentives/finalise?lang=en", data=confirmed)
        assert again.status_code == 400 and "to finalise it again, replace it explicitly" in again.text
        assert 'id="incentive-error"' in again.text
    finally:
        analyst.close()
        manager.close()
    with web.api("analyst") as api:
        twice = api.post(
            "/api/v1/incentives/finalise?lang=en", json={"period": period, "rule": PROMOTION.key}
        )
        assert twice.status_code == 422 and "was finalised on" in twice.json()["error"]["message"]
        unknown = api.post("/api/v1/incentives/finalise?lang=en", json={"period": "1999-Q1"})
        assert unknown.status_code == 422 and "periods with results" in unknown.text
        bad = api.post("/api/v1/incentives/finalise?lang=en", json={"period": period, "rule": "lottery"})
        assert bad.status_code == 422 and "There is no incentive rule lottery" in bad.text
        running = [p for p in live.periods if p > period]
        if running:  # the demo collects in the current quarter
            early = api.post("/api/v1/incentives/finalise?lang=en", json={"period": running[-1]})
            assert early.status_code == 422 and "has not ended yet" in early.text
        body = api.get("/api/v1/incentives", params={"rule": PROMOTION.key, "period": period}).json()
        (item,) = body["rules"]
        assert item["finalised"]["finalised_by"] == web.accounts["analyst"].email
        assert item["finalised"]["changed_since"] == 0 and len(item["finalised"]["rules_sha256"]) == 64
        assert all(unit["in_record"] and unit["live"] is None for unit in item["units"])
        other = api.get("/api/v1/incentives", params={"rule": "bonus_service", "period": period}).json()
        assert other["rules"][0]["finalised"] is None, "only the rule finalised"
    with web.api("unit-manager") as mine:
        body = mine.get("/api/v1/incentives", params={"rule": PROMOTION.key, "period": period}).json()
        (unit,) = body["rules"][0]["units"]
        assert unit["unit_code"] == web.location and unit["in_record"] is True
        assert body["rules"][0]["finalised"]["finalised_on"]
        outside = mine.get("/api/v1/incentives", params={"period": period, "unit": web.other_location})
        assert outside.status_code == 404


def test_a_change_after_finalising_leaves_the_frozen_outcome_and_shows_the_live_one(web: LiveWeb) -> None:
    bonus = next(rule for rule in load_rules() if rule.key == "bonus_service")
    periods = evaluate(web.store, bonus).periods
    period = periods[-3] if len(periods) >= 3 else periods[0]
    with web.api("analyst") as api:
        done = api.post("/api/v1/incentives/finalise?lang=en", json={"period": period})
        assert done.status_code == 200, done.text[:300]
        assert [item["rule"] for item in done.json()["finalised"]] == [rule.key for rule in load_rules()]
    before = evaluate(web.store, PROMOTION, period)
    target = next(v for v in before.verdicts if v.unit_code == web.location)
    if target.outcome == "not_assessed":
        target = next(v for v in before.verdicts if v.outcome != "not_assessed")
    waves = sa.select(schema.survey_wave.c.id).where(schema.survey_wave.c.period == period)
    table = schema.customer_response
    mine = table.delete().where(table.c.unit_id == target.unit_id, table.c.wave_id.in_(waves))
    with web.store.transaction() as connection:  # the answers of one store are withdrawn and recomputed
        connection.execute(mine)
    refresh(web.store, settings=Settings(database_url=web.store.url, secret_key=SECRET))
    assert next(v for v in evaluate(web.store, PROMOTION, period).verdicts if v.unit_id == target.unit_id
                ).outcome == "not_assessed"  # fmt: skip
    with web.api("analyst") as api:
        body = api.get("/api/v1/incentives", params={"rule": PROMOTION.key, "period": period, "lang": "en"})
        item = body.json()["rules"][0]
        moved = [u["unit_code"] for u in item["units"] if u["changed_since_finalised"]]
        assert target.unit_code in moved and item["finalised"]["changed_since"] == len(moved)
        (unit,) = [u for u in item["units"] if u["unit_code"] == target.unit_code]
        assert unit["outcome"] == target.outcome and unit["changed_since_finalised"] is True
        assert unit["live"]["outcome"] == "not_assessed" and "not assessed" in unit["live"]["explanation"]
        assert unit["n"] == target.n and unit["explanation"].startswith(target.unit_name)
        assert all((u["live"] is None) == (u["unit_code"] not in moved) for u in item["units"])
        exported = api.get("/api/v1/incentives/export", params={"period": period, "rule": PROMOTION.key})
        rows = {row["unit_code"]: row for row in csv.DictReader(io.StringIO(exported.text))}
        assert rows[target.unit_code]["outcome"] == target.outcome
        assert rows[target.unit_code]["changed_since_finalised"] == "true"
        assert rows[target.unit_code]["live_outcome"] == "not_assessed"
        assert {row["finalised_by"] for row in rows.values()} == {web.accounts["analyst"].email}
        page = api.get("/incentives", params={"rule": PROMOTION.key, "period": period, "lang": "en"}).text
        assert 'id="changed-since"' in page
        changed = re.findall(r'id="verdict-([^"]+)"[^>]*data-changed-since="true"', page)
        assert changed == moved, "the others' shrunk values move with their peer group"
        assert "Changed since finalised on" in page and 'class="badge not_assessed live"' in page
        replaced = api.post(
            "/api/v1/incentives/finalise", json={"period": period, "rule": PROMOTION.key, "replace": True}
        )
        assert replaced.status_code == 200, replaced.text[:300]
        audit = entries(web.store, action="incentives_refinalised", limit=1)[0]
        assert f"changed {len(moved)}: " in str(audit["detail"])
        assert f"{target.unit_code} {target.outcome}" in str(audit["detail"])
        after = api.get("/api/v1/incentives", params={"rule": PROMOTION.key, "period": period}).json()
        assert after["rules"][0]["finalised"]["changed_since"] == 0
        (unit,) = [u for u in after["rules"][0]["units"] if u["unit_code"] == target.unit_code]
        assert unit["outcome"] == "not_assessed"
    if target.unit_code == web.location:
        with web.api("unit-manager") as mine:
            body = mine.get("/api/v1/incentives", params={"rule": "bonus_service", "period": period}).json()
            assert body["rules"][0]["finalised"] is not None
            assert [u["unit_code"] for u in body["rules"][0]["units"]] == [web.location]


def test_an_empty_finalise_is_refused_after_the_role_check(web: LiveWeb) -> None:
    """Without a body the roles that may not finalise still get 403 (anonymous callers 401), and an
    analyst is told to name the period; nothing is written."""
    with web.client() as anonymous:
        assert anonymous.post("/api/v1/incentives/finalise").status_code == 401
    for role in ("employee", "unit-manager", "executive"):
        with web.api(role) as caller:
            assert caller.post("/api/v1/incentives/finalise").status_code == 403, role
    with web.api("analyst") as api:
        empty = api.post("/api/v1/incentives/finalise?lang=en")
        assert empty.status_code == 422
        assert empty.json()["error"]["message"] == "Name the period to finalise, e.g. 2026-Q3."
