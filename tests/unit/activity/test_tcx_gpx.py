"""TCX (hand-built per the v2 schema) and GPX (gpxpy writer) import."""

from __future__ import annotations

from datetime import timedelta

import pytest

from runnersknee.activity.gpx import parse_gpx
from runnersknee.activity.model import NotARun
from runnersknee.activity.tcx import parse_tcx
from runnersknee.clinical.errors import InvalidInput
from tests.unit.activity.builders import gpx_run, tcx_activity, utc


def test_tcx_run() -> None:
    run = parse_tcx(tcx_activity(utc(2024, 5, 1), 2400.0, seconds=720), source="a.tcx")
    assert run.distance_m == 2400.0
    assert run.moving_duration_s == 720
    assert run.start == utc(2024, 5, 1)
    assert run.cadence_spm == 168.0  # RunCadence 84 strides/min
    assert run.heart_rate_avg_bpm == pytest.approx(sum(130 + i for i in range(13)) / 13)
    assert run.elevation_gain_m == pytest.approx(12.0)
    assert run.device == "Forerunner 255"
    assert len(run.records) == 13


def test_tcx_bike_activity_is_skipped() -> None:
    with pytest.raises(NotARun, match="biking"):
        parse_tcx(tcx_activity(utc(2024, 5, 1), 20000.0, sport="Biking"), source="b.tcx")


def test_tcx_refuses_entities_and_bad_xml() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        b'TrainingCenterDatabase/v2"><Activities><Activity Sport="&e;"/></Activities>'
        b"</TrainingCenterDatabase>"
    )
    with pytest.raises(InvalidInput) as caught:
        parse_tcx(evil, source="evil.tcx")
    assert "root:" not in caught.value.message
    with pytest.raises(InvalidInput, match="well-formed"):
        parse_tcx(b"<TrainingCenterDatabase", source="cut.tcx")


def test_gpx_run_with_garmin_extensions() -> None:
    run = parse_gpx(gpx_run(utc(2024, 5, 2)), source="a.gpx")
    # 10 steps of 0.001 deg latitude = about 1112 m
    assert run.distance_m == pytest.approx(1112, rel=0.01)
    assert run.elapsed_duration_s == 600
    assert run.cadence_spm == 172.0  # cad 86 strides/min
    assert run.heart_rate_avg_bpm == 140
    assert run.start.utcoffset() == timedelta(0)
    assert run.device == "test-device"


def test_gpx_without_timestamps_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no timestamps"):
        parse_gpx(gpx_run(None), source="nots.gpx")


def test_gpx_cycling_is_skipped_and_untyped_is_assumed_running() -> None:
    with pytest.raises(NotARun, match="cycling"):
        parse_gpx(gpx_run(utc(2024, 5, 2), activity_type="cycling"), source="c.gpx")
    run = parse_gpx(gpx_run(utc(2024, 5, 2), activity_type=None), source="u.gpx")
    assert run.sport == "unspecified"
