"""The typed form of a job's stored JSON (the ``job.params`` and ``job.result`` columns).

Each job kind reads and writes its parameters and result through a subclass of
:class:`JobDocument` with typed properties (``services/video/job_documents.py``,
``services/running/import_documents.py``). Like the plan document
(``services/care/plan_document.py``), a document keeps the stored JSON key for key and in key
order: :meth:`JobDocument.from_json` then :meth:`JobDocument.to_json` gives the same bytes, and
:meth:`JobDocument.replaced` changes only the keys it names (a new key goes last).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Self

from runnersknee.store.mapping import JSONObject, JSONValue

__all__ = ["JobDocument", "json_list", "json_object", "json_text"]


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
class JobDocument:
    """A job's parameters or result: the stored JSON object, read through typed properties."""

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
