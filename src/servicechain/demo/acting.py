"""Acting on the results in the demo: ideas raised, voted and decided; recognition confirmed.

So ``make demo`` shows the act pages in use: the employee login has raised ideas at the demo
location (anonymously and by name), the other demo logins voted, and the location's manager
planned, completed (with a reward) and declined (with a reason) some of them over the past
weeks. The praise found in earlier quarters' reviews is confirmed, as managers would have done,
so the unit pages, the compliments wall and the yearly awards have something to show; the
newest quarter's suggestions wait for the manager.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from servicechain.accounts.audit import now as utc_now
from servicechain.act import recognition_queue
from servicechain.act.ideas import Member, decide, home_unit, raise_idea, vote
from servicechain.demo.accounts import DOMAIN
from servicechain.settings import Settings
from servicechain.store import Store, schema

SEEDS = (
    # kind, title, body, anonymous, days ago, voters (roles), decision (status, days later, reason, reward)
    ("friction", "De retourprocedure vraagt drie handtekeningen",
     "Een klant die iets terugbrengt wacht tot er een leidinggevende is voor de derde handtekening.",
     True, 40, ("unit-manager", "regional-manager", "executive", "analyst"),
     ("done", 12, None, "Lunch voor het team")),
    ("rule", "Cadeaubonnen mogen we niet omruilen zonder bon",
     "Klanten met een cadeaubon zonder bon sturen we nu weg; dat voelt niet goed.",
     False, 30, ("unit-manager", "regional-manager", "analyst"), ("planned", 9, None, None)),
    ("friction", "De pinautomaat bij kassa 2 valt vaak uit", None,
     False, 14, ("unit-manager",), ("under_review", 3, None, None)),
    ("rule", "Bellen met de servicebalie mag alleen via het callcenter",
     "Klanten willen even vragen of iets op voorraad is.",
     True, 21, ("regional-manager",), ("declined", 6,
     "Het callcenter houdt de voorraad van alle winkels bij; we laten de app de voorraad tonen.", None)),
    ("friction", "Geen tijd om nieuwe collega's op zaterdag in te werken", None,
     True, 2, ("analyst", "executive"), None),
)  # fmt: skip


def demo_ideas(store: Store, settings: Settings) -> int:
    """Raise, vote and decide the demo's ideas at the demo employee's location; 0 when it has ideas
    already (a second ``make demo`` adds none). Two of them were raised by a colleague without a
    login (by name and anonymously, both still open), so the employee login has ideas to vote on."""
    users = schema.app_user
    with store.engine.connect() as connection:
        rows = connection.execute(
            sa.select(users.c.id, users.c.email, users.c.role, users.c.unit_id).where(
                users.c.email.like(f"%@{DOMAIN}")
            )
        ).all()
    logins = {row.role: row for row in rows}
    if "employee" not in logins or "unit-manager" not in logins:
        return 0
    employee, key = logins["employee"], settings.response_digest_key
    home = home_unit(store, int(employee.unit_id))
    with store.engine.connect() as connection:
        idea = schema.idea
        if connection.execute(sa.select(sa.func.count()).where(idea.c.unit_id == home["id"])).scalar_one():
            return 0
    author = Member(int(employee.id), str(employee.email), key)
    colleague = Member(0, f"collega@{DOMAIN}", key)  # no login: the employee login may vote on its ideas
    by_colleague = {SEEDS[2][1], SEEDS[4][1]}  # the pinautomaat (by name), Saturdays (anonymous)
    today = utc_now()
    for kind, title, body, anonymous, age, voters, decision in SEEDS:
        raised = today - timedelta(days=age)
        by = colleague if title in by_colleague else author
        made = raise_idea(store, by, int(employee.unit_id), kind, title, body, anonymous=anonymous,
                          threshold=settings.anonymity_threshold, now=raised)  # fmt: skip
        for role in voters:
            voter = logins.get(role)
            if voter is not None:
                vote(store, int(made["id"]), Member(int(voter.id), str(voter.email), key))
        if decision is not None:
            status, later, reason, reward = decision
            decide(store, int(made["id"]), str(logins["unit-manager"].email), status=status, reason=reason,
                   reward=reward, now=raised + timedelta(days=later))  # fmt: skip
    return len(SEEDS)


def demo_recognition(store: Store) -> int:
    """Confirm the suggestions (one colleague named) of texts from before the newest quarter with
    praise, as the command line's operator; the number confirmed."""
    rec = schema.recognition
    with store.engine.connect() as connection:
        newest = connection.execute(sa.select(sa.func.max(rec.c.said_on))).scalar()
        if newest is None:
            return 0
        before = date(newest.year, 3 * ((newest.month - 1) // 3) + 1, 1)
        ids = connection.execute(
            sa.select(rec.c.id).where(rec.c.status == "suggested", rec.c.said_on < before).order_by(rec.c.id)
        ).scalars().all()
    for recognition_id in ids:
        recognition_queue.decide(store, int(recognition_id), "confirm", f"demo@{DOMAIN}", None)
    return len(ids)
