"""docs/evaluate.md documents every top-level and triage key of the JSON output."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from runnersknee.cli import build_app

ROOT = Path(__file__).resolve().parents[3]


def test_every_json_key_is_documented() -> None:
    doc = (ROOT / "docs" / "evaluate.md").read_text(encoding="utf-8")
    case = ROOT / "examples" / "cases" / "plan-runner-with-questionnaires.yaml"
    result = CliRunner().invoke(build_app(), ["evaluate", str(case), "-f", "json"])
    body = json.loads(result.stdout)
    for key in body:
        assert f"`{key}" in doc, key
    for key in body["triage"]:
        assert f"`triage.{key}" in doc, key
    for key in body["scores"]["akps"]:
        assert f"`{key}`" in doc, key
    for key in body["changes"]["akps"]:
        assert f"`{key}`" in doc, key
