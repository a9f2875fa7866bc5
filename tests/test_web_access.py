"""Who may call what: every route of the web application, for every role and for anonymous callers.

:data:`ROUTE_RULES` is the authorisation table (method, route template) -> the roles the route
serves; it must list exactly the routes of ``create_app()``, so a new route without a rule
fails :func:`test_the_rules_cover_every_route`. :data:`PROBES` are concrete requests on the
live demo server, with the scoping by org unit on top of the role rule (404 outside the
caller's subtree). Each probe is sent for every role: the allowed ones must get the
expected 2xx/3xx answer, every other caller its 401/403/404 (pages send anonymous callers
to the login page).

The intake API (``/api/v1/touchpoints``, ``/api/v1/customer-responses``) serves no user
at all: its rule is :data:`INTAKE_KEY`, a caller with an intake client's ``sci_...`` key,
and every role's session or API token gets 401 there.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from alert_helpers import respond
from markupsafe import escape
from web_helpers import (
    ANON,
    EVERYONE,
    NUMBERS,
    ROLES,
    Callers,
    all_pages,
    app_of,
    csrf,
    discard_upload,
    distinctive_numbers,
    fresh_account,
    fresh_session,
    is_api,
    kpi_csv,
    number_texts,
    routes_of,
    score_rows,
    subtree,
    unique,
    units_frame,
    upload_id_of,
)
from web_support import PASSWORD, SECRET, LiveWeb

from servicechain.accounts.users import setup_token
from servicechain.collect.alerts import get_alert
from servicechain.collect.answers import employee_instrument
from servicechain.collect.intake_keys import create_key
from servicechain.collect.links import ensure_links
from servicechain.collect.waves import open_wave, wave_links
from servicechain.settings import Settings

SIGNED_IN = frozenset(ROLES)
PUBLIC = frozenset(EVERYONE)
SCORES = SIGNED_IN - {"employee"}
WHOLE = frozenset({"executive", "analyst"})
ANALYST = frozenset({"analyst"})
NOBODY: frozenset[str] = frozenset()
INTAKE_CLIENT = "intake-key"
"""Not a role: a till or app sending ``Authorization: Bearer sci_...`` (``intake-keys create``)."""
INTAKE_KEY = frozenset({INTAKE_CLIENT})
"""Intake key only: no user role, no session and no user API token is let in (401)."""

ROUTE_RULES: dict[tuple[str, str], frozenset[str]] = {
    # signing in and the account
    ("GET", "/"): SIGNED_IN,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): SIGNED_IN,
    ("GET", "/setup/{token}"): PUBLIC,
    ("POST", "/setup/{token}"): PUBLIC,
    ("GET", "/me"): SIGNED_IN,
    ("POST", "/me/password"): SIGNED_IN,
    ("POST", "/language"): PUBLIC,
    # dashboards
    ("GET", "/overview"): WHOLE,
    ("GET", "/linkage"): WHOLE,
    ("GET", "/regions/{code}"): SCORES,
    ("GET", "/units/{code}"): SCORES,
    # imports
    ("GET", "/imports"): ANALYST,
    ("POST", "/imports"): ANALYST,
    ("POST", "/imports/{upload_id}/confirm"): ANALYST,
    ("POST", "/imports/{upload_id}/discard"): ANALYST,
    # the API
    ("GET", "/api/v1/me"): SIGNED_IN,
    ("GET", "/api/v1/overview"): WHOLE,
    ("GET", "/api/v1/linkage"): WHOLE,
    ("GET", "/api/v1/regions/{code}"): SCORES,
    ("GET", "/api/v1/units"): SCORES,
    ("GET", "/api/v1/units/{code}"): SCORES,
    ("GET", "/api/v1/scorecard"): SCORES,
    ("GET", "/api/v1/snapshot"): SCORES,
    ("GET", "/api/v1/imports"): ANALYST,
    ("POST", "/api/v1/imports"): ANALYST,
    ("POST", "/api/v1/imports/{upload_id}/confirm"): ANALYST,
    # closed-loop alerts (scoped to the caller's subtree)
    ("GET", "/alerts"): SCORES,
    ("POST", "/alerts/{alert_id}/acknowledge"): SCORES,
    ("POST", "/alerts/{alert_id}/resolve"): SCORES,
    ("GET", "/api/v1/alerts"): SCORES,
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): SCORES,
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): SCORES,
    # the intake API: tills and apps with an intake key, never a user
    ("POST", "/api/v1/touchpoints"): INTAKE_KEY,
    ("POST", "/api/v1/customer-responses"): INTAKE_KEY,
    # employee survey waves
    ("GET", "/waves"): ANALYST,
    ("POST", "/waves"): ANALYST,
    ("GET", "/waves/{code}/links.csv"): ANALYST,
    ("GET", "/waves/{code}/reminders.csv"): ANALYST,
    ("POST", "/waves/{code}/close"): ANALYST,
    ("GET", "/api/v1/waves"): ANALYST,
    ("POST", "/api/v1/waves"): ANALYST,
    ("POST", "/api/v1/waves/{code}/close"): ANALYST,
    # the anonymous employee survey (the one-use code is the credential)
    ("GET", "/e"): PUBLIC,
    ("POST", "/e"): PUBLIC,
    ("GET", "/e/thanks"): PUBLIC,
    ("GET", "/e/{code}"): PUBLIC,
    ("POST", "/e/{code}"): PUBLIC,
    # the customer and touchpoint survey pages (the link key is the credential)
    ("GET", "/r/{key}"): PUBLIC,
    ("POST", "/r/{key}"): PUBLIC,
    ("GET", "/r/{key}/thanks/{nonce}"): PUBLIC,
    # survey links and their QR codes (scoped like the unit pages)
    ("GET", "/units/{code}/survey-links"): SCORES,
    ("POST", "/units/{code}/survey-links"): SCORES,
    ("GET", "/survey-links/{key}.png"): SCORES,
    ("GET", "/survey-links/{key}.svg"): SCORES,
    ("GET", "/api/v1/units/{code}/survey-links"): SCORES,
    # what people write (issue 8: web/texts.py)
    ("GET", "/api/v1/units/{code}/texts"): SCORES,
    ("GET", "/api/v1/texts"): SCORES,
    # documentation and plumbing
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/api/v1/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/static-vendor/plotly.min.js"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    # action plans (act issue: web/plans.py)
    ("GET", "/plans"): SCORES,
    ("POST", "/plans"): SCORES,
    ("POST", "/plans/{plan_id}"): SCORES,
    ("GET", "/api/v1/plans"): SCORES,
    ("POST", "/api/v1/plans"): SCORES,
    ("POST", "/api/v1/plans/{plan_id}"): SCORES,
    # end of action plans
    # customer-centricity scan (act issue: web/scan.py)
    ("GET", "/scan"): WHOLE | {"regional-manager"},
    ("POST", "/scan"): WHOLE | {"regional-manager"},
    ("GET", "/scan/result"): WHOLE | {"regional-manager"},
    ("GET", "/api/v1/scan"): WHOLE | {"regional-manager"},
    ("POST", "/api/v1/scan"): WHOLE | {"regional-manager"},
    ("GET", "/api/v1/scan/result"): WHOLE | {"regional-manager"},
    # end of scan
    # friction points and ideas (act issue: web/ideas.py)
    ("GET", "/ideas"): SIGNED_IN,
    ("POST", "/ideas"): SIGNED_IN,
    ("POST", "/ideas/{idea_id}/vote"): SIGNED_IN,
    ("POST", "/ideas/{idea_id}"): SIGNED_IN - {"employee", "analyst"},
    ("GET", "/ideas/summary"): SCORES,
    ("GET", "/api/v1/ideas"): SIGNED_IN,
    ("POST", "/api/v1/ideas"): SIGNED_IN,
    ("POST", "/api/v1/ideas/{idea_id}/vote"): SIGNED_IN,
    ("POST", "/api/v1/ideas/{idea_id}"): SIGNED_IN - {"employee", "analyst"},
    ("GET", "/api/v1/ideas/summary"): SCORES,
    ("GET", "/ideas/{idea_id:int}"): SIGNED_IN,
    ("GET", "/api/v1/ideas/{idea_id:int}"): SIGNED_IN,
    ("GET", "/ideas/summary.csv"): SCORES,
    # end of ideas
    # recognition and awards (act issue: web/recognition.py)
    ("GET", "/recognition"): SCORES,
    ("POST", "/recognition/find"): ANALYST,
    ("POST", "/recognition/{recognition_id}"): SCORES,
    ("GET", "/recognition/awards"): SCORES,
    ("GET", "/employees/{code}"): SCORES,
    ("GET", "/compliments"): SIGNED_IN,
    ("GET", "/api/v1/recognition"): SCORES,
    ("POST", "/api/v1/recognition/find"): ANALYST,
    ("POST", "/api/v1/recognition/{recognition_id}"): SCORES,
    ("GET", "/api/v1/recognition/awards"): SCORES,
    ("GET", "/api/v1/employees/{code}/recognition"): SCORES,
    # end of recognition
    # incentive rules (act issue: web/incentives.py)
    ("GET", "/incentives"): SCORES,
    ("GET", "/incentives/export.csv"): WHOLE,
    ("GET", "/api/v1/incentives"): SCORES,
    ("GET", "/api/v1/incentives/export"): WHOLE,
    ("POST", "/incentives/finalise"): ANALYST,
    ("POST", "/api/v1/incentives/finalise"): ANALYST,
    # end of incentives
}
MOUNTS = {"/static", "/static-docs"}
"""Static files (style sheet, script, Swagger UI assets): public, not in the table."""


@dataclass(frozen=True)
class Probe:
    """One concrete request: ``path`` may name ``{region}``, ``{location}``, ``{team}``,
    ``{other_region}``, ``{other_location}`` and what the sender's ``prepare_*`` makes
    (``{token}``, ``{upload_id}``, ``{alert}``, ``{wave}``, ``{new_wave}``, ``{code}``,
    ``{link}``, ``{other_link}``, ``{nonce}``).

    ``allowed`` get ``ok``; ``hidden`` get 404 (their role may use the route, but the unit is
    outside their subtree); every other caller ``others`` when it is set, else: signed-in
    callers 403, anonymous callers 401 (API) or a 303 to the login page.
    """

    method: str
    route: str
    path: str
    allowed: frozenset[str]
    hidden: frozenset[str] = NOBODY
    ok: int = 200
    send: str = "get"
    lands: str | None = None
    """Where an allowed caller's redirect goes (a path template like ``path``)."""
    others: int | None = None
    """The answer to every caller neither allowed nor hidden (e.g. 404 for an unknown survey code)."""

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def expected(self, role: str) -> int:
        if role in self.allowed:
            return self.ok
        if role in self.hidden:
            return 404
        if self.others is not None:
            return self.others
        if role == ANON:
            return 401 if is_api(self.path) else 303
        return 403


