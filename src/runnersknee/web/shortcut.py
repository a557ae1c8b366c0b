"""GET and HEAD of the hottest read pages straight to their endpoint, before the router.

FastAPI's router path (exception middleware, exit-stack middleware, route matching and the
route's own request wrapper) costs about as much per request as the bare endpoint the
benchmark compares with. The pages of :data:`runnersknee.web.auth.READ_PAGES` need none of
it: their paths are fixed, they take no body and no dependencies. :class:`ReadPageShortcut`
looks the request's path up in a table of them and calls the endpoint itself, with the
app's own exception handlers (the same lookup as Starlette's: the exception's classes in
MRO order), so the answer is the same as through the router; everything else, and every
other method on those paths, goes on to the router. The security-header middleware stays
outside this one, and FastAPI's server-error middleware outside both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["ReadPageShortcut"]

Endpoint = Callable[[Request], Awaitable[Response]]
Handler = Callable[[Request, Exception], Awaitable[Response]]


class ReadPageShortcut:
    """Serves GET/HEAD of fixed-path routes directly; passes every other request on."""

    def __init__(self, app: Any, routes: list[Route]) -> None:
        self.app = app
        self.routes: Mapping[str, Route] = {route.path: route for route in routes}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        route = self.routes.get(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        scope["route"] = route
        scope["endpoint"] = route.endpoint
        scope["path_params"] = {}
        request = Request(scope, receive, send)
        endpoint: Endpoint = route.endpoint
        try:
            response = await endpoint(request)
        except Exception as error:
            handler = _handler_for(scope["app"].exception_handlers, error)
            if handler is None:
                raise
            response = await handler(request, error)
            error.__traceback__ = None
        await response(scope, receive, send)


def _handler_for(handlers: Mapping[Any, Handler], error: Exception) -> Handler | None:
    """The handler registered for the nearest class of ``error`` (as Starlette looks it up)."""
    for kind in type(error).__mro__:
        handler = handlers.get(kind)
        if handler is not None:
            return handler
    return None
