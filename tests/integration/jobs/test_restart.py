"""Hole 5 of the security issue: a crash during an upload must not block the restart.

The web server parses uploads in its own threads (no forked parser processes that would keep
its port and ignore SIGTERM); the temporary folders of a killed server are removed when the
next one starts; the in-process worker re-queues only jobs whose worker stopped beating.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from runnersknee.services.storage import TEMP_PREFIX, clean_abandoned_temp_folders
from tests.integration.jobs import processes

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


def test_kill_9_during_an_upload_then_restart_at_once(sqlite_url: str, tmp_path: Path) -> None:
    env = processes.environment(sqlite_url, tmp_path / "storage")
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    abandoned = Path(tempfile.gettempdir()) / f"{TEMP_PREFIX}999999999-left-by-a-crash"
    abandoned.mkdir(exist_ok=True)
    server = processes.start(["serve", "--port", str(port)], env, tmp_path / "web1.log")
    try:
        processes.wait_http(base, server)
        big = b"\x0e\x10" + os.urandom(8 * 1024 * 1024)  # a slow 8 MB upload

        def upload() -> None:
            with contextlib.suppress(httpx.HTTPError):  # the server dies under it
                httpx.post(f"{base}/me/runs", files={"files": ("a.fit", big)}, timeout=10)

        sender = threading.Thread(target=upload, daemon=True)
        sender.start()
        time.sleep(0.3)
        assert _children(server.pid) == []  # no parser processes forked by the web server
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        sender.join(timeout=15)
        started = time.monotonic()
        second = processes.start(["serve", "--port", str(port)], env, tmp_path / "web2.log")
        try:
            processes.wait_http(base, second, timeout_s=30)  # the port is free at once
            assert time.monotonic() - started < 30
            assert not abandoned.exists()  # the crashed server's upload folder is gone
        finally:
            processes.stop(second)
            assert second.returncode is not None
    finally:
        processes.stop(server)
        if abandoned.exists():
            abandoned.rmdir()


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
