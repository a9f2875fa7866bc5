"""The ideas page and ``/api/v1/ideas``: friction points and rules in the customer's way.

Every signed-in role raises ideas for their home unit (their location) and votes on the ideas
they see: employees (and managers) those of their home unit's subtree, executives and analysts
all; an anonymous idea is refused where fewer people work than the anonymity threshold. Unit
managers, regional managers and executives decide (status, reason, reward) within the subtree of
their own unit; analysts and employees get 403 there. So a unit manager of a team sees the
location's ideas but decides none of them: the page shows the decide form only on ideas the
caller may decide. An idea outside what the caller may see or decide answers 404, like an
unknown one. ``/ideas/summary`` (managers, executives, analysts) counts
them per unit with the time to decision.
"""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from servicechain.accounts.roles import sees_everything
from servicechain.accounts.users import User
from servicechain.act import ideas
from servicechain.act.ideas_summary import summarise
from servicechain.web.access import Forbidden, NotFound, PageError, require_scores
from servicechain.web.api import paginate
from servicechain.web.i18n import N_, translator
from servicechain.web.render import render
from servicechain.web.scoped import back_to, check_api_write, scope_path
from servicechain.web.session import check_csrf, client_of, language_of, signed_in, store_of

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["ideas"])

MESSAGES = {
    ideas.UNKNOWN_IDEA: N_("There is no idea {id} among the ideas you can see."),
    ideas.UNKNOWN_UNIT: N_("There is no unit {code} among your units."),
    ideas.BAD_KIND: N_("The kind must be friction or rule, not {kind}."),
    ideas.EMPTY_TITLE: N_("Give the idea a title (at most {max} characters)."),
    ideas.LONG_BODY: N_("The description can be at most {max} characters."),
    ideas.CONTROL_TITLE: N_(
        "The title contains a control character (such as a tab or a line break): remove it."
    ),
    ideas.CONTROL_TEXT: N_("The {field} contains an invisible control character: remove it."),
    ideas.BAD_STATUS: N_(
        "The status must be one of new, under_review, planned, done or declined, not {status}."
    ),
    ideas.BAD_FILTER: N_(
        "The status filter must be all, open, new, under_review, planned, done or declined, not {status}."
    ),
    ideas.BAD_SORT: N_("Sort by votes or newest, not {sort}."),
    ideas.NEED_REASON: N_("Say why the idea is declined: a reason is required."),
    ideas.LONG_REASON: N_("The reason can be at most {max} characters."),
    ideas.LONG_REWARD: N_("The reward can be at most {max} characters."),
    ideas.OWN_IDEA: N_("This is your own idea: your colleagues vote on it."),
    ideas.NO_VOTES: N_("This idea is done or declined: it takes no more votes."),
    ideas.TOO_FEW: N_(
        "Fewer than {threshold} people work at {unit}, so an anonymous idea could be traced to you: "
        "raise it with your name instead."
    ),
}
FIELD_NAMES = {"description": N_("description"), "reason": N_("reason"), "reward": N_("reward")}
NOT_A_DECIDER = N_("Deciding on ideas is for unit managers, regional managers and executives.")
NO_SUMMARY = N_("The summary of ideas is for managers, executives and analysts.")
KIND_NAMES = {"friction": N_("Friction point"), "rule": N_("Rule in the customer’s way")}
STATUS_NAMES = {
    "new": N_("New"),
    "under_review": N_("Under review"),
    "planned": N_("Planned"),
    "done": N_("Done"),
    "declined": N_("Declined"),
}
StatusQuery = Annotated[str, Query(pattern="^(all|open|new|under_review|planned|done|declined)$")]
KindQuery = Annotated[str | None, Query(pattern="^(friction|rule)$")]
SortQuery = Annotated[str, Query(pattern="^(votes|newest)$")]
PageQuery = Annotated[int, Query(ge=1, le=100_000)]
PER_PAGE = 100


