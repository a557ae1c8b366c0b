"""Case documents: parsing, validation errors that name the field, JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runnersknee.clinical.case import Activity, Case, PainSite
from runnersknee.clinical.errors import InvalidInput
from runnersknee.services.care.case_io import case_json_schema, load_case_document, parse_case

MINIMAL = {"demographics": {"age_years": 30, "sex": "female"}}


def test_minimal_case_parses_with_defaults() -> None:
    case = parse_case(MINIMAL)
    assert isinstance(case, Case)
    assert case.demographics.age_years == 30
    assert case.pain_sites == frozenset()


def test_lists_become_sets_of_enums() -> None:
    case = parse_case(
        {**MINIMAL, "pain_sites": ["around_behind_kneecap"], "provocative_activities": ["running"]}
    )
    assert case.pain_sites == frozenset({PainSite.AROUND_BEHIND_KNEECAP})
    assert case.provocative_activities == frozenset({Activity.RUNNING})


def test_assessment_and_preferences_sections_are_not_case_fields() -> None:
    case = parse_case({**MINIMAL, "assessment": {"anything": 1}, "preferences": {}})
    assert case.demographics.age_years == 30


@pytest.mark.parametrize(
    ("document", "field", "allowed"),
    [
        ({}, "demographics", None),
        ({"demographics": {"age_years": 400}}, "demographics.age_years", "5..110 years"),
        ({"demographics": {"age_years": 30, "sex": "x"}}, "demographics.sex", "female"),
        ({**MINIMAL, "colour": "red"}, "colour", None),
        ({**MINIMAL, "pain_sites": ["nose"]}, "pain_sites.0", "around_behind_kneecap"),
        ({**MINIMAL, "running": {"weekly_km": -3}}, "running.weekly_km", "0..400 km"),
        ({**MINIMAL, "systemic": {"morning_stiffness_minutes": 5000}}, None, "0..1440 min"),
    ],
)
def test_bad_values_name_the_field_and_allowed_values(
    document: dict[str, object], field: str | None, allowed: str | None
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_case(document)
    error = caught.value
    if field is not None:
        assert error.field == field
        assert field in error.message
    if allowed is not None:
        assert allowed in error.allowed


def test_yaml_and_json_documents_load(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(MINIMAL))
    (tmp_path / "b.yaml").write_text("demographics:\n  age_years: 30\n")
    assert load_case_document(tmp_path / "a.json") == MINIMAL
    assert load_case_document(tmp_path / "b.yaml") == {"demographics": {"age_years": 30}}


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("case.txt", "x", "unsupported file type"),
        ("case.json", "{not json", "not valid JSON"),
        ("case.yaml", "a: [unclosed", "not valid YAML"),
        ("case.yaml", "- a list\n- of things\n", "must be a mapping"),
        ("case.json", "", "not valid JSON"),
    ],
)
def test_malformed_documents_are_refused(
    tmp_path: Path, name: str, content: str, needle: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InvalidInput, match=needle):
        load_case_document(path)


def test_missing_file_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        load_case_document(tmp_path / "absent.yaml")


def test_json_schema_carries_ranges_units_and_enums() -> None:
    schema = case_json_schema()
    age = schema["$defs"]["Demographics"]["properties"]["age_years"]
    assert (age["minimum"], age["maximum"]) == (5, 110)
    assert "years" in age["description"]
    assert "around_behind_kneecap" in schema["$defs"]["PainSite"]["enum"]
    assert schema["additionalProperties"] is False
