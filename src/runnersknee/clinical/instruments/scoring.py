"""Scoring one administration: item answers → an :class:`InstrumentScore`.

Answers are keyed by item id. A choice item takes an option id (``"none"``) or an integer
equal to the points of exactly one of its options; a scale item takes an integer (or a
string of digits) within its range. An absent key or ``None`` means "not answered".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.instruments.definition import Band, Instrument, Item
from runnersknee.clinical.instruments.results import InstrumentScore, format_points

__all__ = ["Answer", "score_answers", "score_for", "score_summary"]

Answer = int | str | None


def score_answers(instrument: Instrument, answers: Mapping[str, Answer]) -> InstrumentScore:
    """Score one administration of ``instrument``.

    Raises :class:`InvalidInput` for an unknown item id (allowed: the item ids) or an answer
    outside an item's options or range (allowed: that item's values). Too many missing items
    give ``total=None`` with the reason in ``interpretation``.
    """
    if not isinstance(answers, Mapping):
        raise InvalidInput(
            f"{instrument.id}: answers must be a mapping of item id to answer",
            field=instrument.id,
            allowed=list(instrument.item_ids),
            got=type(answers).__name__,
        )
    unknown = [key for key in answers if key not in instrument.item_ids]
    if unknown:
        raise InvalidInput(
            f"{instrument.id}: unknown item {unknown[0]!r}; "
            f"items are {', '.join(instrument.item_ids)}",
            field=f"{instrument.id}.{unknown[0]}",
            allowed=list(instrument.item_ids),
            got=unknown[0],
        )
    points: dict[str, float] = {}
    for item in instrument.items:
        answer = answers.get(item.id)
        if answer is not None:
            points[item.id] = _item_points(instrument, item, answer)
    missing = tuple(item_id for item_id in instrument.item_ids if item_id not in points)
    total, reason = _total(instrument, points)
    return _build_score(instrument, points, missing, total, reason)


def _item_points(instrument: Instrument, item: Item, answer: int | str) -> float:
    """The points one answer scores, reversed when the item is reverse-keyed."""
    raw = _choice_points(instrument, item, answer) if item.kind == "choice" else None
    if raw is None:
        raw = float(_scale_value(instrument, item, answer))
    if item.reverse:
        return item.lowest_points + item.highest_points - raw
    return raw


def _bad_answer(instrument: Instrument, item: Item, answer: object, why: str) -> InvalidInput:
    allowed = item.allowed_values
    return InvalidInput(
        f"{instrument.id}.{item.id}: {why} (got {answer!r}); allowed: {', '.join(allowed)}",
        field=f"{instrument.id}.{item.id}",
        allowed=list(allowed),
        got=answer,
    )


def _choice_points(instrument: Instrument, item: Item, answer: int | str) -> float:
    if isinstance(answer, str):
        for option in item.options:
            if option.id == answer:
                return option.points
        raise _bad_answer(instrument, item, answer, "unknown option")
    if isinstance(answer, int) and not isinstance(answer, bool):
        matches = [option for option in item.options if option.points == answer]
        if len(matches) == 1:
            return matches[0].points
        raise _bad_answer(instrument, item, answer, "no single option scores these points")
    raise _bad_answer(instrument, item, answer, "an option id is required")


def _scale_value(instrument: Instrument, item: Item, answer: int | str) -> int:
    value: int | None = None
    if isinstance(answer, int) and not isinstance(answer, bool):
        value = answer
    elif isinstance(answer, str) and answer.strip().lstrip("-").isdigit():
        value = int(answer.strip())
    if value is None:
        raise _bad_answer(instrument, item, answer, "a whole number is required")
    low, high = item.minimum, item.maximum
    if low is None or high is None or not low <= value <= high:
        raise _bad_answer(instrument, item, answer, "out of range")
    return value


def _total(instrument: Instrument, points: Mapping[str, float]) -> tuple[float | None, str]:
    """The total (or None) and, when None, the reason."""
    rule, count = instrument.missing_rule, len(instrument.items)
    answered = len(points)
    if instrument.scoring == "primary_item":
        primary = instrument.primary_item or ""
        if primary not in points:
            return None, f"not scored: the primary rating '{primary}' was not answered"
        return points[primary], ""
    if not rule.allows(answered, count):
        return None, (
            f"not scored: {answered} of {count} items answered; "
            f"the rule needs {rule.describe(count)}"
        )
    raw = sum(points.values())
    if instrument.scoring == "koos":
        item_max = instrument.items[0].highest_points
        return 100.0 - (raw / answered) * 100.0 / item_max, ""
    return raw * count / answered, ""


def _build_score(
    instrument: Instrument,
    points: Mapping[str, float],
    missing: tuple[str, ...],
    total: float | None,
    reason: str,
) -> InstrumentScore:
    band = instrument.band_for(total) if total is not None else None
    subscores = dict(points) if instrument.scoring == "primary_item" else {}
    return InstrumentScore(
        instrument_id=instrument.id,
        version=instrument.version,
        total=total,
        minimum=instrument.minimum,
        maximum=instrument.maximum,
        band=band.id if band else None,
        band_label=band.label if band else None,
        interpretation=reason or _describe(instrument, points, total, band, missing),
        answered_items=len(points),
        total_items=len(instrument.items),
        complete=not missing,
        missing_items=missing,
        subscores=subscores,
        item_points=points,
        citation_ids=instrument.citation_ids + (band.citation_ids if band else ()),
    )


def _describe(
    instrument: Instrument,
    points: Mapping[str, float],
    total: float | None,
    band: Band | None,
    missing: tuple[str, ...],
) -> str:
    value = 0.0 if total is None else total
    better = "higher is better" if instrument.higher_is_better else "lower is better"
    text = (
        f"{instrument.label} {format_points(value)} "
        f"({format_points(instrument.minimum)}–{format_points(instrument.maximum)}, {better})"
    )
    if instrument.scoring == "primary_item":
        ratings = ", ".join(f"{key} {format_points(val)}" for key, val in points.items())
        text += f"; total is '{instrument.primary_item}'; ratings: {ratings}"
    if len(instrument.items) == 1 and instrument.items[0].kind == "choice":
        text += f": {_chosen_label(instrument.items[0], value)}"
    if band is not None:
        text += f"; {band.label}"
    if missing and instrument.scoring != "primary_item":
        text += (
            f"; {len(missing)} item(s) missing ({', '.join(missing)}), "
            f"{instrument.missing_rule.describe(len(instrument.items))}"
        )
    return text


def _chosen_label(item: Item, value: float) -> str:
    for option in item.options:
        if option.points == value:
            return option.label
    return ""


def score_for(
    instruments: Mapping[str, Instrument],
    instrument_id: str,
    answers: Mapping[str, Answer],
    version: str | None = None,
) -> InstrumentScore:
    """Score answers for the instrument named ``instrument_id`` (e.g. from a case file).

    An unknown instrument id, or a ``version`` other than the loaded one, raises
    :class:`InvalidInput` listing the allowed values.
    """
    instrument = instruments.get(instrument_id)
    if instrument is None:
        raise InvalidInput(
            f"unknown questionnaire {instrument_id!r}; known: {', '.join(sorted(instruments))}",
            field="instrument",
            allowed=sorted(instruments),
            got=instrument_id,
        )
    if version is not None and version != instrument.version:
        raise InvalidInput(
            f"{instrument_id}: version {version!r} is not the loaded {instrument.version!r}",
            field=f"{instrument_id}.version",
            allowed=[instrument.version],
            got=version,
        )
    return score_answers(instrument, answers)


def score_summary(score: InstrumentScore) -> dict[str, Any]:
    """Stable, JSON-ready keys for one score (used by CLI/API output)."""
    return {
        "instrument": score.instrument_id,
        "version": score.version,
        "total": score.total,
        "min": score.minimum,
        "max": score.maximum,
        "band": score.band,
        "band_label": score.band_label,
        "interpretation": score.interpretation,
        "complete": score.complete,
        "answered_items": score.answered_items,
        "total_items": score.total_items,
        "missing_items": list(score.missing_items),
        "subscores": dict(score.subscores),
        "citations": list(score.citation_ids),
    }
