"""Friction points and rules in the customer's way: employees raise them, colleagues vote, managers decide.

An idea is a *friction point* ("the return procedure needs three signatures") or a *rule* that
stands in the customer's way. It belongs to the author's **home unit**: the nearest
ancestor-or-self of kind ``location`` of their account's unit (their own unit when there is
none), so their team colleagues and the location's manager see it, and an anonymous idea names
no team. An anonymous idea is refused when fewer current employees (not left, or leaving later)
work in the home unit's subtree than the anonymity threshold (``anonymity_threshold``, the same
minimum group size as for survey results): among so few colleagues it could be traced to its
author, who may raise it by name instead. Named ideas are always allowed.

Anonymity: an anonymous idea stores no e-mail address, only ``author_key`` =
HMAC-SHA256(key, ``"idea-author:<user id>"``), so its author can be shown "yours"; a vote
stores ``voter_key`` = HMAC-SHA256(key, ``"idea-vote:<user id>"``). The two domains differ, so
votes cannot be joined to authorship, and an idea raised by name carries no key at all (the same
key on a named and an anonymous idea would name the author of both). Raising an anonymous idea
writes no audit line. The time of *every* idea, named or not, is kept to the hour only
(``created_at``, and ``status_changed_at`` until its status changes), and ideas are shown with
that hour at most: exact times of named ideas around an anonymous one would pin it between them,
and the audit log's login times cannot pin an hour on one person. Votes are not audited;
decisions are (a named idea's audit line keeps its exact time, but the audit log is for
operators on the command line only: no page or API shows it).

Deciding (status, reason, reward) is for :data:`DECIDERS` within their subtree; declined needs
a reason; ``decided_at`` is the first time an idea became planned, done or declined. The
per-unit summary is in :mod:`servicechain.act.ideas_summary`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from servicechain.accounts.audit import now as utc_now
from servicechain.accounts.audit import record
from servicechain.errors import Refused
from servicechain.settings import get_settings
from servicechain.store import Store, schema

KINDS = ("friction", "rule")
STATUSES = ("new", "under_review", "planned", "done", "declined")
DECIDED = ("planned", "done", "declined")
"""An idea is decided the first time it gets one of these."""
CLOSED = ("done", "declined")
"""Closed ideas take no more votes."""
FILTERS = ("all", "open", *STATUSES)
"""What :func:`list_ideas` filters on: ``all``, ``open`` (not done or declined) or one status."""
SORTS = ("votes", "newest")
DECIDERS = frozenset({"executive", "regional-manager", "unit-manager"})
"""Roles that set an idea's status, reason and reward (within their subtree)."""
MAX_TITLE, MAX_BODY, MAX_REASON, MAX_REWARD = 200, 4000, 2000, 200
CAST_VOTE = sa.text(
    "INSERT INTO idea_vote (idea_id, voter_key) VALUES (:idea_id, :voter_key) ON CONFLICT DO NOTHING"
)
"""One vote per person and idea: a second cast, even at the same moment, changes nothing."""

# Messages (English, with {fields}); the web layer translates them.
UNKNOWN_IDEA = "There is no idea {id} among the ideas you can see."
UNKNOWN_UNIT = "There is no unit {code} among your units."
BAD_KIND = "The kind must be friction or rule, not {kind}."
EMPTY_TITLE = "Give the idea a title (at most {max} characters)."
LONG_BODY = "The description can be at most {max} characters."
CONTROL_TITLE = "The title contains a control character (such as a tab or a line break): remove it."
CONTROL_TEXT = "The {field} contains an invisible control character: remove it."
BAD_STATUS = "The status must be one of new, under_review, planned, done or declined, not {status}."
BAD_FILTER = (
    "The status filter must be all, open, new, under_review, planned, done or declined, not {status}."
)
BAD_SORT = "Sort by votes or newest, not {sort}."
NEED_REASON = "Say why the idea is declined: a reason is required."
LONG_REASON = "The reason can be at most {max} characters."
LONG_REWARD = "The reward can be at most {max} characters."
OWN_IDEA = "This is your own idea: your colleagues vote on it."
NO_VOTES = "This idea is done or declined: it takes no more votes."
TOO_FEW = (
    "Fewer than {threshold} people work at {unit}, so an anonymous idea could be traced to you: "
    "raise it with your name instead."
)
BAD_PERIOD = "The period ends ({until}) before it starts ({since})."
MESSAGES = (UNKNOWN_IDEA, UNKNOWN_UNIT, BAD_KIND, EMPTY_TITLE, LONG_BODY, CONTROL_TITLE, CONTROL_TEXT,
            BAD_STATUS, BAD_FILTER, BAD_SORT, NEED_REASON, LONG_REASON, LONG_REWARD, OWN_IDEA,
            NO_VOTES, TOO_FEW, BAD_PERIOD)  # fmt: skip
