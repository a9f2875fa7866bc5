"""The intake API over real HTTP: keys and scopes, idempotency, validation, rate limits, group commit.

Runs against the live demo server on DuckDB and on PostgreSQL (``live_web``, ``live_web_pg``).
"""

from __future__ import annotations

import concurrent.futures
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from web_support import LiveWeb

from servicechain.collect.intake_keys import create_key, revoke_key
from servicechain.store import schema


@pytest.fixture(params=["duckdb", "postgresql"])
def web(request: pytest.FixtureRequest) -> LiveWeb:
    return request.getfixturevalue("live_web" if request.param == "duckdb" else "live_web_pg")  # type: ignore[no-any-return]


def intake(web: LiveWeb, key: str) -> httpx.Client:
    return httpx.Client(base_url=web.url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def touchpoint(unit: str, satisfaction: int = 4, **more: Any) -> dict[str, Any]:
    return {"unit": unit, "channel": "phone", "answers": {"satisfaction": satisfaction, "ease": 6}, **more}


def stored(web: LiveWeb, source_key: str) -> list[Any]:
    web.app.state.intake.flush()  # the response tables are written from the journal
    table = schema.touchpoint_response
    with web.store.engine.connect() as connection:
        return list(connection.execute(sa.select(table).where(table.c.source_key == source_key)).all())


def test_a_touchpoint_is_stored_once_however_often_it_is_sent(web: LiveWeb) -> None:
    key = create_key(web.store, "till", web.region, 1000)
    client_id = key.split("_")[1]
    idem = str(uuid.uuid4())
    with intake(web, key) as client:
        body = touchpoint(
            web.location, 5, comment="Vriendelijk geholpen", occurred_at="2026-11-20T09:30:00+01:00"
        )
        first = client.post("/api/v1/touchpoints", json=body, headers={"Idempotency-Key": idem})
        assert first.status_code == 201, first.text
        again = client.post("/api/v1/touchpoints", json=body, headers={"Idempotency-Key": idem})
        assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == first.json()["id"] and again.json()["replayed"] is True
        other = client.post(
            "/api/v1/touchpoints", json=touchpoint(web.location, 1), headers={"Idempotency-Key": idem}
        )
        assert other.status_code == 422 and "Idempotency-Key" in other.json()["error"]["message"]
    rows = [row for row in _all_api_rows(web) if row.source_key.endswith(f":{idem}")]
    assert len(rows) == 1 and client_id
    row = rows[0]
    assert (row.satisfaction, row.ease, row.valued, row.channel) == (5, 6, None, "phone")
    assert str(row.occurred_at) == "2026-11-20 08:30:00"  # stored in UTC
    assert row.import_id == 0 and row.comment == "Vriendelijk geholpen"


def _all_api_rows(web: LiveWeb) -> list[Any]:
    web.app.state.intake.flush()  # the response tables are written from the journal
    table = schema.touchpoint_response
    with web.store.engine.connect() as connection:
        return list(connection.execute(sa.select(table).where(table.c.import_id == 0)).all())


def test_concurrent_retries_store_each_key_once(web: LiveWeb) -> None:
    key = create_key(web.store, "app", web.region, 10_000)
    keys = [str(uuid.uuid4()) for _ in range(20)]
    sends = [k for k in keys for _ in range(4)]

    def send(idem: str) -> tuple[str, int, int]:
        with intake(web, key) as client:
            answer = client.post(
                "/api/v1/touchpoints", json=touchpoint(web.location, 3), headers={"Idempotency-Key": idem}
            )
            return idem, answer.status_code, answer.json()["id"]

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(send, sends))
    assert sorted(status for _, status, _ in answers).count(201) == len(keys)
    ids: dict[str, set[int]] = {}
    for idem, _, response_id in answers:
        ids.setdefault(idem, set()).add(response_id)
    assert all(len(found) == 1 for found in ids.values()), "a retry got another response id"
    rows = [row for row in _all_api_rows(web) if row.source_key.split(":", 1)[1] in set(keys)]
    assert len(rows) == len(keys)


def test_bad_requests_get_clear_json_errors(web: LiveWeb) -> None:
    key = create_key(web.store, "till", web.location, 1000)
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    with httpx.Client(base_url=web.url) as anonymous:
        assert anonymous.post("/api/v1/touchpoints", json={}, headers=headers).status_code == 401
    with intake(web, key) as client:
        assert client.post("/api/v1/touchpoints", json=touchpoint(web.location)).status_code == 400
        wrong = client.post(
            "/api/v1/touchpoints?lang=en",
            headers=headers,
            json={
                "unit": web.other_location,
                "channel": "fax",
                "answers": {"satisfaction": 9, "speed": 2},
                "occurred_at": "yesterday",
                "colour": "red",
            },
        )
        assert wrong.status_code == 422
        problems = {p["field"]: p["message"] for p in wrong.json()["error"]["problems"]}
        assert set(problems) == {
            "colour",
            "unit",
            "channel",
            "occurred_at",
            "answers.speed",
            "answers.satisfaction",
        }
        assert "not one this key may send for" in problems["unit"]
        assert problems["answers.satisfaction"] == "a whole number from 1 to 5"
        dutch = client.post("/api/v1/touchpoints?lang=nl", headers=headers, json=touchpoint(web.location, 0))
        assert dutch.status_code == 422 and "geheel getal" in dutch.json()["error"]["problems"][0]["message"]
        garbage = client.post("/api/v1/touchpoints", headers=headers, content=b"{not json")
        assert garbage.status_code == 400
        huge = client.post(
            "/api/v1/touchpoints", headers=headers, json=touchpoint(web.location, comment="x" * 20_000)
        )
        assert huge.status_code == 413
    assert not stored(web, f"{key.split('_')[1]}:{headers['Idempotency-Key']}")


