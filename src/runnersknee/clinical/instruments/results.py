"""The results of scoring: one administration's score, and the change between two.

Both are frozen; their mappings are read-only views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["InstrumentScore", "ScoreChange", "format_points"]


def _frozen(values: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(values))


def format_points(value: float) -> str:
    """Up to two decimals, no trailing zeros: 80, 62.5, 1.16."""
    return f"{value + 0.0:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class InstrumentScore:
    """The result of scoring one administration.

    ``total`` is None when too many items are missing (``interpretation`` says why) and,
    for NPRS, holds the primary rating (worst pain last week); ``subscores`` then hold each
    rating. ``complete`` is True only when every item was answered.
    """

    instrument_id: str
    version: str
    total: float | None
    minimum: float
    maximum: float
    band: str | None
    interpretation: str
    answered_items: int
    total_items: int
    complete: bool
    citation_ids: tuple[str, ...]
    band_label: str | None = None
    missing_items: tuple[str, ...] = ()
    subscores: Mapping[str, float] = field(default_factory=dict)
    item_points: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "subscores", _frozen(self.subscores))
        object.__setattr__(self, "item_points", _frozen(self.item_points))


@dataclass(frozen=True, slots=True)
class ScoreChange:
    """The change between two scores of one instrument, judged against its MDC and MCID.

    ``delta`` is after − before in scale points. ``direction`` is "improved", "worse",
    "unchanged" or "unknown" (a total is missing) and respects ``higher_is_better``.
    ``exceeds_*`` mean |delta| reaches or exceeds the threshold; None when the threshold
    is not established or a total is missing.
    """

    instrument_id: str
    before: float | None
    after: float | None
    delta: float | None
    improved: bool | None
    direction: str
    exceeds_mdc: bool | None
    exceeds_mcid: bool | None
    mdc_points: float | None
    mcid_points: float | None
    interpretation: str
    citation_ids: tuple[str, ...]
    subscore_deltas: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "subscore_deltas", _frozen(self.subscore_deltas))
