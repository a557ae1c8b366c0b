"""Load the exercise library from ``data/exercises/*.toml`` and render its documentation.

Each file holds ``[[exercise]]`` entries (fields as in :class:`Exercise`, plus a
``[exercise.dose]`` table and an ``[exercise.illustration_pose]`` table that
:mod:`runnersknee.content.illustrate` draws into ``illustrations/<id>.svg``). Loading checks
every citation id, that each illustration file exists, and the structural rules of
:class:`~runnersknee.clinical.library.ExerciseLibrary`; any failure is a
:class:`ContentError` naming the exercise.

Regenerate the SVGs and ``docs/exercise-library.md`` with
``python -m runnersknee.content.exercises [docs-path]``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from runnersknee.clinical.errors import ContentError, InvalidInput
from runnersknee.clinical.exercises import Component, Dose, Exercise, Phase
from runnersknee.clinical.library import CONTRAINDICATIONS, TARGET_TAGS, ExerciseLibrary
from runnersknee.content._files import data_root, read_toml, toml_files
from runnersknee.content.citations import load_citations
from runnersknee.content.illustrate.scene import Scene, scene_from_mapping
from runnersknee.content.illustrate.svg import render_svg

__all__ = [
    "ILLUSTRATION_LICENCE",
    "illustration_scenes",
    "load_exercise_library",
    "render_library_markdown",
    "write_generated_files",
]

ILLUSTRATION_LICENCE = "CC0-1.0, drawn for runnersknee"
_FOLDER = "exercises"
_DOSE_KEYS = frozenset(
    {"sets", "reps", "hold_s", "rest_s", "per_week", "duration_min", "load_guidance", "intensity"}
    | {"citations", "verified", "review_note"}
)
_EXERCISE_KEYS = frozenset(
    {"id", "name", "component", "phases", "targets", "equipment", "setup", "steps", "cues"}
    | {"common_errors", "dose", "citations", "pfj_range", "regression", "progression"}
    | {"contraindications", "illustration_pose", "version"}
)


def _texts(
    raw: Mapping[str, Any], key: str, where: str, *, required: bool = True
) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContentError(f"{where}: {key} must be a list of strings", where=where)
    if required and not value:
        raise ContentError(f"{where}: {key} must not be empty", where=where)
    return tuple(value)


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: {key} must be a non-empty string", where=where)
    return value


def _dose(raw: Any, where: str) -> tuple[Dose, str | None]:
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: missing [exercise.dose] table", where=where)
    extra = sorted(set(raw) - _DOSE_KEYS)
    if extra:
        raise ContentError(f"{where}: unknown dose key(s) {', '.join(extra)}", where=where)
    verified = raw.get("verified", True)
    note = raw.get("review_note")
    if verified is False and not note:
        raise ContentError(f"{where}: an unverified dose needs a review_note", where=where)
    try:
        dose = Dose(
            sets=raw.get("sets"),
            reps=raw.get("reps"),
            hold_s=raw.get("hold_s"),
            rest_s=raw.get("rest_s"),
            per_week=raw.get("per_week"),
            duration_min=raw.get("duration_min"),
            load_guidance=str(raw.get("load_guidance", "")),
            intensity=str(raw.get("intensity", "")),
            citation_ids=load_citations().require(
                _texts(raw, "citations", where), where=f"{where} dose"
            ),
            verified=bool(verified),
        )
    except InvalidInput as exc:
        raise ContentError(f"{where}: dose {exc.message}", where=where, field=exc.field) from exc
    return dose, (str(note) if note else None)


def _enum_tuple(values: Any, kind: type[Phase], where: str) -> tuple[Phase, ...]:
    try:
        return tuple(kind(v) for v in values)
    except (TypeError, ValueError) as exc:
        allowed = ", ".join(str(int(p)) for p in kind)
        raise ContentError(f"{where}: phases must be among {allowed}", where=where) from exc


def _exercise(raw: Mapping[str, Any], source: str) -> tuple[Exercise, str | None]:
    ident = raw.get("id")
    where = f"exercise {ident!r} ({source})"
    if not isinstance(ident, str):
        raise ContentError(f"{source}: exercise without an id", where=source)
    extra = sorted(set(raw) - _EXERCISE_KEYS)
    if extra:
        raise ContentError(f"{where}: unknown key(s) {', '.join(extra)}", exercise=ident)
    try:
        component = Component(str(raw.get("component")))
    except ValueError as exc:
        allowed = ", ".join(c.value for c in Component)
        raise ContentError(f"{where}: component must be one of {allowed}", exercise=ident) from exc
    dose, note = _dose(raw.get("dose"), where)
    illustration = f"illustrations/{ident}.svg"
    if not (data_root() / _FOLDER / illustration).is_file():
        raise ContentError(f"{where}: illustration {illustration} is missing", exercise=ident)
    exercise = Exercise(
        id=ident,
        name=_text(raw, "name", where),
        component=component,
        phases=_enum_tuple(raw.get("phases", []), Phase, where),
        targets=_texts(raw, "targets", where),
        equipment=_texts(raw, "equipment", where, required=False),
        setup=_text(raw, "setup", where),
        steps=_texts(raw, "steps", where),
        cues=_texts(raw, "cues", where),
        common_errors=_texts(raw, "common_errors", where),
        dose=dose,
        citation_ids=load_citations().require(_texts(raw, "citations", where), where=where),
        pfj_range=raw.get("pfj_range"),
        regression_id=raw.get("regression"),
        progression_id=raw.get("progression"),
        contraindications=_texts(raw, "contraindications", where, required=False),
        illustration=illustration,
        illustration_licence=ILLUSTRATION_LICENCE,
        version=int(raw.get("version", 1)),
    )
    return exercise, note


def _raw_entries() -> list[tuple[str, dict[str, Any]]]:
    return [
        (entry.name, raw)
        for entry in toml_files(_FOLDER)
        for raw in read_toml(entry).get("exercise", [])
    ]


@cache
def load_exercise_library() -> ExerciseLibrary:
    """The validated exercise library (cached; content files are read once)."""
    exercises: list[Exercise] = []
    notes: dict[str, str] = {}
    for source, raw in _raw_entries():
        exercise, note = _exercise(raw, source)
        exercises.append(exercise)
        if note:
            notes[exercise.id] = note
    return ExerciseLibrary(exercises, notes)


def illustration_file(exercise: Exercise | None) -> Path | None:
    """The packaged SVG file of an exercise's illustration, if it has one."""
    name = None if exercise is None else exercise.illustration
    if not name:
        return None
    folder = data_root() / "exercises" / "illustrations"
    candidate = Path(str(folder / Path(name).name))
    return candidate if candidate.is_file() and candidate.suffix == ".svg" else None


