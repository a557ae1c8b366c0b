"""Plan editor (issue 15): version history in words, compare two versions, confirm before
removing an item."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.services.care.plan_document import PlanDocument
from runnersknee.services.care.plan_history import compare, describe
from runnersknee.services.care.plan_progression import step_plan
from runnersknee.services.demo import PFP_CASE
from runnersknee.store.tables import PlanVersionRow
from tests.web.conftest import World, client_for, page_login


def _plan(world: World) -> tuple[TestClient, str, int, str, str]:
    client = client_for(world)
    token = page_login(client, "doc@test.example")
    headers = {"X-CSRF-Token": client.get("/api/v1/auth/session").json()["csrf_token"]}
    pid = world.patient_a
    client.put(f"/api/v1/patients/{pid}/intake", json=PFP_CASE, headers=headers)
    client.post(
        f"/clinic/patients/{pid}/assessment",
        data={"csrf_token": token, "right.movement.step_down.score": "3", "body_mass_kg": "61"},
    )
    page = client.post(f"/clinic/patients/{pid}/plan/generate", data={"csrf_token": token})
    found = re.search(r'/plan/items/([^"]+)"', page.text)
    assert found is not None
    item_id = found.group(1)
    title = re.search(
        rf'<h4>([^<]+?)(?: <span|</h4>).*?/plan/items/{re.escape(item_id)}"', page.text, re.S
    )
    assert title is not None
    return client, token, pid, item_id, title.group(1).strip()


def _versions(world: World) -> int:
    with world.database.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(PlanVersionRow)) or 0)


def test_history_in_words_and_compare_two_versions(world: World) -> None:
    client, token, pid, item_id, title = _plan(world)
    client.post(
        f"/clinic/patients/{pid}/plan/items/{item_id}",
        data={"csrf_token": token, "dose": "2 sets of 8", "note": "go gently"},
    )
    page = client.post(
        f"/clinic/patients/{pid}/plan/sign", data={"csrf_token": token, "note": "Agreed with Ann"}
    )
    text = page.text
    assert "Version 1</strong>: Plan generated from the intake and assessment, by Dr Test" in text
    assert (
        f"Version 2</strong>: Changed the dose or note of \u201c{title}\u201d, by Dr Test" in text
    )
    assert "Version 3</strong> (signed): Signed off, by Dr Test" in text
    assert "Sign-off note: &ldquo;Agreed with Ann&rdquo;" in text
    assert item_id not in re.sub(r'/plan/items/[^"]+"', "", text.split('id="ver-title"')[1])
    compared = client.get(f"/clinic/patients/{pid}/plan/compare?a=3&b=1")
    assert compared.status_code == 200
    assert "Version 1 (draft" in compared.text
    assert f"<td>{title}</td><td>changed</td>" in compared.text
    assert "2 sets of 8 (note: go gently)" in compared.text
    same = client.get(f"/clinic/patients/{pid}/plan/compare?a=2&b=3")
    assert "are the same in both versions" in same.text
    missing = client.get(f"/clinic/patients/{pid}/plan/compare?a=1&b=9")
    assert missing.status_code == 404
    bad = client.get(f"/clinic/patients/{pid}/plan/compare?a=x&b=1")
    assert bad.status_code == 422


def test_remove_asks_first_and_changes_nothing_until_confirmed(world: World) -> None:
    client, token, pid, item_id, title = _plan(world)
    before = _versions(world)
    asked = client.post(
        f"/clinic/patients/{pid}/plan/items/{item_id}", data={"csrf_token": token, "remove": "1"}
    )
    assert asked.status_code == 200
    assert f"Remove &ldquo;{title}&rdquo; from the plan?" in asked.text
    assert 'name="confirm" value="1"' in asked.text
    assert _versions(world) == before
    done = client.post(
        f"/clinic/patients/{pid}/plan/items/{item_id}",
        data={"csrf_token": token, "remove": "1", "confirm": "1"},
    )
    assert done.status_code == 200
    assert _versions(world) == before + 1
    assert f"Removed \u201c{title}\u201d" in done.text


def test_describe_and_compare_are_plain_functions() -> None:
    old = {"components": [{"items": [{"id": "a", "title": "Wall sit", "dose": "3 x 30 s"}]}]}
    new = {"components": [{"items": [{"id": "b", "title": "Step-down", "dose": "3 x 10"}]}]}
    assert describe("removed a", new, old) == "Removed \u201cWall sit\u201d"
    assert describe("added b", new, old) == "Added \u201cStep-down\u201d"
    assert describe("something else", new, old) == "something else"
    kinds = [(c.title, c.kind) for c in compare(old, new)]
    assert kinds == [("Step-down", "added"), ("Wall sit", "removed")]


def _step_buttons(html: str) -> list[tuple[str, str, str]]:
    """(item id, direction, button text) of every one-click step on the plan page."""
    found = []
    for item_id, body in re.findall(r'/plan/items/([^"/]+)/step"(.*?)</form>', html, re.S):
        for direction, text in re.findall(
            r'name="direction" value="(progress|regress)"[^>]*>([^<]+)</button>', body
        ):
            found.append((item_id, direction, text))
    return found


def test_one_click_progress_makes_a_draft_and_returns_to_the_new_item(world: World) -> None:
    client, token, pid, _, _ = _plan(world)
    sign = client.post(f"/clinic/patients/{pid}/plan/sign", data={"csrf_token": token})
    steps = _step_buttons(sign.text)
    item_id, _, text = next(s for s in steps if s[1] == "progress")
    with world.database.transaction() as tx:
        signed = tx.scalar(select(PlanVersionRow).order_by(PlanVersionRow.version.desc()))
        assert signed is not None
        old = next(i for c in signed.data["components"] for i in c["items"] if i["id"] == item_id)
    # the leg set on the item stays with the progressed exercise
    client.post(
        f"/clinic/patients/{pid}/plan/items/{item_id}",
        data={"csrf_token": token, "sets": "3", "reps": "10", "side": "left"},
    )
    before = _versions(world)
    done = client.post(
        f"/clinic/patients/{pid}/plan/items/{item_id}/step",
        data={"csrf_token": token, "direction": "progress"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    location = done.headers["location"]
    assert location.startswith(f"/clinic/patients/{pid}/plan#item-")
    assert _versions(world) == before + 1
    with world.database.transaction() as tx:
        latest = tx.scalar(select(PlanVersionRow).order_by(PlanVersionRow.version.desc()))
        assert latest is not None
        assert latest.status == "draft"  # the patient sees nothing until sign-off
        items = [i for c in latest.data["components"] for i in c["items"]]
    new = next(i for i in items if location.endswith(i["id"]))
    assert new["exercise_id"] == old["progression_id"]
    assert new["dose_fields"] == {"side": "left"}
    assert item_id not in [i["id"] for i in items]
    page = client.get(f"/clinic/patients/{pid}/plan").text
    assert f'id="{location.split("#")[1]}"' in page
    assert f"Progressed \u201c{old['title']}\u201d to \u201c{new['title']}\u201d" in page
    assert f"{text.replace('Progress to ', '')}" == new["title"]


def test_one_click_step_is_refused_without_a_linked_exercise_and_changes_nothing(
    world: World,
) -> None:
    client, token, pid, _, _ = _plan(world)
    page = client.get(f"/clinic/patients/{pid}/plan").text
    advice = re.search(r'/plan/items/(pain_management:[^"/]+)"', page)
    assert advice is not None
    before = _versions(world)
    refused = client.post(
        f"/clinic/patients/{pid}/plan/items/{advice.group(1)}/step",
        data={"csrf_token": token, "direction": "progress"},
    )
    assert refused.status_code == 422
    assert "has no harder exercise linked in the library" in refused.text
    bad = client.post(
        f"/clinic/patients/{pid}/plan/items/{advice.group(1)}/step",
        data={"csrf_token": token, "direction": "sideways"},
    )
    assert bad.status_code == 422
    assert "choose progress or regress" in bad.text
    assert _versions(world) == before


def step_data(
    data: dict[str, Any], item_id: str, direction: str, library: ExerciseLibrary
) -> tuple[str, str]:
    """:func:`step_plan` on a plan's stored JSON, written back into ``data``."""
    step = step_plan(PlanDocument.from_json(data), item_id, direction, library)
    data.clear()
    data.update(step.plan.to_json())
    return step.item_id, step.change


