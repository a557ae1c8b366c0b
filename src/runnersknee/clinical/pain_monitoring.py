"""The pain-monitoring model: may a runner (or an exercise plan) progress, hold or regress?

Knowledge base 5.5 (origin: Silbernagel 2007, SILBERNAGEL-2007) and 7.3. Default rule set::

    during pain <= threshold (3/10; up to 5/10 in "Silbernagel mode")
    AND pain after the session <= 5/10 (it may reach 5 but must settle)
    AND next-morning pain <= baseline morning pain (+ tolerance, default 0); a missing
        baseline is never replaced by 0/10: the session then holds until one is recorded
        (next-morning pain above the after-activity limit still regresses)
    AND weekly morning pain not rising
        -> the session counts towards progression; progress after ``completions_required``
    any breach -> regress one step; ``regressions_before_review`` regressions -> clinician review

The zone boundaries and the 3/10 PFP threshold are marked "(unverified)" in the knowledge base:
they are configurable defaults (``verified = False``) and need clinical sign-off. NPRS values are
0-10 (0 = no pain).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from runnersknee.clinical._fields import bounded, check_bounds
from runnersknee.clinical.errors import InvalidInput

__all__ = [
    "PainAssessment",
    "PainDecision",
    "PainMonitoringConfig",
    "SessionPain",
    "assess_session",
    "decide_progression",
    "morning_pain_rising",
]

#: Default sources: the model itself (5.5 ✔) and the PFP clinic threshold of <= 3/10 (unverified).
DEFAULT_CITATIONS: tuple[str, ...] = ("SILBERNAGEL-2007", "PFP-CLINIC-PAIN-LIMIT")

#: Highest pain allowed during activity in Silbernagel mode (KB 5.5 zones, unverified).
SILBERNAGEL_DURING_MAX_NPRS = 5.0


@dataclass(frozen=True, slots=True)
class PainMonitoringConfig:
    """Thresholds of the model; every value is a configurable default (KB 5.5, unverified)."""

    during_max_nprs: float = bounded(0, 10, "NPRS", default=3.0)
    silbernagel_mode: bool = False
    after_max_nprs: float = bounded(0, 10, "NPRS", default=5.0)
    next_morning_tolerance_nprs: float = bounded(0, 10, "NPRS", default=0.0)
    regressions_before_review: int = bounded(1, 20, "regressions", default=2)
    citation_ids: tuple[str, ...] = DEFAULT_CITATIONS
    verified: bool = False

    def __post_init__(self) -> None:
        check_bounds(self)
        if not self.citation_ids:
            raise InvalidInput(
                "the pain-monitoring configuration must cite a source", field="citation_ids"
            )

    @property
    def effective_during_max_nprs(self) -> float:
        """The during-activity limit in force (Silbernagel mode allows up to 5/10)."""
        if self.silbernagel_mode:
            return max(self.during_max_nprs, SILBERNAGEL_DURING_MAX_NPRS)
        return self.during_max_nprs


@dataclass(frozen=True, slots=True)
class SessionPain:
    """Pain recorded around one session (NPRS 0-10; ``None`` = not recorded yet)."""

    day: date
    during_nprs: float | None = bounded(0, 10, "NPRS")
    after_nprs: float | None = bounded(0, 10, "NPRS")
    next_morning_nprs: float | None = bounded(0, 10, "NPRS")
    baseline_morning_nprs: float | None = bounded(0, 10, "NPRS")
    completed: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.day, date):
            raise InvalidInput(
                "day must be a date", field="day", allowed="YYYY-MM-DD", got=self.day
            )
        check_bounds(self)


class PainDecision(StrEnum):
    """What to do next."""

    PROGRESS = "progress"
    HOLD = "hold"
    REGRESS = "regress"
    CLINICIAN_REVIEW = "clinician_review"


@dataclass(frozen=True, slots=True)
class PainAssessment:
    """A decision with the reasons a clinician or patient can read, and its sources."""

    decision: PainDecision
    reasons: tuple[str, ...]
    citation_ids: tuple[str, ...] = field(default=DEFAULT_CITATIONS)


def _breaches(session: SessionPain, config: PainMonitoringConfig) -> list[str]:
    limit = config.effective_during_max_nprs
    found: list[str] = []
    if session.during_nprs is not None and session.during_nprs > limit:
        found.append(f"pain during the session {session.during_nprs:g}/10 is above {limit:g}/10")
    if session.after_nprs is not None and session.after_nprs > config.after_max_nprs:
        found.append(
            f"pain after the session {session.after_nprs:g}/10 is above "
            f"{config.after_max_nprs:g}/10"
        )
    baseline = session.baseline_morning_nprs
    morning = session.next_morning_nprs
    if morning is not None and baseline is not None:
        allowed = baseline + config.next_morning_tolerance_nprs
        if morning > allowed:
            found.append(
                f"next-morning pain {morning:g}/10 has not settled to the baseline {baseline:g}/10"
            )
    elif morning is not None and morning > config.after_max_nprs:
        # No baseline: never read as 0/10, but pain above the after-activity limit the next
        # morning has not settled whatever the baseline (clinic-set reading).
        found.append(
            f"next-morning pain {morning:g}/10 is above the {config.after_max_nprs:g}/10 allowed "
            "after activity"
        )
    return found


def _missing(session: SessionPain) -> list[str]:
    missing: list[str] = []
    if session.during_nprs is None:
        missing.append("pain during the session is not recorded")
    if session.next_morning_nprs is None:
        missing.append("next-morning pain is not recorded yet")
    morning = session.next_morning_nprs
    if morning is not None and session.baseline_morning_nprs is None:
        missing.append(
            "no usual morning pain (baseline) is recorded, so next-morning pain cannot be "
            "judged; record the usual morning pain"
        )
    if not session.completed:
        missing.append("the session was not completed")
    return missing


def assess_session(session: SessionPain, config: PainMonitoringConfig) -> PainAssessment:
    """One session: REGRESS on any breach, PROGRESS if it counts towards progression, else HOLD."""
    cites = config.citation_ids
    breaches = _breaches(session, config)
    if breaches:
        return PainAssessment(PainDecision.REGRESS, tuple(breaches), cites)
    missing = _missing(session)
    if missing:
        return PainAssessment(PainDecision.HOLD, tuple(missing), cites)
    reason = (
        f"pain within limits ({session.during_nprs:g}/10 during, next morning back to baseline)"
    )
    return PainAssessment(PainDecision.PROGRESS, (reason,), cites)


def morning_pain_rising(weekly_morning_pain: Sequence[float]) -> bool:
    """True when the latest weekly morning pain is higher than the week before (KB 5.5)."""
    values = list(weekly_morning_pain)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 10:
            raise InvalidInput(
                "weekly morning pain must be NPRS values 0-10",
                field="weekly_morning_pain",
                allowed="0..10",
                got=value,
            )
    return len(values) >= 2 and values[-1] > values[-2]


def decide_progression(
    history: Sequence[SessionPain],
    config: PainMonitoringConfig,
    *,
    completions_required: int = 2,
    weekly_morning_pain: Sequence[float] = (),
    prior_regressions: int = 0,
) -> PainAssessment:
    """Decide from the sessions since the last progression (oldest first).

    ``prior_regressions`` counts regressions before ``history`` (e.g. at earlier stages). Once
    the total reaches ``config.regressions_before_review`` the decision is CLINICIAN_REVIEW until
    a clinician starts a new history. The last ``completions_required`` sessions must all be
    completed within the limits before PROGRESS; a rising weekly morning-pain trend blocks it.
    """
    if completions_required < 1:
        raise InvalidInput(
            "completions_required must be at least 1",
            field="completions_required",
            allowed=">= 1",
            got=completions_required,
        )
    cites = config.citation_ids
    ordered = sorted(history, key=lambda s: s.day)
    assessments = [assess_session(s, config) for s in ordered]
    regressions = prior_regressions + sum(a.decision is PainDecision.REGRESS for a in assessments)
    if regressions >= config.regressions_before_review:
        return PainAssessment(
            PainDecision.CLINICIAN_REVIEW,
            (
                f"{regressions} regressions (limit {config.regressions_before_review}): "
                "a clinician should review before the programme continues",
                *(assessments[-1].reasons if assessments else ()),
            ),
            cites,
        )
    if not assessments:
        return PainAssessment(PainDecision.HOLD, ("no sessions recorded at this level yet",), cites)
    last = assessments[-1]
    if last.decision is PainDecision.REGRESS:
        return PainAssessment(PainDecision.REGRESS, (*last.reasons, "regress one step"), cites)
    clean = _progress_streak(assessments)
    if clean < completions_required:
        reasons = (
            f"{clean} of {completions_required} sessions completed within the pain limits",
            *(r for r in last.reasons if last.decision is PainDecision.HOLD),
        )
        return PainAssessment(PainDecision.HOLD, reasons, cites)
    if morning_pain_rising(weekly_morning_pain):
        return PainAssessment(
            PainDecision.HOLD,
            ("weekly morning pain is rising: hold the current level",),
            cites,
        )
    return PainAssessment(
        PainDecision.PROGRESS,
        (f"{clean} sessions in a row completed within the pain limits: progress one step",),
        cites,
    )


def _progress_streak(assessments: Sequence[PainAssessment]) -> int:
    """How many of the latest sessions in a row count towards progression."""
    clean = 0
    for assessment in reversed(assessments):
        if assessment.decision is not PainDecision.PROGRESS:
            break
        clean += 1
    return clean
