"""Employee survey waves on DuckDB and PostgreSQL: opening, codes, links, answering, closing, the CLI,
and the anonymity test of the issue: nothing stored or logged links a code (or a person) to an answer.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from factories import seed_organisation, write
from scipy.stats import kendalltau
from web_support import free_port

from servicechain.collect import waves
from servicechain.collect.answers import (
    AnswersInvalid,
    SurveyRefused,
    check_answers,
    employee_instrument,
    open_invitation,
    submit_employee_answers,
)
from servicechain.collect.tokens import derive_token, format_token, normalise_token, token_hash
from servicechain.ingest.pipeline import import_file
from servicechain.settings import Settings
from servicechain.store import Store, schema
from servicechain.web.app import create_app
from servicechain.web.employee_survey import redact

SECRET = "waves-test-secret-0123456789-abcdefghijklmnop"
SETTINGS = Settings(secret_key=SECRET, anonymity_threshold=5)
BIG, SMALL = 32, 6
"""Employees of the big store (answered in a known order) and of the small one."""


def seed_big_organisation(store: Store, folder: Path) -> None:
    """A company with a big location (BIG employees), a small one and a team."""
    units = "unit_code,name,kind,parent_code\nNL,Keten,company,\nR1,Regio,region,NL\n" \
            "L-BIG,Groot,location,R1\nL-SMALL,Klein,location,R1\nT-SMALL,Team,team,L-SMALL\n"  # fmt: skip
    people = ["employee_code,unit_code,role,is_manager,customer_facing,hired_on,left_on"]
    people += [f"B{i:03d},L-BIG,verkoper,false,true,2020-01-01," for i in range(BIG)]
    people += [
        f"S{i:03d},{'T-SMALL' if i % 2 else 'L-SMALL'},verkoper,false,true,2020-01-01," for i in range(SMALL)
    ]
    people.append("GONE,L-BIG,verkoper,false,true,2020-01-01,2024-12-31")
    import_file(store, "units", write(folder, "units.csv", units))
    import_file(store, "employees", write(folder, "employees.csv", "\n".join(people) + "\n"))


def answers(value: int = 4) -> dict[str, int | None]:
    return {key: (8 if key == "enps" else value) for key in employee_instrument().item_keys}


def count(store: Store, table: sa.Table) -> int:
    with store.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


# --------------------------------------------------------------------------- codes


def test_codes_are_crockford_base32_derived_from_key_id_and_salt() -> None:
    token = derive_token(SECRET, 17, "ab" * 16)
    assert len(token) == 12 and set(token) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert token == derive_token(SECRET, 17, "ab" * 16)
    assert token != derive_token(SECRET, 18, "ab" * 16) != derive_token("another key", 17, "ab" * 16)
    shown = format_token(token)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", shown)
    assert normalise_token(shown.lower()) == token == normalise_token(f" {token[:6]} {token[6:]} ")
    assert (
        normalise_token("K7QF-M2XP-9HTO") == "K7QFM2XP9HT0"
        and normalise_token("iiii-llll-oooo") == "111111110000"
    )
    for bad in ("", "K7QF-M2XP", "K7QF-M2XP-9HTU", "K7QF-M2XP-9HT!", "K7QF-M2XP-9HTDX"):
        assert normalise_token(bad) is None
    assert token_hash(token) == hashlib.sha256(token.encode()).hexdigest()


# --------------------------------------------------------------------------- opening and closing


def test_a_wave_invites_every_current_employee_of_the_subtree(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    wave = waves.open_wave(store, "MW-2026-Q4", "R-MID", "2026-q4", settings=SETTINGS)
    assert (wave.code, wave.unit_code, wave.period, wave.threshold, wave.status) == (
        "MW-2026-Q4", "R-MID", "2026-Q4", 5, "open")  # fmt: skip
    assert wave.opened_on == date.today() and wave.closed_on is None
    assert wave.invited == 4, "E101, E001, E002, E010; not E011 (left), not E100 (above the subtree)"
    links = waves.wave_links(store, "MW-2026-Q4", SETTINGS)
    assert [(row.employee_code, row.unit_code) for row in links] == [
        ("E010", "L-AMF"), ("E001", "L-UTR"), ("E101", "R-MID"), ("E002", "T-UTR-1")]  # fmt: skip
    assert all(row.link == f"http://127.0.0.1:8000/e/{row.kiosk_code}" for row in links)
    public = SETTINGS.model_copy(update={"public_url": "https://enquete.example.nl/"})
    assert waves.wave_links(store, "MW-2026-Q4", public)[0].link.startswith("https://enquete.example.nl/e/")
    assert waves.wave_links(store, "MW-2026-Q4", SETTINGS) == links, "the same links on every export"
    invitation = schema.survey_invitation
    with store.engine.connect() as connection:
        stored = connection.execute(sa.select(invitation)).all()
    assert {row.token_hash for row in stored} == {
        token_hash(normalise_token(row.kiosk_code) or "") for row in links
    }
    assert not any(row.used for row in stored) and all(len(row.salt) == 32 for row in stored)
    other_key = SETTINGS.model_copy(update={"secret_key": "a copy of the database without the key"})
    guessed = waves.wave_links(store, "MW-2026-Q4", other_key)[0].kiosk_code
    with pytest.raises(SurveyRefused) as refused:
        open_invitation(store, guessed)
    assert refused.value.reason == "unknown"


def test_opening_refuses_clearly(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    waves.open_wave(store, "MW-1", "NL", "2026-Q4", settings=SETTINGS)
    cases = [
        (("MW-1", "NL", "2026-Q4", None), waves.WAVE_EXISTS),
        (("MW-2", "X-NOPE", "2026-Q4", None), waves.UNKNOWN_UNIT),
        (("MW-2", "NL", "next year", None), waves.BAD_PERIOD),
        (("MW-2", "NL", "2026-Q4", 2), waves.BAD_THRESHOLD),
        (("MW-2", "NL", "2026-Q4", 11), waves.BAD_THRESHOLD),
        (("", "NL", "2026-Q4", None), waves.BAD_CODE),
        (("a b", "NL", "2026-Q4", None), waves.BAD_CODE),
    ]
    for (code, unit, period, threshold), message in cases:
        with pytest.raises(waves.WaveRefused) as refused:
            waves.open_wave(store, code, unit, period, threshold, settings=SETTINGS)
        assert refused.value.message == message
    with store.transaction() as connection:
        connection.execute(
            schema.employee.update().where(schema.employee.c.code == "E002").values(left_on=date.today())
        )
    with pytest.raises(waves.WaveRefused) as refused:
        waves.open_wave(store, "MW-3", "T-UTR-1", "2026-Q4", settings=SETTINGS)
    assert refused.value.message == waves.NO_EMPLOYEES and "T-UTR-1" in str(refused.value)
    assert [wave.code for wave in waves.list_waves(store)] == ["MW-1"], "a refused opening wrote nothing"


def test_the_threshold_is_fixed_when_the_wave_opens(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    waves.open_wave(store, "MW-3", "NL", "2026-Q4", 3, settings=SETTINGS)
    waves.open_wave(
        store, "MW-D", "NL", "2026-Q4", settings=SETTINGS.model_copy(update={"anonymity_threshold": 7})
    )
    assert waves.find_wave(store, "MW-3").threshold == 3
    assert waves.find_wave(store, "MW-D").threshold == 7
    code = waves.wave_links(store, "MW-D", SETTINGS)[0].kiosk_code
    assert open_invitation(store, code).threshold == 7
    submit_employee_answers(store, code, answers())
    waves.close_wave(store, "MW-D")
    assert waves.find_wave(store, "MW-D").threshold == 7


def test_closing_a_wave(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    waves.open_wave(store, "MW-C", "NL", "2026-Q4", settings=SETTINGS)
    code = waves.wave_links(store, "MW-C", SETTINGS)[0].kiosk_code
    closed = waves.close_wave(store, "MW-C")
    assert closed.status == "closed" and closed.closed_on == date.today()
    with pytest.raises(SurveyRefused) as refused:
        submit_employee_answers(store, code, answers())
    assert refused.value.reason == "closed"
    assert count(store, schema.employee_response) == 0
    with pytest.raises(waves.WaveRefused) as again:
        waves.close_wave(store, "MW-C")
    assert again.value.message == waves.ALREADY_CLOSED
    with pytest.raises(waves.WaveRefused):
        waves.close_wave(store, "NOPE")


def test_an_open_wave_shows_no_results_until_it_closes(store: Store, tmp_path: Path) -> None:
    """Results refreshed while answers arrive one by one could be subtracted (n=7 before a
    colleague answered, n=8 after): a wave's results appear once, when it closes."""
    from servicechain.analysis.scorecard import unit_results

    seed_big_organisation(store, tmp_path)
    waves.open_wave(store, "MW-OPEN", "L-BIG", "2026-Q4", settings=SETTINGS)
    for row in waves.wave_links(store, "MW-OPEN", SETTINGS)[:8]:
        submit_employee_answers(store, row.kiosk_code, answers(4))
    settings = SETTINGS.model_copy(update={"database_url": store.url})

    def employee_rows() -> int:
        table = unit_results(store, settings=settings).table
        return int(((table["source"] == "employee") & (table["period"].astype(str) == "2026-Q4")).sum())

    assert employee_rows() == 0, "an open wave's answers reached the results"
    waves.close_wave(store, "MW-OPEN")
    assert employee_rows() > 0, "a closed wave's results are shown"


