"""Report contents from a record's parts: the same JSON forms the pages show (triage, plan,
impairments, strength, scores), turned into the typed documents of ``reports.model``.

Pure functions; :mod:`runnersknee.services.documents.report_data` gathers the parts
(from the database
or from a case file) and authorizes the read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from runnersknee.clinical.assessment import Assessment
from runnersknee.clinical.instruments import Instrument, InstrumentScore, interpret_change
from runnersknee.content.citations import load_citations
from runnersknee.fhir.record import Measure, measure_label, measures_of
from runnersknee.reports.model import (
    Criterion,
    EvaluationReport,
    Heading,
    PlanPart,
    Reason,
    Table,
)

__all__ = ["EvaluationParts", "Scored", "evaluation_report", "gait_table", "score_table"]


@dataclass(frozen=True, slots=True)
class Scored:
    """One scored administration (date may be unknown in a case file)."""

    instrument: Instrument
    day: date | None
    score: InstrumentScore

    @property
    def instrument_id(self) -> str:
        """The questionnaire's id."""
        return self.instrument.id


@dataclass(frozen=True, slots=True)
class EvaluationParts:
    """What the evaluation report is made of (JSON forms as stored and as the pages show)."""

    case_data: Mapping[str, Any]
    triage: Mapping[str, Any] | None
    assessment: Assessment | None
    strength: Sequence[Mapping[str, Any]]
    impairments: Sequence[Mapping[str, Any]]
    scores: Sequence[Scored]
    plan: Mapping[str, Any] | None
    plan_status: str = ""
    signed_on: date | None = None
    assessed_on: date | None = None


@dataclass
class _Numbering:
    """Numbers citation ids in order of first use; the reference list follows."""

    order: list[str] = field(default_factory=list)

    def refs(self, ids: Iterable[Any]) -> tuple[int, ...]:
        numbers = []
        for cid in ids:
            key = str(cid)
            if key not in self.order:
                self.order.append(key)
            numbers.append(self.order.index(key) + 1)
        return tuple(sorted(set(numbers)))

    def references(self) -> tuple[tuple[int, str], ...]:
        registry = load_citations()
        return tuple(
            (n, registry[cid].reference if cid in registry else cid)
            for n, cid in enumerate(self.order, 1)
        )


def _words(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_words(v) for v in value) or "none"
    if isinstance(value, Mapping):
        return "; ".join(f"{_label(k)}: {_words(v)}" for k, v in value.items() if v is not None)
    return str(value).replace("_", " ")


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{round(float(value), digits):g}"


