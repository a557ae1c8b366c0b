"""The contract every gait algorithm object keeps (as in gaitmap / tpcp).

* every ``__init__`` parameter is documented under *Parameters* and stored unchanged under
  its own name; ``__init__`` computes nothing (no result attribute exists before the action);
* the action (one verb) returns ``self`` and says so;
* after it, the result attributes (names ending in ``_``) are exactly those documented
  under *Attributes*;
* ``get_params`` (where present) reports the parameters.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from runnersknee import gait
from runnersknee.content.gait import load_gait_content
from runnersknee.gait import synthetic
from runnersknee.gait.direction import detect_direction
from runnersknee.gait.keypoint_io import write_keypoints_csv
from runnersknee.gait.keypoints import KeypointSeries
from runnersknee.gait.metrics import check_view

CONTENT = load_gait_content()
RUN, _ = synthetic.running_sagittal(duration_s=4.0)
SQUAT, _ = synthetic.single_leg_squat(stance_side="left", fppa_deg=10.0)


@dataclass(frozen=True)
class Case:
    """One algorithm class: how to build it, its action, how to call the action."""

    cls: type
    action: str
    run: Callable[[Any, Path], Any] | None
    args: dict[str, Any] = field(default_factory=dict)
    #: ``get_params`` reports exactly the ``__init__`` parameters.
    params_complete: bool = False


def _stances(kp: KeypointSeries) -> list[gait.Stance]:
    filtered = gait.SignalProcessing().process(kp).keypoints_
    return gait.GaitEventDetection().detect(filtered, view="sagittal").stances_


def _metrics(calc: gait.MetricCalculation, _: Path) -> Any:
    filtered = gait.SignalProcessing().process(RUN).keypoints_
    return calc.calculate(
        filtered,
        RUN,
        view="sagittal",
        task="run",
        view_check=check_view(filtered, "sagittal", CONTENT),
    )


def _keypoint_file(_: Any, folder: Path) -> Path:
    path = folder / "keypoints.csv"
    write_keypoints_csv(RUN, path)
    return path


CASES = [
    Case(gait.SignalProcessing, "process", lambda a, _: a.process(RUN), params_complete=True),
    Case(
        gait.GaitEventDetection,
        "detect",
        lambda a, _: a.detect(RUN, view="sagittal"),
        params_complete=True,
    ),
    Case(gait.RepetitionDetection, "detect", lambda a, _: a.detect(SQUAT), params_complete=True),
    Case(
        gait.StepScreening,
        "screen",
        lambda a, _: a.screen(
            RUN, _stances(RUN), task="run", view="sagittal", direction=detect_direction(RUN)
        ),
        {"limits": CONTENT.steps, "min_visibility": CONTENT.confidence.min_visibility},
    ),
    Case(gait.MetricCalculation, "calculate", _metrics, {"content": CONTENT}),
    Case(gait.GaitAnalysis, "analyze", lambda a, _: a.analyze(RUN), {"content": CONTENT}),
    Case(gait.KeypointFileSource, "load", lambda a, _: a.load(), {"path": None}),
    # Needs a decodable video and MediaPipe: its action is covered by tests/integration.
    Case(gait.PoseTracking, "track", None),
]


def _section(doc: str, title: str) -> set[str]:
    """Names listed in a numpydoc section (``name`` or ``a_, b_`` lines at the margin)."""
    lines = inspect.cleandoc(doc).splitlines()
    names: set[str] = set()
    inside = False
    for here, after in zip(lines, [*lines[1:], ""], strict=True):
        if after.startswith("---"):
            inside = here.strip() == title
            continue
        if inside and here and not here.startswith((" ", "-")):
            names.update(name.strip() for name in here.split(","))
    return names


def _init_params(cls: type) -> dict[str, inspect.Parameter]:
    signature = inspect.signature(cls.__init__)  # type: ignore[misc]
    return {name: p for name, p in signature.parameters.items() if name != "self"}


def _results(obj: object) -> set[str]:
    return {name for name in vars(obj) if name.endswith("_") and not name.startswith("_")}


def _build(case: Case, folder: Path) -> Any:
    args = dict(case.args)
    if case.cls is gait.KeypointFileSource:
        args["path"] = _keypoint_file(None, folder)
    return case.cls(**args)


def _id(case: Case) -> str:
    return case.cls.__name__


def test_the_public_face_lists_every_algorithm_object() -> None:
    exported = set(gait.__all__)
    assert {c.cls.__name__ for c in CASES} <= exported
    assert sorted(dir(gait)) == sorted(exported)
    with pytest.raises(AttributeError):
        gait.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_parameters_are_documented_and_stored_unchanged(case: Case, tmp_path: Path) -> None:
    params = _init_params(case.cls)
    assert set(params) == _section(case.cls.__doc__ or "", "Parameters")
    obj = _build(case, tmp_path)
    for name, param in params.items():
        expected = case.args.get(name, param.default)
        if name == "path":
            continue
        assert getattr(obj, name) is expected or getattr(obj, name) == expected, name
    assert _results(obj) == set(), "__init__ must not compute results"
    if case.params_complete:
        assert set(obj.get_params()) == set(params)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_the_action_returns_self_and_sets_the_documented_results(
    case: Case, tmp_path: Path
) -> None:
    action = getattr(case.cls, case.action)
    assert "return self" in (inspect.getdoc(action) or "")
    documented = _section(case.cls.__doc__ or "", "Attributes")
    assert documented, "results must be documented under Attributes"
    assert all(name.endswith("_") for name in documented)
    if case.run is None:
        return
    obj = _build(case, tmp_path)
    assert case.run(obj, tmp_path) is obj
    assert _results(obj) == documented
