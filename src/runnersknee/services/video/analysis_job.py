"""The video analysis job handler: sniff the stored upload (OpenCV probe for videos, the
keypoint reader for keypoint files), run the analysis and return the result document."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from runnersknee.clinical.errors import InvalidInput
from runnersknee.gait.handoff import assessment_fields_for_side
from runnersknee.services.jobs import records as jobs
from runnersknee.services.platform.extras import require_video
from runnersknee.services.platform.storage import storage_for
from runnersknee.services.video.job_documents import VideoJobParams, VideoJobResult
from runnersknee.services.video.uploads import SIDES
from runnersknee.store.mapping import JSONObject

__all__ = ["run_video_job"]

#: Stage → (start, share) of the overall progress fraction.
_STAGES = {"pose": (0.05, 0.7), "render": (0.75, 0.2)}


def _progress(context: jobs.JobContext) -> Any:
    done: dict[str, int] = {}

    def report(stage: str, n: int, total: int) -> None:
        done[stage] = done.get(stage, 0) + n if n else 0
        start, share = _STAGES.get(stage, (0.0, 0.0))
        fraction = start + share * min(1.0, done[stage] / total) if total else start
        label = {"pose": "finding the body", "render": "drawing the annotated video"}
        context.report(f"{label.get(stage, stage)} ({done[stage]}/{total} frames)", fraction)

    return report


def _keypoint_copy(path: Path) -> Path:
    """The keypoint reader needs a .csv/.json name: chosen from the content, not the client."""
    with path.open("rb") as fh:
        head = fh.read(64).lstrip()
    target = path.with_name("keypoints.json" if head[:1] in (b"{", b"[") else "keypoints.csv")
    shutil.copyfile(path, target)
    return target


def run_video_job(context: jobs.JobContext) -> VideoJobResult:
    """The job handler: analyse the stored upload and return the result document."""
    params = VideoJobParams.from_json(context.params)
    require_video(params.source or "video")
    from runnersknee.services.video.analysis import analyze_keypoint_file, analyze_video

    path = storage_for(context.settings).local_path(str(params.upload))
    name = params.original_name or "upload"
    view, task = str(params.view), str(params.task)
    out = path.parent / "analysis"
    context.report("checking the file", 0.02)
    try:
        if params.source == "keypoints":
            analysis = analyze_keypoint_file(
                _keypoint_copy(path), view=view, task=task, out_dir=out, gait=context.content.gait
            )
        else:
            analysis = analyze_video(
                path,
                view=view,
                task=task,
                settings=context.settings,
                out_dir=out,
                progress=_progress(context),
                gait=context.content.gait,
            )
    except InvalidInput as error:
        message = error.message.replace(str(path), name)
        for stored in (path.name, "keypoints.csv", "keypoints.json"):
            message = message.replace(f"{stored}:", f"{name}:").replace(f"{stored} ", f"{name} ")
        raise InvalidInput(message, field=error.field or "video") from None
    document = analysis.document
    provenance = document.get("provenance")
    video = provenance.get("video") if isinstance(provenance, dict) else None
    if isinstance(video, dict):
        video["file"] = name
    sides: JSONObject = {
        side: dict(assessment_fields_for_side(analysis.result, side)) for side in SIDES
    }
    outputs = document.get("outputs")
    files: JSONObject = dict(outputs) if isinstance(outputs, dict) else {}
    return VideoJobResult.new(document, sides, files)
