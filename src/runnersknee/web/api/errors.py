"""OpenAPI description of the one error shape, shared by the API routers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["ERROR_RESPONSES", "ErrorBody", "ErrorDetail"]


class ErrorDetail(BaseModel):
    """``code`` is stable (invalid_input, not_found, forbidden, conflict, refused,
    unauthenticated, ...); extra keys (field, allowed, got, ...) depend on the code."""

    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class ErrorBody(BaseModel):
    """Every API error: ``{"error": {...}}``."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "No live session"),
        (403, "Not allowed (role, record or CSRF)"),
        (404, "No such record"),
        (409, "Conflict or refused by a clinical safeguard"),
        (422, "Invalid input"),
    )
}
