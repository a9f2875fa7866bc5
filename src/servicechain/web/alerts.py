"""The alerts page and ``/api/v1/alerts``: managers acknowledge and resolve their units' alerts.

Managers see the alerts of their subtree, executives and analysts all of them, employees
none (403); another unit's alert answers 404, like an unknown one. ``install`` starts the
notification dispatcher when a webhook or an SMTP server is configured.
"""

from __future__ import annotations

import math
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from servicechain.accounts.users import User
from servicechain.collect import alerts
from servicechain.collect.notify import AlertDispatcher
from servicechain.collect.rules import AlertRule
from servicechain.web.access import NotFound
from servicechain.web.i18n import N_, translator
from servicechain.web.render import render
from servicechain.web.scoped import scope_path, scores_caller
from servicechain.web.session import bearer, check_csrf, client_of, language_of, store_of

router = APIRouter(include_in_schema=False)
api_router = APIRouter(tags=["alerts"])
PER_PAGE = 50
COUNT_SECONDS = 10.0
"""The open count in the menu may be this old (it is recounted at once after an act here)."""
StatusQuery = Annotated[Literal["open", "all"], Query(description="open (default) or all")]


def install(app: FastAPI) -> None:
    """The rules (for their names), the menu's count cache, and the dispatcher when a channel is set."""
    settings = app.state.settings
    if getattr(app.state, "alert_rules", None) is None:
        app.state.alert_rules = alerts.load_rules(settings.alert_rules)
    app.state.alert_counts = {}
    if not hasattr(app.state, "alert_listeners"):
        app.state.alert_listeners = []
    if settings.alert_webhook_url or settings.smtp_host:
        dispatcher = AlertDispatcher(app.state.store, settings)
        app.state.services.append(dispatcher)
        app.state.alert_listeners.append(dispatcher.wake)




def open_count(request: Request, user: User) -> int:
    """Open alerts of the caller's subtree (cached a few seconds: the menu shows it on every page)."""
    path = scope_path(request, user)
    counts: dict[str | None, tuple[float, int]] = request.app.state.alert_counts
    cached = counts.get(path)
    if cached is None or cached[0] < time.monotonic():
        cached = (time.monotonic() + COUNT_SECONDS, alerts.count_alerts(store_of(request), path=path))
        counts[path] = cached
    return cached[1]


def nav_item(request: Request, user: User, _: Any) -> dict[str, str]:
    """The menu entry "Alerts", with the number of open alerts."""
    count = open_count(request, user)
    return {"href": "/alerts", "label": f"{_('Alerts')} ({count})" if count else _("Alerts")}


def _rules(request: Request) -> dict[str, AlertRule]:
    return {rule.key: rule for rule in request.app.state.alert_rules}


def _act(request: Request, alert_id: int, action: str, csrf: str | None, note: str | None = None
         ) -> dict[str, Any]:  # fmt: skip
    """Acknowledge or resolve as the caller (signed in, may see scores, then the CSRF check)."""
    user, path = scores_caller(request)
    if csrf is not None or bearer(request) is None:  # forms always; the API with a session cookie
        check_csrf(request, csrf if csrf is not None else request.headers.get("x-csrf-token"))
    store = store_of(request)
    try:
        if action == "acknowledge":
            done = alerts.acknowledge(store, alert_id, user.email, path=path, client=client_of(request))
        else:
            done = alerts.resolve(store, alert_id, user.email, note, path=path, client=client_of(request))
    except alerts.AlertNotFound:
        raise NotFound(N_("There is no alert {id} among your units."), id=alert_id) from None
    request.app.state.alert_counts.clear()
    return done


def _item(alert: dict[str, Any], rules: dict[str, AlertRule], language: str) -> dict[str, Any]:
    """An alert as JSON: times in ISO 8601 (UTC), the rule's name in ``language``."""
    rule = rules.get(alert["rule"])
    item = {key: value.isoformat() + "Z" if hasattr(value, "isoformat") else value
            for key, value in alert.items() if key != "unit_path"}  # fmt: skip
    return item | {"rule_name": rule.name(language) if rule else alert["rule"]}


