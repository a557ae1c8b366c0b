"""Every kind of background job and its handler: what a worker (the web process's embedded
one, or ``runnersknee worker``) can run."""

from __future__ import annotations

from runnersknee.services.jobs import Handler
from runnersknee.services.run_import import RUN_IMPORT_JOB, run_import_job
from runnersknee.services.video_records import VIDEO_JOB, run_video_job

__all__ = ["JOB_HANDLERS"]

#: Job kind → handler (a video analysis; a run upload's import).
JOB_HANDLERS: dict[str, Handler] = {VIDEO_JOB: run_video_job, RUN_IMPORT_JOB: run_import_job}
