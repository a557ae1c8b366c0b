"""The stored plan document: the typed form of one plan version's JSON (``plan_version.data``).

Use cases read and change a plan through :class:`PlanDocument`; every change returns a new
document and leaves the old one as it was. The JSON maps both ways at the store boundary
(:meth:`PlanDocument.from_json`, :meth:`PlanDocument.to_json`) key for key and in the same key
order, so a stored version writes back byte for byte and an edit changes only the keys it
names (a new key goes last, as the in-place edits before it did): existing rows, the JSON API,
FHIR export, PDF reports and the golden files see the same JSON.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from runnersknee.clinical.errors import NotFound
from runnersknee.store.mapping import JSONObject, JSONValue

__all__ = [
    "PlanComponentDoc",
    "PlanDocument",
    "PlanItemDoc",
    "RunningHold",
    "json_objects",
]

_ITEMS = "items"
_COMPONENTS = "components"


def json_objects(value: JSONValue | None) -> list[JSONObject]:
    """The objects of a JSON list (anything else: none)."""
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, dict)]


def _frozen(data: Mapping[str, JSONValue]) -> Mapping[str, JSONValue]:
    return MappingProxyType(copy.deepcopy(dict(data)))


def _text_or_none(value: JSONValue | None) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: JSONValue | None) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class PlanItemDoc:
    """One item of a stored plan (a library exercise or a piece of advice)."""

    fields: Mapping[str, JSONValue]

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> PlanItemDoc:
        """The item of a stored plan's JSON (copied: the document never shares it)."""
        return cls(_frozen(data))

    def to_json(self) -> JSONObject:
        """The stored JSON form (a new dict each time)."""
        return copy.deepcopy(dict(self.fields))

    def replaced(self, **values: JSONValue) -> PlanItemDoc:
        """This item with ``values`` set (a key it lacks goes last)."""
        return PlanItemDoc(_frozen({**self.fields, **values}))

    @property
    def id(self) -> str | None:
        """The item's id in the plan (``<component>:<exercise id>`` for generated items)."""
        return _text_or_none(self.fields.get("id"))

    @property
    def exercise_id(self) -> str | None:
        """The library exercise, or ``None`` for advice."""
        return _text_or_none(self.fields.get("exercise_id"))

    @property
    def title(self) -> str | None:
        """The item's title."""
        return _text_or_none(self.fields.get("title"))

    @property
    def component(self) -> str | None:
        """The component the item was added to (items added or stepped by hand say it)."""
        return _text_or_none(self.fields.get("component"))

    @property
    def clinician_note(self) -> str:
        """The clinician's note for the patient (empty without one)."""
        return str(self.fields.get("clinician_note") or "")

    @property
    def side(self) -> str:
        """The leg of a structured dose (empty when the dose does not name one)."""
        dose_fields = self.fields.get("dose_fields")
        if not isinstance(dose_fields, dict):
            return ""
        return str(dose_fields.get("side") or "")


