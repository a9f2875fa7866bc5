"""The anonymous employee survey: ``/e`` (kiosk: type a code), ``/e/{code}`` (the whole survey on
one page, no JavaScript needed), ``/e/thanks``.

No login, no CSRF cookie: the one-use code is the credential. A page view sets no cookie
unless the language switch (``?lang=``) is used; pages send ``Referrer-Policy: no-referrer``
so the code never leaves in a Referer header, and :func:`install_log_redaction` keeps codes
out of the server log.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from servicechain.collect.answers import (
    COMMENT_LIMIT,
    NOT_APPLICABLE,
    AnswerProblem,
    AnswersInvalid,
    SurveyRefused,
    check_answers,
    employee_instrument,
    open_invitation,
    parse_form,
    submit_employee_answers,
)
from servicechain.collect.tokens import format_token, normalise_token
from servicechain.web.bodies import read_form
from servicechain.web.i18n import LANGUAGES, N_, Formats, translator
from servicechain.web.render import environment
from servicechain.web.session import store_of

MAX_FORM_BYTES = 64 * 1024
"""25 answers and a comment of 2,000 characters take a few KB; more is not a survey."""

router = APIRouter(include_in_schema=False)
api_router = APIRouter()
_CODE_IN_PATH = re.compile(r"(?<![\w.~-])/e/[^\s/?#\"']+")
REDACTED = "/e/…"
EXAMPLE_CODE = "K7QF-M2XP-9HTD"

PROBLEMS = {
    "range": N_("Choose an answer from {min} to {max}."),
    "not_a_number": N_("This answer is not one of the choices."),
    "not_applicable": N_("“Not applicable” is not a choice for this question."),
    "required": N_("This question needs an answer."),
    "unknown_item": N_("This question is not part of the survey."),
    "no_answer": N_("Answer at least one question before you send the survey."),
    "comment_too_long": N_("The comment is longer than {limit} characters: please shorten it."),
}
REFUSALS = {
    "unknown": (404, N_("We do not know this code"),
                N_("Check the code in your invitation: 12 letters and digits, like K7QF-M2XP-9HTD.")),
    "used": (410, N_("This link has already been used"),
             N_("Thank you: your answers were received. Each link works once, so nobody else can answer "
                "in your name.")),
    "closed": (410, N_("This survey is closed"),
               N_("Thank you for wanting to take part. Answers are no longer accepted for this survey.")),
    "too_large": (413, N_("This form is too large to be sent"),
                  N_("Shorten the comment and send the form again.")),
}  # fmt: skip


class CodeRedaction(logging.Filter):
    """Replaces ``/e/<code>`` with ``/e/…`` in a log record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(value) if isinstance(value, str) else value
                           for key, value in record.args.items()}  # fmt: skip
        return True


def redact(text: str) -> str:
    """``text`` without survey codes in ``/e/...`` paths."""
    return _CODE_IN_PATH.sub(REDACTED, text)


def install_log_redaction() -> None:
    """Keep survey codes out of uvicorn's access and error logs (once per logger)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(existing, CodeRedaction) for existing in logger.filters):
            logger.addFilter(CodeRedaction())


def install(app: FastAPI) -> None:
    """Set up what the routes need: the log redaction."""
    install_log_redaction()


def survey_language(request: Request, chosen: str | None = None) -> str:
    """``?lang=`` (remembered in the session: the only way these pages set a cookie), a form's
    language, the session's, else the installation's."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        request.session["lang"] = asked
        return str(asked)
    for language in (chosen, request.session.get("lang")):
        if language in LANGUAGES:
            return str(language)
    return str(request.app.state.settings.language)


def render_survey(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200,
                  language: str | None = None) -> HTMLResponse:  # fmt: skip
    """A survey page: no session, no CSRF token, no menu; ``no-referrer``."""
    language = language or survey_language(request)
    page = {"language": language, "other_language": "en" if language == "nl" else "nl",
            "_": translator(language), "fmt": Formats(language)}  # fmt: skip
    html = environment().get_template(template).render(page | context)
    return HTMLResponse(html, status_code=status_code, headers={"Referrer-Policy": "no-referrer"})


def _refusal(request: Request, reason: str, *, kiosk: bool, language: str | None = None) -> HTMLResponse:
    status, title, message = REFUSALS[reason]
    context = {"title": title, "message": message, "reason": reason, "kiosk": kiosk}
    return render_survey(request, "survey_refused.html", context, status_code=status, language=language)


