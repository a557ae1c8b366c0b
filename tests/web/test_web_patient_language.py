"""No engine language for patients: every portal page and patient API answer of the demo.

Each demo patient (before intake, red flag, mid-plan) opens every portal page the app serves
(path parameters filled with the demo's topics, questionnaires, intake pages) and the JSON API
routes of their own record. The visible text of pages and the string values of JSON answers
must not hold rule ids, citation keys, knowledge-base section numbers, MCID/MDC or internal
field names (snake_case words).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from runnersknee.config import Settings
from runnersknee.content.citations import load_citations
from runnersknee.content.intake import load_intake
from runnersknee.services.demo import seed_demo
from runnersknee.services.jobs import runner as job_runner
from runnersknee.services.platform.database import Database
from runnersknee.services.video.patient_videos import PATIENT_TASKS
from runnersknee.web.app import create_app, route_table
from runnersknee.web.presenters.education import TOPICS
from tests.content import CONTENT
from tests.video_clip import write_clip
from tests.web.conftest import page_login

PATIENTS = ("new@demo.example", "redflag@demo.example", "midplan@demo.example")
PASSWORD = "demo-patient-pass"
TODAY = date(2026, 3, 2)

_RULE_ID = re.compile(r"\b(?:RF|DD|PFP|SUP|PROG|PROMPT|PRE)-[A-Z0-9]+(?:-[A-Z0-9]+)*\b")
_SECTION = re.compile(r"\bKB[ -]?\d|\bsection \d+\.\d", re.IGNORECASE)
_MCID = re.compile(r"\b(?:MCID|MDC)\b|\bunverified\b", re.IGNORECASE)
_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
_BRACKETED_KEY = re.compile(r"\[[A-Z][A-Z0-9]+(?:-[A-Z0-9]+)+\]")


class _Text(HTMLParser):
    """The text a person sees (and hears): text nodes and alt/title/aria-label values."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in ("alt", "title", "aria-label") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The visible text of an HTML page."""
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _strings(value: Any) -> Iterator[str]:
    """Every string value of a JSON document (keys are the API's contract, not shown)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _keys(value: Any) -> Iterator[str]:
    """Every key of a JSON document (a citation key must not be one either)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


