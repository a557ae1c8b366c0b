"""Typed views that replaced JSON dicts keep the JSON they stood for (issue 13)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from runnersknee.services.review.discharge import Criterion, DischargeRecord
from runnersknee.services.review.timeline import TrendChange


def test_a_discharge_record_maps_to_the_stored_json_and_back() -> None:
    record = DischargeRecord(
        date(2026, 3, 2),
        7,
        "Dr Physio",
        datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        "Back to running.",
        "",
        (Criterion("pain", "Pain improved", True, "NPRS 6 to 1"),),
    )
    stored = record.to_json()
    assert list(stored) == [
        "on",
        "by",
        "by_name",
        "at",
        "summary",
        "unmet_reason",
        "criteria",
    ]
    assert stored["on"] == "2026-03-02"
    assert stored["criteria"] == [
        {"key": "pain", "label": "Pain improved", "met": True, "detail": "NPRS 6 to 1"}
    ]
    again = DischargeRecord.from_json(json.loads(json.dumps(stored)))
    assert again == record


def test_the_clinicians_score_change_keeps_its_mcid_and_the_plain_one_has_none() -> None:
    clinician = TrendChange(12.0, "improved beyond the MCID", ("KB-4.4",), None)
    assert clinician.to_json() == {
        "delta": 12.0,
        "interpretation": "improved beyond the MCID",
        "exceeds_mcid": None,
        "citation_ids": ["KB-4.4"],
    }
    plain = TrendChange(-2.0, "Your score went from 6 to 4 (better).", plain=True)
    assert plain.to_json() == {
        "delta": -2.0,
        "interpretation": "Your score went from 6 to 4 (better).",
        "citation_ids": [],
    }