def page(path: str, allowed: frozenset[str], **more: Any) -> Probe:
    return Probe("GET", more.pop("route", path), path, allowed, **more)


def api(path: str, allowed: frozenset[str], **more: Any) -> Probe:
    route = more.pop("route", f"/api/v1{path}".split("?")[0])
    return Probe("GET", route, f"/api/v1{path}", allowed, **more)


REGION_VIEWERS = WHOLE | {"regional-manager"}
LOCATION_VIEWERS = REGION_VIEWERS | {"unit-manager"}
MANAGERS = frozenset({"regional-manager", "unit-manager"})

PROBES: list[Probe] = [
    page("/", SIGNED_IN, ok=303),
    page("/login", PUBLIC),
    Probe("POST", "/login", "/login", PUBLIC, ok=303, send="login"),
    Probe("POST", "/logout", "/logout", SIGNED_IN, ok=303, send="logout", lands="/login"),
    page("/setup/{token}", PUBLIC, send="setup_page"),
    Probe("POST", "/setup/{token}", "/setup/{token}", PUBLIC, ok=303, send="setup", lands="/me"),
    page("/me", SIGNED_IN),
    Probe("POST", "/me/password", "/me/password", SIGNED_IN, send="password"),
    Probe("POST", "/language", "/language", PUBLIC, ok=303, send="language", lands="/me"),
    page("/overview", WHOLE),
    page("/linkage", WHOLE),
    page("/regions/{region}", REGION_VIEWERS, hidden=frozenset({"unit-manager"}), route="/regions/{code}"),
    page("/regions/{other_region}", WHOLE, hidden=MANAGERS, route="/regions/{code}"),
    page("/regions/{location}", LOCATION_VIEWERS, ok=303, route="/regions/{code}", lands="/units/{location}"),
    page(
        "/regions/{other_location}",
        WHOLE,
        hidden=MANAGERS,
        ok=303,
        route="/regions/{code}",
        lands="/units/{other_location}",
    ),
    page("/regions/X-NOPE", NOBODY, hidden=SCORES, route="/regions/{code}"),
    page("/units/{location}", LOCATION_VIEWERS, route="/units/{code}"),
    page("/units/{team}", LOCATION_VIEWERS, route="/units/{code}"),
    page("/units/{other_location}", WHOLE, hidden=MANAGERS, route="/units/{code}"),
    page(
        "/units/{region}",
        REGION_VIEWERS,
        hidden=frozenset({"unit-manager"}),
        ok=303,
        route="/units/{code}",
        lands="/regions/{region}",
    ),
    page("/units/X-NOPE", NOBODY, hidden=SCORES, route="/units/{code}"),
    page("/imports", ANALYST),
    Probe("POST", "/imports", "/imports", ANALYST, send="page_upload"),
    Probe(
        "POST", "/imports/{upload_id}/confirm", "/imports/{upload_id}/confirm", ANALYST, send="page_confirm"
    ),
    Probe(
        "POST",
        "/imports/{upload_id}/discard",
        "/imports/{upload_id}/discard",
        ANALYST,
        ok=303,
        send="page_discard",
        lands="/imports",
    ),
    api("/me", SIGNED_IN),
    api("/overview", WHOLE),
    api("/linkage", WHOLE),
    api(
        "/regions/{region}",
        REGION_VIEWERS,
        hidden=frozenset({"unit-manager"}),
        route="/api/v1/regions/{code}",
    ),
    api("/regions/{other_region}", WHOLE, hidden=MANAGERS, route="/api/v1/regions/{code}"),
    api("/regions/{location}", LOCATION_VIEWERS, route="/api/v1/regions/{code}"),
    api("/regions/X-NOPE", NOBODY, hidden=SCORES, route="/api/v1/regions/{code}"),
    api("/units", SCORES),
    api("/units?level=location&per_page=2&page=2", SCORES),
    api("/units/{location}", LOCATION_VIEWERS, route="/api/v1/units/{code}"),
    api("/units/{team}", LOCATION_VIEWERS, route="/api/v1/units/{code}"),
    api("/units/{other_location}", WHOLE, hidden=MANAGERS, route="/api/v1/units/{code}"),
    api("/units/{region}", REGION_VIEWERS, hidden=frozenset({"unit-manager"}), route="/api/v1/units/{code}"),
    api("/units/X-NOPE", NOBODY, hidden=SCORES, route="/api/v1/units/{code}"),
    api("/scorecard", SCORES),
    api("/scorecard?unit={location}&period=latest", LOCATION_VIEWERS),
    api("/scorecard?unit={other_location}", WHOLE, hidden=MANAGERS),
    api("/scorecard?unit={other_region}", WHOLE, hidden=MANAGERS),
    api("/scorecard?unit=X-NOPE", NOBODY, hidden=SCORES),
    api("/snapshot", SCORES),
    api("/imports", ANALYST),
    Probe("POST", "/api/v1/imports", "/api/v1/imports", ANALYST, send="api_upload"),
    Probe(
        "POST",
        "/api/v1/imports/{upload_id}/confirm",
        "/api/v1/imports/{upload_id}/confirm",
        ANALYST,
        send="api_confirm",
    ),
    # alerts: an alert at the unit manager's location, one at a location of another region
    page("/alerts", SCORES),
    page("/alerts?status=all&page=1", SCORES, route="/alerts"),
    api("/alerts", SCORES),
    api("/alerts?status=all&per_page=1", SCORES),
    *[
        Probe(
            "POST",
            f"{prefix}/alerts/{{alert_id}}/{action}",
            f"{prefix}/alerts/{alert}/{action}",
            allowed,
            hidden=hidden,
            ok=ok,
            send="alert_act",
            lands=lands,
        )
        for action in ("acknowledge", "resolve")
        for prefix, ok, lands in (("", 303, "/alerts"), ("/api/v1", 200, None))
        for alert, allowed, hidden in (
            ("{alert}", SCORES, NOBODY),
            ("{other_alert}", WHOLE, MANAGERS),
            ("999999999", NOBODY, SCORES),
        )
    ],
    # the intake API: an intake key gets 201, every user (session or API token) 401
    Probe(
        "POST", "/api/v1/touchpoints", "/api/v1/touchpoints", INTAKE_KEY, ok=201, send="intake", others=401
    ),
    Probe(
        "POST",
        "/api/v1/customer-responses",
        "/api/v1/customer-responses",
        INTAKE_KEY,
        ok=201,
        send="intake",
        others=401,
    ),
    # employee survey waves (period 2019-Q1: the demo's latest period stays as it is)
    page("/waves", ANALYST),
    Probe("POST", "/waves", "/waves", ANALYST, ok=303, send="wave_open", lands="/waves?opened={new_wave}"),
    page("/waves/{wave}/links.csv", ANALYST, route="/waves/{code}/links.csv", send="wave_get"),
    page("/waves/X-NOPE/links.csv", NOBODY, hidden=ANALYST, route="/waves/{code}/links.csv"),
    page("/waves/{wave}/reminders.csv", ANALYST, route="/waves/{code}/reminders.csv", send="wave_get"),
    page("/waves/X-NOPE/reminders.csv", NOBODY, hidden=ANALYST, route="/waves/{code}/reminders.csv"),
    Probe(
        "POST",
        "/waves/{code}/close",
        "/waves/{wave}/close",
        ANALYST,
        ok=303,
        send="wave_close",
        lands="/waves?closed={wave}",
    ),
    Probe("POST", "/waves/{code}/close", "/waves/X-NOPE/close", NOBODY, hidden=ANALYST, send="post"),
    api("/waves", ANALYST),
    Probe("POST", "/api/v1/waves", "/api/v1/waves", ANALYST, ok=201, send="api_wave_open"),
    Probe("POST", "/api/v1/waves/{code}/close", "/api/v1/waves/{wave}/close", ANALYST, send="wave_close"),
    Probe(
        "POST",
        "/api/v1/waves/{code}/close",
        "/api/v1/waves/X-NOPE/close",
        NOBODY,
        hidden=ANALYST,
        send="post",
    ),
    # the anonymous employee survey: anyone with a code, signed in or not
    page("/e", PUBLIC),
    Probe("POST", "/e", "/e", PUBLIC, ok=303, send="kiosk", lands="/e/{code}?kiosk=1"),
    page("/e/thanks", PUBLIC),
    page("/e/{code}", PUBLIC, send="wave_get"),
    page("/e/NOPE-NOPE-NOPE", NOBODY, others=404, route="/e/{code}"),
    Probe("POST", "/e/{code}", "/e/{code}", PUBLIC, ok=303, send="employee_answer", lands="/e/thanks"),
    # the customer survey pages: anyone with a unit's link
    page("/r/{link}", PUBLIC, route="/r/{key}", send="links_get"),
    page("/r/NOPE-NOPE-NOPE", NOBODY, others=404, route="/r/{key}"),
    Probe("POST", "/r/{key}", "/r/{link}", PUBLIC, ok=303, send="customer_answer"),
    page("/r/{link}/thanks/{nonce}", PUBLIC, route="/r/{key}/thanks/{nonce}", send="links_get"),
    # survey links: like the unit pages (404 outside the caller's subtree)
    page("/units/{location}/survey-links", LOCATION_VIEWERS, route="/units/{code}/survey-links"),
    page("/units/{team}/survey-links", LOCATION_VIEWERS, route="/units/{code}/survey-links"),
    page("/units/{other_location}/survey-links", WHOLE, hidden=MANAGERS, route="/units/{code}/survey-links"),
    page("/units/X-NOPE/survey-links", NOBODY, hidden=SCORES, route="/units/{code}/survey-links"),
    Probe(
        "POST",
        "/units/{code}/survey-links",
        "/units/{location}/survey-links",
        LOCATION_VIEWERS,
        ok=303,
        send="post",
        lands="/units/{location}/survey-links",
    ),
    Probe(
        "POST",
        "/units/{code}/survey-links",
        "/units/{other_location}/survey-links",
        WHOLE,
        hidden=MANAGERS,
        ok=303,
        send="post",
        lands="/units/{other_location}/survey-links",
    ),
    Probe(
        "POST", "/units/{code}/survey-links", "/units/X-NOPE/survey-links", NOBODY, hidden=SCORES, send="post"
    ),
    *[
        page(
            f"/survey-links/{key}.{kind}",
            allowed,
            hidden=hidden,
            route=f"/survey-links/{{key}}.{kind}",
            send="links_get",
        )
        for kind in ("png", "svg")
        for key, allowed, hidden in (
            ("{link}", LOCATION_VIEWERS, NOBODY),
            ("{other_link}", WHOLE, MANAGERS),
            ("NOPE-NOPE-NOPE", NOBODY, SCORES),
        )
    ],
    api("/units/{location}/survey-links", LOCATION_VIEWERS, route="/api/v1/units/{code}/survey-links"),
    api(
        "/units/{other_location}/survey-links",
        WHOLE,
        hidden=MANAGERS,
        route="/api/v1/units/{code}/survey-links",
    ),
    api("/units/X-NOPE/survey-links", NOBODY, hidden=SCORES, route="/api/v1/units/{code}/survey-links"),
    # what people write (scoped like the unit routes)
    api("/units/{location}/texts", LOCATION_VIEWERS, route="/api/v1/units/{code}/texts"),
    api("/units/{team}/texts?period=recent&lang=en", LOCATION_VIEWERS, route="/api/v1/units/{code}/texts"),
    api("/units/{other_location}/texts", WHOLE, hidden=MANAGERS, route="/api/v1/units/{code}/texts"),
    api("/units/X-NOPE/texts", NOBODY, hidden=SCORES, route="/api/v1/units/{code}/texts"),
    api("/texts", SCORES),
    api("/texts?level=location&per_page=2&page=2", SCORES, route="/api/v1/texts"),
    # documentation and plumbing
    api("/openapi.json", PUBLIC),
    api("/docs", PUBLIC),
    page("/docs/oauth2-redirect", PUBLIC),
    page("/static-vendor/plotly.min.js", PUBLIC),
    page("/healthz", PUBLIC),
    # action plans probes: a plan at the unit manager's location, one at a location of another region
    page("/plans", SCORES),
    page("/plans?status=all&unit={location}", SCORES, route="/plans"),
    page("/plans?unit={other_location}", WHOLE, hidden=MANAGERS, route="/plans"),
    api("/plans", SCORES),
    api("/plans?status=all&per_page=1&overdue=true", SCORES),
    api("/plans?unit={other_location}", WHOLE, hidden=MANAGERS, route="/api/v1/plans"),
    *[
        Probe("POST", route, route, allowed, hidden=hidden, ok=ok, send=f"plan_create_{which}")
        for route, ok in (("/plans", 303), ("/api/v1/plans", 201))
        for which, allowed, hidden in (("mine", SCORES, NOBODY), ("other", WHOLE, MANAGERS))
    ],
    *[
        Probe(
            "POST",
            f"{prefix}/plans/{{plan_id}}",
            f"{prefix}/plans/{plan}",
            allowed,
            hidden=hidden,
            ok=ok,
            send="plan_update",
            lands=f"/plans?updated={plan}#plan-{plan}" if not prefix else None,
        )
        for prefix, ok in (("", 303), ("/api/v1", 200))
        for plan, allowed, hidden in (
            ("{plan}", SCORES, NOBODY),
            ("{other_plan}", WHOLE, MANAGERS),
            ("999999999", NOBODY, SCORES),
        )
    ],
    # end of action plans probes
    # scan probes
    # (the management team: executives, analysts, regional managers; unit managers and employees 403)
    page("/scan", REGION_VIEWERS),
    page("/scan/result", REGION_VIEWERS),
    api("/scan", REGION_VIEWERS),
    api("/scan/result", REGION_VIEWERS),
    Probe("POST", "/scan", "/scan", REGION_VIEWERS, ok=303, send="scan_answer", lands="/scan/result"),
    Probe("POST", "/api/v1/scan", "/api/v1/scan", REGION_VIEWERS, ok=201, send="scan_answer"),
    # end of scan probes
    # ideas probes: an idea at the unit manager's (and the employee's) location, one at a location of
    # another region; employees and managers see and vote on their location's (or region's) ideas
    page("/ideas", SIGNED_IN),
    page("/ideas?status=open&sort=newest&unit={location}", SIGNED_IN, route="/ideas"),
    page("/ideas?unit={other_location}", WHOLE, hidden=SIGNED_IN - WHOLE, route="/ideas"),
    page("/ideas/summary", SCORES),
    page("/ideas/summary?unit={other_location}", WHOLE, hidden=MANAGERS, route="/ideas/summary"),
    api("/ideas", SIGNED_IN),
    api("/ideas?kind=rule&unit={location}", SIGNED_IN, route="/api/v1/ideas"),
    api("/ideas?unit={other_location}", WHOLE, hidden=SIGNED_IN - WHOLE, route="/api/v1/ideas"),
    api("/ideas/summary", SCORES),
    api("/ideas/summary?unit={other_location}", WHOLE, hidden=MANAGERS, route="/api/v1/ideas/summary"),
    Probe("POST", "/ideas", "/ideas", SIGNED_IN, ok=303, send="idea_raise"),
    Probe("POST", "/api/v1/ideas", "/api/v1/ideas", SIGNED_IN, ok=201, send="idea_raise"),
    *[
        Probe(
            "POST",
            f"{prefix}/ideas/{{idea_id}}{action}",
            f"{prefix}/ideas/{idea}{action}",
            allowed,
            hidden=hidden,
            ok=ok,
            send=f"idea_{send}",
            lands=f"/ideas?done={done}#idea-{idea}" if not prefix else None,
        )
        for prefix, ok in (("", 303), ("/api/v1", 200))
        for action, send, rule, done in (
            ("/vote", "vote", SIGNED_IN, "voted"),
            ("", "decide", SIGNED_IN - {"employee", "analyst"}, "decided"),
        )
        for idea, allowed, hidden in (
            ("{idea}", rule, NOBODY),
            ("{other_idea}", rule & WHOLE, rule - WHOLE),
            ("999999999", NOBODY, rule),
        )
    ],
    page("/ideas/{idea}", SIGNED_IN, route="/ideas/{idea_id:int}", send="idea_view"),
    page("/ideas/{other_idea}", WHOLE, hidden=SIGNED_IN - WHOLE, route="/ideas/{idea_id:int}",
         send="idea_view"),
    page("/ideas/999999999", NOBODY, hidden=SIGNED_IN, route="/ideas/{idea_id:int}"),
    api("/ideas/{idea}", SIGNED_IN, route="/api/v1/ideas/{idea_id:int}", send="idea_view"),
    api("/ideas/{other_idea}", WHOLE, hidden=SIGNED_IN - WHOLE, route="/api/v1/ideas/{idea_id:int}",
        send="idea_view"),
    page("/ideas/summary.csv", SCORES),
    page("/ideas/summary.csv?unit={other_location}", WHOLE, hidden=MANAGERS, route="/ideas/summary.csv"),
    # end of ideas probes
    # recognition probes: suggestions (managers and executives decide) and ambiguous matches (analysts
    # decide) at the unit manager's location and at a location of another region; {mine} and {other}
    # are decided by every caller allowed, each on a fresh row of the kind their role decides
    page("/recognition", SCORES),
    page("/recognition?status=all&unit={location}", SCORES, route="/recognition"),
    page("/recognition?unit={other_location}", WHOLE, hidden=MANAGERS, route="/recognition"),
    page("/recognition/awards?year=2026", SCORES, route="/recognition/awards"),
    page("/compliments", SIGNED_IN),
    api("/recognition", SCORES),
    api("/recognition?status=confirmed&year=2026&per_page=1", SCORES, route="/api/v1/recognition"),
    api("/recognition?unit={other_location}", WHOLE, hidden=MANAGERS, route="/api/v1/recognition"),
    api("/recognition/awards", SCORES),
    *[
        Probe("GET", route, route.replace("{code}", who), allowed, hidden=hidden, send="recognition_people")
        for route in ("/employees/{code}", "/api/v1/employees/{code}/recognition")
        for who, allowed, hidden in (("{employee}", SCORES, NOBODY), ("{other_employee}", WHOLE, MANAGERS))
    ],
    Probe("POST", "/recognition/find", "/recognition/find", ANALYST, ok=303, send="post"),
    Probe("POST", "/api/v1/recognition/find", "/api/v1/recognition/find", ANALYST, send="post"),
    *[
        Probe(
            "POST",
            f"{prefix}/recognition/{{recognition_id}}",
            f"{prefix}/recognition/{row}",
            allowed,
            hidden=hidden,
            ok=ok,
            send="recognition_decide",
        )
        for prefix, ok in (("", 303), ("/api/v1", 200))
        for row, allowed, hidden in (
            ("{mine}", SCORES, NOBODY),
            ("{other}", WHOLE, MANAGERS),
            ("{suggested}", SCORES - ANALYST, NOBODY),
            ("{ambiguous}", ANALYST, NOBODY),
            ("{other_ambiguous}", ANALYST, MANAGERS),
            ("999999999", NOBODY, SCORES),
        )
    ],
    # end of recognition probes
    # incentives probes
    # (every manager reads the outcomes of their subtree; the HR export is for executives and analysts)
    page("/incentives", SCORES),
    page("/incentives?rule=bonus_service&period={period}", SCORES, route="/incentives", send="incentives"),
    page("/incentives/export.csv?rule=promotion_ce", WHOLE, route="/incentives/export.csv"),
    page("/incentives/export.csv?period={period}", WHOLE, route="/incentives/export.csv", send="incentives"),
    api("/incentives", SCORES),
    api("/incentives?rule=promotion_ce&period={period}", SCORES, send="incentives"),
    api("/incentives/export", WHOLE),
    api("/incentives/export?rule=bonus_service", WHOLE, route="/api/v1/incentives/export"),
    Probe("POST", "/incentives/finalise", "/incentives/finalise", ANALYST, ok=400, send="post"),
    Probe("POST", "/api/v1/incentives/finalise", "/api/v1/incentives/finalise", ANALYST, ok=422, send="post"),
    # end of incentives probes
]
ORDER = (ANON, "executive", "regional-manager", "unit-manager", "employee", "analyst")
"""Analysts last: the others' refused confirm/discard must leave the analyst's upload pending."""


