"""``runnersknee evaluate`` and ``runnersknee schema`` end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runnersknee.cli import build_app

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "examples" / "cases").glob("*.yaml"))
LEVELS = ("emergency", "urgent", "refer", "plan")
runner = CliRunner()


def run_json(path: Path) -> dict[str, object]:
    result = runner.invoke(build_app(), ["evaluate", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_examples_cover_every_level() -> None:
    assert len(EXAMPLES) >= 10
    prefixes = {path.name.split("-")[0] for path in EXAMPLES}
    assert set(LEVELS) <= prefixes


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_gets_the_level_its_name_promises(path: Path) -> None:
    expected = path.name.split("-")[0]
    body = run_json(path)
    triage = body["triage"]
    assert isinstance(triage, dict)
    assert triage["level"] == expected
    assert triage["plan_allowed"] is (expected == "plan")
    for reason in triage["reasons"]:
        assert reason["rule_id"]
        assert reason["reason"]
        assert reason["citation_ids"]
        assert set(reason["citation_ids"]) <= set(body["citations"])  # type: ignore[arg-type]
    if expected != "plan":
        assert triage["safety_text"]


def test_json_output_is_stable_and_documented() -> None:
    body = run_json(ROOT / "examples" / "cases" / "plan-runner-with-questionnaires.yaml")
    assert set(body) == {"schema_version", "case_id", "triage", "scores", "changes", "citations"}
    akps = body["scores"]["akps"]  # type: ignore[index]
    assert (akps["total"], akps["max"]) == (93.0, 100.0)
    assert {"band", "interpretation", "complete", "citations"} <= set(akps)
    assert body["changes"]["akps"]["delta"] == 11.0  # type: ignore[index]
    assert body["changes"]["akps"]["exceeds_mcid"] is None  # paraphrased: MCID not read
    assert "MCID not applied" in body["changes"]["akps"]["interpretation"]  # type: ignore[index]
    assert body["scores"]["koos_pf"]["total"] == 50.0 + 25.0  # type: ignore[index]


def test_text_and_markdown_formats_show_the_level_and_sources() -> None:
    path = ROOT / "examples" / "cases" / "emergency-septic-hot-swollen-knee.yaml"
    text = runner.invoke(build_app(), ["evaluate", str(path)])
    assert text.exit_code == 0
    assert "EMERGENCY" in text.stdout
    markdown = runner.invoke(build_app(), ["evaluate", str(path), "-f", "markdown"])
    assert markdown.stdout.startswith("# Evaluation:")
    assert "## Sources" in markdown.stdout


def test_schema_case_is_json_schema() -> None:
    result = runner.invoke(build_app(), ["schema", "case"])
    schema = json.loads(result.stdout)
    assert schema["title"] == "runnersknee case"
    assert "demographics" in schema["required"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = "from runnersknee.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )


BAD_DOCUMENTS = [
    ("missing-demographics.yaml", "side: left\n", "demographics", "required"),
    ("age.yaml", "demographics: {age_years: 400}\n", "demographics.age_years", "5..110"),
    ("sex.yaml", "demographics: {age_years: 30, sex: robot}\n", "demographics.sex", "female"),
    (
        "item.yaml",
        "demographics: {age_years: 30}\nquestionnaires:\n"
        "  - {instrument: nprs, answers: {worst_week: 3, favourite_colour: 2}}\n",
        "questionnaires.0",
        "worst_week",
    ),
    (
        "range.yaml",
        "demographics: {age_years: 30}\nquestionnaires:\n"
        "  - {instrument: nprs, answers: {worst_week: 11}}\n",
        "questionnaires.0",
        "10",
    ),
    (
        "instrument.yaml",
        "demographics: {age_years: 30}\nquestionnaires:\n  - {instrument: sf36, answers: {}}\n",
        "questionnaires.0",
        "akps",
    ),
    (
        "future-injury.yaml",
        "recorded_on: 2026-12-01\ndemographics: {age_years: 30}\n"
        "onset: {kind: traumatic, started_on: 2026-12-05}\n",
        "onset.started_on",
        "cannot start after",
    ),
    (
        "calf.yaml",
        "demographics: {age_years: 30}\ncirculation: {calf_swelling: maybe}\n",
        "circulation.calf_swelling",
        "boolean",
    ),
    ("broken.json", '{"demographics": ', "CASE_FILE", "JSON"),
    ("notes.txt", "hello", "CASE_FILE", ".yaml"),
]


@pytest.mark.parametrize(("name", "content", "field", "allowed"), BAD_DOCUMENTS)
def test_bad_input_exits_2_with_one_clear_line(
    tmp_path: Path, name: str, content: str, field: str, allowed: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    before = sorted(tmp_path.iterdir())
    result = _cli("evaluate", str(path), "--format", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error:")
    assert field in result.stderr or field == "CASE_FILE"
    assert allowed in result.stderr or field in result.stderr
    assert sorted(tmp_path.iterdir()) == before


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = _cli("evaluate", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "no such file" in result.stderr
