"""Sessions, the current actor and CSRF protection for pages and the JSON API.

The session cookie carries a random token only (the database keeps its SHA-256); it is
HttpOnly, SameSite=Lax and, outside development, Secure with the ``__Host-`` prefix. Every
unsafe request needs the session's CSRF token: a form field for pages, the ``X-CSRF-Token``
header for the API. The login form uses a signed double-submit token instead.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import lru_cache
from typing import Annotated, NoReturn, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Depends, Request, Response
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from runnersknee.clinical.errors import Forbidden, NotFound, RunnersKneeError
from runnersknee.config import Settings
from runnersknee.services.access.accounts import OpenSession, SessionLimits, resolve_session
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.platform.audit import take_pending
from runnersknee.services.platform.audit_batch import AuditBatcher
from runnersknee.services.platform.database import Database

__all__ = [
    "READ_PAGES",
    "ActorAccess",
    "CurrentActor",
    "CurrentSession",
    "LoginRequired",
    "ReadPage",
    "RoleGateDenied",
    "SafeForm",
    "Unauthenticated",
    "actor_access",
    "check_login_csrf",
    "clear_session_cookie",
    "login_csrf_token",
    "optional_session",
    "own_patient",
    "read_page",
    "require_role",
    "session_cookie_name",
    "set_session_cookie",
]

LOGIN_CSRF_COOKIE = "rk_login_csrf"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class Unauthenticated(RunnersKneeError):
    """No live session (never logged in, logged out, or timed out)."""

    code = "unauthenticated"


class LoginRequired(Exception):
    """A page needs a login: the app answers with a redirect to /login."""


def session_cookie_name(settings: Settings) -> str:
    """``__Host-rk_session`` with secure cookies, ``rk_session`` otherwise."""
    return "__Host-rk_session" if settings.secure_cookies else "rk_session"


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    """Attach the session cookie (no Max-Age: it ends with the browser or the idle timeout)."""
    response.set_cookie(
        session_cookie_name(settings),
        token,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    """Remove the session cookie."""
    response.delete_cookie(
        session_cookie_name(settings), path="/", secure=settings.secure_cookies, httponly=True
    )


def _limits(settings: Settings) -> SessionLimits:
    return _limits_of(settings.session_idle_minutes, settings.session_absolute_hours)


@lru_cache(maxsize=8)
def _limits_of(idle_minutes: float, absolute_hours: float) -> SessionLimits:
    return SessionLimits(
        idle=timedelta(minutes=idle_minutes), absolute=timedelta(hours=absolute_hours)
    )


def _is_api(request: Request) -> bool:
    return str(request.scope["path"]).startswith("/api/")


def _resolve(request: Request) -> OpenSession | None:
    cached: OpenSession | None = getattr(request.state, "session", None)
    if cached is not None:
        return cached
    settings: Settings = request.app.state.settings
    token = request.cookies.get(session_cookie_name(settings))
    if not token:
        return None
    database: Database = request.app.state.database
    with database.transaction() as tx:
        found = resolve_session(tx, token, _limits(settings))
    request.state.session = found
    return found


def optional_session(request: Request) -> OpenSession | None:
    """The live session, or ``None`` (no redirect, no error)."""
    return _resolve(request)


def current_session(request: Request) -> OpenSession:
    """The live session, or 401 (API) / a redirect to the login page (pages)."""
    found = _resolve(request)
    if found is None:
        _no_session(request)
    _admit(request, found)
    return found


def _no_session(request: Request) -> NoReturn:
    """Raise 401 (API) or the redirect to the login page (pages)."""
    if _is_api(request):
        raise Unauthenticated("log in first: no live session", login="/api/v1/auth/login")
    raise LoginRequired


def _admit(request: Request, found: OpenSession) -> None:
    """CSRF header check of unsafe API calls; the actor becomes the request's."""
    if _is_api(request) and request.method in _UNSAFE:
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent, found.csrf_token):
            raise Forbidden("missing or wrong X-CSRF-Token header", reason="csrf")
    request.state.session = found
    request.state.actor = found.actor


CurrentSession = Annotated[OpenSession, Depends(current_session)]

T = TypeVar("T")