@pytest.fixture
def callers(live_web: LiveWeb) -> Callers:
    """Clients per role, shared by the web test modules of this worker."""
    return Callers.of(live_web)


def test_the_rules_cover_every_route(live_web: LiveWeb) -> None:
    """The table lists exactly the application's routes, and the probes exercise each rule."""
    endpoints, mounts = routes_of(app_of(live_web))
    assert endpoints - set(ROUTE_RULES) == set(), "routes without an access rule in ROUTE_RULES"
    assert set(ROUTE_RULES) - endpoints == set(), "rules for routes the application no longer has"
    assert mounts == MOUNTS
    for route, rule in ROUTE_RULES.items():
        probes = [probe for probe in PROBES if (probe.method, probe.route) == route]
        assert probes, f"no probe for {route}"
        assert any(probe.allowed == rule for probe in probes), f"no probe exercises the whole rule of {route}"
        for probe in probes:
            assert probe.allowed | probe.hidden <= rule, f"{probe} allows more than the rule of {route}"


class Sender:
    """Sends one probe as one role; special senders prepare their own state (fresh accounts,
    uploads, setup links)."""

    def __init__(self, web: LiveWeb, callers: Callers, probe: Probe) -> None:
        self.web, self.callers, self.probe = web, callers, probe
        self.values = {
            name: getattr(web, name)
            for name in ("region", "location", "team", "other_region", "other_location")
        }
        self.via = ""
        self.codes: list[str] = []
        prepare: Callable[[], None] | None = getattr(self, f"prepare_{probe.send}", None)
        if prepare is not None:
            prepare()

    def path(self) -> str:
        return self.probe.path.format(**self.values)

    def lands(self) -> str | None:
        return None if self.probe.lands is None else self.probe.lands.format(**self.values)

    def roles(self) -> tuple[str, ...]:
        """Every role and anonymous callers; an intake client too where the probe lets one in."""
        return ORDER + ((INTAKE_CLIENT,) if INTAKE_CLIENT in self.probe.allowed else ())

    def vias(self, role: str) -> tuple[str, ...]:
        if role == INTAKE_CLIENT:
            return ("key",)
        if is_api(self.probe.path) and (self.probe.method == "GET" or self.probe.send == "intake"):
            return ("token", "session")
        return ("token",) if is_api(self.probe.path) else ("session",)

    def __call__(self, role: str, via: str) -> httpx.Response:
        self.via = via
        if via == "key":
            client = self.callers.session(ANON)  # the sender adds the intake key
        else:
            client = self.callers.token(role) if via == "token" else self.callers.session(role)
        method: Callable[[str, httpx.Client], httpx.Response] = getattr(self, f"send_{self.probe.send}")
        return method(role, client)

    def send_get(self, role: str, client: httpx.Client) -> httpx.Response:
        return client.get(self.path())

    def send_post(self, role: str, client: httpx.Client) -> httpx.Response:
        """An empty POST: a form with the session's CSRF token on pages, no body on the API."""
        if is_api(self.probe.path):
            return client.post(self.path())
        return client.post(self.path(), data={"csrf_token": csrf(client)})

    # signing in and the account
    def send_login(self, role: str, client: httpx.Client) -> httpx.Response:
        other = self.callers.clone(role)  # signing in again replaces the session: keep the shared one
        account = self.web.accounts["executive" if role == ANON else role]
        form = {"email": account.email, "password": PASSWORD, "csrf_token": csrf(other)}
        return other.post("/login", data=form)

    def send_logout(self, role: str, client: httpx.Client) -> httpx.Response:
        other = self.web.client(None if role == ANON else role)  # a session of its own to end
        try:
            answer = other.post("/logout", data={"csrf_token": csrf(other)})
            if role != ANON:
                assert answer.headers.get("location") == "/login"
                assert other.get("/me").status_code == 303, "still signed in after signing out"
            return answer
        finally:
            other.close()

    def prepare_setup_page(self) -> None:
        self.values["token"] = setup_token(fresh_account(self.web, "employee", password=None), SECRET)

    def send_setup_page(self, role: str, client: httpx.Client) -> httpx.Response:
        return client.get(self.path())

    def prepare_setup(self) -> None:
        self.values["token"] = "A-NEW-LINK-PER-CALLER"

    def send_setup(self, role: str, client: httpx.Client) -> httpx.Response:
        token = setup_token(fresh_account(self.web, "employee", password=None), SECRET)
        other = self.callers.clone(role)
        form = {"password": PASSWORD, "repeat": PASSWORD, "csrf_token": csrf(other)}
        return other.post(f"/setup/{token}", data=form)

    def send_password(self, role: str, client: httpx.Client) -> httpx.Response:
        if role == ANON:
            other = self.callers.clone(ANON)
        else:
            other, _ = fresh_session(self.web, role)
        new = PASSWORD + " again"
        form = {"current": PASSWORD, "password": new, "repeat": new, "csrf_token": csrf(other)}
        try:
            return other.post("/me/password", data=form)
        finally:
            if role != ANON:
                other.close()

    def send_language(self, role: str, client: httpx.Client) -> httpx.Response:
        other = self.callers.clone(role)
        return other.post("/language", data={"language": "nl", "back": "/me", "csrf_token": csrf(other)})

    # imports
    def _page_upload(self, client: httpx.Client) -> httpx.Response:
        return client.post(
            "/imports",
            data={"kind": "kpis", "csrf_token": csrf(client)},
            files={"file": ("probe.csv", kpi_csv(self.web.location), "text/csv")},
        )

    def send_page_upload(self, role: str, client: httpx.Client) -> httpx.Response:
        answer = self._page_upload(client)
        if answer.status_code == 200:
            assert 'id="validation"' in answer.text
            discard_upload(self.callers, upload_id_of(answer.text))
        return answer

    def prepare_page_confirm(self) -> None:
        answer = self._page_upload(self.callers.session("analyst"))
        assert answer.status_code == 200, answer.text[:500]
        self.values["upload_id"] = upload_id_of(answer.text)

    prepare_page_discard = prepare_page_confirm

    def send_page_confirm(self, role: str, client: httpx.Client) -> httpx.Response:
        answer = client.post(self.path(), data={"csrf_token": csrf(client)})
        if answer.status_code == 200:
            assert 'id="imported"' in answer.text
        return answer

    send_page_discard = send_page_confirm

    def _api_upload(self, client: httpx.Client) -> httpx.Response:
        return client.post(
            "/api/v1/imports",
            data={"kind": "kpis"},
            files={"file": ("probe.csv", kpi_csv(self.web.location), "text/csv")},
        )

    def send_api_upload(self, role: str, client: httpx.Client) -> httpx.Response:
        answer = self._api_upload(client)
        if answer.status_code == 200:
            assert answer.json()["ok"] is True, answer.text
            discard_upload(self.callers, answer.json()["id"])
        return answer

    def prepare_api_confirm(self) -> None:
        answer = self._api_upload(self.callers.token("analyst"))
        assert answer.status_code == 200 and answer.json()["ok"], answer.text[:500]
        self.values["upload_id"] = answer.json()["id"]

    def send_api_confirm(self, role: str, client: httpx.Client) -> httpx.Response:
        answer = client.post(self.path())
        if answer.status_code == 200:
            assert answer.json()["result"]["inserted"] == 1, answer.text
        return answer

    # alerts
    def prepare_alert_act(self) -> None:
        """An unhappy touchpoint (in 2019: no current results change) at the unit manager's location
        and one at a location of another region, each raising an alert."""
        moment = datetime(2019, 2, 1, 12, 0)
        for name, unit in (("alert", self.web.location), ("other_alert", self.web.other_location)):
            ids = respond(self.web.store, "touchpoint", unit, raised_at=moment, satisfaction=1)
            assert ids, "a satisfaction of 1 raises an alert"
            self.values[name] = str(ids[0])

    def _alert_states(self) -> dict[str, tuple[Any, ...]]:
        fields = ("status", "acknowledged_by", "resolved_by", "resolution")
        return {
            name: tuple(get_alert(self.web.store, int(self.values[name]))[field] for field in fields)
            for name in ("alert", "other_alert")
        }

    def send_alert_act(self, role: str, client: httpx.Client) -> httpx.Response:
        before = self._alert_states()
        if is_api(self.probe.path):
            note = {"note": "probe"} if self.path().endswith("/resolve") else None
            answer = client.post(self.path(), json=note)
        else:
            answer = client.post(self.path(), data={"csrf_token": csrf(client), "note": "probe"})
        if role in self.probe.allowed:
            wanted = {"resolved"} if self.path().endswith("resolve") else {"acknowledged", "resolved"}
            acted = next(name for name in ("alert", "other_alert") if f"/{self.values[name]}/" in self.path())
            assert self._alert_states()[acted][0] in wanted, f"{role}: {self} did not act"
        else:
            assert self._alert_states() == before, f"{role} was refused, yet an alert changed"
        return answer

    # the intake API
    def prepare_intake(self) -> None:
        self.values["key"] = create_key(self.web.store, unique("probe-"), self.web.location, 1000)

    def send_intake(self, role: str, client: httpx.Client) -> httpx.Response:
        """A valid response (in 2019), with the intake key for the intake client, with the role's
        own credentials (API token, or session cookie and CSRF token) for everyone else."""
        moment = "2019-02-01T12:00:00Z"
        if self.probe.path.endswith("/touchpoints"):
            answers = {"satisfaction": 4, "ease": 6, "valued": 4}
            body = {"unit": self.web.location, "channel": "phone", "occurred_at": moment, "answers": answers}
        else:
            answers = {"satisfaction": 5, "continue": 4, "recommend": 9}
            body = {"unit": self.web.location, "channel": "app", "submitted_at": moment, "answers": answers}
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        if role == INTAKE_CLIENT:
            headers["Authorization"] = f"Bearer {self.values['key']}"
        elif self.via == "session" and role != ANON:
            headers["X-CSRF-Token"] = csrf(client)
        answer = client.post(self.path(), json=body, headers=headers)
        if answer.status_code == 201:
            assert answer.json()["unit"] == self.web.location and not answer.json()["replayed"], answer.text
        return answer

    # employee survey waves (opened for 2019-Q1)
    def _open_wave(self, unit: str) -> tuple[str, list[str]]:
        """A new wave for ``unit``'s subtree: its code and the kiosk codes of its invitations."""
        settings = self.web.app.state.settings
        code = unique("AP-")
        open_wave(self.web.store, code, unit, "2019-Q1", settings=settings)
        return code, [row.kiosk_code for row in wave_links(self.web.store, code, settings)]

    def prepare_wave_get(self) -> None:
        self.values["wave"], codes = self._open_wave(self.web.location)
        self.values["code"] = codes[0]

    def send_wave_get(self, role: str, client: httpx.Client) -> httpx.Response:
        answer = client.get(self.path())
        if answer.status_code == 200 and self.path().endswith(".csv"):
            assert answer.text.startswith("employee_code,unit_code,link,kiosk_code\n"), answer.text[:200]
            assert f"/e/{self.values['code']}" in answer.text
        return answer

    def prepare_wave_open(self) -> None:
        self.values["new_wave"] = unique("AP-")

    def send_wave_open(self, role: str, client: httpx.Client) -> httpx.Response:
        form = {"code": self.values["new_wave"], "unit": self.web.location, "period": "2019-Q1",
                "threshold": "", "csrf_token": csrf(client)}  # fmt: skip
        return client.post("/waves", data=form)

    def send_api_wave_open(self, role: str, client: httpx.Client) -> httpx.Response:
        opening = {"code": unique("AP-"), "unit": self.web.location, "period": "2019-Q1"}
        answer = client.post("/api/v1/waves", json=opening)
        if answer.status_code == 201:
            assert answer.json()["code"] == opening["code"] and answer.json()["invited"] > 0, answer.text
        return answer

    def prepare_wave_close(self) -> None:
        self.values["wave"], _codes = self._open_wave(self.web.location)

    send_wave_close = send_post

    # the anonymous employee survey
    prepare_kiosk = prepare_wave_get

    def send_kiosk(self, role: str, client: httpx.Client) -> httpx.Response:
        return client.post("/e", data={"code": self.values["code"].lower()})

    def prepare_employee_answer(self) -> None:
        """A wave for the whole region: a fresh one-use code for every caller."""
        _wave, self.codes = self._open_wave(self.web.region)
        assert len(self.codes) > len(ORDER), "the region has enough employees for every caller"
        self.values["code"] = self.codes.pop()

    def send_employee_answer(self, role: str, client: httpx.Client) -> httpx.Response:
        form = {key: "8" if key == "enps" else "4" for key in employee_instrument().item_keys}
        return client.post(f"/e/{self.codes.pop()}", data=form)

    # the customer survey pages and the survey links
    def prepare_links_get(self) -> None:
        for name, unit in (("link", self.web.location), ("other_link", self.web.other_location)):
            links = ensure_links(self.web.store, unit)
            self.values[name] = next(link.key for link in links if link.instrument_key == "customer")
        self.values["nonce"] = "probe-nonce-0123456789"

    def send_links_get(self, role: str, client: httpx.Client) -> httpx.Response:
        answer = client.get(self.path())
        kinds = {".png": "image/png", ".svg": "image/svg+xml"}
        kind = kinds.get(self.path()[-4:])
        if answer.status_code == 200 and kind is not None:
            assert answer.headers["content-type"].startswith(kind), answer.headers["content-type"]
        return answer

    prepare_customer_answer = prepare_links_get

    def send_customer_answer(self, role: str, client: httpx.Client) -> httpx.Response:
        form = client.get(self.path())
        assert form.status_code == 200, form.text[:300]
        nonce = re.search(r'name="nonce" value="([^"]+)"', form.text)
        assert nonce, "the survey form carries a nonce"
        answers = {"answers.satisfaction": "5", "answers.continue": "4", "answers.recommend": "9"}
        answer = client.post(self.path(), data={"nonce": nonce.group(1), **answers})
        if answer.status_code == 303:
            assert answer.headers["location"].startswith(f"{self.path()}/thanks/"), answer.headers["location"]
        return answer


    # the customer-centricity scan
    def send_scan_answer(self, role: str, client: httpx.Client) -> httpx.Response:
        """Every statement answered 3: an allowed caller's submission is stored, a refused one's not."""
        import sqlalchemy as sa

        from servicechain.act.scan import questionnaire
        from servicechain.store import schema as tables

        def stored() -> int:
            query = sa.select(sa.func.count()).select_from(tables.scan_response)
            with self.web.store.engine.connect() as connection:
                return int(connection.execute(query).scalar_one())

        before = stored()
        answers = {key: 3 for key in questionnaire().keys}
        if is_api(self.probe.path):
            answer = client.post(self.path(), json={"answers": answers})
        else:
            answer = client.post(self.path(), data={"csrf_token": csrf(client), **answers})
        assert stored() == before + (role in self.probe.allowed), f"{role}: {self} stored wrongly"
        return answer

    # action plans
    def _plan_count(self) -> int:
        from servicechain.act.plans import list_plans

        return len(list_plans(self.web.store, status="all"))

    def _plan_create(self, client: httpx.Client, unit: str, role: str) -> httpx.Response:
        before = self._plan_count()
        fields = {"unit": unit, "title": "probe", "owner": "probe@example.nl", "measure": "ce_index",
                  "due_on": "2099-12-31"}  # fmt: skip
        if is_api(self.probe.path):
            answer = client.post(self.path(), json=fields | {"target": 4.0})
        else:
            answer = client.post(self.path(), data=fields | {"target": "4", "csrf_token": csrf(client)})
        assert self._plan_count() == before + (role in self.probe.allowed), f"{role}: {self} stored wrongly"
        return answer

    def send_plan_create_mine(self, role: str, client: httpx.Client) -> httpx.Response:
        return self._plan_create(client, self.web.location, role)

    def send_plan_create_other(self, role: str, client: httpx.Client) -> httpx.Response:
        return self._plan_create(client, self.web.other_location, role)

    def prepare_plan_update(self) -> None:
        from servicechain.act.plans import create_plan

        for name, unit in (("plan", self.web.location), ("other_plan", self.web.other_location)):
            plan = create_plan(self.web.store, unit, "probe", "probe@example.nl", "ce_index", 4.0,
                               datetime(2099, 12, 31).date(), None, "probe@example.nl")  # fmt: skip
            self.values[name] = str(plan["id"])

    def send_plan_update(self, role: str, client: httpx.Client) -> httpx.Response:
        from servicechain.act.plans import get_plan

        def notes() -> dict[str, Any]:
            names = ("plan", "other_plan")
            return {name: get_plan(self.web.store, int(self.values[name]))["notes"] for name in names}

        before = notes()
        wanted = f"probe by {role}"
        if is_api(self.probe.path):
            answer = client.post(self.path(), json={"notes": wanted})
        else:
            answer = client.post(self.path(), data={"note": wanted, "csrf_token": csrf(client)})
        if role in self.probe.allowed:
            acted = "plan" if self.path().endswith(f"/{self.values['plan']}") else "other_plan"
            assert wanted in (notes()[acted] or ""), f"{role}: {self} did not change the plan"
        else:
            assert notes() == before, f"{role} was refused, yet a plan changed"
        return answer

    # ideas senders (prepare_*/send_* for the ideas probes)
    def _ideas(self) -> dict[int, dict[str, Any]]:
        from servicechain.act.ideas import list_ideas

        return {idea["id"]: idea for idea in list_ideas(self.web.store)}

    def send_idea_raise(self, role: str, client: httpx.Client) -> httpx.Response:
        before = len(self._ideas())
        fields = {"kind": "rule", "title": f"probe by {role}"}
        if is_api(self.probe.path):
            answer = client.post(self.path(), json=fields | {"anonymous": False})
        else:
            answer = client.post(self.path(), data=fields | {"author": "name", "csrf_token": csrf(client)})
        assert len(self._ideas()) == before + (role in self.probe.allowed), f"{role}: {self} stored wrongly"
        return answer

    def prepare_idea_vote(self) -> None:
        from servicechain.act.ideas import Member, home_unit, raise_idea
        from servicechain.analysis.units import read_units

        units = read_units(self.web.store).set_index("unit_code")
        author = Member(0, "probe@example.nl", SECRET)  # no account: every role may vote on it
        for name, code in (("idea", self.web.location), ("other_idea", self.web.other_location)):
            unit_id = home_unit(self.web.store, int(units.at[code, "unit_id"]))["id"]
            idea = raise_idea(self.web.store, author, unit_id, "friction", "probe", None, anonymous=True)
            self.values[name] = str(idea["id"])

    prepare_idea_decide = prepare_idea_vote
    prepare_idea_view = prepare_idea_vote

    def send_idea_view(self, role: str, client: httpx.Client) -> httpx.Response:
        return client.get(self.path())

    def _idea_act(self, role: str, client: httpx.Client, field: str, form: dict[str, str],
                  body: dict[str, Any]) -> httpx.Response:  # fmt: skip
        before = {name: self._ideas()[int(self.values[name])][field] for name in ("idea", "other_idea")}
        if is_api(self.probe.path):
            answer = client.post(self.path(), json=body)
        else:
            answer = client.post(self.path(), data=form | {"csrf_token": csrf(client)})
        after = {name: self._ideas()[int(self.values[name])][field] for name in ("idea", "other_idea")}
        if role in self.probe.allowed:
            acted = "idea" if f"/{self.values['idea']}" in self.path() else "other_idea"
            assert after[acted] != before[acted], f"{role}: {self} did not act on the idea"
        else:
            assert after == before, f"{role} was refused, yet an idea changed"
        return answer

    def send_idea_vote(self, role: str, client: httpx.Client) -> httpx.Response:
        return self._idea_act(role, client, "votes", {"vote": "1"}, {"vote": True})

    def send_idea_decide(self, role: str, client: httpx.Client) -> httpx.Response:
        reward = f"probe by {role}"
        return self._idea_act(
            role, client, "reward", {"status": "planned", "reward": reward}, {"reward": reward}
        )

    # end of ideas senders
    # recognition senders
    def prepare_recognition_people(self) -> None:
        from recognition_helpers import only_one

        self.values["employee"] = only_one(self.web.store, self.web.location)[1]
        self.values["other_employee"] = only_one(self.web.store, self.web.other_location)[1]

    def send_recognition_people(self, role: str, client: httpx.Client) -> httpx.Response:
        return client.get(self.path())

    def prepare_recognition_decide(self) -> None:
        from recognition_helpers import make_row

        web = self.web
        for name, unit, status in (
            ("mine", web.location, "suggested"),
            ("other", web.other_location, "suggested"),
            ("suggested", web.location, "suggested"),
            ("ambiguous", web.location, "ambiguous"),
            ("other_ambiguous", web.other_location, "ambiguous"),
        ):
            self.values[name] = str(make_row(web.store, unit, status))

    def send_recognition_decide(self, role: str, client: httpx.Client) -> httpx.Response:
        """Reject (both kinds can be rejected): an allowed caller a fresh row of the kind their role
        decides, at the probe's unit; a refused caller the prepared row, which must stay as it was."""
        from recognition_helpers import make_row, status_of

        store, target, fresh = self.web.store, self.path(), None
        if role in self.probe.allowed:
            unit = self.web.other_location if "{other" in self.probe.path else self.web.location
            fresh = make_row(store, unit, "ambiguous" if role == "analyst" else "suggested")
            target = re.sub(r"/\d+$", f"/{fresh}", target)
        names = ("mine", "other", "suggested", "ambiguous", "other_ambiguous")
        before = {name: status_of(store, int(self.values[name])) for name in names}
        if is_api(self.probe.path):
            answer = client.post(target, json={"action": "reject"})
        else:
            answer = client.post(target, data={"action": "reject", "csrf_token": csrf(client)})
        if fresh is not None:
            assert status_of(store, fresh) == "rejected", f"{role}: {self} did not decide"
        after = {name: status_of(store, int(self.values[name])) for name in names}
        assert after == before, f"{role} changed a row"
        return answer

    # end of recognition senders
    # incentives senders
    def prepare_incentives(self) -> None:
        from servicechain.act.incentive_rules import load_rules
        from servicechain.act.incentives import evaluate

        self.values["period"] = evaluate(self.web.store, load_rules()[0]).periods[0]

    def send_incentives(self, role: str, client: httpx.Client) -> httpx.Response:
        answer = client.get(self.path())
        if answer.status_code == 200 and "export" not in self.path():
            assert self.values["period"] in answer.text, "the period asked for"
        return answer

    # end of incentives senders