def test_counts_per_unit_only_for_units_with_enough_invitations(store: Store, tmp_path: Path) -> None:
    seed_big_organisation(store, tmp_path)
    waves.open_wave(store, "MW-U", "NL", "2026-Q4", settings=SETTINGS)
    links = waves.wave_links(store, "MW-U", SETTINGS)
    for row in [r for r in links if r.unit_code == "L-BIG"][:3] + [
        r for r in links if r.unit_code == "T-SMALL"
    ][:1]:
        submit_employee_answers(store, row.kiosk_code, answers())
    wave = waves.find_wave(store, "MW-U")
    assert (wave.invited, wave.answered) == (BIG + SMALL, 4)
    assert [(u.unit_code, u.invited, u.answered) for u in wave.units] == [("L-BIG", BIG, 3)]
    assert wave.as_json()["units"] == [
        {"unit_code": "L-BIG", "unit_name": "Groot", "invited": BIG, "answered": 3}
    ]
    reminded = waves.reminders(store, "MW-U", SETTINGS)
    assert len(reminded) == BIG + SMALL - 4
    assert not {r.kiosk_code for r in reminded} & {r.kiosk_code for r in links[:3]}


# --------------------------------------------------------------------------- answering


def test_answers_are_checked_against_the_instrument() -> None:
    assert check_answers(answers(), None) == []
    reasons = {
        (p.item, p.reason) for p in check_answers({"eng_pride": 6, "enps": 11, "bogus": 3}, "x" * 2001)
    }
    assert reasons == {("eng_pride", "range"), ("enps", "range"), ("bogus", "unknown_item"),
                       ("comment", "comment_too_long")}  # fmt: skip
    assert {p.reason for p in check_answers({}, None)} == {"no_answer"}
    assert {p.reason for p in check_answers({"eng_pride": None, "wellbeing": None}, "alleen dit")} == {
        "no_answer"
    }
    assert (
        check_answers({"enps": 0}, "") == []
        and check_answers({"eng_pride": True}, None)[0].reason == "not_a_number"
    )


