"""Video → gait metrics with their measurement error and confidence (docs/video.md).

The public face: the algorithm objects (parameters in ``__init__``, one verb returning
``self``, results in attributes ending in ``_``; tests/unit/gait/test_gait_contract.py checks
each), the keypoint series they work on, and the result types. Names are imported on first
use, so ``import runnersknee.gait`` loads neither SciPy nor OpenCV.

Typical use::

    from runnersknee.gait import GaitAnalysis, KeypointFileSource

    keypoints = KeypointFileSource(path).load().keypoints_
    result = GaitAnalysis(view="sagittal", task="run").analyze(keypoints).result_
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runnersknee._lazy import lazy_names

if TYPE_CHECKING:
    from runnersknee.gait.direction import TravelDirection
    from runnersknee.gait.events import (
        GaitEventDetection,
        Repetition,
        RepetitionDetection,
        Stance,
    )
    from runnersknee.gait.handoff import assessment_fields, assessment_fields_for_side
    from runnersknee.gait.keypoint_io import KeypointFileSource, read_keypoints
    from runnersknee.gait.keypoints import KeypointSeries
    from runnersknee.gait.metrics import MetricCalculation
    from runnersknee.gait.pipeline import GaitAnalysis, check_view_and_task
    from runnersknee.gait.pose import PoseEstimator
    from runnersknee.gait.pose_tracking import PoseTracking
    from runnersknee.gait.result import Confidence, GaitResult, Metric, MetricValue, ViewCheck
    from runnersknee.gait.signals import SignalProcessing
    from runnersknee.gait.steps import StepCheck, StepScreening

#: Public name → the module that defines it.
_HOMES = {
    "GaitAnalysis": "pipeline",
    "check_view_and_task": "pipeline",
    "SignalProcessing": "signals",
    "GaitEventDetection": "events",
    "RepetitionDetection": "events",
    "Stance": "events",
    "Repetition": "events",
    "StepScreening": "steps",
    "StepCheck": "steps",
    "MetricCalculation": "metrics",
    "PoseTracking": "pose_tracking",
    "PoseEstimator": "pose",
    "KeypointFileSource": "keypoint_io",
    "read_keypoints": "keypoint_io",
    "KeypointSeries": "keypoints",
    "TravelDirection": "direction",
    "GaitResult": "result",
    "Metric": "result",
    "MetricValue": "result",
    "Confidence": "result",
    "ViewCheck": "result",
    "assessment_fields": "handoff",
    "assessment_fields_for_side": "handoff",
}

__all__ = [
    "Confidence",
    "GaitAnalysis",
    "GaitEventDetection",
    "GaitResult",
    "KeypointFileSource",
    "KeypointSeries",
    "Metric",
    "MetricCalculation",
    "MetricValue",
    "PoseEstimator",
    "PoseTracking",
    "Repetition",
    "RepetitionDetection",
    "SignalProcessing",
    "Stance",
    "StepCheck",
    "StepScreening",
    "TravelDirection",
    "ViewCheck",
    "assessment_fields",
    "assessment_fields_for_side",
    "check_view_and_task",
    "read_keypoints",
]


__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