FIELDS = {"body": "description", "reason": "reason", "reward": "reward"}
"""The ``{field}`` of :data:`CONTROL_TEXT` per argument."""


class IdeaRefused(Refused):
    """An idea, vote or decision is refused: ``message`` (English, with ``{name}`` fields) and
    ``values``, so pages can translate it."""


class IdeaNotFound(IdeaRefused):
    """No such idea for this caller: unknown, or outside what they may see."""


@dataclass(frozen=True)
class Member:
    """Who raises, votes or reads: the account's id and e-mail, and the installation's digest key."""

    user_id: int
    email: str
    key: str

    def _digest(self, domain: str) -> str:
        message = f"{domain}:{self.user_id}".encode()
        return hmac.new(self.key.encode(), message, hashlib.sha256).hexdigest()

    @property
    def author_key(self) -> str:
        """HMAC-SHA256 of ``idea-author:<user id>`` (RFC 2104): marks the anonymous ideas of this account."""
        return self._digest("idea-author")

    @property
    def voter_key(self) -> str:
        """HMAC-SHA256 of ``idea-vote:<user id>``: this account's votes (not joinable to authorship)."""
        return self._digest("idea-vote")


def home_unit(store: Store, unit_id: int) -> dict[str, Any]:
    """The unit ideas of an account on ``unit_id`` belong to: the nearest ancestor-or-self of kind
    ``location``, else the unit itself (``{id, code, name, path}``)."""
    unit = schema.org_unit
    with store.engine.connect() as connection:
        own = connection.execute(sa.select(unit.c.path).where(unit.c.id == unit_id)).scalar_one()
        ids = [int(part) for part in str(own).strip("/").split("/") if part]
        rows = connection.execute(
            sa.select(unit.c.id, unit.c.code, unit.c.name, unit.c.path, unit.c.kind, unit.c.depth)
            .where(unit.c.id.in_(ids))
            .order_by(unit.c.depth.desc())
        ).all()
    chosen = next((row for row in rows if row.kind == "location"), None)
    chosen = chosen or next(row for row in rows if int(row.id) == unit_id)
    return {"id": int(chosen.id), "code": chosen.code, "name": chosen.name, "path": str(chosen.path)}


def headcount(store: Store, path: str, on: date | None = None) -> int:
    """Current employees of the subtree below ``path`` on ``on`` (default today): hired by then
    (or no date) and not yet left (no ``left_on``, or one after ``on``)."""
    employee, unit = schema.employee, schema.org_unit
    day = on or utc_now().date()
    query = (
        sa.select(sa.func.count())
        .select_from(employee.join(unit, unit.c.id == employee.c.unit_id))
        .where(
            unit.c.path.startswith(path, autoescape=True),
            sa.or_(employee.c.hired_on.is_(None), employee.c.hired_on <= day),
            sa.or_(employee.c.left_on.is_(None), employee.c.left_on > day),
        )
    )
    with store.engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def to_the_hour(moment: datetime) -> datetime:
    """``moment`` without its minutes, seconds and microseconds: the only time an idea keeps."""
    return moment.replace(minute=0, second=0, microsecond=0)


