"""Recognition on both engines: praise found in reviews and comments, matched to the right colleague,
decided by the right role, and the yearly awards; THE demo test (a colleague named in a 5-star review
becomes a suggestion for that person only); the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from conftest import fresh_store
from factories import write
from web_support import DEMO

from servicechain.accounts.audit import entries
from servicechain.act import awards as yearly
from servicechain.act import recognition_queue as queue
from servicechain.act.praise import fold, mentions, vocabulary
from servicechain.act.recognition import (
    RecognitionForbidden,
    RecognitionNotFound,
    RecognitionRefused,
    find_recognition,
)
from servicechain.analysis.snapshot import refresh
from servicechain.demo.load import load_demo, read_truth
from servicechain.ingest.pipeline import import_file
from servicechain.instruments import load_default_instruments
from servicechain.settings import Settings
from servicechain.store import Store, schema

UNITS = """unit_code,name,kind,parent_code,manager_employee_code
NL,Winkelketen BV,company,,
R-MID,Regio Midden,region,NL,
L-UTR,Utrecht Centraal,location,R-MID,E001
T-UTR-S,Utrecht Centraal - Servicebalie,team,L-UTR,
T-UTR-W,Utrecht Centraal - Winkelvloer,team,L-UTR,
L-AMF,Amersfoort Centrum,location,R-MID,E010
"""
EMPLOYEES = """employee_code,unit_code,role,is_manager,customer_facing,hired_on,left_on,\
first_name,last_name,known_as
E001,L-UTR,filiaalmanager,true,true,2019-03-01,,Ahmed,Bakker,
E002,T-UTR-S,servicemedewerker,false,true,2022-09-01,,Sanne,de Vries,
E003,T-UTR-W,verkoper,false,true,2021-01-01,,Sanne,Jansen,
E004,T-UTR-W,verkoper,false,true,2020-01-01,,Johannes,Visser,Hans
E005,T-UTR-W,verkoper,false,true,2020-01-01,2026-03-31,Daan,Smit,
E006,T-UTR-S,servicemedewerker,false,true,2026-05-01,,Daniel,Mulder,
E007,T-UTR-W,verkoper,false,true,2020-01-01,,Chloé,Meijer,
E008,T-UTR-W,verkoper,false,true,2020-01-01,,Mei,Chen,
E010,L-AMF,filiaalmanager,true,true,2020-02-01,,Sanne,Bos,
"""
REVIEW_HEAD = "review_id,source,unit_code,posted_at,rating,rating_max,language,text"


def review(
    key: str, text: str, rating: int = 5, top: int = 5, unit: str = "L-UTR", day: str = "2026-06-15"
) -> str:
    return f'{key},google,{unit},{day}T12:00:00,{rating},{top},nl,"{text}"'


REVIEWS = [
    review("R1", "Fijne winkel! Sanne aan de servicebalie was super behulpzaam."),  # E002 by team
    review("R2", "Sanne was erg vriendelijk."),  # two Sannes at L-UTR: ambiguous
    review("R3", "Kudos to Hans on the shop floor!"),  # known_as
    review("R4", "Thanks, Daan took the time.", day="2026-02-01"),  # Daan employed then
    review("R5", "Thanks, Daan took the time.", day="2026-06-01"),  # Daan left; Daniel (variant) hired
    review("R6", "Chloe hielp me super goed."),  # diacritics
    review("R7", "In mei was het druk. Mei was niet behulpzaam."),  # lower-case month, negated cue
    review("R8", "Sanne aan de servicebalie was super behulpzaam.", rating=2),  # negative review
    review("R9", "Hans aan de servicebalie was top."),  # Hans works on the shop floor: an analyst looks
    review("R10", "Mei op de winkelvloer was top."),  # a word-like name, with a team phrase: trusted
    review("R11", "Complimenten voor Johannes!", rating=7, top=10),  # 7 of 10 counts as positive
    review("R12", "Sanne aan de servicebalie was super behulpzaam.", rating=6, top=10),  # 6 of 10 does not
    review("R13", "Sanne, top!", unit="L-AMF"),  # the only Sanne of L-AMF
]


@pytest.fixture
def small(store: Store, tmp_path: Path) -> Store:
    """A location with two teams (two Sannes, a Hans, a Daan who left, a Daniel who came), and another."""
    import_file(store, "units", write(tmp_path, "units.csv", UNITS))
    import_file(store, "employees", write(tmp_path, "employees.csv", EMPLOYEES))
    text = "\n".join([REVIEW_HEAD, *REVIEWS]) + "\n"
    result = import_file(store, "reviews", write(tmp_path, "reviews.csv", text))
    assert result.inserted == len(REVIEWS)
    return store


def rows_by_review(store: Store) -> dict[str, list[Any]]:
    rec, review, employee = schema.recognition, schema.review, schema.employee
    query = (
        sa.select(rec, review.c.source_key, employee.c.code.label("employee_code"))
        .join(review, sa.and_(rec.c.source == "review", review.c.id == rec.c.source_id))
        .outerjoin(employee, employee.c.id == rec.c.employee_id)
    )
    out: dict[str, list[Any]] = {}
    with store.engine.connect() as connection:
        for row in connection.execute(query):
            out.setdefault(str(row.source_key), []).append(row)
    return out


def path_of(store: Store, code: str) -> str:
    unit = schema.org_unit
    with store.engine.connect() as connection:
        return str(connection.execute(sa.select(unit.c.path).where(unit.c.code == code)).scalar_one())


def codes_of(store: Store, ids: str) -> set[str]:
    employee = schema.employee
    with store.engine.connect() as connection:
        found = connection.execute(sa.select(employee.c.code).where(employee.c.id.in_(json.loads(ids))))
        return {str(code) for code in found.scalars()}


def test_matching_rules(small: Store) -> None:
    result = find_recognition(small)
    found = rows_by_review(small)
    one = {key: rows[0] for key, rows in found.items() if len(rows) == 1}
    assert (one["R1"].status, one["R1"].employee_code, one["R1"].name) == ("suggested", "E002", "Sanne")
    assert one["R1"].excerpt == "Sanne aan de servicebalie was super behulpzaam."
    assert one["R1"].rating == 1.0 and str(one["R1"].said_on) == "2026-06-15"
    assert one["R2"].status == "ambiguous" and one["R2"].employee_id is None
    assert codes_of(small, one["R2"].candidates) == {"E002", "E003"}
    assert (one["R3"].status, one["R3"].employee_code) == ("suggested", "E004")
    assert (one["R4"].status, one["R4"].employee_code) == ("suggested", "E005")  # employed on the day
    assert (one["R5"].status, one["R5"].employee_code) == ("suggested", "E006")  # Daan left: Daniel
    assert (one["R6"].status, one["R6"].employee_code, one["R6"].name) == ("suggested", "E007", "Chloe")
    assert "R7" not in found and "R8" not in found and "R12" not in found
    # the only Hans, but the review names a team he is not in: an analyst looks
    assert one["R9"].status == "ambiguous" and codes_of(small, one["R9"].candidates) == {"E004"}
    assert (one["R13"].status, one["R13"].employee_code) == ("suggested", "E010")
    assert (one["R10"].status, one["R10"].employee_code) == ("suggested", "E008")
    assert (one["R11"].status, one["R11"].employee_code, one["R11"].rating) == ("suggested", "E004", 0.7)
    assert result.added == len(found) == 10 and result.ambiguous == 2


def test_finding_again_adds_nothing(small: Store) -> None:
    first = find_recognition(small, email="analist@example.nl")
    before = rows_by_review(small)
    again = find_recognition(small, email="analist@example.nl")
    assert first.added == 10 and again.added == 0 and again.texts == first.texts
    assert {k: [tuple(r) for r in v] for k, v in rows_by_review(small).items()} == {
        k: [tuple(r) for r in v] for k, v in before.items()
    }
    logged = entries(small, action="recognition_found")
    assert [entry["detail"] for entry in logged] == [
        f"0 new from {again.texts} texts",
        f"10 new from {first.texts} texts",
    ]


def test_a_later_run_reads_only_new_texts_unless_the_roster_changed(
    small: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The finder keeps a mark per source: a refresh reads the texts that came since (all of them
    again when names changed, or with full=True), so it does not grow with the whole history."""
    from servicechain.act import recognition

    monkeypatch.setattr(recognition, "RESCAN_MARGIN", 0)  # no re-read margin: the window is exact
    first = find_recognition(small)
    assert first.texts == 11 and first.added == 10
    assert find_recognition(small).texts == 0
    extra = review("R14", "Chloé op de winkelvloer was geweldig.", day="2026-07-01")
    import_file(small, "reviews", write(tmp_path, "more.csv", f"{REVIEW_HEAD}\n{extra}\n"))
    later = find_recognition(small)
    assert (later.texts, later.added) == (1, 1)
    assert find_recognition(small, full=True).texts == 12
    roster = "employee_code,unit_code,role,is_manager,customer_facing,known_as\n"
    roster += "E007,T-UTR-W,verkoper,false,true,Clo\n"
    import_file(small, "employees", write(tmp_path, "nickname.csv", roster))
    again = find_recognition(small)  # a new name form: every text is read against it
    assert (again.texts, again.added) == (12, 0)


