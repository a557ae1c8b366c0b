"""The patient's usual morning knee pain before running again (the return-to-run baseline).

Next-morning pain after a run is judged against the latest baseline recorded on or before
that morning (pain-monitoring model, Silbernagel 2007; docs/clinical-basis.md, "Pain
monitoring"). Without a baseline the next-morning rating is never compared with 0/10: the
session holds until one is recorded.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.pain_monitoring import SessionPain
from runnersknee.store.tables import MorningPainBaselineRow

__all__ = ["latest_baseline", "record_baseline", "with_baselines"]


def record_baseline(tx: Session, patient_id: int, day: date, nprs: int) -> None:
    """Store the usual morning pain (0-10) recorded on ``day`` (caller has authorized)."""
    if isinstance(nprs, bool) or not isinstance(nprs, int) or not 0 <= nprs <= 10:
        raise InvalidInput(
            "usual morning pain must be between 0 and 10",
            field="morning_baseline",
            allowed="0..10",
            got=nprs,
        )
    tx.add(MorningPainBaselineRow(patient_id=patient_id, recorded_on=day, nprs=nprs))


def _baselines(tx: Session, patient_id: int) -> list[tuple[date, int]]:
    rows = tx.execute(
        select(MorningPainBaselineRow.recorded_on, MorningPainBaselineRow.nprs)
        .where(MorningPainBaselineRow.patient_id == patient_id)
        .order_by(MorningPainBaselineRow.recorded_on, MorningPainBaselineRow.id)
    ).all()
    return [(day, nprs) for day, nprs in rows]


def latest_baseline(tx: Session, patient_id: int) -> tuple[date, int] | None:
    """The most recent baseline (day, NPRS), or None when none was recorded."""
    found = _baselines(tx, patient_id)
    return found[-1] if found else None


def with_baselines(
    tx: Session, patient_id: int, sessions: Sequence[SessionPain]
) -> list[SessionPain]:
    """Each session with the latest baseline recorded up to its next morning (else None)."""
    found = _baselines(tx, patient_id)
    days = [day for day, _ in found]
    out: list[SessionPain] = []
    for session in sessions:
        index = bisect_right(days, session.day + timedelta(days=1))
        value = float(found[index - 1][1]) if index else None
        out.append(replace(session, baseline_morning_nprs=value))
    return out
