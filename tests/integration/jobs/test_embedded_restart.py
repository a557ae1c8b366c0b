"""The embedded default (SQLite, the worker inside the web process) across restarts: a second
process started with overlap never takes a live job, and the job of a server killed with
``kill -9`` is run again once by the next server."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from runnersknee.gait import synthetic
from runnersknee.gait.keypoint_io import write_keypoints_csv
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import JobRow
from tests.integration.jobs import processes
from tests.web.conftest import PASSWORD, _seed

pytestmark = pytest.mark.slow

DOC = "doc@test.example"


def _row(database: Database, job_id: int) -> JobRow:
    with database.transaction() as tx:
        row = tx.scalars(select(JobRow).where(JobRow.id == job_id)).one()
        tx.expunge(row)
    return row


def _until(database: Database, job_id: int, ok: object, timeout_s: float) -> JobRow:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        row = _row(database, job_id)
        if ok(row):  # type: ignore[operator]
            return row
        time.sleep(0.05)
    pytest.fail(f"job {job_id} is {_row(database, job_id).status} after {timeout_s} s")


def _client(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    login = client.post("/api/v1/auth/login", json={"email": DOC, "password": PASSWORD})
    client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
    return client


def _submit(client: httpx.Client, patient: int, content: bytes) -> int:
    response = client.post(
        f"/api/v1/patients/{patient}/videos",
        data={"view": "sagittal", "task": "run", "source": "keypoints"},
        files={"video": ("run.csv", content, "text/csv")},
    )
    assert response.status_code == 202, response.text
    return int(response.json()["id"])


def test_overlap_and_kill_9_with_the_in_process_worker(sqlite_url: str, tmp_path: Path) -> None:
    database = Database(sqlite_url)
    patient, _, _ = _seed(database)
    kp, _ = synthetic.running_sagittal(duration_s=60.0)
    write_keypoints_csv(kp, tmp_path / "run.csv")
    content = (tmp_path / "run.csv").read_bytes()
    env = processes.environment(sqlite_url, tmp_path / "storage", RUNNERSKNEE_JOB_STALE_AFTER_S="3")
    ports = [processes.free_port(), processes.free_port()]
    servers: list = []
    try:
        first = processes.start(["serve", "--port", str(ports[0])], env, tmp_path / "a.log")
        servers.append(first)
        processes.wait_http(f"http://127.0.0.1:{ports[0]}", first)
        with contextlib.closing(_client(f"http://127.0.0.1:{ports[0]}")) as client:
            job = _submit(client, patient, content)
        _until(database, job, lambda r: r.status == "running", 60)
        # A second process starts while the first runs the job: it must not take it.
        second = processes.start(["serve", "--port", str(ports[1])], env, tmp_path / "b.log")
        servers.append(second)
        processes.wait_http(f"http://127.0.0.1:{ports[1]}", second)
        done = _until(database, job, lambda r: r.status != "running", 120)
        assert (done.status, done.attempts) == ("done", 1)
        assert done.worker_id is not None
        assert done.worker_id.split(":")[1] == str(first.pid)
        # Another job; whichever server runs it is killed; the other one runs it again once.
        with contextlib.closing(_client(f"http://127.0.0.1:{ports[1]}")) as client:
            job = _submit(client, patient, content)
        running = _until(database, job, lambda r: r.status == "running" and r.worker_id, 60)
        assert running.worker_id is not None
        victim = int(running.worker_id.split(":")[1])
        survivor = next(s for s in servers if s.pid != victim)
        os.kill(victim, signal.SIGKILL)
        final = _until(database, job, lambda r: r.status in ("done", "failed"), 120)
        assert (final.status, final.attempts) == ("done", 2), final.error
        assert final.worker_id is not None
        assert final.worker_id.split(":")[1] == str(survivor.pid)
    finally:
        for server in servers:
            processes.stop(server)
        database.dispose()
