"""Red-flag and differential triage of a :class:`Case` (knowledge base sections 1, 2 and 8).

The rules are data (``content/data/triage``), compiled into a :class:`TriageRuleSet`;
:func:`triage` is a pure function of a case and a rule set:

1. every red-flag / differential rule is tested; the highest level among those that fire wins
   (emergency > urgent > refer);
2. only when none fires, the PFP diagnostic rule of section 1 decides: every criterion met →
   ``plan`` (PFP probable), otherwise ``refer`` with one reason per unmet criterion;
3. supporting findings (section 1.2/1.4), prognosis flags (section 8.1) and clinician prompts
   (e.g. "examine the hip", section 11.4) are reported as information; they never change the
   level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from runnersknee.clinical.case import Case
from runnersknee.clinical.errors import ContentError
from runnersknee.clinical.rules import Condition

__all__ = [
    "FiredRule",
    "PfpCriterion",
    "PfpRule",
    "RuleKind",
    "RuleParam",
    "SafetyWording",
    "TriageLevel",
    "TriageResult",
    "TriageRule",
    "TriageRuleSet",
    "triage",
]


class TriageLevel(StrEnum):
    """The four outcomes of triage (knowledge base section 2)."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    REFER = "refer"
    PLAN = "plan"

    @property
    def rank(self) -> int:
        """Severity order: plan 0 < refer 1 < urgent 2 < emergency 3."""
        return _RANK[self]


_RANK = {
    TriageLevel.PLAN: 0,
    TriageLevel.REFER: 1,
    TriageLevel.URGENT: 2,
    TriageLevel.EMERGENCY: 3,
}


class RuleKind(StrEnum):
    """What a rule is for: red flags, differentials and precautions set the level."""

    RED_FLAG = "red_flag"
    DIFFERENTIAL = "differential"
    PRECAUTION = "precaution"
    SUPPORTING = "supporting"
    PROGNOSIS = "prognosis"
    PROMPT = "prompt"

    @property
    def sets_level(self) -> bool:
        """True for red flags, differentials and precautions."""
        return self in (RuleKind.RED_FLAG, RuleKind.DIFFERENTIAL, RuleKind.PRECAUTION)


