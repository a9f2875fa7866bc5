"""The web application: server-rendered pages for people, ``/api/v1`` for scripts.

``create_app`` wires the store, the settings, signed sessions, security headers, a
``Server-Timing`` header (what the page benchmark reads), the error pages and the routers.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import cache
from importlib import resources
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from servicechain.accounts.roles import imports_files
from servicechain.errors import UserError
from servicechain.settings import PLACEHOLDER_SECRET, Settings, get_settings
from servicechain.store import Store, open_store
from servicechain.web.access import Forbidden, NotFound, PageError
from servicechain.web.i18n import N_, translator
from servicechain.web.imports import MAX_UPLOAD_BYTES
from servicechain.web.refresher import Refresher
from servicechain.web.render import render
from servicechain.web.results import ResultsCache
from servicechain.web.session import CsrfFailed, NotSignedIn, language_of, signed_in

API_PREFIX = "/api/v1"
DOCS_URL = f"{API_PREFIX}/docs"
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:"
)
"""Swagger UI starts itself with an inline script: allowed on its page only."""
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; frame-ancestors 'none'; form-action 'self'",
}


class PlaceholderSecret(UserError):
    """The server will not sign sessions with the placeholder secret outside --dev."""


@cache
def plotly_js() -> bytes:
    """plotly.min.js from the installed plotly package (no CDN)."""
    return (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _message(request: Request, error: Exception) -> str:
    """The error's message in the caller's language."""
    if isinstance(error, PageError):
        return translator(language_of(request))(error.message, **error.values)
    return str(error)


def _error(request: Request, status: int, message: str) -> Response:
    if _is_api(request):
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


UPLOAD_PATHS = ("/imports", f"{API_PREFIX}/imports")


def _to_sign_in(request: Request, error: NotSignedIn) -> Response:
    """Pages: to the login page (and back); API: 401 with the message."""
    if _is_api(request):
        body = {"error": {"status": 401, "message": _message(request, error)}}
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def _refuse_upload_early(request: Request) -> Response | None:
    """Uploads are refused before their body is read when they are too large or the caller may
    not import (FastAPI would otherwise store the whole body before the route checks anything)."""
    if request.method != "POST" or request.url.path not in UPLOAD_PATHS:
        return None
    if int(request.headers.get("content-length") or 0) > MAX_UPLOAD_BYTES:
        megabytes = MAX_UPLOAD_BYTES // 2**20
        message = translator(language_of(request))(N_("The file is larger than {limit} MB."), limit=megabytes)
        return _error(request, 413, message)
    try:
        user = signed_in(request)
    except NotSignedIn as error:
        return _to_sign_in(request, error)
    if not imports_files(user.role):
        return _error(request, 403, _message(request, Forbidden(N_("Imports are for analysts."))))
    return None


def create_app(settings: Settings | None = None, *, store: Store | None = None, dev: bool = False) -> FastAPI:
    """The application on ``store`` (default: the settings' store, migrated first).

    Refuses the placeholder secret unless ``dev``; in ``dev`` the session cookie also
    travels over plain http.
    """
    settings = settings or get_settings()
    if settings.secret_key == PLACEHOLDER_SECRET and not dev:
        raise PlaceholderSecret(
            "SERVICECHAIN_SECRET_KEY is the placeholder: set a long random secret (for example "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`), or use --dev on your own "
            "machine"
        )
    store = store or open_store(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        for service in reversed(app.state.services):
            service.close()  # background writers and senders finish what they accepted

    app = FastAPIOffline(
        lifespan=lifespan,
        title="servicechain",
        version="1",
        description="Scores, Human Sigma and the service-profit chain per unit, scoped by the caller's "
        "role and org unit. Authenticate with `Authorization: Bearer <token>` "
        "(`servicechain tokens create EMAIL`).",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=DOCS_URL,
        redoc_url=None,
        static_url="/static-docs",
    )
    app.state.settings, app.state.store, app.state.dev = settings, store, dev
    app.state.results = ResultsCache()
    app.state.refresher = Refresher(store, settings, app.state.results)
    app.state.services = []

    @app.middleware("http")
    async def timing_and_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                                 ) -> Response:  # fmt: skip
        started = time.perf_counter()
        refused = _refuse_upload_early(request)
        response = refused or await call_next(request)
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
        if request.url.path == DOCS_URL:
            response.headers["Content-Security-Policy"] = DOCS_POLICY
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="servicechain_session",
        max_age=int(settings.session_hours * 3600),
        same_site="lax",
        https_only=settings.secure_cookies and not dev,
    )

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, error: NotSignedIn) -> Response:
        return _to_sign_in(request, error)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> Response:
        return _error(request, 403, _message(request, error))

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, error: CsrfFailed) -> Response:
        return _error(request, 403, _message(request, error))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> Response:
        return _error(request, 404, _message(request, error))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        return _error(request, error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first["loc"] if part not in ("query", "body", "path"))
        return _error(request, 422, f"{where}: {first['msg']}" if where else str(first["msg"]))

    from servicechain.web import (
        alerts,
        api,
        auth,
        customer_survey,
        employee_survey,
        ideas,
        imports,
        incentives,
        intake,
        pages,
        plans,
        recognition,
        scan,
        waves,
    )

    app.include_router(auth.router)
    app.include_router(pages.router)
    app.include_router(imports.router)
    app.include_router(api.router, prefix=API_PREFIX)
    for collection in (
        intake,
        waves,
        employee_survey,
        customer_survey,
        alerts,
        plans,
        scan,
        ideas,
        incentives,
        recognition,
    ):
        collection.install(app)
        app.include_router(collection.router)
        app.include_router(collection.api_router, prefix=API_PREFIX)
    app.mount("/static", StaticFiles(packages=[("servicechain.web", "static")]), name="static")

    @app.get("/static-vendor/plotly.min.js", include_in_schema=False)
    def plotly() -> Response:
        return Response(plotly_js(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
