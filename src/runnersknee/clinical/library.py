"""The exercise library as a pure, validated, immutable collection.

:class:`ExerciseLibrary` is what the content loader builds from the data files and what the
plan generator queries (by component, phase, target tag and contraindication). Structural
checks live here so they hold for any source of exercises; checks that need files (citations,
illustrations) are done by the loader in ``runnersknee.content.exercises``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType

from runnersknee.clinical.errors import ContentError
from runnersknee.clinical.exercises import Component, Exercise, Phase

__all__ = ["CONTRAINDICATIONS", "TARGET_TAGS", "ExerciseLibrary"]

#: Finding ids the plan generator emits; an exercise listing one must not be prescribed
#: while that finding is present.
CONTRAINDICATIONS: Mapping[str, str] = MappingProxyType(
    {
        "irritable_knee": "high irritability: phase-1 (isometric) exercises only",
        "calf_achilles_symptoms": "calf or Achilles symptoms: avoid extra calf/Achilles load",
        "poor_step_down_control": "lateral step-down score ≥ 4 (poor, Piva 2006)",
        "pain_with_deep_knee_flexion": "pain when the knee bends deeply",
        "pregnancy_or_recent_surgery": "pregnant or recent surgery: no impact or prone lying",
        "not_running": "the patient does not run: no running drills",
    }
)

#: The closed vocabulary of target tags (what an exercise trains or addresses).
TARGET_TAGS: Mapping[str, str] = MappingProxyType(
    {
        "quadriceps": "knee extensor strength",
        "hip_abductors": "gluteus medius / hip abductor strength",
        "hip_external_rotators": "hip external rotator strength",
        "hip_extensors": "gluteus maximus / hip extensor strength",
        "core": "trunk (lateral and anterior) endurance",
        "calf": "calf (gastrocnemius/soleus) capacity",
        "neuromuscular_control": "single-leg control of trunk, pelvis and knee",
        "running_readiness": "plyometric capacity before and during return to running",
        "hamstrings_stretch": "hamstring flexibility",
        "calf_stretch": "gastrocnemius/soleus flexibility",
        "quadriceps_stretch": "quadriceps flexibility",
        "hip_flexor_stretch": "hip flexor / anterior hip flexibility",
        "itb_tfl_stretch": "iliotibial band / TFL region flexibility",
        "cadence": "running step rate",
        "hip_drop_cue": "hip adduction / contralateral pelvic drop while running",
        "soft_landing": "impact while running",
        "foot_strike": "foot-strike pattern while running",
        "step_length": "step length / overstriding",
        "pain_self_management": "self-managed symptom relief",
        "taping": "patellar taping",
        "orthoses": "prefabricated foot orthoses",
        "footwear": "running and everyday footwear",
    }
)

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ExerciseLibrary(Mapping[str, Exercise]):
    """An immutable id → :class:`Exercise` map, validated on construction.

    ``review_notes`` maps an exercise id to why its default dose needs clinical review.
    """

    __slots__ = ("_by_id", "_review_notes")

    def __init__(
        self, exercises: Iterable[Exercise], review_notes: Mapping[str, str] | None = None
    ) -> None:
        by_id: dict[str, Exercise] = {}
        for exercise in exercises:
            if exercise.id in by_id:
                raise ContentError(f"duplicate exercise id {exercise.id!r}", exercise=exercise.id)
            _check_exercise(exercise)
            by_id[exercise.id] = exercise
        _check_links(by_id)
        notes = dict(review_notes or {})
        unknown = sorted(set(notes) - set(by_id))
        if unknown:
            raise ContentError(f"review notes for unknown exercise(s): {', '.join(unknown)}")
        self._by_id = by_id
        self._review_notes = MappingProxyType(notes)

    def __getitem__(self, key: str) -> Exercise:
        return self._by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    @property
    def review_notes(self) -> Mapping[str, str]:
        """Exercise id → note on why its (unverified) default dose needs clinical review."""
        return self._review_notes

    def require(self, exercise_id: str) -> Exercise:
        """The exercise ``exercise_id``; :class:`ContentError` naming it if unknown."""
        try:
            return self._by_id[exercise_id]
        except KeyError:
            raise ContentError(
                f"unknown exercise id {exercise_id!r}", exercise=exercise_id
            ) from None

    def by_component(self, component: Component | str) -> tuple[Exercise, ...]:
        """Exercises of one treatment component, in library order."""
        wanted = Component(component)
        return tuple(e for e in self._by_id.values() if e.component is wanted)

    def for_phase(self, phase: Phase | int) -> tuple[Exercise, ...]:
        """Exercises suitable in ``phase``, in library order."""
        wanted = Phase(phase)
        return tuple(e for e in self._by_id.values() if wanted in e.phases)

    def with_target(self, target: str) -> tuple[Exercise, ...]:
        """Exercises carrying the target tag ``target``, in library order."""
        if target not in TARGET_TAGS:
            raise ContentError(f"unknown target tag {target!r}", target=target)
        return tuple(e for e in self._by_id.values() if target in e.targets)

    def allowed(self, findings: Iterable[str]) -> tuple[Exercise, ...]:
        """Exercises none of whose contraindications is among ``findings``."""
        present = frozenset(findings)
        unknown = sorted(present - set(CONTRAINDICATIONS))
        if unknown:
            raise ContentError(f"unknown finding id(s): {', '.join(unknown)}", findings=unknown)
        return tuple(e for e in self._by_id.values() if not present & set(e.contraindications))

    def unverified(self) -> tuple[Exercise, ...]:
        """Exercises whose default dose the knowledge base marks unverified."""
        return tuple(e for e in self._by_id.values() if not e.dose.verified)


def _fail(exercise: Exercise, message: str) -> ContentError:
    return ContentError(f"exercise {exercise.id!r}: {message}", exercise=exercise.id)


def _check_exercise(exercise: Exercise) -> None:
    """Field-level checks of one exercise (everything that needs no other exercise)."""
    if not _SLUG.match(exercise.id):
        raise _fail(exercise, "id must be a lower-case slug like 'quad-iso-90'")
    if not exercise.name.strip() or not exercise.setup.strip():
        raise _fail(exercise, "name and setup must not be empty")
    if not exercise.phases:
        raise _fail(exercise, "phases must not be empty")
    if len(set(exercise.phases)) != len(exercise.phases):
        raise _fail(exercise, "phases repeat")
    if not exercise.targets:
        raise _fail(exercise, "targets must not be empty")
    bad_targets = sorted(set(exercise.targets) - set(TARGET_TAGS))
    if bad_targets:
        raise _fail(exercise, f"unknown target tag(s) {', '.join(bad_targets)}")
    bad_contra = sorted(set(exercise.contraindications) - set(CONTRAINDICATIONS))
    if bad_contra:
        raise _fail(exercise, f"unknown contraindication(s) {', '.join(bad_contra)}")
    if not exercise.steps or not exercise.cues or not exercise.common_errors:
        raise _fail(exercise, "steps, cues and common_errors must each have an entry")
    if not exercise.citation_ids or not exercise.dose.citation_ids:
        raise _fail(exercise, "the exercise and its dose must each cite a source")
    _check_dose(exercise)
    if exercise.illustration and not exercise.illustration_licence:
        raise _fail(exercise, "an illustration needs an illustration_licence")


def _check_dose(exercise: Exercise) -> None:
    dose = exercise.dose
    amount = dose.reps or dose.hold_s or dose.duration_min
    if not amount and not dose.load_guidance.strip():
        raise _fail(exercise, "dose needs reps, hold_s, duration_min or load guidance")
    if (dose.reps or dose.hold_s) and not dose.sets:
        raise _fail(exercise, "dose gives reps or a hold but no sets")
    if dose.sets and not (dose.reps or dose.hold_s):
        raise _fail(exercise, "dose gives sets but neither reps nor hold_s")


def _check_links(by_id: Mapping[str, Exercise]) -> None:
    """Links resolve, point elsewhere, and easier → harder edges form no cycle."""
    harder: dict[str, set[str]] = {key: set() for key in by_id}
    for exercise in by_id.values():
        for field, target in (
            ("regression_id", exercise.regression_id),
            ("progression_id", exercise.progression_id),
        ):
            if target is None:
                continue
            if target not in by_id:
                raise _fail(exercise, f"{field} {target!r} is not in the library")
            if target == exercise.id:
                raise _fail(exercise, f"{field} points at itself")
        if exercise.progression_id:
            harder[exercise.id].add(exercise.progression_id)
        if exercise.regression_id:
            harder[exercise.regression_id].add(exercise.id)
    _refuse_cycles(harder)


def _refuse_cycles(harder: Mapping[str, set[str]]) -> None:
    """Depth-first search; a back edge means a regression/progression cycle."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in sorted(harder):
        if state.get(start):
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(harder[start])))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                raise ContentError(
                    f"exercise {child!r}: regression/progression links form a cycle via {node!r}",
                    exercise=child,
                )
            elif not state.get(child):
                state[child] = 1
                stack.append((child, iter(sorted(harder[child]))))
