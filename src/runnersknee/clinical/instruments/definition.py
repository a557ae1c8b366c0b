"""What a scored questionnaire (PROM) is: items, options, missing-item rule, bands, thresholds.

An :class:`Instrument` checks its own consistency when built (points add up to the stated
range, bands cover the range without gaps, rules fit the scoring method) and raises
:class:`~runnersknee.clinical.errors.ContentError` otherwise, because instruments come
from content files.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Literal

from runnersknee.clinical.errors import ContentError

__all__ = [
    "Band",
    "EntryMode",
    "Instrument",
    "Item",
    "ItemKind",
    "MissingMethod",
    "MissingRule",
    "Option",
    "ScoringMethod",
    "Threshold",
    "ThresholdBasis",
]

ItemKind = Literal["choice", "scale"]
#: ``sum``: add the item points; ``koos``: 100 − mean × 100 / item maximum (KOOS method);
#: ``primary_item``: no summed total, ``total`` is the primary item (NPRS worst pain).
ScoringMethod = Literal["sum", "koos", "primary_item"]
#: ``none``: no imputation; ``prorate``: sum × items / answered; ``mean``: mean of answered.
MissingMethod = Literal["none", "prorate", "mean"]
#: ``points``: a fixed number of scale points; ``percent_of_before``: a percentage of the
#: earlier ("before") total, e.g. TSK-11 MDC ≈ 16 % of score.
ThresholdBasis = Literal["points", "percent_of_before"]
#: ``portal``: patients may fill it in themselves (wording shipped with the software);
#: ``paper_form``: a clinician enters the answers from the official paper form; the software
#: ships no item wording and the instrument is never offered in the portal.
EntryMode = Literal["portal", "paper_form"]


@dataclass(frozen=True, slots=True)
class Option:
    """One answer of a choice item: a stable slug, the label shown, the points it scores."""

    id: str
    label: str
    points: float


@dataclass(frozen=True, slots=True)
class Item:
    """One question. ``choice`` items list their options; ``scale`` items take an integer.

    ``minimum_label``/``maximum_label`` are the anchor words of a scale (e.g. "no pain").
    ``reverse`` marks an item whose points run against the total (score = min + max − x).
    """

    id: str
    text: str
    kind: ItemKind
    options: tuple[Option, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    minimum_label: str = ""
    maximum_label: str = ""
    reverse: bool = False

    def __post_init__(self) -> None:
        if not self.id or not self.text:
            raise ContentError("an item needs an id and a text", item=self.id)
        if self.kind == "choice":
            self._check_choice()
        elif self.kind == "scale":
            self._check_scale()
        else:
            raise ContentError(f"item {self.id}: unknown kind {self.kind!r}", item=self.id)

    def _check_choice(self) -> None:
        if len(self.options) < 2:
            raise ContentError(f"item {self.id}: a choice item needs at least two options")
        ids = [option.id for option in self.options]
        if len(set(ids)) != len(ids) or not all(ids):
            raise ContentError(f"item {self.id}: option ids must be unique and non-empty")
        if self.minimum is not None or self.maximum is not None:
            raise ContentError(f"item {self.id}: a choice item takes no minimum/maximum")

    def _check_scale(self) -> None:
        if self.options:
            raise ContentError(f"item {self.id}: a scale item takes no options")
        if self.minimum is None or self.maximum is None or self.minimum >= self.maximum:
            raise ContentError(f"item {self.id}: a scale item needs minimum < maximum")

    @property
    def lowest_points(self) -> float:
        """The fewest points this item can score."""
        if self.kind == "choice":
            return min(option.points for option in self.options)
        return float(self.minimum or 0)

    @property
    def highest_points(self) -> float:
        """The most points this item can score."""
        if self.kind == "choice":
            return max(option.points for option in self.options)
        return float(self.maximum or 0)

    @property
    def allowed_values(self) -> tuple[str, ...]:
        """What an answer may be, as shown in error messages and forms."""
        if self.kind == "choice":
            return tuple(option.id for option in self.options)
        return (f"integer {self.minimum}..{self.maximum}",)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A change threshold (MDC or MCID) with its source and verification status."""

    value: float
    citation_ids: tuple[str, ...]
    verified: bool
    basis: ThresholdBasis = "points"
    note: str = ""

    def __post_init__(self) -> None:
        if not math.isfinite(self.value) or self.value <= 0:
            raise ContentError(f"threshold value must be a positive number, got {self.value}")
        if self.basis not in ("points", "percent_of_before"):
            raise ContentError(f"unknown threshold basis {self.basis!r}")

    def points_for(self, before_total: float) -> float:
        """The threshold in scale points for a change starting at ``before_total``."""
        if self.basis == "percent_of_before":
            return abs(before_total) * self.value / 100.0
        return self.value


