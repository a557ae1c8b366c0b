"""What the FHIR export maps: one patient's record as typed values (built by the services).

Every value keeps runnersknee's own ids (item ids, option ids, assessment field paths, plan
item ids) next to the FHIR codes, so the mapping can be reversed by an importer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from runnersknee.clinical.assessment import Assessment, HhdMeasurement

__all__ = [
    "Administration",
    "InstrumentForm",
    "Measure",
    "PatientRecord",
    "PlanActivity",
    "PlanSummary",
    "QuestionItem",
    "RunEntry",
    "measure_label",
    "measures_of",
]


@dataclass(frozen=True, slots=True)
class QuestionItem:
    """One questionnaire item: a choice (``options`` as (id, label)) or a number scale."""

    id: str
    text: str
    kind: str
    options: tuple[tuple[str, str], ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True, slots=True)
class InstrumentForm:
    """A questionnaire as administered (id, name, version and items)."""

    id: str
    name: str
    version: str
    items: tuple[QuestionItem, ...]


@dataclass(frozen=True, slots=True)
class Administration:
    """One completed questionnaire: the answers by item id, the total and its reading."""

    id: int
    instrument_id: str
    day: date
    answers: Mapping[str, int | str]
    total: float | None
    reading: str


@dataclass(frozen=True, slots=True)
class Measure:
    """One assessment number; ``field`` is its path (e.g. ``left.side_bridge_s``)."""

    field: str
    side: str | None
    value: float
    unit: str
    day: date


@dataclass(frozen=True, slots=True)
class RunEntry:
    """One stored run."""

    id: int
    day: date
    distance_m: float
    duration_s: float
    cadence_spm: float | None


@dataclass(frozen=True, slots=True)
class PlanActivity:
    """One plan item: id, component, title and the dose as written in the plan."""

    item_id: str
    component: str
    title: str
    dose: str
    reason: str


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """The current plan version; ``signed_by``/``signed_at`` are set for a signed version."""

    version: int
    status: str
    phase_name: str
    created_at: datetime
    activities: tuple[PlanActivity, ...]
    signed_by: str | None = None
    signed_at: datetime | None = None
    sign_note: str = ""


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """Everything the bundle holds for one patient."""

    patient_id: int
    display_name: str
    birth_year: int | None
    sex: str | None = None
    knee_side: str | None = None
    intake_on: date | None = None
    triage_level: str | None = None
    pfp_probable: bool = False
    triage_reasons: tuple[str, ...] = ()
    instruments: Mapping[str, InstrumentForm] = dataclasses.field(default_factory=dict)
    administrations: tuple[Administration, ...] = ()
    measures: tuple[Measure, ...] = ()
    runs: tuple[RunEntry, ...] = ()
    plan: PlanSummary | None = None


_UNIT_SUFFIXES = ("_deg", "_cm", "_mm", "_kg", "_km", "_s", "_n", "_spm", "_nprs", "_months")


def measure_label(field: str, with_side: bool = False) -> str:
    """A readable name of an assessment field path: ``left.side_bridge_s`` → ``side bridge``."""
    parts = field.split(".")
    if not with_side and parts[0] in ("left", "right") and len(parts) > 1:
        parts = parts[1:]
    last = parts[-1]
    for suffix in _UNIT_SUFFIXES:
        if last.endswith(suffix) and last != suffix.lstrip("_"):
            last = last[: -len(suffix)]
            break
    words = [*parts[:-1], last]
    return " · ".join(w.replace("_", " ") for w in words if w)


def measures_of(assessment: Assessment, day: date) -> tuple[Measure, ...]:
    """Every number recorded in an assessment, with the unit declared beside its field."""
    return tuple(_walk(assessment, "", None, day))


def _walk(node: Any, path: str, side: str | None, day: date) -> Iterator[Measure]:
    for spec in dataclasses.fields(node):
        value = getattr(node, spec.name)
        where = f"{path}.{spec.name}" if path else spec.name
        here = spec.name if spec.name in ("left", "right") and not path else side
        if dataclasses.is_dataclass(value):
            yield from _walk(value, where, here, day)
        elif isinstance(value, tuple) and spec.name == "strength":
            yield from (_strength(row, where, here, day) for row in value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            unit = str(spec.metadata.get("unit", ""))
            if unit:
                yield Measure(where, here, float(value), unit, day)


def _strength(row: HhdMeasurement, path: str, side: str | None, day: date) -> Measure:
    return Measure(f"{path}.{row.test.value}.force_n", side, round(row.force_n, 2), "N", day)