def judge(probe: Probe, path: str, lands: str | None, role: str, answer: httpx.Response) -> str | None:
    """What is wrong with ``answer`` to ``role``, or None."""
    expected = probe.expected(role)
    got = answer.status_code
    if got != expected:
        return f"expected {expected}, got {got}: {answer.text[:200]!r}"
    location = answer.headers.get("location", "")
    if role == ANON and expected == 303 and role not in probe.allowed:
        if location.split("?")[0] != "/login" or parse_qs(urlsplit(location).query).get("next") != [path]:
            return f"anonymous caller sent to {location!r}, not to the login page"
    elif lands is not None and role in probe.allowed:
        if location != lands:
            return f"redirected to {location!r}, not to {lands!r}"
    elif location.startswith("/login"):
        return f"an allowed caller was sent to the login page ({location})"
    if got >= 400 and is_api(path):
        if not answer.headers.get("content-type", "").startswith("application/json"):
            return f"API error is not JSON: {answer.headers.get('content-type')}"
        error = answer.json().get("error", {})
        if error.get("status") != got or not error.get("message"):
            return f"API error body without status and message: {answer.text[:200]!r}"
        if got == 401 and answer.headers.get("www-authenticate") != "Bearer":
            return "401 without WWW-Authenticate: Bearer"
    return None


