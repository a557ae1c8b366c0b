"""Per-frame angle series, the camera-view check and the per-step / per-repetition metrics.

Each metric is the mean, SD and count of per-step values, per side; it is withheld (value
null, ``withheld_reason`` set) when the view check fails, too few steps or repetitions are
valid, or its landmarks are poorly visible. Thresholds come from content
(``content/data/gait/measurement_error.toml``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from runnersknee.content.gait import GaitContent, load_gait_content
from runnersknee.gait import kinematics as kin
from runnersknee.gait.events import Repetition, Stance, leg_length_px, midpoint, refine_extremum
from runnersknee.gait.keypoints import SIDES, KeypointSeries, Side, sided
from runnersknee.gait.result import Confidence, Metric, MetricValue, ViewCheck

__all__ = ["MetricCalculation", "angle_series", "check_view", "sample_at"]

Array = NDArray[np.float64]


def _other(side: Side) -> Side:
    return "right" if side == "left" else "left"


def angle_series(kp: KeypointSeries, view: str, facing: float) -> dict[str, Array]:
    """Per-frame angles (degrees) for plots and CSV; names carry side and unit."""
    p = kp.point
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
            midpoint(kp, "hip"), midpoint(kp, "shoulder"), facing or 1.0
        )
        for side in SIDES:
            out[f"foot_angle_{side}_deg"] = kin.foot_angle_deg(
                p(sided(side, "heel")), p(sided(side, "foot_index")), facing or 1.0
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
        stances: Sequence[Stance] = (),
        repetitions: Sequence[Repetition] = (),
        facing: float = 1.0,
        view_check: ViewCheck,
    ) -> Self:
        """Compute every metric that applies to ``view`` and ``task``; return self."""
        self._content = self.content or load_gait_content()
        self._kp, self._raw, self._view_ok = filtered, raw, view_check.ok
        self._view_reason = (
            f"the footage looks {view_check.looks_like} "
            f"(width ratio {view_check.width_ratio:.2f}); this metric needs a {view} view"
        )
        self._series = angle_series(filtered, view, facing)
        self._leg = leg_length_px(filtered)
        self._facing = facing or 1.0
        self.metrics_: dict[str, Metric] = {}
        if task == "run" and view == "sagittal":
            self._running_sagittal(stances)
        elif task == "run":
            self._running_frontal(stances)
        else:
            self._squat(repetitions)
        return self

    # -- helpers ---------------------------------------------------------------------------

    def _vis(self, parts: Sequence[str], side: Side | None, t_s: float) -> float:
        """Mean raw visibility of landmarks at the frame nearest ``t_s``."""
        i = min(max(round(t_s * self._raw.fps), 0), self._raw.n_frames - 1)
        names = [sided(side, q) if side else q for q in parts]
        return float(np.mean([self._raw.vis(n)[i] for n in names]))

    def _value(
        self,
        values: Sequence[float],
        vis: Sequence[float],
        min_n: int,
        what: str,
        label: Callable[[float], str] | None = None,
        *,
        harmonic: bool = False,
    ) -> MetricValue:
        pairs = [(v, w) for v, w in zip(values, vis, strict=True) if np.isfinite(v)]
        vals = tuple(float(v) for v, _ in pairs)
        visibility = float(np.mean([w for _, w in pairs])) if pairs else 0.0
        conf = Confidence(visibility, len(vals), min_n, self._view_ok)
        reason = None
        if not self._view_ok:
            reason = self._view_reason
        elif len(vals) < min_n:
            reason = f"only {len(vals)} valid {what}; at least {min_n} needed"
        elif visibility < self._content.confidence.min_visibility:
            reason = (
                f"landmarks poorly visible (mean visibility {visibility:.2f} < "
                f"{self._content.confidence.min_visibility})"
            )
        if not vals:
            mean = None
        elif harmonic:  # rates: the rate of the mean interval, not the mean of rates
            mean = float(len(vals) / np.sum(1.0 / np.asarray(vals)))
        else:
            mean = float(np.mean(vals))
        sd = float(np.std(vals, ddof=1)) if len(vals) > 1 else None
        return MetricValue(
            value=mean,
            sd=sd,
            n=len(vals),
            per_step=vals,
            confidence=conf,
            withheld_reason=reason,
            label=label(mean) if (label and mean is not None) else None,
        )

    def _add(
        self,
        name: str,
        per_side: dict[Side, tuple[list[float], list[float]]],
        what: str,
        *,
        sided_metric: bool = True,
        min_n: int | None = None,
        label: Callable[[float], str] | None = None,
        harmonic: bool = False,
    ) -> None:
        spec = self._content.metric(name)
        need = spec.min_count if min_n is None else min_n
        sides: dict[Side, MetricValue] = {}
        if sided_metric:
            for side, (vals, vis) in per_side.items():
                sides[side] = self._value(
                    vals, vis, need, f"{what} on the {side} side", label, harmonic=harmonic
                )
        pooled_vals: list[float] = []
        pooled_vis: list[float] = []
        for side, (vals, vis) in per_side.items():
            if sided_metric and sides[side].withheld_reason is not None:
                continue
            pooled_vals += vals
            pooled_vis += vis
        overall = self._value(pooled_vals, pooled_vis, need, what, label, harmonic=harmonic)
        if (
            sided_metric
            and overall.withheld_reason
            and all(v.withheld_reason for v in sides.values())
        ):
            reasons = sorted({str(v.withheld_reason) for v in sides.values()})
            overall = _with_reason(overall, "; ".join(reasons))
        self.metrics_[name] = Metric(
            name=name,
            unit=spec.unit,
            description=spec.description,
            convention=spec.convention,
            citation_ids=spec.citation_ids,
            bands=spec.bands,
            overall=overall,
            left=sides.get("left"),
            right=sides.get("right"),
            reference=spec.reference,
        )

    # -- running, side view ----------------------------------------------------------------

    def _cadence(self, stances: Sequence[Stance]) -> None:
        ics = sorted(stances, key=lambda s: s.ic_s)
        per_side: dict[Side, tuple[list[float], list[float]]] = {s: ([], []) for s in SIDES}
        steps = [(a, b) for a, b in itertools.pairwise(ics) if a.side != b.side]
        if steps:
            dts = np.array([b.ic_s - a.ic_s for a, b in steps])
            med = float(np.median(dts))
            for (_, b), dt in zip(steps, dts, strict=True):
                if 0.5 * med <= dt <= 1.5 * med:
                    per_side[b.side][0].append(60.0 / dt)
                    per_side[b.side][1].append(self._vis(("heel", "foot_index"), b.side, b.ic_s))
        else:  # one foot only: cadence = 2 steps per stride
            for side in SIDES:
                mine = [s for s in ics if s.side == side]
                for a, b in itertools.pairwise(mine):
                    per_side[side][0].append(120.0 / (b.ic_s - a.ic_s))
                    per_side[side][1].append(self._vis(("heel", "foot_index"), side, b.ic_s))
        self._add("cadence_spm", per_side, "steps", sided_metric=False, harmonic=True)

    def _running_sagittal(self, stances: Sequence[Stance]) -> None:
        self._cadence(stances)
        fps, s = self._kp.fps, self._series
        hip_x = midpoint(self._kp, "hip")[:, 0]
        leg_parts = ("hip", "knee", "ankle")

        def collect(fn: Callable[[Stance], float], parts: Sequence[str]) -> dict[Side, Any]:
            out: dict[Side, tuple[list[float], list[float]]] = {x: ([], []) for x in SIDES}
            for st in stances:
                out[st.side][0].append(fn(st))
                out[st.side][1].append(self._vis(parts, st.side, st.ic_s))
            return out

        def knee_ic(st: Stance) -> float:
            return sample_at(s[f"knee_flexion_{st.side}_deg"], st.ic_s, fps)

        def knee_peak(st: Stance) -> float:
            if st.to_s is None:
                return float("nan")
            return _first_peak_between(s[f"knee_flexion_{st.side}_deg"], st.ic_s, st.to_s, fps)

        def overstride(st: Stance) -> float:
            heel = sample_at(self._kp.point(sided(st.side, "heel"))[:, 0], st.ic_s, fps)
            hip = sample_at(hip_x, st.ic_s, fps)
            return (heel - hip) * self._facing / self._leg

        def trunk(st: Stance) -> float:
            end = st.to_s if st.to_s is not None else st.ic_s
            i0, i1 = round(st.ic_s * fps), round(end * fps)
            seg = s["trunk_lean_deg"][i0 : i1 + 1]
            return float(np.mean(seg)) if seg.size and np.isfinite(seg).all() else float("nan")

        def foot(st: Stance) -> float:
            return sample_at(s[f"foot_angle_{st.side}_deg"], st.ic_s, fps)

        strike = self._content.foot_strike.classify
        self._add("knee_flexion_at_contact_deg", collect(knee_ic, leg_parts), "steps")
        self._add("knee_flexion_peak_stance_deg", collect(knee_peak, leg_parts), "steps")
        self._add("overstride_ratio", collect(overstride, ("heel", "hip")), "steps")
        self._add("trunk_lean_deg", collect(trunk, ("shoulder", "hip")), "steps")
        self._add(
            "foot_strike_angle_deg", collect(foot, ("heel", "foot_index")), "steps", label=strike
        )

    # -- running, posterior view -----------------------------------------------------------

    def _running_frontal(self, stances: Sequence[Stance]) -> None:
        self._cadence(stances)
        fps, s, p = self._kp.fps, self._series, self._kp.point
        mids = [st for st in stances if st.mid_s is not None]

        def collect(fn: Callable[[Stance, float], float], parts: Sequence[str]) -> Any:
            out: dict[Side, tuple[list[float], list[float]]] = {x: ([], []) for x in SIDES}
            for st in mids:
                t = float(st.mid_s or 0.0)
                out[st.side][0].append(fn(st, t))
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
            out: dict[Side, tuple[list[float], list[float]]] = {x: ([], []) for x in SIDES}
            for r in reps:
                out[r.stance_side][0].append(fn(r))
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


def _with_reason(v: MetricValue, reason: str) -> MetricValue:
    return MetricValue(v.value, v.sd, v.n, v.per_step, v.confidence, reason, v.label)


def _with_value(v: MetricValue, value: float) -> MetricValue:
    return MetricValue(value, None, v.n, v.per_step, v.confidence, v.withheld_reason, v.label)


def _replace_metric(m: Metric, side: Side, value: MetricValue, overall: MetricValue) -> Metric:
    left = value if side == "left" else m.left
    right = value if side == "right" else m.right
    return Metric(
        m.name,
        m.unit,
        m.description,
        m.convention,
        m.citation_ids,
        m.bands,
        overall,
        left,
        right,
        m.reference,
    )
