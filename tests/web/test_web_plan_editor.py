"""Plan editor (issue 15): version history in words, compare two versions, confirm before
removing an item."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runnersknee.services.care.plan_history import compare, describe
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
