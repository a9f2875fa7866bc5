"""The survey waves page (analysts): open a wave for a subtree, download its links and reminders,
close it; the same as JSON under ``/api/v1/waves``.

Exports of links are logged in the audit log (a link is a credential); answering a survey
never is (see :mod:`servicechain.collect.answers`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from servicechain.accounts.audit import log_event
from servicechain.accounts.users import User
from servicechain.analysis.units import read_units
from servicechain.collect import waves as collect
from servicechain.collect.waves import WaveRefused
from servicechain.web.access import Forbidden, NotFound
from servicechain.web.i18n import N_, translator
from servicechain.web.render import render
from servicechain.web.session import bearer, check_csrf, client_of, language_of, signed_in, store_of

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["servicechain"])

COLLECT_MESSAGES = {
    collect.WAVE_EXISTS: N_("A wave {code} exists already: choose another code."),
    collect.UNKNOWN_UNIT: N_("There is no unit {unit}."),
    collect.NO_EMPLOYEES: N_(
        "{unit} and the units below it have no current employees: there is nobody to invite."
    ),
    collect.BAD_THRESHOLD: N_("The anonymity threshold must be a whole number from 3 to 10."),
    collect.BAD_PERIOD: N_("{period} is not a period: use 2026-Q4, 2026-09 or 2026."),
    collect.BAD_CODE: N_("A wave code has 1 to 64 letters, digits, dots, dashes or underscores."),
    collect.UNKNOWN_WAVE: N_("There is no employee survey wave {code}."),
    collect.ALREADY_CLOSED: N_("Wave {code} is closed already."),
}  # fmt: skip
"""The messages of :class:`WaveRefused`, written here too so that the catalogue has them."""


def install(app: FastAPI) -> None:
    """Nothing to set up: the routes use the store and the settings."""


def require_waves(user: User) -> None:
    """Survey waves: analysts only."""
    if user.role != "analyst":
        raise Forbidden(N_("Survey waves are for analysts."))


def _analyst(request: Request) -> User:
    user = signed_in(request)
    require_waves(user)
    return user


def _message(request: Request, error: WaveRefused) -> str:
    return translator(language_of(request))(
        COLLECT_MESSAGES.get(error.message, error.message), **error.values
    )


def _page(request: Request, *, status: int = 200, **context: Any) -> Response:
    units = read_units(store_of(request))
    choices = units[["unit_code", "unit_name", "level", "depth"]]
    defaults = {"waves": collect.list_waves(store_of(request)), "units": choices.to_dict("records"),
                "error": None, "form": {}, "opened": request.query_params.get("opened"),
                "closed": request.query_params.get("closed"), "example_wave": "MW-2026-Q4",
                "example_period": "2026-Q4",
                "default_threshold": request.app.state.settings.anonymity_threshold}  # fmt: skip
    return render(request, "waves.html", defaults | context, status_code=status)


@router.get("/waves")
def waves_page(request: Request) -> Response:
    """Every employee survey wave and the form to open one."""
    _analyst(request)
    return _page(request)


@router.post("/waves")
def open_wave(
    request: Request,
    code: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
    threshold: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Open a wave; back to the list (or the form again with the reason)."""
    user = _analyst(request)
    check_csrf(request, csrf_token)
    form = {"code": code, "unit": unit, "period": period, "threshold": threshold}
    try:
        fixed = int(threshold) if threshold.strip() else None
    except ValueError:
        fixed = 0  # refused below with the threshold's message
    try:
        wave = collect.open_wave(
            store_of(request), code, unit, period, fixed, settings=request.app.state.settings
        )
    except WaveRefused as error:
        return _page(request, status=400, error=_message(request, error), form=form)
    _log_opening(request, user, wave)
    return RedirectResponse(f"/waves?opened={wave.code}", status_code=303)


def _log_opening(request: Request, user: User, wave: collect.Wave) -> None:
    detail = f"{wave.code} {wave.unit_code}: {wave.invited} invited"
    log_event(store_of(request), user.email, "wave_open", detail, client_of(request))


