"""Account pages: change one's password; set a password from an invitation or reset link.

A password change or a used link ends every session of the login (sign in again). The link
page is public (the token is the credential); its form carries a signed double-submit CSRF
token like the login form, and its attempts count against the reset rate limit.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from runnersknee.clinical.errors import InvalidInput
from runnersknee.services.access import access_links, credentials
from runnersknee.web.auth import (
    CurrentActor,
    SafeForm,
    check_login_csrf,
    clear_session_cookie,
    login_csrf_token,
)
from runnersknee.web.common import client_address, database, error_map, login_guard, settings
from runnersknee.web.links import LINK_PREFIX
from runnersknee.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _two_passwords(form: FormData) -> str:
    new, again = str(form.get("password") or ""), str(form.get("password_again") or "")
    if new != again:
        raise InvalidInput("the two new passwords differ", field="password_again")
    return new


@router.get("/account/password")
def password_page(request: Request, actor: CurrentActor) -> Response:
    """The password-change form (every logged-in user)."""
    del actor
    return render(request, "account/password.html")


@router.post("/account/password")
def change_password(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Change one's password; every session ends, so the page asks to sign in again."""
    try:
        new = _two_passwords(form)
        with database(request).transaction() as tx:
            credentials.set_password(tx, actor, str(form.get("current_password") or ""), new)
    except InvalidInput as error:
        return render(request, "account/password.html", status_code=422,
                      errors=error_map(error))  # fmt: skip
    page = render(request, "account/done.html", actor=None, csrf_token="",
                  message="Your password is changed. Sign in again with the new one.")  # fmt: skip
    clear_session_cookie(page, settings(request))
    return page


def _link_form(request: Request, token: str, status: int = 200, **context: object) -> Response:
    response = Response()
    csrf = login_csrf_token(request, response)
    page = render(request, "account/link.html", status_code=status, login_csrf=csrf,
                  action=f"{LINK_PREFIX}{token}", **context)  # fmt: skip
    page.raw_headers.extend(h for h in response.raw_headers if h[0] == b"set-cookie")
    return page


@router.get(LINK_PREFIX + "{token}")
def link_page(request: Request, token: str) -> Response:
    """The page an invitation or reset link opens: choose a password."""
    try:
        with database(request).transaction() as tx:
            target = access_links.check_link(tx, token)
    except InvalidInput as error:
        return render(request, "account/done.html", status_code=404, message=error.message)
    return _link_form(request, token, target=target)


@router.post(LINK_PREFIX + "{token}")
async def use_link(request: Request, token: str) -> Response:
    """Set the password of a link (one use); then the person signs in."""
    form = await request.form()
    sent = form.get("csrf_token")
    check_login_csrf(request, sent if isinstance(sent, str) else None)
    login_guard(request).admit("reset-token", client_address(request))

    def use() -> None:
        new = _two_passwords(form)
        with database(request).transaction() as tx:
            access_links.use_link(tx, token, new)

    try:
        await run_in_threadpool(use)
    except InvalidInput as error:
        with database(request).transaction() as tx:
            try:
                target = access_links.check_link(tx, token)
            except InvalidInput:
                return render(request, "account/done.html", status_code=404,
                              message=error.message)  # fmt: skip
        return _link_form(request, token, 422, target=target, errors=error_map(error))
    done = "Your password is set. Sign in with your email and the new password."
    return render(request, "account/done.html", message=done)
