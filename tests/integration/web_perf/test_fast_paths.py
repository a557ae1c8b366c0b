"""The request fast paths keep behaviour: deferred audit entries, one-query-per-need today
page, value-keyed pain-monitoring memo, prebuilt roster statements, templates built once."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from runnersknee.clinical.pain_monitoring import (
    PainAssessment,
    SessionPain,
    decide_progression,
)
from runnersknee.services.care import intake, logs, patients, today_view
from runnersknee.services.care.morning_baseline import with_baselines
from runnersknee.services.platform.audit import entries_for_patient, record_access
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import AuditRow, PainLogRow, PatientRow
from tests.content import CONTENT
from tests.integration.web_perf.conftest import demo_actor

TODAY = date(2026, 3, 2)


def _reads(database: Database, patient_id: int) -> int:
    with database.transaction() as tx:
        count = tx.scalar(
            select(func.count()).where(
                AuditRow.patient_id == patient_id, AuditRow.action == "patient.read"
            )
        )
    return int(count or 0)


def test_audit_entry_commits_with_the_read_and_not_after_a_rollback(demo: Database) -> None:
    patient = demo_actor(demo, "midplan@demo.example")
    assert patient.patient_id is not None
    before = _reads(demo, patient.patient_id)
    with demo.transaction() as tx:
        today_view.today_with_intake(tx, patient, patient.patient_id, TODAY, content=CONTENT)
    assert _reads(demo, patient.patient_id) == before + 1
    pid = patient.patient_id

    def failing_use_case() -> None:
        with demo.transaction() as tx:
            today_view.today(tx, patient, pid, TODAY, content=CONTENT)
            raise RuntimeError("the use case fails after the read")

    with pytest.raises(RuntimeError):
        failing_use_case()
    assert _reads(demo, patient.patient_id) == before + 1


def test_pending_audit_entries_are_visible_to_readers_in_the_same_transaction(
    demo: Database,
) -> None:
    doc = demo_actor(demo, "clinician@demo.example")
    patient = demo_actor(demo, "midplan@demo.example")
    assert patient.patient_id is not None
    with demo.transaction() as tx:
        record_access(
            tx, doc.user_id, doc.role.value, "test.read", "patient", "x", patient.patient_id
        )
        newest = entries_for_patient(tx, patient.patient_id, limit=1)
    assert [e.action for e in newest] == ["test.read"]
    assert newest[0].at.tzinfo is not None


def test_today_with_intake_matches_the_separate_use_cases(demo: Database) -> None:
    patient = demo_actor(demo, "midplan@demo.example")
    pid = patient.patient_id
    assert pid is not None
    with demo.transaction() as tx:
        view, current = today_view.today_with_intake(tx, patient, pid, TODAY, content=CONTENT)
    with demo.transaction() as tx:
        alone = today_view.today(tx, patient, pid, TODAY, content=CONTENT)
        reference = intake.latest_intake(tx, patient, pid)
    assert view == alone
    assert reference is not None
    assert current == intake.IntakeSummary.of(reference)
    assert view.plan_version is not None
    assert view.items
    assert all(i.exercise is not None for i in view.items)
    assert view.decision is not None


def _reference_decision(database: Database, patient_id: int) -> PainAssessment | None:
    with database.transaction() as tx:
        plan = logs.signed_plan(tx, patient_id)
        assert plan is not None
        rows = tx.scalars(
            select(PainLogRow)
            .where(
                PainLogRow.patient_id == patient_id,
                PainLogRow.logged_on >= plan.created_at.date(),
            )
            .order_by(PainLogRow.logged_on.desc(), PainLogRow.id.desc())
            .limit(60)
        ).all()
        history = [
            SessionPain(
                day=r.logged_on,
                during_nprs=None if r.during is None else float(r.during),
                after_nprs=None if r.after is None else float(r.after),
                next_morning_nprs=None if r.next_morning is None else float(r.next_morning),
            )
            for r in reversed(rows)
        ]
        history = with_baselines(tx, patient_id, history)  # the usual morning pain recorded
    if not history:
        return None
    return decide_progression(history, CONTENT.pain_monitoring)


def test_pain_decision_follows_an_update_of_an_earlier_rows_morning_pain(demo: Database) -> None:
    patient = demo_actor(demo, "midplan@demo.example")
    pid = patient.patient_id
    assert pid is not None
    with demo.transaction() as tx:
        first = today_view.today(tx, patient, pid, TODAY, content=CONTENT).decision
    assert first == _reference_decision(demo, pid)
    with demo.transaction() as tx:
        logs.log_pain(tx, patient, pid, TODAY, 2, 2, None, content=CONTENT)
    with demo.transaction() as tx:
        # Only next_morning: updates the latest earlier row in place (no new row id).
        logs.log_pain(tx, patient, pid, TODAY + timedelta(days=1), None, None, 9, content=CONTENT)
    with demo.transaction() as tx:
        after = today_view.today(
            tx, patient, pid, TODAY + timedelta(days=1), content=CONTENT
        ).decision
    assert after == _reference_decision(demo, pid)
    assert after != first
    assert after is not None
    with pytest.raises(dataclasses.FrozenInstanceError):  # no caller can change the next answer
        after.reasons = ()  # type: ignore[misc]
    with demo.transaction() as tx:
        again = today_view.today(
            tx, patient, pid, TODAY + timedelta(days=1), content=CONTENT
        ).decision
    assert again == _reference_decision(demo, pid)


def test_roster_filters_and_pages_with_prebuilt_statements(demo: Database) -> None:
    doc = demo_actor(demo, "clinician@demo.example")
    with demo.transaction() as tx:
        everyone = patients.roster(tx, doc)
        names = [e.display_name for e in everyone.entries]
        sam = tx.scalars(select(PatientRow).where(PatientRow.display_name == "Sam Mid")).one()
        by_name = patients.roster(tx, doc, "SAM")
        by_id = patients.roster(tx, doc, f"#{sam.id}")
        intake_only = patients.roster(tx, doc, status="intake")
        second = patients.roster(tx, doc, page=2, per_page=2)
    assert names == sorted(names)
    assert everyone.total == 3
    assert [e.display_name for e in by_name.entries] == ["Sam Mid"]
    assert [e.id for e in by_id.entries] == [sam.id]
    assert {e.status for e in intake_only.entries} == {"intake"}
    assert intake_only.total == len(intake_only.entries)
    assert [e.display_name for e in second.entries] == names[2:]
    assert second.pages == 2


def test_templates_are_compiled_once_and_not_restatted() -> None:
    from runnersknee.web.render import environment

    env = environment()
    assert environment() is env
    assert env.auto_reload is False
    assert env.get_template("portal/today.html") is env.get_template("portal/today.html")


def test_today_reads_the_triage_only_when_it_blocks_the_plan(demo: Database) -> None:
    for email, blocked in (("redflag@demo.example", True), ("midplan@demo.example", False)):
        patient = demo_actor(demo, email)
        pid = patient.patient_id
        assert pid is not None
        with demo.transaction() as tx:
            _, current = today_view.today_with_intake(tx, patient, pid, TODAY, content=CONTENT)
            reference = intake.latest_intake(tx, patient, pid)
        assert current is not None
        assert reference is not None
        assert current.red_flag is blocked
        assert current.level == reference.level
        assert current.triage == (reference.triage if blocked else None)
        if blocked:
            assert current.triage is not None
            assert current.triage["level"] == reference.level
