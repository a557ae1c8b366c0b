"""The one API error shape, security headers, unmigrated database, OpenAPI."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Response

from runnersknee.config import Settings
from runnersknee.services.platform.database import Database
from runnersknee.store.migrate import NotMigrated
from runnersknee.web.app import create_app
from tests.web.conftest import World, api_login, client_for


def _shape(body: dict[str, object], code: str) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]


def test_error_shape_is_pinned_for_every_kind(world: World) -> None:
    client = client_for(world)
    unauth = client.get("/api/v1/patients")
    assert unauth.status_code == 401
    _shape(unauth.json(), "unauthenticated")
    headers = api_login(client, "doc@test.example")
    missing = client.get("/api/v1/patients/999999", headers=headers)
    assert missing.status_code == 404
    _shape(missing.json(), "not_found")
    no_route = client.get("/api/v1/nothing-here")
    assert no_route.status_code == 404
    _shape(no_route.json(), "not_found")
    bad = client.post("/api/v1/patients", json={"display_name": 5}, headers=headers)
    assert bad.status_code == 422
    _shape(bad.json(), "invalid_input")
    assert bad.json()["error"]["field"] == "display_name"
    csrf = client.post("/api/v1/patients", json={"display_name": "X"})
    assert csrf.status_code == 403
    _shape(csrf.json(), "forbidden")
    invalid = client.put(
        f"/api/v1/patients/{world.patient_a}/intake",
        json={"demographics": {"age_years": 300}},
        headers=headers,
    )
    assert invalid.status_code == 422
    _shape(invalid.json(), "invalid_input")
    assert "age_years" in invalid.json()["error"]["field"]


def test_pages_send_security_headers_and_no_store(world: World) -> None:
    response = client_for(world).get("/login")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    for name in ("content-security-policy", "cache-control", "x-frame-options"):
        assert len(response.headers.get_list(name)) == 1
    static = client_for(world).get("/static/app.css")
    assert static.status_code == 200
    assert static.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in static.headers  # static files may be cached
    assert static.headers["referrer-policy"] == "no-referrer"


def test_security_headers_replace_what_a_response_set_itself(world: World) -> None:
    app = world.app
    assert isinstance(app, FastAPI)

    @app.get("/test-own-headers")
    def own_headers() -> Response:
        return Response("x", headers={"Cache-Control": "max-age=60", "X-Frame-Options": "ALLOW"})

    response = client_for(world).get("/test-own-headers")
    assert response.headers.get_list("cache-control") == ["no-store"]
    assert response.headers.get_list("x-frame-options") == ["DENY"]
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_openapi_is_published_with_the_error_shape(world: World) -> None:
    spec = client_for(world).get("/api/v1/openapi.json").json()
    assert "/api/v1/patients/{patient_id}/intake" in spec["paths"]
    assert "ErrorBody" in spec["components"]["schemas"]
    assert not any(path.startswith("/clinic") for path in spec["paths"])


def test_app_refuses_an_unmigrated_database(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/empty.db"
    with pytest.raises(NotMigrated, match="runnersknee db upgrade"):
        create_app(Settings(database_url=url), Database(url))