@dataclass(frozen=True, slots=True)
class MissingRule:
    """How many items may be left out before a score is withheld, and how gaps are filled.

    Both limits apply when both are given: at most ``max_missing`` items missing and at least
    ``min_fraction`` of the items answered. At least one item must always be answered.
    """

    method: MissingMethod
    citation_ids: tuple[str, ...]
    verified: bool
    max_missing: int | None = None
    min_fraction: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.method not in ("none", "prorate", "mean"):
            raise ContentError(f"unknown missing-item method {self.method!r}")
        if self.max_missing is None and self.min_fraction is None:
            raise ContentError("a missing-item rule needs max_missing or min_fraction")
        if self.max_missing is not None and self.max_missing < 0:
            raise ContentError("max_missing must be zero or more")
        if self.min_fraction is not None and not 0 < self.min_fraction <= 1:
            raise ContentError("min_fraction must lie in (0, 1]")

    def allows(self, answered: int, total: int) -> bool:
        """True when ``answered`` of ``total`` items are enough to score."""
        if answered < 1:
            return False
        if self.max_missing is not None and total - answered > self.max_missing:
            return False
        return self.min_fraction is None or answered / total >= self.min_fraction

    def describe(self, total: int) -> str:
        """A plain-language statement of the rule for ``total`` items."""
        parts: list[str] = []
        if self.max_missing is not None:
            parts.append(f"at most {self.max_missing} of {total} items missing")
        if self.min_fraction is not None:
            needed = math.ceil(self.min_fraction * total - 1e-9)
            parts.append(f"at least {needed} of {total} items answered")
        how = {
            "none": "no imputation",
            "prorate": "the sum is prorated to all items",
            "mean": "the mean of the answered items is used",
        }[self.method]
        return f"{' and '.join(parts)}; {how}"


@dataclass(frozen=True, slots=True)
class Band:
    """A labelled range of totals (inclusive edges), e.g. TSK-11 "moderate" 29–35."""

    id: str
    label: str
    minimum: float
    maximum: float
    citation_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.minimum > self.maximum:
            raise ContentError(f"band {self.id}: minimum above maximum")


