"""Signing in and out, setup links, the account page, the language switch, the home redirect."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from servicechain.accounts.roles import sees_everything, sees_scores
from servicechain.accounts.users import (
    MIN_PASSWORD_LENGTH,
    LoginRefused,
    authenticate,
    end_session,
    set_language,
    set_password,
    user_for_setup,
)
from servicechain.errors import UserError
from servicechain.web.i18n import LANGUAGES, translator
from servicechain.web.render import render
from servicechain.web.session import (
    check_csrf,
    client_of,
    current_user,
    language_of,
    sign_in,
    signed_in,
    store_of,
)

router = APIRouter(include_in_schema=False)


def home_of(role: str, unit_code: str) -> str:
    """Where a role lands after signing in."""
    if sees_everything(role):
        return "/overview"
    if role == "regional-manager":
        return f"/regions/{unit_code}"
    if sees_scores(role):
        return f"/units/{unit_code}"
    return "/me"


def _safe_next(target: str | None) -> str | None:
    """Only paths on this site (no open redirect).

    Backslashes and control or space characters are refused too: browsers read ``/\\host`` and
    ``/<tab>/host`` as ``//host``, another site.
    """
    if not target:
        return None
    if "\\" in target or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in target):
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


@router.get("/")
def home(request: Request) -> Response:
    user = signed_in(request)
    return _redirect(home_of(user.role, user.unit_code))


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", {"next": _safe_next(next) or "", "error": None, "email": ""})


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    _ = translator(language_of(request))
    try:
        user = authenticate(store_of(request), email, password, client=client_of(request))
    except LoginRefused as error:
        if error.retry_after:
            minutes = max(1, round(error.retry_after / 60))
            message = _("Too many failed attempts. Try again in {minutes} minutes.", minutes=minutes)
            status = 429
        else:
            message, status = _("Unknown e-mail address or wrong password."), 401
        response = render(request, "login.html", {"next": _safe_next(next) or "", "error": message,
                                                  "email": email}, status_code=status)  # fmt: skip
        if error.retry_after:
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    sign_in(request, user)
    return _redirect(_safe_next(next) or home_of(user.role, user.unit_code))


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    user = signed_in(request)
    end_session(store_of(request), str(request.session.get("sid")), user, client=client_of(request))
    language = request.session.get("lang")
    request.session.clear()
    if language:
        request.session["lang"] = language
    return _redirect("/login")


@router.get("/setup/{token}")
def setup_page(request: Request, token: str) -> Response:
    settings = request.app.state.settings
    try:
        user = user_for_setup(store_of(request), token, settings.secret_key)
    except UserError as error:
        return render(request, "error.html", {"status": 400, "message": str(error)}, status_code=400)
    return render(request, "setup.html", {"email": user.email, "token": token, "error": None,
                                          "min_length": MIN_PASSWORD_LENGTH})  # fmt: skip


@router.post("/setup/{token}")
def setup(
    request: Request,
    token: str,
    password: Annotated[str, Form()],
    repeat: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    _ = translator(language_of(request))
    settings = request.app.state.settings
    try:
        user = user_for_setup(store_of(request), token, settings.secret_key)
    except UserError as error:
        return render(request, "error.html", {"status": 400, "message": str(error)}, status_code=400)
    error_text = None
    if password != repeat:
        error_text = _("The two passwords differ.")
    elif len(password) < MIN_PASSWORD_LENGTH:
        error_text = _("The password needs at least {n} characters.", n=MIN_PASSWORD_LENGTH)
    if error_text:
        context = {"email": user.email, "token": token, "error": error_text,
                   "min_length": MIN_PASSWORD_LENGTH}  # fmt: skip
        return render(request, "setup.html", context, status_code=400)
    user = set_password(store_of(request), user.email, password, client=client_of(request))
    sign_in(request, user)
    return _redirect(home_of(user.role, user.unit_code))


@router.get("/me")
def account(request: Request) -> Response:
    user = signed_in(request)
    return render(request, "account.html", {"message": None, "error": None, "min_length": MIN_PASSWORD_LENGTH,
                                            "account": user})  # fmt: skip


@router.post("/me/password")
def change_password(
    request: Request,
    current: Annotated[str, Form()],
    password: Annotated[str, Form()],
    repeat: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    user = signed_in(request)
    _ = translator(language_of(request))
    store = store_of(request)
    context: dict[str, Any] = {
        "message": None,
        "error": None,
        "min_length": MIN_PASSWORD_LENGTH,
        "account": user,
    }
    try:
        authenticate(store, user.email, current, client=client_of(request))
    except LoginRefused:
        context["error"] = _("Your current password is not right.")
        return render(request, "account.html", context, status_code=400)
    if password != repeat:
        context["error"] = _("The two passwords differ.")
    elif len(password) < MIN_PASSWORD_LENGTH:
        context["error"] = _("The password needs at least {n} characters.", n=MIN_PASSWORD_LENGTH)
    if context["error"]:
        return render(request, "account.html", context, status_code=400)
    user = set_password(store, user.email, password, client=client_of(request))
    sign_in(request, user)
    context |= {"message": _("Your password has been changed."), "account": user}
    return render(request, "account.html", context)


@router.post("/language")
def choose_language(
    request: Request,
    language: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf_token)
    if language in LANGUAGES:
        request.session["lang"] = language
        user = current_user(request)
        if user is not None:
            set_language(store_of(request), user, language)
    return _redirect(_safe_next(back) or "/")