def install(app: FastAPI) -> None:
    """Nothing to set up: ideas are read from the store on every request."""


class Refused(PageError):
    """An idea, vote or decision was refused (400 on pages, 422 in the API)."""


def view_path(request: Request, user: User) -> str | None:
    """What the caller sees and votes on: everything (executives, analysts) or their home unit's subtree."""
    if sees_everything(user.role):
        return None
    return str(ideas.home_unit(store_of(request), user.unit_id)["path"])


def member_of(request: Request, user: User) -> ideas.Member:
    """The caller as an idea member (with the installation's digest key)."""
    return ideas.Member(user.id, user.email, request.app.state.settings.response_digest_key)


def threshold_of(request: Request) -> int:
    """The installation's minimum group size for anonymous ideas (``anonymity_threshold``)."""
    return int(request.app.state.settings.anonymity_threshold)


def _decider(request: Request) -> tuple[User, str | None]:
    """The caller when their role decides (else 403), and their subtree's path."""
    user = signed_in(request)
    if user.role not in ideas.DECIDERS:
        raise Forbidden(NOT_A_DECIDER)
    return user, scope_path(request, user)


def _refused(error: ideas.IdeaRefused) -> PageError:
    message = MESSAGES.get(error.message, error.message)
    if isinstance(error, ideas.IdeaNotFound) or error.message == ideas.UNKNOWN_UNIT:
        return NotFound(message, **error.values)
    return Refused(message, **error.values)


def _message(request: Request, error: PageError) -> str:
    _ = translator(language_of(request))
    values = {key: _(FIELD_NAMES.get(str(value), str(value))) if key == "field" else value
              for key, value in error.values.items()}  # fmt: skip
    return _(error.message, **values)


def plain(idea: dict[str, Any], language: str) -> dict[str, Any]:
    """An idea as JSON: times in ISO 8601 (UTC; when it was raised to the hour only), kind and
    status in words."""
    translate = translator(language)
    item = {
        key: value.isoformat() + "Z" if hasattr(value, "isoformat") else value for key, value in idea.items()
    }
    names = {"kind_name": KIND_NAMES[idea["kind"]], "status_name": STATUS_NAMES[idea["status"]]}
    return item | {key: translate(name) for key, name in names.items()}


def _back(given: str) -> str:
    return back_to(given, "/ideas")


def _page(
    request: Request,
    user: User,
    *,
    filters: dict[str, Any] | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    code: int = 200,
) -> Response:
    store, language = store_of(request), language_of(request)
    filters = {"status": "all", "kind": None, "unit": None, "sort": "votes", "page": 1} | (filters or {})
    try:
        found = ideas.list_ideas(
            store, path=view_path(request, user), member=member_of(request, user), status=filters["status"],
            kind=filters["kind"], unit_code=filters["unit"] or None, sort=filters["sort"],
        )  # fmt: skip
    except ideas.IdeaRefused as refused:
        raise _refused(refused) from None
    decides = user.role in ideas.DECIDERS
    decidable = ideas.units_below(store, scope_path(request, user)) if decides else set()
    _ = translator(language)
    query = urlencode({key: value for key, value in filters.items() if value and key != "page"})
    page = filters["page"]
    shown = [
        plain(idea, language) | {"decidable": decides and (decidable is None or idea["unit_id"] in decidable)}
        for idea in found[(page - 1) * PER_PAGE : page * PER_PAGE]
    ]
    context = {
        "ideas": shown,
        "filters": filters,
        "query": query,
        "pages": max(1, math.ceil(len(found) / PER_PAGE)),
        "total": len(found),
        "back": f"/ideas?{query}" + (f"&page={page}" if page > 1 else ""),
        "home": ideas.home_unit(store, user.unit_id),
        "can_decide": decides,
        "sees_summary": user.role != "employee",
        "kinds": {key: _(name) for key, name in KIND_NAMES.items()},
        "statuses": {key: _(name) for key, name in STATUS_NAMES.items()},
        "error": error,
        "form": form or {},
    }
    return render(request, "ideas.html", context, status_code=code)


