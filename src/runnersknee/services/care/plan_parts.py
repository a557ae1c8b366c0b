"""The parsed parts of a signed plan version the today page shows, kept per version.

Plan versions are never changed (an edit or sign-off is a new row), so a version's items
with the library's details of each exercise, its advice, phase, pain limit and running hold
are parsed once per process and shared between requests (services/care/today_view.py).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Engine, Executable, bindparam, select
from sqlalchemy.orm import Session

from runnersknee.clinical.exercises import Exercise
from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.services.care.plan_document import PlanDocument, PlanItemDoc
from runnersknee.store.tables import PlanVersionRow

__all__ = ["PlanParts", "database_key", "plan_parts"]


@dataclass(frozen=True, slots=True)
class PlanParts:
    """What a signed plan version gives the today page (read-only; shared between requests)."""

    #: Each exercise item with the library's exercise (None when the library lacks it).
    exercises: tuple[tuple[PlanItemDoc, Exercise | None], ...]
    advice: tuple[PlanItemDoc, ...]
    phase: Any
    pain_limit_nprs: float | None
    running_held: bool = False


#: Plan versions whose parsed parts are kept (plan versions are never changed).
_PLANS_KEPT = 512
_PLAN_PARTS: dict[tuple[str, int, str], tuple[ExerciseLibrary, PlanParts]] = {}


def plan_parts(tx: Session, key: tuple[str, int, str], library: ExerciseLibrary) -> PlanParts:
    """The parsed items of the plan version ``key`` names, with ``library``'s details of
    each exercise (its JSON is read once).

    The key holds the database and the sign-off time besides the row id, so another
    database in the same process (or a re-created one reusing ids) never shares an entry;
    an entry built with another content bundle's library is built again.
    """
    found = _PLAN_PARTS.get(key)
    if found is not None and found[0] is library:
        return found[1]
    found_data = tx.connection().execute(_plan_data(), {"plan_id": key[1]}).scalar()
    document = PlanDocument.from_json(found_data or {})
    exercises: list[tuple[PlanItemDoc, Exercise | None]] = []
    advice: list[PlanItemDoc] = []
    for item in document.items():
        if item.exercise_id:
            exercises.append((item, library.get(item.exercise_id)))
        else:
            advice.append(item)
    parts = PlanParts(
        tuple(exercises),
        tuple(advice),
        document.get("phase"),
        document.pain_threshold_nprs,
        document.running_held,
    )
    while len(_PLAN_PARTS) >= _PLANS_KEPT:
        _PLAN_PARTS.pop(next(iter(_PLAN_PARTS)), None)
    _PLAN_PARTS[key] = (library, parts)
    return parts


_DATABASE_KEYS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def database_key(engine: Engine) -> str:
    """The engine's URL as text (part of cache keys), rendered once per engine."""
    key = _DATABASE_KEYS.get(engine)
    if key is None:
        key = _DATABASE_KEYS[engine] = engine.url.render_as_string()
    return key


@cache
def _plan_data() -> Executable:
    """A plan version's JSON document by row id (built once)."""
    return select(PlanVersionRow.data).where(PlanVersionRow.id == bindparam("plan_id"))