def illustration_scenes() -> dict[str, Scene]:
    """Exercise id → the :class:`Scene` its illustration is drawn from."""
    scenes: dict[str, Scene] = {}
    for source, raw in _raw_entries():
        pose = raw.get("illustration_pose")
        if not isinstance(pose, dict):
            raise ContentError(f"exercise {raw.get('id')!r} ({source}) has no illustration_pose")
        ident = str(raw["id"])
        scenes[ident] = scene_from_mapping(pose, title=str(raw["name"]), slug=ident)
    return scenes


# --------------------------------------------------------------------------- documentation


def _bullets(items: Sequence[str]) -> list[str]:
    return [f"- {item}" for item in items]


def _dose_text(exercise: Exercise) -> str:
    dose = exercise.dose
    text = dose.describe() or "see guidance"
    flag = "" if dose.verified else " — **unverified: needs clinical review**"
    return f"{text}{flag} [{', '.join(dose.citation_ids)}]"


def _exercise_markdown(exercise: Exercise, library: ExerciseLibrary) -> list[str]:
    phases = ", ".join(f"{int(p)} ({p.name.lower().replace('_', '/')})" for p in exercise.phases)
    lines = [
        f"### {exercise.name} (`{exercise.id}`)",
        "",
        f"![{exercise.name}](../src/runnersknee/content/data/exercises/{exercise.illustration})",
        "",
        f"- Component: {exercise.component.value}; phases: {phases}",
        f"- Targets: {', '.join(exercise.targets)}",
        f"- Equipment: {', '.join(exercise.equipment) or 'none'}",
        f"- Dose: {_dose_text(exercise)}",
    ]
    if exercise.dose.load_guidance:
        lines.append(f"- Load guidance: {exercise.dose.load_guidance}")
    if exercise.id in library.review_notes:
        lines.append(f"- Review note: {library.review_notes[exercise.id]}")
    if exercise.pfj_range:
        lines.append(f"- PFJ-friendly range: {exercise.pfj_range}")
    lines.append(
        f"- Regression: {exercise.regression_id or '—'}; "
        f"progression: {exercise.progression_id or '—'}"
    )
    lines.append(f"- Contraindications: {', '.join(exercise.contraindications) or 'none'}")
    lines.append(f"- Sources: {', '.join(exercise.citation_ids)}")
    lines += ["", f"Setup: {exercise.setup}", "", "Steps:", ""]
    lines += [f"{i}. {step}" for i, step in enumerate(exercise.steps, 1)]
    lines += ["", "Cues:", "", *_bullets(exercise.cues), "", "Common errors:", ""]
    lines += [*_bullets(exercise.common_errors), ""]
    return lines


