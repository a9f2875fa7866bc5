"""The action plans page and ``/api/v1/plans``: plans per unit, and whether they worked.

Managers see and make the plans of their subtree, executives and analysts all of them (the
executive's list of every plan, overdue ones first), employees none (403); another unit's
plan answers 404, like an unknown one. The form offers the unit's focus areas from the
driver analysis first as the measure to move.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from servicechain.accounts.users import User
from servicechain.act import plans
from servicechain.web.access import NotFound, PageError, Scope
from servicechain.web.api import paginate
from servicechain.web.i18n import N_, translator
from servicechain.web.render import render
from servicechain.web.results import Results
from servicechain.web.scoped import back_to, check_api_write, said, scores_caller, unprocessable
from servicechain.web.session import check_csrf, client_of, language_of, store_of

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["action plans"])

MESSAGES = {
    plans.UNKNOWN_UNIT: N_("There is no unit {code} among your units."),
    plans.UNKNOWN_PLAN: N_("There is no action plan {id} among your units."),
    plans.NO_RESULTS: N_("There are no results yet: import data and refresh before making a plan."),
    plans.UNKNOWN_MEASURE: N_("{measure} is not a measure of the scorecard."),
    plans.COUNT_MEASURE: N_("{measure} is a count, not a score: choose a measure a plan can move."),
    plans.EMPTY_TITLE: N_("Give the plan a title (at most {max} characters)."),
    plans.BAD_OWNER: N_("The owner must be an e-mail address: {owner} is not."),
    plans.BAD_TARGET: N_("The target must be a number between {low} and {high}."),
    plans.BAD_DUE: N_("The due date must be today or later."),
    plans.BAD_STATUS: N_("The status must be one of open, in_progress, done or dropped, not {status}."),
    plans.LONG_NOTES: N_("Notes can be at most {max} characters."),
    plans.HIDDEN_MEASURE: N_(
        "{code} has no value of this measure that may be shown (too few answers): a plan on it could "
        "never be judged. Choose another measure or a larger unit."
    ),
}
MADE = N_("The plan is made: it is in the list below.")
SAVED = N_("The changes to the plan are saved.")
NOT_BETTER = N_(
    "Note: the target {target} is not better than the baseline {baseline} ({period}), so the plan "
    "asks for no improvement. Change the target below if that was not meant."
)
BAD_DATE = N_("The due date must be a date (YYYY-MM-DD).")
STATUS_NAMES = {
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "dropped": N_("Dropped"),
}
VERDICT_NAMES = {
    "improved": N_("Improved"),
    "worse": N_("Worse"),
    "no_change": N_("No clear change"),
    "not_measured": N_("Not measured yet"),
    "suppressed": N_("Suppressed"),
    "no_baseline": N_("No baseline"),
}
BASES = {
    "interval_above": N_("the 95% interval of {period} lies wholly above the baseline"),
    "interval_below": N_("the 95% interval of {period} lies wholly below the baseline"),
    "interval_straddles": N_("the 95% interval of {period} includes the baseline"),
    "no_interval": N_("{period} has no interval to compare"),
    "not_measured": N_("no period after {period} has results yet"),
    "suppressed": N_("too few answers in {period} to show"),
    "no_baseline": N_("the unit had no value of this measure when the plan was made"),
}
FilterQuery = Annotated[str, Query(pattern="^(active|all|open|in_progress|done|dropped)$")]
PER_PAGE = 100


def install(app: FastAPI) -> None:
    """Nothing to set up: plans are read from the store on every request."""


class Refused(PageError):
    """A plan was refused (400 on pages, 422 in the API)."""


def _refused(error: plans.PlanRefused) -> PageError:
    message = MESSAGES.get(error.message, error.message)
    if isinstance(error, plans.PlanNotFound) or error.message == plans.UNKNOWN_UNIT:
        return NotFound(message, **error.values)
    return Refused(message, **error.values)


def _due(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Refused(BAD_DATE) from None


def _plain(plan: dict[str, Any], results: Results | None, language: str) -> dict[str, Any]:
    """A plan as JSON: dates in ISO 8601, times in UTC, the measure's name and the verdict in words."""
    translate = translator(language)
    item = {
        key: value.isoformat() + ("Z" if hasattr(value, "hour") else "")
        if hasattr(value, "isoformat")
        else value
        for key, value in plan.items()
    }
    result = dict(plan["result"])
    basis = result["basis"] or (result["verdict"] if result["verdict"] in BASES else None)
    period = result["period"] if result["verdict"] != "not_measured" else plan["baseline_period"]
    result["verdict_text"] = translate(VERDICT_NAMES[result["verdict"]])
    result["basis_text"] = translate(BASES[basis], period=period) if basis else None
    item["result"] = result
    item["measure_name"] = results.label(plan["measure"], language) if results else plan["measure"]
    item["status_name"] = translate(STATUS_NAMES.get(plan["status"], plan["status"]))
    return item