def test_rate_limit_and_revocation(web: LiveWeb) -> None:
    key = create_key(web.store, "slow-till", web.location, 1)
    statuses = []
    with intake(web, key) as client:
        for _ in range(4):
            answer = client.post(
                "/api/v1/touchpoints",
                json=touchpoint(web.location),
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            statuses.append(answer.status_code)
        assert statuses[:2] == [201, 201] and 429 in statuses[2:]
        limited = next(
            a
            for a in [
                client.post(
                    "/api/v1/touchpoints", json=touchpoint(web.location), headers={"Idempotency-Key": "x"}
                )
            ]
            if a.status_code == 429
        )
        assert int(limited.headers["Retry-After"]) >= 1
    revoke_key(web.store, key.split("_")[1])


def test_a_customer_response_lands_in_the_web_wave_of_its_quarter(web: LiveWeb) -> None:
    key = create_key(web.store, "app", web.region, 1000)
    body = {
        "unit": web.location,
        "submitted_at": "2026-08-02T12:00:00Z",
        "channel": "app",
        "answers": {"satisfaction": 5, "continue": 4, "recommend": 10, "pride_proud": None},
    }
    with intake(web, key) as client:
        answer = client.post("/api/v1/customer-responses", json=body, headers={"Idempotency-Key": "c-1"})
    assert answer.status_code == 201, answer.text
    responses, waves = schema.customer_response, schema.survey_wave
    web.app.state.intake.flush()
    with web.store.engine.connect() as connection:
        row = connection.execute(
            sa.select(responses.c.recommend, waves.c.code, waves.c.period)
            .join(waves, waves.c.id == responses.c.wave_id)
            .where(responses.c.id == answer.json()["id"])
        ).one()
    assert tuple(row) == (10, "web-2026-Q3", "2026-Q3")


def test_hostile_bodies_get_clear_errors_not_500(web: LiveWeb) -> None:
    """Control characters, dates no clock gives, deep nesting, a chunked body without a
    Content-Length, and an employee of another subtree: each a 4xx naming the problem."""
    key = create_key(web.store, "till", web.location, 1000)
    with intake(web, key) as client:

        def post(idem: str, **body: Any) -> httpx.Response:
            return client.post("/api/v1/touchpoints?lang=en", json=body, headers={"Idempotency-Key": idem})

        nul = post("h-1", **touchpoint(web.location, comment="a\x00b"))
        assert nul.status_code == 422 and nul.json()["error"]["problems"][0]["field"] == "comment"
        for moment in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1990-05-01T10:00:00"):
            old = post(f"h-{moment}", **touchpoint(web.location, occurred_at=moment))
            assert old.status_code == 422, (moment, old.text)
        deep = client.post("/api/v1/touchpoints", content=b"[" * 8000, headers={"Idempotency-Key": "h-2"})
        assert deep.status_code == 400

        def chunks() -> Any:
            for _ in range(40):
                yield b" " * 1024

        chunked = client.post("/api/v1/touchpoints", content=chunks(), headers={"Idempotency-Key": "h-3"})
        assert chunked.status_code == 413
        units, staff = schema.org_unit, schema.employee
        with web.store.engine.connect() as connection:
            mine = connection.execute(
                sa.select(units.c.path).where(units.c.code == web.location)
            ).scalar_one()
            stranger = connection.execute(
                sa.select(staff.c.code)
                .join(units, units.c.id == staff.c.unit_id)
                .where(~units.c.path.startswith(mine))
                .limit(1)
            ).scalar_one()
        other = post("h-4", **touchpoint(web.location, employee=stranger))
        assert other.status_code == 422
        assert other.json()["error"]["problems"][0]["field"] == "employee"


def test_a_request_that_stops_waiting_does_not_stop_the_writer(web: LiveWeb) -> None:
    """A cancelled request (a client gone, a server stopping) must not kill the writer thread."""
    from servicechain.collect.committer import GroupCommitter
    from servicechain.collect.responses import check

    units = web.app.state.units_directory
    committer = GroupCommitter(web.store, linger=0.3)
    try:
        made = [check("touchpoint", touchpoint(web.location), units=units, client_id=999_999,
                      idempotency_key=f"cancel-{uuid.uuid4()}") for _ in range(3)]  # fmt: skip
        gone = committer.submit_nowait(made[0])
        assert gone.cancel()
        waiting = committer.submit_nowait(made[1])
        assert waiting.result(timeout=30).replayed is False
        assert committer.submit_nowait(made[2]).result(timeout=30).replayed is False, "the writer died"
        committer.flush()
    finally:
        committer.close()