def test_comments_of_satisfied_customers_count(small: Store, tmp_path: Path) -> None:
    """Touchpoint comments in the top two boxes of satisfaction are read; the till's employee decides
    between two namesakes."""
    items = load_default_instruments()["touchpoint"].item_keys
    head = f"response_id,unit_code,employee_code,channel,occurred_at,{','.join(items)},comment"

    def row(key: str, satisfaction: int, who: str, comment: str) -> str:
        answers = [str(satisfaction) if item == "satisfaction" else "" for item in items]
        return f'{key},L-UTR,{who},in_person,2026-06-20T10:00:00,{",".join(answers)},"{comment}"'

    text = "\n".join([head, row("T1", 4, "E003", "Sanne was heel vriendelijk."),
                      row("T2", 3, "", "Sanne was heel vriendelijk.")]) + "\n"  # fmt: skip
    import_file(small, "touchpoints", write(tmp_path, "touchpoints.csv", text))
    find_recognition(small)
    rec = schema.recognition
    with small.engine.connect() as connection:
        rows = list(connection.execute(sa.select(rec).where(rec.c.source == "touchpoint")))
    assert len(rows) == 1 and rows[0].status == "suggested" and rows[0].rating == pytest.approx(0.8)
    assert codes_of(small, json.dumps([rows[0].employee_id])) == {"E003"}