class ActorAccess:
    """A page request whose session is resolved in the use case's own transaction.

    :data:`CurrentActor` looks the session up in a transaction of its own on a worker thread,
    and the page then opens a second one on another thread. ``await access.run(work)`` does
    both in one transaction: the session lookup (idle and absolute timeout, inactive user),
    then ``work(tx, actor)``, committed together; the read's audit entries are then written
    in a group commit (:mod:`runnersknee.services.platform.audit_batch`) before the page is
    returned.
    When the use case fails, the session's idle-time touch is redone in a transaction of its
    own (as with CurrentActor, a failing page still counts as activity). With SQLite the
    transaction runs on the event loop: a query is CPU work in this process under the GIL,
    and the thread switch cost more than the query; other databases get one worker-thread
    hop.
    """

    __slots__ = ("request", "token")

    def __init__(self, request: Request, token: str) -> None:
        self.request = request
        self.token = token

    async def run(self, work: Callable[[Session, Actor], T]) -> T:
        """``work(tx, actor)`` in the transaction that resolves the session; its result.

        ``work`` must only read patient data: its audit entries are taken out of the
        transaction and written by the app's :class:`AuditBatcher` in a commit shared with
        concurrent requests, which this awaits before returning the result.
        """
        database: Database = self.request.app.state.database
        if database.in_process:
            result, entries = self._in_transaction(work)
        else:
            result, entries = await anyio.to_thread.run_sync(self._in_transaction, work)
        batcher: AuditBatcher = self.request.app.state.audit_batcher
        await batcher.write(entries)
        return result

    def _in_transaction(
        self, work: Callable[[Session, Actor], T]
    ) -> tuple[T, list[dict[str, object]]]:
        request = self.request
        settings: Settings = request.app.state.settings
        database: Database = request.app.state.database
        limits = _limits(settings)
        found: OpenSession | None = None
        try:
            with database.transaction() as tx:
                found = resolve_session(tx, self.token, limits)
                if found is not None:
                    _admit(request, found)
                    result = work(tx, found.actor)
                    entries = take_pending(tx)
        except Exception:
            if found is not None:  # the use case failed: keep the session's idle-time touch
                with database.transaction() as tx:
                    resolve_session(tx, self.token, limits)
            raise
        if found is None:
            _no_session(request)
        return result, entries


async def actor_access(request: Request) -> ActorAccess:
    """The request's session cookie (a missing cookie fails at once, as for CurrentSession)."""
    settings: Settings = request.app.state.settings
    token = request.cookies.get(session_cookie_name(settings))
    if not token:
        _no_session(request)
    return ActorAccess(request, token or "")


ReadPage = Callable[[Request, ActorAccess], Awaitable[Response]]


#: The hottest read pages (the app includes this router before all others, so their paths are
#: matched first; no two routes of the app can match one path).
READ_PAGES = APIRouter(include_in_schema=False)


def read_page(path: str) -> Callable[[ReadPage], ReadPage]:
    """Register ``page(request, access)`` as a plain Starlette GET route of :data:`READ_PAGES`.

    For the hottest read-only pages (the roster and the patient's start page): FastAPI's
    per-request parameter and dependency handling cost about as much again as a bare
    endpoint, and these pages need neither (no body; the session comes from
    :func:`actor_access`, query values are parsed by the page). The exception handlers,
    middleware and the authorization and audit of the use case are the same as for every
    other page; HEAD is answered like GET.
    """

    def register(page: ReadPage) -> ReadPage:
        async def endpoint(request: Request) -> Response:
            return await page(request, await actor_access(request))

        endpoint.__doc__ = page.__doc__
        READ_PAGES.add_route(path, endpoint, methods=["GET"], name=page.__name__)
        return page

    return register


async def current_actor(session: CurrentSession) -> Actor:
    """The logged-in actor (async: no database work, so no worker-thread hop)."""
    return session.actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def safe_form(request: Request, session: CurrentSession) -> FormData:
    """The posted form after the CSRF check (pages)."""
    form = await request.form()
    sent = form.get("csrf_token")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf_token):
        raise Forbidden(
            "the form has expired or was not sent by this site; reload the page", reason="csrf"
        )
    return form


SafeForm = Annotated[FormData, Depends(safe_form)]


class RoleGateDenied(Forbidden):
    """A page of another role's area (the app's error handler audits it)."""


def require_role(actor: Actor, *roles: Role) -> None:
    """Pages of one area (the services still authorize each record)."""
    if actor.role not in roles:
        raise RoleGateDenied(f"this page is not for a {actor.role.value} login", reason="role")


def own_patient(actor: Actor) -> int:
    """The logged-in patient's own record id (patient pages only)."""
    require_role(actor, Role.PATIENT)
    if actor.patient_id is None:
        raise NotFound("this login has no patient record")
    return actor.patient_id


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(_key_of(settings), salt="login-csrf")


@lru_cache(maxsize=8)
def _key_of(settings: Settings) -> str:
    return settings.signing_key()


def login_csrf_token(request: Request, response: Response) -> str:
    """A token for the login form, mirrored in a signed cookie (double submit)."""
    settings: Settings = request.app.state.settings
    raw = request.cookies.get(LOGIN_CSRF_COOKIE)
    value = None
    if raw:
        try:
            value = str(_serializer(settings).loads(raw))
        except BadSignature:
            value = None
    if value is None:
        value = secrets.token_urlsafe(24)
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            _serializer(settings).dumps(value),
            httponly=True,
            secure=settings.secure_cookies,
            samesite="strict",
            path="/",
        )
    return value


def check_login_csrf(request: Request, sent: str | None) -> None:
    """Refuse a login form whose token does not match its signed cookie."""
    settings: Settings = request.app.state.settings
    raw = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    try:
        expected = str(_serializer(settings).loads(raw)) if raw else ""
    except BadSignature:
        expected = ""
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden("the login form has expired; reload the page", reason="csrf")
