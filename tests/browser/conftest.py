"""A live server (uvicorn in a thread) on a demo database, and a Debian-chromium browser."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.content import CONTENT

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread on a free port; yield its base URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from runnersknee.config import Settings
    from runnersknee.services.demo import seed_demo
    from runnersknee.services.platform.database import Database
    from runnersknee.web.app import create_app

    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder}/live.db"
    database = Database(url)
    database.upgrade()
    seed_demo(database, date.today(), content=CONTENT)
    # uvicorn runs the app's lifespan: its in-process worker imports uploads, as in `make run`
    app = create_app(Settings(database_url=url, data_dir=folder / "data"), database)
    with serve(app) as base:
        yield base
    database.dispose()


@pytest.fixture(scope="module")
def video_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live demo server whose data folder is temporary (its lifespan starts the job worker,
    which analyses uploaded videos)."""
    from runnersknee.config import Settings
    from runnersknee.services.demo import seed_demo
    from runnersknee.services.platform.database import Database
    from runnersknee.web.app import create_app

    folder = tmp_path_factory.mktemp("live-video")
    url = f"sqlite:///{folder}/live.db"
    database = Database(url)
    database.upgrade()
    seed_demo(database, date.today(), content=CONTENT)
    app = create_app(Settings(database_url=url, data_dir=folder / "data"), database)
    with serve(app) as base:
        yield base
    assert not app.state.worker.running  # stopped with the server
    database.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: run scripts/install-system-deps.sh")
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/install-system-deps.sh (npm ci)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


def new_page(browser: Any, phone: bool = False) -> Any:
    """A page in a fresh context (CSP bypassed only so the test can inject axe-core)."""
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    return context.new_page()


def login(page: Any, base: str, email: str, password: str) -> None:
    """Log in through the form."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious or critical axe-core violations of the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
