"""The change between two scores, judged against the instrument's MDC and MCID (KB 9.1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.instruments.definition import Instrument, Threshold
from runnersknee.clinical.instruments.results import InstrumentScore, ScoreChange, format_points

__all__ = ["CHANGE_TOLERANCE", "change_summary", "interpret_change"]

#: Changes within this many points of a threshold count as reaching it (float rounding).
CHANGE_TOLERANCE = 1e-9


def interpret_change(
    instrument: Instrument, before: InstrumentScore, after: InstrumentScore
) -> ScoreChange:
    """Judge the change from ``before`` to ``after`` against the instrument's MDC and MCID.

    A change reaches a threshold when |after − before| ≥ threshold (within
    :data:`CHANGE_TOLERANCE`); the direction respects ``higher_is_better``. Scores of another
    instrument or version raise :class:`InvalidInput`.
    """
    for label, score in (("before", before), ("after", after)):
        if score.instrument_id != instrument.id:
            raise InvalidInput(
                f"{label} score is for {score.instrument_id!r}, not {instrument.id!r}",
                field=f"{label}.instrument_id",
                allowed=[instrument.id],
                got=score.instrument_id,
            )
        if score.version != instrument.version:
            raise InvalidInput(
                f"{label} score uses version {score.version!r}; thresholds belong to "
                f"{instrument.version!r}",
                field=f"{label}.version",
                allowed=[instrument.version],
                got=score.version,
            )
    subscore_deltas = {
        key: after.subscores[key] - value
        for key, value in before.subscores.items()
        if key in after.subscores
    }
    if before.total is None or after.total is None:
        return ScoreChange(
            instrument_id=instrument.id,
            before=before.total,
            after=after.total,
            delta=None,
            improved=None,
            direction="unknown",
            exceeds_mdc=None,
            exceeds_mcid=None,
            mdc_points=None,
            mcid_points=None,
            interpretation=f"{instrument.label}: change unknown, a score is missing a total",
            citation_ids=instrument.citation_ids,
            subscore_deltas=subscore_deltas,
        )
    return _judge(instrument, before.total, after.total, subscore_deltas)


def _reaches(delta: float, threshold: float | None) -> bool | None:
    if threshold is None:
        return None
    return abs(delta) >= threshold - CHANGE_TOLERANCE


def _judge(
    instrument: Instrument, before: float, after: float, subscore_deltas: Mapping[str, float]
) -> ScoreChange:
    delta = after - before
    gain = delta if instrument.higher_is_better else -delta
    if abs(gain) <= CHANGE_TOLERANCE:
        direction = "unchanged"
    else:
        direction = "improved" if gain > 0 else "worse"
    mdc = instrument.mdc.points_for(before) if instrument.mdc else None
    applies = instrument.published_wording
    mcid = instrument.mcid.points_for(before) if instrument.mcid and applies else None
    citations: list[str] = []
    for threshold in (instrument.mdc, instrument.mcid if applies else None):
        if threshold is not None:
            citations.extend(c for c in threshold.citation_ids if c not in citations)
    change = ScoreChange(
        instrument_id=instrument.id,
        before=before,
        after=after,
        delta=delta,
        improved=direction == "improved",
        direction=direction,
        exceeds_mdc=_reaches(delta, mdc),
        exceeds_mcid=_reaches(delta, mcid),
        mdc_points=mdc,
        mcid_points=mcid,
        interpretation="",
        citation_ids=tuple(citations) or instrument.citation_ids,
        subscore_deltas=subscore_deltas,
    )
    object.__setattr__(change, "interpretation", _change_text(instrument, change))
    return change


def _threshold_text(
    name: str, threshold: Threshold | None, points: float | None, reached: bool | None
) -> str:
    if threshold is None or points is None:
        return f"{name} not established"
    flag = "" if threshold.verified else " (unverified default)"
    verdict = "reaches" if reached else "below"
    return f"{verdict} {name} {format_points(points)}{flag} [{', '.join(threshold.citation_ids)}]"


def _verdict(change: ScoreChange) -> str:
    """Clinically important only beyond the MDC and at the MCID; inside the MDC it is error."""
    kind = "improvement" if change.direction == "improved" else "worsening"
    if change.exceeds_mdc is False:
        return "within measurement error"
    if change.exceeds_mcid and change.exceeds_mdc:
        return f"clinically important {kind}"
    if change.exceeds_mcid:
        return "reaches the MCID, but no MDC is established, so measurement error is not excluded"
    if change.exceeds_mdc:
        return f"real {kind} (beyond measurement error), below the MCID"
    return ""


def _change_text(instrument: Instrument, change: ScoreChange) -> str:
    delta = change.delta or 0.0
    before, after = change.before or 0.0, change.after or 0.0
    head = (
        f"{instrument.label} {format_points(before)} → {format_points(after)} "
        f"({'+' if delta >= 0 else '−'}{format_points(abs(delta))}): {change.direction}"
    )
    if change.direction == "unchanged":
        return head
    mdc = _threshold_text("MDC", instrument.mdc, change.mdc_points, change.exceeds_mdc)
    if instrument.mcid is not None and not instrument.published_wording:
        mcid = "MCID not applied: this wording is not the published form"
    else:
        mcid = _threshold_text("MCID", instrument.mcid, change.mcid_points, change.exceeds_mcid)
    text = f"{head}; {mdc}; {mcid}"
    verdict = _verdict(change)
    if verdict:
        text += f"; {verdict}"
    if change.subscore_deltas:
        parts = ", ".join(f"{key} {val:+g}" for key, val in change.subscore_deltas.items())
        text += f"; rating changes: {parts}"
    return text


def change_summary(change: ScoreChange) -> dict[str, Any]:
    """Stable, JSON-ready keys for one change."""
    return {
        "instrument": change.instrument_id,
        "before": change.before,
        "after": change.after,
        "delta": change.delta,
        "direction": change.direction,
        "improved": change.improved,
        "exceeds_mdc": change.exceeds_mdc,
        "exceeds_mcid": change.exceeds_mcid,
        "mdc": change.mdc_points,
        "mcid": change.mcid_points,
        "interpretation": change.interpretation,
        "subscore_deltas": dict(change.subscore_deltas),
        "citations": list(change.citation_ids),
    }
