"""The recognition pages and ``/api/v1/recognition``: praise of named colleagues, and the yearly awards.

``/recognition`` is the queue: suggestions (one colleague matched) for managers and executives
to confirm or reject, ambiguous matches (several colleagues could be meant) for analysts to
resolve, and the confirmed praise below. Analysts also start a search for new praise.
``/employees/{code}`` shows one employee's confirmed recognition; ``/recognition/awards`` the
employee, team and location of the year with the numbers behind them. Employees see none of
it (403) except ``/compliments``, the wall of their location's confirmed praise (no ratings, no
links to colleagues' pages); another unit's recognition or employee answers 404, like an
unknown one.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from servicechain.accounts.roles import sees_everything
from servicechain.accounts.users import User
from servicechain.act import awards as yearly
from servicechain.act import recognition as found
from servicechain.act import recognition_queue as queue
from servicechain.act.plans import today
from servicechain.web.access import Forbidden, NotFound, PageError
from servicechain.web.api import paginate
from servicechain.web.i18n import N_, translator
from servicechain.web.render import render
from servicechain.web.scoped import (
    back_to,
    check_api_write,
    done_notice,
    said,
    scores_caller,
    unit_within,
    unprocessable,
    with_done,
)
from servicechain.web.session import check_csrf, client_of, language_of, signed_in, store_of

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["recognition"])

MESSAGES = {
    found.UNKNOWN: N_("There is no recognition {id} among your units."),
    found.UNKNOWN_EMPLOYEE: N_("There is no employee {code} among your units."),
    found.UNKNOWN_UNIT: N_("There is no unit {code} among your units."),
    found.DECIDED: N_("Recognition {id} is already {status}: it cannot be decided again."),
    found.BAD_ACTION: N_("The decision must be confirm, reject or choose, not {action}."),
    found.NOT_A_CANDIDATE: N_(
        "{code} is not one of the colleagues this name can mean: choose one of {choices}."
    ),
    found.CHOOSE_WHOM: N_("Choose the colleague this praise is about."),
    found.CONFIRM_AMBIGUOUS: N_("Recognition {id} can mean several colleagues: an analyst chooses one."),
    found.FOR_MANAGERS: N_("Suggestions are confirmed or rejected by the unit's managers and executives."),
    found.FOR_ANALYSTS: N_("Ambiguous matches are resolved by an analyst."),
    found.BAD_STATUS: N_(
        "The status must be one of open, all, suggested, ambiguous, confirmed or rejected, not {status}."
    ),
}
STATUS_NAMES = {
    "suggested": N_("suggested"),
    "ambiguous": N_("ambiguous"),
    "confirmed": N_("confirmed"),
    "rejected": N_("rejected"),
    "decided": N_("decided"),
}
SOURCE_NAMES = {
    "review": N_("review"),
    "customer": N_("customer survey"),
    "touchpoint": N_("touchpoint survey"),
}
FOUND = N_(
    "{added} new: {suggested} suggestions and {ambiguous} ambiguous matches, from {texts} positive texts."
)
ANALYSTS_FIND = N_("Searching for new praise is for analysts.")
FilterQuery = Annotated[str, Query(pattern="^(open|all|suggested|ambiguous|confirmed|rejected)$")]
YearQuery = Annotated[int | None, Query(ge=1900, le=2999)]
PER_PAGE = 100
CONFIRMED_SHOWN = 50
WALL_SHOWN = 60


DECIDED = {
    "confirm": N_(
        "Confirmed: the praise now shows on the colleague’s page, the unit page and the compliments wall."
    ),
    "choose": N_("Saved: the praise is confirmed for the colleague you chose."),
    "reject": N_("Rejected: the text is no longer put forward as praise of a colleague."),
}
"""What the page says after a decision (``?done=`` the action)."""


def install(app: FastAPI) -> None:
    """Nothing to set up: recognition is read from the store on every request."""


class Refused(PageError):
    """A decision was refused (400 on pages, 422 in the API)."""




def _translated(request: Request, error: found.RecognitionRefused) -> PageError:
    """The page error for a refusal, its status value in the caller's words."""
    message = MESSAGES.get(error.message, error.message)
    values = dict(error.values)
    if "status" in values and error.message == found.DECIDED:
        values["status"] = translator(language_of(request))(
            STATUS_NAMES.get(str(values["status"]), "decided")
        )
    if isinstance(error, found.RecognitionNotFound):
        return NotFound(message, **values)
    if isinstance(error, found.RecognitionForbidden):
        return Forbidden(message, **values)
    return Refused(message, **values)