def test_mentions_guard_against_words() -> None:
    words = vocabulary()
    known = {fold(n) for n in ("Mei", "Iris", "Milan", "Top", "Sanne")}
    assert mentions("Ik kom in Mei terug, super winkel.", known, [], words) == []  # a word-like name alone
    assert [m.name for m in mentions("Complimenten voor Iris!", known, [], words)] == ["Iris"]
    assert mentions("Top service, bedankt!", known, [], words) == []  # a cue is not a name
    assert mentions("Sanne was niet behulpzaam.", known, [], words) == []
    assert mentions("Sanne wasn't helpful.", known, [], words) == []
    assert mentions("sanne was super behulpzaam.", known, [], words) == []  # not capitalised
    both = mentions("Sanne aan de Servicebalie en Milan in de winkel: super!", known, ["Servicebalie"], words)
    assert [(m.name, sorted(m.teams)) for m in both] == [
        ("Sanne", ["servicebalie"]),
        ("Milan", ["servicebalie"]),
    ]
    assert words.forms("Johannes") >= {"jan", "hans", "john"} and "daan" in words.forms("Daniel")


def test_criticism_is_never_praise() -> None:
    """A place or team phrase alone praises nobody, nor does a sentence with criticism or a
    negated cue (the reviewer's examples: these became suggestions once)."""
    words = vocabulary()
    known = {fold(n) for n in ("Jan", "Sanne", "Daan")}
    teams = ["Servicebalie", "Winkelvloer"]
    for text in (
        "Jan in de winkel was niet vriendelijk.",
        "Jan was onbeleefd in de winkel.",
        "De medewerker aan de servicebalie, Sanne, was onbeleefd en niet behulpzaam.",
        "Jan was niet zo erg vriendelijk.",
        "Daan on the shop floor was rude.",
        "Sanne aan de servicebalie.",
    ):
        assert mentions(text, known, teams, words) == [], text
    for text, name in (
        ("Sanne aan de servicebalie was super behulpzaam.", "Sanne"),
        ("Daan on the shop floor really took the time to help me.", "Daan"),
        ("Geen klachten: Jan was heel vriendelijk.", "Jan"),
    ):
        assert [m.name for m in mentions(text, known, teams, words)] == [name], text


NAMED = ("Sanne", "Jan", "Karin", "Mei", "Dan", "Wil", "Floor", "Will", "Hans")


@pytest.mark.parametrize(
    ("text", "praised"),
    [
        # praise of one colleague and criticism (or nothing) of another in one sentence
        ("Sanne was top, maar Jan niet.", ["Sanne"]),
        ("Sanne was super behulpzaam, maar Jan was onbeleefd.", ["Sanne"]),
        ("Sanne was really helpful, but Jan was rude.", ["Sanne"]),
        ("Iedereen was vriendelijk, behalve Jan.", []),
        ("De wachttijd was slecht, maar Sanne hielp me super goed.", ["Sanne"]),
        ("Niet alleen Sanne maar ook Jan was super.", ["Sanne", "Jan"]),
        ("Sanne was nothing but helpful.", ["Sanne"]),
        # comparisons that praise despite a negation word; a negation that does not
        ("Nog nooit zo goed geholpen als door Sanne.", ["Sanne"]),
        ("Never had such friendly help as from Sanne.", ["Sanne"]),
        ("Sanne couldn't be more helpful.", ["Sanne"]),
        ("I can't thank Sanne enough.", ["Sanne"]),
        ("Sanne was niet zo vriendelijk.", []),
        ("Jan was not so friendly.", []),
        # a possessive is the name
        ("Sanne's help was great.", ["Sanne"]),
        # the writer's own name: a sign-off ("vriendelijke", "kind" praise nobody there), an introduction
        ("Super geholpen. Met vriendelijke groet, Karin", []),
        ("Great service, kind regards, Karin", []),
        ("Top geholpen door Sanne, groetjes Karin", ["Sanne"]),
        ("Mijn naam is Karin en ik werd super geholpen door Sanne.", ["Sanne"]),
        # names that are words, first in the sentence (written with a capital anyway)
        ("Dan maar naar de servicebalie, super geholpen.", []),
        ("Wil even zeggen dat het super was.", []),
        ("Floor staff were very helpful.", []),
        ("Will definitely come back to the service desk, great help.", []),
        ("Mei op de winkelvloer was top.", ["Mei"]),
        ("Bedankt Will, super!", ["Will"]),
        ("Jan en Janneke waren top.", ["Jan"]),  # Janneke is no Jan
    ],
)
def test_who_is_praised(text: str, praised: list[str]) -> None:
    """The reviewer's cases: each of these praised the wrong person, or missed the right one, before."""
    known = {fold(n) for n in NAMED}
    assert [m.name for m in mentions(text, known, ["Servicebalie", "Winkelvloer"], vocabulary())] == praised


