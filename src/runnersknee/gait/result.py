"""Result types of a movement analysis and their stable JSON form (documented in docs/video.md)."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from runnersknee.content.gait import ErrorBand
from runnersknee.gait.steps import StepValue, reason_counts

__all__ = ["Confidence", "GaitResult", "Metric", "MetricValue", "ViewCheck"]


def _num(x: float | None, digits: int = 3) -> float | None:
    """Round for JSON; nan/inf become None."""
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


@dataclass(frozen=True, slots=True)
class Confidence:
    """Why a value can (or cannot) be trusted; every factor is in [0, 1]."""

    visibility: float  #: mean landmark visibility (0-1) on the steps kept
    n: int  #: number of steps / repetitions kept
    min_n: int  #: how many are needed
    view_ok: bool  #: the camera-view check passed
    target_n: int = 0  #: from this many steps on, the count no longer lowers confidence
    agreement: float = 1.0  #: 1 / (1 + (robust spread / tolerance)^2): falls when steps disagree
    person_size: float = 1.0  #: min(1, person height / minimum height): falls when small

    @property
    def count_factor(self) -> float:
        """min(1, n / target_n): falls when few steps remain."""
        target = max(self.target_n, self.min_n)
        return 1.0 if target <= 0 else min(1.0, self.n / target)

    @property
    def score(self) -> float:
        """0-1: visibility × count × agreement × person size; 0 when the view check fails."""
        if not self.view_ok or self.min_n <= 0:
            return 0.0
        vis = self.visibility if math.isfinite(self.visibility) else 0.0
        factors = vis * self.count_factor * self.agreement * self.person_size
        return max(0.0, min(1.0, factors))

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "score": _num(self.score),
            "visibility": _num(self.visibility),
            "n": self.n,
            "min_n": self.min_n,
            "target_n": max(self.target_n, self.min_n),
            "count_factor": _num(self.count_factor),
            "agreement": _num(self.agreement),
            "person_size": _num(self.person_size),
            "view_ok": self.view_ok,
        }


@dataclass(frozen=True, slots=True)
class MetricValue:
    """A metric on one side (or both sides pooled): median, robust spread, the steps kept
    and rejected (with reasons)."""

    value: float | None  #: median of the kept per-step values
    spread: float | None  #: 1.4826 × MAD of the kept values (robust SD)
    steps: tuple[StepValue, ...]
    confidence: Confidence
    withheld_reason: str | None = None
    label: str | None = None  #: a category derived from the value (foot-strike pattern)

    @property
    def per_step(self) -> tuple[float, ...]:
        """The kept per-step values, in time order."""
        return tuple(s.value for s in self.steps if s.reason is None)

    @property
    def n(self) -> int:
        """Number of per-step values kept."""
        return len(self.per_step)

    @property
    def n_rejected(self) -> int:
        """Number of per-step values rejected."""
        return len(self.steps) - self.n

    @property
    def sd(self) -> float | None:
        """Classical SD of the kept values (None for fewer than 2)."""
        kept = self.per_step
        return statistics.stdev(kept) if len(kept) > 1 else None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (value is null when withheld)."""
        withheld = self.withheld_reason is not None
        return {
            "value": None if withheld else _num(self.value),
            "spread": None if withheld else _num(self.spread),
            "spread_kind": "1.4826 * median absolute deviation",
            "sd": None if withheld else _num(self.sd),
            "n": self.n,
            "n_rejected": self.n_rejected,
            "rejected": reason_counts(self.steps),
            "per_step": [_num(v) for v in self.per_step],
            "steps": [s.to_dict() for s in self.steps],
            "confidence": self.confidence.to_dict(),
            "withheld_reason": self.withheld_reason,
            "label": None if withheld else self.label,
        }


@dataclass(frozen=True, slots=True)
class Metric:
    """One named metric with its unit, convention, error bands and citations."""

    name: str
    unit: str
    description: str
    convention: str
    citation_ids: tuple[str, ...]
    bands: tuple[ErrorBand, ...]
    overall: MetricValue
    left: MetricValue | None = None
    right: MetricValue | None = None
    reference: str = ""

    @property
    def withheld(self) -> bool:
        """True when the pooled value is withheld."""
        return self.overall.withheld_reason is not None

    def side(self, side: str) -> MetricValue | None:
        """The value of one side (None for metrics without sides)."""
        return self.left if side == "left" else self.right if side == "right" else None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the pooled value at top level, ``left``/``right`` when sided."""
        out = self.overall.to_dict()
        out.update(
            {
                "unit": self.unit,
                "description": self.description,
                "convention": self.convention,
                "error": (
                    {"unit": self.unit, "bands": [b.to_dict() for b in self.bands]}
                    if self.bands
                    else None
                ),
                "citations": list(self.citation_ids),
                "reference": self.reference or None,
            }
        )
        if self.left is not None or self.right is not None:
            out["left"] = self.left.to_dict() if self.left else None
            out["right"] = self.right.to_dict() if self.right else None
        return out


@dataclass(frozen=True, slots=True)
class ViewCheck:
    """Does the footage look like the declared camera view?"""

    declared: str
    width_ratio: float  #: shoulder+hip width / torso length (small = side view)
    looks_like: str  #: "sagittal", "frontal", "oblique" or "unknown"
    ok: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "declared": self.declared,
            "width_ratio": _num(self.width_ratio),
            "looks_like": self.looks_like,
            "ok": self.ok,
        }


@dataclass(frozen=True, slots=True)
class GaitResult:
    """Everything one analysis produced (except the per-frame series, kept on the pipeline)."""

    view: str
    task: str
    fps: float
    n_frames: int
    frames_with_person: int
    metrics: dict[str, Metric]
    view_check: ViewCheck
    events: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    direction: dict[str, Any] = field(default_factory=dict)  #: TravelDirection.to_dict()
    steps: list[dict[str, Any]] = field(default_factory=list)  #: StepCheck.to_dict() per stance
    person_height: float | None = None  #: person height / image height (median)
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def reliable(self) -> bool:
        """At least one metric could be reported."""
        return any(not m.withheld for m in self.metrics.values())

    @property
    def status(self) -> str:
        """``ok`` or ``no_reliable_result``."""
        return "ok" if self.reliable else "no_reliable_result"

    def reasons(self) -> list[str]:
        """Why nothing (or something) was withheld: warnings plus distinct withheld reasons."""
        seen: list[str] = list(self.warnings)
        for metric in self.metrics.values():
            reason = metric.overall.withheld_reason
            if reason and reason not in seen:
                seen.append(reason)
        return seen

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON document (schema in docs/video.md)."""
        return {
            "schema": "runnersknee.gait.result/2",
            "status": self.status,
            "reasons": self.reasons() if not self.reliable else list(self.warnings),
            "view": self.view,
            "task": self.task,
            "fps": _num(self.fps),
            "n_frames": self.n_frames,
            "duration_s": _num(self.n_frames / self.fps if self.fps else 0.0),
            "frames_with_person": self.frames_with_person,
            "view_check": self.view_check.to_dict(),
            "metrics": {name: m.to_dict() for name, m in self.metrics.items()},
            "direction": self.direction,
            "person_height_fraction": _num(self.person_height),
            "steps": {
                "kept": sum(1 for s in self.steps if s["kept"]),
                "rejected": sum(1 for s in self.steps if not s["kept"]),
                "rejected_reasons": dict(
                    Counter(str(s["reason"]) for s in self.steps if not s["kept"])
                ),
                "detail": self.steps,
            },
            "events": self.events,
            "provenance": self.provenance,
        }
