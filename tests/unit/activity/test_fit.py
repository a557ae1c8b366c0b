"""FIT import: the real Garmin files (values from tests/data/fit/README.md and the CSVs) and
synthetic files written by the project's FIT encoder."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runnersknee.activity.fit import parse_fit
from runnersknee.activity.fit_encode import fit_crc
from runnersknee.activity.model import NotARun, strides_to_steps_per_min
from runnersknee.clinical.errors import InvalidInput
from tests.unit.activity.builders import fit_run, utc

DATA = Path(__file__).resolve().parents[2] / "data" / "fit"


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_licence_notice_is_kept_beside_the_files() -> None:
    assert "MIT" in (DATA / "LICENSE-python-fitparse").read_text()


def test_cadence_conversion_strides_to_steps() -> None:
    assert strides_to_steps_per_min(83, 0.671875) == pytest.approx(167.34375)
    assert strides_to_steps_per_min(90) == 180.0
    assert strides_to_steps_per_min(78, None) == 156.0


def test_real_run_session_values() -> None:
    run = parse_fit(_read("garmin-fenix-5-run.fit"), source="run.fit")
    assert run.sport == "running"
    assert run.distance_m == pytest.approx(157.56)
    assert run.moving_duration_s == pytest.approx(56.887)
    assert run.cadence_spm == pytest.approx(167.34, abs=0.01)
    assert run.heart_rate_avg_bpm == 90
    assert run.device == "garmin fenix5"
    # the watch's local time was PDT (UTC-7): the start keeps that offset
    assert run.start.utcoffset() == timedelta(hours=-7)
    assert run.start == datetime(2017, 6, 11, 14, 34, 9, tzinfo=UTC)
    assert run.pace_s_per_km == pytest.approx(56.887 / 157.56 * 1000)


def test_real_run_per_record_values_match_the_csv() -> None:
    run = parse_fit(_read("garmin-fenix-5-run.fit"), source="run.fit")
    with (DATA / "garmin-fenix-5-run-records.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(run.records) == len(rows)
    for record, row in zip(run.records, rows, strict=True):
        local = datetime.strptime(row["timestamp"].replace(" PDT", ""), "%a %b %d %H:%M:%S %Y")
        assert record.time == local.replace(tzinfo=UTC) + timedelta(hours=7)
        assert record.heart_rate_bpm == int(row["heart_rate"])
        assert record.distance_m == pytest.approx(float(row["distance"]))
        assert record.speed_m_s == pytest.approx(float(row["speed"]))
        assert record.altitude_m == pytest.approx(float(row["altitude"]))
        assert record.latitude_deg == pytest.approx(int(row["position_lat"]) * 180 / 2**31)
        # the CSV lists whole strides/min; steps/min = 2 x (strides + fraction < 1)
        strides = int(row["cadence"])
        assert record.cadence_spm is not None
        assert 2 * strides <= record.cadence_spm < 2 * (strides + 1)


@pytest.mark.parametrize(
    ("name", "sport"),
    [("garmin-fenix-5-walk.fit", "walking"), ("garmin-fenix-5-bike.fit", "cycling")],
)
def test_non_running_files_are_recognised(name: str, sport: str) -> None:
    with pytest.raises(NotARun) as caught:
        parse_fit(_read(name), source=name)
    assert caught.value.sport == sport
    assert caught.value.code == "not_a_run"


def test_truncated_file_gives_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="truncated"):
        parse_fit(_read("activity-unexpected-eof.fit"), source="eof.fit")


def test_corrupt_header_gives_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="not a valid FIT file"):
        parse_fit(_read("activity-settings-corruptheader.fit"), source="bad.fit")


def test_synthetic_round_trip_with_local_offset() -> None:
    data = fit_run(utc(2024, 3, 5, 6), 5000, seconds=1500, utc_offset=timedelta(hours=1))
    run = parse_fit(data, source="x.fit")
    assert run.distance_m == pytest.approx(5000, abs=0.01)
    assert run.moving_duration_s == pytest.approx(1500)
    assert run.cadence_spm == pytest.approx(171.0)
    assert {r.cadence_spm for r in run.records} == {171.0}
    assert run.start.utcoffset() == timedelta(hours=1)
    assert run.start.hour == 7


def test_synthetic_file_without_session_falls_back_to_records() -> None:
    run = parse_fit(fit_run(utc(2024, 3, 5), 3000, seconds=900, session=False), source="x.fit")
    assert run.distance_m == pytest.approx(3000, abs=0.01)
    assert run.elapsed_duration_s == pytest.approx(900)
    assert run.cadence_spm == pytest.approx(171.0)
    assert run.start.utcoffset() == timedelta(0)


def test_synthetic_truncated_file_and_bad_crc() -> None:
    data = fit_run(utc(2024, 3, 5), 3000)
    with pytest.raises(InvalidInput, match="truncated"):
        parse_fit(data[: len(data) // 2], source="cut.fit")
    corrupted = bytearray(data)
    corrupted[40] ^= 0xFF
    with pytest.raises(InvalidInput, match="FIT"):
        parse_fit(bytes(corrupted), source="crc.fit")


def test_crc_of_a_written_file_is_zero_over_file_and_crc() -> None:
    data = fit_run(utc(2024, 3, 5), 1000)
    assert fit_crc(data) == 0  # a CRC-16 appended little-endian zeroes the running CRC