def units_below(store: Store, path: str | None) -> set[int] | None:
    """The ids of the units below ``path`` (None: every unit, returned as None)."""
    if path is None:
        return None
    unit = schema.org_unit
    query = sa.select(unit.c.id).where(unit.c.path.startswith(path, autoescape=True))
    with store.engine.connect() as connection:
        return {int(found) for found in connection.execute(query).scalars()}


def _clean(text: str | None, limit: int, too_long: str, field: str) -> str | None:
    """``text`` stripped (None when empty); refused when longer than ``limit`` or with a control
    character other than a line break or tab."""
    text = (text or "").strip()
    if len(text) > limit:
        raise IdeaRefused(too_long, max=limit)
    if any(unicodedata.category(char) == "Cc" and char not in "\n\r\t" for char in text):
        raise IdeaRefused(CONTROL_TEXT, field=FIELDS[field])
    return text or None


def _title(title: str) -> str:
    title = (title or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise IdeaRefused(EMPTY_TITLE, max=MAX_TITLE)
    if any(unicodedata.category(char) == "Cc" for char in title):
        raise IdeaRefused(CONTROL_TITLE)
    return title


def _unused_id(connection: sa.Connection) -> int:
    """A random nine-digit id no idea has: numbers in order would place an anonymous idea between
    the named ideas raised just before and after it, on every page that shows them."""
    idea = schema.idea
    while True:
        candidate = 100_000_000 + secrets.randbelow(900_000_000)
        if connection.execute(sa.select(idea.c.id).where(idea.c.id == candidate)).first() is None:
            return candidate


def raise_idea(
    store: Store,
    member: Member,
    unit_id: int,
    kind: str,
    title: str,
    body: str | None,
    *,
    anonymous: bool,
    threshold: int | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Raise an idea for the home unit of ``unit_id`` (the author's account's unit); the idea as
    :func:`get_idea` gives it to its author. Its time is kept to the hour. An anonymous idea is
    refused (:data:`TOO_FEW`) when the home unit's subtree has fewer current employees than
    ``threshold`` (default: the settings' ``anonymity_threshold``)."""
    if kind not in KINDS:
        raise IdeaRefused(BAD_KIND, kind=kind)
    title, body = _title(title), _clean(body, MAX_BODY, LONG_BODY, "body")
    home = home_unit(store, unit_id)
    moment = to_the_hour(now or utc_now())
    if anonymous:
        minimum = get_settings().anonymity_threshold if threshold is None else threshold
        if headcount(store, home["path"], moment.date()) < minimum:
            raise IdeaRefused(TOO_FEW, threshold=minimum, unit=home["name"])
    idea = schema.idea
    with store.transaction() as connection:
        idea_id = connection.execute(
            idea.insert()
            .values(
                id=_unused_id(connection),
                unit_id=home["id"],
                kind=kind,
                title=title,
                body=body,
                author_email=None if anonymous else member.email.lower(),
                author_key=member.author_key if anonymous else None,
                status="new",
                created_at=moment,
                status_changed_at=moment,
            )
            .returning(idea.c.id)
        ).scalar_one()
        if not anonymous:  # an anonymous idea leaves no line naming its author
            record(connection, member.email, "idea_raised", f"idea {idea_id} {home['code']} {kind}", client)
    return get_idea(store, int(idea_id), member=member)


def vote(
    store: Store, idea_id: int, member: Member, cast: bool = True, *, path: str | None = None
) -> dict[str, Any]:
    """Cast (``cast=True``) or withdraw this member's vote on an idea below ``path``; the idea.

    Idempotent: casting twice keeps one vote (the primary key decides). Refused on the
    member's own idea and on done or declined ones."""
    votes = schema.idea_vote
    with store.transaction() as connection:
        row = _find(connection, idea_id, path)
        if row.author_key == member.author_key or (row.author_email or "") == member.email.lower():
            raise IdeaRefused(OWN_IDEA)
        if row.status in CLOSED:
            raise IdeaRefused(NO_VOTES)
        if cast:  # a double click stores one vote, even as two requests at once (both engines know it)
            connection.execute(CAST_VOTE, {"idea_id": idea_id, "voter_key": member.voter_key})
        else:
            connection.execute(
                votes.delete().where(votes.c.idea_id == idea_id, votes.c.voter_key == member.voter_key)
            )
    return get_idea(store, idea_id, member=member, path=path)


def decide(
    store: Store,
    idea_id: int,
    by: str,
    *,
    status: str | None = None,
    reason: str | None = None,
    reward: str | None = None,
    path: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Set the status, reason or reward of an idea below ``path`` (None stays; "" clears a reason or
    reward); the idea. Declined needs a reason; ``decided_at`` is set the first time it becomes
    planned, done or declined, ``decided_by`` to who decided last. Audited, without the author."""
    if status is not None and status not in STATUSES:
        raise IdeaRefused(BAD_STATUS, status=status)
    given_reason = None if reason is None else _clean(reason, MAX_REASON, LONG_REASON, "reason")
    given_reward = None if reward is None else _clean(reward, MAX_REWARD, LONG_REWARD, "reward")
    moment = now or utc_now()
    idea = schema.idea
    with store.transaction() as connection:
        row = _find(connection, idea_id, path)
        changes: dict[str, Any] = {}
        if status is not None and status != row.status:
            changes |= {"status": status, "status_changed_at": moment}
            if status in DECIDED and row.decided_at is None:
                changes["decided_at"] = moment
        if reason is not None and given_reason != row.decision_reason:
            changes["decision_reason"] = given_reason
        if reward is not None and given_reward != row.reward:
            changes["reward"] = given_reward
        final = changes.get("status", row.status)
        if final == "declined" and not changes.get("decision_reason", row.decision_reason):
            raise IdeaRefused(NEED_REASON)
        if changes:
            connection.execute(
                idea.update().where(idea.c.id == idea_id).values(**changes, decided_by=by.lower())
            )
            what = " ".join(f"{key}={changes[key]}" for key in ("status", "reward") if key in changes)
            detail = (
                f"idea {idea_id} {row.unit_code} {what}{' reason' if 'decision_reason' in changes else ''}"
            )
            record(connection, by, "idea_decided", detail.strip(), client)
    return get_idea(store, idea_id, path=path)


def _votes() -> sa.Subquery:
    votes = schema.idea_vote
    return (
        sa.select(votes.c.idea_id, sa.func.count().label("votes"))
        .group_by(votes.c.idea_id)
        .subquery("counts")
    )


def _select(member: Member | None) -> sa.Select:  # type: ignore[type-arg]
    idea, unit, counts = schema.idea, schema.org_unit, _votes()
    mine: sa.ColumnElement[bool] = sa.false()
    if member is not None:
        votes = schema.idea_vote
        mine = sa.exists().where(votes.c.idea_id == idea.c.id, votes.c.voter_key == member.voter_key)
    return (
        sa.select(
            idea,
            unit.c.code.label("unit_code"),
            unit.c.name.label("unit_name"),
            unit.c.path.label("unit_path"),
            sa.func.coalesce(counts.c.votes, 0).label("votes"),
            mine.label("voted"),
        )
        .join(unit, unit.c.id == idea.c.unit_id)
        .outerjoin(counts, counts.c.idea_id == idea.c.id)
    )


def _find(connection: sa.Connection, idea_id: int, path: str | None) -> sa.Row:  # type: ignore[type-arg]
    row = connection.execute(_select(None).where(schema.idea.c.id == idea_id)).first()
    if row is None or (path is not None and not str(row.unit_path).startswith(path)):
        raise IdeaNotFound(UNKNOWN_IDEA, id=idea_id)
    return row


def _view(row: sa.Row, member: Member | None) -> dict[str, Any]:  # type: ignore[type-arg]
    """An idea as a dict: no author key, ``anonymous``, ``yours`` and ``voted`` for ``member``."""
    item = {key: value for key, value in row._mapping.items() if key not in ("author_key", "unit_path")}
    item["created_at"] = to_the_hour(row.created_at)  # also ideas stored before times were rounded
    if row.status_changed_at == row.created_at:  # unchanged since it was raised: the same hour only
        item["status_changed_at"] = item["created_at"]
    item["votes"], item["voted"] = int(row.votes), bool(row.voted)
    item["anonymous"] = row.author_email is None
    item["yours"] = member is not None and (
        (row.author_key is not None and row.author_key == member.author_key)
        or (row.author_email is not None and row.author_email == member.email.lower())
    )
    return item


def get_idea(
    store: Store, idea_id: int, *, member: Member | None = None, path: str | None = None
) -> dict[str, Any]:
    """One idea below ``path`` with its votes (``yours``, ``voted`` for ``member``); else IdeaNotFound."""
    with store.engine.connect() as connection:
        _find(connection, idea_id, path)
        row = connection.execute(_select(member).where(schema.idea.c.id == idea_id)).one()
    return _view(row, member)


def unit_path(store: Store, code: str, path: str | None = None) -> str:
    """The path of unit ``code`` when it lies below ``path`` (None: anywhere); IdeaRefused otherwise."""
    unit = schema.org_unit
    with store.engine.connect() as connection:
        found = connection.execute(sa.select(unit.c.path).where(unit.c.code == code)).scalar()
    if found is None or (path is not None and not str(found).startswith(path)):
        raise IdeaRefused(UNKNOWN_UNIT, code=code)
    return str(found)


def raised_between(query: sa.Select, since: date | None, until: date | None) -> sa.Select:  # type: ignore[type-arg]
    """``query`` kept to the ideas raised from day ``since`` to day ``until`` (both included, UTC;
    None: no limit); refused when ``until`` lies before ``since``."""
    if since is not None and until is not None and until < since:
        raise IdeaRefused(BAD_PERIOD, since=since.isoformat(), until=until.isoformat())
    created = schema.idea.c.created_at
    if since is not None:
        query = query.where(created >= datetime.combine(since, datetime.min.time()))
    if until is not None:
        query = query.where(created < datetime.combine(until + timedelta(days=1), datetime.min.time()))
    return query


def list_ideas(
    store: Store,
    *,
    path: str | None = None,
    member: Member | None = None,
    status: str = "all",
    kind: str | None = None,
    unit_code: str | None = None,
    sort: str = "votes",
    since: date | None = None,
    until: date | None = None,
) -> list[dict[str, Any]]:
    """The ideas below ``path`` (None: all), most votes first (``sort="votes"``, ties newest first)
    or newest first; ``status`` one of :data:`FILTERS`, ``kind`` one of :data:`KINDS`,
    ``unit_code`` that unit's subtree (IdeaRefused when it is not below ``path``), raised from
    ``since`` to ``until`` (days, both included)."""
    if status not in FILTERS:
        raise IdeaRefused(BAD_FILTER, status=status)
    if kind is not None and kind not in KINDS:
        raise IdeaRefused(BAD_KIND, kind=kind)
    if sort not in SORTS:
        raise IdeaRefused(BAD_SORT, sort=sort)
    idea, unit = schema.idea, schema.org_unit
    query = _select(member)
    below = unit_path(store, unit_code, path) if unit_code else path
    if below is not None:
        query = query.where(unit.c.path.startswith(below, autoescape=True))
    if status == "open":
        query = query.where(idea.c.status.not_in(CLOSED))
    elif status != "all":
        query = query.where(idea.c.status == status)
    if kind is not None:
        query = query.where(idea.c.kind == kind)
    query = raised_between(query, since, until)
    newest = (idea.c.created_at.desc(), idea.c.id.desc())
    order = newest if sort == "newest" else (sa.desc("votes"), *newest)
    with store.engine.connect() as connection:
        rows = connection.execute(query.order_by(*order)).all()
    return [_view(row, member) for row in rows]
