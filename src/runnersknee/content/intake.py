"""Load the patient's intake pages (``data/intake/steps.toml``) and check them against the case.

Every question must name a field of :class:`~runnersknee.clinical.case.Case` that a patient
may answer (never an examination finding), every choice must be a value of that field, and
every body-chart area must map to a pain site of the case or to none.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from runnersknee.clinical.case import Case, PainSite
from runnersknee.clinical.errors import ContentError
from runnersknee.content._files import data_root, read_toml

__all__ = ["ChartArea", "IntakeContent", "Question", "Step", "case_field", "load_intake"]

Choices = tuple[tuple[str, str], ...]
_YES_NO: Choices = (("yes", "Yes"), ("no", "No"))
_KINDS = frozenset({"number", "scale", "choice", "yesno", "many", "chart", "date", "text"})
#: Questions that are not case fields: the body chart (it fills ``pain_sites``).
_CHART_FIELD = "chart"


@dataclass(frozen=True, slots=True)
class Question:
    """One question; ``kind`` is number, scale, choice, yesno, many, chart, date or text."""

    field: str
    text: str
    kind: str
    hint: str = ""
    choices: Choices = ()
    required: bool = False
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    """One page of the intake: a topic, its questions, and whether it screens for danger."""

    slug: str
    title: str
    questions: tuple[Question, ...]
    intro: str = ""
    safety: bool = False
    #: Shown only when this is true of the answers so far (``None``: always shown).
    when: Callable[[Mapping[str, object]], bool] | None = None

    def required(self, question: Question) -> bool:
        """Whether ``question`` must be answered (every yes/no question of a safety step)."""
        return question.required or (self.safety and question.kind == "yesno")


@dataclass(frozen=True, slots=True)
class ChartArea:
    """A place on the body chart and the case's pain site it means (``None``: no site)."""

    id: str
    label: str
    site: PainSite | None


@dataclass(frozen=True, slots=True)
class IntakeContent:
    """The intake's pages in order and the body chart's areas."""

    steps: tuple[Step, ...]
    chart: tuple[ChartArea, ...]

    def steps_for(self, answers: Mapping[str, object]) -> tuple[Step, ...]:
        """The pages shown for these answers (the injury page only after an injury, ...)."""
        return tuple(step for step in self.steps if step.when is None or step.when(answers))


def case_field(path: str) -> dataclasses.Field[Any] | None:
    """The dataclass field of ``Case`` at the dotted ``path`` (None when there is none)."""
    kind: Any = Case
    found: dataclasses.Field[Any] | None = None
    for part in path.split("."):
        if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
            return None
        found = next((f for f in dataclasses.fields(kind) if f.name == part), None)
        if found is None:
            return None
        kind = typing.get_type_hints(kind).get(part)
    return found


def _enum_values(path: str) -> frozenset[str] | None:
    """The allowed values of an enum (or set-of-enum) case field, else None."""
    *groups, name = path.split(".")
    owner: Any = Case
    for group in groups:
        owner = typing.get_type_hints(owner)[group]
    hint = typing.get_type_hints(owner)[name]
    for candidate in (hint, *typing.get_args(hint)):
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
            return frozenset(str(m.value) for m in candidate)
    return None


def _question(raw: Mapping[str, Any], where: str) -> Question:
    field, kind = str(raw["field"]), str(raw["kind"])
    if kind not in _KINDS:
        raise ContentError(f"{where}: unknown question kind {kind!r}")
    spec = None if kind == "chart" else case_field(field)
    if kind != "chart" and spec is None:
        raise ContentError(f"{where}: {field!r} is not a field of the case")
    if field.startswith("exam.") or (spec is not None and spec.metadata.get("clinician_only")):
        raise ContentError(f"{where}: {field!r} is an examination finding, not for patients")
    choices: Choices = (
        _YES_NO if kind == "yesno" else tuple((str(v), str(t)) for v, t in raw.get("choices", ()))
    )
    allowed = _enum_values(field) if kind in ("choice", "many") else None
    if allowed is not None and not {v for v, _ in choices} <= allowed:
        raise ContentError(f"{where}: a choice of {field!r} is not one of {sorted(allowed)}")
    return Question(
        field,
        str(raw["text"]),
        kind,
        str(raw.get("hint", "")),
        choices,
        bool(raw.get("required", False)),
        str(raw.get("unit", "")),
    )


def _when(raw: Mapping[str, Any] | None) -> Callable[[Mapping[str, object]], bool] | None:
    if raw is None:
        return None
    field = str(raw["field"])
    if "equals" in raw:
        wanted = str(raw["equals"])
        return lambda answers: answers.get(field) == wanted
    unwanted = str(raw["not_equals"])
    return lambda answers: answers.get(field) != unwanted


def _step(raw: Mapping[str, Any]) -> Step:
    slug = str(raw["slug"])
    questions = tuple(
        _question(q, f"intake page {slug!r} question {n}")
        for n, q in enumerate(raw.get("question", ()), 1)
    )
    return Step(
        slug,
        str(raw["title"]),
        questions,
        str(raw.get("intro", "")),
        bool(raw.get("safety", False)),
        _when(raw.get("show_when")),
    )


@cache
def load_intake() -> IntakeContent:
    """The intake's pages and body chart, checked against the case model (loaded once)."""
    data = read_toml(data_root() / "intake" / "steps.toml")
    steps = tuple(_step(raw) for raw in data["step"])
    slugs = [s.slug for s in steps]
    if len(set(slugs)) != len(slugs):
        raise ContentError("intake pages: two pages have the same slug")
    chart = tuple(
        ChartArea(str(a["id"]), str(a["label"]), PainSite(a["site"]) if "site" in a else None)
        for a in data["chart"]
    )
    return IntakeContent(steps, chart)