def test_one_answer_per_code_and_nothing_written_when_refused(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    waves.open_wave(store, "MW-A", "NL", "2026-Q4", settings=SETTINGS)
    links = waves.wave_links(store, "MW-A", SETTINGS)
    with pytest.raises(AnswersInvalid):
        submit_employee_answers(store, links[0].kiosk_code, {"eng_pride": 9})
    submit_employee_answers(store, links[0].kiosk_code.lower(), answers(), "  Prima.  ")
    before = count(store, schema.employee_response)
    for code, reason in ((links[0].kiosk_code, "used"), ("ZZZZ-ZZZZ-ZZZZ", "unknown"), ("kort", "unknown")):
        with pytest.raises(SurveyRefused) as refused:
            submit_employee_answers(store, code, answers(2))
        assert refused.value.reason == reason
    assert count(store, schema.employee_response) == before == 1
    with store.engine.connect() as connection:
        row = connection.execute(sa.select(schema.employee_response)).one()
    assert (
        row.comment == "Prima." and row.import_id == 0 and row.unit_id == _unit_id(store, links[0].unit_code)
    )


def _unit_id(store: Store, code: str) -> int:
    with store.engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(schema.org_unit.c.id).where(schema.org_unit.c.code == code)
            ).scalar_one()
        )