@dataclass(frozen=True, slots=True)
class RuleParam:
    """A named threshold of a rule, e.g. ``min_age = 45``; unverified ones need review."""

    name: str
    value: float
    verified: bool
    unit: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class FiredRule:
    """One rule that fired, with everything a person needs to see and audit it."""

    rule_id: str
    level: TriageLevel
    reason: str
    safety_text: str
    citation_ids: tuple[str, ...]
    verified: bool
    condition_text: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form with stable keys."""
        return {
            "rule_id": self.rule_id,
            "level": self.level.value,
            "reason": self.reason,
            "safety_text": self.safety_text,
            "citation_ids": list(self.citation_ids),
            "verified": self.verified,
            "condition": self.condition_text,
        }


@dataclass(frozen=True, slots=True)
class TriageRule:
    """A compiled rule. ``verified`` is the rule's own flag; see :attr:`fully_verified`.

    ``review`` names an implementation aspect of an otherwise verified rule that a clinician
    should still review (it puts the rule on the docs' review list without unverifying it).
    """

    id: str
    kind: RuleKind
    level: TriageLevel
    reason: str
    condition: Condition
    citation_ids: tuple[str, ...]
    verified: bool
    rationale: str
    params: tuple[RuleParam, ...] = ()
    safety_variant: str | None = None
    review: str = ""
    #: The clinician's short name of the finding (the record's triage banner).
    label: str = ""

    @property
    def fully_verified(self) -> bool:
        """The rule and every one of its parameters are verified."""
        return self.verified and all(param.verified for param in self.params)


@dataclass(frozen=True, slots=True)
class PfpCriterion:
    """One criterion of the PFP diagnostic rule; ``reason`` explains it when it is NOT met."""

    id: str
    condition: Condition
    reason: str
    citation_ids: tuple[str, ...]
    verified: bool
    rationale: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class PfpRule:
    """The section 1.1/1.2 implementation rule: PFP probable when every criterion is met."""

    id: str
    reason: str
    citation_ids: tuple[str, ...]
    verified: bool
    rationale: str
    criteria: tuple[PfpCriterion, ...]
    label: str = ""


@dataclass(frozen=True, slots=True)
class SafetyWording:
    """Patient-facing wording of section 8.3 (and 8.2 for the plan level)."""

    by_level: Mapping[TriageLevel, str]
    variants: Mapping[str, str]
    stop_rules: str
    medicines: str
    adolescent: str
    adolescent_below_age: float
    adolescent_verified: bool
    citation_ids: tuple[str, ...]
    unverified: tuple[str, ...] = ()

    def text_for(self, level: TriageLevel, variant: str | None = None) -> str:
        """The wording for ``level``, or the named variant (e.g. the child/teen SCFE line)."""
        if variant is not None:
            return self.variants[variant]
        return self.by_level[level]

    def always_on(self, age_years: float) -> str:
        """Stop rules and the medicines line; the adolescent line below its age."""
        lines = [self.stop_rules, self.medicines]
        if age_years < self.adolescent_below_age:
            lines.append(self.adolescent)
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class TriageResult:
    """The outcome: the level, every reason (highest level first) and information items."""

    level: TriageLevel
    reasons: tuple[FiredRule, ...]
    pfp_probable: bool
    supporting: tuple[FiredRule, ...]
    prognosis: tuple[FiredRule, ...]
    always_on_safety: str
    #: What the clinician should examine or ask next (never shown to the patient).
    prompts: tuple[FiredRule, ...] = ()

    @property
    def plan_allowed(self) -> bool:
        """An exercise plan may be offered only at level ``plan``."""
        return self.level is TriageLevel.PLAN

    @property
    def safety_text(self) -> str:
        """The wording of the first (highest-level) reason: the headline to show."""
        return self.reasons[0].safety_text if self.reasons else ""

    @property
    def safety_texts(self) -> tuple[str, ...]:
        """Every distinct wording of the reasons, highest level first."""
        return tuple(dict.fromkeys(item.safety_text for item in self.reasons if item.safety_text))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form with stable keys (documented in docs/triage.md)."""
        return {
            "level": self.level.value,
            "plan_allowed": self.plan_allowed,
            "pfp_probable": self.pfp_probable,
            "safety_text": self.safety_text,
            "safety_texts": list(self.safety_texts),
            "reasons": [item.as_dict() for item in self.reasons],
            "supporting": [item.as_dict() for item in self.supporting],
            "prognosis": [item.as_dict() for item in self.prognosis],
            "always_on_safety": self.always_on_safety,
            "prompts": [item.as_dict() for item in self.prompts],
        }


_Entry = tuple[Condition, FiredRule]


@dataclass(frozen=True, slots=True)
class TriageRuleSet:
    """Compiled triage content; each rule's :class:`FiredRule` is built once, here."""

    rules: tuple[TriageRule, ...]
    pfp: PfpRule
    safety: SafetyWording
    _level_rules: tuple[_Entry, ...] = field(init=False, repr=False, compare=False)
    _info_rules: tuple[tuple[_Entry, ...], tuple[_Entry, ...], tuple[_Entry, ...]] = field(
        init=False, repr=False, compare=False
    )
    _pfp_unmet: tuple[_Entry, ...] = field(init=False, repr=False, compare=False)
    _pfp_met: FiredRule = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._check()
        ordered = sorted(
            (rule for rule in self.rules if rule.kind.sets_level),
            key=lambda rule: -rule.level.rank,
        )
        set_ = object.__setattr__
        set_(self, "_level_rules", tuple((r.condition, self._fired(r)) for r in ordered))
        info = tuple(
            tuple((r.condition, self._fired(r)) for r in self.rules if r.kind is kind)
            for kind in (RuleKind.SUPPORTING, RuleKind.PROGNOSIS, RuleKind.PROMPT)
        )
        set_(self, "_info_rules", info)
        set_(self, "_pfp_unmet", tuple((c.condition, self._unmet(c)) for c in self.pfp.criteria))
        plan_text = self.safety.text_for(TriageLevel.PLAN)
        met_text = " AND ".join(f"({c.condition.text})" for c in self.pfp.criteria)
        pfp = self.pfp
        met = FiredRule(
            pfp.id,
            TriageLevel.PLAN,
            pfp.reason,
            plan_text,
            pfp.citation_ids,
            pfp.verified,
            met_text,
        )
        set_(self, "_pfp_met", met)

    def _check(self) -> None:
        ids = [rule.id for rule in self.rules]
        ids += [self.pfp.id, *(criterion.id for criterion in self.pfp.criteria)]
        duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
        if duplicates:
            raise ContentError(f"duplicate triage rule id(s): {', '.join(duplicates)}")
        if not self.pfp.criteria:
            raise ContentError("the PFP rule has no criteria")
        for rule in self.rules:
            if rule.kind.sets_level and rule.level is TriageLevel.PLAN:
                raise ContentError(f"{rule.id}: a red flag or differential cannot give 'plan'")
            if not rule.kind.sets_level and rule.level is not TriageLevel.PLAN:
                raise ContentError(f"{rule.id}: information items must have level 'plan'")
            if rule.safety_variant is not None and rule.safety_variant not in self.safety.variants:
                raise ContentError(f"{rule.id}: unknown safety variant {rule.safety_variant!r}")

    def _fired(self, rule: TriageRule) -> FiredRule:
        text = self.safety.text_for(rule.level, rule.safety_variant) if rule.kind.sets_level else ""
        return FiredRule(
            rule.id,
            rule.level,
            rule.reason,
            text,
            rule.citation_ids,
            rule.fully_verified,
            rule.condition.text,
        )

    def _unmet(self, criterion: PfpCriterion) -> FiredRule:
        return FiredRule(
            criterion.id,
            TriageLevel.REFER,
            criterion.reason,
            self.safety.text_for(TriageLevel.REFER),
            criterion.citation_ids,
            criterion.verified,
            f"NOT ({criterion.condition.text})",
        )

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Every id: rules, the PFP rule and its criteria (as fired when unmet)."""
        return (
            *(rule.id for rule in self.rules),
            self.pfp.id,
            *(criterion.id for criterion in self.pfp.criteria),
        )

    def clinician_note(self, rule_id: str) -> tuple[str, str] | None:
        """(label, rationale) of any rule id, the PFP rule and its criteria included: the
        clinician's wording of a fired rule (None for an id this content does not hold)."""
        notes = [(r.id, r.label, r.rationale) for r in self.rules]
        notes.append((self.pfp.id, self.pfp.label, self.pfp.rationale))
        notes += [(c.id, c.label, c.rationale) for c in self.pfp.criteria]
        for key, label, rationale in notes:
            if key == rule_id:
                return label, rationale
        return None

    def get(self, rule_id: str) -> TriageRule:
        """The rule with this id (red flag, differential, supporting or prognosis)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def triage(case: Case, rules: TriageRuleSet) -> TriageResult:
    """Triage ``case`` with ``rules``: pure and deterministic."""
    reasons = tuple(fired for test, fired in rules._level_rules if test.test(case))
    pfp_probable = False
    if not reasons:
        reasons = tuple(fired for test, fired in rules._pfp_unmet if not test.test(case))
        if not reasons:
            reasons = (rules._pfp_met,)
            pfp_probable = True
    supporting_rules, prognosis_rules, prompt_rules = rules._info_rules
    return TriageResult(
        level=reasons[0].level,
        reasons=reasons,
        pfp_probable=pfp_probable,
        supporting=tuple(fired for test, fired in supporting_rules if test.test(case)),
        prognosis=tuple(fired for test, fired in prognosis_rules if test.test(case)),
        always_on_safety=rules.safety.always_on(case.demographics.age_years),
        prompts=tuple(fired for test, fired in prompt_rules if test.test(case)),
    )
