"""The clinic's own exercise pictures for pages (services/care/exercise_media.py), read once and
kept for :data:`KEPT_S` seconds per app (the today page asks on every request);
:func:`forget_media` drops what this app kept after a change (other processes see it within
:data:`KEPT_S` seconds).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from fastapi import Request
from sqlalchemy.orm import Session

from runnersknee.services.access.authz import Actor
from runnersknee.services.care import exercise_media
from runnersknee.services.care.exercise_media import MediaView

__all__ = ["KEPT_S", "forget_media", "media_key", "media_of"]

#: How long a clinic's pictures are kept before they are read again (seconds).
KEPT_S = 60.0

_Kept = dict[int, tuple[Mapping[str, MediaView], float]]


def _kept(request: Request) -> _Kept:
    state = request.app.state
    found: _Kept | None = getattr(state, "clinic_media", None)
    if found is None:
        found = state.clinic_media = {}
    return found


def media_of(request: Request, actor: Actor, tx: Session) -> Mapping[str, MediaView]:
    """Exercise id → the picture ``actor``'s clinic attached (read in ``tx`` when not kept)."""
    kept = _kept(request)
    now = time.monotonic()
    found = kept.get(actor.clinic_id)
    if found is not None and found[1] > now:
        return found[0]
    media = exercise_media.clinic_media(tx, actor.clinic_id)
    kept[actor.clinic_id] = (media, now + KEPT_S)
    return media


def forget_media(request: Request) -> None:
    """Drop the app's kept pictures (after a clinic attached or removed one)."""
    _kept(request).clear()


def media_key(media: Mapping[str, MediaView]) -> tuple[tuple[str, str], ...]:
    """What identifies a set of pictures (part of the today page's card cache key)."""
    return tuple(sorted((exercise_id, m.url) for exercise_id, m in media.items()))
