"""A stored JSON object read through typed properties (a job's ``params`` and ``result``, an
episode's referral decision).

A subclass of :class:`JsonDocument` adds typed properties (``services/video/job_documents.py``,
``services/running/import_documents.py``, ``services/care/intake.Referral``). Like the plan
document (``services/care/plan_document.py``), a document keeps the stored JSON key for key
and in key order: :meth:`JsonDocument.from_json` then :meth:`JsonDocument.to_json` gives the
same bytes, and :meth:`JsonDocument.replaced` changes only the keys it names (a new key goes
last).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from runnersknee.store.mapping import JSONObject, JSONValue

__all__ = ["JsonDocument", "json_list", "json_object", "json_text"]


def json_text(value: JSONValue | None) -> str | None:
    """A JSON string (anything else: None)."""
    return value if isinstance(value, str) else None


def json_object(value: JSONValue | None) -> JSONObject:
    """A JSON object (anything else: an empty one)."""
    return value if isinstance(value, dict) else {}


def json_list(value: JSONValue | None) -> list[JSONObject]:
    """The objects of a JSON list (anything else: none)."""
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, dict)]


@dataclass(frozen=True, slots=True)
class JsonDocument:
    """A stored JSON object, read through the typed properties of a subclass."""

    fields: Mapping[str, JSONValue]

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue] | None) -> Self:
        """The document of a stored JSON object (copied: the document never shares it)."""
        return cls(MappingProxyType(copy.deepcopy(dict(data or {}))))

    def to_json(self) -> JSONObject:
        """The stored JSON form (a new dict each time)."""
        return copy.deepcopy(dict(self.fields))

    def replaced(self, **values: JSONValue) -> Self:
        """This document with ``values`` set (a key it lacks goes last)."""
        return type(self).from_json({**self.fields, **values})
