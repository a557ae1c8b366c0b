"""Hole 5 of the security issue: a crash during an upload must not block the restart.

Run uploads are parsed by the job worker (in the web process's worker thread on SQLite, never
in forked parser processes that would keep the port and ignore SIGTERM); temporary folders of
a killed process are removed when the next one starts; the in-process worker re-queues only
jobs whose worker stopped beating; ``runs import`` leaves no parser processes behind.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from runnersknee.activity.fit_encode import SyntheticRecord, encode_activity
from runnersknee.services.platform.database import Database
from runnersknee.services.platform.storage import TEMP_PREFIX, clean_abandoned_temp_folders
from runnersknee.store.tables import JobRow, RunRow
from tests.integration.jobs import processes
from tests.web.conftest import PASSWORD, _seed

DOC = "doc@test.example"

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _fit_files(count: int) -> list[tuple[str, bytes, str]]:
    """``count`` one-hour runs with a record every second (about 70 kB each)."""
    start = datetime(2026, 3, 1, 7, tzinfo=UTC)
    files = []
    for n in range(count):
        records = [SyntheticRecord(t, t * 3.0, 3.0, 140, 85.0, 50.0) for t in range(3600)]
        data = encode_activity(start - timedelta(days=n), records, avg_cadence_strides=85.0)
        files.append((f"run-{n}.fit", data, "application/octet-stream"))
    return files


def _group(pgid: int) -> list[int]:
    """Live processes of the process group ``pgid`` (a server started in its own session)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _job(database: Database, job_id: int) -> JobRow:
    with database.transaction() as tx:
        row = tx.get_one(JobRow, job_id)
        tx.expunge(row)
    return row


def _until(database: Database, job_id: int, ok: Any, timeout_s: float) -> JobRow:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        row = _job(database, job_id)
        if ok(row):
            return row
        time.sleep(0.02)
    row = _job(database, job_id)
    pytest.fail(f"job {job_id} is {row.status} ({row.stage}) after {timeout_s} s")


def test_kill_9_during_an_upload_then_restart_at_once(sqlite_url: str, tmp_path: Path) -> None:
    """The upload is kept and queued; the in-process worker parses it in a thread of the
    server (no child processes); the server is killed with SIGKILL in the middle of the
    parsing; a new server on the same port starts at once, removes the temporary folders
    of the dead one, and its worker imports the upload once (no run lost or doubled)."""
    database = Database(sqlite_url)
    patient, _, _ = _seed(database)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = processes.environment(
        sqlite_url, tmp_path / "storage", TMPDIR=str(temp), RUNNERSKNEE_JOB_STALE_AFTER_S="2"
    )
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    files = [("files", f) for f in _fit_files(20)]  # about 0.1-0.3 s of parsing each
    server = processes.start(["serve", "--port", str(port)], env, tmp_path / "web1.log")
    second = None
    try:
        processes.wait_http(base, server)
        with httpx.Client(base_url=base, timeout=60) as client:
            login = client.post("/api/v1/auth/login", json={"email": DOC, "password": PASSWORD})
            client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
            posted = client.post(f"/api/v1/patients/{patient}/runs", files=files)
        assert posted.status_code == 202, posted.text
        job_id = int(posted.json()["id"])
        _until(database, job_id, lambda r: r.status == "running" and r.progress > 0.1, 60)
        assert _children(server.pid) == []  # parsed in a thread: no forked parser processes
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        assert _group(server.pid) == []  # nothing of the killed server lives on
        killed = _job(database, job_id)
        assert killed.status == "running"  # killed in the middle of the parsing
        left = temp / f"{TEMP_PREFIX}{server.pid}-abandoned"  # as an older version left them
        left.mkdir()
        started = time.monotonic()
        second = processes.start(["serve", "--port", str(port)], env, tmp_path / "web2.log")
        processes.wait_http(base, second, timeout_s=30)  # the port is free at once
        restart_s = time.monotonic() - started
        assert restart_s < 30
        assert "address already in use" not in (tmp_path / "web2.log").read_text().lower()
        assert not left.exists()  # removed at start-up
        final = _until(database, job_id, lambda r: r.status in ("done", "failed"), 120)
        assert (final.status, final.attempts) == ("done", 2), final.error
        with database.transaction() as tx:
            stored = tx.scalar(select(func.count()).where(RunRow.patient_id == patient))
        assert stored == 20  # every run once: nothing lost, nothing doubled
        assert not list((tmp_path / "storage" / "uploads").rglob("*.fit"))  # files removed
    finally:
        if second is not None:
            processes.stop(second)
        processes.stop(server)
        database.dispose()


def test_only_folders_of_dead_processes_are_cleaned(tmp_path: Path) -> None:
    mine = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-busy"
    dead = tmp_path / f"{TEMP_PREFIX}999999999-crashed"
    other = tmp_path / "not-ours"
    for folder in (mine, dead, other):
        folder.mkdir()
    assert clean_abandoned_temp_folders(tmp_path) == 1
    assert mine.exists()
    assert not dead.exists()
    assert other.exists()


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_runs_import_leaves_no_orphans_when_killed(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for name, data, _ in _fit_files(60):
        (folder / name).write_bytes(data)
    env = processes.environment(f"sqlite:///{tmp_path}/unused.db", tmp_path / "data")
    command = ["runs", "import", str(folder), "--workers", "2", "--format", "json"]
    parent = processes.start(command, env, tmp_path / "import.log")
    try:
        deadline = time.monotonic() + 60
        children: list[int] = []
        while len(children) < 2 and time.monotonic() < deadline and parent.poll() is None:
            children = _children(parent.pid)
            time.sleep(0.02)
        assert len(children) >= 2, "the import finished before its parser processes were seen"
        os.kill(children[0], signal.SIGTERM)  # a parser process obeys SIGTERM
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        killed = time.monotonic()
        while any(_alive(c) for c in children) and time.monotonic() < killed + 10:
            time.sleep(0.01)
        assert [c for c in children if _alive(c)] == []  # they exit with their parent
        assert time.monotonic() - killed < 1.0  # at once (PR_SET_PDEATHSIG), not at a poll
    finally:
        processes.stop(parent)