def _results(request: Request) -> Results | None:
    return request.app.state.results.get(store_of(request))  # type: ignore[no-any-return]


def scale_of(entry: dict[str, Any]) -> str:
    """A measure's scale in words: ``1–5``, ``0–100 %``, ``NPS −100…100`` (empty without bounds)."""
    low, high = entry.get("scale_min"), entry.get("scale_max")
    if low is None or high is None:
        return ""
    if entry.get("kind") == "nps":
        return f"NPS {float(low):g}…{float(high):g}".replace("-", "−")
    if entry.get("kind") == "share":
        return f"{float(low):g}–{float(high):g} %"
    return f"{float(low):g}–{float(high):g}"


def _current(
    request: Request, results: Results | None, unit_code: str | None, keys: list[str]
) -> dict[str, tuple[plans.Score | None, bool]]:
    """Per measure: the unit's newest value that may be shown, and whether every value is hidden."""
    if results is None or not unit_code or not keys:
        return {}
    units = results.units[results.units["unit_code"] == unit_code]
    if units.empty:
        return {}
    unit_id = int(units.iloc[0]["unit_id"])
    found = plans.scores(store_of(request), {(unit_id, key) for key in keys})
    return {
        key: (plans.baseline_of(found[(unit_id, key)]), plans.hidden(found[(unit_id, key)])) for key in keys
    }


def _with_current(
    choices: list[dict[str, Any]], results: Results, current: dict[str, tuple[plans.Score | None, bool]]
) -> list[dict[str, Any]]:
    for choice in choices:
        entry = results.measures.get(choice["key"], {})
        base, hidden = current.get(choice["key"], (None, False))
        choice |= {
            "scale": scale_of(entry),
            "now": None if base is None else base.mean,
            "period": None if base is None else base.period,
            "hidden": hidden,
            "decimals": 1 if entry.get("kind") in ("share", "nps") else 2,
        }
    return choices


def measure_choices(
    results: Results | None, unit_code: str | None, language: str, request: Request | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The unit's focus areas (measures of the catalogue, by priority), then every other score measure;
    with ``request``, each with its scale, the unit's current value and period, and ``hidden`` (every
    value of the unit hidden for anonymity: a plan on it could never be judged)."""
    if results is None:
        return [], []
    movable = {key: entry for key, entry in results.measures.items() if entry.get("kind") != "count"}
    focus: list[dict[str, Any]] = []
    if unit_code:
        areas = results.reports.get(language, {}).get("drivers", {}).get("focus_areas", [])
        for area in areas:
            key = area.get("driver")
            if area.get("unit_code") == unit_code and key in movable and key not in {f["key"] for f in focus}:
                focus.append(
                    {
                        "key": key,
                        "label": results.label(key, language),
                        "score": area.get("score"),
                        "gap": area.get("gap"),
                    }
                )
    taken = {f["key"] for f in focus}
    rest = [{"key": key, "label": results.label(key, language)} for key in movable if key not in taken]
    if request is not None:
        current = _current(request, results, unit_code, list(movable))
        focus, rest = _with_current(focus, results, current), _with_current(rest, results, current)
    return focus, rest


def unit_choices(results: Results | None, scope: Scope) -> list[dict[str, str]]:
    """The units in the caller's scope a plan can be made for (locations and teams first by code)."""
    if results is None:
        return []
    units = results.units[scope.mask(results.units)]
    units = units.reset_index(drop=True).sort_values(["depth", "unit_code"])
    return [
        {"code": str(row["unit_code"]), "name": str(row["unit_name"]), "level": str(row["level"])}
        for _, row in units.iterrows()
    ]


