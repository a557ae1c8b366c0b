"""Small helpers shared by the page and API routers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from fastapi import Request

from runnersknee.clinical.case import Case
from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.instruments import Instrument
from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.login import LoginGuard
from runnersknee.services.platform.database import Database
from runnersknee.web.local_time import today_for
from runnersknee.web.presenters.dcform import FormField, form_fields

__all__ = [
    "case_fields",
    "client_address",
    "content",
    "database",
    "error_map",
    "instrument_form",
    "login_guard",
    "parse_answers",
    "query_number",
    "query_text",
    "settings",
    "today",
]


def database(request: Request) -> Database:
    """The app's database."""
    found: Database = request.app.state.database
    return found


def settings(request: Request) -> Settings:
    """The app's settings."""
    found: Settings = request.app.state.settings
    return found


def content(request: Request) -> ClinicalContent:
    """The app's clinical content (built once by ``bootstrap``, overrides applied)."""
    found: ClinicalContent = request.app.state.content
    return found


def login_guard(request: Request) -> LoginGuard:
    """The app's login rate limits."""
    found: LoginGuard = request.app.state.login_guard
    return found


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: uvicorn --proxy-headers)."""
    return request.client.host if request.client else "unknown"


def today(request: Request) -> date:
    """Today's date in the clinic's time zone of the request's actor (web/local_time.py;
    tests may replace ``app.state.clock``)."""
    return today_for(request)


def query_text(request: Request, name: str, max_length: int) -> str:
    """A query-string value (``""`` when absent); too long a value is refused."""
    value = request.query_params.get(name, "")
    if len(value) > max_length:
        msg = f"{name}: at most {max_length} characters"
        raise InvalidInput(msg, field=name, got=len(value))
    return value


def query_number(request: Request, name: str, default: int, low: int, high: int) -> int:
    """A whole number from the query string, within ``low..high`` (refused otherwise)."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not text.lstrip("-").isdigit() or not low <= int(text) <= high:
        msg = f"{name}: enter a whole number from {low} to {high}"
        raise InvalidInput(msg, field=name, got=raw[:20])
    return int(text)


@cache
def case_fields(*, patient: bool = False) -> tuple[FormField, ...]:
    """The intake form, generated from the Case model (without exam findings for patients)."""
    return form_fields(Case, patient=patient)


def error_map(error: InvalidInput) -> dict[str, str]:
    """Field name → message for a validation error (the summary gets the whole message)."""
    field = error.field or "_form"
    return {field: error.message, "_form": error.message}


def instrument_form(request: Request, instrument_id: str) -> Instrument | None:
    """The instrument (items and options) to render, or ``None`` when unknown."""
    return content(request).instruments.get(instrument_id)


def parse_answers(instrument: Instrument, form: Mapping[str, Any]) -> dict[str, int | str]:
    """Answers keyed by item id from a posted questionnaire form (unanswered items left out)."""
    answers: dict[str, int | str] = {}
    for item in instrument.items:
        raw = form.get(f"item.{item.id}")
        if not isinstance(raw, str) or not raw.strip():
            continue
        text = raw.strip()
        if item.kind == "scale":
            if not text.lstrip("-").isdigit():
                raise InvalidInput(
                    f"{item.text}: choose a number",
                    field=f"item.{item.id}",
                    allowed=f"{item.minimum}..{item.maximum}",
                    got=text,
                )
            answers[item.id] = int(text)
        else:
            answers[item.id] = text
    return answers
