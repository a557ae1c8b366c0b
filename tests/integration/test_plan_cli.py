"""``runnersknee plan``: every format, the refusal path and bad input (exit codes)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runnersknee import bootstrap
from runnersknee.cli import build_app
from runnersknee.clinical.errors import Refused

from ..unit.clinical.plan_fixtures import library

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "assessed"
RUNNERSKNEE = Path(sys.executable).with_name("runnersknee")


@pytest.fixture(autouse=True)
def _fixture_library(monkeypatch):
    """The CLI uses the test library so these tests do not depend on library content."""
    packaged = bootstrap.load_content

    def with_test_library(settings):
        return dataclasses.replace(packaged(settings), exercises=library())

    monkeypatch.setattr(bootstrap, "load_content", with_test_library)


def run(*args: str):
    return CliRunner().invoke(build_app(), ["plan", *args])


def test_json_is_stable_and_documented_keys_exist():
    result = run(str(EXAMPLES / "female-runner-hip-weakness.yaml"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {
        "schema_version",
        "case_id",
        "triage",
        "strength",
        "impairments",
        "plan",
        "refused",
    }
    plan = data["plan"]
    assert plan["phase"] == 3
    assert [c["kind"] for c in plan["components"]] == [
        "pain_management",
        "stretching",
        "strengthening",
        "gait_retraining",
        "footwear_orthoses",
    ]
    for component in plan["components"]:
        assert component["status"] in {"indicated", "not_indicated"}
        for item in component["items"]:
            assert item["exercise_id"] or item["advice"]
            assert item["dose"]
            assert item["reason"]
            assert item["citation_ids"]
    labels = [i["label"] for i in data["impairments"]]
    assert "hip abductor weakness, left, LSI 74 %" in labels


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [("text", "Phase 3\n-------"), ("markdown", "## Phase 3"), ("html", "<h2>Phase 3</h2>")],
)
def test_text_markdown_html(fmt, marker):
    result = run(str(EXAMPLES / "female-runner-hip-weakness.yaml"), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert marker in result.stdout
    assert "hip abductor weakness, left, LSI 74 %" in result.stdout


def test_every_example_runs():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        result = run(str(path), "--format", "json")
        data = json.loads(result.stdout)
        if "red-flag" in path.name:
            assert isinstance(result.exception, Refused)  # main() maps it to exit code 6
            assert data["plan"] is None
            assert data["refused"]["level"] == "emergency"
        else:
            assert result.exit_code == 0, (path.name, result.output)
            assert data["plan"] is not None


def test_red_flag_refused_through_the_real_entry_point():
    proc = subprocess.run(
        [str(RUNNERSKNEE), "plan", str(EXAMPLES / "red-flag-hot-swollen-knee.yaml")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 6
    assert "EMERGENCY" in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ("  left: {foot: {fpi6_total: 15}}", "fpi6_total"),
        ("  left: {strength: [{test: hip_abduction, force: -20}]}", "force"),
        ("  left: {movement: {fppa_sls_deg: 400}}", "fppa_sls_deg"),
    ],
)
def test_out_of_range_input_exits_2_with_one_line(tmp_path, patch, field):
    text = (EXAMPLES / "non-runner-stairs.yaml").read_text(encoding="utf-8")
    head = text.split("assessment:")[0]
    case_file = tmp_path / "bad.yaml"
    case_file.write_text(f"{head}assessment:\n{patch}\n", encoding="utf-8")
    proc = subprocess.run(
        [str(RUNNERSKNEE), "plan", str(case_file), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert field in proc.stderr
    assert "Traceback" not in proc.stderr