def engine_language(text: str, citation_ids: frozenset[str], *, snake: bool = True) -> list[str]:
    """What in ``text`` is engine language (empty when the text is plain).

    ``snake`` also finds internal field names (snake_case words): on pages, not in JSON
    values, where snake_case codes (``around_behind_kneecap``) are the API's values.
    """
    patterns = (_RULE_ID, _SECTION, _MCID, _BRACKETED_KEY)
    found = [m.group(0) for p in patterns for m in p.finditer(text)]
    if snake:
        found += [m.group(0) for m in _SNAKE.finditer(text)]
    words = set(re.findall(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+", text))
    found += sorted(words & citation_ids)
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo clinic as ``runnersknee demo`` creates it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('language')}/demo.db"
    database = Database(url)
    database.upgrade()
    seed_demo(database, TODAY, CONTENT)
    app = create_app(Settings(database_url=url), database)
    app.state.clock = lambda: TODAY
    yield app
    database.dispose()


def _portal_paths(app: Any) -> list[str]:
    """Every GET page of the portal, path parameters filled in (files and PDFs left out)."""
    fill = {
        "{slug}": [t.slug for t in TOPICS] + [s.slug for s in load_intake().steps],
        "{instrument_id}": list(CONTENT.portal_instruments()),
    }
    paths: list[str] = []
    for path, methods in route_table(app):
        if "GET" not in methods or not path.startswith("/me"):
            continue
        if "{" not in path:
            paths.append(path)
            continue
        for slot, values in fill.items():
            if slot in path:
                paths += [path.replace(slot, v) for v in values]
    return sorted(set(paths))


def _api_paths(app: Any, patient_id: int) -> list[str]:
    """The patient's own JSON API reads (no path parameter but the record's id)."""
    paths = []
    for path, methods in route_table(app):
        if "GET" not in methods or not path.startswith("/api/v1/"):
            continue
        own = path.replace("{patient_id}", str(patient_id))
        if "{" not in own and not own.endswith((".pdf", "/fhir", "/export", "openapi.json")):
            paths.append(own)
    return sorted(set(paths))


@pytest.mark.parametrize("email", PATIENTS)
def test_no_engine_language_on_any_patient_page_or_api_answer(demo: Any, email: str) -> None:
    citation_ids = frozenset(load_citations())
    client = TestClient(demo)
    page_login(client, email, PASSWORD)
    session = client.get("/api/v1/auth/session").json()
    problems: dict[str, list[str]] = {}
    pages = _portal_paths(demo)
    assert "/me" in pages
    assert "/me/intake/about-you" in pages
    for path in pages:
        response = client.get(path)
        if response.status_code == 200 and "text/html" in response.headers["content-type"]:
            found = engine_language(visible_text(response.text), citation_ids)
            if found:
                problems[path] = sorted(set(found))
    answered = 0
    for path in _api_paths(demo, session["patient_id"]):
        response = client.get(path)
        if response.status_code != 200 or "json" not in response.headers["content-type"]:
            continue
        answered += 1
        body = response.json()
        found = engine_language("\n".join(_strings(body)), citation_ids, snake=False)
        found += sorted(set(_keys(body)) & citation_ids)
        if found:
            problems[path] = sorted(set(found))
    assert answered >= 3
    assert problems == {}, json.dumps(problems, indent=1)


def _problems(client: TestClient, paths: list[str]) -> dict[str, list[str]]:
    citation_ids = frozenset(load_citations())
    problems: dict[str, list[str]] = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        found = engine_language(visible_text(response.text), citation_ids)
        if found:
            problems[path] = sorted(set(found))
    return problems


def test_no_engine_language_on_the_video_pages(tmp_path: Path) -> None:
    """The patient's video pages: before and after the analysis, and the shared note."""
    url = f"sqlite:///{tmp_path}/video.db"
    database = Database(url)
    database.upgrade()
    seed_demo(database, TODAY, CONTENT)
    settings = Settings(database_url=url, data_dir=tmp_path / "data")
    app = create_app(settings, database)
    app.state.clock = lambda: TODAY
    client = TestClient(app)
    token = page_login(client, "midplan@demo.example", PASSWORD)
    clip = write_clip(tmp_path / "clip.avi")
    sent = client.post(
        "/me/videos",
        data={"csrf_token": token, "task": "squat", "side": "left"},
        files={"video": ("squat.avi", clip, "video/x-msvideo")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    video = sent.headers["location"].split("?")[0]
    tasks = [t.code for t in PATIENT_TASKS]
    paths = ["/me/videos", "/me/videos/new", "/me/filming-guide", video, sent.headers["location"]]
    paths += [f"/me/videos/film?task={code}" for code in tasks]
    assert _problems(client, paths) == {}
    job_runner.drain(database, settings, app.state.job_handlers, content=app.state.content)
    doc = TestClient(app)
    doc_token = page_login(doc, "clinician@demo.example", "demo-clinician-pass")
    shared = doc.post(
        video.replace("/me/", f"/clinic/patients/{_patient_id(client)}/") + "/share",
        data={"csrf_token": doc_token, "note": "Well done: your knee stays over your foot."},
    )
    assert shared.status_code == 200
    assert "Well done" in client.get(video).text
    assert _problems(client, [video, "/me/videos"]) == {}
    database.dispose()


def _patient_id(client: TestClient) -> int:
    found: int = client.get("/api/v1/auth/session").json()["patient_id"]
    return found


def test_the_checker_finds_each_kind_of_engine_language() -> None:
    ids = frozenset({"TRIALS-2023-RTR", "AAP-JOINT-PAIN"})
    assert engine_language("Rule RF-SEPTIC-ARTHRITIS fired", ids) == ["RF-SEPTIC-ARTHRITIS"]
    assert engine_language("see KB 5.5", ids) == ["KB 5"]
    assert engine_language("beyond the MCID", ids) == ["MCID"]
    assert engine_language("a default (unverified)", ids) == ["unverified"]
    assert engine_language("sources [AAP-JOINT-PAIN]", ids)[0] == "[AAP-JOINT-PAIN]"
    assert engine_language("from TRIALS-2023-RTR", ids) == ["TRIALS-2023-RTR"]
    assert engine_language("pain_threshold_nprs is 3", ids) == ["pain_threshold_nprs"]
    assert engine_language("Hold 10 seconds, 3 times. Stop if it hurts.", ids) == []
