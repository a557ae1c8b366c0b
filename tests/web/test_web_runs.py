"""Runs on the web: portal upload of watch files, next run, run pain, spike alerts, timeline,
the JSON API and its access rules (SQLite; the PostgreSQL check is in tests/integration)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runnersknee.activity.fit_encode import SyntheticRecord, encode_activity
from runnersknee.config import Settings
from runnersknee.services.care.alerts import raise_run_spike
from runnersknee.services.jobs import runner as job_runner
from runnersknee.services.running import run_records
from runnersknee.store.tables import AlertRow, AuditRow, JobRow, PainLogRow, RunRow
from runnersknee.web.app import create_app
from tests.content import CONTENT
from tests.web.conftest import TODAY, World, api_login, client_for, csrf_of, page_login
from tests.web.test_web_authz import _guarded_routes

FIT_RUN = Path(__file__).resolve().parents[1] / "data" / "fit" / "garmin-fenix-5-run.fit"
FIT_WALK = FIT_RUN.with_name("garmin-fenix-5-walk.fit")
OCTET = "application/octet-stream"


def synthetic_run(start: datetime, km: float, offset_h: int = 1) -> bytes:
    """A FIT run of ``km`` at 3 m/s, cadence 85 strides/min (170 steps/min), local UTC+offset."""
    seconds = int(km * 1000 / 3)
    times = sorted({*range(0, seconds, max(1, seconds // 50)), seconds})
    records = [SyntheticRecord(t, t * 3.0, 3.0, 140, 85.0, 50.0) for t in times]
    return encode_activity(
        start, records, utc_offset=timedelta(hours=offset_h), avg_cadence_strides=85.0
    )


def _day(days_before_today: int, hour: int = 7) -> datetime:
    base = datetime(TODAY.year, TODAY.month, TODAY.day, hour, tzinfo=UTC)
    return base - timedelta(days=days_before_today)


def drain(app: Any) -> list[Any]:
    """Run the queued jobs now (the test client does not start the app's worker)."""
    state = app.state
    return job_runner.drain(
        state.database, state.settings, state.job_handlers, content=state.content
    )


def _upload(client: TestClient, token: str, *files: tuple[str, bytes]) -> Any:
    """Upload on the runs page, run the import job, then open the upload's page."""
    posted = client.post(
        "/me/runs",
        data={"csrf_token": token},
        files=[("files", (name, data, OCTET)) for name, data in files],
        follow_redirects=False,
    )
    if posted.status_code != 303:
        return posted
    drain(client.app)
    return client.get(posted.headers["location"])


def api_upload(
    client: TestClient, headers: dict[str, str], patient_id: int, *files: tuple[str, bytes]
) -> tuple[Any, dict[str, Any]]:
    """Upload through the API (202), run the job; return the 202 answer and the final job."""
    posted = client.post(
        f"/api/v1/patients/{patient_id}/runs",
        headers=headers,
        files=[("files", (name, data, OCTET)) for name, data in files],
    )
    if posted.status_code != 202:
        return posted, {}
    drain(client.app)
    job = client.get(posted.headers["location"], headers=headers)
    assert job.status_code == 200, job.text
    return posted, job.json()


def _patient(world: World) -> tuple[TestClient, str]:
    client = client_for(world)
    page_login(client, "a@test.example")
    return client, csrf_of(client.get("/me/runs").text)


def _count(world: World, model: Any, *where: Any) -> int:
    with world.database.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_authz_matrix_enumerates_the_run_api_routes(world: World) -> None:
    guarded = set(_guarded_routes(world))
    for path, method in (
        ("/api/v1/patients/{patient_id}/runs", "POST"),
        ("/api/v1/patients/{patient_id}/runs", "GET"),
        ("/api/v1/patients/{patient_id}/runs/next", "GET"),
        ("/api/v1/patients/{patient_id}/runs/pain", "POST"),
    ):
        assert (path, method) in guarded


def test_patient_uploads_real_fit_sees_run_and_next_run(world: World, runner_ready: int) -> None:
    client, token = _patient(world)
    page = _upload(client, token, ("garmin-fenix-5-run.fit", FIT_RUN.read_bytes()))
    assert page.status_code == 200
    assert "1 run imported" in page.text
    assert "0.2 km (0.1 miles)" in page.text  # 157.56 m, in plain words
    assert "167" in page.text  # 83 + 0.671875 strides/min = 167.34 steps/min
    assert "Walk 2 min, run 3 min" in page.text  # no run in 30 days: stage 1 (KB 7.2)
    assert "TRIALS-2023-RTR" not in page.text  # sources in plain words, no citation keys
    assert "Why this run?" in page.text
    with world.database.transaction() as tx:
        row = tx.scalars(select(RunRow).where(RunRow.patient_id == world.patient_a)).one()
        assert row.source == "fit"
        assert row.distance_m == pytest.approx(157.56)
        assert row.duration_s == pytest.approx(56.887)
        assert row.cadence_spm == pytest.approx(167.34375)
        data = row.data or {}
    assert data["start"] == "2017-06-11T07:34:09-07:00"
    assert data["utc_offset_s"] == -7 * 3600
    assert data["device"] == "garmin fenix5"
    assert data["sport"] == "running"
    assert data["cadence_series"]["samples"] > 10
    assert 150 < data["cadence_series"]["median_spm"] < 190


def test_bad_files_are_reported_and_the_others_still_import(world: World) -> None:
    client, token = _patient(world)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("export/a.fit", synthetic_run(_day(3), 5.0))
        zipped.writestr("export/b.fit", synthetic_run(_day(1), 5.2))
    page = _upload(
        client,
        token,
        ("walk.fit", FIT_WALK.read_bytes()),
        ("broken.fit", b"not a fit file at all"),
        ("garmin.zip", archive.getvalue()),
    )
    assert page.status_code == 200
    assert "2 runs imported" in page.text
    assert "2 files not imported" in page.text
    assert "walk.fit" in page.text
    assert "not running" in page.text
    assert "broken.fit" in page.text
    assert "this file could not be read" in page.text
    assert _count(world, RunRow, RunRow.patient_id == world.patient_a) == 2
    with world.database.transaction() as tx:
        detail = tx.scalars(select(AlertRow.message).where(AlertRow.kind == "run_file")).all()
    assert len(detail) == 1
    assert "broken.fit" in detail[0]
    assert detail[0] not in page.text  # the reader's detail is for the clinician only


def test_duplicates_are_recognised_and_reported(world: World) -> None:
    client, token = _patient(world)
    _upload(client, token, ("run.fit", FIT_RUN.read_bytes()))
    again = _upload(client, token, ("same-run-again.fit", FIT_RUN.read_bytes()))
    assert again.status_code == 200
    assert "0 runs imported, 1 already known" in again.text
    assert "same-run-again.fit: the same run as run.fit" in again.text
    assert _count(world, RunRow, RunRow.patient_id == world.patient_a) == 1


def test_a_failed_upload_changes_nothing(world: World) -> None:
    client, token = _patient(world)
    page = _upload(client, token, ("broken.fit", b"\x00" * 40), ("notes.txt", b"hello"))
    assert page.status_code == 200  # the upload's page: the job failed
    assert "no run could be imported" in page.text
    assert "broken.fit" in page.text
    assert _count(world, RunRow) == 0
    with world.database.transaction() as tx:
        failed = tx.scalars(select(JobRow)).one()
    assert failed.status == "failed"
    assert failed.error is not None
    assert failed.error.startswith("no run could be imported (broken.fit: this file could not")
    # the failure is on the job row only (and the clinician is told about unreadable files)
    assert _count(world, AlertRow, AlertRow.kind == "run_file") == 2
    empty = client.post("/me/runs", data={"csrf_token": token})
    assert empty.status_code == 422
    assert "choose at least one" in empty.text
    assert _count(world, JobRow) == 1  # a refused upload leaves no job row


def test_size_limit_comes_from_settings(world: World) -> None:
    settings = Settings(
        database_url=world.database.url,
        data_dir=world.app.state.settings.data_dir,  # type: ignore[attr-defined]
        max_activity_file_bytes=6000,
    )
    app = create_app(settings, world.database)
    app.state.clock = lambda: TODAY
    small = World(app, world.database, world.patient_a, world.patient_b, world.patient_b)
    client, token = _patient(small)
    assert FIT_RUN.stat().st_size < 6000
    page = _upload(client, token, ("big.fit", b"\x0e" * 7000), ("run.fit", FIT_RUN.read_bytes()))
    assert page.status_code == 200
    assert "<strong>big.fit</strong>: file is above the limit of 6 kB" in page.text
    assert "Up to 6 kB per file" in page.text
    assert _count(world, RunRow) == 1


def test_spike_over_10_percent_raises_one_alert_per_run(world: World) -> None:
    client, token = _patient(world)
    _upload(client, token, ("base.fit", synthetic_run(_day(10), 5.0)))
    small = _upload(client, token, ("small.fit", synthetic_run(_day(7), 6.0)))  # +20 %: small
    assert small.status_code == 200
    assert _count(world, AlertRow, AlertRow.kind == "run_spike") == 1  # > 10-30 % alerts too
    big = _upload(client, token, ("long.fit", synthetic_run(_day(3), 8.0)))  # +33 %: moderate
    assert "much longer (+33 %)" in big.text
    assert "Your physiotherapist has been told" in big.text
    assert _count(world, AlertRow, AlertRow.kind == "run_spike") == 2
    with world.database.transaction() as tx:
        small_alert = tx.scalars(
            select(AlertRow).where(AlertRow.kind == "run_spike").order_by(AlertRow.id)
        ).first()
        assert small_alert is not None
        assert "> 10-30 %" in small_alert.message
        alert = tx.scalars(
            select(AlertRow).where(AlertRow.kind == "run_spike").order_by(AlertRow.id.desc())
        ).first()
        assert alert is not None
        run_id = tx.scalar(select(RunRow.id).where(RunRow.distance_m > 7900))
        entries = run_records.overview(
            tx, _doc(world, tx), world.patient_a, TODAY, content=CONTENT
        ).runs
        spike = next(e.spike for e in entries if e.run.id == run_id)
        assert not raise_run_spike(tx, world.patient_a, run_id or 0, spike)  # idempotent key
    assert alert.key == f"run_spike:{run_id}"
    assert "FRANDSEN-2025" in alert.message
    assert "> 30-100 %" in alert.message
    _upload(client, token, ("long-again.fit", synthetic_run(_day(3), 8.0)))
    assert _count(world, AlertRow, AlertRow.kind == "run_spike") == 2


def _doc(world: World, tx: Any) -> Any:
    from runnersknee.services.access.accounts import actor_for
    from runnersknee.store.tables import UserRow

    del world
    return actor_for(tx, tx.scalars(select(UserRow).where(UserRow.role == "clinician")).first())


def test_old_spike_of_a_history_export_is_not_alerted(world: World) -> None:
    client, token = _patient(world)
    _upload(
        client,
        token,
        ("old-base.fit", synthetic_run(_day(200), 3.0)),
        ("old-large.fit", synthetic_run(_day(195), 9.0)),
    )
    assert _count(world, AlertRow, AlertRow.kind == "run_spike") == 0
    api = client.get(f"/api/v1/patients/{world.patient_a}/runs").json()
    assert [r["spike_category"] for r in api["data"]] == ["no_reference", "large"]
    assert api["data"][1]["spike_increase_pct"] == pytest.approx(200.0, abs=1)


def test_next_run_is_a_distance_cap_while_running(world: World, runner_ready: int) -> None:
    client, token = _patient(world)
    _upload(client, token, ("a.fit", synthetic_run(_day(5), 6.0)))
    page = client.get("/me/runs")
    assert "Longest distance" in page.text
    assert "6.0 km (3.7 miles)" in page.text
    headers = api_login(client, "a@test.example")
    nxt = client.get(f"/api/v1/patients/{world.patient_a}/runs/next", headers=headers).json()
    assert nxt["kind"] == "distance_cap"
    assert nxt["distance_m"] == pytest.approx(6000, rel=0.01)  # no pain log: hold, never +10 %
    assert nxt["decision"] == "hold"
    assert nxt["instruction"].startswith("Hold")
    # a patient's own API answer names the sources in plain words (services/care/patient_json.py)
    assert "Frandsen and colleagues, 2025" in nxt["sources"]
    assert "citation_ids" not in nxt


def test_run_pain_gates_the_walk_run_programme(world: World, runner_ready: int) -> None:
    client, token = _patient(world)
    saved = client.post(
        "/me/runs/pain", data={"csrf_token": token, "during": "2", "after": "1"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303
    with world.database.transaction() as tx:
        rows = list(tx.scalars(select(PainLogRow).where(PainLogRow.patient_id == world.patient_a)))
    assert [(r.activity, r.during, r.after) for r in rows] == [("run", 2, 1)]
    bad = client.post("/me/runs/pain", data={"csrf_token": token, "during": "11"})
    assert bad.status_code == 422
    assert "between 0 and 10" in bad.text
    headers = api_login(client, "a@test.example")
    nxt = client.get(f"/api/v1/patients/{world.patient_a}/runs/next", headers=headers).json()
    assert nxt["kind"] == "walk_run"
    assert nxt["stage"]["number"] == 1
    assert nxt["pain_sessions"] == 1


def test_two_painful_runs_pause_for_clinician_review(world: World, runner_ready: int) -> None:
    world.app.state.clock = lambda: TODAY - timedelta(days=2)  # type: ignore[attr-defined]
    client, _ = _patient(world)
    headers = api_login(client, "a@test.example")
    url = f"/api/v1/patients/{world.patient_a}/runs/pain"
    first = client.post(url, json={"during": 6}, headers=headers)
    assert first.status_code == 201
    assert first.json()["next_run"]["decision"] == "regress"
    world.app.state.clock = lambda: TODAY  # type: ignore[attr-defined]
    second = client.post(url, json={"during": 7}, headers=headers).json()
    assert second["next_run"] is None  # the safety gate holds runs during the review
    assert second["gate"]["state"] == "clinician_review"
    assert _count(world, AlertRow, AlertRow.kind == "pain_flare") == 1
    page = client.get("/me/runs")
    assert "Your clinician will look at your plan because of your pain" in page.text
    out_of_range = client.post(url, json={"during": 12}, headers=headers)
    assert out_of_range.status_code == 422
    assert out_of_range.json()["error"]["code"] == "invalid_input"


def test_next_morning_pain_attaches_to_the_previous_run(world: World) -> None:
    world.app.state.clock = lambda: TODAY - timedelta(days=1)  # type: ignore[attr-defined]
    client, _ = _patient(world)
    headers = api_login(client, "a@test.example")
    url = f"/api/v1/patients/{world.patient_a}/runs/pain"
    client.post(url, json={"during": 1, "after": 1}, headers=headers)
    world.app.state.clock = lambda: TODAY  # type: ignore[attr-defined]
    client.post(url, json={"next_morning": 2}, headers=headers)
    with world.database.transaction() as tx:
        rows = list(tx.scalars(select(PainLogRow).order_by(PainLogRow.id)))
    assert [(r.logged_on, r.during, r.next_morning) for r in rows] == [
        (TODAY - timedelta(days=1), 1, 2)
    ]


def test_morning_baseline_recorded_in_portal_and_api_and_used(
    world: World, runner_ready: int
) -> None:
    world.app.state.clock = lambda: TODAY - timedelta(days=3)  # type: ignore[attr-defined]
    client, token = _patient(world)
    assert "Not recorded yet" in client.get("/me/runs").text
    headers = api_login(client, "a@test.example")
    url = f"/api/v1/patients/{world.patient_a}/runs/pain"
    client.post(url, json={"during": 1, "after": 1}, headers=headers)
    world.app.state.clock = lambda: TODAY - timedelta(days=2)  # type: ignore[attr-defined]
    held = client.post(url, json={"next_morning": 2}, headers=headers).json()["next_run"]
    assert held["decision"] == "hold"  # no baseline: 2/10 is not compared with 0/10
    assert any("usual morning pain" in r for r in held["reasons"])
    client, token = _patient(world)
    saved = client.post(
        "/me/runs/pain", data={"csrf_token": token, "morning_baseline": "2"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303
    assert "2/10" in client.get("/me/runs").text
    headers = api_login(client, "a@test.example")
    nxt = client.get(f"/api/v1/patients/{world.patient_a}/runs/next", headers=headers).json()
    assert nxt["morning_baseline"]["nprs"] == 2
    bad = client.post(url, json={"morning_baseline": 11}, headers=headers)
    assert bad.status_code == 422
    world.app.state.clock = lambda: TODAY  # type: ignore[attr-defined]
    client.post(url, json={"morning_baseline": 3}, headers=headers)
    latest = client.get(f"/api/v1/patients/{world.patient_a}/runs/next", headers=headers).json()
    assert latest["morning_baseline"] == {"recorded_on": TODAY.isoformat(), "nprs": 3}


def test_api_upload_list_and_error_shape(world: World, runner_ready: int) -> None:
    client = client_for(world)
    headers = api_login(client, "a@test.example")
    url = f"/api/v1/patients/{world.patient_a}/runs"
    posted, job = api_upload(
        client, headers, world.patient_a, ("r.fit", synthetic_run(_day(4), 4.0))
    )
    assert posted.status_code == 202, posted.text
    assert posted.json()["status"] == "queued"
    assert job["status"] == "done"
    assert job["result"]["files_seen"] == 1
    assert len(job["result"]["imported"]) == 1
    assert job["links"]["runs"] == url
    nxt = client.get(f"{url}/next", headers=headers).json()
    assert nxt["kind"] == "distance_cap"
    listed = client.get(url, headers=headers).json()
    run = listed["data"][0]
    assert {"start", "distance_m", "duration_s", "cadence_spm", "spike_category"} <= set(run)
    assert run["start"].endswith("+01:00")
    assert run["cadence_spm"] == pytest.approx(170.0)
    assert run["distance_m"] == pytest.approx(4000, abs=40)
    assert listed["weeks"][0]["runs"] == 1
    bad, failed = api_upload(client, headers, world.patient_a, ("x.gpx", b"<gpx></gpx>"))
    assert bad.status_code == 202
    assert failed["status"] == "failed"
    assert "x.gpx" in failed["error"]
    assert failed["result"]["skipped"][0]["source"] == "x.gpx"
    empty = client.post(url, headers=headers, files=[("files", ("e.fit", b"", OCTET))])
    assert empty.status_code == 422
    assert empty.json()["error"]["code"] == "invalid_input"
    assert "file is empty" in empty.json()["error"]["message"]
    no_csrf = client.post(url, files=[("files", ("r.fit", FIT_RUN.read_bytes(), OCTET))])
    assert no_csrf.status_code == 403


def test_patient_cannot_touch_another_patients_runs(world: World) -> None:
    client = client_for(world)
    headers = api_login(client, "a@test.example")
    url = f"/api/v1/patients/{world.patient_b}/runs"
    upload = client.post(url, headers=headers, files=[("files", ("r.fit", FIT_RUN.read_bytes()))])
    assert upload.status_code == 403
    assert upload.json()["error"]["code"] == "forbidden"
    assert client.get(url, headers=headers).status_code == 403
    assert client.get(f"{url}/next", headers=headers).status_code == 403
    assert _count(world, RunRow) == 0
    denied = _count(
        world, AuditRow, AuditRow.patient_id == world.patient_b, AuditRow.outcome == "denied"
    )
    assert denied == 3


def test_clinician_timeline_shows_running_load_beside_pain(world: World) -> None:
    client, token = _patient(world)
    _upload(client, token, ("a.fit", synthetic_run(_day(20), 4.0)))
    _upload(client, token, ("b.fit", synthetic_run(_day(6), 9.0)))  # +125 %: large
    doc = client_for(world)
    page_login(doc, "doc@test.example")
    page = doc.get(f"/clinic/patients/{world.patient_a}/timeline")
    assert page.status_code == 200
    text = page.text.split('class="tabs record-tabs"', 1)[1].split("</nav>", 1)[1]  # after tabs
    assert text.index("Pain</h2>") < text.index("Running load") < text.index("Questionnaire")
    assert "Running km per week" in text
    assert "large spike" in text
    assert "Frandsen and colleagues, 2025" in text
    assert 'fill="#b3261e"' in text  # the severe spike marker
    alerts = doc.get("/clinic/alerts")
    assert "Running load spike" in alerts.text
    other = client_for(world)
    page_login(other, "doc2@test.example")
    assert other.get(f"/clinic/patients/{world.patient_a}/timeline").status_code == 404
    headers = api_login(other, "doc2@test.example")
    listed = other.get(f"/api/v1/patients/{world.patient_a}/runs", headers=headers)
    assert listed.status_code == 404


def test_clinician_reads_and_uploads_for_own_patient(world: World) -> None:
    doc = client_for(world)
    headers = api_login(doc, "doc@test.example")
    url = f"/api/v1/patients/{world.patient_b}/runs"
    posted, job = api_upload(doc, headers, world.patient_b, ("r.fit", FIT_RUN.read_bytes()))
    assert posted.status_code == 202
    assert job["status"] == "done"
    assert doc.get(url, headers=headers).json()["count"] == 1
    assert doc.get("/me/runs").status_code == 403  # portal pages are for patients
