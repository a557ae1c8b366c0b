"""The typed form of a job's stored JSON (the ``job.params`` and ``job.result`` columns).

Each job kind reads and writes its parameters and result through a subclass of
:class:`JobDocument` with typed properties (``services/video/job_documents.py``,
``services/running/import_documents.py``); the runner stores ``to_json()``, key for key and in
key order (``store/json_document.py``).
"""

from __future__ import annotations

from runnersknee.store.json_document import JsonDocument, json_list, json_object, json_text

__all__ = ["JobDocument", "json_list", "json_object", "json_text"]


class JobDocument(JsonDocument):
    """A job's parameters or result (a kind without its own document uses this one)."""

    __slots__ = ()
