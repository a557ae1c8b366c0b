"""Hole 5 of issue 18: run uploads are imported by a background job, not in the request.

The request authorizes, keeps the files owner-only in the app's storage (never a temporary
folder of the web process) and answers 202 with the job; the job parses and stores the runs;
the page says "processing" until the result is there. Jobs run synchronously here through
``job_runner.drain`` (the test client does not start the app's worker).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from runnersknee.content.citations import load_citations
from runnersknee.services.jobs import runner as job_runner
from runnersknee.services.running import run_import
from runnersknee.store.tables import JobRow, RunRow, utcnow
from tests.web.conftest import World, api_login, client_for, page_login
from tests.web.test_web_patient_language import engine_language, visible_text
from tests.web.test_web_runs import FIT_RUN, FIT_WALK, OCTET, _day, _patient, drain, synthetic_run


def _data(world: World) -> Path:
    return Path(world.app.state.settings.data_dir)  # type: ignore[attr-defined]


def _post(client: Any, headers: dict[str, str], patient: int, *files: tuple[str, bytes]) -> Any:
    return client.post(
        f"/api/v1/patients/{patient}/runs",
        headers=headers,
        files=[("files", (name, data, OCTET)) for name, data in files],
    )


def _runs(world: World) -> int:
    with world.database.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(RunRow)) or 0)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_upload_is_kept_owner_only_queued_then_imported_by_the_job(world: World) -> None:
    client = client_for(world)
    headers = api_login(client, "a@test.example")
    posted = _post(client, headers, world.patient_a, ("my run.fit", FIT_RUN.read_bytes()))
    assert posted.status_code == 202, posted.text
    job = posted.json()
    assert (job["kind"], job["status"], job["result"]) == ("run_import", "queued", None)
    assert posted.headers["location"] == job["links"]["job"] == f"/api/v1/jobs/{job['id']}"
    assert "upload" not in job["params"]  # the storage key is not shown
    assert _runs(world) == 0  # nothing parsed in the request
    stored = [p for p in (_data(world) / "uploads").rglob("*") if p.is_file()]
    assert [p.name for p in stored] == ["my_run.fit"]
    assert _mode(stored[0]) == 0o600
    folder = stored[0].parent
    while folder != _data(world):
        assert _mode(folder) == 0o700, folder
        folder = folder.parent
    assert not list(Path(tempfile.gettempdir()).glob(f"rk-upload-{os.getpid()}-*"))
    polled = client.get(job["links"]["job"], headers=headers).json()
    assert (polled["status"], polled["result"]) == ("queued", None)
    drain(world.app)
    done = client.get(job["links"]["job"], headers=headers).json()
    assert done["status"] == "done"
    assert done["error"] is None
    assert [r["distance_m"] for r in done["result"]["imported"]] == [157.56]
    assert done["result"]["skipped"] == []
    assert _runs(world) == 1
    assert not [p for p in (_data(world) / "uploads").rglob("*") if p.is_file()]  # deleted


def test_a_job_is_read_only_by_those_who_may_read_the_record(world: World) -> None:
    client = client_for(world)
    posted = _post(client, api_login(client, "a@test.example"), world.patient_a,
                   ("r.fit", FIT_RUN.read_bytes()))  # fmt: skip
    url = posted.json()["links"]["job"]
    other = client_for(world)
    assert other.get(url, headers=api_login(other, "b@test.example")).status_code == 403
    far = client_for(world)
    assert far.get(url, headers=api_login(far, "doc2@test.example")).status_code == 404
    doc = client_for(world)
    assert doc.get(url, headers=api_login(doc, "doc@test.example")).status_code == 200
    ben = client_for(world)
    page_login(ben, "b@test.example")
    assert ben.get(f"/me/runs?upload={posted.json()['id']}").status_code == 404


def test_the_runs_page_says_processing_until_the_result_is_there(world: World) -> None:
    client, token = _patient(world)
    posted = client.post(
        "/me/runs",
        data={"csrf_token": token},
        files=[("files", ("long.fit", synthetic_run(_day(3), 5.0), OCTET))],
        follow_redirects=False,
    )
    assert posted.status_code == 303
    location = posted.headers["location"]
    assert location.startswith("/me/runs?upload=")
    waiting = client.get(location)
    assert waiting.status_code == 200
    assert "Processing your file…" in waiting.text
    assert waiting.headers["refresh"] == "3"
    drain(world.app)
    done = client.get(location)
    assert "1 run imported" in done.text
    assert "Processing" not in done.text
    assert "refresh" not in done.headers


def test_a_retried_job_replays_its_recorded_outcome(world: World) -> None:
    """A worker killed after storing the runs but before marking the job done: the retry
    reports what was imported instead of importing again (or calling it a duplicate)."""
    client = client_for(world)
    headers = api_login(client, "a@test.example")
    posted = _post(client, headers, world.patient_a, ("r.fit", FIT_RUN.read_bytes()))
    job_id = posted.json()["id"]
    first = drain(world.app)[0]
    assert first.status == "done"
    with world.database.transaction() as tx:  # as if its worker had died before the end
        tx.execute(
            update(JobRow)
            .where(JobRow.id == job_id)
            .values(status="running", worker_id="gone:1:dead", finished_at=None,
                    heartbeat_at=utcnow() - timedelta(hours=1))
        )  # fmt: skip
    settings = world.app.state.settings  # type: ignore[attr-defined]
    assert job_runner.recover(world.database, settings) == (1, 0)
    again = drain(world.app)[0]
    assert (again.status, again.attempts) == ("done", 2)
    assert again.result == first.result
    assert len((again.result or {})["imported"]) == 1
    assert _runs(world) == 1


def test_a_job_whose_files_are_gone_fails_in_plain_words(world: World) -> None:
    client = client_for(world)
    headers = api_login(client, "a@test.example")
    posted = _post(client, headers, world.patient_a, ("r.fit", FIT_RUN.read_bytes()))
    for stored in (_data(world) / "uploads").rglob("*.fit"):
        stored.unlink()
    drain(world.app)
    failed = client.get(posted.json()["links"]["job"], headers=headers).json()
    assert failed["status"] == "failed"
    assert failed["error"] == "the uploaded files are no longer stored; please upload them again"
    assert _runs(world) == 0


def test_abandoned_upload_folders_are_removed_at_start_up(world: World) -> None:
    client = client_for(world)
    headers = api_login(client, "a@test.example")
    queued = _post(client, headers, world.patient_a, ("r.fit", FIT_RUN.read_bytes()))
    assert queued.status_code == 202
    runs = _data(world) / "uploads" / str(world.patient_a) / "runs"
    live = next(runs.iterdir())
    abandoned, fresh = runs / "abandoned", runs / "fresh"
    for folder in (abandoned, fresh):
        (folder / "0").mkdir(parents=True)
        (folder / "0" / "x.fit").write_bytes(b"x")
    hour_ago = time.time() - 3600
    for folder in (abandoned, live):
        os.utime(folder, (hour_ago, hour_ago))
    temp = Path(tempfile.mkdtemp(prefix="rk-upload-999999999-"))  # a process that is gone
    settings = world.app.state.settings  # type: ignore[attr-defined]
    removed = run_import.clean_at_start(world.database, settings)
    assert removed[1] == 1
    assert removed[0] >= 1
    assert not abandoned.exists()
    assert not temp.exists()
    assert live.exists(), "the folder of a queued job stays"
    assert fresh.exists(), "a folder just stored (its job not yet committed) stays"


def test_every_state_of_an_upload_is_in_plain_words(world: World) -> None:
    citation_ids = frozenset(load_citations())
    client, token = _patient(world)
    seen: dict[str, str] = {}
    for label, files in (
        ("done", [("walk.fit", FIT_WALK.read_bytes()), ("r.fit", FIT_RUN.read_bytes())]),
        ("failed", [("broken.fit", b"\x00" * 40), ("notes.txt", b"hello")]),
    ):
        posted = client.post(
            "/me/runs",
            data={"csrf_token": token},
            files=[("files", (name, data, OCTET)) for name, data in files],
            follow_redirects=False,
        )
        location = posted.headers["location"]
        seen[f"{label}, processing"] = visible_text(client.get(location).text)
        drain(world.app)
        seen[label] = visible_text(client.get(location).text)
        job = client.get(f"/api/v1/jobs/{location.rsplit('=', 1)[1]}").json()
        seen[f"{label}, API"] = json.dumps(job)
    assert "Processing your file…" in seen["done, processing"]
    assert "walking activity, not running" in seen["done"]
    assert "could not be read" in seen["failed"]
    problems = {k: engine_language(v, citation_ids, snake=False) for k, v in seen.items()}
    problems.update(
        {k: engine_language(v, citation_ids) for k, v in seen.items() if "API" not in k}
    )
    assert {k: v for k, v in problems.items() if v} == {}
    for text in seen.values():
        assert "fitdecode" not in text
        assert "\\x00" not in text
