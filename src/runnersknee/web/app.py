"""The FastAPI application factory: ``create_app(settings)`` (nothing is built at import)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from runnersknee import __version__
from runnersknee.bootstrap import bootstrap
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
from runnersknee.services.access.accounts import RateLimited, set_hash_slots
from runnersknee.services.access.authz import Actor
from runnersknee.services.access.login import LoginGuard, LoginLimits, SecondFactorNeeded
from runnersknee.services.platform.audit_batch import AuditBatcher
from runnersknee.services.platform.database import Database
from runnersknee.web.auth import READ_PAGES, LoginRequired, RoleGateDenied, Unauthenticated
from runnersknee.web.guards import BodyGuard, IdGuard, log_unhandled, send_error
from runnersknee.web.render import render

__all__ = ["STATUS", "create_app", "error_body", "route_table"]

#: HTTP status of each error kind (the API's one error shape is ``error_body``).
STATUS: dict[type[RunnersKneeError], int] = {
    Unauthenticated: 401,
    RateLimited: 429,
    SecondFactorNeeded: 401,
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


#: Fields whose submitted value is never echoed in an error.
_SECRET_FIELDS = ("password", "secret", "token", "otp", "code")


def error_body(error: RunnersKneeError) -> dict[str, object]:
    """The one JSON error shape: ``{"error": {"code", "message", ...details}}``."""
    body = error.to_dict()
    field = str(body.get("field") or "").lower()
    if body.get("got") is not None and any(word in field for word in _SECRET_FIELDS):
        body["got"] = None
    return {"error": body}


def status_for(error: RunnersKneeError) -> int:
    """HTTP status for an error of the tree (500 for an unlisted kind)."""
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 500


def _redact_link_tokens() -> None:
    """Access-link tokens never reach uvicorn's access log (added once per process)."""
    from runnersknee.web.links import RedactLinks

    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactLinks) for f in access_log.filters):
        access_log.addFilter(RedactLinks())


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the app; refuses to start on an unmigrated database (``runnersknee db upgrade``).

    Without arguments the settings come from the environment, so
    ``uvicorn --factory runnersknee.web.app:create_app`` works. ``bootstrap`` builds the
    database and the one clinical-content bundle; routes read them from ``app.state``.
    """
    settings = settings or Settings()
    settings.check_production_safety()
    context = bootstrap(settings, database=database)
    database = context.database
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
    app.state.context = context
    app.state.settings = settings
    app.state.database = database
    app.state.content = context.content
    from runnersknee.services.job_kinds import JOB_HANDLERS
    from runnersknee.services.jobs.worker import Worker

    app.state.job_handlers = JOB_HANDLERS
    # The embedded default runs jobs in this process; PostgreSQL installs run `runnersknee worker`.
    app.state.worker = (
        Worker(database, settings, JOB_HANDLERS, context.content)
        if settings.runs_in_process_worker
        else None
    )
    app.state.audit_batcher = AuditBatcher(database)
    app.state.login_guard = LoginGuard(
        database, LoginLimits(settings.login_rate_per_account, settings.login_rate_per_address)
    )
    set_hash_slots(settings.hash_concurrency)
    _redact_link_tokens()
    static = resources.files("runnersknee.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    _install_handlers(app)
    routers = _routers()
    app.add_api_route("/healthz", _healthz, methods=["GET"], include_in_schema=False)
    for router in routers:
        app.include_router(router)
    app.state.routers = tuple(routers)
    _install_middleware(app)
    return app


def _routers() -> list[APIRouter]:
    """Every router of the app. The hottest read pages first (/me, the roster), then the
    portal; no two routes can match one path, so the order only decides how many routes a
    request is matched against."""
    from runnersknee.web.api import account as api_account
    from runnersknee.web.api import care as api_care
    from runnersknee.web.api import patients as api
    from runnersknee.web.api import reports as api_reports
    from runnersknee.web.api import runs as api_runs
    from runnersknee.web.api import video as api_video
    from runnersknee.web.pages import access as pages_access
    from runnersknee.web.pages import account as pages_account
    from runnersknee.web.pages import admin as pages_admin
    from runnersknee.web.pages import care as pages_care
    from runnersknee.web.pages import clinic as pages_clinic
    from runnersknee.web.pages import exercise_media as pages_exercise_media
    from runnersknee.web.pages import intake as pages_intake
    from runnersknee.web.pages import learn as pages_learn
    from runnersknee.web.pages import mfa as pages_mfa
    from runnersknee.web.pages import patient_video as pages_patient_video
    from runnersknee.web.pages import portal as pages_portal
    from runnersknee.web.pages import record as pages_record
    from runnersknee.web.pages import runs as pages_runs
    from runnersknee.web.pages import session as pages_session
    from runnersknee.web.pages import suggestions as pages_suggestions
    from runnersknee.web.pages import timeline as pages_timeline
    from runnersknee.web.pages import video as pages_video

    routers = [READ_PAGES]
    routers += [m.router for m in (pages_portal, pages_clinic, pages_record, pages_care)]
    routers += [m.router for m in (pages_admin, api)]
    routers += [m.router for m in (api_care, pages_runs, api_runs, pages_video, api_video)]
    routers += [api_account.router, api_reports.pages, api_reports.router, pages_session.router]
    routers += [pages_account.router, pages_access.router, pages_mfa.router]
    routers += [pages_intake.router, pages_learn.router, pages_patient_video.router]
    routers += [pages_exercise_media.router, pages_suggestions.router, pages_timeline.router]
    return routers


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Remove upload folders of killed processes and abandoned run uploads; start the
    in-process job worker (if this install runs one) with the server and stop it cleanly on
    shutdown."""
    from runnersknee.services.job_kinds import clean_at_start

    await asyncio.to_thread(clean_at_start, app.state.database, app.state.settings)
    worker = app.state.worker
    if worker is not None:
        worker.start()
    try:
        yield
    finally:
        await app.state.audit_batcher.drain()
        if worker is not None:
            await asyncio.to_thread(worker.stop)