def _page(
    request: Request,
    user: User,
    path: str | None,
    *,
    status: str = "active",
    unit: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
    code: int = 200,
    made: int | None = None,
    updated: int | None = None,
) -> Response:
    store, language = store_of(request), language_of(request)
    results = _results(request)
    scope = Scope(user, path)
    try:
        found = plans.list_plans(store, path=path, status=status, unit_code=unit or None)
    except plans.PlanRefused as refused:
        raise _refused(refused) from None
    form = form or {}
    units = unit_choices(results, scope)
    chosen = form.get("unit") or unit or (user.unit_code if path is not None else None)
    if units and chosen not in {u["code"] for u in units}:
        chosen = units[0]["code"]
    focus, rest = measure_choices(results, chosen, language, request)
    translate = translator(language)
    notices, warnings = [], []
    shown = {plan["id"]: plan for plan in found}
    if made is not None and made in shown:
        notices.append(translate(MADE))
    if updated is not None and updated in shown:
        notices.append(translate(SAVED))
    for plan_id in (made, updated):
        plan = shown.get(plan_id) if plan_id is not None else None
        if plan is not None and plan["target_better"] is False:
            warnings.append(
                translate(
                    NOT_BETTER,
                    target=f"{plan['target']:g}",
                    baseline=f"{plan['baseline']:.2f}",
                    period=plan["baseline_period"],
                )
            )
    context = {
        "plans": [_plain(plan, results, language) for plan in found],
        "status": status,
        "unit": unit or "",
        "units": units,
        "chosen_unit": chosen or "",
        "chosen_name": next((u["name"] for u in units if u["code"] == chosen), chosen or ""),
        "notices": notices,
        "warnings": warnings,
        "made": made,
        "updated": updated,
        "focus": focus,
        "measures": rest,
        "error": error,
        "form": form,
        "statuses": {key: translator(language)(name) for key, name in STATUS_NAMES.items()},
        "overdue_count": sum(1 for plan in found if plan["overdue"]),
        "today": plans.today().isoformat(),
    }
    return render(request, "plans.html", context, status_code=code)


@router.get("/plans")
def plans_page(
    request: Request,
    status: FilterQuery = "active",
    unit: str | None = None,
    made: int | None = None,
    updated: int | None = None,
) -> Response:
    user, path = scores_caller(request)
    return _page(request, user, path, status=status, unit=unit, made=made, updated=updated)


