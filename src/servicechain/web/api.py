"""``/api/v1``: everything the pages show, as JSON, for scripts (bearer tokens) and the pages.

Every route is scoped like its page: the role decides whether it answers (403), the
account's unit decides which units exist for the caller (404 outside the subtree).
Errors are ``{"error": {"status": ..., "message": ...}}``; lists are paginated.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from servicechain.accounts.audit import log_event
from servicechain.accounts.users import User
from servicechain.errors import ImportRejected, UserError
from servicechain.ingest.pipeline import problem_lines
from servicechain.web import texts, views
from servicechain.web.access import (
    NotFound,
    Scope,
    require_imports,
    require_scores,
    require_whole_organisation,
)
from servicechain.web.i18n import N_
from servicechain.web.imports import check_upload, confirm_upload, recent_imports
from servicechain.web.pages import current_results
from servicechain.web.results import Results, plain_records
from servicechain.web.session import bearer, check_csrf, client_of, language_of, signed_in, store_of

router = APIRouter(tags=["servicechain"])
Language = Annotated[str | None, Query(pattern="^(nl|en)$", description="nl or en (default: yours)")]
Page = Annotated[int, Query(ge=1, description="Page number, from 1")]
TextPeriod = Annotated[
    str | None,
    Query(pattern=r"^(recent|\d{4}-Q[1-4])$",
          description="recent (default: the newest four quarters; employees: the newest quarter with "
          "comments) or a quarter such as 2026-Q3"),
]  # fmt: skip
PerPage = Annotated[int, Query(ge=1, le=1000, description="Items per page (at most 1000)")]


class NoResults(NotFound):
    """Nothing imported and computed yet."""


def _results(request: Request) -> tuple[User, Results, str]:
    user = signed_in(request)
    require_scores(user)
    results = current_results(request)
    if results is None:
        raise NoResults(N_("No results yet: import data first."))
    return user, results, language_of(request)


def _check_csrf_for_cookie(request: Request) -> None:
    """Writes with a session cookie need the CSRF header; with a bearer token they do not."""
    if bearer(request) is None:
        check_csrf(request, request.headers.get("x-csrf-token"))


def _json(data: dict[str, Any]) -> Any:
    """Plain JSON data straight into the response (it is JSON-ready: no encoder pass over it)."""
    return JSONResponse(data)


def paginate(request: Request, items: list[Any], page: int, per_page: int) -> dict[str, Any]:
    """One page of ``items`` with the total and the link to the next page."""
    start = (page - 1) * per_page
    chunk = items[start : start + per_page]
    following = None
    if start + per_page < len(items):
        following = str(request.url.include_query_params(page=page + 1, per_page=per_page))
    pages = max(1, math.ceil(len(items) / per_page))
    return {"items": chunk, "page": page, "per_page": per_page, "total": len(items), "pages": pages,
            "next": following}  # fmt: skip


@router.get("/me", summary="The caller: e-mail, role, unit, language")
def me(request: Request) -> dict[str, Any]:
    user = signed_in(request)
    return {"email": user.email, "role": user.role, "unit": {"code": user.unit_code, "name": user.unit_name},
            "language": language_of(request)}  # fmt: skip


@router.get("/overview", summary="The executive overview (executives and analysts)")
def overview(request: Request, lang: Language = None) -> dict[str, Any]:
    user, results, language = _results(request)
    require_whole_organisation(user)
    scope = Scope.of(user, results.units)
    return _json(views.page(results, "overview", scope, language))


@router.get("/regions/{code}", summary="A region: its locations, Human Sigma and trend")
def region(request: Request, code: str, lang: Language = None) -> dict[str, Any]:
    user, results, language = _results(request)
    scope = Scope.of(user, results.units)
    return _json(views.page(results, "region", scope, language, code))


def _visible_units(
    request: Request, level: str | None, page: int, per_page: int
) -> tuple[Results, str, pd.DataFrame, pd.DataFrame]:
    """The results, the caller's language, the units the caller may see (of one ``level`` if given)
    and those of the page asked for."""
    user, results, language = _results(request)
    visible = results.units[Scope.of(user, results.units).mask(results.units)]
    if level is not None:
        visible = visible[visible["level"] == level]
    start = (page - 1) * per_page
    return results, language, visible, visible.iloc[start : start + per_page]


@router.get("/units", summary="The units the caller may see, with their key measures")
def units(request: Request, level: str | None = None, page: Page = 1, per_page: PerPage = 100,
          lang: Language = None) -> dict[str, Any]:  # fmt: skip
    results, language, visible, chunk = _visible_units(request, level, page, per_page)
    rows = views.unit_table(results, chunk, views.current_period(results, language), language)
    return paginate(request, [None] * len(visible), page, per_page) | {"items": rows}


@router.get("/units/{code}", summary="A unit's page: scorecard, focus areas, trend, touchpoints, reviews")
def unit(request: Request, code: str, lang: Language = None) -> dict[str, Any]:
    user, results, language = _results(request)
    scope = Scope.of(user, results.units)
    return _json(views.page(results, "unit", scope, language, code))


@router.get("/units/{code}/texts", summary="What people write about a unit: aspects, themes, quotes")
def unit_texts(request: Request, code: str, period: TextPeriod = None, lang: Language = None
               ) -> dict[str, Any]:  # fmt: skip
    """Customers' texts, employees' survey comments (only for groups of at least the comment
    threshold: otherwise ``hidden`` and its reason, nothing else) and employer reviews of the
    unit's subtree, with the sentiment trend per quarter."""
    user, results, language = _results(request)
    scope = Scope.of(user, results.units)
    return _json(texts.unit_section(results, scope, code, language, period))