def duration(hours: float | None, language: str) -> str:
    """A duration for people: minutes under an hour, hours under two days, days above."""
    if hours is None:
        return "–"
    _ = translator(language)
    if hours < 1:
        return _("{n} min", n=max(1, round(hours * 60)))
    if hours < 48:
        return _("{n} h", n=round(hours))
    return _("{n} d", n=round(hours / 24))


@router.get("/alerts")
def alerts_page(request: Request, status: StatusQuery = "open", page: Annotated[int, Query(ge=1)] = 1
                ) -> Response:  # fmt: skip
    _user, path = scores_caller(request)
    store = store_of(request)
    language = language_of(request)
    total = alerts.count_alerts(store, path=path, status=status)
    found = alerts.list_alerts(store, path=path, status=status, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    rules = _rules(request)
    named = [alert | {"rule_name": rules[alert["rule"]].name(language) if alert["rule"] in rules
                      else alert["rule"]} for alert in found]  # fmt: skip
    context = {
        "alerts": named,
        "summary": alerts.unit_summary(store, path=path),
        "status": status,
        "total": total,
        "page": page,
        "pages": max(1, math.ceil(total / PER_PAGE)),
        "open_total": alerts.count_alerts(store, path=path),
        "duration": lambda hours: duration(hours, language),
    }
    return render(request, "alerts.html", context)


def _back(status: str) -> RedirectResponse:
    return RedirectResponse("/alerts" + ("?status=all" if status == "all" else ""), status_code=303)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_form(request: Request, alert_id: int, csrf_token: Annotated[str, Form()] = "",
                     status: Annotated[str, Form()] = "open") -> Response:  # fmt: skip
    _act(request, alert_id, "acknowledge", csrf_token)
    return _back(status)


@router.post("/alerts/{alert_id}/resolve")
def resolve_form(request: Request, alert_id: int, csrf_token: Annotated[str, Form()] = "",
                 note: Annotated[str, Form(max_length=alerts.MAX_NOTE)] = "",
                 status: Annotated[str, Form()] = "open") -> Response:  # fmt: skip
    _act(request, alert_id, "resolve", csrf_token, note)
    return _back(status)


@api_router.get("/alerts", summary="The alerts of the caller's units, newest first")
def alerts_api(request: Request, status: StatusQuery = "open", page: Annotated[int, Query(ge=1)] = 1,
               per_page: Annotated[int, Query(ge=1, le=1000)] = 100,
               lang: Annotated[str | None, Query(pattern="^(nl|en)$")] = None) -> dict[str, Any]:  # fmt: skip
    _user, path = scores_caller(request)
    store, language, rules = store_of(request), language_of(request), _rules(request)
    total = alerts.count_alerts(store, path=path, status=status)
    found = alerts.list_alerts(store, path=path, status=status, limit=per_page, offset=(page - 1) * per_page)
    following = None
    if page * per_page < total:
        following = str(request.url.include_query_params(page=page + 1, per_page=per_page))
    return {"items": [_item(alert, rules, language) for alert in found], "page": page, "per_page": per_page,
            "total": total, "next": following}  # fmt: skip


@api_router.post("/alerts/{alert_id}/acknowledge", summary="Acknowledge an alert: someone is on it")
def acknowledge_api(request: Request, alert_id: int) -> dict[str, Any]:
    return _item(_act(request, alert_id, "acknowledge", None), _rules(request), language_of(request))


@api_router.post("/alerts/{alert_id}/resolve", summary="Resolve an alert, with an optional note")
def resolve_api(request: Request, alert_id: int,
                note: Annotated[str | None, Body(embed=True, max_length=alerts.MAX_NOTE)] = None
                ) -> dict[str, Any]:  # fmt: skip
    return _item(_act(request, alert_id, "resolve", None, note), _rules(request), language_of(request))
