"""``runs import`` and ``runs report`` through the Typer app and the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runnersknee.cli import build_app
from tests.unit.activity.builders import fit_run, gpx_run, utc

DATA = Path(__file__).resolve().parents[1] / "data" / "fit"
RUN_KEYS = {"start", "distance_m", "duration_s", "cadence_spm", "spike_category"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    runs = tmp_path / "runs"
    runs.mkdir()
    start = utc(2024, 5, 1)
    for i, km in enumerate([5, 5.5, 6, 8, 6, 10]):
        data = fit_run(start + timedelta(days=3 * i), km * 1000, seconds=int(km * 360))
        (runs / f"{i}.fit").write_bytes(data)
    (runs / "dup.gpx").write_bytes(gpx_run(start, points=11, step_deg=0.0045))
    (runs / "walk.fit").write_bytes((DATA / "garmin-fenix-5-walk.fit").read_bytes())
    return runs


def test_import_json_lists_runs_skips_and_duplicates(folder: Path) -> None:
    result = CliRunner().invoke(build_app(), ["runs", "import", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["runs"]) == 6
    assert data["skipped"] == [
        {"source": "walk.fit", "reason": "activity is walking, not running", "code": "not_a_run"}
    ]
    assert data["duplicates"][0]["source"] == "dup.gpx"
    assert data["runs"][0]["cadence_spm"] == 171.0


def test_report_json_with_pain_log_and_chart(folder: Path, tmp_path: Path) -> None:
    log = tmp_path / "pain.csv"
    log.write_text(
        "day,during_nprs,after_nprs,next_morning_nprs,baseline_morning_nprs,completed\n"
        "2024-05-16,2,3,1,1,true\n2024-05-18,4,4,2,1,true\n"
    )
    chart = tmp_path / "chart.svg"
    args = ["runs", "report", str(folder), "--format", "json", "--pain-log", str(log),
            "--chart", str(chart), "--today", "2024-05-18"]  # fmt: skip
    result = CliRunner().invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["runs"][0]) >= RUN_KEYS
    assert [r["spike_category"] for r in data["runs"]] == [
        "no_reference", "none", "none", "moderate", "none", "small",
    ]  # fmt: skip
    nxt = data["next_run"]
    # running before the log started: free running, a breach re-enters the last stage
    assert nxt["kind"] == "walk_run"
    assert nxt["decision"] == "regress"
    assert nxt["stage"]["number"] == 6
    assert nxt["earliest_day"] == "2024-05-20"
    assert "TRIALS-2023-RTR" in data["citations"]
    assert chart.read_text().lstrip().startswith("<?xml")


def test_report_text_and_png(folder: Path, tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    args = ["runs", "report", str(folder), "--today", "2024-05-20", "--chart", str(chart)]
    result = CliRunner().invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    assert "Next run" in result.stdout
    assert "no longer than 10.00 km" in result.stdout  # no pain log: hold, not +10 %
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_input_exit_code_through_entry_point(folder: Path, tmp_path: Path) -> None:
    bad = tmp_path / "pain.csv"
    bad.write_text("day,during_nprs\n2024-05-16,12\n")
    exe = Path(sys.executable).parent / "runnersknee"
    proc = subprocess.run(
        [str(exe), "runs", "report", str(folder), "--pain-log", str(bad), "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "during_nprs" in proc.stderr
    assert "Traceback" not in proc.stderr
    chart = subprocess.run(
        [str(exe), "runs", "report", str(folder), "--chart", str(tmp_path / "c.pdf")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert chart.returncode == 2
    assert ".svg or .png" in chart.stderr
