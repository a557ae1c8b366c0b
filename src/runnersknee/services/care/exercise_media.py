"""A clinic's own photo or short video of an exercise, shown to its patients (exercise card,
session mode) instead of the library's drawing.

Clinicians and admins of the clinic attach one per exercise (``clinic.media``, audited). The
type is read from the file's content (JPEG, PNG or WebP photo, checked by Pillow; MP4 or WebM
video), with a size limit per kind and a required text alternative. The file is stored in the
private storage (``exercise-media/<clinic>/<random>/media``, owner-only 0600) and served only
to logged-in users of that clinic. A bad file is refused before anything changes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.config import Settings
from runnersknee.services.access.authz import Actor, authorize_clinic
from runnersknee.services.platform import media_types
from runnersknee.services.platform.storage import storage_for
from runnersknee.store.tables import ExerciseMediaRow

__all__ = [
    "ACCEPT",
    "ALT_MAX",
    "MAX_BYTES",
    "MediaView",
    "attach",
    "clinic_media",
    "delete_stored",
    "media_file",
    "remove",
]

#: Largest file per kind (bytes): a phone photo, a short clip (10-30 s).
MAX_BYTES = {"photo": 8 * 1024 * 1024, "video": 40 * 1024 * 1024}
#: Content types a clinic may attach (videos that every phone browser plays).
_ALLOWED = {
    "image/jpeg": "photo",
    "image/png": "photo",
    "image/webp": "photo",
    "video/mp4": "video",
    "video/webm": "video",
}
#: The file input's ``accept`` list.
ACCEPT = ",".join(_ALLOWED)
ALT_MAX = 300
#: Pillow's names of the photo formats above.
_PILLOW_FORMATS = {"JPEG", "PNG", "WEBP"}
#: Largest photo in pixels (a decompression bomb is refused).
_MAX_PIXELS = 40_000_000
_CHUNK = 1024 * 1024
_FOLDER = "exercise-media"


@dataclass(frozen=True, slots=True)
class MediaView:
    """One clinic's picture of one exercise."""

    id: int
    exercise_id: str
    kind: str
    content_type: str
    alt_text: str
    size_bytes: int
    created_at: datetime

    #: Changes with every upload (the stored file's random folder name).
    version: str

    @property
    def url(self) -> str:
        """Where the clinic's logged-in users fetch it (a new upload is a new URL)."""
        return f"/exercise-media/{self.id}?v={self.version}"


def _view(row: ExerciseMediaRow) -> MediaView:
    version = row.storage_key.rsplit("/", 2)[-2][:12]
    return MediaView(
        row.id, row.exercise_id, row.kind, row.content_type, row.alt_text, row.size_bytes,
        row.created_at, version,
    )  # fmt: skip


def clinic_media(tx: Session, clinic_id: int) -> dict[str, MediaView]:
    """Exercise id → the clinic's picture of it (read for the clinic's own pages)."""
    rows = tx.scalars(select(ExerciseMediaRow).where(ExerciseMediaRow.clinic_id == clinic_id))
    return {row.exercise_id: _view(row) for row in rows}


def _alt(text: str) -> str:
    alt = " ".join(text.split())
    if len(alt) < 3:
        raise InvalidInput(
            "describe what the photo or video shows, for people who cannot see it",
            field="alt_text",
        )
    if len(alt) > ALT_MAX:
        raise InvalidInput(
            f"the description is too long: at most {ALT_MAX} characters",
            field="alt_text",
            got=len(alt),
        )
    return alt


def _kind(head: bytes) -> tuple[str, str]:
    content_type = media_types.sniff(head)
    kind = _ALLOWED.get(content_type or "")
    if content_type is None or kind is None:
        raise InvalidInput(
            "this file is not a photo (JPEG, PNG or WebP) or a video (MP4 or WebM)",
            field="media",
            allowed=sorted(_ALLOWED),
        )
    return content_type, kind


def _copy(source: BinaryIO, target: Path, limit: int) -> int:
    """Copy at most ``limit`` bytes into a new owner-only file; the size (``limit + 1``:
    too large, the copy stopped)."""
    size = 0
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        while chunk := source.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                return limit + 1
            out.write(chunk)
    return size


