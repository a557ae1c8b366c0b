"""The FastAPI application factory: ``create_app(settings)`` (nothing is built at import)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from runnersknee import __version__
from runnersknee.clinical.errors import (
    Conflict,
    ContentError,
    Forbidden,
    InvalidInput,
    NotFound,
    Refused,
    RunnersKneeError,
)
from runnersknee.config import Settings
from runnersknee.services.audit_batch import AuditBatcher
from runnersknee.services.database import Database
from runnersknee.web.auth import READ_PAGES, LoginRequired, Unauthenticated
from runnersknee.web.render import render
from runnersknee.web.shortcut import ReadPageShortcut

__all__ = ["STATUS", "create_app", "error_body", "route_table"]

#: HTTP status of each error kind (the API's one error shape is ``error_body``).
STATUS: dict[type[RunnersKneeError], int] = {
    Unauthenticated: 401,
    InvalidInput: 422,
    NotFound: 404,
    Forbidden: 403,
    Refused: 409,
    Conflict: 409,
    ContentError: 500,
}

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


#: Names of the headers :class:`_SecurityHeaders` sets (lower case, as ASGI sends them).
_OURS = frozenset(
    {
        b"content-security-policy",
        b"x-content-type-options",
        b"referrer-policy",
        b"x-frame-options",
        b"strict-transport-security",
        b"cache-control",
    }
)


def error_body(error: RunnersKneeError) -> dict[str, object]:
    """The one JSON error shape: ``{"error": {"code", "message", ...details}}``."""
    return {"error": error.to_dict()}


def status_for(error: RunnersKneeError) -> int:
    """HTTP status for an error of the tree (500 for an unlisted kind)."""
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 500


def create_app(settings: Settings, database: Database | None = None) -> FastAPI:
    """Build the app; refuses to start on an unmigrated database (``runnersknee db upgrade``)."""
    settings.check_production_safety()
    database = database or Database.from_settings(settings)
    database.require_current()
    app = FastAPI(
        title="runnersknee",
        version=__version__,
        summary="Clinic app and JSON API for patellofemoral pain (runner's knee) care.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    from runnersknee.services.jobs import Worker
    from runnersknee.services.video_records import JOB_HANDLERS

    app.state.job_handlers = JOB_HANDLERS
    app.state.worker = Worker(database, settings, JOB_HANDLERS)
    app.state.audit_batcher = AuditBatcher(database)
    static = resources.files("runnersknee.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    _install_handlers(app)
    from runnersknee.web import api, api_care, pages_admin, pages_care, pages_clinic, pages_portal

    # The hottest read pages first (/me, the roster), then the portal; no two routes can
    # match one path, so the order only decides how many routes a request is matched against.
    app.include_router(READ_PAGES)
    for module in (pages_portal, pages_clinic, pages_care, pages_admin, api, api_care):
        app.include_router(module.router)
    from runnersknee.web import api_runs, pages_runs

    app.include_router(pages_runs.router)
    app.include_router(api_runs.router)
    from runnersknee.web import api_video, pages_video

    app.include_router(pages_video.router)
    app.include_router(api_video.router)
    from runnersknee.web import api_reports

    app.include_router(api_reports.pages)
    app.include_router(api_reports.router)
    _install_middleware(app)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the background-job worker with the server; stop it (cleanly) on shutdown."""
    worker = app.state.worker
    worker.start()
    try:
        yield
    finally:
        await app.state.audit_batcher.drain()
        await asyncio.to_thread(worker.stop)


def _wants_json(request: Request) -> bool:
    return str(request.scope["path"]).startswith("/api/")


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(RunnersKneeError)
    async def _domain(request: Request, error: RunnersKneeError) -> Response:
        status = status_for(error)
        if _wants_json(request):
            return JSONResponse(error_body(error), status_code=status)
        return render(request, "error.html", status_code=status, error=error)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, error: LoginRequired) -> Response:
        del request, error
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
        problem = InvalidInput(
            f"{field or 'request'}: {first.get('msg', 'invalid request')}",
            field=field or None,
            got=first.get("input"),
        )
        if _wants_json(request):
            return JSONResponse(error_body(problem), status_code=422)
        return render(request, "error.html", status_code=422, error=problem)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        kind: RunnersKneeError
        if error.status_code == 404:
            kind = NotFound("no such page or resource", path=request.url.path)
        else:
            kind = RunnersKneeError(str(error.detail))
            kind.code = "http_error"
        body = error_body(kind)
        if _wants_json(request):
            return JSONResponse(body, status_code=error.status_code)
        return render(request, "error.html", status_code=error.status_code, error=kind)


def _install_middleware(app: FastAPI) -> None:
    """The read-page shortcut inside the security headers (the last added is outermost)."""
    hot = [route for route in READ_PAGES.routes if isinstance(route, Route)]
    app.add_middleware(ReadPageShortcut, routes=hot)
    app.add_middleware(_SecurityHeaders, secure=app.state.settings.secure_cookies)


class _SecurityHeaders:
    """Security headers on every response (a plain ASGI middleware: no task per request)."""

    def __init__(self, app: Any, secure: bool) -> None:
        self.app = app
        self.secure = secure
        common = [
            (b"content-security-policy", _CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
        ]
        if secure:
            common.append((b"strict-transport-security", b"max-age=63072000"))
        self._static = tuple(common)
        self._pages = (*common, (b"cache-control", b"no-store"))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._static if scope["path"].startswith("/static/") else self._pages

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if any(name in _OURS for name, _ in headers.raw):
                    for name, value in extra:  # replace the app's own values
                        headers[name.decode()] = value.decode()
                else:  # the usual case: none of them set yet, append the encoded pairs
                    headers.raw.extend(extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def route_table(app: FastAPI) -> list[tuple[str, frozenset[str]]]:
    """Every (path, methods) the app serves, including routes of included routers."""
    table: list[tuple[str, frozenset[str]]] = []
    for route in app.routes:
        candidates = getattr(route, "effective_candidates", None)
        entries = candidates() if callable(candidates) else [route]
        for entry in entries:
            path = getattr(entry, "path", None)
            methods = getattr(entry, "methods", None)
            if path and methods:
                table.append((str(path), frozenset(methods)))
    return table
