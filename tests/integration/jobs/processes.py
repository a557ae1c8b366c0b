"""Start real ``runnersknee serve`` / ``runnersknee worker`` processes for the scale-out tests
(each in its own process group, always stopped by the caller's ``finally``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path

import httpx

from tests.pg import pg_schema as shared_pg_schema

SRC = Path(__file__).resolve().parents[3] / "src"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(url: str, storage: Path, **extra: str) -> dict[str, str]:
    """The environment of a child process: this source tree and the given settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNNERSKNEE_")}
    env["PYTHONPATH"] = str(SRC)
    env["RUNNERSKNEE_DATABASE_URL"] = url
    env["RUNNERSKNEE_DATA_DIR"] = str(storage)
    env["RUNNERSKNEE_STORAGE_ROOT"] = str(storage)
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``python -m runnersknee ARGS`` in a new session, output to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "runnersknee", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes], timeout_s: float = 15) -> None:
    """SIGTERM the process's group, SIGKILL it when it does not stop in time."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass


def wait_http(base: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    """Wait until the server at ``base`` answers /login."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"server at {base} exited with {process.returncode}"
            raise AssertionError(msg)
        try:
            if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    msg = f"server at {base} did not answer within {timeout_s} s"
    raise AssertionError(msg)


def pg_schema(base_url: str) -> AbstractContextManager[str]:
    """A fresh, migrated PostgreSQL schema of its own (dropped afterwards)."""
    return shared_pg_schema(base_url, prefix="rk_jobs")
