"""The one error tree of runnersknee.

::

    RunnersKneeError            base; carries a machine-readable ``code``
    ├── InvalidInput            bad data from a person or a file (field, allowed, got)
    ├── ContentError            a clinical content file is inconsistent (dangling citation, ...)
    ├── NotFound                a record or resource does not exist
    ├── Forbidden               the caller may not see or change the record
    ├── Conflict                the change clashes with the current state
    └── Refused                 a clinical safeguard refuses the request (e.g. no plan on red flags)

The edges (CLI, web) translate these into exit codes and HTTP statuses; nothing below
them knows about either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "Conflict",
    "ContentError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "Refused",
    "RunnersKneeError",
]


class RunnersKneeError(Exception):
    """Base of every error runnersknee raises on purpose."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The structured form used by the API and the CLI's JSON output."""
        return {"code": self.code, "message": self.message, **self.details}


class InvalidInput(RunnersKneeError, ValueError):
    """Input that does not meet its schema: names the field and the allowed values."""

    code = "invalid_input"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        allowed: str | Sequence[str] | None = None,
        got: Any = None,
    ) -> None:
        allowed_list = [allowed] if isinstance(allowed, str) else list(allowed or [])
        super().__init__(message, field=field, allowed=allowed_list, got=got)
        self.field = field
        self.allowed = allowed_list
        self.got = got


class ContentError(RunnersKneeError):
    """Clinical content (rules, instruments, exercises, citations) is inconsistent."""

    code = "content_error"


class NotFound(RunnersKneeError):
    """The requested record does not exist (or is not visible to the caller)."""

    code = "not_found"


class Forbidden(RunnersKneeError):
    """The caller is not allowed to read or change this record."""

    code = "forbidden"


class Conflict(RunnersKneeError):
    """The request conflicts with the current state (duplicate, stale version)."""

    code = "conflict"


class Refused(RunnersKneeError):
    """A clinical safeguard refuses the request; ``details`` say why."""

    code = "refused"
