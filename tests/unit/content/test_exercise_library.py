"""The exercise library: coverage of the seed programme, validation, illustrations and docs."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from runnersknee.clinical.errors import ContentError, InvalidInput
from runnersknee.clinical.exercises import Component, Dose, Exercise, Phase
from runnersknee.clinical.library import CONTRAINDICATIONS, TARGET_TAGS, ExerciseLibrary
from runnersknee.content import _files, load_citations
from runnersknee.content import exercises as loader
from runnersknee.content.exercises import (
    ILLUSTRATION_LICENCE,
    illustration_scenes,
    load_exercise_library,
    render_library_markdown,
)
from runnersknee.content.illustrate.svg import render_svg

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "src" / "runnersknee" / "content" / "data" / "exercises"
SVG = "{http://www.w3.org/2000/svg}"

SEED_TARGETS = (
    "quadriceps",
    "hip_abductors",
    "hip_external_rotators",
    "hip_extensors",
    "core",
    "calf",
    "hamstrings_stretch",
    "calf_stretch",
    "quadriceps_stretch",
    "hip_flexor_stretch",
    "itb_tfl_stretch",
    "cadence",
    "hip_drop_cue",
    "soft_landing",
    "foot_strike",
    "step_length",
    "pain_self_management",
    "taping",
    "orthoses",
    "footwear",
)


@pytest.fixture(scope="module")
def library() -> ExerciseLibrary:
    return load_exercise_library()


# --------------------------------------------------------------------------- coverage


def test_library_has_at_least_40_exercises(library: ExerciseLibrary) -> None:
    assert len(library) >= 40


@pytest.mark.parametrize("phase", list(Phase))
def test_every_phase_is_covered(library: ExerciseLibrary, phase: Phase) -> None:
    assert library.for_phase(phase)
    assert all(phase in e.phases for e in library.for_phase(phase))


@pytest.mark.parametrize("component", list(Component))
def test_every_component_is_covered(library: ExerciseLibrary, component: Component) -> None:
    assert library.by_component(component)
    assert all(e.component is component for e in library.by_component(component))


@pytest.mark.parametrize("target", SEED_TARGETS)
def test_every_seed_target_group_is_covered(library: ExerciseLibrary, target: str) -> None:
    assert library.with_target(target), target


def test_stretches_are_stretching_and_drills_are_gait_retraining(library: ExerciseLibrary) -> None:
    for tag in ("hamstrings_stretch", "calf_stretch", "itb_tfl_stretch", "hip_flexor_stretch"):
        assert {e.component for e in library.with_target(tag)} == {Component.STRETCHING}
    for tag in ("cadence", "hip_drop_cue", "foot_strike", "step_length"):
        assert {e.component for e in library.with_target(tag)} == {Component.GAIT_RETRAINING}
    for tag in ("orthoses", "footwear"):
        assert {e.component for e in library.with_target(tag)} == {Component.FOOTWEAR_ORTHOSES}
    assert library["patellar-taping-with-exercise"].component is Component.PAIN_MANAGEMENT
    assert library["ice-for-comfort"].component is Component.PAIN_MANAGEMENT


# --------------------------------------------------------------------------- clinical rules


def test_verified_doses_match_the_knowledge_base_rct_examples(library: ExerciseLibrary) -> None:
    iso = library["quad-iso-90"].dose  # Nakagawa: 15 × 10 s × 2 sets, 5×/week (KB 5.2)
    assert (iso.sets, iso.reps, iso.hold_s, iso.per_week, iso.verified) == (2, 15, 10, 5, True)
    squat = library["mini-squat-0-45"].dose  # squat to 40°, 4 × 10
    assert (squat.sets, squat.reps, squat.verified) == (4, 10, True)
    step_down = library["lateral-step-down"].dose  # Crossley: 3 × 5-10 daily
    assert (step_down.sets, step_down.reps, step_down.per_week) == (3, 5, 7)
    abduction = library["hip-abd-iso-standing"].dose  # Crossley: 4 × 15 s
    assert (abduction.sets, abduction.hold_s) == (4, 15)


def test_gait_retraining_uses_the_classic_protocol(library: ExerciseLibrary) -> None:
    for exercise in library.by_component(Component.GAIT_RETRAINING):
        dose = exercise.dose
        if dose.duration_min is not None:
            assert (dose.duration_min, dose.per_week) == (15, 4)  # 8 sessions / 2 weeks
            assert "30 min" in dose.load_guidance
    assert "1.05-1.10" in library["gait-cadence-metronome"].dose.load_guidance


def test_kb_unverified_defaults_are_marked_unverified(library: ExerciseLibrary) -> None:
    for ident in ("side-lying-hip-abd", "clamshell", "bridge-double", "knee-ext-90-45"):
        assert library[ident].dose.verified is False, ident
    for exercise in library.by_component(Component.STRETCHING):
        dose = exercise.dose
        assert (dose.sets, dose.hold_s, dose.per_week, dose.verified) == (3, 30, 7, False)
    assert library["ice-for-comfort"].dose.verified is False


def test_every_unverified_dose_has_a_review_note(library: ExerciseLibrary) -> None:
    unverified = {e.id for e in library.unverified()}
    assert unverified == set(library.review_notes)
    words = ("default", "borrowed", "unverified")
    assert all(any(w in note for w in words) for note in library.review_notes.values())


def test_pfj_friendly_ranges_for_squat_press_and_extension(library: ExerciseLibrary) -> None:
    assert "90°→45°" in (library["knee-ext-90-45"].pfj_range or "")
    for ident in ("mini-squat-0-45", "leg-press-0-45", "single-leg-squat", "forward-lunge-0-45"):
        assert "0-45°" in (library[ident].pfj_range or ""), ident
    assert "behind toes" in (library["wall-sit-iso"].pfj_range or "")
    loaded = [i for i in library if any(k in i for k in ("squat", "press", "knee-ext", "lunge"))]
    assert all(library[i].pfj_range for i in loaded)
    assert "POWERS-2014" in library["knee-ext-90-45"].citation_ids


def test_contraindications_use_the_plan_generator_vocabulary(library: ExerciseLibrary) -> None:
    assert set(CONTRAINDICATIONS) == {
        "irritable_knee",
        "calf_achilles_symptoms",
        "poor_step_down_control",
        "pain_with_deep_knee_flexion",
        "pregnancy_or_recent_surgery",
        "not_running",
    }
    for exercise in library.values():
        assert set(exercise.contraindications) <= set(CONTRAINDICATIONS)


def test_irritable_knee_leaves_only_phase_one_loading(library: ExerciseLibrary) -> None:
    for exercise in library.allowed(["irritable_knee"]):
        if exercise.component in {Component.STRENGTHENING, Component.GAIT_RETRAINING}:
            assert Phase.ISOMETRIC in exercise.phases, exercise.id


def test_running_drills_need_a_runner_and_forefoot_warns_about_calf(
    library: ExerciseLibrary,
) -> None:
    for exercise in library.by_component(Component.GAIT_RETRAINING):
        assert "not_running" in exercise.contraindications
    forefoot = library["gait-forefoot-strike"]
    assert "calf_achilles_symptoms" in forefoot.contraindications
    assert "calf" in forefoot.dose.load_guidance.lower()
    assert "VANNATTA-2015" in forefoot.citation_ids
    not_running = {e.id for e in library.allowed(["not_running"])}
    assert "gait-cadence-metronome" not in not_running
    assert "quad-iso-90" in not_running


def test_orthosis_trial_is_short_term(library: ExerciseLibrary) -> None:
    trial = library["orthosis-trial-prefabricated"]
    assert "6 weeks" in trial.dose.load_guidance
    assert "CPG-2019" in trial.citation_ids


# --------------------------------------------------------------------------- integrity


def test_links_resolve_and_chains_end(library: ExerciseLibrary) -> None:
    for exercise in library.values():
        for link in (exercise.regression_id, exercise.progression_id):
            assert link is None or link in library
        seen = {exercise.id}
        step = exercise.progression_id
        while step is not None:
            assert step not in seen
            seen.add(step)
            step = library[step].progression_id


def test_every_exercise_cites_known_sources(library: ExerciseLibrary) -> None:
    registry = load_citations()
    for exercise in library.values():
        assert exercise.citation_ids
        assert exercise.dose.citation_ids
        assert set(exercise.citation_ids + exercise.dose.citation_ids) <= set(registry)


def test_every_illustration_is_valid_svg_with_title(library: ExerciseLibrary) -> None:
    for exercise in library.values():
        assert exercise.illustration == f"illustrations/{exercise.id}.svg"
        assert exercise.illustration_licence == ILLUSTRATION_LICENCE
        root = ET.parse(DATA / exercise.illustration).getroot()
        assert root.findtext(f"{SVG}title") == exercise.name
        assert root.findtext(f"{SVG}desc")


def test_committed_illustrations_are_the_generator_output() -> None:
    for ident, scene in illustration_scenes().items():
        committed = (DATA / "illustrations" / f"{ident}.svg").read_text(encoding="utf-8")
        assert committed == render_svg(scene), f"regenerate {ident}.svg"


def test_docs_match_the_content(library: ExerciseLibrary) -> None:
    docs = (REPO / "docs" / "exercise-library.md").read_text(encoding="utf-8")
    assert docs == render_library_markdown(library)
    assert "## Needs clinical review" in docs
    for tag in TARGET_TAGS:
        assert f"`{tag}`" in docs
    for exercise in library.unverified():
        assert f"- `{exercise.id}` —" in docs


def test_lookup_helpers(library: ExerciseLibrary) -> None:
    assert library.get("quad-iso-90") is library["quad-iso-90"]
    assert library.get("no-such-exercise") is None
    with pytest.raises(ContentError, match="no-such-exercise"):
        library.require("no-such-exercise")
    with pytest.raises(ContentError, match="unknown target"):
        library.with_target("biceps")
    with pytest.raises(ContentError, match="unknown finding"):
        library.allowed(["sore_elbow"])
    assert library.by_component("stretching") == library.by_component(Component.STRETCHING)
    assert library.for_phase(4) == library.for_phase(Phase.PLYOMETRIC_RUNNING)


# --------------------------------------------------------------------------- validation


def _sample(library: ExerciseLibrary) -> Exercise:
    return library["quad-iso-90"]


def test_duplicate_ids_are_refused(library: ExerciseLibrary) -> None:
    one = _sample(library)
    with pytest.raises(ContentError, match="duplicate exercise id 'quad-iso-90'"):
        ExerciseLibrary([dataclasses.replace(one, regression_id=None, progression_id=None)] * 2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"phases": ()}, "phases must not be empty"),
        ({"targets": ("biceps",)}, "unknown target"),
        ({"contraindications": ("sore_elbow",)}, "unknown contraindication"),
        ({"id": "Quad ISO"}, "slug"),
        ({"progression_id": "missing"}, "not in the library"),
        ({"regression_id": "quad-iso-90"}, "itself"),
        ({"citation_ids": ()}, "cite a source"),
        ({"dose": Dose(sets=3, load_guidance="x", citation_ids=("JMDH-2011",))}, "neither reps"),
        ({"dose": Dose(reps=3, citation_ids=("JMDH-2011",))}, "no sets"),
        ({"dose": Dose(citation_ids=("JMDH-2011",))}, "load guidance"),
    ],
)
def test_invalid_exercises_are_refused_naming_the_id(
    library: ExerciseLibrary, change: dict[str, object], message: str
) -> None:
    fields: dict[str, object] = {"regression_id": None, "progression_id": None, **change}
    bad = dataclasses.replace(_sample(library), **fields)  # type: ignore[arg-type]
    with pytest.raises(ContentError, match=message) as info:
        ExerciseLibrary([bad])
    assert bad.id in str(info.value)


def test_link_cycles_are_refused(library: ExerciseLibrary) -> None:
    base = _sample(library)
    a = dataclasses.replace(base, id="a", regression_id=None, progression_id="b")
    b = dataclasses.replace(base, id="b", regression_id=None, progression_id="c")
    c = dataclasses.replace(base, id="c", regression_id=None, progression_id="a")
    with pytest.raises(ContentError, match="cycle"):
        ExerciseLibrary([a, b, c])
    # A regression that points at a harder exercise is also a cycle.
    d = dataclasses.replace(base, id="d", regression_id="e", progression_id="e")
    e = dataclasses.replace(base, id="e", regression_id=None, progression_id=None)
    with pytest.raises(ContentError, match="cycle"):
        ExerciseLibrary([d, e])


def test_out_of_range_dose_is_refused() -> None:
    with pytest.raises(InvalidInput, match="sets"):
        Dose(sets=40, reps=10)


def _write_library(tmp_path: Path, body: str, with_svg: bool = True) -> None:
    folder = tmp_path / "exercises"
    (folder / "illustrations").mkdir(parents=True)
    (folder / "x.toml").write_text(body, encoding="utf-8")
    if with_svg:
        (folder / "illustrations" / "demo.svg").write_text("<svg/>", encoding="utf-8")


GOOD = """
[[exercise]]
id = "demo"
name = "Demo"
component = "strengthening"
phases = [1]
targets = ["quadriceps"]
setup = "Sit."
steps = ["Push."]
cues = ["Gently."]
common_errors = ["Too hard."]
citations = ["JMDH-2011"]
[exercise.dose]
sets = 2
reps = 15
hold_s = 10
citations = ["JMDH-2011"]
"""


@pytest.fixture
def tmp_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    load_citations()  # cache the real registry before the data root moves
    monkeypatch.setattr(_files, "data_root", lambda: tmp_path)
    monkeypatch.setattr(loader, "data_root", lambda: tmp_path)
    load_exercise_library.cache_clear()
    yield tmp_path
    load_exercise_library.cache_clear()


def test_loader_reads_a_minimal_library(tmp_content: Path) -> None:
    _write_library(tmp_content, GOOD)
    library = load_exercise_library()
    assert list(library) == ["demo"]
    assert library["demo"].dose.describe() == "2 × 15 × 10 s hold"


@pytest.mark.parametrize(
    ("body", "with_svg", "message"),
    [
        (GOOD, False, "illustration illustrations/demo.svg is missing"),
        (GOOD.replace('citations = ["JMDH-2011"]\n[', 'citations = ["NOPE-1"]\n['), True, "NOPE-1"),
        (GOOD.replace('component = "strengthening"', 'component = "yoga"'), True, "component"),
        (GOOD.replace("phases = [1]", "phases = [7]"), True, "phases"),
        (GOOD.replace("sets = 2", "sets = 99"), True, "dose sets"),
        (GOOD.replace("hold_s = 10", "hold_s = 10\nverified = false"), True, "review_note"),
        (GOOD.replace('setup = "Sit."', 'setup = "Sit."\ncolour = "red"'), True, "colour"),
    ],
)
def test_loader_errors_name_the_exercise(
    tmp_content: Path, body: str, with_svg: bool, message: str
) -> None:
    _write_library(tmp_content, body, with_svg)
    with pytest.raises(ContentError, match=message) as info:
        load_exercise_library()
    assert "demo" in str(info.value)
