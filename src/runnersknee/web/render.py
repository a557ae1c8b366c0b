"""Jinja2 templates (autoescaped) and the one helper pages render with."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from functools import cache, partial
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup, escape

from runnersknee.content.sources import plain_references, plain_sources
from runnersknee.services.care.clinic_time import local_text
from runnersknee.web.local_time import zone_of

__all__ = ["DASH", "ascii_html", "environment", "render"]


#: The em dash shown for a missing value, as a character reference (see :func:`ascii_html`).
DASH = Markup("&mdash;")


def ascii_html(html: str) -> Markup:
    """``html`` with every non-ASCII character written as a character reference.

    The browser shows the same text. A page whose parts are all ASCII is an ASCII string in
    Python, which encodes to UTF-8 as a plain copy; one character beyond Latin-1 (``→``,
    ``—``) makes the whole page a 2-byte string that is encoded character by character
    (about 10% of the start page's instructions). Cached fragments and the templates of the
    hottest pages are therefore kept ASCII.
    """
    if html.isascii():  # the usual case: nothing to replace
        return Markup(html)
    return Markup(html.encode("ascii", "xmlcharrefreplace").decode("ascii"))


@pass_context
def _fmt_date(context: Context, value: date | datetime | None) -> str:
    """A date as ``YYYY-MM-DD``; a datetime in the clinic's zone (``zone``: the page's lookup,
    web/local_time.py) with the zone's abbreviation, e.g. ``2026-12-07 09:30 GMT``."""
    if value is None:
        return DASH
    if isinstance(value, datetime):
        lookup = context.get("zone")
        zone: tzinfo = lookup() if callable(lookup) else UTC
        return local_text(value, zone, with_zone=True)
    return value.isoformat()


def _fmt_num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return DASH
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"


#: Metres in an international mile (the unit of the return-to-running stage table).
_MILE_M = 1609.344
_KM_IN_TEXT = re.compile(r"\b(\d+(?:\.\d+)?) km\b")


def _fmt_km(metres: float | None) -> str:
    """A distance as patients read it: ``1609 m`` → ``1.6 km (1 mile)``."""
    if metres is None:
        return DASH
    miles = round(metres / _MILE_M, 1)
    unit = "mile" if miles == 1 else "miles"
    return f"{metres / 1000:.1f} km ({miles:g} {unit})"


def _plain_km(text: str) -> str:
    """``text`` with each ``3.22 km`` written as :func:`_fmt_km` does (``3.2 km (2 miles)``)."""
    return _KM_IN_TEXT.sub(lambda m: _fmt_km(float(m.group(1)) * 1000), text)


def _humanize(name: str) -> str:
    text = name.replace("_", " ").strip()
    for unit, pretty in ((" deg", " (°)"), (" nprs", " (0–10)"), (" spm", " (steps/min)")):
        if text.endswith(unit):
            text = text[: -len(unit)] + pretty
    return text[:1].upper() + text[1:]


def _ascii_filter(value: Any) -> Markup:
    """``value`` escaped and written as ASCII (the ``ascii`` filter)."""
    return ascii_html(escape(value))


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(Environment):
    """Jinja's environment with a faster ``a.b`` (same result).

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
        try:  # the usual case, without the call to Jinja's own method
            return getattr(obj, attribute)
        except AttributeError:
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
    env.filters["km"] = _fmt_km
    env.filters["plain_km"] = _plain_km
    env.filters["ascii"] = _ascii_filter
    env.filters["sources"] = plain_sources
    env.globals["Markup"] = Markup
    env.globals["source_refs"] = plain_references
    env.globals["DASH"] = DASH
    # The macros as a module global: hot templates call ``macros.x`` instead of importing
    # them on every render (an import looks the module up per render).
    env.globals["macros"] = env.get_template("macros.html").module
    env.globals["session_macros"] = env.get_template("portal/_session_macros.html").module
    return env


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the request's actor and CSRF token in the context."""
    session = getattr(request.state, "session", None)
    actor = getattr(request.state, "actor", None)
    base: dict[str, Any] = {
        "request": request,
        "actor": actor,
        # looked up only when a page shows a date-time (web/local_time.py keeps it 60 s)
        "zone": None if actor is None else partial(zone_of, request, actor),
        "csrf_token": session.csrf_token if session else "",
        "path": request.scope["path"],
        "errors": {},
        "values": {},
        "message": None,
    }
    base.update(context)
    html = environment().get_template(template).render(**base)
    return HTMLResponse(html, status_code=status_code)
