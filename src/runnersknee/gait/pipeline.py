"""GaitAnalysis: keypoints → cleaned signals → events → metrics, with provenance.

Follows the gaitmap/tpcp pattern: parameters in ``__init__`` (nested algorithm objects
allowed), one verb method (:meth:`GaitAnalysis.analyze`) returning ``self``, results in
attributes ending in ``_``. :meth:`GaitAnalysis.to_json` records every parameter so a result can
be reproduced.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Callable
from importlib import metadata
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from runnersknee.clinical.errors import InvalidInput
from runnersknee.content.gait import GaitContent, load_gait_content
from runnersknee.gait.direction import detect_direction
from runnersknee.gait.events import GaitEventDetection, Repetition, RepetitionDetection, Stance
from runnersknee.gait.keypoints import KeypointSeries
from runnersknee.gait.metrics import GAIT_TASKS, MetricCalculation, angle_series, check_view
from runnersknee.gait.result import GaitResult, Metric, ViewCheck
from runnersknee.gait.signals import SignalProcessing
from runnersknee.gait.steps import StepCheck, StepScreening, person_height_fraction

__all__ = [
    "TASKS",
    "VIEWS",
    "GaitAnalysis",
    "check_view_and_task",
    "preload_analysis_modules",
    "versions",
]

#: Camera views: side-on (sagittal) or from behind / in front (frontal).
VIEWS = ("sagittal", "frontal")
#: Movement tasks: walking and running (treadmill or overground), single-leg squat, step-down.
TASKS = ("walk", "run", "squat", "step-down")


def check_view_and_task(view: str, task: str) -> None:
    """InvalidInput for an unknown view or task, or a combination the pipeline cannot do."""
    if view not in VIEWS:
        raise InvalidInput(f"unknown view {view!r}", field="view", allowed=VIEWS, got=view)
    if task not in TASKS:
        raise InvalidInput(f"unknown task {task!r}", field="task", allowed=TASKS, got=task)
    if task not in GAIT_TASKS and view != "frontal":
        raise InvalidInput(
            f"the {task} analysis needs a frontal view (FPPA is a frontal-plane angle)",
            field="view",
            allowed=["frontal"],
            got=view,
        )


_ANALYSIS_MODULES = ("scipy.signal", "scipy.ndimage")


def _import_analysis_modules(first: Callable[[], object] | None) -> None:
    try:
        if first is not None:
            first()
        for name in _ANALYSIS_MODULES:
            importlib.import_module(name)
    except Exception:  # noqa: BLE001 - an import that fails here fails again where used
        return


def preload_analysis_modules(first: Callable[[], object] | None = None) -> threading.Thread:
    """Import the SciPy modules the analysis uses on a background thread, started now,
    after ``first()`` (e.g. importing MediaPipe, which pose estimation needs at once).

    Importing them takes ~1 s of Python code, which then runs while video is decoded and
    pose is estimated (native code that leaves the interpreter free) instead of before.
    One import after the other: run at the same time, each would wait for the other.
    Join the thread before analysing."""
    thread = threading.Thread(
        target=_import_analysis_modules, args=(first,), name="preload", daemon=True
    )
    thread.start()
    return thread


def versions() -> dict[str, str]:
    """Versions of the packages that shape a result."""
    import scipy

    out = {"numpy": np.__version__, "scipy": scipy.__version__}
    try:
        out["runnersknee"] = metadata.version("runnersknee")
    except metadata.PackageNotFoundError:
        out["runnersknee"] = "unknown"
    return out


class GaitAnalysis:
    """The whole analysis of one keypoint series.

    Parameters
    ----------
    view
        ``"sagittal"`` or ``"frontal"``.
    task
        ``"walk"``, ``"run"``, ``"squat"`` or ``"step-down"`` (squat and step-down need
        ``frontal``).
    signals
        Signal cleaning step (default :class:`SignalProcessing` with Sports2D defaults).
    events
        Gait event detection (walking and running).
    repetitions
        Repetition detection (squat, step-down).
    content
        Metric definitions and thresholds (default: packaged content).

    Attributes
    ----------
    filtered_
        The cleaned :class:`KeypointSeries`.
    series_
        Per-frame angle series (name → array, degrees).
    stances_, repetitions_
        Detected stance phases / repetitions.
    steps_
        Every stance with its keep / reject decision (:class:`StepCheck`).
    direction_
        The :class:`TravelDirection` (passes and per-frame facing).
    facing_
        +1/−1 per frame (sagittal) or the main facing (frontal) the angles were computed with.
    result_
        The :class:`GaitResult`.
    """

    def __init__(
        self,
        view: str = "sagittal",
        task: str = "run",
        *,
        signals: SignalProcessing | None = None,
        events: GaitEventDetection | None = None,
        repetitions: RepetitionDetection | None = None,
        content: GaitContent | None = None,
    ) -> None:
        self.view = view
        self.task = task
        self.signals = signals
        self.events = events
        self.repetitions = repetitions
        self.content = content

    def _steps(self) -> tuple[SignalProcessing, GaitEventDetection, RepetitionDetection]:
        return (
            self.signals or SignalProcessing(),
            self.events or GaitEventDetection(),
            self.repetitions or RepetitionDetection(),
        )

    def get_params(self) -> dict[str, Any]:
        """All parameters, nested steps included (JSON-ready)."""
        signals, events, reps = self._steps()
        content = self.content or load_gait_content()
        return {
            "view": self.view,
            "task": self.task,
            "signals": signals.get_params(),
            "events": events.get_params(),
            "repetitions": reps.get_params(),
            "content_version": content.version,
            "confidence": {
                "min_visibility": content.confidence.min_visibility,
                "min_steps": content.confidence.min_steps,
                "max_width_ratio_sagittal": content.confidence.max_width_ratio_sagittal,
                "min_width_ratio_frontal": content.confidence.min_width_ratio_frontal,
                "verified": content.confidence.verified,
            },
            "steps": {
                "step_s": {k: list(v) for k, v in content.steps.step_s.items()},
                "stance_s": {k: list(v) for k, v in content.steps.stance_s.items()},
                "edge_margin": content.steps.edge_margin,
                "outlier_z": content.steps.outlier_z,
                "target_factor": content.steps.target_factor,
                "min_person_height": content.steps.min_person_height,
                "min_confidence": content.steps.min_confidence,
                "verified": content.steps.verified,
            },
        }

    def to_json(self) -> str:
        """Parameters and versions as a JSON string (stored beside every result)."""
        return json.dumps({"params": self.get_params(), "versions": versions()}, sort_keys=True)

    def analyze(self, keypoints: KeypointSeries) -> Self:
        """Run every step on ``keypoints``; return self."""
        check_view_and_task(self.view, self.task)
        content = self.content or load_gait_content()
        signals, events, reps = self._steps()
        signals.process(keypoints)
        self.filtered_ = signals.keypoints_
        self.stances_: list[Stance] = []
        self.repetitions_: list[Repetition] = []
        self.steps_: list[StepCheck] = []
        self.direction_ = detect_direction(self.filtered_)
        facing: NDArray[np.float64] | float = self.direction_.facing
        if self.view != "sagittal":
            facing = self.direction_.main_facing
        height = person_height_fraction(keypoints, signals.min_visibility)
        if self.task in GAIT_TASKS:
            events.detect(self.filtered_, view=self.view, facing=self.direction_.facing)
            self.stances_ = events.stances_
            screening = StepScreening(content.steps, content.confidence.min_visibility)
            self.steps_ = screening.screen(
                keypoints, self.stances_, task=self.task, view=self.view, direction=self.direction_
            ).steps_
        else:
            self.repetitions_ = reps.detect(self.filtered_).repetitions_
        self.facing_ = facing
        self.series_ = angle_series(self.filtered_, self.view, facing)
        view_check = check_view(self.filtered_, self.view, content)
        size = (
            1.0 if not np.isfinite(height) else min(1.0, height / content.steps.min_person_height)
        )
        calc = MetricCalculation(content).calculate(
            self.filtered_,
            keypoints,
            view=self.view,
            task=self.task,
            steps=self.steps_,
            repetitions=self.repetitions_,
            facing=facing,
            view_check=view_check,
            person_size=size,
        )
        self.result_ = self._result(keypoints, calc.metrics_, view_check, height, signals)
        return self

    def _result(
        self,
        keypoints: KeypointSeries,
        metrics: dict[str, Metric],
        view_check: ViewCheck,
        height: float,
        signals: SignalProcessing,
    ) -> GaitResult:
        """The :class:`GaitResult` of the steps run by :meth:`analyze`."""
        person = _frames_with_person(keypoints, signals.min_visibility)
        return GaitResult(
            view=self.view,
            task=self.task,
            fps=keypoints.fps,
            n_frames=keypoints.n_frames,
            frames_with_person=person,
            metrics=metrics,
            view_check=view_check,
            events=self._events_json(),
            direction=self.direction_.to_dict(),
            steps=[c.to_dict() for c in self.steps_],
            person_height=height,
            warnings=_warnings(keypoints, person, view_check.ok, self.view, view_check.looks_like),
            provenance={
                "pipeline": json.loads(self.to_json()),
                "keypoints_source": keypoints.source,
            },
        )

    def _events_json(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [
            {
                "kind": "stance",
                "side": s.side,
                "ic_s": round(s.ic_s, 4),
                "to_s": None if s.to_s is None else round(s.to_s, 4),
                "mid_s": None if s.mid_s is None else round(s.mid_s, 4),
            }
            for s in self.stances_
        ]
        out += [
            {
                "kind": "repetition",
                "side": r.stance_side,
                "start_s": round(r.start_s, 4),
                "peak_s": round(r.peak_s, 4),
                "end_s": round(r.end_s, 4),
                "depth_ratio": round(r.depth_leg, 4),
            }
            for r in self.repetitions_
        ]
        return out


def _frames_with_person(kp: KeypointSeries, min_visibility: float) -> int:
    """Frames where both hips and both knees pass the visibility gate."""
    names = ("left_hip", "right_hip", "left_knee", "right_knee")
    ok = np.all([kp.vis(n) >= min_visibility for n in names], axis=0)
    ok &= np.all([np.isfinite(kp.point(n)).all(axis=1) for n in names], axis=0)
    return int(ok.sum())


def _warnings(
    kp: KeypointSeries, person: int, view_ok: bool, view: str, looks_like: str
) -> list[str]:
    out: list[str] = []
    if person == 0:
        out.append("no person was detected in the video")
    elif person < 0.5 * kp.n_frames:
        out.append(f"a person was detected on only {person} of {kp.n_frames} frames")
    if person and not view_ok:
        out.append(f"the declared view is {view} but the footage looks {looks_like}")
    return out
