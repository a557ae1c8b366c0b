"""Response at re-assessment: each outcome questionnaire's first score against a score taken
at least the configured weeks later (``follow_up.toml``, 6 by default), judged against the
instrument's minimal important change (KB 4, 9.1).

A re-assessment without a clinically important improvement raises the ``non_responder``
alert, dated the day of that re-assessment (once per questionnaire and first score). A
questionnaire whose shipped wording is a paraphrase has no applicable value: it is never
called a non-response.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.instruments import Instrument, interpret_change, score_answers
from runnersknee.clinical.suggestions import ScoreFacts
from runnersknee.content.bundle import ClinicalContent
from runnersknee.content.sources import plain_sources
from runnersknee.services.care.alerts import raise_alert
from runnersknee.store.tables import QuestionnaireRow

__all__ = ["Administration", "check_non_responder", "reassessments"]


@dataclass(frozen=True, slots=True)
class Administration:
    """One scored administration (what the judgement needs)."""

    id: int
    instrument: str
    administered_on: date
    answers: dict[str, int | str | None]


def _judge(instrument: Instrument, first: Administration, latest: Administration) -> ScoreFacts:
    change = interpret_change(
        instrument,
        score_answers(instrument, first.answers),
        score_answers(instrument, latest.answers),
    )
    responded = None
    if change.exceeds_mcid is not None:
        real = change.exceeds_mdc is not False
        responded = bool(change.improved and change.exceeds_mcid and real)
    return ScoreFacts(
        instrument_id=instrument.id,
        label=instrument.label,
        baseline_on=first.administered_on,
        latest_on=latest.administered_on,
        latest_id=latest.id,
        before=change.before or 0.0,
        after=change.after or 0.0,
        responded=responded,
        mcid=change.mcid_points,
        citation_ids=change.citation_ids,
    )


def reassessments(
    rows: Sequence[Administration], content: ClinicalContent
) -> tuple[ScoreFacts, ...]:
    """Each outcome questionnaire's latest re-assessment at least the configured weeks after
    its first score (rows oldest first), judged; questionnaires without one are left out."""
    config = content.follow_up
    found = []
    for instrument_id in config.non_responder_instruments:
        instrument = content.instruments.get(instrument_id)
        mine = [r for r in rows if r.instrument == instrument_id]
        if instrument is None or len(mine) < 2:
            continue
        first, latest = mine[0], mine[-1]
        if (latest.administered_on - first.administered_on).days < config.non_responder_weeks * 7:
            continue
        found.append(_judge(instrument, first, latest))
    return tuple(found)


def _rows(tx: Session, episode_id: int) -> list[Administration]:
    found = tx.execute(
        select(
            QuestionnaireRow.id,
            QuestionnaireRow.instrument,
            QuestionnaireRow.administered_on,
            QuestionnaireRow.answers,
        )
        .where(QuestionnaireRow.episode_id == episode_id, QuestionnaireRow.total.is_not(None))
        .order_by(QuestionnaireRow.administered_on, QuestionnaireRow.id)
    ).all()
    return [Administration(int(i), str(k), day, dict(a)) for i, k, day, a in found]


def check_non_responder(
    tx: Session, patient_id: int, episode_id: int, instrument_id: str, content: ClinicalContent
) -> bool:
    """After a score of ``instrument_id`` is stored: the ``non_responder`` alert when its
    latest re-assessment shows no clinically important improvement; True when one was raised.
    The caller has authorized the write."""
    config = content.follow_up
    if instrument_id not in config.non_responder_instruments:
        return False
    rows = _rows(tx, episode_id)
    judged = [s for s in reassessments(rows, content) if s.instrument_id == instrument_id]
    if not judged or judged[0].responded is not False:
        return False
    score = judged[0]
    first_id = next(r.id for r in rows if r.instrument == instrument_id)
    weeks = (score.latest_on - score.baseline_on).days // 7
    delta = score.after - score.before
    message = (
        f"Non-responder at re-assessment: {score.label} {score.before:g} \u2192 {score.after:g} "
        f"({delta:+g} points) after {weeks} weeks ({score.baseline_on.isoformat()} to "
        f"{score.latest_on.isoformat()}), no clinically important improvement (minimal "
        f"important change {score.mcid:g} points; {plain_sources(score.citation_ids)}). "
        f"Review the plan; the record lists suggested changes. Time point: "
        f"{config.non_responder_weeks} weeks"
        f"{'' if config.non_responder_verified else ' (clinic-set default)'}."
    )
    return raise_alert(
        tx,
        patient_id,
        "non_responder",
        f"non_responder:{instrument_id}:{first_id}",
        message,
        score.latest_on,
    )
