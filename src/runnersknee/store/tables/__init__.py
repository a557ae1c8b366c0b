"""SQLAlchemy 2 table rows. Row classes are storage only: services map them to core types.

Clinical payloads (the intake Case, triage results, assessments, plans) are stored as JSON
columns holding the core dataclasses' dict form; :mod:`runnersknee.store.mapping` converts.
Every timestamp is stored and returned as an aware UTC ``datetime``.
"""

from __future__ import annotations

from runnersknee.store.tables.accounts import (
    AuthSessionRow,
    ClinicRow,
    PasswordResetRow,
    RateLimitHitRow,
    UserRow,
)
from runnersknee.store.tables.base import Base, UTCDateTime, utcnow
from runnersknee.store.tables.care import (
    AssessmentRow,
    EpisodeRow,
    IntakeDraftRow,
    IntakeRow,
    PatientRow,
    PlanSuggestionRow,
    PlanVersionRow,
    QuestionnaireRow,
)
from runnersknee.store.tables.logs import (
    AlertRow,
    ExerciseLogRow,
    MorningPainBaselineRow,
    PainLogRow,
    RunRow,
)
from runnersknee.store.tables.operations import AuditRow, ExerciseMediaRow, JobRow

__all__ = [
    "AlertRow",
    "AssessmentRow",
    "AuditRow",
    "AuthSessionRow",
    "Base",
    "ClinicRow",
    "EpisodeRow",
    "ExerciseLogRow",
    "ExerciseMediaRow",
    "IntakeDraftRow",
    "IntakeRow",
    "JobRow",
    "MorningPainBaselineRow",
    "PainLogRow",
    "PasswordResetRow",
    "PatientRow",
    "PlanSuggestionRow",
    "PlanVersionRow",
    "QuestionnaireRow",
    "RateLimitHitRow",
    "RunRow",
    "UTCDateTime",
    "UserRow",
    "utcnow",
]
