"""The customer-centricity scan: the questionnaire, checking answers, scoring by hand, the latest
submission per person, the audit line and ``servicechain scan result`` (both engines)."""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from servicechain.accounts.audit import entries
from servicechain.act import scan
from servicechain.cli import app
from servicechain.store import Store, schema

AREAS = ("strategy", "measurement", "employee_engagement", "customer_engagement", "data_platform",
         "accountability")  # fmt: skip


def answers(default: int, **areas: list[int]) -> dict[str, int]:
    """Every statement ``default``; the statements of each named area as given."""
    found = {key: default for key in scan.questionnaire().keys}
    for area in scan.questionnaire().areas:
        for statement, value in zip(area.statements, areas.get(area.key, []), strict=False):
            found[statement.key] = value
    return found


# Hand-worked example. A: measurement all 1 (0 points), accountability 5,5,5,1 (75), the rest 3 (50).
# B: measurement all 2 (25), the rest 4 (75).
A = answers(3, measurement=[1, 1, 1, 1], accountability=[5, 5, 5, 1])
B = answers(4, measurement=[2, 2, 2, 2])


def test_questionnaire_has_six_areas_of_four_statements_in_both_languages() -> None:
    found = scan.questionnaire()
    assert tuple(area.key for area in found.areas) == AREAS
    assert all(len(area.statements) == 4 for area in found.areas)
    assert len(set(found.keys)) == 24
    for area in found.areas:
        assert area.name["nl"] and area.name["en"] and area.offer["nl"] and area.offer["en"]
        assert any(link.audience == "scores" for link in area.links), f"{area.key}: a link for every manager"
        for statement in area.statements:
            assert statement.text["nl"] != statement.text["en"]
            assert "vestiging" not in statement.text["nl"].lower()
    texts = " ".join(s.text["nl"] for area in found.areas for s in area.statements).lower()
    assert "bonus" in texts and "per locatie" in texts and "eindverantwoordelijk" in texts


def test_points_map_one_to_five_onto_zero_to_hundred() -> None:
    assert [scan.points(a) for a in (1, 2, 3, 4, 5)] == [0, 25, 50, 75, 100]


def test_scoring_by_hand() -> None:
    result = scan.score({"a@x.nl": A, "b@x.nl": B})
    by_key = {s.area.key: s for s in result.areas}
    assert by_key["measurement"].mean == pytest.approx(12.5)
    assert by_key["measurement"].sd == pytest.approx(statistics.stdev([0, 25]))  # 17.68
    assert (by_key["measurement"].low, by_key["measurement"].high) == (0, 25)
    assert by_key["strategy"].mean == pytest.approx(62.5)
    assert by_key["accountability"].mean == pytest.approx(75) and by_key["accountability"].sd == 0
    assert all(s.n == 2 for s in result.areas) and result.respondents == 2
    assert result.overall == pytest.approx((4 * 62.5 + 12.5 + 75) / 6)  # 56.25
    # weakest first; the four tied areas keep the questionnaire's order
    assert [s.area.key for s in result.areas] == ["measurement", "strategy", "employee_engagement",
                                                  "customer_engagement", "data_platform", "accountability"]


def test_one_respondent_has_no_spread_and_nobody_no_score() -> None:
    single = scan.score({"a@x.nl": A})
    assert all(s.sd is None and s.n == 1 for s in single.areas)
    assert single.areas[0].area.key == "measurement" and single.areas[0].mean == 0
    empty = scan.score({})
    assert empty.overall is None and empty.respondents == 0 and all(s.mean is None for s in empty.areas)


@pytest.mark.parametrize(("given", "problem"), [
    (None, "missing"), ("", "missing"), (0, "out_of_range"), (6, "out_of_range"), ("x", "out_of_range"),
    (3.5, "out_of_range"), (True, "out_of_range"), ("-1", "out_of_range"),
])  # fmt: skip
def test_every_statement_needs_a_whole_number_from_one_to_five(given: Any, problem: str) -> None:
    key = scan.questionnaire().keys[5]
    bad = dict(A) | {key: given}
    with pytest.raises(scan.AnswersInvalid) as raised:
        scan.check_answers(bad)
    assert raised.value.problems == {key: problem}


