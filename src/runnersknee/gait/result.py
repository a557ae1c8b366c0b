"""Result types of a movement analysis and their stable JSON form (documented in docs/video.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from runnersknee.content.gait import ErrorBand

__all__ = ["Confidence", "GaitResult", "Metric", "MetricValue", "ViewCheck"]


def _num(x: float | None, digits: int = 3) -> float | None:
    """Round for JSON; nan/inf become None."""
    if x is None or not math.isfinite(x):
        return None
    return round(float(x), digits)


@dataclass(frozen=True, slots=True)
class Confidence:
    """Why a value can (or cannot) be trusted."""

    visibility: float  #: mean landmark visibility (0-1) on the frames used
    n: int  #: number of valid steps / repetitions
    min_n: int  #: how many are needed
    view_ok: bool  #: the camera-view check passed

    @property
    def score(self) -> float:
        """0-1: visibility × count sufficiency × view check."""
        if not self.view_ok or self.min_n <= 0:
            return 0.0
        vis = self.visibility if math.isfinite(self.visibility) else 0.0
        return max(0.0, min(1.0, vis * min(1.0, self.n / self.min_n)))

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "score": _num(self.score),
            "visibility": _num(self.visibility),
            "n": self.n,
            "min_n": self.min_n,
            "view_ok": self.view_ok,
        }


@dataclass(frozen=True, slots=True)
class MetricValue:
    """A metric on one side (or both sides pooled): mean, SD, count and per-step values."""

    value: float | None
    sd: float | None
    n: int
    per_step: tuple[float, ...]
    confidence: Confidence
    withheld_reason: str | None = None
    label: str | None = None  #: a category derived from the value (foot-strike pattern)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (value is null when withheld)."""
        withheld = self.withheld_reason is not None
        return {
            "value": None if withheld else _num(self.value),
            "sd": None if withheld else _num(self.sd),
            "n": self.n,
            "per_step": [_num(v) for v in self.per_step],
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
            "schema": "runnersknee.gait.result/1",
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
            "events": self.events,
            "provenance": self.provenance,
        }
