"""How the dashboards' precomputed results stay fresh while the server runs: an import that
happened elsewhere (here: straight into PostgreSQL, as a `servicechain import --no-refresh` on
another machine would) is noticed on the next page view, which says so, and one background
rebuild brings the pages up to date."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from web_support import LiveWeb, serve_demo, wait_for

from servicechain.analysis.snapshot import latest_snapshot
from servicechain.ingest.pipeline import import_file
from servicechain.store import schema
from tests.conftest import fresh_store


@pytest.fixture(scope="module")
def web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveWeb]:
    folder = tmp_path_factory.mktemp("fresh")
    with fresh_store(request, "postgresql", folder) as store, serve_demo(store) as live:
        yield live


def test_an_import_elsewhere_is_picked_up(web: LiveWeb, tmp_path: Path) -> None:
    before = latest_snapshot(web.store)
    assert before is not None
    client = web.client("executive")
    page = client.get("/overview")
    assert page.status_code == 200 and 'role="status"' not in page.text.split("<main>")[0]

    with web.store.engine.connect() as connection:
        period = connection.execute(sa.select(sa.func.max(schema.unit_kpi.c.period))).scalar()
    path = tmp_path / "kpis.csv"
    path.write_text(f"unit_code,period,metric,value\n{web.location},{period},nps_target,40\n")
    import_file(web.store, "kpis", path)  # no refresh: the server must notice

    noticed = client.get("/overview")
    assert noticed.status_code == 200
    assert 'class="banner"' in noticed.text  # "the results are being updated"
    wait_for(lambda: latest_snapshot(web.store).id > before.id, timeout=60)  # type: ignore[union-attr]
    wait_for(lambda: 'class="banner"' not in client.get("/overview").text, timeout=30)
    snapshot = web.api("executive").get("/api/v1/snapshot").json()
    assert snapshot["id"] > before.id and snapshot["refreshing"] is False
    client.close()


def test_collected_responses_reach_the_dashboards_within_the_max_age(web: LiveWeb) -> None:
    """A touchpoint from the intake API marks the results stale once they are older than
    ``results_max_age_minutes``; the next page view rebuilds them in the background."""
    import httpx

    from servicechain.collect.intake_keys import create_key

    settings = web.app.state.settings
    before = latest_snapshot(web.store)
    assert before is not None
    key = create_key(web.store, "till", web.location, 100)
    body = {"unit": web.location, "channel": "phone", "answers": {"satisfaction": 4}}
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "fresh-1"}
    answer = httpx.post(f"{web.url}/api/v1/touchpoints", json=body, headers=headers)
    assert answer.status_code == 201
    client = web.client("executive")
    client.get("/overview")
    assert latest_snapshot(web.store) == before, "rebuilt although the results are younger than the max age"
    saved = settings.results_max_age_minutes
    settings.results_max_age_minutes = 1e-6
    try:
        assert 'role="status"' in client.get("/overview").text.split("<main>")[0]
        wait_for(lambda: (latest_snapshot(web.store) or before).id != before.id, timeout=60)
    finally:
        settings.results_max_age_minutes = saved
    with web.store.engine.connect() as connection:
        collected = connection.execute(
            sa.select(sa.func.count()).select_from(schema.touchpoint_response).where(
                schema.touchpoint_response.c.import_id == 0)).scalar()  # fmt: skip
    assert collected >= 1