@pytest.mark.parametrize("probe", PROBES, ids=str)
def test_access(live_web: LiveWeb, callers: Callers, probe: Probe) -> None:
    send = Sender(live_web, callers, probe)
    path = send.path()
    failures = []
    for role in send.roles():
        for via in send.vias(role):
            answer = send(role, via)
            problem = judge(probe, path, send.lands(), role, answer)
            if problem:
                failures.append(f"{role} ({via}): {problem}")
    assert not failures, f"{probe.method} {path}:\n" + "\n".join(failures)


# --- scoping by org unit -------------------------------------------------------------------------

OUT_OF_SCOPE = [
    # (role, path template, the unit whose numbers must not show, how the executive sees that unit)
    ("unit-manager", "/units/{other_location}", "other_location", "/api/v1/units/{}"),
    ("unit-manager", "/regions/{other_region}", "other_region", "/api/v1/regions/{}"),
    ("unit-manager", "/regions/{region}", "region", "/api/v1/regions/{}"),
    ("unit-manager", "/api/v1/units/{other_location}", "other_location", "/api/v1/units/{}"),
    ("unit-manager", "/api/v1/scorecard?unit={other_location}", "other_location", "/api/v1/units/{}"),
    ("unit-manager", "/api/v1/regions/{other_region}", "other_region", "/api/v1/regions/{}"),
    ("unit-manager", "/api/v1/units/{region}", "region", "/api/v1/units/{}"),
    ("regional-manager", "/units/{other_location}", "other_location", "/api/v1/units/{}"),
    ("regional-manager", "/api/v1/units/{other_location}", "other_location", "/api/v1/units/{}"),
    ("regional-manager", "/api/v1/scorecard?unit={other_location}", "other_location", "/api/v1/units/{}"),
    ("regional-manager", "/api/v1/regions/{other_region}", "other_region", "/api/v1/regions/{}"),
]


