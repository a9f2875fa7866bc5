"""The intake API: ``POST /api/v1/touchpoints`` and ``/api/v1/customer-responses``.

For apps and tills. Every request carries an intake key (``Authorization: Bearer sci_...``,
``servicechain intake-keys create``) and an ``Idempotency-Key`` header (any unique string,
e.g. a UUID): a retry with the same key returns the response stored the first time
(``200``, header ``Idempotent-Replayed: true``) and never stores a second one; the same key
with a different body is refused (``422``). ``201`` is sent only after the response is
committed to the store (group commit, :mod:`servicechain.collect.committer`).
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from servicechain.collect.committer import AlertRules, GroupCommitter
from servicechain.collect.intake_keys import IntakeClient, KeyRing
from servicechain.collect.model import Kind, Receipt, Submission
from servicechain.collect.responses import MAX_KEY, Invalid, Problem, check
from servicechain.collect.units import UnitDirectory
from servicechain.web.bodies import read_body
from servicechain.web.i18n import LANGUAGES, N_, translator

router = APIRouter()
api_router = APIRouter(tags=["intake"])
MAX_BODY_BYTES = 16 * 1024

_TOUCHPOINT_EXAMPLE = {
    "unit": "L001", "channel": "in_person", "occurred_at": "2026-11-23T10:15:00+01:00",
    "answers": {"satisfaction": 2, "ease": 5, "valued": None}, "employee": "E00042",
    "comment": "Lang moeten wachten bij de kassa.", "contact": "06 1234 5678",
}  # fmt: skip
_CUSTOMER_EXAMPLE = {
    "unit": "L001", "submitted_at": "2026-11-23T10:15:00Z", "channel": "app",
    "answers": {"satisfaction": 5, "continue": 5, "recommend": 9, "confidence_promises": 4},
    "comment": "Prima geholpen.",
}  # fmt: skip


def _docs(example: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"type": "object"}, "example": example}}},
        "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                        "schema": {"type": "string", "maxLength": MAX_KEY},
                        "description": "Unique per response (a UUID); send the same key when retrying."}],
    }  # fmt: skip


FAST_PATHS = {f"/api/v1/{name}": kind for name, kind in (("touchpoints", "touchpoint"),
                                                          ("customer-responses", "customer"))}  # fmt: skip


class IntakeFastPath:
    """ASGI middleware (outermost) that answers the intake POSTs and ``/healthz`` before the page
    middleware.

    Intake requests need no session, no page timing and no CSRF; skipping that stack takes
    most of the per-request cost of a POST (``bench/intake.py``). The routes stay declared
    on :data:`api_router` for the OpenAPI document and answer identically.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        started = time.perf_counter()
        if path == "/healthz" and scope["method"] == "GET":  # load balancers ask often: answer cheaply
            healthy = JSONResponse({"status": "ok"}, headers=FAST_HEADERS)
            healthy.headers["Server-Timing"] = _timing(started)
            await healthy(scope, receive, send)
            return
        kind = FAST_PATHS.get(path)
        if kind is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        response = await _intake(Request(scope, receive), kind)  # type: ignore[arg-type]
        response.headers.update(FAST_HEADERS)
        response.headers["Server-Timing"] = _timing(started)
        await response(scope, receive, send)


FAST_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def _timing(started: float) -> str:
    return f"app;dur={(time.perf_counter() - started) * 1000:.1f}"


def install(app: FastAPI) -> None:
    """The unit directory, the key ring and the group-commit writer of this application."""
    store = app.state.store
    app.state.alert_listeners = []
    app.state.units_directory = UnitDirectory(store)
    app.state.key_ring = KeyRing(store)
    app.state.intake = GroupCommitter(
        store,
        alerts_of=alert_rules(app),
        on_alerts=app.state.alert_listeners,
        on_commit=app.state.refresher.note_collected,
    )
    app.state.services.append(app.state.intake)
    app.add_middleware(IntakeFastPath)


