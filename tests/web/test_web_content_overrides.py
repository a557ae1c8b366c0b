"""One ``RUNNERSKNEE_CONTENT_OVERRIDES`` file gives one decision through every entry point.

The same overrides file goes to ``runnersknee evaluate``, ``runnersknee plan`` and the web app
(intake, plan generation, the today page). Before the content bundle, content was cached per
process and ``settings`` optional: ``plan`` applied the file while ``evaluate`` and the web
intake did not, and the today page used the packaged pain-monitoring defaults.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from runnersknee.cli import build_app
from runnersknee.config import Settings
from runnersknee.services.demo import ASSESSMENT
from runnersknee.web.app import create_app
from tests.web.conftest import TODAY, World, api_login, client_for

#: The OA pathway starts at 45 in the packaged rules (NICE NG226); this file raises it to 60,
#: so the 52-year-old of ``examples/cases/refer-osteoarthritis-over-45.yaml`` gets a plan.
#: The plan's pain limit (packaged 3/10) and the today page's limit during exercise
#: (packaged 3/10) are lowered to 2/10.
OVERRIDES = """
[triage."DD-KNEE-OSTEOARTHRITIS"]
oa_min_age = 60

[assessment.plan]
pain_threshold_nprs = 2.0

[pain_monitoring]
during_max_nprs = 2.0
"""

_EXAMPLE = Path(__file__).parents[2] / "examples" / "cases" / "refer-osteoarthritis-over-45.yaml"


def _case() -> dict[str, Any]:
    case: dict[str, Any] = yaml.safe_load(_EXAMPLE.read_text(encoding="utf-8"))
    return case


@pytest.fixture
def overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "overrides.toml"
    path.write_text(OVERRIDES, encoding="utf-8")
    monkeypatch.setenv("RUNNERSKNEE_CONTENT_OVERRIDES", str(path))
    return path


def _cli(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(build_app(), [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_cli_evaluate_and_plan_apply_the_same_overrides(
    overrides_file: Path, tmp_path: Path
) -> None:
    del overrides_file
    document = tmp_path / "case.yaml"
    document.write_text(yaml.safe_dump({**_case(), "assessment": ASSESSMENT}), encoding="utf-8")
    evaluated = _cli("evaluate", str(document))
    planned = _cli("plan", str(document))
    assert evaluated["triage"]["level"] == "plan"
    assert planned["triage"]["level"] == "plan"
    assert evaluated["triage"] == planned["triage"]
    assert planned["plan"]["pain_threshold_nprs"] == 2.0


def test_web_intake_and_plan_apply_the_overrides(world: World, overrides_file: Path) -> None:
    settings = Settings(database_url=world.database.url, content_overrides=overrides_file)
    app = create_app(settings, world.database)
    app.state.clock = lambda: TODAY
    client = client_for(World(app, world.database, world.patient_a, 0, 0))
    headers = api_login(client, "doc@test.example")
    pid = world.patient_a
    put = client.put(f"/api/v1/patients/{pid}/intake", json=_case(), headers=headers)
    assert put.status_code == 200, put.text
    assert put.json()["triage"]["level"] == "plan"
    client.put(f"/api/v1/patients/{pid}/assessment", json=ASSESSMENT, headers=headers)
    plan = client.post(f"/api/v1/patients/{pid}/plans", headers=headers)
    assert plan.status_code == 201, plan.text
    assert plan.json()["plan"]["triage_level"] == "plan"
    assert plan.json()["plan"]["pain_threshold_nprs"] == 2.0


def test_without_the_file_every_entry_point_refers(world: World, tmp_path: Path) -> None:
    document = tmp_path / "case.yaml"
    document.write_text(yaml.safe_dump({**_case(), "assessment": ASSESSMENT}), encoding="utf-8")
    assert _cli("evaluate", str(document))["triage"]["level"] == "refer"
    refused = CliRunner().invoke(build_app(), ["plan", str(document), "--format", "json"])
    assert json.loads(refused.stdout)["triage"]["level"] == "refer"
    client = client_for(world)
    headers = api_login(client, "doc@test.example")
    put = client.put(f"/api/v1/patients/{world.patient_a}/intake", json=_case(), headers=headers)
    assert put.json()["triage"]["level"] == "refer"


def test_today_page_judges_pain_with_the_overrides_limit(
    world: World, runner_ready: int, overrides_file: Path
) -> None:
    """Pain 3/10 during exercise: within the packaged limit (hold), above the file's (regress)."""
    patient = client_for(world)
    headers = api_login(patient, "a@test.example")
    logged = patient.post(
        f"/api/v1/patients/{runner_ready}/pain-logs",
        json={"during": 3, "after": 3, "logged_on": str(date.today())},  # the sign-off day
        headers=headers,
    )
    assert logged.status_code == 201, logged.text
    packaged = patient.get(f"/api/v1/patients/{runner_ready}/today").json()
    assert packaged["decision"]["decision"] == "hold"
    settings = Settings(database_url=world.database.url, content_overrides=overrides_file)
    app = create_app(settings, world.database)
    app.state.clock = lambda: TODAY
    overridden = client_for(World(app, world.database, world.patient_a, 0, 0))
    api_login(overridden, "a@test.example")
    today = overridden.get(f"/api/v1/patients/{runner_ready}/today").json()
    assert today["decision"]["decision"] == "regress"
    assert "above 2/10" in " ".join(today["decision"]["reasons"])
    assert overridden.get("/me").status_code == 200
