"""Access matrix over EVERY route of the app (enumerated, so new routes are covered).

Patient A must not read or change patient B's record through any page or API route, and a
clinician must not reach another clinic's patients. Denials are audited.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from runnersknee.services.demo import RED_FLAG_CASE
from runnersknee.store.tables import AlertRow, AuditRow
from runnersknee.web.app import route_table
from tests.web.conftest import World, api_login, client_for, page_login

#: Valid bodies for API routes that take one (so validation cannot answer before authz).
BODIES: dict[str, Any] = {
    "/api/v1/patients": {"display_name": "Eve"},
    "/api/v1/patients/{patient_id}/intake": RED_FLAG_CASE,
    "/api/v1/patients/{patient_id}/referral": {"decision": "referred", "note": "x"},
    "/api/v1/patients/{patient_id}/questionnaires": {"instrument": "nprs", "answers": {}},
    "/api/v1/patients/{patient_id}/assessment": {},
    "/api/v1/patients/{patient_id}/plans/items/{item_id}": {"dose": "1 × 1"},
    "/api/v1/patients/{patient_id}/plans/items": {"exercise_id": "x"},
    "/api/v1/patients/{patient_id}/plans/sign": {"note": ""},
    "/api/v1/patients/{patient_id}/exercise-logs": {"exercise_id": "x", "sets_done": 1},
    "/api/v1/patients/{patient_id}/pain-logs": {"during": 1},
    "/api/v1/clinic/mfa": {"required": True},
    "/api/v1/patients/{patient_id}/invite": {"email": "eve@test.example"},
    "/api/v1/users/{user_id}/role": {"role": "admin"},
}
#: Routes open to any logged-in user or to nobody's data.
PUBLIC = {
    "/login",
    "/logout",
    "/",
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/auth/session",
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/docs/oauth2-redirect",
    "/illustrations/{exercise_id}.svg",
    # A clinic's own exercise picture: its logged-in users only (test_web_exercise_media.py).
    "/exercise-media/{media_id}",
    "/healthz",
    "/api/v1/auth/password",
    "/api/v1/auth/reset",
    "/api/v1/auth/mfa",
    "/api/v1/auth/mfa/confirm",
    "/account/link/{token}",
}
#: Pages of one's own account: any login, never a record (anonymous callers go to /login).
OWN_ACCOUNT = {"/account/password", "/account/mfa", "/account/mfa/start", "/account/mfa/confirm"}
OWN_ONLY_PREFIX = "/me"


def _fill(path: str, world: World, patient_id: int, alert_id: int) -> str:
    return (
        path.replace("{patient_id}", str(patient_id))
        .replace("{alert_id}", str(alert_id))
        .replace("{item_id}", "some-item")
        .replace("{instrument_id}", "nprs")
        .replace("{user_id}", "1")
        .replace("{slug}", "symptoms")
        .replace("{job_id}", "1")
        .replace("{name}", "result.json")
    )


def _call(client: Any, method: str, path: str, url: str, auth: tuple[dict[str, str], str]) -> Any:
    csrf, token = auth
    if path.startswith("/api/"):
        body = BODIES.get(path)
        return client.request(method, url, json=body, headers=csrf)
    if method == "GET":
        return client.get(url, follow_redirects=False)
    return client.request(method, url, data={"csrf_token": token}, follow_redirects=False)


def _guarded_routes(world: World) -> list[tuple[str, str]]:
    routes = []
    for path, methods in route_table(world.app):  # type: ignore[arg-type]
        if path in PUBLIC | OWN_ACCOUNT or path.startswith(("/static", OWN_ONLY_PREFIX)):
            continue
        routes.extend((path, m) for m in sorted(methods - {"HEAD"}))
    return routes


@pytest.fixture
def b_alert(world: World) -> int:
    doc = client_for(world)
    headers = api_login(doc, "doc@test.example")
    doc.put(f"/api/v1/patients/{world.patient_b}/intake", json=RED_FLAG_CASE, headers=headers)
    with world.database.transaction() as tx:
        found = tx.scalar(select(AlertRow.id).where(AlertRow.patient_id == world.patient_b))
    assert found is not None
    return found


def test_the_route_table_has_every_route_whatever_the_router_internals(world: World) -> None:
    """Issue 18 hole 10: the read pages registered as plain routes were missing."""
    table = route_table(world.app)  # type: ignore[arg-type]
    paths = {path for path, _ in table}
    assert {"/me", "/clinic/patients", "/login", "/api/v1/patients"} <= paths
    assert len(table) >= 83
    anonymous = client_for(world)
    for path, methods in table:
        if path in PUBLIC or path.startswith("/static"):
            continue
        url = _fill(path, world, world.patient_a, 1)
        for method in sorted(methods - {"HEAD"}):
            response = anonymous.request(method, url, follow_redirects=False)
            expected = 401 if path.startswith("/api/") else 303
            assert response.status_code == expected, (method, url, response.status_code)
            if expected == 303:
                assert response.headers["location"] == "/login"


def test_every_route_is_classified(world: World) -> None:
    routes = _guarded_routes(world)
    assert len(routes) >= 30
    assert all(
        "{patient_id}" in p or p.startswith(("/clinic", "/admin", "/api/v1")) for p, _ in routes
    )


def test_patient_a_cannot_reach_patient_b_anywhere(world: World, b_alert: int) -> None:
    client = client_for(world)
    token = page_login(client, "a@test.example")
    csrf = {"X-CSRF-Token": client.get("/api/v1/auth/session").json()["csrf_token"]}
    checked = 0
    for path, method in _guarded_routes(world):
        url = _fill(path, world, world.patient_b, b_alert)
        response = _call(client, method, path, url, (csrf, token))
        assert response.status_code in (403, 404), (method, url, response.status_code)
        assert "Ben B" not in response.text, (method, url)
        checked += 1
    assert checked >= 30
    with world.database.transaction() as tx:
        denied = tx.scalar(select(func.count()).where(AuditRow.outcome == "denied"))
    assert denied
    assert denied > 0


def test_other_clinic_clinician_cannot_reach_our_patients(world: World, b_alert: int) -> None:
    client = client_for(world)
    token = page_login(client, "doc2@test.example")
    csrf = {"X-CSRF-Token": client.get("/api/v1/auth/session").json()["csrf_token"]}
    for path, method in _guarded_routes(world):
        if "{patient_id}" not in path and "{alert_id}" not in path:
            continue
        url = _fill(path, world, world.patient_b, b_alert)
        response = _call(client, method, path, url, (csrf, token))
        assert response.status_code in (403, 404), (method, url, response.status_code)
        assert "Ben B" not in response.text


def test_patient_sees_own_record_through_the_api(world: World) -> None:
    client = client_for(world)
    headers = api_login(client, "a@test.example")
    own = client.get(f"/api/v1/patients/{world.patient_a}", headers=headers)
    assert own.status_code == 200
    assert own.json()["display_name"] == "Ann A"
    with world.database.transaction() as tx:
        audited = tx.scalar(
            select(func.count()).where(
                AuditRow.patient_id == world.patient_a, AuditRow.action == "patient.read"
            )
        )
    assert audited
    assert audited >= 1


def test_admin_manages_users_but_sees_no_patient_data(world: World) -> None:
    client = client_for(world)
    token = page_login(client, "admin@test.example")
    assert client.get("/admin/users").status_code == 200
    assert client.get(f"/clinic/patients/{world.patient_a}").status_code == 403
    nameless = client.post(
        "/admin/users",
        data={
            "csrf_token": token,
            "email": "n@test.example",
            "display_name": "",
            "role": "clinician",
        },
    )
    assert nameless.status_code == 422
    assert "name is required" in nameless.text
