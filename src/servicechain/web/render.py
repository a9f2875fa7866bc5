"""Rendering a page: the template with the caller, their language, formats and CSRF token."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from servicechain.accounts.roles import ROLE_LABELS, imports_files, sees_everything, sees_scores
from servicechain.report.html import script_json
from servicechain.web.i18n import Formats, translator
from servicechain.web.session import csrf_token, current_user, language_of


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the pages (autoescaped, strict about missing names)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("servicechain.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["tojson_script"] = script_json
    env.filters["as_datetime"] = datetime.fromisoformat
    return env


def navigation(request: Request, _: Any) -> list[dict[str, str]]:
    """The menu of the caller's role."""
    user = current_user(request)
    if user is None:
        return []
    items = []
    if sees_everything(user.role):
        items += [{"href": "/overview", "label": _("Overview")}, {"href": "/linkage", "label": _("Linkage")}]
    elif user.role == "regional-manager":
        items.append({"href": f"/regions/{user.unit_code}", "label": _("My region")})
    elif sees_scores(user.role):
        items.append({"href": f"/units/{user.unit_code}", "label": _("My unit")})
    if sees_scores(user.role):
        from servicechain.web.alerts import nav_item  # the alerts page renders through this module

        items.append(nav_item(request, user, _))
        items.append({"href": "/plans", "label": _("Action plans")})  # act issue: action plans
        items.append({"href": "/recognition", "label": _("Recognition")})  # act issue: recognition
        items.append({"href": "/incentives", "label": _("Incentives")})  # act issue: incentive rules
    if imports_files(user.role):
        items.append({"href": "/imports", "label": _("Imports")})
        items.append({"href": "/waves", "label": _("Survey waves")})
    if sees_everything(user.role) or user.role == "regional-manager":  # the scan: the management team
        items.append({"href": "/scan", "label": _("Scan")})
    if not sees_scores(user.role):  # act issue: recognition, employees see the compliments wall
        items.append({"href": "/compliments", "label": _("Compliments")})
    items.append({"href": "/ideas", "label": _("Ideas")})  # act issue: ideas, every signed-in role
    items.append({"href": "/me", "label": _("Account")})
    return items


def render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """The page ``template`` with ``context`` and everything every page needs."""
    language = language_of(request)
    _ = translator(language)
    user = current_user(request)
    page: dict[str, Any] = {
        "request": request,
        "user": user,
        "role_label": ROLE_LABELS.get(user.role, {}).get(language, user.role) if user else "",
        "language": language,
        "other_language": "en" if language == "nl" else "nl",
        "_": _,
        "fmt": Formats(language),
        "csrf_token": csrf_token(request),
        "nav": navigation(request, _),
        "path": request.url.path,
        "refreshing": getattr(request.state, "refreshing", False),
        "charts": {},
    }
    html = environment().get_template(template).render(page | context)
    return HTMLResponse(html, status_code=status_code)
