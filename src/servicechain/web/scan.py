"""The customer-centricity scan: ``/scan`` (the questionnaire), ``/scan/result`` and ``/api/v1/scan``.

The management team answers: executives, analysts and regional managers; unit managers and
employees get 403. The result is the organisation's, from everyone's latest submission
(:mod:`servicechain.act.scan`), weakest areas first, each with what servicechain offers for it
and links to the pages the caller may open. The audit log records each submission, not its
answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from servicechain.accounts.users import User
from servicechain.act import scan
from servicechain.web.access import Forbidden
from servicechain.web.i18n import N_, translator
from servicechain.web.render import render
from servicechain.web.session import bearer, check_csrf, client_of, language_of, signed_in, store_of

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["scan"])
MAX_FORM_BYTES = 16_384

PROBLEMS = {
    "missing": N_("Choose an answer from 1 (disagree) to 5 (agree)."),
    "out_of_range": N_("The answer must be a whole number from 1 to 5."),
    "unknown": N_("The scan has no such statement."),
}
SCALE_LABELS = (N_("disagree"), N_("rather disagree"), N_("neutral"), N_("rather agree"), N_("agree"))


def install(app: FastAPI) -> None:
    """Read the questionnaire now, so a broken one stops the server at the start."""
    scan.questionnaire()


def _member(request: Request) -> User:
    """The caller, when they are on the management team (else 403)."""
    user = signed_in(request)
    if user.role not in scan.SCAN_ROLES:
        raise Forbidden(N_("The customer-centricity scan is for the management team: executives, "
                           "analysts and regional managers."))  # fmt: skip
    return user


def _problems(request: Request, problems: Mapping[str, str]) -> dict[str, str]:
    """Each problem in the caller's language."""
    _ = translator(language_of(request))
    return {key: _(PROBLEMS[problem]) for key, problem in problems.items()}


def _form_page(request: Request, answers: Mapping[str, Any], errors: Mapping[str, str],
               status_code: int = 200) -> Response:  # fmt: skip
    before = scan.answers_of(store_of(request), signed_in(request).email)
    context = {"scan": scan.questionnaire(), "answers": {key: str(value) for key, value in answers.items()},
               "errors": errors, "scale_labels": SCALE_LABELS, "answered_before": bool(before)}  # fmt: skip
    return render(request, "scan.html", context, status_code=status_code)


@router.get("/scan")
def scan_page(request: Request) -> Response:
    user = _member(request)
    return _form_page(request, scan.answers_of(store_of(request), user.email), {})


@router.post("/scan")
async def scan_submit(request: Request) -> Response:
    user = _member(request)
    form = {key: str(value) for key, value in (await request.form(max_fields=200)).items()}
    check_csrf(request, form.pop("csrf_token", ""))
    try:
        await run_in_threadpool(scan.submit, store_of(request), user.email, form, client_of(request))
    except scan.AnswersInvalid as error:
        known = {key: value for key, value in form.items() if key in scan.questionnaire().keys}
        return await run_in_threadpool(_form_page, request, known, _problems(request, error.problems), 422)
    return RedirectResponse("/scan/result", status_code=303)


@router.get("/scan/result")
def result_page(request: Request) -> Response:
    user = _member(request)
    found = scan.result(store_of(request))
    context = {"result": found, "home": scan.home_of(user.role, user.unit_code), "role": user.role,
               "mine": bool(scan.answers_of(store_of(request), user.email))}  # fmt: skip
    return render(request, "scan_result.html", context)


@api_router.get("/scan", summary="The customer-centricity scan's statements (the management team)")
def questionnaire_api(request: Request) -> dict[str, Any]:
    _member(request)
    language = language_of(request)
    _ = translator(language)
    return {
        "scale": {"min": scan.SCALE[0], "max": scan.SCALE[1],
                  "labels": [_(label) for label in SCALE_LABELS]},
        "areas": [{"key": area.key, "name": area.name[language],
                   "statements": [{"key": s.key, "text": s.text[language]} for s in area.statements]}
                  for area in scan.questionnaire().areas],
    }


@api_router.post("/scan", status_code=201, summary="Submit answers to the scan: every statement 1..5")
def submit_api(request: Request, answers: Annotated[dict[str, Any], Body(embed=True)]) -> Any:
    """Your answers replace your earlier ones in the result; answers the 201 with the new result."""
    user = _member(request)
    if bearer(request) is None:
        check_csrf(request, request.headers.get("x-csrf-token"))
    try:
        moment = scan.submit(store_of(request), user.email, answers, client_of(request))
    except scan.AnswersInvalid as error:
        _ = translator(language_of(request))
        body = {"status": 422, "message": _("Not every statement has an answer from 1 to 5."),
                "problems": _problems(request, error.problems)}  # fmt: skip
        return JSONResponse({"error": body}, status_code=422)
    found = scan.result_json(scan.result(store_of(request)), language_of(request), user.role, user.unit_code)
    return {"submitted_at": moment.isoformat() + "Z", "result": found}


@api_router.get("/scan/result", summary="The organisation's scan: areas weakest first (0..100)")
def result_api(request: Request) -> dict[str, Any]:
    user = _member(request)
    found = scan.result(store_of(request))
    return scan.result_json(found, language_of(request), user.role, user.unit_code)
