"""The dashboard pages: overview, region, unit and linkage (all from the precomputed results)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from servicechain.accounts.users import User
from servicechain.web import charts, texts, views
from servicechain.web.access import Scope, require_scores, require_whole_organisation
from servicechain.web.i18n import Formats
from servicechain.web.render import render
from servicechain.web.results import Results
from servicechain.web.session import language_of, signed_in, store_of

router = APIRouter(include_in_schema=False)


def current_results(request: Request) -> Results | None:
    """The newest results; starts a background refresh when an import is newer."""
    results = request.app.state.results.get(store_of(request))
    request.state.refreshing = request.app.state.refresher.ensure_fresh(results.snapshot if results else None)
    return results


def _prepare(request: Request) -> tuple[User, Results | None, str]:
    user = signed_in(request)
    require_scores(user)
    return user, current_results(request), language_of(request)


def _page(results: Results, name: str, scope: Scope, language: str,
          draw: Callable[[dict[str, Any], str], dict[str, Any]], code: str | None = None
          ) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """A page's data (shared with its API route) and its charts, both memoised."""
    data = views.page(results, name, scope, language, code)
    return data, results.memo((f"{name} charts", language, scope.path, code), lambda: draw(data, language))


def _no_results(request: Request) -> Response:
    return render(request, "empty.html", {})


@router.get("/overview")
def overview(request: Request) -> Response:
    user, results, language = _prepare(request)
    require_whole_organisation(user)
    if results is None:
        return _no_results(request)
    scope = Scope.of(user, results.units)
    data, specs = _page(results, "overview", scope, language, charts.overview)
    section = texts.company_section(results, language)  # issue 8: what people write
    number = Formats(language).number
    context = {"data": data, "charts": _with_texts(results, specs, section, language, "overview"),
               "texts": texts.page_context(section),
               "texts_link": texts.link_sentence(section["correlation"], language, number)}  # fmt: skip
    return render(request, "overview.html", context)


def _with_texts(results: Results, specs: dict[str, Any], section: dict[str, Any], language: str, key: str
                ) -> dict[str, Any]:  # fmt: skip
    """The page's charts and the sentiment trend of its texts (memoised per snapshot)."""
    extra = results.memo(("texts charts", language, key), lambda: texts.charts(section, language))
    return specs | {"specs": specs["specs"] | extra}


def _unit_page(request: Request, code: str, name: str) -> Response:
    """The region page (``name="region"``: a unit with locations below it) or the unit page of
    ``code``; a code of the other kind is redirected to its own page."""
    user, results, language = _prepare(request)
    if results is None:
        return _no_results(request)
    scope = Scope.of(user, results.units)
    is_region = views.groups_locations(results, views.find_unit(results, scope, code))
    if is_region != (name == "region"):
        return RedirectResponse(f"/{'regions' if is_region else 'units'}/{code}", status_code=303)
    draw = charts.region if is_region else charts.unit
    data, specs = _page(results, name, scope, language, draw, code)
    section = texts.unit_section(results, scope, code, language)  # issue 8: what people write
    context: dict[str, Any] = {
        "data": data,
        "texts": texts.page_context(section),
        "charts": _with_texts(results, specs, section, language, f"unit:{code}"),
    }
    if not is_region:  # act issue: recognition, the confirmed praise of the unit's subtree
        from servicechain.web.recognition import unit_section

        context["praise"] = unit_section(request, code)
    return render(request, f"{name}.html", context)


@router.get("/regions/{code}")
def region(request: Request, code: str) -> Response:
    return _unit_page(request, code, "region")


@router.get("/units/{code}")
def unit(request: Request, code: str) -> Response:
    return _unit_page(request, code, "unit")


@router.get("/linkage")
def linkage(request: Request) -> Response:
    user, results, language = _prepare(request)
    require_whole_organisation(user)
    if results is None:
        return _no_results(request)
    data, specs = _page(results, "linkage", Scope.of(user, results.units), language, charts.linkage)
    return render(request, "linkage.html", {"data": data, "charts": specs})
