"""Sessions, the current actor and CSRF protection for pages and the JSON API.

The session cookie carries a random token only (the database keeps its SHA-256); it is
HttpOnly, SameSite=Lax and, outside development, Secure with the ``__Host-`` prefix. Every
unsafe request needs the session's CSRF token: a form field for pages, the ``X-CSRF-Token``
header for the API. The login form uses a signed double-submit token instead.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import FormData

from runnersknee.clinical.errors import Forbidden, RunnersKneeError
from runnersknee.config import Settings
from runnersknee.services.accounts import OpenSession, SessionLimits, resolve_session
from runnersknee.services.authz import Actor, Role
from runnersknee.services.database import Database

__all__ = [
    "CurrentActor",
    "CurrentSession",
    "LoginRequired",
    "SafeForm",
    "Unauthenticated",
    "check_login_csrf",
    "clear_session_cookie",
    "login_csrf_token",
    "optional_session",
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
    from datetime import timedelta

    return SessionLimits(
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


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
        if _is_api(request):
            raise Unauthenticated("log in first: no live session", login="/api/v1/auth/login")
        raise LoginRequired
    if _is_api(request) and request.method in _UNSAFE:
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent, found.csrf_token):
            raise Forbidden("missing or wrong X-CSRF-Token header", reason="csrf")
    request.state.actor = found.actor
    return found


CurrentSession = Annotated[OpenSession, Depends(current_session)]


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


def require_role(actor: Actor, *roles: Role) -> None:
    """Pages of one area (the services still authorize each record)."""
    if actor.role not in roles:
        raise Forbidden(f"this page is not for a {actor.role.value} login", reason="role")


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt="login-csrf")


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