@pytest.mark.parametrize(
    ("role", "template", "target", "source"), OUT_OF_SCOPE, ids=[f"{r}:{t}" for r, t, _, _ in OUT_OF_SCOPE]
)
def test_out_of_scope_unit_looks_unknown(
    live_web: LiveWeb, callers: Callers, role: str, template: str, target: str, source: str
) -> None:
    """A manager asking for a unit outside their subtree gets exactly the answer of an unknown code,
    with none of that unit's name or numbers."""
    code = getattr(live_web, target)
    truth = callers.token("executive").get(source.format(code))
    assert truth.status_code == 200
    numbers = distinctive_numbers(truth.json())
    assert numbers, "the executive should see numbers of this unit"
    client = callers.token(role) if template.startswith("/api/") else callers.session(role)
    path = template.format(**{target: code})
    answer = client.get(path)
    unknown = client.get(path.replace(code, "X-NOPE"))
    assert answer.status_code == 404, answer.text[:300]
    assert unknown.status_code == 404
    assert answer.text.replace(code, "X-NOPE") == unknown.text, (
        "an out-of-scope unit differs from an unknown one"
    )
    name = str(units_frame(live_web).at[code, "unit_name"])
    for text in {name, str(escape(name)), json.dumps(name)[1:-1]}:
        assert text not in answer.text
    leaked = {
        value
        for value in numbers
        for text in number_texts(value)
        if text in answer.text and text not in unknown.text
    }
    assert not leaked, f"numbers of {code} in the answer: {sorted(leaked)}"


