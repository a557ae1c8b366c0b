"""Benchmark: video-analysis jobs per minute with 1 and 2 ``runnersknee worker`` processes on
the real PostgreSQL (127.0.0.1:5432, database ``test``), a schema of its own.

Each job is the job a clinician's upload queues (``video_analysis``). By default the upload is a
keypoint file (the analysis without pose estimation: gait events, angles, plots), so the default
run takes about a minute; ``--video FILE`` measures real videos (pose estimation dominates).
Workers are started and registered before the jobs are queued: the time is queue → all done.

    .venv/bin/python benchmarks/bench_jobs.py [--jobs 12] [--video clip.mp4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, select, text

from runnersknee.config import Settings
from runnersknee.gait import synthetic
from runnersknee.gait.keypoint_io import write_keypoints_csv
from runnersknee.services.access.accounts import actor_for, create_clinic, create_user
from runnersknee.services.access.authz import Role
from runnersknee.services.care import patients
from runnersknee.services.platform.database import Database
from runnersknee.services.video import uploads as video_uploads
from runnersknee.store.db import make_engine
from runnersknee.store.migrate import upgrade
from runnersknee.store.tables import JobRow, UserRow

SERVER = "postgresql+psycopg://{user}@127.0.0.1:5432/test"
SRC = Path(__file__).resolve().parents[1] / "src"


def _server() -> str:
    for user in ("postgres", "root"):
        url = SERVER.format(user=user)
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(text("select 1"))
            return url
        except Exception:  # noqa: BLE001 - try the next user
            continue
        finally:
            engine.dispose()
    sys.exit("PostgreSQL on 127.0.0.1:5432 is not reachable")


def _seed(database: Database) -> object:
    with database.transaction() as tx:
        clinic = create_clinic(tx, "bench clinic")
        create_user(tx, clinic, "bench@x.example", "Doc", Role.CLINICIAN, "a-long-password-1")
    with database.transaction() as tx:
        user = tx.scalars(select(UserRow).where(UserRow.email == "bench@x.example")).one()
        doc = actor_for(tx, user)
        pid = patients.create_patient(tx, doc, patients.NewPatient("B", 1990), date.today())
    return doc, pid


def _upload(folder: Path, video: Path | None) -> tuple[bytes, video_uploads.VideoRequest]:
    if video is not None:
        return video.read_bytes(), video_uploads.VideoRequest("sagittal", "run")
    kp, _ = synthetic.running_sagittal(duration_s=10.0)
    write_keypoints_csv(kp, folder / "kp.csv")
    request = video_uploads.VideoRequest("sagittal", "run", source="keypoints")
    return (folder / "kp.csv").read_bytes(), request


def _round(url: str, storage: Path, workers: int, jobs: int, video: Path | None) -> float:
    """Seconds from queueing ``jobs`` jobs to all done, with ``workers`` worker processes."""
    database = Database(url)
    settings = Settings(database_url=url, data_dir=storage, storage_root=storage)
    doc, pid = _seed(database)  # type: ignore[misc]
    content, request = _upload(storage, video)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNNERSKNEE_")}
    env |= {"PYTHONPATH": str(SRC), "RUNNERSKNEE_DATABASE_URL": url}
    env |= {"RUNNERSKNEE_STORAGE_ROOT": str(storage), "RUNNERSKNEE_DATA_DIR": str(storage)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "runnersknee", "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(workers)
    ]
    try:
        _wait_registered(database, workers)
        started = time.perf_counter()
        ids = []
        for _ in range(jobs):
            import io

            key = video_uploads.store_upload(settings, pid, io.BytesIO(content))
            with database.transaction() as tx:
                ids.append(video_uploads.submit(tx, doc, pid, request, key, "bench").id)
        while True:
            with database.transaction() as tx:
                states = list(tx.scalars(select(JobRow.status).where(JobRow.id.in_(ids))))
            if all(s in ("done", "failed") for s in states):
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        if "failed" in states:
            sys.exit("a benchmark job failed")
        return elapsed
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        database.dispose()


def _wait_registered(database: Database, workers: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with database.transaction() as tx:
            if tx.scalar(text("SELECT count(*) FROM procrastinate_workers")) >= workers:
                return
        time.sleep(0.2)
    sys.exit("workers did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=12)
    parser.add_argument("--video", type=Path, default=None, help="measure this real video")
    args = parser.parse_args()
    base = _server()
    results = {}
    for workers in (1, 2):
        schema = f"rk_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{base}?options=-csearch_path%3D{schema}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        storage = Path(tempfile.mkdtemp(prefix="rk-bench-jobs-"))
        try:
            results[workers] = _round(url, storage, workers, args.jobs, args.video)
        finally:
            shutil.rmtree(storage, ignore_errors=True)
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    kind = f"video {args.video.name}" if args.video else "keypoint-file analyses"
    print(f"{args.jobs} {kind} per round, cores: {os.cpu_count()}")
    for workers, seconds in results.items():
        per_job = seconds * workers / args.jobs
        print(
            f"  {workers} worker(s): {seconds:6.1f} s, {60 * args.jobs / seconds:6.1f} jobs/min, "
            f"{per_job:5.2f} worker-seconds per job"
        )


if __name__ == "__main__":
    main()
