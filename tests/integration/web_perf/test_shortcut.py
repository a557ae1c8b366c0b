"""The read-page shortcut answers GET/HEAD of the hot read pages exactly as the router does
(pages, redirects, error pages, headers), passes every other request on, and leaves an
exception without a handler to the server-error middleware."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from runnersknee.config import Settings
from runnersknee.services.database import Database
from runnersknee.web.app import create_app
from runnersknee.web.shortcut import ReadPageShortcut
from tests.integration.web_perf.test_request_transaction import DOC, PATIENT, TODAY, _login


@pytest.fixture
def app(demo: Database, sqlite_url: str) -> FastAPI:
    """The app on the demo clinic (the ``demo`` fixture seeds on this module's TODAY)."""
    built = create_app(Settings(database_url=sqlite_url), demo)
    built.state.clock = lambda: TODAY
    return built


def _shortcut(app: FastAPI) -> ReadPageShortcut:
    layer = app.middleware_stack or app.build_middleware_stack()
    app.middleware_stack = layer
    while not isinstance(layer, ReadPageShortcut):
        layer = layer.app
    return layer


def _seen(response: Response) -> tuple[int, str, dict[str, str]]:
    return response.status_code, response.text, dict(response.headers)


REQUESTS = [
    (PATIENT, "GET", "/me", {}),
    (PATIENT, "HEAD", "/me", {}),
    (PATIENT, "GET", "/me", {"saved": "pain"}),
    (PATIENT, "GET", "/clinic/patients", {}),  # 403 error page
    (DOC, "GET", "/clinic/patients", {"q": "sam"}),
    (DOC, "GET", "/clinic/patients", {"page": "0"}),  # 422 error page
    (DOC, "GET", "/me", {}),  # a clinician has no patient record: error page
    (DOC, "POST", "/me", {}),  # not a read: the router answers 405
    (None, "GET", "/me", {}),  # no session: redirect to the login page
]


@pytest.mark.parametrize(("login", "method", "path", "params"), REQUESTS)
def test_the_shortcut_answers_as_the_router_does(
    app: FastAPI, login: tuple[str, str] | None, method: str, path: str, params: dict[str, str]
) -> None:
    client = _login(app, *login) if login else TestClient(app, follow_redirects=False)
    shortcut = _shortcut(app)
    direct = client.request(method, path, params=params)
    routes, shortcut.routes = shortcut.routes, {}
    try:
        routed = client.request(method, path, params=params)
    finally:
        shortcut.routes = routes
    assert _seen(direct) == _seen(routed)
    assert direct.status_code in {200, 303, 403, 404, 405, 422}
    assert direct.headers["x-frame-options"] == "DENY"


def test_the_hot_pages_are_in_the_shortcut(app: FastAPI) -> None:
    assert set(_shortcut(app).routes) == {"/me", "/clinic/patients"}


class _Handled(Exception):
    pass


class _Subclass(_Handled):
    pass


async def _handled(request: Request, error: Exception) -> Response:
    del request
    return PlainTextResponse(f"handled {type(error).__name__}", status_code=418)


def _tiny(raised: type[Exception]) -> Starlette:
    async def page(request: Request) -> Response:
        del request
        raise raised("boom")

    async def other(request: Request) -> Response:
        del request
        return PlainTextResponse("routed")

    route = Route("/page", page)
    return Starlette(
        routes=[route, Route("/other", other)],
        middleware=[Middleware(ReadPageShortcut, routes=[route])],
        exception_handlers={_Handled: _handled},
    )


def test_an_error_gets_the_handler_of_its_nearest_class() -> None:
    response = TestClient(_tiny(_Subclass)).get("/page")
    assert (response.status_code, response.text) == (418, "handled _Subclass")


def test_an_error_without_a_handler_reaches_the_server_error_middleware() -> None:
    with pytest.raises(KeyError):
        TestClient(_tiny(KeyError)).get("/page")
    response = TestClient(_tiny(KeyError), raise_server_exceptions=False).get("/page")
    assert response.status_code == 500


def test_other_paths_go_on_to_the_router() -> None:
    client = TestClient(_tiny(KeyError))
    assert client.get("/other").text == "routed"
    assert client.get("/missing").status_code == 404