def test_unknown_and_missing_statements_are_all_named() -> None:
    partial = {key: 3 for key in scan.questionnaire().keys[:20]} | {"nonsense": 3}
    with pytest.raises(scan.AnswersInvalid) as raised:
        scan.check_answers(partial)
    missing = {key: "missing" for key in scan.questionnaire().keys[20:]}
    assert raised.value.problems == {"nonsense": "unknown"} | missing
    assert scan.check_answers({key: str(value) for key, value in A.items()}) == A, "form strings are fine"


def _rows(store: Store) -> int:
    with store.engine.connect() as connection:
        query = sa.select(sa.func.count()).select_from(schema.scan_response)
        return int(connection.execute(query).scalar_one())


def test_latest_submission_per_person_counts_and_audit_keeps_no_answers(store: Store) -> None:
    scan.submit(store, "ingrid@example.nl", answers(5), client="10.0.0.1")
    scan.submit(store, "femke@example.nl", B)
    scan.submit(store, "Ingrid@Example.nl", A)  # same person, later: replaces the first
    assert _rows(store) == 3, "every submission is kept"
    latest = scan.latest_answers(store)
    assert latest == {"ingrid@example.nl": A, "femke@example.nl": B}
    result = scan.result(store)
    assert result.respondents == 2 and result.overall == pytest.approx(56.25)
    assert result.areas[0].area.key == "measurement" and result.areas[0].mean == pytest.approx(12.5)
    logged = entries(store, action=scan.AUDIT_ACTION)
    assert len(logged) == 3 and {e["email"] for e in logged} == {"ingrid@example.nl", "femke@example.nl"}
    assert all(e["detail"] == "" for e in logged), "the audit log records the submission, not the answers"
    assert logged[-1]["client"] == "10.0.0.1"
    assert scan.answers_of(store, "INGRID@example.nl") == A and scan.answers_of(store, "x@y.nl") == {}


def test_invalid_answers_store_nothing(store: Store) -> None:
    with pytest.raises(scan.AnswersInvalid):
        scan.submit(store, "ingrid@example.nl", dict(A) | {scan.questionnaire().keys[0]: 9})
    assert _rows(store) == 0 and entries(store, action=scan.AUDIT_ACTION) == []


def test_result_json_texts_and_links_per_role() -> None:
    result = scan.score({"a@x.nl": A, "b@x.nl": B})
    english = scan.result_json(result, "en", "executive", None)
    assert english["overall"] == 56.2  # round(56.25, 1): halves to even
    first = english["areas"][0]
    assert first["key"] == "measurement" and first["name"] == "Measurement" and first["mean"] == 12.5
    assert {"href": "/overview", "label": "Overview and scorecards"} in first["links"]
    assert "interval" in first["offer"]
    dutch = scan.result_json(result, "nl", "regional-manager", "R-NOORD")
    assert dutch["areas"][0]["name"] == "Meten"
    hrefs = {link["href"] for area in dutch["areas"] for link in area["links"]}
    assert "/regions/R-NOORD" in hrefs and not hrefs & {"/overview", "/linkage", "/imports", "/waves"}
    analyst = scan.result_json(result, "en", "analyst", None)
    data = next(area for area in analyst["areas"] if area["key"] == "data_platform")
    assert [link["href"] for link in data["links"]][:2] == ["/imports", "/linkage"]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no servicechain.toml from the working directory
    for name in [k for k in os.environ if k.startswith("SERVICECHAIN_")]:
        monkeypatch.delenv(name)


def test_cli_scan_result(store: Store, clean_env: None) -> None:
    runner = CliRunner()
    empty = runner.invoke(app, ["--db", store.url, "scan", "result"])
    assert empty.exit_code == 0 and "nobody has answered" in empty.stdout
    scan.submit(store, "a@x.nl", A)
    scan.submit(store, "b@x.nl", B)
    done = runner.invoke(app, ["--db", store.url, "scan", "result", "--json", "--lang", "nl"])
    assert done.exit_code == 0, (done.stdout, done.stderr)
    found = json.loads(done.stdout)
    assert found["respondents"] == 2 and found["areas"][0]["key"] == "measurement"
    assert found["areas"][0]["name"] == "Meten" and found["areas"][0]["sd"] == pytest.approx(17.7)
    table = runner.invoke(app, ["--db", store.url, "scan", "result"])
    assert table.exit_code == 0 and "Measurement" in table.stdout and "12.5" in table.stdout
    wrong = runner.invoke(app, ["--db", store.url, "scan", "result", "--lang", "de"])
    assert wrong.exit_code != 0 and "nl or en" in wrong.stderr