def test_a_customers_own_name_and_a_criticised_colleague_get_no_recognition(
    small: Store, tmp_path: Path
) -> None:
    """On the store: a 5-star review signed by a customer called Sanne (L-AMF has one Sanne) suggests
    nobody; one that praises Hans and criticises Chloé suggests Hans only."""
    text = "\n".join([
        REVIEW_HEAD,
        review("S1", "Prima winkel, snel geholpen. Met vriendelijke groet, Sanne", unit="L-AMF"),
        review("S2", "Hans op de winkelvloer was super behulpzaam, maar Chloé was onbeleefd."),
        review("S3", "Chloé was top, maar Hans niet."),
    ]) + "\n"  # fmt: skip
    import_file(small, "reviews", write(tmp_path, "signed.csv", text))
    find_recognition(small)
    found = rows_by_review(small)
    assert "S1" not in found
    assert [(r.status, r.employee_code) for r in found["S2"]] == [("suggested", "E004")]
    assert [(r.status, r.employee_code) for r in found["S3"]] == [("suggested", "E007")]


def test_employee_survey_comments_are_never_read(small: Store) -> None:
    """An employee's survey comment that praises a colleague by name makes no recognition: it would show
    the sentence, its day and unit to managers and on the wall, and so point at its author."""
    from datetime import date

    wave, answer, unit = schema.survey_wave, schema.employee_response, schema.org_unit
    with small.transaction() as connection:
        utr = connection.execute(sa.select(unit.c.id).where(unit.c.code == "L-UTR")).scalar_one()
        wave_id = connection.execute(
            wave.insert().values(code="W-2026", instrument_key="employee", period="2026-Q2", status="closed")
            .returning(wave.c.id)
        ).scalar_one()  # fmt: skip
        connection.execute(
            answer.insert().values(
                source_key="x" * 64, wave_id=wave_id, unit_id=utr, submitted_on=date(2026, 6, 1),
                import_id=connection.execute(sa.select(sa.func.max(schema.import_log.c.id))).scalar_one(),
                comment="Sanne aan de servicebalie was super behulpzaam, bedankt!",
            )
        )  # fmt: skip
    result = find_recognition(small, full=True)
    assert result.added == 10, "the reviews' recognition only"
    rec = schema.recognition
    with small.engine.connect() as connection:
        sources = set(connection.execute(sa.select(rec.c.source).distinct()).scalars())
        excerpts = set(connection.execute(sa.select(rec.c.excerpt)).scalars())
    assert sources <= {"review", "customer", "touchpoint"}
    assert "Sanne aan de servicebalie was super behulpzaam, bedankt!" not in excerpts


def test_decisions_by_role_and_scope(small: Store) -> None:
    find_recognition(small)
    found = rows_by_review(small)
    sanne, both, hans, other = (found[key][0].id for key in ("R1", "R2", "R9", "R13"))
    utr = path_of(small, "L-UTR")
    with pytest.raises(RecognitionNotFound):
        queue.decide(small, other, "reject", "vestiging@example.nl", "unit-manager", path=utr)
    with pytest.raises(RecognitionNotFound):
        queue.decide(small, 999999, "confirm", "vestiging@example.nl", "unit-manager", path=utr)
    with pytest.raises(RecognitionForbidden):
        queue.decide(small, sanne, "confirm", "analist@example.nl", "analyst")
    with pytest.raises(RecognitionForbidden):
        queue.decide(
            small, both, "choose", "vestiging@example.nl", "unit-manager", employee_code="E002", path=utr
        )
    with pytest.raises(RecognitionRefused, match="not one of the colleagues"):
        queue.decide(small, both, "choose", "analist@example.nl", "analyst", employee_code="E004")
    with pytest.raises(RecognitionRefused, match="Choose the colleague"):
        queue.decide(small, both, "choose", "analist@example.nl", "analyst")
    with pytest.raises(RecognitionRefused, match="must be confirm, reject or choose"):
        queue.decide(small, sanne, "approve", "vestiging@example.nl", "unit-manager", path=utr)
    done = queue.decide(small, sanne, "confirm", "Vestiging@example.nl", "unit-manager", path=utr, client="t")
    assert done["status"] == "confirmed" and done["decided_by"] == "vestiging@example.nl"
    assert done["employee"]["code"] == "E002" and done["employee"]["team"] == "Servicebalie"
    with pytest.raises(RecognitionRefused, match="already confirmed"):
        queue.decide(small, sanne, "reject", "directie@example.nl", "executive")
    chosen = queue.decide(small, both, "choose", "analist@example.nl", "analyst", employee_code="E003")
    assert chosen["status"] == "confirmed" and chosen["employee"]["code"] == "E003"
    rejected = queue.decide(small, hans, "reject", "analist@example.nl", "analyst")
    assert rejected["status"] == "rejected"
    log = entries(small, limit=10)
    assert [e["action"] for e in log[:3]] == [
        "recognition_rejected",
        "recognition_confirmed",
        "recognition_confirmed",
    ]
    assert (
        log[2]["email"] == "vestiging@example.nl"
        and log[2]["client"] == "t"
        and f"recognition {sanne}" in log[2]["detail"]
    )


