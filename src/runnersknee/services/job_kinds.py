"""Every kind of background job and its handler, and the clean-up a worker runs at start: what
a worker (the web process's embedded one, or ``runnersknee worker``) can run. This module wires
the contexts to the job queue, so it sits above them (like the demo)."""

from __future__ import annotations

from runnersknee.services.jobs.records import Handler
from runnersknee.services.running.run_import import RUN_IMPORT_JOB, clean_at_start, run_import_job
from runnersknee.services.video.analysis_job import run_video_job
from runnersknee.services.video.uploads import VIDEO_JOB

__all__ = ["JOB_HANDLERS", "clean_at_start"]

#: Job kind → handler (a video analysis; a run upload's import).
JOB_HANDLERS: dict[str, Handler] = {VIDEO_JOB: run_video_job, RUN_IMPORT_JOB: run_import_job}
