"""Load the video-analysis content: metric definitions, error bands, confidence thresholds.

File: ``data/gait/measurement_error.toml``. Every citation id is checked against the registry;
bands must have ``low <= high``; unverified values stay flagged so docs and outputs can say so.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from runnersknee.clinical.errors import ContentError, InvalidInput
from runnersknee.content._files import data_root, read_toml
from runnersknee.content.citations import load_citations

__all__ = [
    "BAND_KINDS",
    "ConfidenceThresholds",
    "ErrorBand",
    "FootStrikeThresholds",
    "GaitContent",
    "MetricSpec",
    "StepLimits",
    "load_filming_guide",
    "load_gait_content",
]

_FILE = "measurement_error.toml"
#: Kinds of measurement-error band: standard error of measurement, smallest detectable
#: difference, and method error against a reference system.
BAND_KINDS = ("sem", "sdd", "method_error")


@dataclass(frozen=True, slots=True)
class ErrorBand:
    """A published measurement-error range for a metric (in the metric's unit)."""

    kind: str
    low: float
    high: float
    citation_ids: tuple[str, ...]
    verified: bool
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "kind": self.kind,
            "low": self.low,
            "high": self.high,
            "citations": list(self.citation_ids),
            "verified": self.verified,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """What a metric is, how it is signed, its error bands and its minimum count."""

    name: str
    unit: str
    description: str
    convention: str
    views: tuple[str, ...]
    tasks: tuple[str, ...]
    citation_ids: tuple[str, ...]
    min_count: int
    min_count_citation_ids: tuple[str, ...]
    min_count_verified: bool
    bands: tuple[ErrorBand, ...] = ()
    reference: str = ""
    plausible: tuple[float, float] = (-math.inf, math.inf)  #: per-step values outside: rejected
    spread_tolerance: float = math.inf  #: robust spread at which confidence halves


@dataclass(frozen=True, slots=True)
class ConfidenceThresholds:
    """When metrics are withheld (configurable defaults; see ``verified``)."""

    min_visibility: float
    min_steps: int
    max_width_ratio_sagittal: float
    min_width_ratio_frontal: float
    citation_ids: tuple[str, ...]
    verified: bool


@dataclass(frozen=True, slots=True)
class StepLimits:
    """Step plausibility limits and confidence scaling (configurable defaults)."""

    step_s: Mapping[str, tuple[float, float]]  #: task → (min, max) time between contacts
    stance_s: Mapping[str, tuple[float, float]]  #: task → (min, max) contact to toe-off
    edge_margin: float  #: fraction of the image size that counts as "at the edge"
    outlier_z: float  #: modified z-score above which a per-step value is an outlier
    target_factor: float  #: confidence is full from target_factor × min_count steps
    min_person_height: float  #: person height / image height below which confidence falls
    min_confidence: float  #: below this confidence score a metric is withheld
    citation_ids: tuple[str, ...]
    verified: bool


@dataclass(frozen=True, slots=True)
class FootStrikeThresholds:
    """Foot angle at initial contact → rearfoot / midfoot / forefoot."""

    rearfoot_above_deg: float
    forefoot_below_deg: float
    citation_ids: tuple[str, ...]
    verified: bool

    def classify(self, foot_angle_deg: float) -> str:
        """The strike pattern of one foot angle (positive = toes up)."""
        if foot_angle_deg > self.rearfoot_above_deg:
            return "rearfoot"
        if foot_angle_deg < self.forefoot_below_deg:
            return "forefoot"
        return "midfoot"


@dataclass(frozen=True, slots=True)
class GaitContent:
    """Everything the gait pipeline reads from content."""

    version: str
    metrics: Mapping[str, MetricSpec]
    confidence: ConfidenceThresholds
    foot_strike: FootStrikeThresholds
    steps: StepLimits

    def metric(self, name: str) -> MetricSpec:
        """The spec of one metric; InvalidInput for an unknown name."""
        try:
            return self.metrics[name]
        except KeyError:
            raise InvalidInput(
                f"unknown gait metric {name!r}", field="metric", allowed=sorted(self.metrics)
            ) from None

    def with_confidence(self, **changes: Any) -> GaitContent:
        """A copy with some confidence thresholds replaced (deployment overrides)."""
        allowed = [f.name for f in dataclasses.fields(ConfidenceThresholds)]
        unknown = sorted(set(changes) - set(allowed))
        if unknown:
            raise InvalidInput(
                f"unknown confidence setting(s): {', '.join(unknown)}",
                field="confidence",
                allowed=allowed,
                got=unknown,
            )
        return dataclasses.replace(self, confidence=dataclasses.replace(self.confidence, **changes))


def _ids(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ContentError(f"{where}: citation ids must be a list", where=where)
    return load_citations().require((str(i) for i in raw), where=where)


def _band(raw: Mapping[str, Any], where: str) -> ErrorBand:
    try:
        band = ErrorBand(
            kind=str(raw["kind"]),
            low=float(raw["low"]),
            high=float(raw["high"]),
            citation_ids=_ids(raw["citation_ids"], where),
            verified=bool(raw["verified"]),
            note=str(raw.get("note", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ContentError(f"{where}: bad band ({exc})", where=where) from exc
    if band.kind not in BAND_KINDS or band.low > band.high:
        raise ContentError(f"{where}: band kind must be one of {BAND_KINDS} and low <= high")
    return band


def _metric(raw: Mapping[str, Any]) -> MetricSpec:
    where = f"{_FILE} metric {raw.get('name')}"
    try:
        return MetricSpec(
            name=str(raw["name"]),
            unit=str(raw["unit"]),
            description=str(raw["description"]),
            convention=str(raw["convention"]),
            views=tuple(str(v) for v in raw["views"]),
            tasks=tuple(str(t) for t in raw["tasks"]),
            citation_ids=_ids(raw["citation_ids"], where),
            min_count=int(raw["min_count"]),
            min_count_citation_ids=_ids(raw["min_count_citation_ids"], where + " min_count"),
            min_count_verified=bool(raw["min_count_verified"]),
            bands=tuple(_band(b, f"{where} band") for b in raw.get("band", [])),
            reference=str(raw.get("reference", "")),
            plausible=_pair(raw.get("plausible", [-math.inf, math.inf])),
            spread_tolerance=float(raw.get("spread_tolerance", math.inf)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ContentError(f"{where}: missing or bad field ({exc})", where=where) from exc


def _pair(raw: Any) -> tuple[float, float]:
    low, high = (float(v) for v in raw)
    if low > high:
        raise ValueError(f"range {low}..{high} has low > high")
    return low, high


def _steps(raw: Mapping[str, Any]) -> StepLimits:
    tasks = ("walk", "run")
    return StepLimits(
        step_s={t: _pair(raw[f"{t}_step_s"]) for t in tasks},
        stance_s={t: _pair(raw[f"{t}_stance_s"]) for t in tasks},
        edge_margin=float(raw["edge_margin"]),
        outlier_z=float(raw["outlier_z"]),
        target_factor=float(raw["target_factor"]),
        min_person_height=float(raw["min_person_height"]),
        min_confidence=float(raw["min_confidence"]),
        citation_ids=_ids(raw["citation_ids"], f"{_FILE} [steps]"),
        verified=bool(raw["verified"]),
    )


@cache
def load_gait_content() -> GaitContent:
    """Parse and validate ``measurement_error.toml`` (cached; the file is immutable)."""
    raw = read_toml(data_root() / "gait" / _FILE)
    try:
        conf, strike = raw["confidence"], raw["foot_strike"]
        confidence = ConfidenceThresholds(
            min_visibility=float(conf["min_visibility"]),
            min_steps=int(conf["min_steps"]),
            max_width_ratio_sagittal=float(conf["max_width_ratio_sagittal"]),
            min_width_ratio_frontal=float(conf["min_width_ratio_frontal"]),
            citation_ids=_ids(conf["citation_ids"], f"{_FILE} [confidence]"),
            verified=bool(conf["verified"]),
        )
        foot_strike = FootStrikeThresholds(
            rearfoot_above_deg=float(strike["rearfoot_above_deg"]),
            forefoot_below_deg=float(strike["forefoot_below_deg"]),
            citation_ids=_ids(strike["citation_ids"], f"{_FILE} [foot_strike]"),
            verified=bool(strike["verified"]),
        )
        metrics = [_metric(m) for m in raw["metric"]]
        steps = _steps(raw["steps"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ContentError(f"{_FILE}: missing or bad field ({exc})") from exc
    names = [m.name for m in metrics]
    if len(names) != len(set(names)):
        raise ContentError(f"{_FILE}: a metric name appears twice")
    if foot_strike.forefoot_below_deg > foot_strike.rearfoot_above_deg:
        raise ContentError(f"{_FILE}: forefoot threshold above rearfoot threshold")
    return GaitContent(
        version=str(raw.get("version", "")),
        metrics={m.name: m for m in metrics},
        confidence=confidence,
        foot_strike=foot_strike,
        steps=steps,
    )


def load_filming_guide() -> str:
    """The patient-facing filming guide (Markdown) shipped in ``data/gait/filming_guide.md``."""
    return (data_root() / "gait" / "filming_guide.md").read_text(encoding="utf-8")