def test_lists_pages_of_a_subtree(small: Store) -> None:
    find_recognition(small)
    found = rows_by_review(small)
    queue.decide(small, found["R1"][0].id, "confirm", "directie@example.nl", "executive")
    utr, amf = path_of(small, "L-UTR"), path_of(small, "L-AMF")
    mine = queue.list_recognition(small, path=utr)
    assert {item["unit_code"] for item in mine} == {"L-UTR"} and mine[0]["status"] == "ambiguous"
    assert {item["id"] for item in queue.list_recognition(small, path=amf)} == {found["R13"][0].id}
    assert queue.count_open(small, path=utr) == len(mine)
    assert [i["employee"]["code"] for i in queue.list_recognition(small, path=utr, status="confirmed")] == [
        "E002"
    ]
    page = queue.list_recognition(small, status="confirmed", employee_code="E002")
    assert page[0]["parts"] == ("", "Sanne", " aan de servicebalie was super behulpzaam.")
    assert (
        queue.list_recognition(small, status="confirmed", unit_code="T-UTR-S")[0]["employee"]["code"]
        == "E002"
    )
    assert queue.list_recognition(small, status="confirmed", unit_code="T-UTR-W") == []
    with pytest.raises(RecognitionNotFound):
        queue.list_recognition(small, path=amf, unit_code="L-UTR")
    with pytest.raises(RecognitionNotFound):
        queue.employee_of(small, "E002", path=amf)
    assert queue.employee_of(small, "E004", path=utr)["name"] == "Johannes (Hans) Visser"
    with pytest.raises(RecognitionRefused, match="must be one of"):
        queue.list_recognition(small, status="maybe")


def test_awards(small: Store) -> None:
    find_recognition(small)
    found = rows_by_review(small)
    for key in ("R1", "R3", "R11", "R6"):
        queue.decide(small, found[key][0].id, "confirm", "directie@example.nl", "executive")
    queue.decide(small, found["R13"][0].id, "confirm", "directie@example.nl", "executive")
    result = yearly.awards(small, 2026, min_size=2)  # Servicebalie has 2 people: below the default 5
    assert result["recognitions"] == 5
    assert [(p["code"], p["count"]) for p in result["employee"]] == [("E004", 2), ("E007", 1), ("E010", 1)]
    assert result["employee"][0]["mean_rating"] == pytest.approx(0.85)  # 5/5 and 7/10
    teams = {t["code"]: t for t in result["team"]}
    winkelvloer, servicebalie = teams["T-UTR-W"], teams["T-UTR-S"]
    assert winkelvloer["count"] == 3 and winkelvloer["rate"] == pytest.approx(3 / winkelvloer["person_years"])
    # four compliments over two teams differ no more than chance: nobody stands out on recognition
    assert winkelvloer["rate_spread"] == servicebalie["z_shrunk_rate"] == winkelvloer["z_shrunk_rate"] == 0.0
    assert winkelvloer["shrunk_rate"] == pytest.approx(
        4 / (winkelvloer["person_years"] + servicebalie["person_years"])
    )
    # a tie is a shared place, not the alphabet's pick: listed by name, both first
    ranks = [(t["code"], t["rank"], t["shared"]) for t in result["team"]]
    assert ranks == [("T-UTR-S", 1, 2), ("T-UTR-W", 1, 2)]
    # E002, E007 and E010 share the second place (one recognition each, all 5 of 5): two are listed
    assert [(p["rank"], p["shared"]) for p in result["employee"]] == [(1, 1), (2, 3), (2, 3)]
    assert yearly.awards(small, 2026, path=path_of(small, "L-AMF"))["employee"][0]["code"] == "E010"
    assert yearly.awards(small, 2025)["employee"] == [] and yearly.years_with_recognition(small) == [2026]


