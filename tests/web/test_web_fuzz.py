"""Hole 4 of issue 18: a bounded schemathesis run over /api/v1/openapi.json answers no 5xx.

Stateless (every operation, generated parameters and bodies) and stateful (chains of calls
through links schemathesis infers), logged in as a clinician and as a patient, with fixed
seeds (``derandomize``), so each run sends the same cases. As a patient (with a signed
running plan, so the gate opens) the schema is narrowed to the patient's own operations and
their record number is pinned: random numbers would only ever reach the 403 of other records.
Every response also carries the security headers. Only the "no server error" and header
checks apply: a 4xx for a schema-valid value (an unknown instrument, say) is a correct answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from sqlalchemy import create_engine, text

from runnersknee.config import Settings
from runnersknee.services.access.accounts import actor_for
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import UserRow
from runnersknee.web.app import create_app
from tests.conftest import _pg_base_url
from tests.ready import sign_plan_for
from tests.web.conftest import PASSWORD, TODAY, World, _seed

pytestmark = pytest.mark.slow

_SKIP = ("/auth/logout", "/auth/login")
#: The patient's own operations (under /api/v1/patients/{patient_id}), fuzzed as the patient
#: (not the video analyses: they are the clinician's, ``video.read``; patients send videos
#: from the portal's pages).
_PATIENT_ROUTES = (
    "", "/intake", "/triage", "/questionnaires", "/today", "/exercise-logs", "/pain-logs",
    "/timeline", "/runs", "/runs/next", "/runs/pain", "/fhir", "/export",
)  # fmt: skip
#: What a patient fuzz run must reach (logs, runs, today, intake, questionnaires).
_PATIENT_MUST_REACH = {
    f"/api/v1/patients/{{patient_id}}{tail}"
    for tail in ("/intake", "/questionnaires", "/today", "/exercise-logs", "/pain-logs", "/runs")
}
_EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


class _IdleWorker:
    """No background jobs: a fuzzed video upload stays queued (the analysis is not fuzzed)."""

    def start(self) -> None:
        """Nothing to start."""

    def notify(self) -> None:
        """Nothing to wake."""

    def stop(self, timeout_s: float = 0.0) -> None:
        """Nothing to stop."""


@dataclass
class Fuzzed:
    """An app, the logged-in caller's cookies and CSRF header, and what came back."""

    app: Any
    cookies: dict[str, str]
    headers: dict[str, str]
    seen: list[tuple[str, str, int]]
    role: str
    patient_id: int | None = None

    def check(self, method: str, path: str, response: Any) -> None:
        self.seen.append((method, path, response.status_code))
        assert response.status_code < 500, (method, path, response.text[:300])
        headers = {name.lower(): values for name, values in response.headers.items()}
        assert "content-security-policy" in headers, (method, path)
        assert headers["x-content-type-options"] == ["nosniff"]


@contextmanager
def _database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'fuzz.db'}"
        return
    base = _pg_base_url()
    if base is None:
        pytest.fail("PostgreSQL on 127.0.0.1:5432 is not reachable")
    schema = f"rk_fuzz_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(
    params=[
        ("sqlite", "doc@test.example"),
        ("sqlite", "a@test.example"),
        pytest.param(("postgres", "doc@test.example"), marks=pytest.mark.postgres),
        pytest.param(("postgres", "a@test.example"), marks=pytest.mark.postgres),
    ],
    ids=["clinician", "patient", "clinician-postgres", "patient-postgres"],
)
def fuzzed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Fuzzed]:
    kind, email = request.param
    with _database_url(kind, tmp_path) as url:
        yield from _fuzzed_app(url, email, tmp_path)


def _fuzzed_app(url: str, email: str, tmp_path: Path) -> Iterator[Fuzzed]:
    database = Database(url)
    database.upgrade()
    patient_a = _seed(database)[0]
    with database.transaction() as tx:
        doc = tx.query(UserRow).filter_by(email="doc@test.example").one()
        sign_plan_for(tx, actor_for(tx, doc), patient_a)
    limits = {"login_rate_per_account": 1000, "login_rate_per_address": 10000}
    app = create_app(Settings(database_url=url, data_dir=tmp_path / "data", **limits), database)
    app.state.clock = lambda: TODAY
    app.state.worker = _IdleWorker()
    client = TestClient(app)
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200
    headers = {"X-CSRF-Token": login.json()["csrf_token"]}
    role = "clinician" if email.startswith("doc") else "patient"
    own = patient_a if role == "patient" else None
    yield Fuzzed(app, dict(client.cookies), headers, [], role, own)
    database.dispose()