# --------------------------------------------------------------------------- the anonymity test


class Captured(logging.Handler):
    """Every record of the uvicorn loggers, as the server would print it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def logging_server(store: Store) -> Iterator[tuple[str, Captured]]:
    """The app on ``store`` under uvicorn with its access log on (level info), the log captured."""
    app = create_app(SETTINGS.model_copy(update={"database_url": store.url}), store=store)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    captured = Captured()
    loggers = [logging.getLogger(name) for name in ("uvicorn.access", "uvicorn.error")]
    for logger in loggers:  # after uvicorn configured its logging (that replaces handlers)
        logger.addHandler(captured)
    try:
        yield f"http://127.0.0.1:{port}", captured
    finally:
        for logger in loggers:
            logger.removeHandler(captured)
        server.should_exit = True
        thread.join(timeout=10)


def test_nothing_stored_or_logged_links_a_code_to_an_answer(store: Store, tmp_path: Path) -> None:
    seed_big_organisation(store, tmp_path)
    waves.open_wave(store, "MW-ANON", "NL", "2026-Q4", settings=SETTINGS)
    links = waves.wave_links(store, "MW-ANON", SETTINGS)
    big = [row for row in links if row.unit_code == "L-BIG"]
    order = random.Random(7).sample(big, 30)  # a known order, independent of the invitations' order
    audit_before = count(store, schema.audit_log)
    with logging_server(store) as (url, captured), httpx.Client(base_url=url) as client:
        for position, row in enumerate(order):
            form = {key: str(value) for key, value in answers(1 + position % 5).items()}
            path = row.link.removeprefix("http://127.0.0.1:8000")
            assert client.get(path).status_code == 200
            answered = client.post(path, data=form | {"comment": f"antwoord {position}"})
            assert answered.status_code == 303, answered.text[:300]
        assert client.post(order[0].link.removeprefix("http://127.0.0.1:8000"), data=form).status_code == 410
        assert client.get("/e/ZZZZ-ZZZZ-ZZZZ").status_code == 404
        time.sleep(0.3)  # the access log is written after the response
    # 1. the response table has no column that could refer to an invitation, a person or a code
    items = set(employee_instrument().item_keys)
    columns = {column.name for column in schema.employee_response.columns} - items
    assert columns == {"id", "source_key", "wave_id", "unit_id", "submitted_on", "comment", "import_id"}
    with store.engine.connect() as connection:
        wave = connection.execute(
            sa.select(schema.survey_wave).where(schema.survey_wave.c.code == "MW-ANON")
        ).one()
        stored = connection.execute(
            sa.select(schema.employee_response).where(schema.employee_response.c.wave_id == wave.id)
        ).all()
    assert len(stored) == len(order)
    position_of = {row.comment: int(row.comment.split()[-1]) for row in stored}
    # 2. ids and source keys are not in submission order
    by_position = sorted(stored, key=lambda row: position_of[row.comment])
    id_tau = kendalltau(range(len(by_position)), [row.id for row in by_position]).statistic
    key_tau = kendalltau(range(len(by_position)), [row.source_key for row in by_position]).statistic
    assert abs(id_tau) < 0.6 and abs(key_tau) < 0.6, (id_tau, key_tau)
    assert all(0 < row.id < 2**62 for row in stored)
    # 2b. nor is their physical order (DuckDB rowid, PostgreSQL ctid), and on PostgreSQL every
    # answer of the unit carries the last transaction's xmin
    place, version = ("ctid", "xmin::text") if store.dialect == "postgresql" else ("rowid", "0")
    with store.engine.connect() as connection:
        query = f"SELECT comment, {version} AS v FROM employee_response WHERE wave_id = :w ORDER BY {place}"
        physical = connection.execute(sa.text(query), {"w": wave.id}).all()
    laid = [position_of[row.comment] for row in physical]
    assert abs(kendalltau(range(len(laid)), laid).statistic) < 0.6, "rows lie in answering order"
    assert len({row.v for row in physical}) == 1
    # 3. the day of answering is the wave's opening day for all
    assert {row.submitted_on for row in stored} == {wave.opened_on}
    # 4. the invitations tell only whether, and their physical order and versions not the use order
    _invitations_do_not_tell_the_order(store, wave.id, _unit_id(store, "L-BIG"), order)
    # 5. no audit log, no code in any stored text or in the server log
    assert count(store, schema.audit_log) == audit_before
    codes = {row.kiosk_code for row in order} | {normalise_token(row.kiosk_code) or "" for row in order}
    _no_code_stored(store, codes)
    logged = "\n".join(captured.lines)
    assert "POST /e/… HTTP/1.1" in logged, "the access log was captured"
    assert not any(code in logged or code.lower() in logged for code in codes | {"ZZZZ-ZZZZ-ZZZZ"})


def _invitations_do_not_tell_the_order(
    store: Store, wave_id: int, unit_id: int, order: list[waves.LinkRow]
) -> None:
    used_codes = {row.kiosk_code for row in order}
    with store.engine.connect() as connection:
        place, version = ("ctid", "xmin::text") if store.dialect == "postgresql" else ("rowid", "0")
        query = (f"SELECT id, salt, used, {version} AS version FROM survey_invitation "
                 f"WHERE wave_id = :w AND unit_id = :u ORDER BY {place}")  # fmt: skip
        rows = connection.execute(sa.text(query), {"w": wave_id, "u": unit_id}).all()
    assert len(rows) == BIG
    assert len({row.version for row in rows}) == 1, (
        "every invitation of the unit carries the last answer's xmin"
    )
    code_of = {row.id: format_token(derive_token(SECRET, row.id, row.salt)) for row in rows}
    assert {code_of[row.id] for row in rows if row.used} == used_codes
    use_position = {row.kiosk_code: position for position, row in enumerate(order)}
    physical = [use_position[code_of[row.id]] for row in rows if row.used]
    assert abs(kendalltau(range(len(physical)), physical).statistic) < 0.6


def _no_code_stored(store: Store, codes: set[str]) -> None:
    with store.engine.connect() as connection:
        for table in schema.metadata.sorted_tables:
            texts = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text)]
            if not texts:
                continue
            for row in connection.execute(sa.select(*texts)):
                for value in row:
                    assert not (value and any(code in str(value) for code in codes)), (table.name, value)


def test_concurrent_answers_in_one_unit_all_count(store: Store, tmp_path: Path) -> None:
    """Answers of one unit rewrite the same rows: they wait for (PostgreSQL) or retry (DuckDB) each other."""
    from concurrent.futures import ThreadPoolExecutor

    seed_big_organisation(store, tmp_path)
    waves.open_wave(store, "MW-P", "L-BIG", "2026-Q4", settings=SETTINGS)
    codes = [row.kiosk_code for row in waves.wave_links(store, "MW-P", SETTINGS)][:12]
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda code: submit_employee_answers(store, code, answers()), codes))
    assert waves.find_wave(store, "MW-P").answered == 12
    with pytest.raises(SurveyRefused):
        submit_employee_answers(store, codes[0], answers())


def test_the_log_redaction() -> None:
    assert redact('127.0.0.1:5 - "GET /e/K7QF-M2XP-9HTD?lang=en HTTP/1.1" 200') == (
        '127.0.0.1:5 - "GET /e/…?lang=en HTTP/1.1" 200')  # fmt: skip
    assert redact("/e/k7qfm2xp9htd") == "/e/…" and redact("/static/e/x.css") == "/static/e/x.css"
    assert redact("/e") == "/e"


# --------------------------------------------------------------------------- the CLI


def cli(*args: str, cwd: Path, db: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICECHAIN_")}
    env["SERVICECHAIN_SECRET_KEY"] = SECRET
    return subprocess.run([sys.executable, "-m", "servicechain.cli", "--db", db, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_the_waves_commands(store: Store, tmp_path: Path) -> None:
    seed_organisation(store, tmp_path)
    url = store.url
    store.dispose()  # the DuckDB file belongs to the command now
    opened = cli("waves", "open", "MW-CLI", "--unit", "R-MID", "--period", "2026-Q4", "--threshold", "4",
                 "--links-csv", "links.csv", cwd=tmp_path, db=url)  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    assert "4 employee(s)" in opened.stdout and "threshold 4" in opened.stdout
    lines = (tmp_path / "links.csv").read_text().splitlines()
    assert lines[0] == "employee_code,unit_code,link,kiosk_code" and len(lines) == 5
    again = cli("waves", "links", "MW-CLI", "--out", "again.csv", cwd=tmp_path, db=url)
    assert again.returncode == 0 and (tmp_path / "again.csv").read_text().splitlines() == lines
    listed = cli("waves", "list", cwd=tmp_path, db=url)
    assert listed.returncode == 0 and "MW-CLI" in listed.stdout
    twice = cli("waves", "open", "MW-CLI", "--unit", "R-MID", "--period", "2026-Q4", cwd=tmp_path, db=url)
    assert twice.returncode == 2 and "exists already" in twice.stderr and "Traceback" not in twice.stderr
    unknown = cli("waves", "open", "MW-X", "--unit", "X-NOPE", "--period", "2026-Q4", cwd=tmp_path, db=url)
    assert unknown.returncode == 2 and "There is no unit X-NOPE" in unknown.stderr
    code = lines[1].split(",")[-1]
    from servicechain.store import open_store

    reopened = open_store(url)
    submit_employee_answers(reopened, code, answers())
    reopened.dispose()
    reminded = cli("waves", "reminders", "MW-CLI", "--out", "reminders.csv", cwd=tmp_path, db=url)
    assert reminded.returncode == 0 and len((tmp_path / "reminders.csv").read_text().splitlines()) == 4
    closed = cli("waves", "close", "MW-CLI", cwd=tmp_path, db=url)
    assert closed.returncode == 0 and "1 of 4 answered" in closed.stdout, closed.stderr[-3000:]
    assert cli("waves", "close", "MW-CLI", cwd=tmp_path, db=url).returncode == 2
    assert cli("waves", "links", "NOPE", "--out", "x.csv", cwd=tmp_path, db=url).returncode == 2


@pytest.mark.parametrize("store", ["postgresql"], indirect=True)
def test_the_physical_layout_of_invitations_does_not_depend_on_who_answered(
    store: Store, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two databases, the same wave, 20 codes answered in different orders: in both, the
    invitations' physical order (ctid) is unrelated to the order of use, and every invitation
    of the unit carries the last answer's xmin. (The exact ctids also depend on when
    PostgreSQL prunes old row versions, which other transactions in the cluster decide.)"""
    from conftest import fresh_store

    def answer_some(target: Store, seed: int) -> None:
        seed_big_organisation(target, tmp_path / str(seed))
        waves.open_wave(target, "MW-L", "L-BIG", "2026-Q4", settings=SETTINGS)
        codes = [row.kiosk_code for row in waves.wave_links(target, "MW-L", SETTINGS)]
        used = random.Random(seed).sample(codes, 20)
        for code in used:
            submit_employee_answers(target, code, answers())
        position = {token_hash(normalise_token(code) or ""): place for place, code in enumerate(used)}
        with target.engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT token_hash, used, xmin::text FROM survey_invitation ORDER BY ctid"
            ).all()
        laid = [position[row[0]] for row in rows if row[1]]
        assert len(laid) == 20 and len({row[2] for row in rows}) == 1
        assert abs(kendalltau(range(len(laid)), laid).statistic) < 0.6, laid

    (tmp_path / "1").mkdir()
    (tmp_path / "2").mkdir()
    answer_some(store, 1)
    with fresh_store(request, "postgresql", tmp_path) as other:
        answer_some(other, 2)