@router.get("/ideas")
def ideas_page(
    request: Request,
    status: StatusQuery = "all",
    kind: KindQuery = None,
    unit: str | None = None,
    sort: SortQuery = "votes",
    page: PageQuery = 1,
) -> Response:
    user = signed_in(request)
    filters = {"status": status, "kind": kind, "unit": unit, "sort": sort, "page": page}
    return _page(request, user, filters=filters)


@router.post("/ideas")
def raise_form(
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "friction",
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    author: Annotated[str, Form()] = "anonymous",
) -> Response:
    user = signed_in(request)
    check_csrf(request, csrf_token)
    try:
        idea = ideas.raise_idea(
            store_of(request), member_of(request, user), user.unit_id, kind, title, body,
            anonymous=author != "name", threshold=threshold_of(request), client=client_of(request),
        )  # fmt: skip
    except ideas.IdeaRefused as refused:
        form = {"kind": kind, "title": title, "body": body, "author": author}
        return _page(request, user, error=_message(request, _refused(refused)), form=form, code=400)
    return RedirectResponse(f"/ideas?sort=newest#idea-{idea['id']}", status_code=303)


@router.post("/ideas/{idea_id}/vote")
def vote_form(
    request: Request,
    idea_id: int,
    csrf_token: Annotated[str, Form()] = "",
    vote: Annotated[str, Form()] = "1",
    back: Annotated[str, Form()] = "",
) -> Response:
    user = signed_in(request)
    check_csrf(request, csrf_token)
    try:
        ideas.vote(store_of(request), idea_id, member_of(request, user), vote != "0",
                   path=view_path(request, user))  # fmt: skip
    except ideas.IdeaRefused as refused:
        return _refused_page(request, user, refused)
    return RedirectResponse(f"{_back(back)}#idea-{idea_id}", status_code=303)


@router.post("/ideas/{idea_id}")
def decide_form(
    request: Request,
    idea_id: int,
    csrf_token: Annotated[str, Form()] = "",
    status: Annotated[str | None, Form()] = None,
    reason: Annotated[str | None, Form()] = None,
    reward: Annotated[str | None, Form()] = None,
    back: Annotated[str, Form()] = "",
) -> Response:
    user, path = _decider(request)
    check_csrf(request, csrf_token)
    try:
        ideas.decide(
            store_of(request), idea_id, user.email, status=status or None, reason=reason, reward=reward,
            path=path, client=client_of(request),
        )  # fmt: skip
    except ideas.IdeaRefused as refused:
        return _refused_page(request, user, refused)
    return RedirectResponse(f"{_back(back)}#idea-{idea_id}", status_code=303)


def _refused_page(request: Request, user: User, refused: ideas.IdeaRefused) -> Response:
    """The ideas page with the refusal (400), or 404 for an idea the caller may not see."""
    error = _refused(refused)
    if isinstance(error, NotFound):
        raise error from None
    return _page(request, user, error=_message(request, error), code=400)


def _summary(request: Request, unit: str | None) -> dict[str, Any]:
    """The per-unit summary of the caller's subtree (managers, executives, analysts)."""
    user = signed_in(request)
    try:
        require_scores(user)
    except Forbidden:
        raise Forbidden(NO_SUMMARY) from None
    try:
        return summarise(store_of(request), path=scope_path(request, user), unit_code=unit or None)
    except ideas.IdeaRefused as refused:
        raise _refused(refused) from None


@router.get("/ideas/summary")
def summary_page(request: Request, unit: str | None = None) -> Response:
    return render(request, "ideas_summary.html", {"summary": _summary(request, unit), "unit": unit or ""})


# ----------------------------------------------------------------------------------------- API


