"""The ideas page and ``/api/v1/ideas``: friction points and rules in the customer's way.

Every signed-in role raises ideas for their home unit (their location) and votes on the ideas
they see: employees (and managers) those of their home unit's subtree, executives and analysts
all; an anonymous idea is refused where fewer people work than the anonymity threshold. Unit
managers, regional managers and executives decide (status, reason, reward) within the subtree of
their own unit; analysts and employees get 403 there. So a unit manager of a team sees the
location's ideas but decides none of them: the page shows the decide form only on ideas the
caller may decide. An idea outside what the caller may see or decide answers 404, like an
unknown one. ``/ideas/{id}`` shows one idea (the summary links its oldest undecided ideas
there). ``/ideas/summary`` (managers, executives, analysts) counts them per unit with the time
to decision, for the ideas raised in a period (``?since=&until=``) when asked;
``/ideas/summary.csv`` is the same as the command line's ``ideas summary --format csv``.

A form that worked redirects back (POST-redirect-GET) with ``done=<what>`` in the query, and the
page says so (``role="status"``); the flag names no idea and no author. A refused decision or
vote answers the idea's own page with the reason beside its forms and what was typed kept; a
refused idea answers the list (with the filters it was raised from) and the form as typed.

Filters that are not valid answer the page with the reason (400) or, in the API, 422 with it: a
filter form's "All" sends an empty value, which means no filter.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from servicechain.accounts.roles import sees_everything
from servicechain.accounts.users import User
from servicechain.act import ideas
from servicechain.act.ideas_summary import summarise, summary_csv
from servicechain.web.access import Forbidden, NotFound, PageError, require_scores
from servicechain.web.api import paginate
from servicechain.web.i18n import N_, translator
from servicechain.web.render import render
from servicechain.web.scoped import back_to, check_api_write, done_notice, scope_path, with_done
from servicechain.web.session import NotSignedIn, check_csrf, client_of, language_of, signed_in, store_of

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
    ideas.BAD_PERIOD: N_("The period ends ({until}) before it starts ({since})."),
}
BAD_DAY = N_("The {field} date must be a day such as 2026-03-31, not {value}.")
FIELD_NAMES = {"description": N_("description"), "reason": N_("reason"), "reward": N_("reward"),
               "start": N_("start"), "end": N_("end")}  # fmt: skip
NOT_A_DECIDER = N_("Deciding on ideas is for unit managers, regional managers and executives.")
NO_SUMMARY = N_("The summary of ideas is for managers, executives and analysts.")
KIND_NAMES = {"friction": N_("Friction point"), "rule": N_("Rule in the customer’s way")}
NOTICES = {
    "raised": N_("Your idea was raised with your name."),
    "raised-anonymously": N_("Your idea was raised anonymously."),
    "voted": N_("Your vote was counted."),
    "withdrawn": N_("Your vote was withdrawn."),
    "decided": N_("The decision was saved."),
}
"""What ``?done=`` says after a form worked (any other value says nothing)."""
STATUS_NAMES = {
    "new": N_("New"),
    "under_review": N_("Under review"),
    "planned": N_("Planned"),
    "done": N_("Done"),
    "declined": N_("Declined"),
}
StatusQuery = Annotated[
    str | None, Query(description="all, open, new, under_review, planned, done, declined")
]
KindQuery = Annotated[str | None, Query(description="friction or rule (empty: both)")]
SortQuery = Annotated[str | None, Query(description="votes (most first) or newest")]
DayQuery = Annotated[
    str | None,
    Query(description="A day (YYYY-MM-DD): raised on or after it (since), on or before it (until)"),
]
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


def _day(value: str | None, field: str) -> date | None:
    """A day from a query (empty: none); refused (400 on pages, 422 in the API) when not a day."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Refused(BAD_DAY, field=field, value=value) from None


