"""Alert rules on sample responses, bad rule files, and list / acknowledge / resolve on both engines."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alert_helpers import respond, submission
from factories import seed_organisation

from servicechain.accounts.audit import entries
from servicechain.accounts.audit import now as utc_now
from servicechain.collect.alerts import (
    AlertNotFound,
    RuleError,
    acknowledge,
    count_alerts,
    evaluate,
    list_alerts,
    load_rules,
    resolve,
    unit_summary,
)
from servicechain.store import Store, schema

RULES = load_rules()


def rules_met(kind: str, **row: object) -> dict[str, str]:
    """``{rule: summary}`` of the shipped rules that a response meets."""
    return {alert["rule"]: alert["summary"] for alert in evaluate(RULES, submission(kind, 1, **row))}  # type: ignore[arg-type]


# --- rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(("satisfaction", "raised"), [(1, True), (2, True), (3, False), (5, False)])
def test_unhappy_touchpoint_at_most_two(satisfaction: int, raised: bool) -> None:
    met = rules_met("touchpoint", satisfaction=satisfaction, channel="phone")
    assert ("unhappy_touchpoint" in met) is raised
    if raised:
        assert met["unhappy_touchpoint"] == f"satisfaction {satisfaction}/5 · phone"


def test_not_applicable_never_meets_an_item_rule() -> None:
    assert rules_met("touchpoint", satisfaction=None) == {}


@pytest.mark.parametrize(
    ("recommend", "raised"), [(0, True), (6, True), (7, False), (10, False), (None, False)]
)
def test_detractor_uses_the_instruments_threshold(recommend: int | None, raised: bool) -> None:
    met = rules_met("customer", satisfaction=4, recommend=recommend)
    assert ("detractor" in met) is raised
    if raised:
        assert met["detractor"] == f"recommend {recommend}/10"


def test_detractor_rule_is_for_customers_only() -> None:
    assert "detractor" not in rules_met("touchpoint", satisfaction=4, recommend=0)


@pytest.mark.parametrize(
    ("comment", "word"),
    [
        ("Ik heb een KLACHT over de kassa", "klacht"),
        ("Twee klachten al deze maand", "klachten"),
        ("De verkoper was onbeschoft.", "onbeschoft"),
        ("Erg teleurgesteld in de service", "teleurgesteld"),
        ("Ik wil mijn geld  terug!", "geld  terug"),
        ("The cashier was RUDE to me", "rude"),
        ("I asked for a refund twice", "refund"),
        ("Very disappointed, never again", "disappointed"),
    ],
)
def test_complaint_words_in_dutch_and_english(comment: str, word: str) -> None:
    for kind in ("touchpoint", "customer"):
        met = rules_met(kind, satisfaction=4, recommend=9, comment=comment)
        assert list(met) == ["complaint"], (kind, met)
        assert met["complaint"] == f"comment: “{word}”"


@pytest.mark.parametrize("comment", ["Een boosaardige grap", "Prima geholpen, dank!", "Bruterende koffie",
                                     "crude oil", "", None])  # fmt: skip
def test_no_complaint_inside_other_words_or_in_praise(comment: str | None) -> None:
    assert rules_met("touchpoint", satisfaction=5, comment=comment) == {}


def test_one_response_can_raise_several_alerts_with_its_contact() -> None:
    found = evaluate(RULES, submission("customer", 7, contact="06-12345678", satisfaction=1, recommend=2,
                                       comment="Wat een klacht", channel="phone"))  # fmt: skip
    assert [alert["rule"] for alert in found] == ["detractor", "complaint"]
    assert all(alert["contact"] == "06-12345678" and alert["comment"] == "Wat een klacht" for alert in found)
    assert set(found[0]) == {"rule", "summary", "comment", "contact"}


def write_rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


NAME = "name: {nl: Naam, en: Name}"


def test_own_rules_file_with_at_least_and_several_conditions(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path,
        f"""
- key: delighted_but_hard
  {NAME}
  source: touchpoint
  when: {{item: satisfaction, at_least: 5}}
- key: hard_and_complaint
  {NAME}
  source: [touchpoint]
  when: {{item: ease, at_most: 2, comment_mentions: {{en: ["wait*"]}}}}
