"""Jinja2 templates (autoescaped) and the one helper pages render with."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

__all__ = ["DASH", "environment", "render"]


#: The em dash shown for a missing value.
DASH = Markup("&mdash;")


def _fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return DASH
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _fmt_num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return DASH
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"


def _humanize(name: str) -> str:
    text = name.replace("_", " ").strip()
    for unit, pretty in ((" deg", " (°)"), (" nprs", " (0–10)"), (" spm", " (steps/min)")):
        if text.endswith(unit):
            text = text[: -len(unit)] + pretty
    return text[:1].upper() + text[1:]


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(Environment):
    """Jinja's environment with a faster ``a.b`` on plain dicts (same result).

    Jinja looks ``b`` up as an attribute first and, when that raises, as a key. For a plain
    dict whose attribute names are known, a name that is not one of them can only be a key,
    so the key is read directly instead of after a caught AttributeError.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute`` in a template."""
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


@cache
def environment() -> Environment:
    """The template environment, built once per process; each template compiles once.

    ``auto_reload`` is off: the templates are package data that change only with a new
    install (and restart), so the loader does not stat the file on every render.
    """
    folder = resources.files("runnersknee.web") / "templates"
    env = _Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["day"] = _fmt_date
    env.filters["num"] = _fmt_num
    env.filters["human"] = _humanize
    env.globals["Markup"] = Markup
    env.globals["DASH"] = DASH
    # The macros as a module global: hot templates call ``macros.x`` instead of importing
    # them on every render (an import looks the module up per render).
    env.globals["macros"] = env.get_template("macros.html").module
    return env


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the request's actor and CSRF token in the context."""
    session = getattr(request.state, "session", None)
    base: dict[str, Any] = {
        "request": request,
        "actor": getattr(request.state, "actor", None),
        "csrf_token": session.csrf_token if session else "",
        "path": request.scope["path"],
        "errors": {},
        "values": {},
        "message": None,
    }
    base.update(context)
    html = environment().get_template(template).render(**base)
    return HTMLResponse(html, status_code=status_code)