def _items(language: str) -> list[dict[str, Any]]:
    """The questions in order, with their choices in ``language``."""
    instrument = employee_instrument()
    items = []
    for item in instrument.items:
        scale = instrument.scales[item.scale]
        labels = scale.labels.get(language, [])
        points = list(range(scale.min, scale.max + 1))
        named = len(labels) == len(points)
        choices = [{"value": str(v), "label": labels[i] if named else str(v), "number": not named}
                   for i, v in enumerate(points)]  # fmt: skip
        ends = None if named or len(labels) != 2 else (labels[0], labels[1])
        items.append({"key": item.key, "text": getattr(item, language), "choices": choices, "ends": ends,
                      "not_applicable": scale.not_applicable, "min": scale.min,
                      "max": scale.max})  # fmt: skip
    return items


def _survey_page(request: Request, code: str, *, kiosk: bool, answers: dict[str, str] | None = None,
                 comment: str = "", problems: list[AnswerProblem] | None = None,
                 language: str | None = None) -> HTMLResponse:  # fmt: skip
    try:
        invitation = open_invitation(store_of(request), code)
    except SurveyRefused as refused:
        return _refusal(request, refused.reason, kiosk=kiosk, language=language)
    language = language or survey_language(request)
    _ = translator(language)
    messages = {p.item: _(PROBLEMS[p.reason], **p.values) for p in problems or []}
    context = {"code": format_token(normalise_token(code) or code), "items": _items(language),
               "answers": answers or {}, "comment": comment, "messages": messages, "kiosk": kiosk,
               "threshold": invitation.threshold, "comment_limit": COMMENT_LIMIT,
               "na": NOT_APPLICABLE}  # fmt: skip
    status = 400 if problems else 200
    return render_survey(request, "employee_survey.html", context, status_code=status, language=language)


@router.get("/e")
def kiosk(request: Request) -> Response:
    """The kiosk page: type the code of your invitation."""
    return render_survey(
        request, "survey_code.html", {"error": None, "typed": "", "example_code": EXAMPLE_CODE}
    )


@router.post("/e")
async def kiosk_code(request: Request) -> Response:
    """A typed code: to its survey, or the form again with a kind message."""
    form = await read_form(request, MAX_FORM_BYTES) or {}
    typed = str(form.get("code") or "")
    token = normalise_token(typed)
    error = None
    if token is None:
        error = N_("That is not a code: it has 12 letters and digits, like K7QF-M2XP-9HTD.")
    else:
        try:
            open_invitation(store_of(request), token)
        except SurveyRefused as refused:
            if refused.reason == "unknown":
                error = N_("We do not know this code. Check it and try again.")
    if error is not None:
        language = survey_language(request)
        context = {"error": translator(language)(error), "typed": typed[:40], "example_code": EXAMPLE_CODE}
        return render_survey(request, "survey_code.html", context, status_code=400 if token is None else 404)
    response = RedirectResponse(f"/e/{format_token(token or '')}?kiosk=1", status_code=303)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/e/thanks")
def thanks(request: Request, kiosk: str | None = None) -> Response:
    """After answering; on a kiosk, back to the code form for the next colleague."""
    return render_survey(request, "survey_thanks.html", {"kiosk": kiosk == "1"})


@router.get("/e/{code}")
def survey(request: Request, code: str, kiosk: str | None = None) -> Response:
    """The whole survey on one page."""
    return _survey_page(request, code, kiosk=kiosk == "1")


@router.post("/e/{code}")
async def answer(request: Request, code: str) -> Response:
    """Store the answers (one use), then the thank-you page; invalid answers: the form again."""
    read = await read_form(request, MAX_FORM_BYTES)
    if read is None:
        return _refusal(request, "too_large", kiosk=False)
    form = read
    kiosk = form.get("kiosk") == "1"
    language = form.get("lang") if form.get("lang") in LANGUAGES else None
    answers, problems = parse_form(form)
    comment = form.get("comment", "")
    problems += [p for p in check_answers(answers, comment) if p.item not in {q.item for q in problems}]
    try:
        if problems:
            raise AnswersInvalid(problems)
        await run_in_threadpool(submit_employee_answers, store_of(request), code, answers, comment)
    except SurveyRefused as refused:
        return _refusal(request, refused.reason, kiosk=kiosk, language=language)
    except AnswersInvalid as invalid:
        kept = {key: value for key, value in form.items() if key not in ("comment", "kiosk", "lang")}
        return _survey_page(request, code, kiosk=kiosk, answers=kept, comment=comment,
                            problems=invalid.problems, language=language)  # fmt: skip
    response = RedirectResponse("/e/thanks" + ("?kiosk=1" if kiosk else ""), status_code=303)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