@dataclass(frozen=True, slots=True)
class Instrument:
    """A scored questionnaire: its items, scoring method, rules, bands and thresholds."""

    id: str
    name: str
    version: str
    items: tuple[Item, ...]
    scoring: ScoringMethod
    minimum: float
    maximum: float
    higher_is_better: bool
    missing_rule: MissingRule
    citation_ids: tuple[str, ...]
    source: str
    licence_note: str
    text_verified: bool
    scoring_verified: bool = True
    short_name: str = ""
    instructions: str = ""
    primary_item: str | None = None
    bands: tuple[Band, ...] = ()
    mdc: Threshold | None = None
    mcid: Threshold | None = None
    review_notes: tuple[str, ...] = ()
    entry: EntryMode = "portal"
    #: The item wording shipped is the project's paraphrase of a published form.
    paraphrased: bool = False

    def __post_init__(self) -> None:
        ids = [item.id for item in self.items]
        if self.entry not in ("portal", "paper_form"):
            raise ContentError(f"instrument {self.id}: unknown entry {self.entry!r}")
        if not self.items or len(set(ids)) != len(ids):
            raise ContentError(f"instrument {self.id}: item ids must be unique and non-empty")
        if self.minimum >= self.maximum:
            raise ContentError(f"instrument {self.id}: minimum must be below maximum")
        _check_scoring(self)
        _check_bands(self)

    @property
    def published_wording(self) -> bool:
        """True unless the shipped wording paraphrases a published form (paper form: published).

        A paraphrased item set is a different instrument: its changes are not read against
        the published MCID.
        """
        return self.entry == "paper_form" or not self.paraphrased

    @property
    def label(self) -> str:
        """The short name if given, else the full name."""
        return self.short_name or self.name

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Item ids in form order."""
        return tuple(item.id for item in self.items)

    def item(self, item_id: str) -> Item:
        """The item with this id (ContentError when absent: a content bug)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise ContentError(f"instrument {self.id} has no item {item_id!r}")

    def band_for(self, total: float) -> Band | None:
        """The band holding ``total``: the last band whose minimum is at or below it.

        A prorated total between two integer edges (e.g. 22.5) falls in the lower band.
        """
        found: Band | None = None
        for band in self.bands:
            if band.minimum <= total:
                found = band
        return found


def _check_scoring(instrument: Instrument) -> None:
    where = f"instrument {instrument.id}"
    rule, items = instrument.missing_rule, instrument.items
    low = sum(item.lowest_points for item in items)
    high = sum(item.highest_points for item in items)
    if instrument.scoring == "sum":
        if not (math.isclose(low, instrument.minimum) and math.isclose(high, instrument.maximum)):
            raise ContentError(
                f"{where}: item points span {low:g}..{high:g}, "
                f"not the stated {instrument.minimum:g}..{instrument.maximum:g}"
            )
        if rule.allows(len(items) - 1, len(items)) and rule.method != "prorate":
            raise ContentError(f"{where}: a sum score with missing items must be prorated")
    elif instrument.scoring == "koos":
        spans = {(item.lowest_points, item.highest_points) for item in items}
        if len(spans) != 1 or next(iter(spans))[0] != 0 or next(iter(spans))[1] <= 0:
            raise ContentError(f"{where}: KOOS items must all score 0..the same maximum")
        if (instrument.minimum, instrument.maximum) != (0, 100) or rule.method != "mean":
            raise ContentError(f"{where}: a KOOS score runs 0..100 and averages answered items")
    elif instrument.scoring == "primary_item":
        primary = instrument.item(instrument.primary_item or "")
        if (primary.lowest_points, primary.highest_points) != (
            instrument.minimum,
            instrument.maximum,
        ):
            raise ContentError(f"{where}: the primary item must span the instrument's range")
        if rule.method != "none":
            raise ContentError(f"{where}: ratings scored one by one take no imputation")
    else:
        raise ContentError(f"{where}: unknown scoring method {instrument.scoring!r}")


def _check_bands(instrument: Instrument) -> None:
    """Bands sorted, no overlap, no gap wider than one point, covering the whole range."""
    bands = instrument.bands
    if not bands:
        return
    where = f"instrument {instrument.id}"
    if len({band.id for band in bands}) != len(bands):
        raise ContentError(f"{where}: band ids must be unique")
    if bands[0].minimum != instrument.minimum or bands[-1].maximum != instrument.maximum:
        raise ContentError(f"{where}: bands must start at the minimum and end at the maximum")
    for lower, upper in itertools.pairwise(bands):
        step = upper.minimum - lower.maximum
        if not 0 < step <= 1:
            raise ContentError(
                f"{where}: bands {lower.id} and {upper.id} overlap or leave a gap "
                f"({lower.maximum:g} → {upper.minimum:g})"
            )