def _plain(item: dict[str, Any], language: str) -> dict[str, Any]:
    """A recognition as JSON: dates in ISO 8601, times in UTC, status and source in words."""
    translate = translator(language)
    out = {
        key: value.isoformat() + ("Z" if hasattr(value, "hour") else "")
        if hasattr(value, "isoformat")
        else value
        for key, value in item.items()
        if key != "parts"
    }
    out["status_name"] = translate(STATUS_NAMES[item["status"]])
    out["source_name"] = translate(SOURCE_NAMES.get(item["source"], item["source"]))
    return out


def _year(store: Any, year: int | None) -> tuple[int, list[int]]:
    years = yearly.years_with_recognition(store)
    current = today().year
    return year or (years[0] if years else current), sorted({*years, current}, reverse=True)


def unit_section(request: Request, code: str) -> list[dict[str, Any]]:
    """The confirmed recognition of a unit's subtree for its page (newest first, a few)."""
    _user, path = scores_caller(request)
    try:
        return queue.list_recognition(
            store_of(request), path=path, status="confirmed", unit_code=code, limit=10
        )
    except found.RecognitionRefused:
        return []


# ----------------------------------------------------------------------------------------- pages


@router.get("/recognition")
def recognition_page(
    request: Request,
    status: FilterQuery = "open",
    unit: str | None = None,
    found_count: Annotated[str | None, Query(alias="found")] = None,
    done: str | None = None,
) -> Response:
    user, path = scores_caller(request)
    notice = done_notice(request, DECIDED, done)
    parts = (found_count or "").split("-")
    if len(parts) == 4 and all(part.isdigit() for part in parts):
        added, suggested, ambiguous, texts = (int(part) for part in parts)
        notice = translator(language_of(request))(
            FOUND, added=added, suggested=suggested, ambiguous=ambiguous, texts=texts
        )
    return _page(request, user, path, status=status, unit=unit, notice=notice)


def _page(
    request: Request,
    user: User,
    path: str | None,
    *,
    status: str = "open",
    unit: str | None = None,
    error: str | None = None,
    notice: str | None = None,
    code: int = 200,
) -> Response:
    store = store_of(request)
    try:
        items = queue.list_recognition(
            store, path=path, status=status, unit_code=unit or None, limit=PER_PAGE
        )
        confirmed = []
        if status == "open":
            confirmed = queue.list_recognition(
                store, path=path, status="confirmed", unit_code=unit or None, limit=CONFIRMED_SHOWN
            )
    except found.RecognitionRefused as refused:
        raise _translated(request, refused) from None
    context = {
        "items": items,
        "confirmed": confirmed,
        "status": status,
        "unit": unit or "",
        "error": error,
        "notice": notice,
        "deciders": found.DECIDERS,
        "resolvers": found.RESOLVERS,
        "source_names": SOURCE_NAMES,
        "status_names": STATUS_NAMES,
    }
    return render(request, "recognition.html", context, status_code=code)


