"""The deployment files run commands that exist and work: every command of deploy/compose.yaml
and of the systemd units parses with the real CLI, and `db upgrade` and `serve --workers 2`
run here."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import yaml

from runnersknee.cli import build_app
from tests.integration.jobs import processes

ROOT = Path(__file__).resolve().parents[3]


def _commands() -> list[list[str]]:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    found = [
        list(service["command"])
        for service in compose["services"].values()
        if "command" in service and service["command"][0] == "runnersknee"
    ]
    for unit in (ROOT / "deploy" / "systemd").glob("*.service"):
        for line in unit.read_text().splitlines():
            if line.startswith(("ExecStart=", "ExecStartPre=")):
                argv = shlex.split(line.split("=", 1)[1])
                found.append(["runnersknee", *argv[1:]])
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))
    found.append(yaml.safe_load(cmd.removeprefix("CMD ")))
    return found


def test_every_deployment_command_parses_with_the_cli() -> None:
    commands = _commands()
    names = {" ".join(c[1:3]) if c[1] == "db" else c[1] for c in commands}
    assert names == {"db upgrade", "serve", "worker"}
    root = typer.main.get_command(build_app())
    for argv in commands:
        context = root.make_context("runnersknee", argv[1:], resilient_parsing=False)
        group, rest = root, list(argv[1:])
        while rest and isinstance(group, typer.core.TyperGroup):
            name, sub, rest = group.resolve_command(context, rest)
            assert sub is not None, argv
            context = sub.make_context(name or "", list(rest), parent=context)
            group, rest = sub, []
        assert context.params is not None, argv


@pytest.mark.slow
def test_db_upgrade_then_serve_with_two_web_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/deploy.db"
    env = processes.environment(url, tmp_path / "data")
    upgraded = subprocess.run(
        [sys.executable, "-m", "runnersknee", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("database at revision ")
    port = processes.free_port()
    server = processes.start(
        ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env,
        tmp_path / "serve.log",
    )
    try:
        processes.wait_http(f"http://127.0.0.1:{port}", server, timeout_s=90)
    finally:
        processes.stop(server)
    log = (tmp_path / "serve.log").read_text()
    assert log.count("Application startup complete") == 2, log[-2000:]