@pytest.mark.parametrize(
    ("role", "root"), [("unit-manager", "location"), ("regional-manager", "region"), ("executive", None)]
)
def test_lists_hold_only_the_callers_subtree(
    live_web: LiveWeb, callers: Callers, role: str, root: str | None
) -> None:
    units = units_frame(live_web)
    mine = subtree(live_web, getattr(live_web, root)) if root else set(units.index)
    client = callers.token(role)
    listed = all_codes(client, "/api/v1/units", per_page=3)
    assert listed == mine
    locations = all_codes(client, "/api/v1/units", level="location")
    assert locations == {code for code in mine if units.at[code, "level"] == "location"}
    assert locations, "the subtree has a location"
    rows = all_pages(client, "/api/v1/scorecard", per_page=1000)
    assert len(rows) == client.get("/api/v1/scorecard", params={"per_page": 1}).json()["total"]
    assert {row["unit_code"] for row in rows} == mine
    for code in sorted(set(units.index) - mine)[:4]:
        assert client.get("/api/v1/scorecard", params={"unit": code}).status_code == 404


def all_codes(client: httpx.Client, path: str, **params: Any) -> set[str]:
    return {item["code"] for item in all_pages(client, path, **params)}


@pytest.mark.parametrize(
    ("role", "root"), [("unit-manager", "location"), ("regional-manager", "region"), ("executive", None)]
)
def test_alert_lists_hold_only_the_callers_subtree(
    live_web: LiveWeb, callers: Callers, role: str, root: str | None
) -> None:
    """The alerts of a location in another region are in no manager's list (API and page)."""
    mine = respond(live_web.store, "touchpoint", live_web.location, satisfaction=1)[0]
    theirs = respond(live_web.store, "touchpoint", live_web.other_location, satisfaction=1)[0]
    listed = all_pages(callers.token(role), "/api/v1/alerts", status="all", per_page=1000)
    ids = {item["id"] for item in listed}
    assert mine in ids
    assert (theirs in ids) == (root is None)
    units = subtree(live_web, getattr(live_web, root)) if root else set(units_frame(live_web).index)
    assert {item["unit_code"] for item in listed} <= units
    page = callers.session(role).get("/alerts", params={"status": "all"})
    assert page.status_code == 200
    assert f'id="alert-{mine}"' in page.text
    assert (f'id="alert-{theirs}"' in page.text) == (root is None)