def alert_rules(app: FastAPI) -> AlertRules:
    """The closed-loop rules of the settings (read once for the app: the alerts page names them
    too); the projector stores the alerts they raise with their responses."""
    from servicechain.collect.alerts import evaluate, load_rules

    if getattr(app.state, "alert_rules", None) is None:
        app.state.alert_rules = load_rules(app.state.settings.alert_rules)
    rules = app.state.alert_rules
    return lambda submission: evaluate(rules, submission)


def _language(request: Request) -> str:
    asked = request.query_params.get("lang") or request.headers.get("accept-language", "")[:2].lower()
    return asked if asked in LANGUAGES else str(request.app.state.settings.language)


def _error(request: Request, status: int, message: str, headers: dict[str, str] | None = None,
           problems: list[Problem] | None = None, **values: Any) -> JSONResponse:  # fmt: skip
    _ = translator(_language(request))
    body: dict[str, Any] = {"status": status, "message": _(message, **values)}
    if problems:
        body["problems"] = [{"field": p.field, "message": _(p.message, **p.values)} for p in problems]
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _receipt_body(receipt: Receipt, submission: Submission) -> dict[str, Any]:
    return {"id": receipt.response_id, "kind": receipt.kind, "unit": submission.unit_code,
            "idempotency_key": submission.idempotency_key, "replayed": receipt.replayed,
            "alerts": receipt.alerts}  # fmt: skip


async def _intake(request: Request, kind: Kind) -> JSONResponse:
    state = request.app.state
    header = request.headers.get("authorization", "")
    client: IntakeClient | None = state.key_ring.client(
        header[7:].strip() if header[:7].lower() == "bearer " else None
    )
    if client is None:
        return _error(request, 401, N_("Send a valid intake key: Authorization: Bearer sci_..."),
                      {"WWW-Authenticate": "Bearer"})  # fmt: skip
    wait = state.key_ring.wait_seconds(client)
    if wait > 0:
        return _error(request, 429, N_("Too many requests for this key ({rate}/s); retry after {seconds} s."),
                      {"Retry-After": str(math.ceil(wait))}, rate=f"{client.rate_per_second:g}",
                      seconds=math.ceil(wait))  # fmt: skip
    key = request.headers.get("idempotency-key", "").strip()
    if not key or len(key) > MAX_KEY:
        message = N_("Send an Idempotency-Key header (1 to {limit} characters) and the same key on a retry.")
        return _error(request, 400, message, limit=MAX_KEY)
    raw = await read_body(request, MAX_BODY_BYTES)
    if raw is None:
        return _error(request, 413, N_("The body is larger than {limit} KB."), limit=MAX_BODY_BYTES // 1024)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _error(request, 400, N_("The body is not valid JSON."))
    try:
        submission = check(kind, body, units=state.units_directory, client_id=client.id, idempotency_key=key,
                           scope=client.unit_path)  # fmt: skip
    except Invalid as error:
        return _error(request, 422, N_("The response does not fit the survey."), problems=error.problems)
    committer: GroupCommitter = state.intake
    try:
        receipt = await committer.submit(submission)
    except Exception:  # overloaded, stopping, or the store failed: nothing was stored, so retry
        return _error(request, 503, N_("Busy storing responses; retry in a second."), {"Retry-After": "1"})
    if receipt.conflict:
        return _error(request, 422, N_("This Idempotency-Key was used before for a different request."))
    status, headers = (200, {"Idempotent-Replayed": "true"}) if receipt.replayed else (201, None)
    return JSONResponse(_receipt_body(receipt, submission), status_code=status, headers=headers)


@api_router.post("/touchpoints", status_code=201, openapi_extra=_docs(_TOUCHPOINT_EXAMPLE),
                 summary="Store one post-interaction micro-survey response")  # fmt: skip
async def touchpoints(request: Request) -> JSONResponse:
    """Answers to the touchpoint survey (satisfaction 1..5, ease 1..7, valued 1..5) after one interaction."""
    return await _intake(request, "touchpoint")


@api_router.post("/customer-responses", status_code=201, openapi_extra=_docs(_CUSTOMER_EXAMPLE),
                 summary="Store one customer survey response")  # fmt: skip
async def customer_responses(request: Request) -> JSONResponse:
    """Answers to the customer survey; ``wave`` defaults to ``web-<quarter>`` of ``submitted_at``."""
    return await _intake(request, "customer")