def _wants_json(request: Request) -> bool:
    return str(request.scope["path"]).startswith("/api/")


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(RunnersKneeError)
    async def _domain(request: Request, error: RunnersKneeError) -> Response:
        status = status_for(error)
        if isinstance(error, RoleGateDenied):
            await _audit_role_gate(request)
        response: Response
        if _wants_json(request):
            response = JSONResponse(error_body(error), status_code=status)
        else:
            response = render(request, "error.html", status_code=status, error=error)
        if isinstance(error, RateLimited):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, error: LoginRequired) -> Response:
        del request, error
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        first = error.errors()[0] if error.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
        # Never echo the submitted value: it may be a password, and it may not be JSON.
        problem = InvalidInput(
            f"{field or 'request'}: {first.get('msg', 'invalid request')}", field=field or None
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


def _healthz(request: Request) -> Response:
    """Liveness and database reachability for a load balancer; no data, no login."""
    database: Database = request.app.state.database
    try:
        with database.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure is "unavailable"
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


async def _audit_role_gate(request: Request) -> None:
    """Audit a page refused by its role gate (the path is the record, the role the reason)."""
    actor: Actor | None = getattr(request.state, "actor", None)
    if actor is None:
        return
    entry = {
        "at": datetime.now(UTC),
        "user_id": actor.user_id,
        "role": actor.role.value,
        "action": "page.role_gate",
        "record_type": "page",
        "record_id": request.url.path[:40],
        "patient_id": None,
        "outcome": "denied",
    }
    batcher: AuditBatcher = request.app.state.audit_batcher
    await batcher.write([entry])


def _install_middleware(app: FastAPI) -> None:
    """Body and id guards inside the security headers (the last added is outermost)."""
    settings: Settings = app.state.settings
    app.add_middleware(
        BodyGuard,
        max_json_bytes=settings.max_json_bytes,
        # a hard ceiling: the upload routes check each file against the finer limits
        max_upload_bytes=2 * settings.max_upload_bytes + 1024 * 1024,
    )
    app.add_middleware(IdGuard)
    app.add_middleware(_SecurityHeaders, secure=settings.secure_cookies)


class _SecurityHeaders:
    """Security headers on every response (a plain ASGI middleware: no task per request).

    It also answers an unhandled error with a plain 500 that carries the headers, and logs
    it without its message or the request body (:func:`~runnersknee.web.guards.log_unhandled`).
    """

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

        started = False

        async def send_with_headers(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                if any(name in _OURS for name, _ in headers.raw):
                    for name, value in extra:  # replace the app's own values
                        headers[name.decode()] = value.decode()
                else:  # the usual case: none of them set yet, append the encoded pairs
                    headers.raw.extend(extra)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as error:  # noqa: BLE001 - the last line: log safely, answer 500
            log_unhandled(scope, error)
            if not started:
                await send_error(
                    send_with_headers, 500, "server_error", "something went wrong on the server"
                )


def route_table(app: FastAPI) -> list[tuple[str, frozenset[str]]]:
    """Every (path, methods) the app serves: its own routes and those of every router it
    included (``app.state.routers``, kept by :func:`create_app`), read from each router's
    public ``routes`` list, so the table does not depend on how FastAPI stores inclusions."""
    table: dict[tuple[str, frozenset[str]], None] = {}
    owners = [app.router, *getattr(app.state, "routers", ())]
    for owner in owners:
        for route in owner.routes:
            path = getattr(route, "path", None)
            methods = getattr(route, "methods", None)
            if isinstance(path, str) and isinstance(methods, set | frozenset) and methods:
                table[path, frozenset(methods)] = None
    return list(table)