@pytest.mark.parametrize(
    ("role", "home", "root"),
    [("unit-manager", "/units/{}", "location"), ("regional-manager", "/regions/{}", "region")],
)
def test_home_page_names_no_unit_outside_the_subtree(
    live_web: LiveWeb, callers: Callers, role: str, home: str, root: str
) -> None:
    """A manager's own page compares with the company and region, but shows no other unit."""
    units = units_frame(live_web)
    code = getattr(live_web, root)
    mine = subtree(live_web, code)
    ancestors = {
        other for other in units.index if str(units.at[code, "path"]).startswith(units.at[other, "path"])
    }
    shown = {str(units.at[other, "unit_name"]) for other in mine | ancestors}
    answer = callers.session(role).get(home.format(code))
    assert answer.status_code == 200
    page = answer.text
    for other in sorted(set(units.index) - mine - ancestors):
        name = str(units.at[other, "unit_name"])
        if any(name in allowed for allowed in shown):
            continue  # a team's name contains its location's name
        assert str(escape(name)) not in page and name not in page, f"{other} ({name}) on the page of {code}"
        assert f"/units/{other}" not in page and f"/regions/{other}" not in page


# --- anonymity ------------------------------------------------------------------------------------

THRESHOLD = Settings.model_fields["anonymity_threshold"].default


def test_small_groups_show_no_employee_results(live_web: LiveWeb, callers: Callers) -> None:
    """Suppressed rows carry no numbers, only a reason; employee results that are shown come from
    groups of at least the anonymity threshold."""
    executive, manager = callers.token("executive"), callers.token("unit-manager")
    documents = [
        all_pages(executive, "/api/v1/scorecard", per_page=1000),
        executive.get("/api/v1/units", params={"per_page": 1000}).json(),
        executive.get(f"/api/v1/units/{live_web.location}").json(),
        executive.get(f"/api/v1/units/{live_web.team}").json(),
        executive.get(f"/api/v1/regions/{live_web.region}").json(),
        executive.get("/api/v1/overview").json(),
        manager.get(f"/api/v1/units/{live_web.location}").json(),
        manager.get("/api/v1/units").json(),
    ]
    rows = score_rows(documents)
    suppressed = [row for row in rows if row["suppressed"]]
    assert suppressed, "the demo has teams below the threshold"
    assert any(row["source"] == "employee" for row in suppressed)
    for row in suppressed:
        assert all(row[field] is None for field in NUMBERS), row
        assert isinstance(row["reason"], str) and row["reason"], row
    assert any(str(THRESHOLD) in row["reason"] for row in suppressed), "the reason names the threshold"
    shown = [row for row in rows if not row["suppressed"]]
    assert shown
    for row in shown:
        assert row["reason"] is None and isinstance(row["n"], int), row
        if row["source"] == "employee":
            assert row["n"] >= THRESHOLD, row


def test_employee_sees_no_scores_anywhere(live_web: LiveWeb, callers: Callers) -> None:
    """An employee's own pages carry no score; every score route refuses them, for their own team too."""
    client, token = callers.session("employee"), callers.token("employee")
    me = client.get("/me")
    assert me.status_code == 200
    assert "/units/" not in me.text and "/overview" not in me.text
    for path in (f"/units/{live_web.team}", f"/units/{live_web.location}", f"/regions/{live_web.region}"):
        assert client.get(path).status_code == 403
    for path in (
        f"/api/v1/units/{live_web.team}",
        f"/api/v1/scorecard?unit={live_web.team}",
        "/api/v1/snapshot",
    ):
        answer = token.get(path)
        assert answer.status_code == 403
        assert score_rows(answer.json()) == []
    assert token.get("/api/v1/me").json()["unit"]["code"] == live_web.team
