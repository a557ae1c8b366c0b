"""Bulk import of folders and zip exports: bad files are skipped with reasons, the rest import;
duplicates (same run as FIT and GPX, or uploaded twice) are dropped."""

from __future__ import annotations

import gzip
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from runnersknee.activity.bulk import import_paths
from runnersknee.activity.dedupe import dedupe
from runnersknee.activity.model import Run, SourceFormat
from runnersknee.activity.reader import read_activity
from runnersknee.clinical.errors import InvalidInput
from tests.unit.activity.builders import fit_run, gpx_run, tcx_activity, utc

DATA = Path(__file__).resolve().parents[2] / "data" / "fit"


def _run(start_offset_s: float, distance_m: float, fmt: SourceFormat, name: str) -> Run:
    start = utc(2024, 1, 1) + timedelta(seconds=start_offset_s)
    return Run(start, 600, 600, distance_m, "running", name, fmt)


def test_dedupe_prefers_fit_and_uses_start_and_distance() -> None:
    runs = [
        _run(0, 5000, SourceFormat.GPX, "a.gpx"),
        _run(30, 5080, SourceFormat.FIT, "a.fit"),
        _run(10, 5000, SourceFormat.GPX, "a-copy.gpx"),
        _run(0, 8000, SourceFormat.TCX, "other-distance.tcx"),
        _run(3600, 5000, SourceFormat.FIT, "later.fit"),
    ]
    kept, dropped = dedupe(runs)
    assert [r.source for r in kept] == ["other-distance.tcx", "a.fit", "later.fit"]
    assert {(d.source, d.kept_source) for d in dropped} == {
        ("a.gpx", "a.fit"),
        ("a-copy.gpx", "a.fit"),
    }


def test_folder_with_good_and_bad_files(tmp_path: Path) -> None:
    (tmp_path / "run.fit").write_bytes(fit_run(utc(2024, 2, 1), 5000))
    (tmp_path / "same-run.gpx").write_bytes(gpx_run(utc(2024, 2, 1), points=11, step_deg=0.0045))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ride.tcx").write_bytes(
        tcx_activity(utc(2024, 2, 2), 20000, sport="Biking")
    )
    (tmp_path / "sub" / "run2.tcx").write_bytes(tcx_activity(utc(2024, 2, 3), 4000))
    (tmp_path / "empty.fit").write_bytes(b"")
    (tmp_path / "nots.gpx").write_bytes(gpx_run(None))
    (tmp_path / "cut.fit").write_bytes(fit_run(utc(2024, 2, 5), 3000)[:300])
    (tmp_path / "notes.txt").write_text("not an activity")
    huge = tmp_path / "huge.fit"
    with huge.open("wb") as handle:  # sparse: 200 MB without writing 200 MB
        handle.truncate(200 * 1024 * 1024)
    seen: list[tuple[int, int]] = []
    result = import_paths([tmp_path], progress=lambda d, t, _n: seen.append((d, t)))
    assert [r.source for r in result.runs] == ["run.fit", "sub/run2.tcx"]
    reasons = {s.source: s.reason for s in result.skipped}
    assert set(reasons) == {"sub/ride.tcx", "empty.fit", "nots.gpx", "cut.fit", "huge.fit"}
    assert "biking" in reasons["sub/ride.tcx"]
    assert "empty" in reasons["empty.fit"]
    assert "timestamps" in reasons["nots.gpx"]
    assert "truncated" in reasons["cut.fit"]
    assert "above the limit" in reasons["huge.fit"]
    assert [(d.source, d.kept_source) for d in result.duplicates] == [("same-run.gpx", "run.fit")]
    assert seen[-1] == (result.files_seen, result.files_seen) == (8, 8)


def test_size_is_checked_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.gpx"
    with huge.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    with pytest.raises(InvalidInput, match="above the limit"):
        read_activity(huge, max_bytes=50 * 1024 * 1024)


def test_zip_export_with_gzip_members_and_a_bad_member(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("activities/1.fit.gz", gzip.compress(fit_run(utc(2024, 3, 1), 6000)))
        zf.writestr("activities/2.gpx", gpx_run(utc(2024, 3, 3)))
        zf.writestr("activities/3.fit", (DATA / "activity-unexpected-eof.fit").read_bytes())
        zf.writestr("activities/4.fit", (DATA / "garmin-fenix-5-walk.fit").read_bytes())
        zf.writestr("profile.csv", "ignored")
    result = import_paths([archive])
    assert [r.source for r in result.runs] == [
        "export.zip:activities/1.fit.gz",
        "export.zip:activities/2.gpx",
    ]
    assert result.runs[0].distance_m == pytest.approx(6000, abs=0.01)
    codes = {s.source.rsplit("/", 1)[-1]: s.code for s in result.skipped}
    assert codes == {"3.fit": "invalid_input", "4.fit": "not_a_run"}


def test_zip_member_declared_too_large_is_skipped(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.gpx", b" " * (2 * 1024 * 1024))
    result = import_paths([archive], max_bytes=1024 * 1024)
    assert result.runs == ()
    assert "above the limit" in result.skipped[0].reason


def test_parallel_import_matches_serial(tmp_path: Path) -> None:
    for day in range(1, 13):
        (tmp_path / f"{day:02d}.fit").write_bytes(fit_run(utc(2024, 4, day), 4000 + day * 100))
    serial = import_paths([tmp_path])
    parallel = import_paths([tmp_path], workers=2)
    assert [r.distance_m for r in parallel.runs] == [r.distance_m for r in serial.runs]
    assert len(serial.runs) == 12


def test_missing_path_is_reported(tmp_path: Path) -> None:
    result = import_paths([tmp_path / "nope"])
    assert result.skipped[0].code == "not_found"
