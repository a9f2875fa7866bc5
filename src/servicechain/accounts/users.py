"""Users: add, find, authenticate (argon2, throttled), set passwords, one-time setup links.

A user is added without a password; ``servicechain users add`` prints a setup link (signed,
valid for 7 days, usable once) on which the user chooses one, or an administrator sets it
with ``servicechain users set-password``.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from servicechain.accounts.audit import now, recent_failures, record
from servicechain.accounts.roles import ROLES, sees_everything
from servicechain.errors import UserError
from servicechain.store import Store, schema

MIN_PASSWORD_LENGTH = 10
MAX_FAILURES = 5
"""Failed logins for one address within :data:`FAILURE_WINDOW` before it is locked for a while."""
FAILURE_WINDOW = timedelta(minutes=15)
SETUP_LINK_DAYS = 7
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@dataclass(frozen=True)
class User:
    """A signed-in person: role and the unit whose subtree they may see."""

    id: int
    email: str
    role: str
    unit_id: int
    unit_code: str
    unit_name: str
    language: str | None
    has_password: bool
    password_marker: str
    """Changes whenever the password does: sessions and setup links carry it and die with it."""


class LoginRefused(UserError):
    """Wrong address or password, or too many attempts (``retry_after`` seconds)."""

    def __init__(self, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _marker(password_hash: str | None, session_version: int) -> str:
    """A digest of the password hash and the session version: it changes with either, and tells
    nothing about the hash (sessions and setup links carry it, signed but readable)."""
    return hashlib.sha256(f"{password_hash or 'unset'}|{session_version}".encode()).hexdigest()[:20]


def _select() -> sa.Select:  # type: ignore[type-arg]
    user, unit = schema.app_user, schema.org_unit
    return sa.select(
        user.c.id, user.c.email, user.c.role, user.c.unit_id, unit.c.code.label("unit_code"),
        unit.c.name.label("unit_name"), user.c.language, user.c.password_hash, user.c.session_version,
    ).join(unit, unit.c.id == user.c.unit_id).where(user.c.disabled_at.is_(None))  # fmt: skip


def _user(row: sa.Row) -> User:  # type: ignore[type-arg]
    return User(
        id=int(row.id), email=row.email, role=row.role, unit_id=int(row.unit_id), unit_code=row.unit_code,
        unit_name=row.unit_name, language=row.language, has_password=row.password_hash is not None,
        password_marker=_marker(row.password_hash, int(row.session_version or 0)),
    )  # fmt: skip


def check_password(password: str) -> None:
    """Refuse passwords that are too short (NIST SP 800-63B: length over composition rules)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")


def add_user(
    store: Store, email: str, role: str, unit_code: str | None = None, *, password: str | None = None
) -> User:
    """Add an account; executives and analysts default to the whole organisation (the root)."""
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UserError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    if password is not None:
        check_password(password)
    units = schema.org_unit
    with store.transaction() as connection:
        if unit_code is None:
            if not sees_everything(role):
                raise UserError(f"a {role} needs --unit CODE: the unit whose results they see")
            unit_id = connection.execute(sa.select(units.c.id).where(units.c.parent_id.is_(None))).scalar()
            if unit_id is None:
                raise UserError("import the organisation's units first (servicechain import units FILE)")
        else:
            unit_id = connection.execute(sa.select(units.c.id).where(units.c.code == unit_code)).scalar()
            if unit_id is None:
                raise UserError(f"no unit with code {unit_code!r}")
        taken = connection.execute(sa.select(schema.app_user.c.id).where(schema.app_user.c.email == email))
        if taken.first() is not None:
            raise UserError(f"a user {email} exists already")
        connection.execute(
            schema.app_user.insert().values(
                email=email, role=role, unit_id=unit_id, created_at=now(),
                password_hash=_hasher.hash(password) if password else None,
                password_set_at=now() if password else None,
            )
        )  # fmt: skip
        record(connection, email, "user_added", f"role {role}, unit {unit_code or 'organisation'}")
    return find_user(store, email=email)


def find_user(store: Store, *, email: str | None = None, user_id: int | None = None) -> User:
    """The active user with this address or id (UserError when there is none)."""
    query = _select()
    if email is not None:
        query = query.where(schema.app_user.c.email == email.strip().lower())
    if user_id is not None:
        query = query.where(schema.app_user.c.id == user_id)
    with store.engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        raise UserError(f"no user {email or user_id}")
    return _user(row)


def list_users(store: Store) -> list[User]:
    """All active users, by address."""
    with store.engine.connect() as connection:
        return [_user(row) for row in connection.execute(_select().order_by(schema.app_user.c.email))]


def set_password(store: Store, email: str, password: str, *, client: str | None = None) -> User:
    """Set (or replace) the password; earlier sessions and setup links stop working."""
    check_password(password)
    user = find_user(store, email=email)
    with store.transaction() as connection:
        connection.execute(
            schema.app_user.update()
            .where(schema.app_user.c.id == user.id)
            .values(password_hash=_hasher.hash(password), password_set_at=now())
        )
        record(connection, user.email, "password_set", "", client)
    return find_user(store, user_id=user.id)


