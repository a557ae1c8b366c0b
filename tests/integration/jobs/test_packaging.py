"""Installation and command line: --version, a fast --help, one-line settings errors, the
app factory under ``uvicorn --factory``, the licence, and the video extra's message."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from runnersknee import __version__
from runnersknee.services.platform import extras
from tests.integration.jobs import processes

ROOT = Path(__file__).resolve().parents[3]


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = processes.environment("sqlite:///unused.db", ROOT / "var", **env)
    return subprocess.run(
        [sys.executable, "-m", "runnersknee", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version() -> None:
    done = _cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"runnersknee {__version__}"


def test_help_loads_no_heavy_library() -> None:
    probe = (
        "import sys, time; t = time.process_time(); from runnersknee.cli import build_app; "
        "build_app(); print(time.process_time() - t); "
        "print(sorted(m for m in ('scipy', 'matplotlib', 'cv2', 'numpy', 'sqlalchemy', "
        "'fastapi', 'weasyprint', 'procrastinate') if m in sys.modules))"
    )
    environment = processes.environment("sqlite:///unused.db", ROOT / "var")
    done = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=True
    )
    seconds, loaded = done.stdout.splitlines()
    assert loaded == "[]"
    assert float(seconds) < 1.0  # CPU time, not wall time: a busy machine does not fail it
    assert _cli("--help").returncode == 0


def test_a_bad_setting_is_one_clear_line() -> None:
    done = _cli("serve", RUNNERSKNEE_PORT="eighty")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: bad setting: RUNNERSKNEE_PORT:")
    secret = _cli("serve", RUNNERSKNEE_ENVIRONMENT="production")
    assert secret.returncode == 2
    assert secret.stderr.strip().startswith(
        "error: RUNNERSKNEE_SECRET_KEY must be set outside development"
    )
    assert len(secret.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_uvicorn_factory_reads_the_settings(sqlite_url: str, tmp_path: Path) -> None:
    port = processes.free_port()
    environment = processes.environment(sqlite_url, tmp_path)
    with (tmp_path / "uvicorn.log").open("ab") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "runnersknee.web.app:create_app",
                "--port",
                str(port),
            ],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        processes.wait_http(f"http://127.0.0.1:{port}", server)
    finally:
        processes.stop(server)


def test_licence_and_metadata() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["license"] == "AGPL-3.0-or-later"
    assert meta["license-files"] == ["LICENSE"]
    assert any(
        c.startswith("Topic :: Scientific/Engineering :: Medical") for c in meta["classifiers"]
    )
    video = meta["optional-dependencies"]["video"]
    assert "opencv-contrib-python>=4.9" in video  # the one cv2 (mediapipe requires it)
    assert any(d.startswith("mediapipe>=1.2.2") for d in video)  # inside the extra, no --no-deps
    assert not any(d.startswith(("opencv", "scipy")) for d in meta["dependencies"])
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007")
    assert "13. Remote Network Interaction; Use with the GNU General Public License." in text


def test_missing_video_libraries_give_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    assert extras.missing_video_modules("keypoints") == []  # installed here by make setup
    monkeypatch.setitem(extras._NEEDS, "video", ("scipy", "rk_no_such_video_module"))
    with pytest.raises(extras.VideoNotInstalled) as caught:
        extras.require_video("video")
    assert caught.value.message.startswith("video analysis is not installed on this server")
    assert "pip install 'runnersknee[video]'" in caught.value.message
    assert caught.value.details["missing"] == ["rk_no_such_video_module"]
