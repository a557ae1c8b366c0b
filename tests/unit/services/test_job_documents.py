"""A job's stored parameters and result map to the same JSON through their typed documents,
key for key and byte for byte, and the edits (accept, share, purge) write the JSON the
in-place edits wrote before."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

from runnersknee.config import Settings
from runnersknee.gait import synthetic
from runnersknee.gait.keypoint_io import write_keypoints_csv
from runnersknee.services.jobs.records import JobContext
from runnersknee.services.running.import_documents import RunImportParams, RunImportResult
from runnersknee.services.video.analysis_job import run_video_job
from runnersknee.services.video.job_documents import VideoJobParams, VideoJobResult
from tests.content import CONTENT


def _bytes(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)


def _stored(data: object) -> dict[str, object]:
    """What the JSON column gives back."""
    loaded = json.loads(_bytes(data))
    assert isinstance(loaded, dict)
    return loaded


def test_video_params_are_written_in_the_stored_key_order() -> None:
    params = VideoJobParams.new(
        "frontal", "squat", "left", "keypoints", "uploads/1/abc/f.csv", "f.csv", "clinic"
    )
    before = {
        "view": "frontal",
        "task": "squat",
        "side": "left",
        "source": "keypoints",
        "upload": "uploads/1/abc/f.csv",
        "original_name": "f.csv",
        "origin": "clinic",
    }
    assert _bytes(params.to_json()) == _bytes(before)
    assert (params.view, params.task, params.side, params.origin) == (
        "frontal", "squat", "left", "clinic"
    )  # fmt: skip
    assert not params.raw_video_deleted
    purged = params.replaced(raw_video_deleted=True)
    assert _bytes(purged.to_json()) == _bytes({**before, "raw_video_deleted": True})
    assert purged.raw_video_deleted
    assert params.to_json() == before
    assert _bytes(VideoJobParams.from_json(_stored(purged.to_json())).to_json()) == _bytes(
        {**before, "raw_video_deleted": True}
    )


def _context(tmp_path: Path, params: VideoJobParams) -> JobContext:
    return JobContext(
        1, "video_analysis", 1, params.to_json(), Settings(data_dir=tmp_path),
        lambda stage, fraction: None, CONTENT,
    )  # fmt: skip


def test_a_real_video_result_round_trips_and_edits_append(tmp_path: Path) -> None:
    kp, _ = synthetic.single_leg_squat(stance_side="left", fppa_deg=12.0, repetitions=5)
    upload = tmp_path / "uploads" / "1" / "abc" / "squat.csv"
    upload.parent.mkdir(parents=True)
    write_keypoints_csv(kp, upload)
    params = VideoJobParams.new(
        "frontal", "squat", "left", "keypoints", "uploads/1/abc/squat.csv", "s.csv", "clinic"
    )
    result = run_video_job(_context(tmp_path, params))
    stored = _stored(result.to_json())
    assert list(stored) == ["document", "side_fields", "files", "accepted"]
    assert stored["accepted"] == []
    assert result.document["schema"] == "runnersknee.gait.result/2"
    assert _bytes(VideoJobResult.from_json(stored).to_json()) == _bytes(stored)

    accepted = {"at": "2026-03-02T10:00:00", "by": 7, "fields": {"left.fppa_sls_deg": 12.0}}
    shared = {"note": "Well done.", "at": "2026-03-02T11:00:00", "by": 7}
    before = copy.deepcopy(stored)
    once = VideoJobResult.from_json(stored).with_accepted(accepted)
    twice = once.with_shared(shared).with_accepted(accepted)
    in_place = {**stored, "accepted": [*stored["accepted"], accepted]}  # type: ignore[misc]
    in_place = {**in_place, "shared": shared}
    in_place = {**in_place, "accepted": [*in_place["accepted"], accepted]}
    assert _bytes(twice.to_json()) == _bytes(in_place)
    assert list(twice.to_json()) == [*stored, "shared"]
    assert twice.shared == shared
    assert len(twice.accepted) == 2
    assert stored == before
    assert once.to_json()["accepted"] == [accepted]


def test_run_import_params_and_results_round_trip() -> None:
    skipped = [{"source": "a.txt", "reason": "not a run file", "code": "unsupported"}]
    params = RunImportParams.new("uploads/1/runs/x", ("a.fit", "b.gpx"), skipped, date(2026, 3, 2))
    before = {"upload": "uploads/1/runs/x", "files": ["a.fit", "b.gpx"], "skipped": skipped,
              "today": "2026-03-02"}  # fmt: skip
    assert _bytes(params.to_json()) == _bytes(before)
    assert params.files == ("a.fit", "b.gpx")
    assert params.today == date(2026, 3, 2)

    duplicate = {"source": "b.gpx", "kept_source": "a.fit", "start": "2026-03-01T07:00:00+00:00"}
    imported = {
        "outcome": "imported",
        "imported": [{"id": 3, "distance_m": 5000.0}],
        "skipped": skipped,
        "duplicates": [duplicate],
        "files_seen": 2,
        "alerts_raised": 1,
    }
    nothing = {"outcome": "nothing_imported", "message": "No run was found.",
               "skipped": skipped, "files_seen": 1}  # fmt: skip
    for stored in (imported, nothing, {"error": {"field": "files", "got": skipped}}):
        document = RunImportResult.from_json(_stored(stored))
        assert _bytes(document.to_json()) == _bytes(stored)
    done = RunImportResult.from_json(imported)
    assert (done.outcome, done.files_seen, done.alerts_raised) == ("imported", 2, 1)
    assert RunImportResult.from_json(None).outcome is None