def _check_photo(path: Path) -> None:
    from PIL import Image

    try:
        with Image.open(path) as image:
            ok = image.format in _PILLOW_FORMATS
            pixels = image.width * image.height
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        ok, pixels = False, 0
    if not ok:
        raise InvalidInput("this photo cannot be read: it may be damaged", field="media")
    if pixels > _MAX_PIXELS:
        raise InvalidInput("this photo has too many pixels: make it smaller", field="media")


def _store(settings: Settings, clinic_id: int, source: BinaryIO) -> tuple[str, str, str, int]:
    """(key, content type, kind, size) of the checked, stored file; nothing stays on error."""
    content_type, kind = _kind(media_types.read_head(source))
    limit = MAX_BYTES[kind]
    key, folder = storage_for(settings).new_folder(_FOLDER, str(clinic_id))
    try:
        size = _copy(source, folder / "media", limit)
        if size > limit:
            raise InvalidInput(
                f"the file is too large: a {kind} may be at most {limit // (1024 * 1024)} MB",
                field="media",
                allowed=f"at most {limit} bytes",
            )
        if kind == "photo":
            _check_photo(folder / "media")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return f"{key}/media", content_type, kind, size


def attach(  # noqa: PLR0917 - use case: tx, actor, settings, library, fields
    tx: Session,
    actor: Actor,
    settings: Settings,
    library: ExerciseLibrary,
    exercise_id: str,
    source: BinaryIO,
    alt_text: str,
) -> tuple[MediaView, str | None]:
    """Store the clinic's picture of ``exercise_id`` (replacing one it had). Returns it and
    the storage key of the replaced file, to delete once the transaction has committed."""
    authorize_clinic(tx, actor, "clinic.media")
    if library.get(exercise_id) is None:
        raise NotFound("no such exercise in the library", exercise_id=exercise_id[:80])
    alt = _alt(alt_text)
    key, content_type, kind, size = _store(settings, actor.clinic_id, source)
    old = _row(tx, actor.clinic_id, exercise_id)
    replaced = None
    if old is not None:
        replaced = old.storage_key
        tx.delete(old)
        tx.flush()
    row = ExerciseMediaRow(
        clinic_id=actor.clinic_id, exercise_id=exercise_id, kind=kind, content_type=content_type,
        storage_key=key, alt_text=alt, size_bytes=size, created_by=actor.user_id,
    )  # fmt: skip
    tx.add(row)
    tx.flush()
    return _view(row), replaced


def _row(tx: Session, clinic_id: int, exercise_id: str) -> ExerciseMediaRow | None:
    return tx.scalar(
        select(ExerciseMediaRow).where(
            ExerciseMediaRow.clinic_id == clinic_id, ExerciseMediaRow.exercise_id == exercise_id
        )
    )


def remove(tx: Session, actor: Actor, exercise_id: str) -> str | None:
    """Remove the clinic's picture of ``exercise_id`` (the drawing is shown again); the
    storage key to delete after commit (None: there was none)."""
    authorize_clinic(tx, actor, "clinic.media")
    row = _row(tx, actor.clinic_id, exercise_id)
    if row is None:
        return None
    tx.delete(row)
    return row.storage_key


def media_file(tx: Session, actor: Actor, settings: Settings, media_id: int) -> tuple[Path, str]:
    """(path, content type) of a picture of the actor's own clinic; any other is NotFound."""
    row = tx.get(ExerciseMediaRow, media_id)
    if row is None or row.clinic_id != actor.clinic_id:
        raise NotFound("no such picture", media_id=media_id)
    path = storage_for(settings).local_path(row.storage_key)
    if not path.is_file():
        raise NotFound("the picture is no longer stored", media_id=media_id)
    return path, row.content_type


def delete_stored(settings: Settings, key: str | None) -> None:
    """Delete a stored picture (its folder) after its row is gone."""
    if key is None:
        return
    store = storage_for(settings)
    path = store.local_path(key)
    if path.parent.parent.parent == store.local_path(_FOLDER):
        shutil.rmtree(path.parent, ignore_errors=True)