@dataclass(frozen=True, slots=True)
class PlanComponentDoc:
    """One component of a stored plan (its ``items`` live in :attr:`items`)."""

    head: Mapping[str, JSONValue]
    items: tuple[PlanItemDoc, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> PlanComponentDoc:
        """The component of a stored plan's JSON."""
        items = tuple(PlanItemDoc.from_json(i) for i in json_objects(data.get(_ITEMS)))
        head = {k: ([] if k == _ITEMS else v) for k, v in data.items()}
        return cls(_frozen(head), items)

    def to_json(self) -> JSONObject:
        """The stored JSON form, its keys in their stored order."""
        return {
            key: [i.to_json() for i in self.items] if key == _ITEMS else copy.deepcopy(value)
            for key, value in self.head.items()
        }

    @property
    def kind(self) -> str | None:
        """The component's kind (``strengthening``, ``gait_retraining``, ...)."""
        return _text_or_none(self.head.get("kind"))

    def with_items(self, items: Iterable[PlanItemDoc]) -> PlanComponentDoc:
        """This component holding ``items`` (an ``items`` key it lacked goes last)."""
        head = self.head if _ITEMS in self.head else _frozen({**self.head, _ITEMS: []})
        return PlanComponentDoc(head, tuple(items))


@dataclass(frozen=True, slots=True)
class RunningHold:
    """The clinician's hold on running (stored as ``running_hold``)."""

    since: date
    reason: str

    def to_json(self) -> JSONObject:
        """The stored JSON form."""
        return {"held": True, "since": self.since.isoformat(), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class PlanDocument:
    """A stored plan: the core plan's JSON form plus what the clinic added to it (edited
    items, a running hold, the sign-off)."""

    head: Mapping[str, JSONValue]
    components: tuple[PlanComponentDoc, ...]

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> PlanDocument:
        """The document of a plan version's stored JSON."""
        parts = json_objects(data.get(_COMPONENTS))
        head = {k: ([] if k == _COMPONENTS else v) for k, v in data.items()}
        return cls(_frozen(head), tuple(PlanComponentDoc.from_json(c) for c in parts))

    def to_json(self) -> JSONObject:
        """The stored JSON form, its keys in their stored order (a new dict each time)."""
        out: JSONObject = {}
        for key, value in self.head.items():
            if key == _COMPONENTS:
                out[key] = [c.to_json() for c in self.components]
            else:
                out[key] = copy.deepcopy(value)
        if _COMPONENTS not in self.head and self.components:
            out[_COMPONENTS] = [c.to_json() for c in self.components]
        return out

    def get(self, key: str) -> JSONValue | None:
        """A top-level value of the stored JSON (``phase``, ``phase_name``, ...)."""
        return copy.deepcopy(self.head.get(key))

    def replaced(self, **values: JSONValue) -> PlanDocument:
        """This document with top-level ``values`` set (a key it lacks goes last)."""
        return PlanDocument(_frozen({**self.head, **values}), self.components)

    def items(self) -> Iterator[PlanItemDoc]:
        """Every item, component by component."""
        for component in self.components:
            yield from component.items

    def find(self, item_id: str) -> PlanItemDoc:
        """The first item with the id ``item_id``, or NotFound."""
        for item in self.items():
            if item.id == item_id:
                return item
        raise NotFound(f"the plan has no item {item_id!r}", field="item_id", got=item_id)

    def has_exercise(self, exercise_id: str) -> bool:
        """Whether an item of the plan is the library exercise ``exercise_id``."""
        return any(item.exercise_id == exercise_id for item in self.items())

    def with_item(self, item_id: str, new: PlanItemDoc, *, every: bool = False) -> PlanDocument:
        """``new`` in the place of the first item ``item_id`` (``every``: of each one)."""
        self.find(item_id)
        done = False
        components = []
        for component in self.components:
            items = []
            for item in component.items:
                swap = item.id == item_id and (every or not done)
                done = done or swap
                items.append(new if swap else item)
            components.append(PlanComponentDoc(component.head, tuple(items)))
        return PlanDocument(self.head, tuple(components))

    def without_item(self, item_id: str) -> PlanDocument:
        """This document without the item ``item_id``; NotFound without it."""
        self.find(item_id)
        return PlanDocument(
            self.head,
            tuple(c.with_items(i for i in c.items if i.id != item_id) for c in self.components),
        )

    def with_added(self, item: PlanItemDoc, kind: str, reason: str) -> PlanDocument:
        """``item`` last in the first component of ``kind`` (a new ``included`` component with
        ``reason`` when the plan has none)."""
        components = list(self.components)
        index = next((n for n, c in enumerate(components) if c.kind == kind), None)
        if index is None:
            new = {"kind": kind, "status": "included", "reason": reason}
            components.append(PlanComponentDoc.from_json({**new, _ITEMS: [], "citation_ids": []}))
            index = len(components) - 1
        target = components[index]
        components[index] = target.with_items((*target.items, item))
        return PlanDocument(self.head, tuple(components))

    @property
    def phase(self) -> int | None:
        """The plan's phase (1-4), when it says one."""
        value = self.head.get("phase")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def pain_threshold_nprs(self) -> float | None:
        """The pain (NPRS 0-10) the plan allows during exercise, when it says one."""
        return _number(self.head.get("pain_threshold_nprs"))

    @property
    def running_held(self) -> bool:
        """Whether the clinician holds running in this version."""
        hold = self.head.get("running_hold")
        return isinstance(hold, dict) and hold.get("held") is True

    def with_running_hold(self, hold: RunningHold | None) -> PlanDocument:
        """This document holding running (``hold``) or not (``None``)."""
        if hold is not None:
            return self.replaced(running_hold=hold.to_json())
        return PlanDocument(
            _frozen({k: v for k, v in self.head.items() if k != "running_hold"}), self.components
        )

    @property
    def sign_note(self) -> str:
        """The clinician's note at sign-off (empty before it)."""
        return str(self.head.get("sign_note") or "")

    def signed(self, by: str, note: str) -> PlanDocument:
        """This document signed off by ``by`` with ``note``."""
        return self.replaced(signed_by=by, sign_note=note)
