"""Plain words of the portal: the next step, easier levels, distances, unreadable files."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from runnersknee.activity.model import SkippedFile
from runnersknee.clinical.pain_monitoring import PainAssessment, PainDecision
from runnersknee.content.sources import plain_references as source_refs
from runnersknee.services.care import today_session
from runnersknee.services.running.run_plain import CANNOT_READ, nothing_imported, plain_reason
from runnersknee.web.render import _fmt_km, _plain_km, environment
from tests.content import CONTENT


@pytest.mark.parametrize(
    ("metres", "text"),
    [
        (1609.344, "1.6 km (1 mile)"),
        (1610.0, "1.6 km (1 mile)"),
        (157.56, "0.2 km (0.1 miles)"),
        (3218.688, "3.2 km (2 miles)"),
        (10000.0, "10.0 km (6.2 miles)"),
    ],
)
def test_distances_read_in_km_and_miles(metres: float, text: str) -> None:
    assert _fmt_km(metres) == text


def test_distances_inside_engine_text_are_rewritten() -> None:
    assert _plain_km("repeat until 3.22 km in total") == "repeat until 3.2 km (2 miles) in total"
    assert _plain_km("no distance here") == "no distance here"


@pytest.mark.parametrize(
    ("decision", "title", "told"),
    [
        ("progress", "You are ready for the next level", True),
        ("hold", "Keep going at this level", False),
        ("regress", "Easier exercises for now", True),
        ("clinician_review", "Your physiotherapist will check in", True),
    ],
)
def test_every_decision_has_plain_words(decision: str, title: str, told: bool) -> None:
    step = today_session.next_step(
        PainAssessment(PainDecision(decision), ("2 regressions (limit 2)",))
    )
    assert step is not None
    assert step.title == title
    assert step.clinician_told is told
    assert "limit" not in step.text
    assert today_session.next_step(None) is None


def test_easier_levels_come_from_the_library_links() -> None:
    library = CONTENT.exercises
    assert today_session.easier_of("forward-lunge-0-45", library) == "step-up-20"
    assert today_session.easier_of("quad-set-extended", library) is None  # bottom of its chain
    assert today_session.easier_of("no-such-exercise", library) is None


def test_unreadable_files_are_plain_for_patients() -> None:
    broken = SkippedFile("broken.fit", "FIT header: data size 4096 exceeds file (40 bytes)", "x")
    assert plain_reason(broken) == CANNOT_READ
    walk = SkippedFile("walk.fit", "activity is walking, not running", "not_a_run")
    assert plain_reason(walk) == (
        "this is a walking activity, not running, so it is not counted as a run"
    )
    big = SkippedFile("big.fit", "file is above the limit of 50 MB", "invalid_input")
    assert plain_reason(big) == "file is above the limit of 50 MB"
    assert "bytes" not in nothing_imported([broken])
    assert nothing_imported([]).startswith("choose at least one")


def test_sources_for_patients_carry_no_keys_or_review_state() -> None:
    refs = source_refs(["SILBERNAGEL-2007", "PFP-CLINIC-PAIN-LIMIT", "KB-EXERCISE-DEFAULTS"])
    assert refs
    for ref in refs:
        assert "SILBERNAGEL-2007" not in ref
        assert "unverified" not in ref.lower()
        assert "docs/" not in ref
    assert "Your clinic's usual practice, checked by your physiotherapist." in refs


def test_pages_show_date_times_in_the_clinic_zone() -> None:
    template = environment().from_string("{{ when|day }} / {{ on|day }}")
    when, on = datetime(2026, 7, 1, 8, 0, tzinfo=UTC), date(2026, 7, 1)
    london = template.render(when=when, on=on, zone=lambda: ZoneInfo("Europe/London"))
    assert london == "2026-07-01 09:00 BST / 2026-07-01"
    assert template.render(when=when, on=on, zone=None) == "2026-07-01 08:00 UTC / 2026-07-01"
