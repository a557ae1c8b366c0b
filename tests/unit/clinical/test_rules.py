"""The condition language: operators, None-safety, rendering and compile-time errors."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runnersknee.clinical.case import (
    Activity,
    Case,
    Demographics,
    ExamFindings,
    MechanicalSymptoms,
    Onset,
    OnsetKind,
    PainSite,
    Swelling,
    SystemicSymptoms,
)
from runnersknee.clinical.condition_schema import ComputedName, Schema
from runnersknee.clinical.errors import ContentError
from runnersknee.clinical.rules import compile_condition

CASE = Case(
    demographics=Demographics(age_years=40),
    pain_sites=frozenset({PainSite.AROUND_BEHIND_KNEECAP, PainSite.BACK}),
    provocative_activities=frozenset({Activity.SQUATTING, Activity.STAIRS_UP}),
    swelling=Swelling.SMALL_AFTER_ACTIVITY,
    mechanical=MechanicalSymptoms(locking=True),
    systemic=SystemicSymptoms(morning_stiffness_minutes=None),
    exam=ExamFindings(squat_reproduces_pain=True, small_effusion=None),
    onset=Onset(symptom_duration_months=6.5),
)


def holds(spec: object, case: Case = CASE, **params: float) -> bool:
    return compile_condition(spec, params=params).test(case)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("mechanical.locking", True),
        ("mechanical.crepitus", False),
        ("exam.squat_reproduces_pain", True),
        ("exam.small_effusion", False),  # None counts as no
        ("age_years == 40", True),
        ("age_years != 40", False),
        ("age_years < 40", False),
        ("age_years <= 40", True),
        ("age_years > 39", True),
        ("age_years >= 41", False),
        ("age_years in 30,40,50", True),
        ("symptom_duration_months > 6", True),
        ("symptom_duration_months < 6.5", False),
        ("swelling == small_after_activity", True),
        ("swelling != none", True),
        ("swelling in none,without_injury", False),
        ("mechanical.locking == true", True),
        ("mechanical.locking != true", False),
        ("pain_sites has back", True),
        ("pain_sites has joint_line", False),
        ("pain_sites any joint_line, back", True),
        ("pain_sites all back,around_behind_kneecap", True),
        ("pain_sites all back,joint_line", False),
        ("provocative_activities is not empty", True),
        ("provocative_activities is empty", False),
        ("provocative_activity_count >= 2", True),
        ("onset_kind == insidious", True),
        ("traumatic_onset", False),
        ("sex == other", True),
        ("case_id is unknown", True),
        ("exam.squat_reproduces_pain is known", True),
        ("notes == hello", False),
        ({"all": ["mechanical.locking", "age_years > 30"]}, True),
        ({"all": ["mechanical.locking", "age_years > 50"]}, False),
        ({"any": ["mechanical.crepitus", "age_years > 50"]}, False),
        ({"any": ["mechanical.crepitus", "pain_sites has back"]}, True),
        ({"not": "mechanical.crepitus"}, True),
        (
            {"at_least": 2, "of": ["mechanical.locking", "mechanical.crepitus", "traumatic_onset"]},
            False,
        ),
        ({"at_least": 1, "of": ["mechanical.locking", "mechanical.crepitus"]}, True),
    ],
)
def test_operators(spec: object, expected: bool) -> None:
    assert holds(spec) is expected


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">=", "in"])
def test_every_comparison_with_none_is_false(op: str) -> None:
    assert CASE.systemic.morning_stiffness_minutes is None
    assert holds(f"systemic.morning_stiffness_minutes {op} 30") is False
    known = dataclasses.replace(CASE, systemic=SystemicSymptoms(morning_stiffness_minutes=30))
    assert holds(f"systemic.morning_stiffness_minutes {op} 30", known) is (
        op in ("==", "<=", ">=", "in")
    )


def test_parameters_are_substituted_and_rendered() -> None:
    condition = compile_condition("age_years >= $min_age", params={"min_age": 45})
    assert condition.text == "age_years ≥ 45 [min_age]"
    assert condition.test(CASE) is False
    assert compile_condition("age_years >= $min_age", params={"min_age": 40}).test(CASE)


def test_rendering_of_nested_groups() -> None:
    spec = {
        "all": [
            "mechanical.locking",
            {"any": ["pain_sites has back", "swelling != none"]},
            {"not": "age_years < 16"},
            {"at_least": 2, "of": ["mechanical.crepitus", "traumatic_onset", "mechanical.locking"]},
        ]
    }
    condition = compile_condition(spec)
    assert condition.text == (
        "mechanical.locking AND (pain_sites has back OR swelling ≠ none) AND NOT (age_years < 16)"
        " AND at least 2 of (mechanical.crepitus; traumatic_onset; mechanical.locking)"
    )
    assert condition.paths == frozenset(
        {
            "mechanical.locking",
            "pain_sites",
            "swelling",
            "age_years",
            "mechanical.crepitus",
            "traumatic_onset",
        }
    )
    assert condition(CASE) is False  # only one of the at_least conditions holds


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("mechanical.lockingg", "unknown condition path"),
        ("nope", "unknown condition path"),
        ("mechanical.locking.x", "not inside a record"),
        ("age_years ~ 3", "unknown operator"),
        ("age_years >=", "no value"),
        ("age_years >= old", "needs a number"),
        ("swelling == huge", "not a value of"),
        ("swelling < none", "needs a number"),
        ("pain_sites has kneecap", "not a value of"),
        ("pain_sites has back,joint_line", "'has' takes one value"),
        ("pain_sites == back", "does not apply to set"),
        ("age_years", "not a yes/no answer"),
        ("age_years is empty", "not a set"),
        ("age_years is known", "never unknown"),
        ("age_years is weird", "unknown operator 'is weird'"),
        ("mechanical.locking == yes", "true or false"),
        ("onset.started_on == 2020", "cannot be compared"),
        ("age_years >= $missing", "unknown parameter"),
        ("swelling == $x", "unknown parameter"),
        ("", "empty condition"),
        (3, "string or a table"),
        ({"both": ["mechanical.locking"]}, "unknown condition table keys"),
        ({"all": []}, "non-empty list"),
        ({"all": "mechanical.locking"}, "non-empty list"),
        ({"at_least": 3, "of": ["mechanical.locking", "mechanical.crepitus"]}, "at_least"),
        ({"at_least": True, "of": ["mechanical.locking"]}, "at_least"),
    ],
)
def test_bad_conditions_raise_content_error(spec: object, message: str) -> None:
    with pytest.raises(ContentError, match=message):
        compile_condition(spec, where="RULE-X")


def test_parameter_type_and_unused_parameters_are_checked() -> None:
    with pytest.raises(ContentError, match="is a number but"):
        compile_condition("swelling == $x", params={"x": 1})
    with pytest.raises(ContentError, match="never used: spare"):
        compile_condition("age_years > $a", params={"a": 1, "spare": 2})
    relaxed = compile_condition(
        "age_years > $a", params={"a": 1, "spare": 2}, require_all_params=False
    )
    assert relaxed.test(CASE)


def test_error_names_the_rule() -> None:
    with pytest.raises(ContentError, match=r"^RULE-Q: unknown condition path") as info:
        compile_condition("foo.bar", where="RULE-Q")
    assert info.value.details["where"] == "RULE-Q"


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True, slots=True)
class Inner:
    level: int | None = None


@dataclass(frozen=True, slots=True)
class Thing:
    colour: Colour
    tags: frozenset[Colour] = frozenset()
    inner: Inner = dataclasses.field(default_factory=Inner)
    maybe_inner: Inner | None = None


def test_schema_is_generic_over_any_dataclass() -> None:
    schema = Schema(
        Thing, {"double_level": ComputedName(lambda t: (t.inner.level or 0) * 2, "number")}
    )
    thing = Thing(Colour.RED, frozenset({Colour.BLUE}), Inner(level=3))
    assert compile_condition("colour == red", schema=schema).test(thing)
    assert compile_condition("tags has blue", schema=schema).test(thing)
    assert compile_condition("inner.level > 2", schema=schema).test(thing)
    assert compile_condition("double_level == 6", schema=schema).test(thing)
    assert not compile_condition("inner.level > 2", schema=schema).test(Thing(Colour.RED))
    with pytest.raises(ContentError, match="optional"):
        compile_condition("maybe_inner.level > 1", schema=schema)
    with pytest.raises(ContentError, match="not a dataclass"):
        Schema(int)
    with pytest.raises(ContentError, match="bad kind"):
        Schema(Thing, {"x": ComputedName(lambda t: 1, "numbr")})
    with pytest.raises(ContentError, match="bad kind"):
        Schema(Thing, {"x": ComputedName(lambda t: t.colour, "enum")})


@settings(derandomize=True, max_examples=150)
@given(age=st.integers(5, 110), threshold=st.integers(0, 120))
def test_compiled_comparisons_match_python(age: int, threshold: int) -> None:
    case = dataclasses.replace(CASE, demographics=Demographics(age_years=age))
    for op, expected in (
        ("<", age < threshold),
        ("<=", age <= threshold),
        (">", age > threshold),
        (">=", age >= threshold),
        ("==", age == threshold),
        ("!=", age != threshold),
    ):
        assert (
            compile_condition(f"age_years {op} $t", params={"t": threshold}).test(case) is expected
        )
        negated = compile_condition({"not": f"age_years {op} $t"}, params={"t": threshold})
        assert negated.test(case) is (not expected)


@settings(derandomize=True, max_examples=100)
@given(
    sites=st.frozensets(st.sampled_from(list(PainSite))),
    wanted=st.lists(st.sampled_from(list(PainSite)), min_size=1, max_size=4),
)
def test_set_operators_match_python(sites: frozenset[PainSite], wanted: list[PainSite]) -> None:
    case = dataclasses.replace(CASE, pain_sites=sites, onset=Onset(kind=OnsetKind.INSIDIOUS))
    listed = ",".join(site.value for site in wanted)
    assert holds(f"pain_sites any {listed}", case) is bool(sites & set(wanted))
    assert holds(f"pain_sites all {listed}", case) is set(wanted).issubset(sites)
    assert holds(f"pain_sites has {wanted[0].value}", case) is (wanted[0] in sites)