def _filters(status: str | None, kind: str | None, sort: str | None, unit: str | None = None,
             since: str | None = None, until: str | None = None) -> dict[str, Any]:  # fmt: skip
    """The list's filters from a query: an empty value (a filter form's "All") is no filter."""
    return {"status": status or "all", "kind": kind or None, "sort": sort or "votes", "unit": unit or None,
            "since": _day(since, "start"), "until": _day(until, "end")}  # fmt: skip


def _found(request: Request, user: User, filters: dict[str, Any]) -> list[dict[str, Any]]:
    """The ideas the caller sees with ``filters``; a refused filter as a PageError."""
    try:
        return ideas.list_ideas(
            store_of(request), path=view_path(request, user), member=member_of(request, user),
            status=filters["status"], kind=filters["kind"], unit_code=filters["unit"], sort=filters["sort"],
            since=filters["since"], until=filters["until"],
        )  # fmt: skip
    except ideas.IdeaRefused as refused:
        raise _refused(refused) from None


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


def _list_filters(back: str) -> dict[str, Any]:
    """The list's filters in a form's ``back`` (``/ideas?sort=newest...``); none when it has none
    or they are not filters."""
    query = dict(parse_qsl(urlsplit(_back(back)).query))
    number = query.get("page", "")
    try:
        filters = _filters(query.get("status"), query.get("kind"), query.get("sort"), query.get("unit"))
    except Refused:
        return {}
    return filters | {"page": int(number) if number.isdigit() and 0 < int(number) <= 100_000 else 1}


def _list_back(back: str) -> str:
    """Where "All ideas" goes from one idea: the list as it was (``back``) when it was the list."""
    given = _back(back)
    return given if urlsplit(given).path == "/ideas" else "/ideas"


def _page(
    request: Request,
    user: User,
    *,
    filters: dict[str, Any] | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    form_error: str | None = None,
    notice: str | None = None,
    code: int = 200,
) -> Response:
    store, language = store_of(request), language_of(request)
    filters = DEFAULT_FILTERS | (filters or {})
    try:
        found = _found(request, user, filters)
    except NotFound:
        raise
    except PageError as refused:  # a bad filter: every idea, with the reason
        filters, error, code = DEFAULT_FILTERS, _message(request, refused), 400
        found = _found(request, user, filters)
    _ = translator(language)
    query = urlencode({key: value for key, value in filters.items() if value and key != "page"})
    page = min(filters["page"], max(1, math.ceil(len(found) / PER_PAGE)))
    context = {
        "ideas": _cards(request, user, found[(page - 1) * PER_PAGE : page * PER_PAGE]),
        "filters": filters | {"page": page},
        "query": query,
        "pages": max(1, math.ceil(len(found) / PER_PAGE)),
        "total": len(found),
        "back": f"/ideas?{query}" + (f"&page={page}" if page > 1 else ""),
        "home": ideas.home_unit(store, user.unit_id),
        "threshold": threshold_of(request),
        "can_decide": user.role in ideas.DECIDERS,
        "sees_summary": user.role != "employee",
        "kinds": {key: _(name) for key, name in KIND_NAMES.items()},
        "statuses": {key: _(name) for key, name in STATUS_NAMES.items()},
        "error": error,
        "form": form or {},
        "form_error": form_error,
        "notice": notice,
    }
    return render(request, "ideas.html", context, status_code=code)


DEFAULT_FILTERS: dict[str, Any] = {
    "status": "all", "kind": None, "unit": None, "sort": "votes", "since": None, "until": None, "page": 1,
}  # fmt: skip