class NewIdea(BaseModel):
    """An idea to raise for the caller's home unit (their location)."""

    kind: str = Field(default="friction", description="friction, or rule (a rule in the customer's way)")
    title: str = Field(max_length=ideas.MAX_TITLE)
    body: str | None = Field(default=None, max_length=ideas.MAX_BODY, description="The description")
    anonymous: bool = Field(default=True, description="false: the idea shows the author's e-mail address")


class Vote(BaseModel):
    """``true`` casts the caller's vote, ``false`` withdraws it (either twice is the same as once)."""

    vote: bool = True


class Decision(BaseModel):
    """What to change (fields left out stay; "" clears a reason or reward)."""

    status: str | None = Field(default=None, description="new, under_review, planned, done or declined")
    reason: str | None = Field(default=None, max_length=ideas.MAX_REASON, description="Required for declined")
    reward: str | None = Field(default=None, max_length=ideas.MAX_REWARD)


def _api_refused(request: Request, refused: ideas.IdeaRefused) -> Response:
    error = _refused(refused)
    if isinstance(error, NotFound):
        raise error
    return JSONResponse({"error": {"status": 422, "message": _message(request, error)}}, status_code=422)


@api_router.get("/ideas", summary="The ideas the caller sees, most votes first")
def ideas_api(
    request: Request,
    status: StatusQuery = "all",
    kind: KindQuery = None,
    unit: str | None = None,
    sort: SortQuery = "votes",
    page: PageQuery = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = PER_PAGE,
    lang: Annotated[str | None, Query(pattern="^(nl|en)$")] = None,
) -> Any:
    user = signed_in(request)
    try:
        found = ideas.list_ideas(
            store_of(request), path=view_path(request, user), member=member_of(request, user),
            status=status, kind=kind, unit_code=unit, sort=sort,
        )  # fmt: skip
    except ideas.IdeaRefused as refused:
        return _api_refused(request, refused)
    body = paginate(request, found, page, per_page)
    body["items"] = [plain(idea, language_of(request)) for idea in body["items"]]
    return body


@api_router.post("/ideas", status_code=201, summary="Raise an idea for the caller's location")
def raise_api(request: Request, body: NewIdea) -> Any:
    user = signed_in(request)
    check_api_write(request)
    try:
        idea = ideas.raise_idea(
            store_of(request), member_of(request, user), user.unit_id, body.kind, body.title, body.body,
            anonymous=body.anonymous, threshold=threshold_of(request), client=client_of(request),
        )  # fmt: skip
    except ideas.IdeaRefused as refused:
        return _api_refused(request, refused)
    return plain(idea, language_of(request))


@api_router.get("/ideas/summary", summary="Ideas per unit: counts by status, votes, time to decision")
def summary_api(request: Request, unit: str | None = None) -> Any:
    summary = _summary(request, unit)
    return summary | {"as_of": summary["as_of"].isoformat() + "Z"}


@api_router.post("/ideas/{idea_id}/vote", summary="Cast (vote: true) or withdraw (vote: false) a vote")
def vote_api(request: Request, idea_id: int, body: Vote | None = None) -> Any:
    user = signed_in(request)
    check_api_write(request)
    try:
        idea = ideas.vote(store_of(request), idea_id, member_of(request, user), (body or Vote()).vote,
                          path=view_path(request, user))  # fmt: skip
    except ideas.IdeaRefused as refused:
        return _api_refused(request, refused)
    return plain(idea, language_of(request))


@api_router.post("/ideas/{idea_id}", summary="Decide on an idea: status, reason, reward")
def decide_api(request: Request, idea_id: int, body: Decision) -> Any:
    user, path = _decider(request)
    check_api_write(request)
    try:
        idea = ideas.decide(store_of(request), idea_id, user.email, status=body.status, reason=body.reason,
                            reward=body.reward, path=path, client=client_of(request))  # fmt: skip
    except ideas.IdeaRefused as refused:
        return _api_refused(request, refused)
    return plain(idea, language_of(request))
