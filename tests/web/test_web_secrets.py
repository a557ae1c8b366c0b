"""Hole 2 of issue 18: no secret is logged or echoed; a wrong body type gets 415, a body
above its limit 413, and a server error is a plain 500 with the security headers."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from runnersknee.config import Settings
from runnersknee.web.app import create_app
from tests.web.conftest import World

SECRET = "Hunter2-Secret-Value"


def _client(world: World, **settings: object) -> TestClient:
    app = create_app(Settings(database_url=world.database.url, **settings), world.database)  # type: ignore[arg-type]
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", f'{{"email": "doc@test.example", "password": "{SECRET}"}}'),
        ("application/x-www-form-urlencoded", f"email=doc%40test.example&password={SECRET}"),
        ("application/xml", f"<login><password>{SECRET}</password></login>"),
    ],
)
def test_a_login_of_the_wrong_type_is_415_and_nothing_is_logged(
    world: World, caplog: pytest.LogCaptureFixture, content_type: str, body: str
) -> None:
    client = _client(world)
    with caplog.at_level(logging.DEBUG):
        response = client.post(
            "/api/v1/auth/login", content=body, headers={"content-type": content_type}
        )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert SECRET not in response.text
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        {"password": SECRET},
        {"email": "doc@test.example", "password": SECRET, "extra": 1},
        {"email": ["doc@test.example"], "password": SECRET},
        {"email": "doc@test.example", "password": SECRET * 100},
    ],
)
def test_a_422_never_echoes_the_submitted_values(world: World, body: dict[str, object]) -> None:
    response = _client(world).post("/api/v1/auth/login", json=body)
    assert response.status_code == 422
    assert SECRET not in response.text
    assert response.json()["error"]["code"] == "invalid_input"


def test_multipart_to_a_json_route_is_422_not_500(world: World) -> None:
    response = _client(world).post(
        "/api/v1/auth/login", files={"password": ("p.txt", SECRET.encode())}
    )
    assert response.status_code == 422
    assert SECRET not in response.text


def test_a_body_above_the_limit_is_413(world: World) -> None:
    client = _client(world, max_json_bytes=2048)
    response = client.post(
        "/api/v1/auth/login", json={"email": "x@y.example", "password": "p" * 5000}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_server_error_is_a_plain_500_with_headers_and_no_message_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    client = _client(world)
    app = client.app
    assert isinstance(app, FastAPI)

    @app.get("/api/v1/boom-test")
    def boom() -> None:
        raise RuntimeError(f"password={SECRET}")

    with caplog.at_level(logging.DEBUG):
        response = client.get("/api/v1/boom-test")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert SECRET not in response.text
    assert "RuntimeError" in caplog.text
    assert SECRET not in caplog.text


def test_healthz_answers_without_login_or_data(world: World) -> None:
    response = _client(world).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


def test_role_gate_denials_are_audited(world: World) -> None:
    from sqlalchemy import select

    from runnersknee.store.tables import AuditRow
    from tests.web.conftest import page_login

    client = _client(world)
    page_login(client, "a@test.example")
    assert client.get("/admin/users").status_code == 403
    with world.database.transaction() as tx:
        rows = tx.execute(
            select(AuditRow.action, AuditRow.record_id, AuditRow.outcome).where(
                AuditRow.action == "page.role_gate"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("page.role_gate", "/admin/users", "denied")]