def _history(case_data: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    skip = {"questionnaires", "assessment", "preferences", "case_id"}
    rows = ((_label(k), _words(v)) for k, v in case_data.items() if k not in skip)
    return tuple((label, text) for label, text in rows if text not in ("", "None"))


def score_table(scores: Sequence[Scored]) -> Table:
    """Date, questionnaire, total and the core's reading of each administration."""
    rows = tuple(
        (
            s.day.isoformat() if s.day else "—",
            s.instrument.name,
            _num(s.score.total),
            s.score.interpretation,
        )
        for s in scores
    )
    return Table(("Date", "Questionnaire", "Total", "Reading"), rows)


def _measures_table(measures: Sequence[Measure]) -> Table:
    cells: dict[str, dict[str, str]] = {}
    for m in measures:
        key = m.field.split(".", 1)[1] if m.side else m.field
        cells.setdefault(key, {})[m.side or "both"] = f"{_num(m.value)} {m.unit}"
    rows = tuple(
        (
            measure_label(key),
            v.get("left", ""),
            v.get("right", ""),
            v.get("both", ""),
        )
        for key, v in cells.items()
    )
    return Table(("Measure", "Left", "Right", "Whole body"), rows)


def _strength_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    return Table(
        ("Test", "Side", "Force (N)", "% body weight", "Torque (N·m/kg)", "LSI (%)"),
        tuple(
            (
                _words(r["test"]),
                str(r["side"]),
                _num(r.get("force_n")),
                _num(r.get("percent_body_weight")),
                _num(r.get("torque_nm_per_kg"), 2),
                _num(r.get("lsi_pct")),
            )
            for r in rows
        ),
    )


def _findings_table(items: Sequence[Mapping[str, Any]], numbering: _Numbering) -> Table:
    rows = []
    for imp in items:
        unit = str(imp.get("unit") or "")
        value = "" if imp.get("value") is None else f"{_num(imp['value'])} {unit}".strip()
        limit = "" if imp.get("threshold") is None else f"{_num(imp['threshold'])} {unit}".strip()
        refs = numbering.refs(imp.get("citation_ids") or ())
        note = str(imp.get("note") or "")
        if not imp.get("verified", True):
            note = f"{note} (reference value not verified)".strip()
        cites = f" [{', '.join(map(str, refs))}]" if refs else ""
        rows.append(
            (str(imp.get("label") or ""), str(imp.get("side") or "—"), value, limit, note + cites)
        )
    return Table(("Finding", "Side", "Measured", "Reference", "Notes"), tuple(rows))


def _plan_parts(plan: Mapping[str, Any], numbering: _Numbering) -> tuple[PlanPart, ...]:
    parts = []
    for comp in plan.get("components", []):
        items = tuple(
            (str(i.get("title") or ""), str(i.get("dose") or ""), str(i.get("reason") or ""))
            for i in comp.get("items", [])
        )
        reason = Reason(str(comp.get("reason") or ""), numbering.refs(comp.get("citation_ids", ())))
        parts.append(
            PlanPart(
                _label(str(comp.get("kind", ""))), _words(comp.get("status", "")), reason, items
            )
        )
    return tuple(parts)


def evaluation_report(heading: Heading, parts: EvaluationParts) -> EvaluationReport:
    """The evaluation report of one record."""
    numbering = _Numbering()
    triage = parts.triage or {}
    reasons = tuple(
        Reason(str(r.get("reason", "")), numbering.refs(r.get("citation_ids", ())))
        for r in [*triage.get("reasons", []), *triage.get("supporting", [])]
    )
    plan = parts.plan or {}
    measures = (
        measures_of(parts.assessment, parts.assessed_on or heading.generated_on)
        if (parts.assessment is not None)
        else ()
    )
    phase_reason = Reason(
        str(plan.get("phase_reason") or ""), numbering.refs(plan.get("phase_citation_ids", ()))
    )
    plan_parts = _plan_parts(plan, numbering) if plan else ()
    findings = _findings_table(parts.impairments, numbering)
    return EvaluationReport(
        heading=heading,
        history=_history(parts.case_data),
        triage_level=str(triage.get("level") or "not triaged"),
        triage_reasons=reasons,
        safety_text=str(triage.get("safety_text") or ""),
        scores=score_table(parts.scores),
        measures=_measures_table(measures),
        strength=_strength_table(parts.strength),
        findings=findings,
        phase=str(plan.get("phase_name") or ""),
        phase_reason=phase_reason,
        plan=plan_parts,
        plan_status=parts.plan_status,
        signed_by=str(plan.get("signed_by") or "") if parts.plan_status == "signed" else "",
        signed_on=parts.signed_on,
        sign_note=str(plan.get("sign_note") or ""),
        references=numbering.references(),
    )


_GAIT_LEAVES = ("fppa", "cadence", "trunk_lean", "pelvic_drop", "overstride")


def gait_table(
    first: Sequence[Measure], latest: Sequence[Measure], only_gait: bool = True
) -> Table:
    """Gait and movement measures of a first and a latest record, with the change."""
    before = {m.field: m for m in first if not only_gait or any(k in m.field for k in _GAIT_LEAVES)}
    rows = []
    for m in latest:
        old = before.get(m.field)
        if old is None:
            continue
        rows.append(
            (
                measure_label(m.field),
                m.side or "—",
                f"{_num(old.value)} {m.unit}",
                f"{_num(m.value)} {m.unit}",
                f"{m.value - old.value:+.1f} {m.unit}",
            )
        )
    return Table(("Measure", "Side", "First", "Latest", "Change"), tuple(rows))


def score_changes(scores: Sequence[Scored]) -> tuple[Table, tuple[Criterion, ...]]:
    """First-to-latest change of each questionnaire against its MDC and MCID, and whether
    the change reaches the MCID (the treatment-success measure the knowledge base defines)."""
    by_id: dict[str, list[Scored]] = {}
    for s in scores:
        if s.score.total is not None:
            by_id.setdefault(s.instrument_id, []).append(s)
    rows, criteria = [], []
    for items in by_id.values():
        if len(items) < 2:
            continue
        instrument = items[0].instrument
        change = interpret_change(instrument, items[0].score, items[-1].score)
        name = str(instrument.short_name or instrument.name)
        rows.append(
            (
                name,
                _num(change.before),
                _num(change.after),
                _num(change.delta),
                _num(change.mdc_points, 2),
                _num(change.mcid_points, 2),
                change.direction,
            )
        )
        detail = f"change {_num(change.delta)}, MCID {_num(change.mcid_points, 2)}"
        criteria.append(
            Criterion(
                f"{name}: improvement of at least the MCID",
                change.exceeds_mcid and bool(change.improved)
                if change.exceeds_mcid is not None
                else None,
                detail,
            )
        )
    table = Table(
        ("Questionnaire", "First", "Latest", "Change", "MDC", "MCID", "Direction"), tuple(rows)
    )
    return table, tuple(criteria)
