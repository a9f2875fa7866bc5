"""What the pages that act on results share: the caller and their subtree, refusals in the
caller's language, CSRF for API writes made with a session cookie.

Alerts, action plans, ideas, recognition and incentives all answer for "the units below the
caller": :func:`scope_path` is that subtree's path (None for the whole organisation), and a
unit or item outside it is a 404 like an unknown id.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import JSONResponse

from servicechain.accounts.roles import sees_everything, sees_scores
from servicechain.accounts.users import User
from servicechain.store import schema
from servicechain.web.access import Forbidden, NotFound, PageError
from servicechain.web.i18n import N_, translator
from servicechain.web.session import bearer, check_csrf, language_of, signed_in, store_of


def scope_path(request: Request, user: User) -> str | None:
    """The path of the caller's subtree (None: the whole organisation)."""
    if sees_everything(user.role):
        return None
    unit = schema.org_unit
    with store_of(request).engine.connect() as connection:
        path = connection.execute(sa.select(unit.c.path).where(unit.c.id == user.unit_id)).scalar()
    return str(path) if path else "/none/"


FOR_MANAGERS = N_(
    "This page is for managers. As an employee you raise ideas and read your location’s compliments: "
    "see Ideas and Compliments in the menu."
)


def scores_caller(request: Request) -> tuple[User, str | None]:
    """The caller (signed in, a role that sees scores) and the path of their subtree."""
    user = signed_in(request)
    if not sees_scores(user.role):
        raise Forbidden(FOR_MANAGERS)
    return user, scope_path(request, user)


def check_api_write(request: Request) -> None:
    """An API call that writes with a session cookie sends the CSRF token in ``X-CSRF-Token``;
    one with a bearer token needs none."""
    if bearer(request) is None:
        check_csrf(request, request.headers.get("x-csrf-token"))


def said(request: Request, error: PageError) -> str:
    """A page error's message in the caller's language, its ``{fields}`` filled in."""
    return translator(language_of(request))(error.message, **error.values)


def unprocessable(request: Request, error: PageError) -> JSONResponse:
    """The API's answer to a refused request: 422 with the message in the caller's language."""
    return JSONResponse({"error": {"status": 422, "message": said(request, error)}}, status_code=422)


def back_to(given: str, page: str) -> str:
    """Where a form returns to: ``given`` when it is ``page`` or below it on this site (a form's
    ``back`` field keeps the list's filters), else ``page`` itself."""
    safe = given.startswith(page) and "//" not in given and "\\" not in given
    return given if safe else page


def unit_within(request: Request, path: str | None, code: str | None) -> str | None:
    """The caller's subtree ``path``, or that of unit ``code`` within it; NotFound (404) for a unit
    that is unknown or outside the subtree, like an unknown id."""
    if not code:
        return path
    unit = schema.org_unit
    with store_of(request).engine.connect() as connection:
        found = connection.execute(sa.select(unit.c.path).where(unit.c.code == code)).scalar()
    if found is None or (path is not None and not str(found).startswith(path)):
        raise NotFound(N_("There is no unit {code} among your units."), code=code)
    return str(found)


def with_done(url: str, flag: str) -> str:
    """``url`` with ``done=flag`` in its query (replacing one there): after a form worked, the page
    it redirects to (POST-redirect-GET) says so."""
    parts = urlsplit(url)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "done"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("done", flag)])))


def done_notice(request: Request, notices: dict[str, str], done: str | None) -> str | None:
    """The confirmation ``notices[done]`` in the caller's language; None for no or another value."""
    message = notices.get(done or "")
    return translator(language_of(request))(message) if message else None
