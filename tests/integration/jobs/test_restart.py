"""Hole 5 of the security issue: a crash during an upload must not block the restart.

The web server parses uploads in its own threads (no forked parser processes that would keep
its port and ignore SIGTERM); the temporary folders of a killed server are removed when the
next one starts; the in-process worker re-queues only jobs whose worker stopped beating.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from runnersknee.activity.fit_encode import SyntheticRecord, encode_activity
from runnersknee.services.platform.database import Database
from runnersknee.services.platform.storage import TEMP_PREFIX, clean_abandoned_temp_folders
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


def _upload_folders(pid: int) -> list[Path]:
    return list(Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}{pid}-*"))


def test_kill_9_during_an_upload_then_restart_at_once(sqlite_url: str, tmp_path: Path) -> None:
    database = Database(sqlite_url)
    patient, _, _ = _seed(database)
    database.dispose()
    env = processes.environment(sqlite_url, tmp_path / "storage")
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    files = [("files", f) for f in _fit_files(40)]  # above the old automatic pool's threshold
    server = processes.start(["serve", "--port", str(port)], env, tmp_path / "web1.log")
    try:
        processes.wait_http(base, server)
        client = httpx.Client(base_url=base, timeout=60)
        login = client.post("/api/v1/auth/login", json={"email": DOC, "password": PASSWORD})
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]

        def upload() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server dies under it
                client.post(f"/api/v1/patients/{patient}/runs", files=files)

        sender = threading.Thread(target=upload, daemon=True)
        sender.start()
        deadline = time.monotonic() + 30
        while not _upload_folders(server.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _upload_folders(server.pid), "the upload never reached the parser"
        children = set()
        for _ in range(20):  # while it parses: no forked parser processes
            children.update(_children(server.pid))
            time.sleep(0.02)
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        sender.join(timeout=30)
        client.close()
        assert children == set()
        left = _upload_folders(server.pid)
        assert left  # what a crash leaves behind
        started = time.monotonic()
        second = processes.start(["serve", "--port", str(port)], env, tmp_path / "web2.log")
        try:
            processes.wait_http(base, second, timeout_s=30)  # the port is free at once
            assert time.monotonic() - started < 30
            assert not any(folder.exists() for folder in left)  # removed at start-up
        finally:
            processes.stop(second)
    finally:
        processes.stop(server)
        for folder in _upload_folders(server.pid):
            shutil.rmtree(folder, ignore_errors=True)


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
        deadline = time.monotonic() + 10
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [c for c in children if _alive(c)] == []  # they exit with their parent
    finally:
        processes.stop(parent)