def test_recognition_rates_are_shrunk_by_empirical_bayes() -> None:
    """Marshall's (1991) moment estimator, by hand: four units of 10 person-years with 20, 2, 2 and 2
    recognitions; rates that differ no more than chance (the exact conditional test of Poisson
    homogeneity does not reject) all shrink to the overall rate."""
    found = yearly.shrink_rates([20, 2, 2, 2], [10.0, 10.0, 10.0, 10.0])
    m = 26 / 40
    s2 = (10 * (2.0 - m) ** 2 + 3 * 10 * (0.2 - m) ** 2) / 40
    tau2 = s2 - m / 10
    share = tau2 / (tau2 + m / 10)
    assert found["overall"] == pytest.approx(m) and found["spread"] == pytest.approx(tau2**0.5)
    assert found["shrunk"][0] == pytest.approx(m + share * (2.0 - m))
    assert found["z"][1] == pytest.approx(share * (0.2 - m) / tau2**0.5)
    assert found["z"][0] > 0 > found["z"][1] == found["z"][3]
    assert found["p"] < 0.001
    small = yearly.shrink_rates([1, 0, 0], [3.0, 20.0, 20.0])  # one compliment in a team of three
    assert small["p"] == pytest.approx(3 / 43, abs=0.02), "the chance it lands in the small team"
    assert small["z"] == [0.0, 0.0, 0.0] and small["shrunk"] == [pytest.approx(1 / 43)] * 3
    assert yearly.homogeneity_p([5, 5, 5], [10.0, 10.0, 10.0]) == 1.0
    bigger = yearly.shrink_rates([12, 3, 20, 1], [3.0, 20.0, 20.0, 2.0])
    assert bigger["shrunk"][0] < 12 / 3 and bigger["z"][2] > 0, "a small unit's rate is pulled in"


# --- THE demo test -----------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The tests' demo, loaded and refreshed (which finds the recognition)."""
    with fresh_store(request, request.param, tmp_path_factory.mktemp("recognition")) as store:
        load_demo(store, **DEMO)
        refresh(store, settings=Settings(database_url=store.url, secret_key="x" * 40))
        yield store


def test_demo_praise_becomes_a_suggestion_for_the_right_person_only(demo: Store) -> None:
    """For every review of the demo truth that names a colleague with the top rating there is
    recognition: a suggestion for exactly that colleague, or an ambiguous match that includes them; no
    suggestion names anyone else; reviews that praise nobody make (next to) no recognition."""
    praise: dict[str, str] = read_truth(demo)["truth"]["praise"]  # type: ignore[index]
    review = schema.review
    with demo.engine.connect() as connection:
        reviews = {str(r.source_key): r for r in connection.execute(sa.select(review))}
    found = rows_by_review(demo)
    top = [key for key in praise if reviews[key].rating == reviews[key].rating_max]
    assert len(top) >= 20
    for key in top:
        rows = found.get(key, [])
        assert rows, f"{key} praises {praise[key]} but made no recognition: {reviews[key].text}"
        assert any(
            r.employee_code == praise[key] or praise[key] in codes_of(demo, r.candidates) for r in rows
        )
        for row in rows:
            if row.status == "suggested":
                assert row.employee_code == praise[key], f"{key}: {row.excerpt} suggested {row.employee_code}"
            else:
                assert praise[key] in codes_of(demo, row.candidates), f"{key}: {row.excerpt}"
    praised = [k for k in found if k in praise]
    wrong = [k for k in found if k not in praise]
    right = sum(1 for k in praised for r in found[k] if r.employee_code == praise[k])
    suggested = sum(1 for rows in found.values() for r in rows if r.status == "suggested")
    positive = [k for k in praise if reviews[k].rating >= 0.7 * reviews[k].rating_max]
    print(
        f"\nrecognition on the demo: {len(reviews)} reviews, {len(praise)} name a colleague; found for "
        f"{len(praised)} ({len(praised) / len(praise):.0%} recall, "
        f"{len(praised) / len(positive):.0%} of the positive ones), {right}/{suggested} suggestions right, "
        f"{len(wrong)} reviews with recognition that praise nobody"
    )
    assert len(wrong) <= 0.01 * len(reviews)
    assert right == suggested
    assert len(praised) == len(positive)


def test_demo_awards_show_their_numbers(demo: Store) -> None:
    """Confirming the demo's suggestions gives awards whose numbers add up, with scores from the snapshot."""
    for item in queue.list_recognition(demo, status="suggested"):
        queue.decide(demo, item["id"], "confirm", "directie@example.nl", "executive")
    year = yearly.years_with_recognition(demo)[0]
    result = yearly.awards(demo, year)
    best = result["employee"][0]
    assert best["count"] >= result["employee"][-1]["count"] >= 1
    for level in ("team", "location"):
        ranked = result[level]
        assert [u["score"] for u in ranked] == sorted((u["score"] for u in ranked), reverse=True)
        keys = ["shrunk_rate", *yearly.SCORES[level]]
        assert all(u["rate_spread"] == ranked[0]["rate_spread"] for u in ranked)
        for unit in ranked:
            assert unit["score"] == pytest.approx(sum(unit[f"z_{key}"] for key in keys) / len(keys))
            for key in keys[1:]:  # a score held back (a small team) counts as average
                assert unit[key] is not None or unit[f"z_{key}"] == 0.0
    assert all(u["ce_index"] is not None and u["engagement_index"] is not None for u in result["location"])
    assert 0 <= len(result["team"]) <= yearly.TOP