SESSION_RECORD_DAYS = 31
"""Session rows older than this are deleted when a new session starts (no login lasts that long)."""


def start_session(store: Store, user: User) -> str:
    """Record a new session of ``user``; its random id goes into the signed cookie."""
    session_id = secrets.token_urlsafe(32)
    sessions = schema.app_session
    with store.transaction() as connection:
        connection.execute(
            sessions.delete().where(sessions.c.created_at < now() - timedelta(days=SESSION_RECORD_DAYS))
        )
        connection.execute(sessions.insert().values(id=session_id, user_id=user.id, created_at=now()))
    return session_id


def session_alive(store: Store, session_id: str, user_id: int, hours: float) -> bool:
    """True while the session of ``user_id`` is not logged out and younger than ``hours`` (the
    server's limit: a cookie refreshed by later requests does not outlive it)."""
    sessions = schema.app_session
    with store.engine.connect() as connection:
        row = connection.execute(
            sa.select(sessions.c.ended_at, sessions.c.created_at).where(
                sessions.c.id == session_id, sessions.c.user_id == user_id
            )
        ).first()
    return row is not None and row.ended_at is None and row.created_at > now() - timedelta(hours=hours)


def end_session(store: Store, session_id: str, user: User, *, client: str | None = None) -> None:
    """Log out: this session ends on the server (a copy of its cookie dies with it); others stay."""
    sessions = schema.app_session
    with store.transaction() as connection:
        connection.execute(sessions.update().where(sessions.c.id == session_id).values(ended_at=now()))
        record(connection, user.email, "logout", "", client)


def end_sessions(store: Store, email: str) -> None:
    """Sign a user out everywhere (a lost phone): every session so far stops working."""
    user = find_user(store, email=email)
    users = schema.app_user
    with store.transaction() as connection:
        connection.execute(
            users.update().where(users.c.id == user.id).values(session_version=users.c.session_version + 1)
        )
        record(connection, user.email, "signed_out_everywhere", "")


def disable_user(store: Store, email: str) -> None:
    """Disable an account (someone left): it cannot sign in, its sessions and API tokens stop
    working at once; its audit history stays."""
    user = find_user(store, email=email)
    users = schema.app_user
    with store.transaction() as connection:
        connection.execute(users.update().where(users.c.id == user.id).values(disabled_at=now()))
        record(connection, user.email, "user_disabled", "")


def set_language(store: Store, user: User, language: str) -> None:
    """Remember the user's language across sessions."""
    with store.transaction() as connection:
        connection.execute(
            schema.app_user.update().where(schema.app_user.c.id == user.id).values(language=language)
        )


def authenticate(store: Store, email: str, password: str, *, client: str | None = None) -> User:
    """The user, when the password is right; every failure is logged and counts towards a lock."""
    email = email.strip().lower()
    wait = 0
    with store.transaction() as connection:
        failures = recent_failures(connection, email=email, window=FAILURE_WINDOW)
        if len(failures) >= MAX_FAILURES:
            free_at = failures[-MAX_FAILURES] + FAILURE_WINDOW
            wait = max(1, math.ceil((free_at - now()).total_seconds()))
            record(connection, email, "login_throttled", "", client)
    if wait:  # raised after the commit, so the refusal is in the audit log
        raise LoginRefused("too many failed attempts; try again later", retry_after=wait)
    with store.transaction() as connection:
        row = connection.execute(_select().where(schema.app_user.c.email == email)).first()
        stored = row.password_hash if row is not None else None
        try:
            if stored is None:
                _hasher.verify(_DUMMY_HASH, password)  # same time as a real check: no user enumeration
                raise VerifyMismatchError
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            record(connection, email, "login_failed", "", client)
            failed = True
        else:
            failed = False
            record(connection, email, "login", "", client)
            if row is not None and _hasher.check_needs_rehash(stored):
                connection.execute(
                    schema.app_user.update()
                    .where(schema.app_user.c.id == row.id)
                    .values(password_hash=_hasher.hash(password))
                )
    if failed:  # outside the transaction, so the failure is committed
        raise LoginRefused("unknown e-mail address or wrong password")
    return find_user(store, email=email)


_DUMMY_HASH = _hasher.hash("not a password of anyone")


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="servicechain-setup-link")


def setup_token(user: User, secret: str) -> str:
    """A signed token for the setup link: the user's id and password marker."""
    return _serializer(secret).dumps({"user": user.id, "marker": user.password_marker})


def user_for_setup(store: Store, token: str, secret: str) -> User:
    """The user of a setup link that is valid, unexpired and not used yet."""
    try:
        data = _serializer(secret).loads(token, max_age=SETUP_LINK_DAYS * 86400)
    except SignatureExpired as error:
        raise UserError("this link has expired; ask for a new one") from error
    except BadSignature as error:
        raise UserError("this link is not valid") from error
    user = find_user(store, user_id=int(data["user"]))
    if user.password_marker != data["marker"]:
        raise UserError("this link has been used already")
    return user
