"""Export and erasure on SQLite and PostgreSQL: A's export holds none of B's rows, and an
erasure removes every row of B (foreign keys enforced) while A's record stays whole."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from runnersknee.clinical.errors import Forbidden, Refused
from runnersknee.config import Settings
from runnersknee.fhir.bundle import parse_bundle
from runnersknee.services.access.accounts import actor_for, create_clinic, create_user
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.care import intake, logs, patients, records
from runnersknee.services.demo import ASSESSMENT, PFP_CASE
from runnersknee.services.documents import erasure, export
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import (
    AuditRow,
    EpisodeRow,
    ExerciseLogRow,
    PainLogRow,
    PatientRow,
    PlanVersionRow,
    UserRow,
)
from tests.content import CONTENT

TODAY = date(2026, 3, 2)
PASSWORD = "a-long-enough-password"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    db = Database(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
    yield db
    db.dispose()


def _user(tx: object, email: str) -> Actor:
    return actor_for(tx, tx.scalars(select(UserRow).where(UserRow.email == email)).one())  # type: ignore[attr-defined]


def _clinic(db: Database) -> tuple[Actor, Actor, int, int]:
    tag = uuid.uuid4().hex[:8]
    with db.transaction() as tx:
        clinic = create_clinic(tx, f"export {tag}")
        create_user(tx, clinic, f"doc-{tag}@x.example", "Dr Export", Role.CLINICIAN, PASSWORD)
        create_user(tx, clinic, f"admin-{tag}@x.example", "Admin", Role.ADMIN, PASSWORD)
        doc = _user(tx, f"doc-{tag}@x.example")
        ids = []
        for name in ("Ann", "Ben"):
            new = patients.NewPatient(
                f"{name} {tag}", 1990, f"{name.lower()}-{tag}@x.example", PASSWORD
            )
            pid = patients.create_patient(tx, doc, new, TODAY)
            me = _user(tx, f"{name.lower()}-{tag}@x.example")
            intake.submit_intake(tx, doc, pid, PFP_CASE, content=CONTENT)
            records.save_assessment(tx, doc, pid, ASSESSMENT)
            records.generate_plan(tx, doc, pid, content=CONTENT)
            records.sign_plan(tx, doc, pid, f"signed for {name}")
            logs.log_exercise(
                tx,
                me,
                pid,
                "forward-lunge-0-45",
                3,
                7 if name == "Ann" else 9,
                TODAY - timedelta(days=1),
                content=CONTENT,
            )
            logs.log_pain(tx, me, pid, TODAY - timedelta(days=1), 1, 2, None, content=CONTENT)
            ids.append(pid)
        admin = _user(tx, f"admin-{tag}@x.example")
    return doc, admin, ids[0], ids[1]


def test_export_and_erasure(database: Database, tmp_path: object) -> None:
    doc, admin, ann, ben = _clinic(database)
    with database.transaction() as tx:
        bundle = parse_bundle(export.fhir_bundle(tx, doc, ann, datetime.now(UTC), content=CONTENT))
        subjects = {
            getattr(getattr(e.resource, "subject", None), "reference", None) for e in bundle.entry
        } - {None}
        assert subjects == {f"Patient/patient-{ann}"}
        made = export.write_export(
            tx, doc, ann, TODAY, Settings(data_dir=tmp_path), content=CONTENT
        )  # type: ignore[arg-type]
    assert made.name == f"patient-{ann}-export-2026-03-02.zip"
    with pytest.raises(Forbidden), database.transaction() as tx:
        erasure.erase_patient(tx, doc, ben, Settings(record_retention_days=0), datetime.now(UTC))
    with pytest.raises(Refused), database.transaction() as tx:
        erasure.erase_patient(tx, admin, ben, Settings(record_retention_days=30), datetime.now(UTC))
    with database.transaction() as tx:
        done = erasure.erase_patient(
            tx,
            admin,
            ben,
            Settings(record_retention_days=0),
            datetime.now(UTC) + timedelta(seconds=1),
        )
    assert done.rows > 6
    with database.transaction() as tx:
        assert tx.get(PatientRow, ben) is None
        for table in (ExerciseLogRow, PainLogRow, EpisodeRow):
            left = tx.scalar(select(func.count()).select_from(table).where(table.patient_id == ben))
            assert left == 0, table.__tablename__
            kept = tx.scalar(select(func.count()).select_from(table).where(table.patient_id == ann))
            assert kept, table.__tablename__
        episode = tx.scalar(select(EpisodeRow.id).where(EpisodeRow.patient_id == ann))
        assert tx.scalar(select(func.count()).where(PlanVersionRow.episode_id == episode)) == 2
        fact = tx.scalar(
            select(func.count()).where(
                AuditRow.action == "patient.erased", AuditRow.patient_id == ben
            )
        )
        denied = tx.scalar(
            select(func.count()).where(
                AuditRow.action == "patient.erase",
                AuditRow.outcome == "denied",
                AuditRow.patient_id == ben,
            )
        )
    assert fact == 1
    assert denied == 1