def render_library_markdown(library: ExerciseLibrary | None = None) -> str:
    """``docs/exercise-library.md``: vocabularies, review list and every exercise."""
    lib = library if library is not None else load_exercise_library()
    lines = [
        "# Exercise library",
        "",
        "Generated by `runnersknee.content.exercises.render_library_markdown()` from",
        "`src/runnersknee/content/data/exercises/*.toml`; do not edit by hand — run",
        "`python -m runnersknee.content.exercises` after changing the content.",
        "",
        f"{len(lib)} exercises. Illustrations: {ILLUSTRATION_LICENCE}.",
        "",
        "## Target tags",
        "",
        "| Tag | Meaning |",
        "|---|---|",
        *(f"| `{tag}` | {meaning} |" for tag, meaning in TARGET_TAGS.items()),
        "",
        "## Contraindication (finding) ids",
        "",
        "| Id | Meaning |",
        "|---|---|",
        *(f"| `{cid}` | {meaning} |" for cid, meaning in CONTRAINDICATIONS.items()),
        "",
        "## Phases",
        "",
        *(f"- {int(p)}: {p.name.lower().replace('_', '/')}" for p in Phase),
        "",
        "## Needs clinical review",
        "",
        "Default doses the knowledge base marks unverified (`verified = false`):",
        "",
    ]
    for exercise in lib.unverified():
        note = lib.review_notes.get(exercise.id, "")
        lines.append(f"- `{exercise.id}` — {exercise.dose.describe() or 'guidance only'}: {note}")
    lines.append("")
    for component in Component:
        lines += [f"## {component.value.replace('_', ' ').capitalize()}", ""]
        for exercise in lib.by_component(component):
            lines += _exercise_markdown(exercise, lib)
    return "\n".join(lines).rstrip("\n") + "\n"


def write_generated_files(docs_path: Path) -> list[Path]:
    """Write every illustration SVG and the library markdown; return the written paths."""
    folder = Path(str(data_root() / _FOLDER / "illustrations"))
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for ident, scene in illustration_scenes().items():
        path = folder / f"{ident}.svg"
        path.write_text(render_svg(scene), encoding="utf-8")
        written.append(path)
    load_exercise_library.cache_clear()
    docs_path.write_text(render_library_markdown(), encoding="utf-8")
    written.append(docs_path)
    return written


if __name__ == "__main__":  # pragma: no cover - developer tool
    write_generated_files(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/exercise-library.md"))