def test_step_data_is_a_plain_function_along_the_library() -> None:
    from runnersknee.clinical.errors import Conflict
    from tests.content import CONTENT

    library = CONTENT.exercises
    data = {
        "components": [
            {
                "kind": "strengthening",
                "items": [
                    {
                        "id": "strengthening:forward-lunge-0-45",
                        "component": "strengthening",
                        "title": "Forward lunge",
                        "exercise_id": "forward-lunge-0-45",
                        "clinician_note": "mirror",
                    },
                    {"id": "x", "title": "Step-up", "exercise_id": "step-up-20"},
                ],
            }
        ]
    }
    harder = library["forward-lunge-0-45"].progression_id
    new_id, change = step_data(data, "strengthening:forward-lunge-0-45", "progress", library)
    assert new_id == f"strengthening:{harder}"
    assert change == f"progressed strengthening:forward-lunge-0-45 {harder}"
    first = data["components"][0]["items"][0]
    assert first["exercise_id"] == harder  # replaced in place, same position
    assert first["clinician_note"] == "mirror"
    assert first["dose"] == library[harder].dose.describe()
    easier = library[harder].regression_id
    data2 = {"components": [{"items": [dict(first, id="a"), {"id": "b", "exercise_id": easier}]}]}
    with pytest.raises(Conflict):  # the step back is already in the plan
        step_data(data2, "a", "regress", library)
