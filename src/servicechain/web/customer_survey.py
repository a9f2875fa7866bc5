"""The public customer and touchpoint survey pages: ``/r/{key}`` from a unit's link or QR code.

No account, no cookie, no JavaScript: the page language comes from ``?lang=`` (else the
browser's, else the settings'), the form carries a signed one-time nonce (24 hours) that is
also the idempotency key of the answer, so a form sent twice stores one response and shows
the same thank-you page. Answers go through the intake path (:func:`~servicechain.collect.
responses.check`, then the group committer, which raises the closed-loop alerts). The staff
pages of the links are in :mod:`servicechain.web.survey_links`.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicechain.collect.links import Link, find_link
from servicechain.collect.model import SITE_CLIENT
from servicechain.collect.responses import Invalid, Problem, check
from servicechain.store import schema
from servicechain.web import survey_form, survey_links
from servicechain.web.bodies import read_form
from servicechain.web.i18n import LANGUAGES, N_, translator
from servicechain.web.render import environment
from servicechain.web.survey_form import FormNonces, SubmissionThrottle, reward_code

router = APIRouter(include_in_schema=False)
router.include_router(survey_links.router)
api_router = survey_links.api_router
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_FORM_BYTES = 64 * 1024
"""A filled-in form is a few KB; anything much larger is refused before it is read."""
PUBLIC_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
"""The link key must not leak to other sites through the Referer header; no page is cached."""


def install(app: FastAPI) -> None:
    """The form nonces and the submission throttle of the public survey pages."""
    app.state.survey_nonces = FormNonces(app.state.settings.secret_key)
    app.state.survey_throttle = SubmissionThrottle()


def public_language(request: Request) -> str:
    """``?lang=``, else the browser's first language when it is Dutch or English, else the settings'."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    browser = request.headers.get("accept-language", "")[:2].lower()
    return browser if browser in LANGUAGES else str(request.app.state.settings.language)


def _page(request: Request, template: str, context: dict[str, Any], status_code: int = 200,
          headers: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    """A public page: no session, no navigation, no referrer."""
    language = public_language(request)
    page = {"language": language, "other_language": "en" if language == "nl" else "nl",
            "_": translator(language), "path": request.url.path}  # fmt: skip
    html = environment().get_template(template).render(page | context)
    return HTMLResponse(html, status_code=status_code, headers=PUBLIC_HEADERS | (headers or {}))


def _notice(request: Request, status: int, title: str, message: str, headers: dict[str, str] | None = None,
            **values: Any) -> HTMLResponse:  # fmt: skip
    _ = translator(public_language(request))
    context = {"title": _(title), "message": _(message, **values), "status": status}
    return _page(request, "customer_notice.html", context, status, headers)


def _unknown_link(request: Request) -> HTMLResponse:
    return _notice(request, 404, N_("This survey link does not work (any more)"),
                   N_("Perhaps it was mistyped, or the shop has printed a new QR code. Thank you for wanting "
                      "to tell us how we did!"))  # fmt: skip


def _form(request: Request, link: Link, nonce_token: str, *, given: dict[str, Any] | None = None,
          problems: list[Problem] | None = None, top: str | None = None,
          status: int = 200) -> HTMLResponse:  # fmt: skip
    language = public_language(request)
    _ = translator(language)
    survey = survey_form.survey(link.instrument_key, language, given or {}, problems or [], _)
    context = {"link": link, "survey": survey, "nonce": nonce_token, "top": top,
               "comment": (given or {}).get("comment") or "", "contact": (given or {}).get("contact") or "",
               "ask_contact": link.instrument_key == "touchpoint"}  # fmt: skip
    return _page(request, "customer_survey.html", context, status)


@router.get("/r/{key}")
def survey_page(request: Request, key: str) -> Response:
    link = find_link(request.app.state.store, key)
    if link is None:
        return _unknown_link(request)
    return _form(request, link, request.app.state.survey_nonces.issue(link.key))


def _idempotency_key(link: Link, nonce: str) -> str:
    return f"r:{link.key}:{nonce}"


@router.post("/r/{key}")
async def survey_answer(request: Request, key: str) -> Response:
    state = request.app.state
    link = find_link(state.store, key)
    if link is None:
        return _unknown_link(request)
    wait = state.survey_throttle.wait_seconds(request.client.host if request.client else "", link.key)
    if wait > 0:
        return _notice(request, 429, N_("A moment, please"),
                       N_("Many answers came from your address just now. Please try again in a minute."),
                       {"Retry-After": str(wait)})  # fmt: skip
    given = await read_form(request, MAX_FORM_BYTES)
    if given is None:
        return _notice(request, 413, N_("A moment, please"), N_("This form is too large to be sent."))
    nonce = state.survey_nonces.open(given.get("nonce", ""), link.key)
    if nonce is None:
        top = N_("This form has expired or did not come from this site. Your answers are kept: please send "
                 "it again.")  # fmt: skip
        return _form(request, link, state.survey_nonces.issue(link.key), given=given,
                     top=translator(public_language(request))(top), status=400)  # fmt: skip
    body = survey_form.body_of(link, given)
    try:
        submission = check(link.instrument_key, body, units=state.units_directory,  # type: ignore[arg-type]
                           client_id=SITE_CLIENT, idempotency_key=_idempotency_key(link, nonce))  # fmt: skip
    except Invalid as error:
        _ = translator(public_language(request))
        top = _("Please look at the questions marked below.")
        return _form(request, link, given["nonce"], given=given, problems=error.problems, top=top,
                     status=422)  # fmt: skip
    try:
        await state.intake.submit(submission)
    except Exception:  # busy, stopping, or the store failed: nothing stored, the customer may resend
        return _notice(request, 503, N_("A moment, please"),
                       N_("We are very busy storing answers. Please send the form again in a few seconds."),
                       {"Retry-After": "5"})  # fmt: skip
    # A replay (the form sent twice) or a changed resend lands on the same thank-you page.
    target = f"/r/{link.key}/thanks/{nonce}?lang={public_language(request)}"
    return RedirectResponse(target, status_code=303, headers=PUBLIC_HEADERS)


def _stored(request: Request, link: Link, nonce: str) -> bool:
    receipts = schema.intake_receipt
    with request.app.state.store.engine.connect() as connection:
        found = connection.execute(sa.select(receipts.c.response_id).where(
            receipts.c.client_id == SITE_CLIENT,
            receipts.c.idempotency_key == _idempotency_key(link, nonce))).first()  # fmt: skip
    return found is not None


@router.get("/r/{key}/thanks/{nonce}")
def thanks(request: Request, key: str, nonce: str) -> Response:
    link = find_link(request.app.state.store, key)
    if link is None or not NONCE.match(nonce):
        return _unknown_link(request)
    settings = request.app.state.settings
    stored = _stored(request, link, nonce)
    reward = settings.survey_reward if stored and settings.survey_reward else None
    code = reward_code(settings.secret_key, nonce) if reward else None
    return _page(request, "customer_thanks.html", {"link": link, "stored": stored, "reward": reward,
                                                   "code": code})  # fmt: skip