def _csv(request: Request, user: User, code: str, *, unused_only: bool) -> Response:
    try:
        rows = collect.wave_links(
            store_of(request), code, request.app.state.settings, unused_only=unused_only
        )
    except WaveRefused as error:
        raise NotFound(N_("There is no employee survey wave {code}."), code=code) from error
    kind = "reminders" if unused_only else "links"
    log_event(store_of(request), user.email, "export", f"wave {code} {kind}: {len(rows)} links",
              client_of(request))  # fmt: skip
    name = f"{code}-{kind}.csv".replace('"', "")
    return Response(collect.links_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/waves/{code}/links.csv")
def links(request: Request, code: str) -> Response:
    """Every invitation's personal link and kiosk code (for the HR mail system)."""
    return _csv(request, _analyst(request), code, unused_only=False)


@router.get("/waves/{code}/reminders.csv")
def reminder_links(request: Request, code: str) -> Response:
    """The links of invitations not used yet."""
    return _csv(request, _analyst(request), code, unused_only=True)


@router.post("/waves/{code}/close")
def close(request: Request, code: str, csrf_token: Annotated[str, Form()] = "") -> Response:
    """Close a wave: its links stop working."""
    user = _analyst(request)
    check_csrf(request, csrf_token)
    try:
        collect.close_wave(store_of(request), code)
    except WaveRefused as error:
        if error.message == collect.UNKNOWN_WAVE:
            raise NotFound(N_("There is no employee survey wave {code}."), code=code) from error
        return _page(request, status=400, error=_message(request, error))
    log_event(store_of(request), user.email, "wave_close", code, client_of(request))
    request.app.state.refresher.rebuild_soon()  # the wave's results may be shown now
    return RedirectResponse(f"/waves?closed={code}", status_code=303)


class WaveOpening(BaseModel):
    """What ``POST /api/v1/waves`` needs."""

    code: str = Field(description="Code of the new wave, e.g. MW-2026-Q4")
    unit: str = Field(description="Unit code: every current employee of its subtree is invited")
    period: str = Field(description="Reporting period: 2026-Q4, 2026-09 or 2026")
    threshold: int | None = Field(
        default=None, description="Anonymity threshold 3..10 (default: the setting)"
    )


def _check_csrf_for_cookie(request: Request) -> None:
    if bearer(request) is None:
        check_csrf(request, request.headers.get("x-csrf-token"))


def _api_error(request: Request, status: int, error: WaveRefused) -> Response:
    return JSONResponse(
        {"error": {"status": status, "message": _message(request, error)}}, status_code=status
    )


@api_router.get("/waves", summary="Employee survey waves with invited and answered counts (analysts)")
def api_waves(request: Request) -> dict[str, Any]:
    _analyst(request)
    return {"items": [wave.as_json() for wave in collect.list_waves(store_of(request))]}


@api_router.post("/waves", status_code=201, summary="Open an employee survey wave for a subtree (analysts)")
def api_open(request: Request, opening: WaveOpening) -> Any:
    user = _analyst(request)
    _check_csrf_for_cookie(request)
    try:
        wave = collect.open_wave(store_of(request), opening.code, opening.unit, opening.period,
                                 opening.threshold, settings=request.app.state.settings)  # fmt: skip
    except WaveRefused as error:
        return _api_error(request, 409 if error.message == collect.WAVE_EXISTS else 422, error)
    _log_opening(request, user, wave)
    return wave.as_json()


@api_router.post("/waves/{code}/close", summary="Close an employee survey wave (analysts)")
def api_close(request: Request, code: str) -> Any:
    user = _analyst(request)
    _check_csrf_for_cookie(request)
    try:
        wave = collect.close_wave(store_of(request), code)
    except WaveRefused as error:
        if error.message == collect.UNKNOWN_WAVE:
            raise NotFound(N_("There is no employee survey wave {code}."), code=code) from error
        return _api_error(request, 409, error)
    log_event(store_of(request), user.email, "wave_close", code, client_of(request))
    request.app.state.refresher.rebuild_soon()
    return wave.as_json()