""",
    )
    rules = load_rules(path)
    response = submission("touchpoint", 1, satisfaction=5, ease=1, comment="Waiting forever")
    met = {a["rule"]: a["summary"] for a in evaluate(rules, response)}
    assert met == {
        "delighted_but_hard": "satisfaction 5/5",
        "hard_and_complaint": "ease 1/7 · comment: “waiting”",
    }
    assert [a["rule"] for a in evaluate(rules, submission("touchpoint", 1, satisfaction=4, ease=1))] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- key: x\n  name: {nl: a, en: b\n", "not valid YAML (line"),
        ("key: x", "expected a list of rules"),
        (
            f"- key: Bad Key\n  {NAME}\n  source: customer\n  when: {{detractor: true}}",
            "rule 1 (Bad Key): key: String should match pattern",
        ),
        (
            "- key: x\n  name: {nl: a}\n  source: customer\n  when: {detractor: true}",
            "rule 1 (x): name.en: Field required",
        ),
        (f"- key: x\n  {NAME}\n  source: till\n  when: {{detractor: true}}", "rule 1 (x): source:"),
        (f"- key: x\n  {NAME}\n  source: customer\n  when: {{}}", "rule 1 (x): when: give a condition"),
        (
            f"- key: x\n  {NAME}\n  source: customer\n  when: {{item: nps, at_most: 2}}",
            "rule 1 (x): when.item: 'nps' is not an item of the customer survey",
        ),
        (
            f"- key: x\n  {NAME}\n  source: [touchpoint, customer]\n  when: {{item: ease, at_most: 2}}",
            "'ease' is not an item of the customer survey",
        ),
        (
            f"- key: x\n  {NAME}\n  source: customer\n  when: {{item: satisfaction}}",
            "when.satisfaction: give at_most",
        ),
        (
            f"- key: x\n  {NAME}\n  source: touchpoint\n  when: {{detractor: true}}",
            "when.detractor: applies to customer",
        ),
        (
            f"- key: x\n  {NAME}\n  source: customer\n  when: {{detractour: true}}",
            "when.detractour: Extra inputs",
        ),
        (
            f"- key: x\n  {NAME}\n  source: customer\n  when: {{comment_mentions: {{de: [klage]}}}}",
            "when.comment_mentions.de",
        ),
        (
            f"- key: x\n  {NAME}\n  source: customer\n  when: {{comment_mentions: {{nl: ['  ']}}}}",
            "when.comment_mentions: an empty word",
        ),
        (
            f"- key: x\n  {NAME}\n  source: customer\n  when: {{detractor: true}}\n"
            f"- key: x\n  {NAME}\n  source: customer\n  when: {{detractor: true}}",
            "rule 2 (x): key: used by an earlier",
        ),
    ],
)
def test_bad_rules_files_name_file_rule_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = write_rules(tmp_path, text)
    with pytest.raises(RuleError) as caught:
        load_rules(path)
    assert str(caught.value).startswith(f"{path}: "), caught.value
    assert message in str(caught.value), caught.value


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="cannot read the alert rules"):
        load_rules(tmp_path / "none.yaml")


# --- the store: raise, list, acknowledge, resolve ----------------------------------------


@pytest.fixture
def organisation(store: Store, tmp_path: Path) -> Store:
    seed_organisation(store, tmp_path)
    return store


def path_of(store: Store, code: str) -> str:
    unit = schema.org_unit
    with store.engine.connect() as connection:
        return str(connection.execute(sa.select(unit.c.path).where(unit.c.code == code)).scalar_one())


def test_alerts_are_stored_with_their_response(organisation: Store) -> None:
    store = organisation
    raised = utc_now() - timedelta(hours=5)
    ids = respond(store, "touchpoint", "L-UTR", contact="06-1", raised_at=raised, satisfaction=1,
                  channel="phone", comment="Onbeschoft behandeld")  # fmt: skip
    assert len(ids) == 2
    assert respond(store, "touchpoint", "L-UTR", satisfaction=5) == []
    found = list_alerts(store)
    assert [a["rule"] for a in found] == ["complaint", "unhappy_touchpoint"]
    first = found[1]
    assert first["unit_code"] == "L-UTR" and first["source"] == "touchpoint" and first["contact"] == "06-1"
    assert first["raised_at"] == raised and first["status"] == "open" and first["attempts"] == 0
    assert first["age_hours"] == pytest.approx(5, abs=0.01)
    response = schema.touchpoint_response
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(response.c.comment).where(response.c.id == first["response_id"])
                                  ).scalar_one() == "Onbeschoft behandeld"  # fmt: skip


def test_acknowledge_and_resolve_with_the_time_they_took(organisation: Store) -> None:
    store = organisation
    raised = utc_now() - timedelta(hours=6)
    [alert_id] = respond(store, "customer", "L-UTR", raised_at=raised, satisfaction=3, recommend=4)
    done = acknowledge(store, alert_id, "Ahmed@Example.nl", now=raised + timedelta(hours=1, minutes=30))
    assert done["status"] == "acknowledged" and done["acknowledged_by"] == "ahmed@example.nl"
    assert done["hours_to_acknowledge"] == pytest.approx(1.5)
    again = acknowledge(store, alert_id, "someone@example.nl", now=raised + timedelta(hours=2))
    assert again["acknowledged_by"] == "ahmed@example.nl", "the first acknowledgement counts"
    closed = resolve(
        store, alert_id, "ahmed@example.nl", "  Teruggebeld, bon gestuurd ", now=raised + timedelta(hours=4)
    )
    assert closed["status"] == "resolved" and closed["resolution"] == "Teruggebeld, bon gestuurd"
    assert closed["hours_to_resolve"] == pytest.approx(4) and closed["hours_to_acknowledge"] == pytest.approx(
        1.5
    )
    assert resolve(store, alert_id, "x@example.nl", "later")["resolution"] == "Teruggebeld, bon gestuurd"
    assert list_alerts(store) == [] and count_alerts(store) == 0
    assert [a["id"] for a in list_alerts(store, status="all")] == [alert_id] and count_alerts(
        store, status="all"
    ) == 1
    actions = [(e["action"], e["email"]) for e in entries(store) if str(e["action"]).startswith("alert_")]
    assert actions == [("alert_resolved", "ahmed@example.nl"), ("alert_acknowledged", "ahmed@example.nl")]


def test_resolve_acknowledges_too(organisation: Store) -> None:
    [alert_id] = respond(organisation, "customer", "L-AMF", satisfaction=3, recommend=0)
    closed = resolve(organisation, alert_id, "femke@example.nl")
    assert closed["acknowledged_by"] == "femke@example.nl" and closed["resolution"] is None
    assert closed["hours_to_acknowledge"] == closed["hours_to_resolve"]


def test_subtree_scoping(organisation: Store) -> None:
    store = organisation
    [mine] = respond(store, "customer", "T-UTR-1", satisfaction=3, recommend=1)
    [theirs] = respond(store, "customer", "L-AMF", satisfaction=3, recommend=1)
    utrecht, amersfoort, region = path_of(store, "L-UTR"), path_of(store, "L-AMF"), path_of(store, "R-MID")
    assert [a["id"] for a in list_alerts(store, path=utrecht)] == [mine]
    assert {a["id"] for a in list_alerts(store, path=region)} == {mine, theirs}
    assert count_alerts(store, path=amersfoort) == 1
    for act in (lambda: acknowledge(store, theirs, "ahmed@example.nl", path=utrecht),
                lambda: resolve(store, theirs, "ahmed@example.nl", "no", path=utrecht),
                lambda: resolve(store, 999_999, "ahmed@example.nl")):  # fmt: skip
        with pytest.raises(AlertNotFound):
            act()
    assert list_alerts(store, path=amersfoort)[0]["status"] == "open", "nothing changed"


def test_unit_summary_over_the_last_thirty_days(organisation: Store) -> None:
    store = organisation
    now = utc_now()
    for hours in (2, 4, 9):
        [alert_id] = respond(store, "customer", "L-UTR", raised_at=now - timedelta(days=3), recommend=0)
        resolve(store, alert_id, "a@example.nl", now=now - timedelta(days=3) + timedelta(hours=hours))
    [old] = respond(store, "customer", "L-UTR", raised_at=now - timedelta(days=60), recommend=0)
    resolve(store, old, "a@example.nl", now=now - timedelta(days=59))
    respond(store, "customer", "L-UTR", recommend=0)
    respond(store, "customer", "L-AMF", recommend=0)
    summary = {row["unit_code"]: row for row in unit_summary(store)}
    assert summary["L-UTR"]["open"] == 1 and summary["L-UTR"]["resolved"] == 3
    assert summary["L-UTR"]["median_hours_to_resolve"] == pytest.approx(4)
    assert summary["L-AMF"] | {} == {"unit_id": summary["L-AMF"]["unit_id"], "unit_code": "L-AMF",
                                     "unit_name": "Amersfoort Centrum", "open": 1, "resolved": 0,
                                     "median_hours_to_resolve": None}  # fmt: skip
    assert [row["unit_code"] for row in unit_summary(store, path=path_of(store, "L-AMF"))] == ["L-AMF"]


@pytest.mark.parametrize("store", ["duckdb"], indirect=True)  # a subprocess per command: one engine is enough
def test_cli_lists_resolves_and_refuses_to_send_without_channel(organisation: Store, tmp_path: Path) -> None:
    store = organisation
    [alert_id] = respond(store, "customer", "L-AMF", contact="06-55", recommend=1, channel="phone")
    respond(store, "customer", "L-UTR", recommend=2)
    store.dispose()  # the CLI opens the store in its own process (a DuckDB file allows one)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICECHAIN_")}
    env["SERVICECHAIN_DATABASE_URL"] = store.url
    listed = run("alerts", "list", "--unit", "L-AMF", cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    assert "06-55" in listed.stdout and "recommend 1/10" in listed.stdout and "L-UTR" not in listed.stdout
    done = run("alerts", "resolve", str(alert_id), "--note", "teruggebeld", "--by", "femke@example.nl",
               cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"alert {alert_id} resolved by femke@example.nl" in done.stdout
    assert "L-AMF" not in run("alerts", "list", cwd=tmp_path, env=env).stdout
    for args, message in ((("alerts", "resolve", "999999"), "there is no alert 999999"),
                          (("alerts", "list", "--unit", "NOPE"), "there is no unit 'NOPE'"),
                          (("alerts", "send"), "no notification channel")):  # fmt: skip
        refused = run(*args, cwd=tmp_path, env=env)
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
    assert get_alert_status(store, alert_id) == "resolved"


def run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``servicechain ARGS`` as a user runs it."""
    command = [sys.executable, "-m", "servicechain.cli", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)


def get_alert_status(store: Store, alert_id: int) -> str:
    from servicechain.collect.alerts import get_alert

    return str(get_alert(store, alert_id)["status"])
