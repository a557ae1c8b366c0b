"""What the plan reads besides the assessment's own numbers.

* pain and function entered as questionnaires (NPRS, AKPS, TSK-11) fill the assessment values
  the clinician left empty, so they count for the phase decision;
* the patient's running now (not a runner, stopped, running), which doses gait retraining;
* the age group (10-16 years: the adolescent pathway) and a high fear of movement (TSK-11).

See docs/clinical-basis.md ("Phase", "Gait retraining", "Adolescents", "Fear of movement").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from runnersknee.clinical.assessment import Assessment, Function
from runnersknee.clinical.case import Case, QuestionnaireAnswers
from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.instruments import Instrument, InstrumentScore, score_answers
from runnersknee.clinical.plan_model import PlanConfig

__all__ = ["PlanInputs", "RunningNow", "plan_inputs"]


class RunningNow(StrEnum):
    """How much the patient runs at the moment (from the intake's running history)."""

    NOT_A_RUNNER = "not_a_runner"
    STOPPED = "stopped"
    RUNNING = "running"


@dataclass(frozen=True, slots=True)
class PlanInputs:
    """The function values the phase rule uses, where each came from, and the patient group."""

    function: Function
    sources: tuple[str, ...]
    running_now: RunningNow
    adolescent: bool
    tsk11_total: int | None
    high_kinesiophobia: bool


def _latest(case: Case, instrument_id: str) -> QuestionnaireAnswers | None:
    given = [q for q in case.questionnaires if q.instrument == instrument_id]
    if not given:
        return None
    order = sorted(enumerate(given), key=lambda p: (p[1].administered_on or date.min, p[0]))
    return order[-1][1]


def _score(
    case: Case, instruments: Mapping[str, Instrument], instrument_id: str
) -> tuple[InstrumentScore, str] | None:
    answers = _latest(case, instrument_id)
    instrument = instruments.get(instrument_id)
    if answers is None or instrument is None:
        return None
    try:
        score = score_answers(instrument, answers.answers)
    except InvalidInput:
        return None
    when = f" of {answers.administered_on.isoformat()}" if answers.administered_on else ""
    return score, f"{instrument.short_name} questionnaire{when}"


def _questionnaire_function(
    case: Case, function: Function, instruments: Mapping[str, Instrument]
) -> tuple[Function, list[str]]:
    changes: dict[str, Any] = {}
    sources: list[str] = []
    nprs = _score(case, instruments, "nprs")
    if nprs is not None:
        score, where = nprs
        for name, item in (("usual_pain_nprs", "usual_week"), ("worst_pain_nprs", "worst_week")):
            value = score.subscores.get(item)
            if getattr(function, name) is None and value is not None:
                changes[name] = float(value)
                sources.append(f"{name.split('_')[0]} pain {value:g}/10 from the {where}")
    for name, instrument_id in (("akps_total", "akps"), ("tsk11_total", "tsk11")):
        found = _score(case, instruments, instrument_id)
        if found is None or getattr(function, name) is not None or found[0].total is None:
            continue
        changes[name] = round(found[0].total)
        sources.append(f"{found[1].split(' ')[0]} {found[0].total:g} from the {found[1]}")
    return dataclasses.replace(function, **changes), sources


def _running_now(case: Case) -> RunningNow:
    if not case.running.runs:
        return RunningNow.NOT_A_RUNNER
    if case.running.weekly_km == 0:
        return RunningNow.STOPPED
    return RunningNow.RUNNING


def plan_inputs(case: Case, assessment: Assessment, config: PlanConfig) -> PlanInputs:
    """Questionnaire-filled function, running now, age group and fear of movement."""
    function, sources = _questionnaire_function(case, assessment.function, config.instruments)
    age = case.demographics.age_years
    tsk = function.tsk11_total
    high_fear = tsk is not None and tsk >= config.tsk11_high_at_least.value
    return PlanInputs(
        function=function,
        sources=tuple(sources),
        running_now=_running_now(case),
        adolescent=config.adolescent_min_age <= age <= config.adolescent_max_age,
        tsk11_total=tsk,
        high_kinesiophobia=high_fear,
    )
