"""Services on SQLite and PostgreSQL: migrations, transactions, versioned plans, logs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from runnersknee.clinical.errors import Conflict, InvalidInput, NotFound, Refused
from runnersknee.services.access.accounts import (
    SessionLimits,
    actor_for,
    authenticate,
    create_clinic,
    create_user,
    open_session,
    resolve_session,
)
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.care import intake, logs, patients, records, today_view
from runnersknee.services.demo import ASSESSMENT, PFP_CASE, RED_FLAG_CASE, seed_demo
from runnersknee.services.platform.database import Database
from runnersknee.store.migrate import current_revision, head_revision, ours
from runnersknee.store.tables import Base, PatientRow, PlanVersionRow, UserRow, utcnow
from tests.content import CONTENT

PASSWORD = "a-long-enough-password"
DAY = date(2026, 2, 2)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    db = Database(url)
    yield db
    db.dispose()


def _clinician(db: Database, tag: str) -> Actor:
    with db.transaction() as tx:
        clinic = create_clinic(tx, f"clinic {tag}")
        create_user(tx, clinic, f"doc-{tag}@x.example", "Doc", Role.CLINICIAN, PASSWORD)
        return actor_for(
            tx, tx.scalars(select(UserRow).where(UserRow.email == f"doc-{tag}@x.example")).one()
        )


def test_schema_is_at_head_without_drift(database: Database) -> None:
    assert current_revision(database.engine) == head_revision()
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": ours})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_failed_write_changes_nothing(database: Database, request: pytest.FixtureRequest) -> None:
    doc = _clinician(database, f"rb-{request.node.callspec.id}")
    with database.transaction() as tx:
        before = tx.scalar(select(func.count()).select_from(PatientRow))
    email = f"{doc.user_id}-dup@x.example"

    def two_patients_same_login() -> None:
        with database.transaction() as tx:
            patients.create_patient(tx, doc, patients.NewPatient("P1", None, email, PASSWORD), DAY)
            patients.create_patient(tx, doc, patients.NewPatient("P2", None, email, PASSWORD), DAY)

    with pytest.raises(Conflict):
        two_patients_same_login()
    with database.transaction() as tx:
        assert tx.scalar(select(func.count()).select_from(PatientRow)) == before


def test_plan_versions_and_logs(database: Database, request: pytest.FixtureRequest) -> None:
    tag = f"pv-{request.node.callspec.id}"
    doc = _clinician(database, tag)
    with database.transaction() as tx:
        pid = patients.create_patient(
            tx, doc, patients.NewPatient("Pat", 1990, f"pat-{tag}@x.example", PASSWORD), DAY
        )
        intake.submit_intake(tx, doc, pid, PFP_CASE, content=CONTENT)
        records.save_assessment(tx, doc, pid, ASSESSMENT)
        first = records.generate_plan(tx, doc, pid, content=CONTENT)
        item = next(records.plan_items(first.data))
        records.update_item(tx, doc, pid, item["id"], "2 × 5", "note")
        signed = records.sign_plan(tx, doc, pid, "")
    assert signed.version == 3
    with database.transaction() as tx:
        patient = actor_for(
            tx, tx.scalars(select(UserRow).where(UserRow.email == f"pat-{tag}@x.example")).one()
        )
        stored = tx.scalars(select(PlanVersionRow.data).where(PlanVersionRow.id == first.id)).one()
        assert next(records.plan_items(stored))["dose"] == item["dose"]
        exercise = sorted(logs._plan_exercises(logs.signed_plan(tx, pid)))[0]
        logs.log_exercise(tx, patient, pid, exercise, 3, 10, DAY, content=CONTENT)
        logs.log_pain(tx, patient, pid, DAY, 2, 1, None, content=CONTENT)
        with pytest.raises(InvalidInput):
            logs.log_pain(tx, patient, pid, DAY, 12, None, None, content=CONTENT)
        view = today_view.today(tx, patient, pid, DAY, content=CONTENT)
    assert view.plan_version == 3
    assert any(i.sets_done_today == 3 for i in view.items)
    with database.transaction() as tx:
        row = tx.get_one(PatientRow, pid)
        assert row.last_log_on == DAY
        assert row.status == "active"


def test_questionnaire_pain_counts_for_the_plan_phase(
    database: Database, request: pytest.FixtureRequest
) -> None:
    tag = f"qp-{request.node.callspec.id}"
    doc = _clinician(database, tag)
    no_pain = {**ASSESSMENT, "function": {}}
    with database.transaction() as tx:
        pid = patients.create_patient(tx, doc, patients.NewPatient("Quest"), DAY)
        intake.submit_intake(tx, doc, pid, PFP_CASE, content=CONTENT)
        records.save_assessment(tx, doc, pid, no_pain)
        before = records.generate_plan(tx, doc, pid, content=CONTENT)
        intake.record_questionnaire(
            tx, doc, pid, "nprs", {"worst_week": 3, "usual_week": 2}, DAY, content=CONTENT
        )
        after = records.generate_plan(tx, doc, pid, content=CONTENT)
    assert before.data["phase"] == 1
    assert "not recorded" in before.data["phase_reason"]
    assert after.data["phase"] > 1
    assert "NPRS questionnaire" in after.data["phase_reason"]
    assert after.data["function_sources"]


def test_red_flag_refuses_plan(database: Database, request: pytest.FixtureRequest) -> None:
    doc = _clinician(database, f"rf-{request.node.callspec.id}")
    with database.transaction() as tx:
        pid = patients.create_patient(tx, doc, patients.NewPatient("Red"), DAY)
        view = intake.submit_intake(tx, doc, pid, RED_FLAG_CASE, content=CONTENT)
        records.save_assessment(tx, doc, pid, ASSESSMENT)
    assert view.red_flag
    with pytest.raises(Refused, match="referral decision"), database.transaction() as tx:
        records.generate_plan(tx, doc, pid, content=CONTENT)


def test_roster_search_and_clinic_isolation(
    database: Database, request: pytest.FixtureRequest
) -> None:
    tag = request.node.callspec.id
    doc = _clinician(database, f"ro-{tag}")
    other = _clinician(database, f"ro2-{tag}")
    with database.transaction() as tx:
        for name in ("Zed Roster", "Zoe Roster", "Amy Other"):
            patients.create_patient(tx, doc, patients.NewPatient(name), DAY)
        hidden = patients.create_patient(tx, other, patients.NewPatient("Zed Hidden"), DAY)
        page = patients.roster(tx, doc, "roster")
    assert [e.display_name for e in page.entries] == ["Zed Roster", "Zoe Roster"]
    with pytest.raises(NotFound), database.transaction() as tx:  # another clinic's: 404
        patients.get_patient(tx, doc, hidden)


def test_sessions_expire_when_idle(database: Database, request: pytest.FixtureRequest) -> None:
    tag = f"se-{request.node.callspec.id}"
    _clinician(database, tag)
    with database.transaction() as tx:
        actor = authenticate(tx, f"doc-{tag}@x.example", PASSWORD)
        token, _ = open_session(tx, actor)
    limits = SessionLimits(idle=timedelta(minutes=30))
    with database.transaction() as tx:
        assert resolve_session(tx, token, limits) is not None
    with database.transaction() as tx:
        later = utcnow() + timedelta(minutes=31)
        assert resolve_session(tx, token, limits, now=later) is None
    with database.transaction() as tx:
        assert resolve_session(tx, token, limits) is None


def test_demo_seed_is_idempotent(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    assert seed_demo(db, DAY, content=CONTENT) is True
    assert seed_demo(db, DAY, content=CONTENT) is False
    with db.transaction() as tx:
        statuses = sorted(tx.scalars(select(PatientRow.status)))
    assert statuses == ["active", "intake", "referral"]
    db.dispose()


def test_a_signed_running_hold_stops_runs_and_suggestions_decide_on_both_databases(
    database: Database, request: pytest.FixtureRequest
) -> None:
    from zoneinfo import ZoneInfo

    from runnersknee.services.care import plan_changes
    from runnersknee.services.care.safety_gate import gate_for
    from runnersknee.services.review import suggestions
    from tests.ready import READY

    tag = f"hold-{request.node.callspec.id}"
    doc = _clinician(database, tag)
    with database.transaction() as tx:
        pid = patients.create_patient(tx, doc, patients.NewPatient("Runner", 1990), DAY)
        intake.submit_intake(tx, doc, pid, PFP_CASE, content=CONTENT)
        records.save_assessment(tx, doc, pid, READY)
        records.generate_plan(tx, doc, pid, content=CONTENT)
        records.sign_plan(tx, doc, pid, "")
        assert gate_for(tx, pid, CONTENT).allowance.runs
        plan_changes.set_running(tx, doc, pid, True, "pain flare after a long run", DAY)
        assert gate_for(tx, pid, CONTENT).allowance.runs  # a draft: not yet
        records.sign_plan(tx, doc, pid, "")
    with database.transaction() as tx:
        gate = gate_for(tx, pid, CONTENT)
        today = today_view.today(tx, doc, pid, DAY, content=CONTENT)
        view = suggestions.view(tx, doc, pid, DAY, ZoneInfo("Europe/London"), CONTENT)
    assert gate.allowance.run_state == "running_held"
    assert today.running_held
    assert today.gate is not None
    assert today.gate.allowance.run_state == "running_held"
    assert view.decided == ()
    with database.transaction() as tx:
        plan_changes.set_running(tx, doc, pid, False, "", DAY)
        records.sign_plan(tx, doc, pid, "")
        assert gate_for(tx, pid, CONTENT).allowance.runs