# --- the command line --------------------------------------------------------------------------


def run(store: Store, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICECHAIN_")}
    env |= {"SERVICECHAIN_DATABASE_URL": store.url, "COLUMNS": "200"}
    store.engine.dispose()  # DuckDB: let the command open the file
    return subprocess.run([sys.executable, "-m", "servicechain.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip


def test_command_line(small: Store) -> None:
    found = run(small, "recognition", "find", "--by", "analist@example.nl")
    assert found.returncode == 0, found.stderr
    assert "10 new (8 suggested, 2 ambiguous)" in found.stdout
    listed = run(small, "recognition", "list", "--json")
    items = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(items) == 10 and items[0]["status"] == "ambiguous"
    sanne = next(i for i in items if i["status"] == "suggested" and i["employee"]["code"] == "E002")
    both = next(i for i in items if i["status"] == "ambiguous" and len(i["candidates"]) == 2)
    assert run(small, "recognition", "confirm", str(sanne["id"])).returncode == 0
    chosen = run(small, "recognition", "choose", str(both["id"]), "E003")
    assert chosen.returncode == 0 and "confirmed for Sanne Jansen (E003)" in chosen.stdout
    again = run(small, "recognition", "reject", str(sanne["id"]))
    assert again.returncode == 2 and "already confirmed" in again.stderr and "Traceback" not in again.stderr
    unknown = run(small, "recognition", "choose", str(both["id"]), "E999")
    assert unknown.returncode == 2
    awards = run(small, "recognition", "awards", "--year", "2026", "--json")
    assert json.loads(awards.stdout)["employee"][0]["code"] in {"E002", "E003"}
    table = run(small, "recognition", "awards")
    assert "Employee of the year 2026" in table.stdout and "Location of the year" in table.stdout


# --- awards: every part on the same scale, and no award for a team too small to be anonymous ---------

AWARD_UNITS = """unit_code,name,kind,parent_code,manager_employee_code
NL,Winkelketen BV,company,,
R-MID,Regio Midden,region,NL,
L-A,Locatie A,location,R-MID,
T-A1,Team A1,team,L-A,
T-A2,Team A2,team,L-A,
T-A3,Team A3,team,L-A,
L-B,Locatie B,location,R-MID,
T-SOLO,Team Solo,team,L-B,
"""
"""Three teams of six at L-A; L-B has a team of one and its manager: two people."""


def award_store(store: Store, folder: Path) -> dict[str, str]:
    """:data:`AWARD_UNITS` with their people (all employed the whole of 2026); unit code -> path."""
    people = ["employee_code,unit_code,role,is_manager,customer_facing,hired_on,left_on"]
    teams = {"T-A1": 6, "T-A2": 6, "T-A3": 6, "T-SOLO": 1, "L-B": 1}
    for team, size in teams.items():
        people += [f"E-{team}-{n},{team},verkoper,false,true,2020-01-01," for n in range(size)]
    import_file(store, "units", write(folder, "award-units.csv", AWARD_UNITS))
    import_file(store, "employees", write(folder, "award-people.csv", "\n".join(people) + "\n"))
    return {code: path_of(store, code) for code in ("L-A", "L-B", "T-A1", "T-A2", "T-A3", "T-SOLO")}


def said(paths: dict[str, str], **counts: int) -> list[Any]:
    """Confirmed recognitions as :func:`yearly.unit_of_the_year` reads them: one row per compliment."""
    from types import SimpleNamespace

    return [
        SimpleNamespace(path=paths[code.replace("_", "-")]) for code, n in counts.items() for _ in range(n)
    ]


def test_recognition_weighs_as_much_as_each_engagement_part(store: Store, tmp_path: Path) -> None:
    """The shrunk recognition rates are standardised over the units compared like the engagement
    parts: mean 0 and spread exactly 1 (``(shrunk - m) / tau`` spread less: shrinking pulls the rates
    together, and recognition counted for less than its equal weight)."""
    import statistics

    paths = award_store(store, tmp_path)
    rows = said(paths, T_A1=40, T_A2=4, T_A3=14)
    teams = yearly.unit_of_the_year(store, "team", 2026, paths["L-A"], rows, 5)
    assert [t["code"] for t in teams] == ["T-A1", "T-A3", "T-A2"] and teams[0]["rate_p"] < 0.001
    z = [t["z_shrunk_rate"] for t in teams]
    shrunk = [t["shrunk_rate"] for t in teams]
    assert statistics.fmean(z) == pytest.approx(0.0, abs=1e-12)
    assert statistics.pstdev(z) == pytest.approx(1.0), "the same scale as z_engagement_index"
    for team in teams:
        expected = (team["shrunk_rate"] - statistics.fmean(shrunk)) / statistics.pstdev(shrunk)
        assert team["z_shrunk_rate"] == pytest.approx(expected)
        assert team["score"] == pytest.approx(team["z_shrunk_rate"] / 2), "no engagement: z 0"
    assert teams[0]["rate_spread"] > 0 and teams[0]["overall_rate"] == pytest.approx(58 / 18)


def test_a_team_or_location_smaller_than_the_anonymity_threshold_wins_nothing(
    store: Store, tmp_path: Path
) -> None:
    """A team of one with three compliments is not team of the year, nor its location of two people
    location of the year: both need the anonymity threshold's number of employees (5 by default)."""
    paths = award_store(store, tmp_path)
    rows = said(paths, T_SOLO=3, T_A1=2, T_A2=1, T_A3=1)
    assert yearly.minimum_size(store, 2026) == 5, "the settings' anonymity_threshold"
    anyone = yearly.unit_of_the_year(store, "team", 2026, None, rows, 1)
    assert "T-SOLO" in [t["code"] for t in anyone], "without the minimum it competes"
    teams = yearly.unit_of_the_year(store, "team", 2026, None, rows, 5)
    assert {t["code"] for t in teams} == {"T-A1", "T-A2", "T-A3"}
    assert all(t["employees"] == 6 and t["person_years"] == pytest.approx(6.0) for t in teams)
    locations = yearly.unit_of_the_year(store, "location", 2026, None, rows, 5)
    assert [(u["code"], u["employees"], u["count"]) for u in locations] == [("L-A", 18, 4)]
    result = yearly.awards(store, 2026)
    assert result["min_size"] == 5 and "T-SOLO" not in {t["code"] for t in result["team"]}
    assert [u["code"] for u in result["location"]] == ["L-A"], "L-B has two people"
    assert [u["code"] for u in yearly.awards(store, 2026, min_size=2)["location"]] == ["L-A", "L-B"]


def test_the_demo_confirms_earlier_quarters_praise_only(small: Store) -> None:
    """``servicechain demo`` confirms suggestions from before the newest quarter with praise (so
    awards and unit pages have something to show) and leaves the newest ones to the manager."""
    from datetime import date

    from servicechain.demo.acting import demo_recognition

    find_recognition(small)
    rec = schema.recognition
    with small.engine.connect() as connection:
        before = connection.execute(sa.select(rec.c.id, rec.c.status, rec.c.said_on)).all()
    earlier = {row.id for row in before if row.status == "suggested" and row.said_on < date(2026, 4, 1)}
    assert earlier, "the fixture has a suggestion from an earlier quarter"
    assert demo_recognition(small) == len(earlier)
    with small.engine.connect() as connection:
        after = {row.id: row.status for row in connection.execute(sa.select(rec.c.id, rec.c.status))}
    assert {i for i, status in after.items() if status == "confirmed"} == earlier
    assert sum(status == "suggested" for status in after.values()) > 0, "the newest quarter's wait"


def test_a_review_may_praise_a_colleague_who_left_in_the_month_before_it() -> None:
    """Reviews are often written days after the visit: a colleague who left up to 30 days before the
    review may be the one praised; one who left earlier, or came later, may not (the demo's praise of
    Ruben two weeks after his last day was missed before)."""
    from datetime import date

    from servicechain.act.roster import WRITTEN_WITHIN, Employee

    ruben = Employee(1, "E1", 1, date(2019, 12, 16), date(2025, 3, 11), frozenset({"ruben"}),
                     frozenset({"ruben"}), None)  # fmt: skip
    assert WRITTEN_WITHIN.days == 30
    assert ruben.could_have_served(date(2025, 3, 25)) and not ruben.employed_on(date(2025, 3, 25))
    assert ruben.could_have_served(date(2025, 4, 9)) and not ruben.could_have_served(date(2025, 4, 10))
    assert not ruben.could_have_served(date(2019, 12, 15)), "not before the first day"
    assert ruben.could_have_served(None)


def test_the_awards_command_says_who_shares_a_place(capsys: pytest.CaptureFixture[str]) -> None:
    """As on the awards page: a shared first place, and how many more share the last place listed."""
    from servicechain.cli_recognition import _say_ties

    _say_ties([{"rank": 1, "shared": 2}, {"rank": 1, "shared": 2}, {"rank": 3, "shared": 4}], "colleagues")
    said = capsys.readouterr().out
    assert "2 colleagues share the first place" in said and "3 more colleagues share place 3" in said
    _say_ties([{"rank": 1, "shared": 1}, {"rank": 2, "shared": 1}], "units")
    assert capsys.readouterr().out == ""
