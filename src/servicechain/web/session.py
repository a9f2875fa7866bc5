"""The caller of a request: session cookie or API token, CSRF tokens, language.

Sessions are Starlette's signed cookies (itsdangerous, HttpOnly, SameSite=Lax); the
session holds the user's id and a marker of their password hash, so changing the
password ends every other session. Forms carry a per-session CSRF token; API calls with
a session cookie send it as ``X-CSRF-Token``, calls with a bearer token need none.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from servicechain.accounts.tokens import user_for_token
from servicechain.accounts.users import User, find_user, session_alive, start_session
from servicechain.errors import UserError
from servicechain.store import Store
from servicechain.web.access import PageError
from servicechain.web.i18n import LANGUAGES, N_


class NotSignedIn(PageError):
    """No valid session or token (pages: to the login page; API: 401)."""


class CsrfFailed(PageError):
    """A form or API call without the right CSRF token (403)."""


def store_of(request: Request) -> Store:
    """The application's store."""
    return request.app.state.store  # type: ignore[no-any-return]


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def check_csrf(request: Request, given: str | None) -> None:
    """Refuse the request unless ``given`` is the session's CSRF token."""
    expected = request.session.get("csrf")
    if not expected or not given or not hmac.compare_digest(str(expected).encode(), given.encode()):
        raise CsrfFailed(
            N_("The form has expired or did not come from this site; reload the page and try again.")
        )


def bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_user(request: Request) -> User | None:
    """The signed-in user (session) or the token's user, else None."""
    if hasattr(request.state, "user"):
        return request.state.user  # type: ignore[no-any-return]
    user: User | None = None
    token = bearer(request)
    if token is not None:
        user = user_for_token(store_of(request), token)
    elif request.session.get("user") is not None:
        try:
            user = find_user(store_of(request), user_id=int(request.session["user"]))
        except UserError:
            user = None
        if (
            user is None
            or user.password_marker != request.session.get("marker")
            or not session_alive(
                store_of(request),
                str(request.session.get("sid")),
                user.id,
                request.app.state.settings.session_hours,
            )
        ):
            request.session.pop("user", None)
            user = None
    request.state.user = user
    return user


def signed_in(request: Request) -> User:
    """The caller, or NotSignedIn."""
    user = current_user(request)
    if user is None:
        raise NotSignedIn(
            N_("Sign in first.") if bearer(request) is None else N_("Invalid or revoked API token.")
        )
    return user


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session for ``user`` (a new CSRF token too: no session fixation)."""
    language = request.session.get("lang")
    request.session.clear()
    request.session.update({"user": user.id, "marker": user.password_marker, "sid": start_session(
        store_of(request), user), "csrf": secrets.token_urlsafe(32)})  # fmt: skip
    if user.language in LANGUAGES:
        request.session["lang"] = user.language
    elif language in LANGUAGES:
        request.session["lang"] = language


def language_of(request: Request) -> str:
    """The page language: ``?lang=``, then the session, then the account, then the settings."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        request.session["lang"] = asked
        return asked
    remembered = request.session.get("lang")
    if remembered in LANGUAGES:
        return str(remembered)
    user = current_user(request)
    if user is not None and user.language in LANGUAGES:
        return str(user.language)
    return str(request.app.state.settings.language)


def client_of(request: Request) -> str | None:
    """The client's address, for the audit log."""
    return request.client.host if request.client else None
