"""Two web processes and two worker processes on the real PostgreSQL (issue 19).

50 keypoint analyses queued through both web processes run exactly once each; a worker killed
with ``kill -9`` in the middle of a job has that job retried once by the other worker; progress
and results read the same from either web process. Bounded: every wait has a deadline.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text

from runnersknee.gait import synthetic
from runnersknee.gait.keypoint_io import write_keypoints_csv
from runnersknee.services.access.accounts import create_clinic, create_user
from runnersknee.services.access.authz import Role
from runnersknee.services.care import patients
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import JobRow
from tests.conftest import _pg_base_url
from tests.integration.jobs import processes

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EMAIL, PASSWORD = "scale@x.example", "a-long-enough-password"
JOBS = 50
#: A worker that misses heartbeats for this long is dead (short here; 60 s by default).
STALE_S = "3"


@dataclass
class Cluster:
    database: Database
    patient_id: int
    clients: list[httpx.Client]
    workers: list[Any]


def _seed(database: Database) -> int:
    with database.transaction() as tx:
        clinic = create_clinic(tx, "scale-out clinic")
        user_id = create_user(tx, clinic, EMAIL, "Doc", Role.CLINICIAN, PASSWORD)
        del user_id
    from runnersknee.services.access.accounts import actor_for
    from runnersknee.store.tables import UserRow

    with database.transaction() as tx:
        doc = actor_for(tx, tx.scalars(select(UserRow).where(UserRow.email == EMAIL)).one())
        return patients.create_patient(tx, doc, patients.NewPatient("P scale", 1990), date.today())


def _login(bases: list[str]) -> list[httpx.Client]:
    """One login (a new login ends the older session), its session used on every web process."""
    first = httpx.Client(base_url=bases[0], timeout=30)
    response = first.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
    assert response.status_code == 200, response.text
    first.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    others = [
        httpx.Client(base_url=base, timeout=30, cookies=first.cookies, headers=first.headers)
        for base in bases[1:]
    ]
    return [first, *others]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    base = _pg_base_url()
    if base is None:
        pytest.fail("PostgreSQL on 127.0.0.1:5432 is not reachable (needed by postgres tests)")
    with processes.pg_schema(base) as url:
        database = Database(url)
        patient_id = _seed(database)
        env = processes.environment(
            url, tmp_path / "storage", RUNNERSKNEE_JOB_STALE_AFTER_S=STALE_S
        )
        started: list[Any] = []
        try:
            ports = [processes.free_port(), processes.free_port()]
            webs = [
                processes.start(["serve", "--port", str(p)], env, tmp_path / f"web{p}.log")
                for p in ports
            ]
            started += webs
            workers = [
                processes.start(["worker"], env, tmp_path / f"worker{n}.log") for n in (1, 2)
            ]
            started += workers
            for port, web in zip(ports, webs, strict=True):
                processes.wait_http(f"http://127.0.0.1:{port}", web)
            clients = _login([f"http://127.0.0.1:{p}" for p in ports])
            yield Cluster(database, patient_id, clients, workers)
            for client in clients:
                client.close()
        finally:
            for process in started:
                processes.stop(process)
            database.dispose()


def _keypoints(tmp_path: Path, name: str, **run: float) -> bytes:
    if run:
        kp, _ = synthetic.running_sagittal(**run)
    else:
        kp, _ = synthetic.single_leg_squat(stance_side="left", fppa_deg=12.0, repetitions=3)
    path = tmp_path / name
    write_keypoints_csv(kp, path)
    return path.read_bytes()


def _submit(client: httpx.Client, patient_id: int, content: bytes, **fields: str) -> int:
    data = {"view": "frontal", "task": "squat", "side": "left", "source": "keypoints", **fields}
    response = client.post(
        f"/api/v1/patients/{patient_id}/videos",
        data=data,
        files={"video": ("kp.csv", content, "text/csv")},
    )
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def _rows(database: Database, ids: list[int]) -> list[JobRow]:
    with database.transaction() as tx:
        rows = list(tx.scalars(select(JobRow).where(JobRow.id.in_(ids)).order_by(JobRow.id)))
        tx.expunge_all()
    return rows


def _wait(database: Database, ids: list[int], timeout_s: float) -> list[JobRow]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = _rows(database, ids)
        if all(r.status in ("done", "failed", "cancelled") for r in rows):
            return rows
        time.sleep(0.5)
    states = sorted({r.status for r in _rows(database, ids)})
    pytest.fail(f"jobs not finished within {timeout_s} s (states: {states})")


def _started_events(database: Database) -> dict[int, int]:
    """How many times Procrastinate started the run task of each job row."""
    with database.transaction() as tx:
        found = tx.execute(
            text(
                "SELECT (j.args->>'job_id')::int, count(*) FROM procrastinate_jobs j "
                "JOIN procrastinate_events e ON e.job_id = j.id "
                "WHERE j.task_name = 'runnersknee.run_job' AND e.type = 'started' "
                "GROUP BY 1"
            )
        ).all()
    return {int(job): int(count) for job, count in found}


def test_two_web_and_two_worker_processes_share_one_database(
    cluster: Cluster, tmp_path: Path
) -> None:
    squat = _keypoints(tmp_path, "squat.csv")
    ids = [_submit(cluster.clients[n % 2], cluster.patient_id, squat) for n in range(JOBS)]
    assert len(set(ids)) == JOBS
    rows = _wait(cluster.database, ids, timeout_s=240)
    assert [r.status for r in rows] == ["done"] * JOBS, [r.error for r in rows if r.error]
    assert [r.attempts for r in rows] == [1] * JOBS  # none lost, none run twice
    assert _started_events(cluster.database) == dict.fromkeys(ids, 1)
    workers = {r.worker_id.split(":")[1] for r in rows if r.worker_id}
    assert workers == {str(w.pid) for w in cluster.workers}  # both workers took jobs
    for job_id in (ids[0], ids[-1]):  # the same job and result from either web process
        seen = [c.get(f"/api/v1/jobs/{job_id}").json() for c in cluster.clients]
        assert seen[0] == seen[1]
        assert seen[0]["status"] == "done"
        assert seen[0]["progress"] == 1.0


def test_a_job_of_a_killed_worker_is_retried_once_by_the_other(
    cluster: Cluster, tmp_path: Path
) -> None:
    long_run = _keypoints(tmp_path, "run.csv", duration_s=120.0)
    job_id = _submit(
        cluster.clients[0],
        cluster.patient_id,
        long_run,
        view="sagittal",
        task="run",
        side="",
    )
    deadline = time.monotonic() + 60
    victim: int | None = None
    while victim is None and time.monotonic() < deadline:
        (row,) = _rows(cluster.database, [job_id])
        if row.status == "running" and row.worker_id:
            victim = int(row.worker_id.split(":")[1])
            progress_seen = [c.get(f"/api/v1/jobs/{job_id}").json() for c in cluster.clients]
        time.sleep(0.05)
    assert victim is not None, "the job never started"
    assert {p["status"] for p in progress_seen} == {"running"}  # visible from both web processes
    os.kill(victim, signal.SIGKILL)
    (row,) = _wait(cluster.database, [job_id], timeout_s=120)
    assert row.status == "done", row.error
    assert row.attempts == 2  # retried once
    assert row.worker_id is not None
    assert int(row.worker_id.split(":")[1]) != victim
    assert _started_events(cluster.database)[job_id] == 2
    for client in cluster.clients:
        assert client.get(f"/api/v1/jobs/{job_id}").json()["status"] == "done"


def test_run_uploads_are_imported_once_by_the_postgresql_workers(
    cluster: Cluster, tmp_path: Path
) -> None:
    """Watch-file uploads through both web processes: each import job runs once in a worker
    process (Procrastinate), every run is stored once, the files are deleted."""
    from runnersknee.store.tables import RunRow
    from tests.web.test_web_runs import synthetic_run

    today = datetime.combine(date.today(), datetime.min.time(), tzinfo=UTC)
    ids = []
    for n in range(10):
        files = [
            ("files", (f"run-{n}-{k}.fit", synthetic_run(today - timedelta(days=2 * n + k), 3.0)))
            for k in (0, 1)
        ]
        posted = cluster.clients[n % 2].post(
            f"/api/v1/patients/{cluster.patient_id}/runs", files=files
        )
        assert posted.status_code == 202, posted.text
        ids.append(int(posted.json()["id"]))
    rows = _wait(cluster.database, ids, timeout_s=120)
    assert [r.status for r in rows] == ["done"] * 10, [r.error for r in rows if r.error]
    assert [r.attempts for r in rows] == [1] * 10
    assert _started_events(cluster.database) == dict.fromkeys(ids, 1)
    assert {r.worker_id.split(":")[1] for r in rows if r.worker_id} <= {
        str(w.pid) for w in cluster.workers
    }
    with cluster.database.transaction() as tx:
        stored = tx.scalars(select(RunRow.id).where(RunRow.patient_id == cluster.patient_id))
        assert len(list(stored)) == 20
    job = cluster.clients[1].get(f"/api/v1/jobs/{ids[0]}").json()
    assert len(job["result"]["imported"]) == 2
    assert not list((tmp_path / "storage" / "uploads").rglob("*.fit"))