def _cards(request: Request, user: User, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ideas as the cards show them: in words, and ``decidable`` where the caller may decide."""
    decides = user.role in ideas.DECIDERS
    decidable = ideas.units_below(store_of(request), scope_path(request, user)) if decides else set()
    return [
        plain(idea, language_of(request))
        | {"decidable": decides and (decidable is None or idea["unit_id"] in decidable)}
        for idea in found
    ]


@router.get("/ideas")
def ideas_page(
    request: Request,
    status: StatusQuery = None,
    kind: KindQuery = None,
    unit: str | None = None,
    sort: SortQuery = None,
    page: PageQuery = 1,
    done: str | None = None,
) -> Response:
    user = signed_in(request)
    notice = done_notice(request, NOTICES, done)
    try:
        filters = _filters(status, kind, sort, unit) | {"page": page}
    except Refused as refused:
        return _page(request, user, error=_message(request, refused), notice=notice, code=400)
    return _page(request, user, filters=filters, notice=notice)


@router.get("/ideas/{idea_id:int}")
def idea_page(request: Request, idea_id: int, done: str | None = None) -> Response:
    """One idea (404 outside what the caller sees), with its vote and decide forms."""
    return _one_page(request, signed_in(request), idea_id, notice=done_notice(request, NOTICES, done))


def _one_page(
    request: Request,
    user: User,
    idea_id: int,
    *,
    back: str = "",
    notice: str | None = None,
    error: str | None = None,
    decision: dict[str, Any] | None = None,
    code: int = 200,
) -> Response:
    """One idea's page; after a refused vote or decision (``error``) with the reason beside the
    forms, what was typed (``decision``) kept and the forms' way back (``back``) to the list."""
    try:
        idea = ideas.get_idea(store_of(request), idea_id, member=member_of(request, user),
                              path=view_path(request, user))  # fmt: skip
    except ideas.IdeaRefused as refused:
        raise _refused(refused) from None
    _ = translator(language_of(request))
    context = {
        "idea": _cards(request, user, [idea])[0],
        "back": _back(back) if back else f"/ideas/{idea_id}",
        "list_back": _list_back(back),
        "statuses": {key: _(name) for key, name in STATUS_NAMES.items()},
        "notice": notice,
        "card_error": {"id": idea_id, "text": error} if error else None,
        "decision": decision and decision | {"id": idea_id},
    }
    return render(request, "ideas_one.html", context, status_code=code)


@router.post("/ideas")
def raise_form(
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "friction",
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    author: Annotated[str, Form()] = "anonymous",
    back: Annotated[str, Form()] = "",
) -> Response:
    user = signed_in(request)
    check_csrf(request, csrf_token)
    anonymous = author != "name"
    try:
        idea = ideas.raise_idea(
            store_of(request), member_of(request, user), user.unit_id, kind, title, body,
            anonymous=anonymous, threshold=threshold_of(request), client=client_of(request),
        )  # fmt: skip
    except ideas.IdeaRefused as refused:
        form = {"kind": kind, "title": title, "body": body, "author": author}
        error = _message(request, _refused(refused))
        return _page(request, user, filters=_list_filters(back), form=form, form_error=error, code=400)
    flag = "raised-anonymously" if anonymous else "raised"
    return RedirectResponse(f"/ideas?sort=newest&done={flag}#idea-{idea['id']}", status_code=303)


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
        return _refused_page(request, user, idea_id, refused, back)
    flag = "withdrawn" if vote == "0" else "voted"
    return RedirectResponse(f"{with_done(_back(back), flag)}#idea-{idea_id}", status_code=303)


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
        typed = {"status": status or "", "reason": reason or "", "reward": reward or ""}
        return _refused_page(request, user, idea_id, refused, back, typed)
    return RedirectResponse(f"{with_done(_back(back), 'decided')}#idea-{idea_id}", status_code=303)


def _refused_page(
    request: Request,
    user: User,
    idea_id: int,
    refused: ideas.IdeaRefused,
    back: str,
    typed: dict[str, str] | None = None,
) -> Response:
    """The idea's own page with the refusal beside its forms and what was typed (400), or 404 for
    an idea the caller may not see."""
    error = _refused(refused)
    if isinstance(error, NotFound):
        raise error from None
    return _one_page(request, user, idea_id, back=back, error=_message(request, error), decision=typed,
                     code=400)  # fmt: skip


def _summary(
    request: Request, unit: str | None, since: str | None = None, until: str | None = None
) -> dict[str, Any]:
    """The per-unit summary of the caller's subtree (managers, executives, analysts)."""
    user = signed_in(request)
    try:
        require_scores(user)
    except Forbidden:
        raise Forbidden(NO_SUMMARY) from None
    first, last = _day(since, "start"), _day(until, "end")
    try:
        return summarise(store_of(request), path=scope_path(request, user), unit_code=unit or None,
                         since=first, until=last)  # fmt: skip
    except ideas.IdeaRefused as refused:
        raise _refused(refused) from None


NOT_THE_PERIOD = (Forbidden, NotFound, NotSignedIn)
"""Refusals of the summary that are not about its period: they answer as everywhere (403, 404, 401)."""


@router.get("/ideas/summary")
def summary_page(
    request: Request, unit: str | None = None, since: DayQuery = None, until: DayQuery = None
) -> Response:
    period = {"unit": unit or "", "since": since or "", "until": until or ""}
    try:
        summary, error, code = _summary(request, unit, since, until), None, 200
    except NOT_THE_PERIOD:
        raise
    except PageError as refused:  # a bad period: the whole time, with the reason
        summary, error, code = _summary(request, unit), _message(request, refused), 400
        period |= {"since": "", "until": ""}
    download = urlencode({key: value for key, value in period.items() if value})
    context = {"summary": summary, "error": error, "download": download} | period
    return render(request, "ideas_summary.html", context, status_code=code)


@router.get("/ideas/summary.csv")
def summary_download(
    request: Request, unit: str | None = None, since: DayQuery = None, until: DayQuery = None
) -> Response:
    """The summary page's table as CSV (the columns of ``ideas summary --format csv``), for the
    same period; a period that is not one is refused (400, the reason as text)."""
    try:
        summary = _summary(request, unit, since, until)
    except NOT_THE_PERIOD:
        raise
    except PageError as refused:
        return Response(_message(request, refused), status_code=400, media_type="text/plain; charset=utf-8")
    period = "".join(f"-{day.isoformat()}" for day in (summary["since"], summary["until"]) if day)
    return Response(
        summary_csv(summary),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ideas-summary{period}.csv"'},
    )


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
    return _unprocessable(request, error)


def _unprocessable(request: Request, error: PageError) -> Response:
    return JSONResponse({"error": {"status": 422, "message": _message(request, error)}}, status_code=422)


@api_router.get("/ideas", summary="The ideas the caller sees, most votes first")
def ideas_api(
    request: Request,
    status: StatusQuery = None,
    kind: KindQuery = None,
    unit: str | None = None,
    sort: SortQuery = None,
    since: DayQuery = None,
    until: DayQuery = None,
    page: PageQuery = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = PER_PAGE,
    lang: Annotated[str | None, Query(pattern="^(nl|en)$")] = None,
) -> Any:
    user = signed_in(request)
    try:
        found = _found(request, user, _filters(status, kind, sort, unit, since, until))
    except NotFound:
        raise
    except PageError as refused:
        return _unprocessable(request, refused)
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
def summary_api(
    request: Request, unit: str | None = None, since: DayQuery = None, until: DayQuery = None
) -> Any:
    try:
        summary = _summary(request, unit, since, until)
    except NOT_THE_PERIOD:
        raise
    except PageError as refused:
        return _unprocessable(request, refused)
    days = {key: summary[key] and summary[key].isoformat() for key in ("since", "until")}
    return summary | days | {"as_of": summary["as_of"].isoformat() + "Z"}


@api_router.get("/ideas/{idea_id:int}", summary="One idea the caller sees (404 otherwise)")
def idea_api(request: Request, idea_id: int) -> Any:
    user = signed_in(request)
    try:
        idea = ideas.get_idea(store_of(request), idea_id, member=member_of(request, user),
                              path=view_path(request, user))  # fmt: skip
    except ideas.IdeaRefused as refused:
        return _api_refused(request, refused)
    return plain(idea, language_of(request))


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
