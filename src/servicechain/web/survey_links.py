"""The staff side of survey links: a unit's links with their QR codes (to print), PNG and SVG
downloads, and ``GET /api/v1/units/{code}/survey-links``.

Managers see the links of the units in their subtree, executives and analysts every unit's;
employees none (403). A unit outside the caller's subtree answers 404, like an unknown code.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from servicechain.accounts.audit import log_event
from servicechain.accounts.roles import sees_everything, sees_scores
from servicechain.accounts.users import User
from servicechain.collect.links import (
    Link,
    ensure_links,
    find_link,
    links_of_unit,
    qr_png,
    qr_svg,
    renew_links,
    unit_name,
)
from servicechain.collect.units import UnitRef
from servicechain.instruments import load_default_instruments
from servicechain.web.access import Forbidden, NotFound
from servicechain.web.i18n import N_
from servicechain.web.render import render
from servicechain.web.session import check_csrf, client_of, language_of, signed_in

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["survey links"])


def public_base(request: Request) -> str:
    """Where customers reach this site: ``public_url``, else the address this request came in on."""
    configured = request.app.state.settings.public_url
    return str(configured or request.base_url).rstrip("/")


def _staff(request: Request) -> User:
    user = signed_in(request)
    if not sees_scores(user.role):
        raise Forbidden(N_("Survey links are for managers, executives and analysts."))
    return user


def _allows(request: Request, user: User, path: str) -> bool:
    if sees_everything(user.role):
        return True
    own = request.app.state.units_directory.unit_by_id(user.unit_id)
    return own is not None and path.startswith(own.path)


def scoped_unit(request: Request, user: User, code: str) -> UnitRef:
    """The unit ``code`` when the caller may see it, else NotFound (also for unknown codes)."""
    unit = request.app.state.units_directory.unit(code)
    if unit is None or not _allows(request, user, unit.path):
        raise NotFound(N_("There is no unit {code} among your units."), code=code)
    return unit  # type: ignore[no-any-return]


def scoped_link(request: Request, user: User, key: str) -> Link:
    """The active link ``key`` of a unit the caller may see, else NotFound."""
    link = find_link(request.app.state.store, key)
    if link is None or not _allows(request, user, link.unit_path):
        raise NotFound(N_("There is no survey link {key} among your units."), key=key[:32])
    return link


def describe(link: Link, language: str, base: str) -> dict[str, Any]:
    """A link as the page and the API show it."""
    instrument = load_default_instruments()[link.instrument_key]
    channel = instrument.channels.get(link.channel) if link.channel else None
    return {
        "key": link.key, "survey": link.instrument_key, "survey_name": getattr(instrument.name, language),
        "channel": link.channel, "channel_name": getattr(channel, language) if channel else None,
        "url": f"{base}/r/{link.key}", "png": f"{base}/survey-links/{link.key}.png",
        "svg": f"{base}/survey-links/{link.key}.svg", "created_at": link.created_at.isoformat(),
    }  # fmt: skip


@router.get("/units/{code}/survey-links")
def links_page(request: Request, code: str) -> Response:
    user = _staff(request)
    unit = scoped_unit(request, user, code)
    store, language, base = request.app.state.store, language_of(request), public_base(request)
    links = [describe(link, language, base) for link in links_of_unit(store, unit.code)]
    for entry in links:
        entry["qr"] = Markup(qr_svg(entry["url"], scale=6, border=2, inline=True).decode())
    context = {"unit": unit, "unit_name": unit_name(store, unit.code), "links": links}
    return render(request, "survey_links.html", context)


@router.post("/units/{code}/survey-links")
async def links_create(request: Request, code: str) -> Response:
    user = _staff(request)
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token") or ""))
    unit = scoped_unit(request, user, code)
    renew = form.get("renew") == "1"
    store = request.app.state.store
    (renew_links if renew else ensure_links)(store, unit.code)
    log_event(store, user.email, "survey_links", f"{'renewed' if renew else 'created'} for {unit.code}",
              client_of(request))  # fmt: skip
    return RedirectResponse(f"/units/{unit.code}/survey-links", status_code=303)


def _image(request: Request, key: str, kind: str) -> Response:
    link = scoped_link(request, _staff(request), key)
    url = f"{public_base(request)}/r/{link.key}"
    name = f"survey-{link.unit_code}-{link.channel or link.instrument_key}.{kind}"
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    if kind == "png":
        return Response(qr_png(url), media_type="image/png", headers=headers)
    return Response(qr_svg(url), media_type="image/svg+xml", headers=headers)


@router.get("/survey-links/{key}.png")
def link_png(request: Request, key: str) -> Response:
    return _image(request, key, "png")


@router.get("/survey-links/{key}.svg")
def link_svg(request: Request, key: str) -> Response:
    return _image(request, key, "svg")


@api_router.get("/units/{code}/survey-links", summary="The survey links of a unit (URLs and QR images)")
def links_api(request: Request, code: str) -> JSONResponse:
    """The unit's active links to the customer and touchpoint surveys (create them on its page or with
    ``servicechain survey-links create``)."""
    user = _staff(request)
    unit = scoped_unit(request, user, code)
    language, base = language_of(request), public_base(request)
    items = [describe(link, language, base) for link in links_of_unit(request.app.state.store, unit.code)]
    return JSONResponse({"unit": unit.code, "items": items})
