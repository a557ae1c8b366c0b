"""Exercise library types: what an exercise is, its phase, component and default dose.

The library itself is data (``content/data/exercises/*.toml``); these types are what the
loader validates it into and what the plan generator consumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from runnersknee.clinical._fields import bounded, check_bounds

__all__ = ["Component", "Dose", "Exercise", "Phase"]


class Phase(IntEnum):
    """Rehabilitation phases, isometric → isotonic → functional → plyometric/running (KB 5.4)."""

    ISOMETRIC = 1
    ISOTONIC = 2
    FUNCTIONAL = 3
    PLYOMETRIC_RUNNING = 4


class Component(StrEnum):
    """The five treatment components named in the seed article."""

    PAIN_MANAGEMENT = "pain_management"
    STRETCHING = "stretching"
    STRENGTHENING = "strengthening"
    GAIT_RETRAINING = "gait_retraining"
    FOOTWEAR_ORTHOSES = "footwear_orthoses"


@dataclass(frozen=True, slots=True)
class Dose:
    """A prescription: sets × reps (or holds), rest, sessions per week, intensity, guidance.

    ``verified`` is False when the knowledge base marks the default "(unverified)".
    """

    sets: int | None = bounded(1, 30, "sets")
    reps: int | None = bounded(1, 500, "reps")
    hold_s: float | None = bounded(1, 600, "s")
    rest_s: float | None = bounded(0, 600, "s")
    per_week: int | None = bounded(1, 14, "sessions/week")
    duration_min: float | None = bounded(1, 120, "min")
    load_guidance: str = ""
    citation_ids: tuple[str, ...] = ()
    verified: bool = True
    #: How hard: RPE, %RM or "load so the last 2 reps are hard" (every strength exercise).
    intensity: str = ""

    def __post_init__(self) -> None:
        check_bounds(self)

    def describe(self) -> str:
        """Short human text, e.g. ``3 × 10, rest 60 s, 3×/week``."""
        parts: list[str] = []
        if self.sets and self.reps and self.hold_s:
            parts.append(f"{self.sets} × {self.reps} × {self.hold_s:g} s hold")
        elif self.sets and self.reps:
            parts.append(f"{self.sets} × {self.reps}")
        elif self.sets and self.hold_s:
            parts.append(f"{self.sets} × {self.hold_s:g} s hold")
        if self.duration_min:
            parts.append(f"{self.duration_min:g} min")
        if self.rest_s:
            parts.append(f"rest {self.rest_s:g} s")
        if self.per_week:
            parts.append(f"{self.per_week}×/week")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Exercise:
    """One library exercise with a stable id and everything a patient needs to do it."""

    id: str
    name: str
    component: Component
    phases: tuple[Phase, ...]
    targets: tuple[str, ...]
    equipment: tuple[str, ...]
    setup: str
    steps: tuple[str, ...]
    cues: tuple[str, ...]
    common_errors: tuple[str, ...]
    dose: Dose
    citation_ids: tuple[str, ...]
    pfj_range: str | None = None
    regression_id: str | None = None
    progression_id: str | None = None
    contraindications: tuple[str, ...] = ()
    illustration: str | None = None
    illustration_licence: str | None = None
    version: int = 1
