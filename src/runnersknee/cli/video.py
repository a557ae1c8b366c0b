"""CLI commands: ``runnersknee video analyze``, ``analyze-keypoints`` and ``filming-guide``.

Progress bars go to stderr; with ``--format json`` the result document (schema in
docs/video.md) is the only thing written to stdout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from runnersknee.config import Settings

__all__ = ["register"]


class View(StrEnum):
    """Camera view."""

    SAGITTAL = "sagittal"
    FRONTAL = "frontal"


class Task(StrEnum):
    """Movement filmed."""

    WALK = "walk"
    RUN = "run"
    SQUAT = "squat"
    STEP_DOWN = "step-down"


class PoseBackend(StrEnum):
    """Pose estimation backend."""

    TASKS = "tasks"
    LEGACY = "legacy"


class OutputFormat(StrEnum):
    """Output of the analysis commands."""

    TEXT = "text"
    JSON = "json"


ViewOpt = Annotated[
    View,
    typer.Option(
        "--view",
        help="sagittal: camera side-on to the direction of travel (walk, run); "
        "frontal: camera behind or in front (walk, run, squat, step-down).",
    ),
]
TaskOpt = Annotated[
    Task,
    typer.Option(
        "--task",
        help="walk or run (treadmill or overground, either view); squat = single-leg squat "
        "and step-down (frontal view only).",
    ),
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Folder for result.json, CSV, MP4 and plots.")
]
FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", help="text: a table on the terminal; json: the result document."),
]


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    bar = Progress(
        TextColumn("{task.description:<6}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, Any] = {}
    with bar:

        def update(stage: str, advance: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total or None)
            bar.update(tasks[stage], advance=advance)

        yield update


def _fmt(value: Any, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


#: An error band's kind in words (the web page's wording: services/video/results.band_text).
_BAND_KINDS = {
    "sem": "SEM",
    "sdd": "SDD",
    "method_error": "method error",
}


def _band_lines(document: dict[str, Any]) -> list[str]:
    lines = []
    for name, metric in document["metrics"].items():
        for b in (metric["error"] or {}).get("bands", []):
            star = "" if b["verified"] else " (unverified, indicative only)"
            kind = _BAND_KINDS.get(b["kind"], b["kind"].replace("_", " "))
            lines.append(
                f"{name}: {kind} {b['low']:g}-{b['high']:g} {metric['unit']} "
                f"[{', '.join(b['citations'])}]{star}"
            )
    return lines


def _summary(document: dict[str, Any]) -> Table:
    table = Table(title=f"{document['task']} · {document['view']} view · {document['status']}")
    for column in ("metric", "side", "median ± spread", "kept", "rejected", "conf", "note"):
        table.add_column(column)
    for name, metric in document["metrics"].items():
        rows = [("all", metric)]
        rows += [(s, metric[s]) for s in ("left", "right") if metric.get(s)]
        for side, value in rows:
            note = value["withheld_reason"] or value.get("label") or ""
            shown = (
                "-"
                if value["value"] is None
                else f"{_fmt(value['value'], 1)} ± {_fmt(value['spread'], 1)}"
            )
            table.add_row(
                f"{name} ({metric['unit']})" if side == "all" else "",
                side,
                shown,
                str(value["n"]),
                str(value.get("n_rejected", 0)),
                _fmt(value["confidence"]["score"], 2),
                note,
            )
    return table


def _print(document: dict[str, Any], fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    console = Console(width=max(Console().width, 110))
    console.print(_summary(document))
    steps, direction = document.get("steps") or {}, document.get("direction") or {}
    if direction.get("passes"):
        passes = ", ".join(
            f"{p['direction']} {p['start_s']:.1f}-{p['end_s']:.1f} s" for p in direction["passes"]
        )
        console.print(f"direction  {direction['main']} (passes: {passes})", highlight=False)
    if steps.get("detail"):
        why = "; ".join(f"{n} {r}" for r, n in steps["rejected_reasons"].items())
        console.print(
            f"steps  {steps['kept']} kept, {steps['rejected']} rejected"
            + (f" ({why})" if why else ""),
            highlight=False,
            soft_wrap=True,
        )
    for line in _band_lines(document):
        console.print(f"error band  {line}", highlight=False, soft_wrap=True)
    for reason in document.get("reasons", []):
        console.print(f"note: {reason}", highlight=False, soft_wrap=True)
    if document.get("outputs"):
        console.print("outputs: " + ", ".join(document["outputs"].values()), highlight=False)


def analyze(
    video: Annotated[Path, typer.Argument(help="Video file (mp4, mov, webm, avi).")],
    *,
    view: ViewOpt = View.SAGITTAL,
    task: TaskOpt = Task.RUN,
    roi: Annotated[
        str | None,
        typer.Option(
            "--roi", help="Analyse only this region x,y,w,h (pixels of the upright frame)."
        ),
    ] = None,
    person: Annotated[
        int | None,
        typer.Option(
            "--person",
            help="Follow person N, 1 = leftmost in the first frame. Default: the person who "
            "crosses the frame (when several are in view).",
        ),
    ] = None,
    out: OutOpt = None,
    fmt: FormatOpt = OutputFormat.TEXT,
    pose_backend: Annotated[
        PoseBackend,
        typer.Option(
            "--pose-backend",
            help="tasks: MediaPipe Tasks PoseLandmarker (offline model bundle built at set-up); "
            "legacy: MediaPipe 0.10 solutions.pose (fallback where mediapipe 0.10 is installed).",
        ),
    ] = PoseBackend.TASKS,
) -> None:
    """Analyse walking or running gait, or a single-leg squat / step-down, from a video."""
    from runnersknee.services.platform.extras import require_video

    require_video("video")
    from runnersknee.services.video import analysis as video_service  # OpenCV, scipy: on use

    settings = Settings()
    with _progress() as update:
        analysis = video_service.analyze_video(
            video,
            view=view.value,
            task=task.value,
            settings=settings,
            out_dir=out,
            roi=roi,
            person=person,
            pose_backend=pose_backend.value,
            progress=update,
        )
    _print(analysis.document, fmt)


def analyze_keypoints(
    keypoints: Annotated[Path, typer.Argument(help="Keypoint file (.csv or .json).")],
    view: ViewOpt = View.SAGITTAL,
    task: TaskOpt = Task.RUN,
    out: OutOpt = None,
    fmt: FormatOpt = OutputFormat.TEXT,
) -> None:
    """Run the same analysis from a keypoint file (no pose estimation)."""
    from runnersknee.services.platform.extras import require_video

    require_video("keypoints")
    from runnersknee.services.video import analysis as video_service  # scipy: on use

    analysis = video_service.analyze_keypoint_file(
        keypoints, view=view.value, task=task.value, out_dir=out
    )
    _print(analysis.document, fmt)


def filming_guide() -> None:
    """Print the filming guide (camera height, distance, view, frame rate, clothing)."""
    from runnersknee.content.gait import load_filming_guide

    sys.stdout.write(load_filming_guide())


def register(app: typer.Typer) -> None:
    """Add the ``video`` command group to ``app``."""
    group = typer.Typer(help="Movement analysis from a phone video.", no_args_is_help=True)
    group.command("analyze")(analyze)
    group.command("analyze-keypoints")(analyze_keypoints)
    group.command("filming-guide")(filming_guide)
    app.add_typer(group, name="video")