@router.post("/recognition/find")
def find_form(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    user, _path = scores_caller(request)
    check_csrf(request, csrf_token)
    if user.role not in found.RESOLVERS:
        raise Forbidden(ANALYSTS_FIND)
    result = found.find_recognition(store_of(request), email=user.email, client=client_of(request))
    notice = f"{result.added}-{result.suggested}-{result.ambiguous}-{result.texts}"
    return RedirectResponse(f"/recognition?found={notice}", status_code=303)


@router.post("/recognition/{recognition_id}")
def decide_form(
    request: Request,
    recognition_id: int,
    csrf_token: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "",
    employee: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    user, path = scores_caller(request)
    check_csrf(request, csrf_token)
    try:
        queue.decide(
            store_of(request),
            recognition_id,
            action,
            user.email,
            user.role,
            employee_code=employee or None,
            path=path,
            client=client_of(request),
        )
    except found.RecognitionRefused as refused:
        error = _translated(request, refused)
        if isinstance(error, NotFound | Forbidden):
            raise error from None
        return _page(request, user, path, error=said(request, error), code=400)
    target = with_done(back_to(back, "/recognition"), action)
    return RedirectResponse(f"{target}#recognition-{recognition_id}", status_code=303)


@router.get("/recognition/awards")
def awards_page(request: Request, year: YearQuery = None, unit: str | None = None) -> Response:
    _user, path = scores_caller(request)
    chosen, years = _year(store_of(request), year)
    result = yearly.awards(store_of(request), chosen, path=unit_within(request, path, unit))
    context = {"awards": result, "years": years, "year": chosen, "unit": unit or ""}
    return render(request, "awards.html", context)


@router.get("/employees/{code}")
def employee_page(request: Request, code: str) -> Response:
    _user, path = scores_caller(request)
    store = store_of(request)
    try:
        person = queue.employee_of(store, code, path=path)
        items = queue.list_recognition(store, path=path, status="confirmed", employee_code=code)
    except found.RecognitionRefused as refused:
        raise _translated(request, refused) from None
    return render(request, "employee.html", {"person": person, "items": items, "source_names": SOURCE_NAMES})


@router.get("/compliments")
def compliments_page(request: Request) -> Response:
    """The compliments wall: confirmed praise of the caller's location (employees too: a team member
    sees the whole location's), newest first; never suggestions, ambiguous or rejected ones."""
    user = signed_in(request)
    store = store_of(request)
    path = None if sees_everything(user.role) else queue.wall_path(store, user.unit_id)
    items = queue.list_recognition(store, path=path, status="confirmed", limit=WALL_SHOWN)
    return render(request, "compliments.html", {"items": items, "source_names": SOURCE_NAMES, "wall": True})


# ----------------------------------------------------------------------------------------- API


class Decision(BaseModel):
    """What to do with a recognition."""

    action: str = Field(
        description="confirm or reject a suggestion; choose (with employee) or reject an ambiguous match",
        max_length=16,
    )
    employee: str | None = Field(
        default=None, max_length=64, description="choose: the candidate's employee code"
    )


def _api_caller(request: Request) -> tuple[User, str | None]:
    user, path = scores_caller(request)
    check_api_write(request)
    return user, path


def _api_refused(request: Request, refused: found.RecognitionRefused) -> Response:
    error = _translated(request, refused)
    if isinstance(error, NotFound | Forbidden):
        raise error
    return unprocessable(request, error)


@api_router.get(
    "/recognition", summary="Recognition of the caller's units: open ones (ambiguous first) or by status"
)
def recognition_api(
    request: Request,
    status: FilterQuery = "open",
    unit: str | None = None,
    year: YearQuery = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = PER_PAGE,
) -> Any:
    _user, path = scores_caller(request)
    try:
        items = queue.list_recognition(store_of(request), path=path, status=status, unit_code=unit, year=year)
    except found.RecognitionRefused as refused:
        return _api_refused(request, refused)
    body, language = paginate(request, items, page, per_page), language_of(request)
    body["items"] = [_plain(item, language) for item in body["items"]]
    return body


@api_router.post("/recognition/find", summary="Search the positive texts for new praise (analysts)")
def find_api(request: Request) -> Any:
    user, _path = _api_caller(request)
    if user.role not in found.RESOLVERS:
        raise Forbidden(ANALYSTS_FIND)
    result = found.find_recognition(store_of(request), email=user.email, client=client_of(request))
    return {
        "texts": result.texts,
        "added": result.added,
        "suggested": result.suggested,
        "ambiguous": result.ambiguous,
        "seconds": round(result.seconds, 3),
    }


@api_router.post("/recognition/{recognition_id}", summary="Confirm, reject or resolve a recognition")
def decide_api(request: Request, recognition_id: int, body: Decision) -> Any:
    user, path = _api_caller(request)
    try:
        item = queue.decide(
            store_of(request),
            recognition_id,
            body.action,
            user.email,
            user.role,
            employee_code=body.employee,
            path=path,
            client=client_of(request),
        )
    except found.RecognitionRefused as refused:
        return _api_refused(request, refused)
    return _plain(item, language_of(request))


@api_router.get("/employees/{code}/recognition", summary="An employee's confirmed recognition")
def employee_api(request: Request, code: str) -> Any:
    _user, path = scores_caller(request)
    store = store_of(request)
    try:
        person = queue.employee_of(store, code, path=path)
        items = queue.list_recognition(store, path=path, status="confirmed", employee_code=code)
    except found.RecognitionRefused as refused:
        return _api_refused(request, refused)
    person = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in person.items()}
    return {"employee": person, "items": [_plain(item, language_of(request)) for item in items]}


@api_router.get("/recognition/awards", summary="Employee, team and location of the year, with the numbers")
def awards_api(request: Request, year: YearQuery = None, unit: str | None = None) -> Any:
    """The awards of ``year`` among the caller's units, or among ``unit`` and the units below it."""
    _user, path = scores_caller(request)
    chosen, _years = _year(store_of(request), year)
    return yearly.awards(store_of(request), chosen, path=unit_within(request, path, unit))
