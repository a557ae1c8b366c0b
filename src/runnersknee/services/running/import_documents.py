"""The typed parameters and result of a run-import job (``job.params``, ``job.result``).

Both keep the stored JSON key for key and in key order (:class:`JobDocument`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from runnersknee.services.jobs.documents import JobDocument, json_list, json_text
from runnersknee.store.mapping import JSONObject, JSONValue

__all__ = ["RunImportParams", "RunImportResult"]


def _count(value: JSONValue | None) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


class RunImportParams(JobDocument):
    """What a run-import job was queued with: the stored upload, its files, the files refused
    on arrival and the clinic's day of the upload."""

    __slots__ = ()

    @classmethod
    def new(
        cls, upload: str | None, files: Sequence[str], skipped: list[JSONObject], today: date
    ) -> RunImportParams:
        """The parameters of a new job (keys in the order they have always been stored)."""
        return cls.from_json(
            {"upload": upload, "files": list(files), "skipped": list(skipped),
             "today": today.isoformat()}
        )  # fmt: skip

    @property
    def upload(self) -> str:
        """The stored upload's key under the data folder."""
        return str(self.fields.get("upload"))

    @property
    def files(self) -> tuple[str, ...]:
        """The stored files' names in the upload folder."""
        found = self.fields.get("files")
        return tuple(str(name) for name in found) if isinstance(found, list) else ()

    @property
    def skipped(self) -> list[JSONObject]:
        """Files refused on arrival (``source``, ``reason``, ``code``)."""
        return json_list(self.fields.get("skipped"))

    @property
    def today(self) -> date:
        """The upload's day in the clinic."""
        return date.fromisoformat(str(self.fields.get("today")))


class RunImportResult(JobDocument):
    """What an import recorded: ``outcome`` ``imported`` (with the runs, skipped files and
    duplicates) or ``nothing_imported`` (with the plain ``message``)."""

    __slots__ = ()

    @property
    def outcome(self) -> str | None:
        """``imported``, ``nothing_imported``, or None when nothing was recorded yet."""
        return json_text(self.fields.get("outcome"))

    @property
    def message(self) -> str:
        """Why nothing was imported, in plain words."""
        return str(self.fields.get("message"))

    @property
    def imported(self) -> list[JSONObject]:
        """The imported runs as the API shows them."""
        return json_list(self.fields.get("imported"))

    @property
    def skipped(self) -> JSONValue | None:
        """The files not imported (``source``, ``reason``, ``code``), as stored."""
        return self.fields.get("skipped")

    @property
    def duplicates(self) -> list[JSONObject]:
        """Runs already stored (``source``, ``kept_source``, ``start``)."""
        return json_list(self.fields.get("duplicates"))

    @property
    def files_seen(self) -> int:
        """How many files were read."""
        return _count(self.fields.get("files_seen"))

    @property
    def alerts_raised(self) -> int:
        """How many clinician alerts the import raised."""
        return _count(self.fields.get("alerts_raised"))

    @property
    def error(self) -> JSONObject:
        """A failed job's error (``RunnersKneeError.to_dict()``; empty when none)."""
        found = self.fields.get("error")
        return found if isinstance(found, dict) else {}
