"""Web benchmark: requests/s and latency of the roster and the patient "today" page.

Part 1 (SQLite demo clinic): 50 concurrent clients against the app, beside a bare FastAPI
endpoint served the same way in the same run (target: >= 0.3x its requests/s, p99 < 100 ms).
Part 2 (PostgreSQL): the roster with 10,000 patients and 1,000,000 log rows (target p95 < 150 ms).

    .venv/bin/python benchmarks/bench_web.py [--requests 2000] [--patients 10000] [--logs 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

SERVER = """
import sys, uvicorn
from fastapi import FastAPI
from runnersknee.config import Settings
from runnersknee.web.app import create_app
url, port = sys.argv[1], int(sys.argv[2])
if url == "bare":
    app = FastAPI()
    @app.get("/bare")
    def bare() -> dict[str, str]:
        return {"ok": "yes"}
else:
    app = create_app(Settings(database_url=url))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
"""


def _start(url: str, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-c", SERVER, url, str(port)])
    for _ in range(200):
        try:
            httpx.get(
                f"http://127.0.0.1:{port}/login"
                if url != "bare"
                else f"http://127.0.0.1:{port}/bare",
                timeout=1,
            )
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")


def _cookies(base: str, email: str, password: str) -> dict[str, str]:
    with httpx.Client(base_url=base) as client:
        response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
        response.raise_for_status()
        return dict(client.cookies)


async def _load(url: str, cookies: dict[str, str], total: int, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    per_client = total // clients

    async def worker() -> None:
        async with httpx.AsyncClient(cookies=cookies, timeout=30) as client:
            for _ in range(per_client):
                start = time.perf_counter()
                response = await client.get(url)
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}")

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def _report(name: str, figures: dict[str, float]) -> None:
    print(
        f"{name:<34} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:6.1f} ms  "
        f"p95 {figures['p95_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms"
    )


def part_one(total: int, clients: int) -> None:
    from datetime import date

    from runnersknee.services.database import Database
    from runnersknee.services.demo import seed_demo

    folder = Path(tempfile.mkdtemp(prefix="rk-bench-"))
    url = f"sqlite:///{folder}/bench.db"
    database = Database(url)
    database.upgrade()
    seed_demo(database, date.today())
    database.dispose()
    print(f"Part 1: SQLite demo clinic, {clients} concurrent clients, {total} requests per page")
    bare, app = _start("bare", 8911), _start(url, 8912)
    try:
        base = "http://127.0.0.1:8912"
        doc = _cookies(base, "clinician@demo.example", "demo-clinician-pass")
        pat = _cookies(base, "midplan@demo.example", "demo-patient-pass")
        reference = asyncio.run(_load("http://127.0.0.1:8911/bare", {}, total, clients))
        _report("bare FastAPI endpoint", reference)
        for name, path, cookies in (
            ("roster /clinic/patients", "/clinic/patients", doc),
            ("patient today /me", "/me", pat),
        ):
            figures = asyncio.run(_load(base + path, cookies, total, clients))
            _report(name, figures)
            ratio = figures["rps"] / reference["rps"]
            verdict = "ok" if ratio >= 0.3 and figures["p99_ms"] < 100 else "MISSED"
            print(f"  -> {ratio:.2f}x bare (target >= 0.3x, p99 < 100 ms): {verdict}")
    finally:
        bare.terminate()
        app.terminate()


def part_two(patients: int, logs: int, requests: int) -> None:
    from sqlalchemy import create_engine, text

    from runnersknee.services.accounts import create_clinic, create_user
    from runnersknee.services.authz import Role
    from runnersknee.services.database import Database

    schema = f"rk_bench_{uuid.uuid4().hex[:8]}"
    server = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    admin = create_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{server}?options=-csearch_path%3D{schema}"
    print(f"Part 2: PostgreSQL roster, {patients} patients, {logs} exercise-log rows")
    try:
        database = Database(url)
        database.upgrade()
        with database.transaction() as tx:
            clinic = create_clinic(tx, "bench")
            create_user(tx, clinic, "doc@bench.example", "Doc", Role.CLINICIAN, "bench-password-1")
        with database.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO patient (clinic_id, display_name, birth_year, status, "
                    "last_log_on, created_at) SELECT :c, 'Patient ' || lpad(g::text, 6, '0'), "
                    "1960 + g % 40, "
                    "(ARRAY['intake','assessment','active','referral'])[1 + g % 4], "
                    "current_date - (g % 30), now() FROM generate_series(1, :n) g"
                ),
                {"c": clinic, "n": patients},
            )
            connection.execute(
                text(
                    "INSERT INTO exercise_log (patient_id, exercise_id, performed_on, "
                    "sets_done, reps_done, created_at) SELECT p.id, 'ex' || (g % 8), "
                    "current_date - (g % 180), 3, 10, now() FROM generate_series(1, :n) g "
                    "JOIN patient p ON p.id = "
                    "(SELECT min(id) FROM patient) + (g % :p)"
                ),
                {"n": logs, "p": patients},
            )
            connection.execute(text("ANALYZE"))
        database.dispose()
        app = _start(url, 8913)
        try:
            base = "http://127.0.0.1:8913"
            doc = _cookies(base, "doc@bench.example", "bench-password-1")
            for name, path in (
                ("roster page 1", "/clinic/patients"),
                ("roster search", "/clinic/patients?q=patient+0042"),
                ("roster page 150", "/clinic/patients?page=150"),
            ):
                figures = asyncio.run(_load(base + path, doc, requests, 1))
                verdict = "ok" if figures["p95_ms"] < 150 else "MISSED"
                _report(name, figures)
                print(f"  -> p95 target < 150 ms: {verdict}")
        finally:
            app.terminate()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    part_one(args.requests, args.clients)
    if not args.skip_postgres:
        part_two(args.patients, args.logs, 200)


if __name__ == "__main__":
    main()