@router.get("/texts", summary="What people write: the company and the caller's units (summary and aspects)")
def all_texts(request: Request, period: TextPeriod = None, level: str | None = None, page: Page = 1,
              per_page: PerPage = 100, lang: Language = None) -> dict[str, Any]:  # fmt: skip
    """Per unit the caller may see (optionally of one ``level``): the summary and aspects of
    customers, employees (or why their comments are hidden) and employer reviews; ``company``:
    the organisation's own."""
    results, language, visible, chunk = _visible_units(request, level, page, per_page)
    items = [texts.list_item(results, unit, language, period) for _, unit in chunk.iterrows()]
    company = texts.list_item(results, views.root_of(results), language, period)
    return paginate(request, [None] * len(visible), page, per_page) | {"items": items, "company": company}


@router.get("/scorecard", summary="Scorecard rows of the caller's units (export; logged)")
def scorecard(
    request: Request,
    unit: str | None = None,
    period: str | None = None,
    level: str | None = None,
    measure: str | None = None,
    page: Page = 1,
    per_page: PerPage = 1000,
    lang: Language = None,
) -> dict[str, Any]:
    user, results, language = _results(request)
    scope = Scope.of(user, results.units)
    units = results.units[scope.mask(results.units)]
    if unit is not None:
        views.find_unit(results, scope, unit)
        units = units.loc[[unit]]
    rows = results.scorecard[results.scorecard["unit_id"].isin(units["unit_id"])]
    if period is not None:
        rows = rows[
            rows["period"] == (views.current_period(results, language) if period == "latest" else period)
        ]
    if level is not None:
        rows = rows[rows["level"] == level]
    if measure is not None:
        rows = rows[rows["measure"] == measure]
    rows = rows.sort_values(["unit_id", "period", "measure"])
    start = (page - 1) * per_page
    codes = units["unit_id"].pipe(lambda s: dict(zip(s, s.index, strict=True)))
    items = [
        {"unit_code": codes[int(row["unit_id"])], **views.score_row(results, row, language)}
        for row in plain_records(rows.iloc[start : start + per_page])
    ]
    log_event(store_of(request), user.email, "export",
              f"scorecard unit={unit} period={period} level={level} measure={measure} page={page}",
              client_of(request))  # fmt: skip
    body = paginate(request, [None] * len(rows), page, per_page)
    return body | {"items": items}


@router.get("/linkage", summary="The service-profit chain in the organisation's numbers")
def linkage(request: Request, lang: Language = None) -> dict[str, Any]:
    user, results, language = _results(request)
    require_whole_organisation(user)
    return _json(views.page(results, "linkage", Scope.of(user, results.units), language))


@router.get("/snapshot", summary="When the results were computed, and whether a refresh runs")
def snapshot(request: Request) -> dict[str, Any]:
    _, results, _ = _results(request)
    return views.snapshot_card(results) | {"refreshing": request.app.state.refresher.running}


@router.get("/imports", summary="The newest imports (analysts)")
def imports(request: Request, page: Page = 1, per_page: PerPage = 20) -> dict[str, Any]:
    require_imports(signed_in(request))
    return paginate(request, [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        for row in recent_imports(store_of(request), limit=None)
    ], page, per_page)  # fmt: skip


@router.post("/imports", summary="Upload and check a file (nothing is written until confirmed)")
def upload(
    request: Request,
    kind: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    mapping: Annotated[UploadFile | None, File()] = None,
    sheet: Annotated[str, Form()] = "",
    replace: Annotated[bool, Form()] = False,
) -> dict[str, Any]:
    user = signed_in(request)
    require_imports(user)
    _check_csrf_for_cookie(request)
    try:
        return check_upload(
            store_of(request), user, kind, file, mapping=mapping, sheet=sheet, replace=replace
        )
    except UserError as error:
        return {"ok": False, "problems": [str(error)], "total_problems": 1, "result": None}


@router.post("/imports/{upload_id}/confirm", summary="Import a checked upload and refresh the results")
def confirm(request: Request, upload_id: str) -> Any:
    user = signed_in(request)
    require_imports(user)
    _check_csrf_for_cookie(request)
    try:
        return confirm_upload(request, user, upload_id)
    except ImportRejected as error:  # the store changed between the check and the confirmation
        body = {"ok": False, "problems": problem_lines(error), "total_problems": error.total}
        return JSONResponse({"error": {"status": 422, "message": "the import was refused"}} | body, 422)
    except UserError as error:
        return JSONResponse({"error": {"status": 422, "message": str(error)}}, status_code=422)
