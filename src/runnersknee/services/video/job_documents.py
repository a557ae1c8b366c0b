"""The typed parameters and result of a video analysis job (``job.params``, ``job.result``).

Both keep the stored JSON key for key and in key order (:class:`JobDocument`); the gait
document inside the result stays the analysis's own JSON (schema
``runnersknee.gait.result/2``, written by ``gait/result.py``).
"""

from __future__ import annotations

from runnersknee.services.jobs.documents import JobDocument, json_list, json_object, json_text
from runnersknee.store.mapping import JSONObject

__all__ = ["VideoJobParams", "VideoJobResult"]


class VideoJobParams(JobDocument):
    """What a video analysis job was queued with."""

    __slots__ = ()

    @classmethod
    def new(  # noqa: PLR0917 - the stored keys, in their stored order
        cls,
        view: str,
        task: str,
        side: str | None,
        source: str,
        upload: str,
        original_name: str,
        origin: str,
    ) -> VideoJobParams:
        """The parameters of a new job (keys in the order they have always been stored)."""
        return cls.from_json(
            {"view": view, "task": task, "side": side, "source": source, "upload": upload,
             "original_name": original_name, "origin": origin}
        )  # fmt: skip

    @property
    def view(self) -> str | None:
        """The camera view (``sagittal``, ``frontal``)."""
        return json_text(self.fields.get("view"))

    @property
    def task(self) -> str | None:
        """The filmed task."""
        return json_text(self.fields.get("task"))

    @property
    def side(self) -> str | None:
        """The leg the task was filmed for (None: both or not sided)."""
        return json_text(self.fields.get("side"))

    @property
    def source(self) -> str | None:
        """``video`` or ``keypoints``."""
        return json_text(self.fields.get("source"))

    @property
    def upload(self) -> str | None:
        """The stored upload's key under the data folder."""
        return json_text(self.fields.get("upload"))

    @property
    def original_name(self) -> str | None:
        """The uploaded file's name as shown."""
        return json_text(self.fields.get("original_name"))

    @property
    def origin(self) -> str | None:
        """``clinic`` or ``patient`` (a patient's own upload)."""
        return json_text(self.fields.get("origin"))

    @property
    def raw_video_deleted(self) -> bool:
        """Whether the retention purge has deleted the uploaded video."""
        return bool(self.fields.get("raw_video_deleted"))


class VideoJobResult(JobDocument):
    """A finished analysis: the gait document, per-side assessment fields, output files,
    the metrics a clinician accepted and what was shared with the patient."""

    __slots__ = ()

    @classmethod
    def new(
        cls, document: JSONObject, side_fields: JSONObject, files: JSONObject
    ) -> VideoJobResult:
        """The handler's result (nothing accepted yet)."""
        return cls.from_json(
            {"document": document, "side_fields": side_fields, "files": files, "accepted": []}
        )

    @property
    def document(self) -> JSONObject:
        """The gait result document (empty when the job stored none)."""
        return json_object(self.fields.get("document"))

    @property
    def side_fields(self) -> JSONObject:
        """Side → assessment field → value."""
        return json_object(self.fields.get("side_fields"))

    @property
    def files(self) -> JSONObject:
        """Output kind → file name in the analysis folder."""
        return json_object(self.fields.get("files"))

    @property
    def accepted(self) -> list[JSONObject]:
        """Each acceptance (``at``, ``by``, ``fields``), oldest first."""
        return json_list(self.fields.get("accepted"))

    @property
    def shared(self) -> JSONObject | None:
        """What the clinician shared with the patient (``note``, ``at``, ``by``), or None."""
        found = self.fields.get("shared")
        return found if isinstance(found, dict) else None

    def with_accepted(self, entry: JSONObject) -> VideoJobResult:
        """This result with one more acceptance."""
        before = self.fields.get("accepted")
        return self.replaced(accepted=[*(before if isinstance(before, list) else []), entry])

    def with_shared(self, entry: JSONObject) -> VideoJobResult:
        """This result with ``entry`` shared (replacing what was shared before)."""
        return self.replaced(shared=entry)
