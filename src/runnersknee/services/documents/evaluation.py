"""Evaluate a case: triage, questionnaire scores and their change between administrations.

The decisions come from the pure core (``clinical.triage``, ``clinical.instruments``); this
module orders the work, checks the questionnaire part of the document and builds the stable
JSON form documented in docs/cli.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from runnersknee.clinical.case import Case, QuestionnaireAnswers
from runnersknee.clinical.citations import CitationRegistry
from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.instruments import (
    Instrument,
    InstrumentScore,
    ScoreChange,
    change_summary,
    interpret_change,
    score_for,
    score_summary,
)
from runnersknee.clinical.triage import TriageResult, TriageRuleSet, triage
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.care.case_io import parse_case
from runnersknee.store.mapping import JSONObject

__all__ = [
    "SCHEMA_VERSION",
    "Evaluation",
    "Evaluator",
    "evaluation_to_dict",
]

#: Version of the JSON output of ``evaluate``; bumped on any incompatible change.
SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Triage plus the latest score (and change from the first) for each questionnaire."""

    case: Case
    triage: TriageResult
    scores: Mapping[str, InstrumentScore]
    changes: Mapping[str, ScoreChange]


@dataclass(frozen=True, slots=True)
class Evaluator:
    """Loaded content (rules, instruments, citations), reused across many cases."""

    rules: TriageRuleSet
    instruments: Mapping[str, Instrument]
    citations: CitationRegistry

    @classmethod
    def from_content(cls, content: ClinicalContent) -> Evaluator:
        """Use the rules, instruments and citations of ``content`` (overrides applied)."""
        return cls(content.triage_rules, content.instruments, content.citations)

    def evaluate(self, case: Case) -> Evaluation:
        """Triage the case and score every questionnaire administration in it."""
        scores: dict[str, InstrumentScore] = {}
        changes: dict[str, ScoreChange] = {}
        for instrument_id, administrations in _by_instrument(case.questionnaires):
            scored = [self._score(index, entry) for index, entry in administrations]
            scores[instrument_id] = scored[-1]
            if len(scored) > 1:
                instrument = self.instruments[instrument_id]
                changes[instrument_id] = interpret_change(instrument, scored[0], scored[-1])
        return Evaluation(case, triage(case, self.rules), scores, changes)

    def evaluate_document(
        self, document: Mapping[str, Any], *, today: date | None = None
    ) -> Evaluation:
        """Parse and evaluate a case document (the mapping read from JSON or YAML).

        ``today`` (default: the local date) is the day of the answers when the document
        does not give ``recorded_on``.
        """
        return self.evaluate(parse_case(document, recorded_on=today or date.today()))

    def _score(self, index: int, entry: QuestionnaireAnswers) -> InstrumentScore:
        try:
            return score_for(self.instruments, entry.instrument, entry.answers, entry.version)
        except InvalidInput as error:
            field = f"questionnaires.{index}.{error.field or 'answers'}"
            raise InvalidInput(
                f"{field}: {error.message}", field=field, allowed=error.allowed, got=error.got
            ) from None


def _by_instrument(
    entries: tuple[QuestionnaireAnswers, ...],
) -> Iterator[tuple[str, list[tuple[int, QuestionnaireAnswers]]]]:
    """Group administrations per instrument, oldest first (undated ones keep file order)."""
    groups: dict[str, list[tuple[int, QuestionnaireAnswers]]] = {}
    for index, entry in enumerate(entries):
        groups.setdefault(entry.instrument, []).append((index, entry))
    for instrument_id, group in groups.items():
        group.sort(key=lambda pair: (pair[1].administered_on or date.min, pair[0]))
        yield instrument_id, group


def evaluation_to_dict(evaluation: Evaluation, citations: CitationRegistry) -> JSONObject:
    """The stable JSON form (``schema_version`` 1; keys documented in docs/cli.md)."""
    body: JSONObject = {
        "schema_version": SCHEMA_VERSION,
        "case_id": evaluation.case.case_id,
        "triage": evaluation.triage.as_dict(),
        "scores": {key: score_summary(value) for key, value in evaluation.scores.items()},
        "changes": {key: change_summary(value) for key, value in evaluation.changes.items()},
    }
    cited = sorted(set(_cited_ids(body)))
    body["citations"] = {cid: citations[cid].reference for cid in cited if cid in citations}
    return body


def _cited_ids(node: Any) -> Iterator[str]:
    """Every citation id mentioned anywhere in a JSON-ready structure."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key in ("citation_ids", "citations") and isinstance(value, list):
                yield from (str(item) for item in value)
            else:
                yield from _cited_ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from _cited_ids(value)