@router.post("/plans")
def create_form(
    request: Request,
    csrf_token: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
    title: Annotated[str, Form()] = "",
    owner: Annotated[str, Form()] = "",
    measure: Annotated[str, Form()] = "",
    target: Annotated[str, Form()] = "",
    due_on: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    user, path = scores_caller(request)
    check_csrf(request, csrf_token)
    form = {
        "unit": unit,
        "title": title,
        "owner": owner,
        "measure": measure,
        "target": target,
        "due_on": due_on,
        "notes": notes,
    }
    try:
        plan = plans.create_plan(
            store_of(request),
            unit,
            title,
            owner,
            measure,
            target.replace(",", "."),
            _due(due_on),
            notes,
            user.email,
            path=path,
            client=client_of(request),
        )
    except plans.PlanRefused as refused:
        error = _refused(refused)
        if isinstance(error, NotFound):
            raise error from None
        return _page(request, user, path, error=said(request, error), form=form, code=400)
    except Refused as error:
        return _page(request, user, path, error=said(request, error), form=form, code=400)
    return RedirectResponse(
        f"/plans?unit={plan['unit_code']}&made={plan['id']}#plan-{plan['id']}", status_code=303
    )


@router.post("/plans/{plan_id}")
def update_form(
    request: Request,
    plan_id: int,
    csrf_token: Annotated[str, Form()] = "",
    status: Annotated[str | None, Form()] = None,
    note: Annotated[str | None, Form()] = None,
    target: Annotated[str, Form()] = "",
    due_on: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Change the status, target and due date (what is unchanged stays); a note is added, dated and
    signed, below the earlier ones."""
    user, path = scores_caller(request)
    check_csrf(request, csrf_token)
    try:
        plans.update_plan(
            store_of(request),
            plan_id,
            user.email,
            status=status or None,
            note=note,
            target=target.replace(",", ".").strip() or None,
            due_on=_due(due_on) if due_on.strip() else None,
            path=path,
            client=client_of(request),
        )
    except plans.PlanRefused as refused:
        error = _refused(refused)
        if isinstance(error, NotFound):
            raise error from None
        return _page(request, user, path, error=said(request, error), code=400)
    except Refused as error:
        return _page(request, user, path, error=said(request, error), code=400)
    page = back_to(back, "/plans")
    joiner = "&" if "?" in page else "?"
    return RedirectResponse(f"{page}{joiner}updated={plan_id}#plan-{plan_id}", status_code=303)


# ----------------------------------------------------------------------------------------- API


class NewPlan(BaseModel):
    """A plan to make: the unit, what it should move and by when."""

    unit: str = Field(max_length=64)
    title: str = Field(max_length=plans.MAX_TITLE)
    owner: str = Field(max_length=320, description="The accountable person's e-mail address")
    measure: str = Field(max_length=64, description="A scorecard measure (the unit's focus areas are best)")
    target: float
    due_on: date
    notes: str | None = Field(default=None, max_length=plans.MAX_NOTES)


class PlanChange(BaseModel):
    """What to change (fields left out stay)."""

    status: str | None = Field(default=None, description="open, in_progress, done or dropped")
    notes: str | None = Field(default=None, max_length=plans.MAX_NOTES)
    target: float | None = None
    due_on: date | None = None


def _api_caller(request: Request) -> tuple[User, str | None]:
    user, path = scores_caller(request)
    check_api_write(request)
    return user, path


def _api_refused(request: Request, refused: plans.PlanRefused) -> Response:
    error = _refused(refused)
    if isinstance(error, NotFound):
        raise error
    return unprocessable(request, error)


@api_router.get("/plans", summary="The action plans of the caller's units, overdue ones first")
def plans_api(
    request: Request,
    status: FilterQuery = "active",
    unit: str | None = None,
    overdue: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = PER_PAGE,
    lang: Annotated[str | None, Query(pattern="^(nl|en)$")] = None,
) -> Any:
    _user, path = scores_caller(request)
    try:
        found = plans.list_plans(
            store_of(request), path=path, status=status, unit_code=unit, overdue_only=overdue
        )
    except plans.PlanRefused as refused:
        return _api_refused(request, refused)
    results, language = _results(request), language_of(request)
    body = paginate(request, found, page, per_page)
    body["items"] = [_plain(plan, results, language) for plan in body["items"]]
    return body


@api_router.post("/plans", status_code=201, summary="Make an action plan for a unit of the caller's")
def create_api(request: Request, body: NewPlan) -> Any:
    user, path = _api_caller(request)
    try:
        plan = plans.create_plan(
            store_of(request),
            body.unit,
            body.title,
            body.owner,
            body.measure,
            body.target,
            body.due_on,
            body.notes,
            user.email,
            path=path,
            client=client_of(request),
        )
    except plans.PlanRefused as refused:
        return _api_refused(request, refused)
    return _plain(plan, _results(request), language_of(request))


@api_router.post("/plans/{plan_id}", summary="Change an action plan's status, notes, target or due date")
def update_api(request: Request, plan_id: int, body: PlanChange) -> Any:
    user, path = _api_caller(request)
    try:
        plan = plans.update_plan(
            store_of(request),
            plan_id,
            user.email,
            status=body.status,
            notes=body.notes,
            target=body.target,
            due_on=body.due_on,
            path=path,
            client=client_of(request),
        )
    except plans.PlanRefused as refused:
        return _api_refused(request, refused)
    return _plain(plan, _results(request), language_of(request))
