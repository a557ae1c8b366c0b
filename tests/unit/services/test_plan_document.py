"""The stored plan document maps to the same JSON, key for key and byte for byte, and every
edit returns a new document with the JSON the in-place edits wrote before it."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from runnersknee.clinical.errors import Conflict, NotFound
from runnersknee.services.care.plan_changes import hold_running
from runnersknee.services.care.plan_document import PlanDocument, PlanItemDoc
from runnersknee.services.care.plan_progression import step_plan
from runnersknee.services.care.planning import add_library_item, remove_plan_item
from tests.content import CONTENT

GOLDEN = sorted((Path(__file__).parents[2] / "golden").glob("*/*.json"))


def _plans() -> list[dict[str, object]]:
    found = []
    for path in GOLDEN:
        plan = json.loads(path.read_text(encoding="utf-8")).get("plan")
        if isinstance(plan, dict):
            found.append(plan)
    return found


def _bytes(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)


def test_golden_plans_round_trip_byte_for_byte() -> None:
    plans = _plans()
    assert plans
    for plan in plans:
        stored = {**plan, "triage_level": "plan", "running_hold": {"held": True}}
        assert _bytes(PlanDocument.from_json(stored).to_json()) == _bytes(stored)


def _plan() -> dict[str, object]:
    return copy.deepcopy(_plans()[0])


def test_an_edit_returns_a_new_document_and_keeps_the_old_one() -> None:
    stored = _plan()
    plan = PlanDocument.from_json(stored)
    first = next(plan.items())
    assert first.id is not None
    edited = plan.with_item(first.id, first.replaced(dose="2 x 5", clinician_note="slowly"))
    assert plan.to_json() == stored
    expected = copy.deepcopy(stored)
    item = expected["components"][0]["items"][0]
    item["dose"] = "2 x 5"
    item["clinician_note"] = "slowly"
    assert _bytes(edited.to_json()) == _bytes(expected)


def test_the_document_does_not_share_the_json_it_was_read_from() -> None:
    stored = _plan()
    plan = PlanDocument.from_json(stored)
    stored["components"] = []
    plan.to_json()["phase"] = 99
    assert next(plan.items()).id
    assert plan.get("phase") != 99


def test_adding_and_removing_a_library_exercise() -> None:
    plan = PlanDocument.from_json(_plan())
    exercise = next(e for e in CONTENT.exercises.values() if not plan.has_exercise(e.id))
    added = add_library_item(plan, exercise, "note")
    assert added.has_exercise(exercise.id)
    assert not plan.has_exercise(exercise.id)
    item = added.find(f"added-{exercise.id}")
    assert item.clinician_note == "note"
    assert item.to_json()["component"] == exercise.component.value
    with pytest.raises(Conflict):
        add_library_item(added, exercise, "")
    removed = remove_plan_item(added, f"added-{exercise.id}")
    assert not removed.has_exercise(exercise.id)
    with pytest.raises(NotFound):
        remove_plan_item(removed, f"added-{exercise.id}")


def test_an_exercise_added_to_a_plan_without_components_makes_its_component_last() -> None:
    exercise = next(iter(CONTENT.exercises.values()))
    plan = PlanDocument.from_json({"phase": 1})
    data = add_library_item(plan, exercise, "").to_json()
    assert list(data) == ["phase", "components"]
    (component,) = data["components"]
    assert list(component) == ["kind", "status", "reason", "items", "citation_ids"]


def test_running_hold_and_resume() -> None:
    plan = PlanDocument.from_json(_plan())
    held = hold_running(plan, True, " flare ", date(2026, 3, 2))
    assert held.running_held
    assert not plan.running_held
    assert held.to_json()["running_hold"] == {
        "held": True,
        "since": "2026-03-02",
        "reason": "flare",
    }
    resumed = hold_running(held, False, "", date(2026, 3, 3))
    assert not resumed.running_held
    assert resumed.to_json() == plan.to_json()


def test_a_step_replaces_the_item_in_its_place() -> None:
    library = CONTENT.exercises
    item = PlanItemDoc.from_json(
        {
            "id": "strengthening:forward-lunge-0-45",
            "component": "strengthening",
            "title": "Forward lunge",
            "exercise_id": "forward-lunge-0-45",
            "dose_fields": {"side": "left"},
        }
    )
    plan = PlanDocument.from_json({"components": [{"kind": "strengthening", "items": []}]})
    plan = PlanDocument(plan.head, (plan.components[0].with_items([item]),))
    step = step_plan(plan, str(item.id), "progress", library)
    harder = library["forward-lunge-0-45"].progression_id
    assert step.item_id == f"strengthening:{harder}"
    (new,) = step.plan.items()
    assert new.exercise_id == harder
    assert new.side == "left"
    assert plan.find(str(item.id)) == item
