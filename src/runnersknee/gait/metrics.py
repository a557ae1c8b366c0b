"""Per-frame angle series, the camera-view check and the per-step / per-repetition metrics.

Each metric is the median and robust spread of screened per-step values, per side and
pooled (see :mod:`runnersknee.gait.aggregate`); it is withheld (value null,
``withheld_reason`` set) when the view check fails, too few steps or repetitions are kept,
its landmarks are poorly visible or its confidence is too low. Thresholds come from content
(``content/data/gait/measurement_error.toml``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from runnersknee.content.gait import GaitContent, load_gait_content
from runnersknee.gait import kinematics as kin
from runnersknee.gait.aggregate import MetricContext, build_metric
from runnersknee.gait.events import Repetition, Stance, leg_length_px, midpoint, refine_extremum
from runnersknee.gait.keypoints import SIDES, KeypointSeries, Side, sided
from runnersknee.gait.result import Metric, MetricValue, ViewCheck
from runnersknee.gait.steps import NOT_SIDE_ON, STEP_TIME, StepCheck, StepValue

__all__ = [
    "GAIT_TASKS",
    "FacingLike",
    "MetricCalculation",
    "angle_series",
    "check_view",
    "facing_per_frame",
    "sample_at",
]

Array = NDArray[np.float64]
#: One facing for the whole clip, or one per frame.
FacingLike = float | NDArray[np.float64]
#: Tasks analysed step by step (the others are repetition tasks).
GAIT_TASKS = ("walk", "run")


def _other(side: Side) -> Side:
    return "right" if side == "left" else "left"


def facing_per_frame(facing: FacingLike, n_frames: int) -> Array:
    """Per-frame facing (+1/−1) as an array; 0 (not a side-on pass) becomes nan."""
    arr = np.broadcast_to(np.asarray(facing, dtype=np.float64), (n_frames,))
    return np.where(arr == 0.0, np.nan, arr)


def angle_series(kp: KeypointSeries, view: str, facing: FacingLike) -> dict[str, Array]:
    """Per-frame angles (degrees) for plots and CSV; names carry side and unit.

    Signed sagittal angles follow ``facing`` (per frame or one value: +1 = travelling
    towards image +x); frames that are not side-on (facing 0) get nan.
    """
    p = kp.point
    face = facing_per_frame(facing, kp.n_frames)
    out: dict[str, Array] = {}
    for side in SIDES:
        hip, knee, ankle = (p(sided(side, j)) for j in ("hip", "knee", "ankle"))
        out[f"knee_flexion_{side}_deg"] = kin.knee_flexion_deg(hip, knee, ankle)
        if view == "frontal":
            other_hip = p(sided(_other(side), "hip"))
            out[f"fppa_{side}_deg"] = kin.fppa_deg(hip, knee, ankle, other_hip)
            out[f"pelvic_drop_{side}_stance_deg"] = kin.pelvic_drop_deg(hip, other_hip)
    if view == "sagittal":
        out["trunk_lean_deg"] = kin.trunk_forward_lean_deg(
            midpoint(kp, "hip"), midpoint(kp, "shoulder"), face
        )
        for side in SIDES:
            out[f"foot_angle_{side}_deg"] = kin.foot_angle_deg(
                p(sided(side, "heel")), p(sided(side, "foot_index")), face
            )
    return out


def sample_at(series: Array, t_s: float, fps: float) -> float:
    """Linear interpolation of a per-frame series at time ``t_s`` (nan outside or on gaps)."""
    x = t_s * fps
    i = int(np.floor(x))
    if i < 0 or i >= series.size:
        return float("nan")
    if i + 1 >= series.size:
        return float(series[i])
    frac = x - i
    return float(series[i] * (1 - frac) + series[i + 1] * frac)


def _first_peak_between(series: Array, t0: float, t1: float, fps: float) -> float:
    """First local maximum of a series between two times (parabola-refined); the largest
    sample when the series has no interior peak there."""
    i0, i1 = max(0, round(t0 * fps)), min(series.size - 1, round(t1 * fps))
    seg = series[i0 : i1 + 1]
    if seg.size == 0 or not np.isfinite(seg).any():
        return float("nan")
    k = next(
        (j for j in range(i0 + 1, i1) if series[j] >= series[j - 1] and series[j] > series[j + 1]),
        int(np.nanargmax(seg)) + i0,
    )
    return refine_extremum(series, k)[1]


def check_view(kp: KeypointSeries, declared: str, content: GaitContent) -> ViewCheck:
    """Compare shoulder and hip widths with torso length to confirm the camera view."""
    p = kp.point
    widths = (
        np.abs(p("left_shoulder")[:, 0] - p("right_shoulder")[:, 0])
        + np.abs(p("left_hip")[:, 0] - p("right_hip")[:, 0])
    ) / 2.0
    torso = kin.segment_length(midpoint(kp, "hip"), midpoint(kp, "shoulder"))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio_all = widths / torso
    ratio_all = ratio_all[np.isfinite(ratio_all)]
    if ratio_all.size == 0:
        return ViewCheck(declared, float("nan"), "unknown", ok=False)
    ratio = float(np.median(ratio_all))
    conf = content.confidence
    if ratio <= conf.max_width_ratio_sagittal:
        looks = "sagittal"
    elif ratio >= conf.min_width_ratio_frontal:
        looks = "frontal"
    else:
        looks = "oblique"
    sagittal_ok = ratio <= conf.max_width_ratio_sagittal
    frontal_ok = ratio >= conf.min_width_ratio_frontal
    ok = sagittal_ok if declared == "sagittal" else frontal_ok
    if sagittal_ok and frontal_ok:  # thresholds overlap: report the closer one
        looks = declared
    return ViewCheck(declared, ratio, looks, ok=ok)


class MetricCalculation:
    """Compute the metrics of one view and task from filtered keypoints and events.

    Parameters
    ----------
    content
        Metric definitions, error bands and thresholds (default: the packaged content).

    Attributes
    ----------
    metrics_
        name → :class:`Metric`, in a stable order.
    """

    def __init__(self, content: GaitContent | None = None) -> None:
        self.content = content

    def calculate(
        self,
        filtered: KeypointSeries,
        raw: KeypointSeries,
        *,
        view: str,
        task: str,
        steps: Sequence[StepCheck] = (),
        repetitions: Sequence[Repetition] = (),
        facing: FacingLike = 1.0,
        view_check: ViewCheck,
        person_size: float = 1.0,
    ) -> Self:
        """Compute every metric that applies to ``view`` and ``task``; return self.

        ``steps`` are the screened stances (rejected ones are reported, not used); ``facing``
        is +1/−1 per frame (or one value) from the direction of travel.
        """
        content = self.content or load_gait_content()
        self._kp, self._raw = filtered, raw
        self._ctx = MetricContext(
            content=content,
            view_ok=view_check.ok,
            view_reason=(
                f"the footage looks {view_check.looks_like} "
                f"(width ratio {view_check.width_ratio:.2f}); this metric needs a {view} view"
            ),
            person_size=person_size,
        )
        self._task = task
        self._series = angle_series(filtered, view, facing)
        self._leg = leg_length_px(filtered)
        self._facing = facing_per_frame(facing, filtered.n_frames)
        self.metrics_: dict[str, Metric] = {}
        if task in GAIT_TASKS and view == "sagittal":
            self._gait_sagittal(steps)
        elif task in GAIT_TASKS:
            self._gait_frontal(steps)
        else:
            self._squat(repetitions)
        return self

    # -- helpers ---------------------------------------------------------------------------

    def _vis(self, parts: Sequence[str], side: Side | None, t_s: float) -> float:
        """Mean raw visibility of landmarks at the frame nearest ``t_s``."""
        i = min(max(round(t_s * self._raw.fps), 0), self._raw.n_frames - 1)
        names = [sided(side, q) if side else q for q in parts]
        return float(np.mean([self._raw.vis(n)[i] for n in names]))

    def _add(
        self,
        name: str,
        per_side: dict[Side, tuple[list[StepValue], list[float]]],
        what: str,
        *,
        sided_metric: bool = True,
        min_n: int | None = None,
        label: Callable[[float], str] | None = None,
    ) -> None:
        spec = self._ctx.content.metric(name)
        self.metrics_[name] = build_metric(
            spec, per_side, what, self._ctx, sided_metric=sided_metric, min_n=min_n, label=label
        )

    def _cadence(self, steps: Sequence[StepCheck]) -> None:
        """Cadence per step from successive kept contacts (60 / step time; 120 / stride time
        when the contact between them was rejected or missed). Rejected contacts are listed
        with their reason and no value; pairs across passes or with implausible times are
        rejected."""
        lo, hi = self._ctx.content.steps.step_s.get(self._task, (0.0, np.inf))
        per_side: dict[Side, tuple[list[StepValue], list[float]]] = {s: ([], []) for s in SIDES}
        ordered = sorted(steps, key=lambda c: c.stance.ic_s)
        for check in ordered:
            if not check.kept:
                side, t = check.stance.side, check.stance.ic_s
                per_side[side][0].append(StepValue(t, side, float("nan"), check.reason))
                per_side[side][1].append(self._vis(("heel", "foot_index"), side, t))
        for a, b in itertools.pairwise([c for c in ordered if c.kept]):
            dt = b.stance.ic_s - a.stance.ic_s
            n_steps = 1 if a.stance.side != b.stance.side else 2
            reason = None
            if a.pass_index != b.pass_index:
                reason = NOT_SIDE_ON
            elif not n_steps * lo <= dt <= n_steps * hi:
                reason = STEP_TIME
            side = b.stance.side
            value = 60.0 * n_steps / dt if dt > 0 else float("nan")
            per_side[side][0].append(StepValue(b.stance.ic_s, side, value, reason))
            per_side[side][1].append(self._vis(("heel", "foot_index"), side, b.stance.ic_s))
        self._add("cadence_spm", per_side, "steps", sided_metric=False)

    def _collect(
        self, steps: Sequence[StepCheck], fn: Callable[[Stance], float], parts: Sequence[str]
    ) -> dict[Side, tuple[list[StepValue], list[float]]]:
        out: dict[Side, tuple[list[StepValue], list[float]]] = {x: ([], []) for x in SIDES}
        for check in steps:
            st = check.stance
            out[st.side][0].append(StepValue(st.ic_s, st.side, fn(st), check.reason))
            out[st.side][1].append(self._vis(parts, st.side, st.ic_s))
        return out

    # -- running, side view ----------------------------------------------------------------

    def _gait_sagittal(self, steps: Sequence[StepCheck]) -> None:
        self._cadence(steps)
        fps, s = self._kp.fps, self._series
        hip_x = midpoint(self._kp, "hip")[:, 0]
        leg_parts = ("hip", "knee", "ankle")

        def collect(fn: Callable[[Stance], float], parts: Sequence[str]) -> dict[Side, Any]:
            return self._collect(steps, fn, parts)

        def knee_ic(st: Stance) -> float:
            return sample_at(s[f"knee_flexion_{st.side}_deg"], st.ic_s, fps)

        def knee_peak(st: Stance) -> float:
            if st.to_s is None:
                return float("nan")
            return _first_peak_between(s[f"knee_flexion_{st.side}_deg"], st.ic_s, st.to_s, fps)

        def overstride(st: Stance) -> float:
            heel = sample_at(self._kp.point(sided(st.side, "heel"))[:, 0], st.ic_s, fps)
            hip = sample_at(hip_x, st.ic_s, fps)
            face = float(self._facing[min(round(st.ic_s * fps), self._kp.n_frames - 1)])
            return (heel - hip) * face / self._leg

        def trunk(st: Stance) -> float:
            end = st.to_s if st.to_s is not None else st.ic_s
            i0, i1 = round(st.ic_s * fps), round(end * fps)
            seg = s["trunk_lean_deg"][i0 : i1 + 1]
            return float(np.mean(seg)) if seg.size and np.isfinite(seg).all() else float("nan")

        def foot(st: Stance) -> float:
            return sample_at(s[f"foot_angle_{st.side}_deg"], st.ic_s, fps)

        strike = self._ctx.content.foot_strike.classify
        self._add("knee_flexion_at_contact_deg", collect(knee_ic, leg_parts), "steps")
        self._add("knee_flexion_peak_stance_deg", collect(knee_peak, leg_parts), "steps")
        self._add("overstride_ratio", collect(overstride, ("heel", "hip")), "steps")
        self._add("trunk_lean_deg", collect(trunk, ("shoulder", "hip")), "steps")
        self._add(
            "foot_strike_angle_deg", collect(foot, ("heel", "foot_index")), "steps", label=strike
        )

    # -- running, posterior view -----------------------------------------------------------

    def _gait_frontal(self, steps: Sequence[StepCheck]) -> None:
        self._cadence(steps)
        fps, s, p = self._kp.fps, self._series, self._kp.point
        mids = [c for c in steps if c.stance.mid_s is not None]

        def collect(fn: Callable[[Stance, float], float], parts: Sequence[str]) -> Any:
            out: dict[Side, tuple[list[StepValue], list[float]]] = {x: ([], []) for x in SIDES}
            for check in mids:
                st = check.stance
                t = float(st.mid_s or 0.0)
                out[st.side][0].append(StepValue(t, st.side, fn(st, t), check.reason))
                out[st.side][1].append(self._vis(parts, None, t))
            return out

        def drop(st: Stance, t: float) -> float:
            return sample_at(s[f"pelvic_drop_{st.side}_stance_deg"], t, fps)

        def fppa(st: Stance, t: float) -> float:
            return sample_at(s[f"fppa_{st.side}_deg"], t, fps)

        def offset(st: Stance, t: float) -> float:
            side, other = st.side, _other(st.side)
            pts = [p(sided(side, j)) for j in ("knee", "ankle", "hip")] + [p(sided(other, "hip"))]
            i = min(max(round(t * fps), 0), self._kp.n_frames - 1)
            vals = kin.knee_medial_offset(*(q[i : i + 1] for q in pts))
            return float(vals[0])

        hips = ("left_hip", "right_hip")
        legs = ("left_hip", "left_knee", "left_ankle", "right_hip", "right_knee", "right_ankle")
        self._add("pelvic_drop_deg", collect(drop, hips), "stance phases")
        self._add("fppa_stance_deg", collect(fppa, legs), "stance phases")
        self._add("knee_medial_offset_ratio", collect(offset, legs), "stance phases")

    # -- single-leg squat / step-down ------------------------------------------------------

    def _squat(self, reps: Sequence[Repetition]) -> None:
        fps, s, p = self._kp.fps, self._series, self._kp.point
        legs = ("hip", "knee", "ankle")

        def collect(fn: Callable[[Repetition], float], parts: Sequence[str]) -> Any:
            out: dict[Side, tuple[list[StepValue], list[float]]] = {x: ([], []) for x in SIDES}
            for r in reps:
                out[r.stance_side][0].append(StepValue(r.peak_s, r.stance_side, fn(r)))
                out[r.stance_side][1].append(self._vis(parts, r.stance_side, r.peak_s))
            return out

        def fppa(r: Repetition) -> float:
            return sample_at(s[f"fppa_{r.stance_side}_deg"], r.peak_s, fps)

        def lean(r: Repetition) -> float:
            i = min(max(round(r.peak_s * fps), 0), self._kp.n_frames - 1)
            sl = slice(i, i + 1)
            stance, swing = p(sided(r.stance_side, "hip")), p(sided(_other(r.stance_side), "hip"))
            val = kin.lateral_trunk_lean_deg(
                midpoint(self._kp, "hip")[sl],
                midpoint(self._kp, "shoulder")[sl],
                stance[sl],
                swing[sl],
            )
            return float(val[0])

        counts = collect(lambda _r: 1.0, legs)
        self._add("repetitions", counts, "repetitions")
        for side in SIDES:  # the count itself, not the mean of ones
            self._count_override(side, len(counts[side][0]))
        self._add("fppa_deg", collect(fppa, legs), "repetitions")
        self._add("depth_ratio", collect(lambda r: r.depth_leg, legs), "repetitions")
        self._add("lateral_trunk_lean_deg", collect(lean, ("shoulder", "hip")), "repetitions")

    def _count_override(self, side: Side, count: int) -> None:
        metric = self.metrics_["repetitions"]
        value = metric.side(side)
        if value is None:
            return
        new = _with_value(value, float(count))
        total = sum(
            v.n for v in (metric.left, metric.right) if v is not None and v.withheld_reason is None
        )
        overall = _with_value(metric.overall, float(total))
        self.metrics_["repetitions"] = _replace_metric(metric, side, new, overall)


def _with_value(v: MetricValue, value: float) -> MetricValue:
    return replace(v, value=value, spread=None)


def _replace_metric(m: Metric, side: Side, value: MetricValue, overall: MetricValue) -> Metric:
    left = value if side == "left" else m.left
    right = value if side == "right" else m.right
    return replace(m, overall=overall, left=left, right=right)
