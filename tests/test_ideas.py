"""Friction points and ideas on both engines: the home unit, anonymity (keys, audit, time), voting,
deciding, listing and scoping, the per-unit summary against hand-computed figures, and the CLI."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import fresh_store, select_rows
from factories import seed_organisation, write
from statsmodels.stats.proportion import proportion_confint

from servicechain.accounts.audit import entries
from servicechain.accounts.users import User, add_user
from servicechain.act import ideas
from servicechain.act.ideas import (
    IdeaNotFound,
    IdeaRefused,
    Member,
    decide,
    get_idea,
    list_ideas,
    raise_idea,
    vote,
)
from servicechain.act.ideas_summary import summarise
from servicechain.ingest.pipeline import import_file
from servicechain.store import Store, schema

KEY = "idea-test-key-0123456789abcdef0123456789"
BOSS = "manager@example.nl"
STAFF = """employee_code,unit_code,role,is_manager,customer_facing,hired_on,left_on
E020,T-UTR-1,verkoper,false,true,2021-01-01,
E021,T-UTR-1,verkoper,false,true,2021-01-01,
E022,T-UTR-1,verkoper,false,true,2021-01-01,
E023,T-UTR-1,verkoper,false,true,2021-01-01,
E030,L-AMF,verkoper,false,true,2021-01-01,
E031,L-AMF,verkoper,false,true,2021-01-01,
E032,L-AMF,verkoper,false,true,2021-01-01,
E033,L-AMF,verkoper,false,true,2021-01-01,
"""
"""Colleagues enough for anonymous ideas (the anonymity threshold, 5): 6 at L-UTR, 5 at L-AMF."""


def seed_with_staff(store: Store, folder: Path) -> None:
    """The factory organisation with :data:`STAFF`."""
    seed_organisation(store, folder)
    import_file(store, "employees", write(folder, "staff.csv", STAFF))


@dataclass
class Org:
    """The small factory organisation (NL > R-MID > L-UTR > T-UTR-1, and L-AMF) with its paths."""

    store: Store
    paths: dict[str, str]

    def member(self, unit: str, role: str = "employee") -> tuple[Member, User]:
        """A new account on ``unit`` as an idea member."""
        user = add_user(self.store, f"m{uuid.uuid4().hex[:10]}@example.nl", role, unit)
        return Member(user.id, user.email, KEY), user

    def idea(self, unit: str = "T-UTR-1", title: str = "Drie handtekeningen", **more: Any) -> dict[str, Any]:
        member, user = self.member(unit)
        values: dict[str, Any] = {"kind": "friction", "body": None, "anonymous": True} | more
        kind, body = values.pop("kind"), values.pop("body")
        return raise_idea(self.store, member, user.unit_id, kind, title, body, **values)


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def org(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    folder = tmp_path_factory.mktemp("ideas")
    with fresh_store(request, request.param, folder) as store:
        seed_with_staff(store, folder)
        unit = schema.org_unit
        paths = {row.code: row.path for row in select_rows(store, sa.select(unit.c.code, unit.c.path))}
        yield Org(store, paths)


def test_an_idea_belongs_to_the_location_above_the_authors_team(org: Org) -> None:
    codes = {code: ideas.home_unit(org.store, _unit_id(org, code))["code"] for code in org.paths}
    assert codes == {"T-UTR-1": "L-UTR", "L-UTR": "L-UTR", "L-AMF": "L-AMF", "R-MID": "R-MID", "NL": "NL"}
    idea = org.idea("T-UTR-1")
    assert idea["unit_code"] == "L-UTR", "an anonymous idea names no team"


def _unit_id(org: Org, code: str) -> int:
    unit = schema.org_unit
    return int(select_rows(org.store, sa.select(unit.c.id).where(unit.c.code == code))[0].id)


def _raw(org: Org, idea_id: int) -> sa.Row:  # type: ignore[type-arg]
    return select_rows(org.store, sa.select(schema.idea).where(schema.idea.c.id == idea_id))[0]


def test_an_anonymous_idea_keeps_only_a_keyed_digest_of_its_author(org: Org) -> None:
    author, user = org.member("T-UTR-1")
    moment = datetime(2026, 3, 4, 10, 47, 13)
    title, body = " Retour: drie handtekeningen ", "Lang\nverhaal"
    idea = raise_idea(org.store, author, user.unit_id, "rule", title, body, anonymous=True, client="10.0.0.7",
                      now=moment)  # fmt: skip
    row = _raw(org, idea["id"])
    expected = hmac.new(KEY.encode(), f"idea-author:{user.id}".encode(), hashlib.sha256).hexdigest()
    assert row.author_email is None and row.author_key == expected, "HMAC-SHA256(key, 'idea-author:<id>')"
    assert row.created_at == datetime(2026, 3, 4, 10, 0), "kept to the hour"
    assert (idea["title"], idea["body"], idea["kind"], idea["status"]) == (
        "Retour: drie handtekeningen", "Lang\nverhaal", "rule", "new")  # fmt: skip
    assert idea["yours"] and idea["anonymous"] and "author_key" not in idea
    other, _ = org.member("T-UTR-1")
    assert not get_idea(org.store, idea["id"], member=other)["yours"]
    lines = [f"{e['email']} {e['detail']} {e['client']}" for e in entries(org.store, limit=1000)]
    assert not any(f"idea {idea['id']} " in line or (user.email in line and "idea" in line) for line in lines)


def test_idea_numbers_do_not_follow_the_order_of_raising(org: Org) -> None:
    """Numbers in order would place an anonymous idea between the named ideas raised around it."""
    moment = datetime(2026, 3, 5, 9, 0)
    ids = [org.idea("L-UTR", title=f"Volgorde {n}", anonymous=n % 2 == 0, now=moment)["id"]
           for n in range(12)]
    assert all(100_000_000 <= number < 1_000_000_000 for number in ids) and len(set(ids)) == len(ids)
    assert ids != sorted(ids) and ids != sorted(ids, reverse=True), "12 in a row: one order in 239.5 million"


def test_a_named_idea_shows_its_author_and_carries_no_key(org: Org) -> None:
    author, user = org.member("L-UTR")
    named = raise_idea(
        org.store, author, user.unit_id, "friction", "Kassa twee hapert", None, anonymous=False
    )
    hidden = raise_idea(
        org.store, author, user.unit_id, "friction", "Pauzeruimte te klein", None, anonymous=True
    )
    assert named["author_email"] == user.email and not named["anonymous"] and named["yours"]
    assert _raw(org, named["id"]).author_key is None, "a key on a named idea would unmask its anonymous twin"
    assert _raw(org, hidden["id"]).author_key is not None
    logged = [str(e["detail"]) for e in entries(org.store, action="idea_raised", limit=50)]
    assert f"idea {named['id']} L-UTR friction" in logged
    assert not any(f"idea {hidden['id']} " in line for line in logged)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "klacht"}, ideas.BAD_KIND),
        ({"title": "   "}, ideas.EMPTY_TITLE),
        ({"title": "x" * 201}, ideas.EMPTY_TITLE),
        ({"title": "Twee\nregels"}, ideas.CONTROL_TITLE),
        ({"body": "x" * 4001}, ideas.LONG_BODY),
        ({"body": "bel\x07letje"}, ideas.CONTROL_TEXT),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(org: Org, change: dict[str, Any], message: str) -> None:
    before = len(list_ideas(org.store))
    values = {"title": "Goed idee"} | change
    with pytest.raises(IdeaRefused) as refused:
        org.idea(**values)
    assert refused.value.message == message
    assert len(list_ideas(org.store)) == before


def test_votes_are_one_per_person_keyed_apart_from_authorship_and_toggle(org: Org) -> None:
    idea = org.idea(title="Stempelkaart kwijt")
    a, user_a = org.member("T-UTR-1")
    b, _ = org.member("L-UTR", "unit-manager")
    assert vote(org.store, idea["id"], a)["votes"] == 1
    again = vote(org.store, idea["id"], a, True)
    assert again["votes"] == 1 and again["voted"], "casting twice keeps one vote"
    assert vote(org.store, idea["id"], b, path=org.paths["L-UTR"])["votes"] == 2
    keys = {row.voter_key for row in select_rows(org.store, sa.select(schema.idea_vote))}
    expected = hmac.new(KEY.encode(), f"idea-vote:{user_a.id}".encode(), hashlib.sha256).hexdigest()
    assert expected in keys and a.author_key not in keys
    withdrawn = vote(org.store, idea["id"], a, False)
    assert withdrawn["votes"] == 1 and not withdrawn["voted"]
    assert vote(org.store, idea["id"], a, False)["votes"] == 1, "withdrawing twice is the same"


def test_nobody_votes_on_their_own_idea_nor_on_a_closed_one(org: Org) -> None:
    author, user = org.member("T-UTR-1")
    for anonymous in (True, False):
        mine = raise_idea(
            org.store, author, user.unit_id, "friction", "Eigen idee", None, anonymous=anonymous
        )
        with pytest.raises(IdeaRefused) as refused:
            vote(org.store, mine["id"], author)
        assert refused.value.message == ideas.OWN_IDEA
    closed = org.idea(title="Al gedaan")
    decide(org.store, closed["id"], BOSS, status="done")
    with pytest.raises(IdeaRefused) as refused:
        vote(org.store, closed["id"], org.member("T-UTR-1")[0])
    assert refused.value.message == ideas.NO_VOTES
    assert get_idea(org.store, closed["id"])["votes"] == 0


def test_another_locations_idea_does_not_exist_for_you(org: Org) -> None:
    theirs = org.idea("L-AMF", title="Amersfoort")
    here = org.paths["L-UTR"]
    voter, _ = org.member("T-UTR-1")
    with pytest.raises(IdeaNotFound):
        vote(org.store, theirs["id"], voter, path=here)
    with pytest.raises(IdeaNotFound):
        decide(org.store, theirs["id"], BOSS, status="planned", path=here)
    with pytest.raises(IdeaNotFound):
        get_idea(org.store, 987654321)
    assert theirs["id"] not in {i["id"] for i in list_ideas(org.store, path=here)}
    assert theirs["id"] in {i["id"] for i in list_ideas(org.store, path=org.paths["R-MID"])}
    with pytest.raises(IdeaRefused) as refused:
        list_ideas(org.store, path=here, unit_code="L-AMF")
    assert refused.value.message == ideas.UNKNOWN_UNIT
    assert (
        get_idea(org.store, theirs["id"])["status"] == "new"
        and get_idea(org.store, theirs["id"])["votes"] == 0
    )


def test_deciding_sets_status_reason_reward_and_the_first_decision_time(org: Org) -> None:
    idea = org.idea(title="Retourbon printen", anonymous=False)
    start = datetime(2026, 5, 1, 9, 0)
    reviewed = decide(org.store, idea["id"], BOSS, status="under_review", now=start)
    assert reviewed["decided_at"] is None and reviewed["status_changed_at"] == start
    with pytest.raises(IdeaRefused) as refused:
        decide(org.store, idea["id"], BOSS, status="declined", now=start)
    assert refused.value.message == ideas.NEED_REASON
    with pytest.raises(IdeaRefused) as refused:
        decide(org.store, idea["id"], BOSS, status="declined", reason="   ", now=start)
    assert refused.value.message == ideas.NEED_REASON
    assert get_idea(org.store, idea["id"])["status"] == "under_review", "nothing half written"
    planned = decide(org.store, idea["id"], BOSS, status="planned", now=start + timedelta(days=3))
    assert planned["decided_at"] == start + timedelta(days=3) and planned["decided_by"] == BOSS
    done = decide(org.store, idea["id"], "Regio@Example.nl", status="done", reward="Taart voor het team",
                  now=start + timedelta(days=9))  # fmt: skip
    assert done["decided_at"] == start + timedelta(days=3), "the first decision counts"
    assert (done["status"], done["reward"], done["decided_by"]) == (
        "done",
        "Taart voor het team",
        "regio@example.nl",
    )
    assert done["status_changed_at"] == start + timedelta(days=9)
    declined = decide(org.store, idea["id"], BOSS, status="declined", reason="Wettelijk verplicht")
    assert declined["decision_reason"] == "Wettelijk verplicht"
    logged = [str(e["detail"]) for e in entries(org.store, action="idea_decided", limit=50)]
    assert f"idea {idea['id']} L-UTR status=done reward=Taart voor het team" in logged
    assert f"idea {idea['id']} L-UTR status=declined reason" in logged
    assert not any(idea["author_email"] in line for line in logged)
    for bad, message in (
        ({"status": "later"}, ideas.BAD_STATUS),
        ({"reason": "x" * 2001}, ideas.LONG_REASON),
        ({"reward": "x" * 201}, ideas.LONG_REWARD),
        ({"reward": "a\x00b"}, ideas.CONTROL_TEXT),
    ):
        with pytest.raises(IdeaRefused) as refused:
            decide(org.store, idea["id"], BOSS, **bad)
        assert refused.value.message == message


def test_lists_sort_by_votes_or_newest_and_filter(org: Org) -> None:
    base = datetime(2026, 6, 1, 8, 0)
    made = [org.idea("L-AMF", title=f"Lijst {n}", kind=kind, now=base + timedelta(hours=n))
            for n, kind in enumerate(("friction", "rule", "friction"))]  # fmt: skip
    ids = [idea["id"] for idea in made]
    for _ in range(2):
        vote(org.store, ids[0], org.member("L-AMF")[0])
    vote(org.store, ids[1], org.member("L-AMF")[0])
    decide(org.store, ids[2], BOSS, status="declined", reason="Nee")

    def listed(**filters: Any) -> list[int]:
        return [i["id"] for i in list_ideas(org.store, unit_code="L-AMF", **filters) if i["id"] in ids]

    assert listed() == [ids[0], ids[1], ids[2]]
    assert listed(sort="newest") == [ids[2], ids[1], ids[0]]
    assert listed(kind="rule") == [ids[1]]
    assert listed(status="open") == [ids[0], ids[1]]
    assert listed(status="declined") == [ids[2]]
    for bad, message in (({"status": "x"}, ideas.BAD_FILTER), ({"sort": "x"}, ideas.BAD_SORT),
                         ({"kind": "x"}, ideas.BAD_KIND)):  # fmt: skip
        with pytest.raises(IdeaRefused) as refused:
            list_ideas(org.store, **bad)
        assert refused.value.message == message


@pytest.fixture
def fresh_org(store: Store, tmp_path: Path) -> Org:
    seed_with_staff(store, tmp_path)
    unit = schema.org_unit
    return Org(store, {row.code: row.path for row in select_rows(store, sa.select(unit.c.code, unit.c.path))})


def test_the_summary_per_unit_matches_hand_computed_figures(fresh_org: Org) -> None:
    now = datetime(2026, 9, 30, 12, 0)
    day = timedelta(days=1)
    plan = [  # (unit, days ago raised, days to the first decision or None, final status)
        ("L-UTR", 60, 10, "done"),
        ("L-UTR", 50, 40, "planned"),
        ("L-UTR", 40, None, "new"),
        ("L-UTR", 5, 2, "declined"),
        ("L-AMF", 20, None, "under_review"),
        ("L-AMF", 3, None, "new"),
    ]
    for n, (unit, ago, decided, status) in enumerate(plan):
        raised = now - ago * day
        idea = fresh_org.idea(unit, title=f"Idee {n}", anonymous=False, now=raised)
        if decided is not None:
            decide(fresh_org.store, idea["id"], BOSS, status="planned", now=raised + decided * day)
        if status != "new":
            decide(fresh_org.store, idea["id"], BOSS, status=status, reason="Omdat", now=raised + 45 * day)
    waiting = list_ideas(fresh_org.store, unit_code="L-UTR", status="new")[0]
    vote(fresh_org.store, waiting["id"], fresh_org.member("L-UTR")[0])
    summary = summarise(fresh_org.store, now=now)
    units = {row["unit_code"]: row for row in summary["units"]}
    utr, amf = units["L-UTR"], units["L-AMF"]
    assert [row["unit_code"] for row in summary["units"]] == ["L-UTR", "L-AMF"], "oldest undecided first"
    assert utr["by_status"] == {"new": 1, "under_review": 0, "planned": 1, "done": 1, "declined": 1}
    assert (utr["ideas"], utr["votes"], utr["decided"]) == (4, 1, 3)
    assert utr["median_days_to_decision"] == pytest.approx(10.0), "median of 10, 40 and 2 days"
    # raised 30+ days ago: 60 (decided in 10), 50 (in 40), 40 (not yet): 1 of 3
    assert (utr["within_n"], utr["within_count"], utr["within_share"]) == (3, 1, pytest.approx(1 / 3))
    reference = proportion_confint(1, 3, method="wilson")  # statsmodels: (0.0614919, 0.7923404)
    assert (utr["within_ci_low"], utr["within_ci_high"]) == pytest.approx(reference, abs=1e-9)
    assert utr["oldest_undecided_days"] == pytest.approx(40.0) and utr["undecided"] == 1
    assert amf["decided"] == 0 and amf["median_days_to_decision"] is None and amf["within_n"] == 0
    assert amf["within_share"] is None and amf["oldest_undecided_days"] == pytest.approx(20.0)
    total = summary["total"]
    assert (total["ideas"], total["decided"], total["within_n"], total["undecided"]) == (6, 3, 3, 3)
    only = summarise(fresh_org.store, path=fresh_org.paths["L-AMF"], now=now)
    assert [row["unit_code"] for row in only["units"]] == ["L-AMF"] and only["total"]["ideas"] == 2
    with pytest.raises(IdeaRefused):
        summarise(fresh_org.store, path=fresh_org.paths["L-AMF"], unit_code="L-UTR")


def test_the_cli_lists_exports_summarises_and_decides(fresh_org: Org, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICECHAIN_")}
    env["SERVICECHAIN_DATABASE_URL"] = fresh_org.store.url
    hidden = fresh_org.idea("T-UTR-1", title="Anoniem, met een komma")
    named = fresh_org.idea("L-AMF", title="Met naam", anonymous=False)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        fresh_org.store.engine.dispose()  # DuckDB: let the command open the file
        command = [sys.executable, "-m", "servicechain.cli", "ideas", *args]
        return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip

    exported = run("list", "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    rows = {int(row["id"]): row for row in csv.DictReader(io.StringIO(exported.stdout))}
    assert (
        rows[hidden["id"]]["title"] == "Anoniem, met een komma" and rows[hidden["id"]]["author_email"] == ""
    )
    assert (
        rows[named["id"]]["author_email"] == named["author_email"] and "author_key" not in rows[named["id"]]
    )
    only = [
        json.loads(line) for line in run("list", "--unit", "L-AMF", "--format", "json").stdout.splitlines()
    ]
    assert [item["id"] for item in only] == [named["id"]]
    refused = run("decide", str(named["id"]), "--status", "declined")
    assert refused.returncode != 0 and "a reason is required" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    done = run(
        "decide", str(named["id"]), "--status", "done", "--reward", "Bon van 25 euro", "--by", "hr@example.nl"
    )
    assert done.returncode == 0 and f"idea {named['id']}: done" in done.stdout, done.stderr
    assert get_idea(fresh_org.store, named["id"])["decided_by"] == "hr@example.nl"
    summary = json.loads(run("summary", "--json").stdout)
    assert summary["total"]["ideas"] == 2 and summary["total"]["by_status"]["done"] == 1
    table = run("summary")
    assert table.returncode == 0 and "Ideas per unit" in table.stdout and "L-AMF" in table.stdout
    assert run("list", "--format", "xml").returncode != 0
    assert "Ideas" in run("list").stdout


TINY = """unit_code,name,kind,parent_code,manager_employee_code
T-MID-HR,Midden - HR,team,R-MID,
"""
TINY_STAFF = """employee_code,unit_code,role,is_manager,customer_facing,hired_on,left_on
E040,T-MID-HR,hr,false,false,2020-01-01,
E041,T-MID-HR,hr,false,false,2020-01-01,2024-12-31
E042,T-MID-HR,hr,false,false,2020-01-01,2099-01-01
E043,T-MID-HR,hr,false,false,2099-01-01,
"""
"""A team right under the region (no location above it): 2 current employees (one leaves later),
one who left and one not yet hired."""


def test_an_anonymous_idea_needs_as_many_colleagues_as_the_anonymity_threshold(
    fresh_org: Org, tmp_path: Path
) -> None:
    import_file(fresh_org.store, "units", write(tmp_path, "tiny.csv", TINY))
    import_file(fresh_org.store, "employees", write(tmp_path, "tiny-staff.csv", TINY_STAFF))
    author, user = fresh_org.member("T-MID-HR")
    assert ideas.home_unit(fresh_org.store, user.unit_id)["code"] == "T-MID-HR", "no location above"
    assert ideas.headcount(fresh_org.store, fresh_org.paths["R-MID"] + f"{user.unit_id}/") == 2
    before = len(list_ideas(fresh_org.store))
    for threshold in (None, 3):  # None: the settings' anonymity_threshold (5)
        with pytest.raises(IdeaRefused) as refused:
            raise_idea(fresh_org.store, author, user.unit_id, "friction", "Te weinig", None, anonymous=True,
                       threshold=threshold)  # fmt: skip
        assert refused.value.message == ideas.TOO_FEW
        assert refused.value.values == {"threshold": threshold or 5, "unit": "Midden - HR"}
        assert "could be traced to you" in str(refused.value) and "with your name" in str(refused.value)
    assert len(list_ideas(fresh_org.store)) == before, "nothing stored"
    allowed = raise_idea(fresh_org.store, author, user.unit_id, "friction", "Net genoeg", None,
                         anonymous=True, threshold=2)  # fmt: skip
    assert allowed["anonymous"] and allowed["unit_code"] == "T-MID-HR"
    named = raise_idea(fresh_org.store, author, user.unit_id, "friction", "Met naam", None,
                       anonymous=False, threshold=10)  # fmt: skip
    assert named["author_email"] == user.email, "an idea raised by name is always allowed"
    # a location counts its teams' people too: L-AMF has 5 now (E011 left), L-UTR 6
    assert fresh_org.idea("L-AMF", threshold=5)["unit_code"] == "L-AMF"
    with pytest.raises(IdeaRefused):
        fresh_org.idea("L-AMF", threshold=6)
    assert fresh_org.idea("T-UTR-1", threshold=6)["unit_code"] == "L-UTR"


def test_every_idea_is_kept_to_the_hour_and_shown_so(org: Org) -> None:
    """Exact times of named ideas around an anonymous one would pin it between them."""
    moment = datetime(2026, 7, 8, 14, 37, 51, 123456)
    named = org.idea("L-AMF", title="Exact uur", anonymous=False, now=moment)
    hidden = org.idea("L-AMF", title="Anoniem uur", now=moment + timedelta(minutes=5))
    hour = datetime(2026, 7, 8, 14, 0)
    for idea in (named, hidden):
        row = _raw(org, idea["id"])
        assert (row.created_at, row.status_changed_at) == (hour, hour), idea["title"]
        assert (idea["created_at"], idea["status_changed_at"]) == (hour, hour)
    # an idea stored with its exact time (before this rule) is shown to the hour only
    idea = schema.idea
    with org.store.transaction() as connection:
        connection.execute(idea.update().where(idea.c.id == named["id"])
                           .values(created_at=moment, status_changed_at=moment))  # fmt: skip
    shown = {i["id"]: i for i in list_ideas(org.store, unit_code="L-AMF")}[named["id"]]
    assert (shown["created_at"], shown["status_changed_at"]) == (hour, hour)
    later = decide(org.store, named["id"], BOSS, status="under_review", now=moment + timedelta(days=1))
    assert later["created_at"] == hour and later["status_changed_at"] == moment + timedelta(days=1)


def test_the_cli_export_does_not_let_a_spreadsheet_run_a_cell(fresh_org: Org, tmp_path: Path) -> None:
    """OWASP CSV injection: a text starting with =, +, -, @ gets a quote; numbers stay numbers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICECHAIN_")}
    env["SERVICECHAIN_DATABASE_URL"] = fresh_org.store.url
    formula = fresh_org.idea("L-AMF", title='=HYPERLINK("http://evil.example","klik")', body="+1+2",
                             anonymous=False)  # fmt: skip
    decide(fresh_org.store, formula["id"], BOSS, status="declined", reason="-niet nu", reward="@SUM(A1)")
    plain_idea = fresh_org.idea("L-AMF", title="Gewoon een titel")
    fresh_org.store.engine.dispose()  # DuckDB: let the command open the file
    command = [sys.executable, "-m", "servicechain.cli", "ideas", "list", "--format", "csv"]
    exported = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    rows = {int(row["id"]): row for row in csv.DictReader(io.StringIO(exported.stdout))}
    row = rows[formula["id"]]
    assert row["title"] == '\'=HYPERLINK("http://evil.example","klik")'
    assert (row["body"], row["decision_reason"], row["reward"]) == ("'+1+2", "'-niet nu", "'@SUM(A1)")
    assert row["votes"] == "0" and row["status"] == "declined" and row["created_at"].endswith(":00:00")
    assert rows[plain_idea["id"]]["title"] == "Gewoon een titel"
    as_json = [json.loads(line) for line in subprocess.run(
        [*command[:-1], "json"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
        check=False).stdout.splitlines()]  # fmt: skip
    assert {item["id"]: item["title"] for item in as_json}[formula["id"]].startswith("="), "JSON as it is"


def test_the_demo_raises_votes_and_decides_ideas_once(fresh_org: Org) -> None:
    """``servicechain demo`` shows the ideas page in use: ideas at the employee login's location,
    three raised by that login and two (one by name, one anonymous; both open) by a colleague
    without a login, so the employee login has ideas to vote on; voted by the other logins (never
    by the author), decided by the location's manager."""
    from servicechain.accounts.users import add_user
    from servicechain.demo.accounts import DOMAIN
    from servicechain.demo.acting import SEEDS, demo_ideas
    from servicechain.settings import Settings

    places = {"executive": "NL", "analyst": "NL", "regional-manager": "R-MID", "unit-manager": "L-UTR",
              "employee": "T-UTR-1"}  # fmt: skip
    logins = {role: add_user(fresh_org.store, f"{role}@{DOMAIN}", role, at) for role, at in places.items()}
    settings = Settings(database_url=fresh_org.store.url, secret_key="demo-ideas-test")
    assert demo_ideas(fresh_org.store, settings) == len(SEEDS)
    assert demo_ideas(fresh_org.store, settings) == 0  # a second demo adds none
    idea, votes = schema.idea, schema.idea_vote
    rows = select_rows(fresh_org.store, sa.select(idea.c.id, idea.c.status, idea.c.author_email,
                                                  idea.c.decided_by).order_by(idea.c.created_at))  # fmt: skip
    assert [row.status for row in rows] == ["done", "planned", "declined", "under_review", "new"]
    colleague = f"collega@{DOMAIN}"
    assert {row.author_email for row in rows} == {None, logins["employee"].email, colleague}
    employee = Member(logins["employee"].id, logins["employee"].email, settings.response_digest_key)
    seen = list_ideas(fresh_org.store, member=employee)
    assert sum(idea["yours"] for idea in seen) == 3
    votable = [idea for idea in seen if not idea["yours"] and idea["status"] not in ("done", "declined")]
    assert len(votable) == 2 and {idea["anonymous"] for idea in votable} == {True, False}
    assert {idea["author_email"] for idea in votable} == {None, colleague}
    assert not any(idea["voted"] for idea in votable), "left for the employee login to vote on"
    assert {row.decided_by for row in rows if row.status != "new"} == {logins["unit-manager"].email}
    per_idea = sa.select(votes.c.idea_id, sa.func.count()).group_by(votes.c.idea_id)
    counted = select_rows(fresh_org.store, per_idea)
    assert sorted(n for _, n in counted) == sorted(len(seed[5]) for seed in SEEDS)


def test_a_period_keeps_the_ideas_raised_on_those_days(org: Org) -> None:
    """``since`` and ``until`` are days, both included (UTC): an idea raised at 23:00 on the last
    day is in, one raised at 00:00 the day after is out; a period that ends before it starts is refused."""
    day = datetime(2031, 4, 1)
    before = org.idea("L-AMF", title="Net ervoor", now=day - timedelta(hours=1))
    first = org.idea("L-AMF", title="Eerste uur", now=day)
    last = org.idea("L-AMF", title="Laatste uur", now=day + timedelta(days=29, hours=23, minutes=59))
    after = org.idea("L-AMF", title="Net erna", now=day + timedelta(days=30))
    decide(org.store, first["id"], BOSS, status="planned", now=day + timedelta(days=2))
    since, until = day.date(), (day + timedelta(days=29)).date()
    listed = {i["id"] for i in list_ideas(org.store, unit_code="L-AMF", since=since, until=until)}
    assert listed == {first["id"], last["id"]}
    assert {i["id"] for i in list_ideas(org.store, since=until + timedelta(days=1))} >= {after["id"]}
    assert before["id"] in {i["id"] for i in list_ideas(org.store, until=since - timedelta(days=1))}
    summary = summarise(org.store, since=since, until=until, now=day + timedelta(days=90))
    assert (summary["total"]["ideas"], summary["total"]["decided"]) == (2, 1)
    assert summary["total"]["median_days_to_decision"] == pytest.approx(2.0)
    assert (summary["since"], summary["until"]) == (since, until)
    for call in (lambda: list_ideas(org.store, since=until, until=since),
                 lambda: summarise(org.store, since=until, until=since)):  # fmt: skip
        with pytest.raises(IdeaRefused) as refused:
            call()
        assert refused.value.message == ideas.BAD_PERIOD
        assert str(refused.value) == "The period ends (2031-04-01) before it starts (2031-04-30)."


def test_a_unit_whose_idea_waits_zero_days_still_comes_first(org: Org) -> None:
    """An idea raised this very hour waits 0.0 days: its unit still has an undecided idea and comes
    before a unit with none (0.0 once counted as "nothing waiting")."""
    hour = datetime(2032, 2, 2, 9, 0)
    org.idea("L-UTR", title="Net binnen", now=hour)
    decided = org.idea("L-AMF", title="Al besloten", now=hour)
    decide(org.store, decided["id"], BOSS, status="planned", now=hour)
    summary = summarise(org.store, since=hour.date(), until=hour.date(), now=hour)
    assert [row["unit_code"] for row in summary["units"]] == ["L-UTR", "L-AMF"]
    assert summary["units"][0]["oldest_undecided_days"] == 0.0 and summary["units"][1]["undecided"] == 0


def test_the_cli_summary_exports_csv_for_a_period(fresh_org: Org, tmp_path: Path) -> None:
    """What an analyst scripts: the figures per unit of one quarter as CSV, and the quarter's ideas."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICECHAIN_")}
    env["SERVICECHAIN_DATABASE_URL"] = fresh_org.store.url
    start = datetime(2026, 1, 1, 10, 0)
    inside = fresh_org.idea("L-UTR", title="=In het kwartaal", now=start, anonymous=False)
    decide(fresh_org.store, inside["id"], BOSS, status="done", now=start + timedelta(days=4))
    fresh_org.idea("L-AMF", title="In het kwartaal, open", now=start + timedelta(days=10))
    outside = fresh_org.idea("L-AMF", title="Daarna", now=start + timedelta(days=95))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        fresh_org.store.engine.dispose()  # DuckDB: let the command open the file
        command = [sys.executable, "-m", "servicechain.cli", "ideas", *args]
        return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip

    quarter = ("--since", "2026-01-01", "--until", "2026-03-31")
    exported = run("summary", *quarter, "--format", "csv")
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [row["unit_code"] for row in rows] == ["L-AMF", "L-UTR", ""] and rows[-1]["unit_name"] == "total"
    utr, total = rows[1], rows[2]
    assert (utr["ideas"], utr["done"], utr["decided"]) == ("1", "1", "1")
    assert utr["median_days_to_decision"] == "4.0" and utr["unit_name"] != "total"
    assert (total["ideas"], total["within_n"], total["within_count"]) == ("2", "2", "1")
    low, high = proportion_confint(1, 2, method="wilson")
    assert (float(total["within_ci_low"]), float(total["within_ci_high"])) == pytest.approx((low, high))
    as_json = json.loads(run("summary", *quarter, "--json").stdout)
    assert as_json["since"] == "2026-01-01" and as_json["total"]["ideas"] == 2
    listed = [json.loads(line) for line in run("list", *quarter, "--format", "json").stdout.splitlines()]
    assert outside["id"] not in {item["id"] for item in listed} and len(listed) == 2
    backwards = run("summary", "--since", "2026-03-31", "--until", "2026-01-01")
    assert backwards.returncode != 0 and "before it starts" in backwards.stdout + backwards.stderr
    assert "Traceback" not in backwards.stdout + backwards.stderr
