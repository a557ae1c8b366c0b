"""The one clinical-content bundle: overrides applied once, frozen, refused when malformed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from runnersknee.bootstrap import load_content
from runnersknee.clinical.errors import ContentError, InvalidInput
from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent, load_clinical_content

OVERRIDES = """
[triage."DD-KNEE-OSTEOARTHRITIS"]
oa_min_age = 60

[assessment.plan]
pain_threshold_nprs = 2.0

[pain_monitoring]
during_max_nprs = 2.0
"""


def _param(content: ClinicalContent, rule_id: str, name: str) -> float:
    rule = next(r for r in content.triage_rules.rules if r.id == rule_id)
    return next(p.value for p in rule.params if p.name == name)


def test_packaged_defaults_without_a_file() -> None:
    content = load_clinical_content()
    assert content.overrides_file is None
    assert _param(content, "DD-KNEE-OSTEOARTHRITIS", "oa_min_age") == 45
    assert content.plan_config.pain_threshold_nprs.value == 3.0
    assert content.pain_monitoring.during_max_nprs == 3.0
    assert {"akps", "nprs"} <= set(content.portal_instruments())
    assert content.safety is content.triage_rules.safety


def test_every_overrides_table_reaches_its_part(tmp_path: Path) -> None:
    path = tmp_path / "overrides.toml"
    path.write_text(OVERRIDES, encoding="utf-8")
    content = load_content(Settings(content_overrides=path))
    assert content.overrides_file == path
    assert _param(content, "DD-KNEE-OSTEOARTHRITIS", "oa_min_age") == 60
    assert content.plan_config.pain_threshold_nprs.value == 2.0
    assert content.pain_monitoring.during_max_nprs == 2.0


def test_one_bundle_per_file_text_and_a_new_one_after_an_edit(tmp_path: Path) -> None:
    path = tmp_path / "overrides.toml"
    path.write_text(OVERRIDES, encoding="utf-8")
    first = load_clinical_content(path)
    assert load_clinical_content(path) is first
    path.write_text(OVERRIDES.replace("oa_min_age = 60", "oa_min_age = 65"), encoding="utf-8")
    edited = load_clinical_content(path)
    assert edited is not first
    assert _param(edited, "DD-KNEE-OSTEOARTHRITIS", "oa_min_age") == 65


def test_the_bundle_is_frozen() -> None:
    content = load_clinical_content()
    with pytest.raises(dataclasses.FrozenInstanceError):
        content.pain_monitoring = content.pain_monitoring  # type: ignore[misc]
    with pytest.raises(TypeError):
        content.instruments["x"] = content.instruments["nprs"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("[gait]\nmin_steps = 2\n", InvalidInput, "unknown overrides table(s) gait"),
        ("[assessment.plans]\nx = 1\n", InvalidInput, "assessment.plans"),
        ("[pain_monitoring]\nduring_max = 2\n", InvalidInput, "during_max"),
        ("[triage\n", ContentError, "cannot be read"),
    ],
)
def test_a_malformed_file_is_refused_clearly(
    tmp_path: Path, text: str, error: type[Exception], words: str
) -> None:
    path = tmp_path / "overrides.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_clinical_content(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not found"):
        load_clinical_content(tmp_path / "absent.toml")