def _patient_schema(raw: dict[str, Any], patient_id: int) -> dict[str, Any]:
    """Only the patient's own operations, with their record number pinned."""
    base = "/api/v1/patients/{patient_id}"
    paths = {path: raw["paths"][path] for path in (base + tail for tail in _PATIENT_ROUTES)}
    paths[base].pop("delete", None)  # erasure is an admin's
    for operations in paths.values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "patient_id":
                    parameter["schema"] = {"type": "integer", "enum": [patient_id]}
    # Explicit OpenAPI links from the patient's own record to each of their operations, so the
    # stateful run chains calls whatever the response models are named.
    links = {
        f"to_{operation['operationId']}": {
            "operationId": operation["operationId"],
            "parameters": {"patient_id": "$response.body#/patient_id"},
        }
        for path, operations in paths.items()
        if path != base
        for operation in operations.values()
    }
    paths[base]["get"]["responses"]["200"]["links"] = links
    return raw | {"paths": paths}


def _schema(fuzzed: Fuzzed) -> Any:
    if fuzzed.patient_id is None:
        return schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzzed.app)
    raw = TestClient(fuzzed.app).get("/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(_patient_schema(raw, fuzzed.patient_id))
    schema.app = fuzzed.app
    return schema


def _reached(fuzzed: Fuzzed) -> set[str]:
    """Operations answered past the access check (anything but 401 and 403)."""
    return {path for _, path, code in fuzzed.seen if code not in (401, 403)}


def test_stateless_fuzzing_finds_no_server_error(fuzzed: Fuzzed) -> None:
    schema = _schema(fuzzed)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if not op.path.endswith(_SKIP)]
    assert len(operations) >= (30 if fuzzed.patient_id is None else 15)
    for operation in operations:

        @_EXAMPLES
        @given(operation.as_strategy())
        def call(case: Any) -> None:
            response = case.call(headers=fuzzed.headers, cookies=fuzzed.cookies)
            fuzzed.check(case.method, case.path, response)

        call()
    assert len(fuzzed.seen) >= (300 if fuzzed.patient_id is None else 80)
    assert any(code < 300 for _, _, code in fuzzed.seen), "some cases must succeed"
    if fuzzed.patient_id is not None:
        assert _reached(fuzzed) >= _PATIENT_MUST_REACH, _PATIENT_MUST_REACH - _reached(fuzzed)
        succeeded = {path for _, path, code in fuzzed.seen if code < 300}
        assert len(succeeded) >= 8, succeeded


def test_stateful_fuzzing_finds_no_server_error(fuzzed: Fuzzed) -> None:
    schema = _schema(fuzzed)
    workflow: Any = schema.as_state_machine()

    class Workflow(workflow):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": fuzzed.headers, "cookies": fuzzed.cookies}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            fuzzed.check(case.method, case.path, response)

    Workflow.run(
        settings=settings(
            _EXAMPLES,
            max_examples=25 if fuzzed.patient_id is None else 15,
            stateful_step_count=6,
            phases=list(Phase)[:-1],
        )
    )
    assert len(fuzzed.seen) >= (100 if fuzzed.patient_id is None else 60)
    reached = {path for _, path, _ in fuzzed.seen}
    if fuzzed.patient_id is None:  # a clinician's roster links to every record route
        assert len(reached) >= 8, reached
    else:
        assert _reached(fuzzed) >= _PATIENT_MUST_REACH, _PATIENT_MUST_REACH - _reached(fuzzed)


@pytest.mark.parametrize("number", ["2147483648", "9223372036854775808", "-99999999999999999999"])
def test_record_numbers_beyond_32_bits_are_404_on_pages_and_api(world: World, number: str) -> None:
    client = TestClient(world.app)  # type: ignore[arg-type]
    client.post("/api/v1/auth/login", json={"email": "doc@test.example", "password": PASSWORD})
    for url in (f"/api/v1/patients/{number}", f"/clinic/patients/{number}/timeline"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.headers["x-frame-options"] == "DENY"
    assert client.get("/api/v1/patients/2147483647").status_code == 404
