"""Plan-change suggestions: from the record's evidence, concrete, cited changes a clinician may
accept into a new draft plan version or dismiss with a reason.

Pure and deterministic. Every rule names its sources and reads its numbers from content (the
follow-up file, the plan settings and the gate; knowledge base sections 5.5, 5.7, 6, 7, 4):

* ``progress_exercise``: pain monitoring says progress (KB 5.5) and the exercise was done on
  at least the sessions required to progress (plan setting ``completions_required``; KB 7.2
  "complete each level at least twice") → its library progression, one at a time;
* ``regress_exercises``: pain monitoring says regress or clinician review (a breach; KB 5.5)
  → every exercise one step back along its library regression;
* ``hold_running`` / ``resume_running``: a breach while running is in the plan → hold runs
  until reviewed (KB 7.2, 7.3, 11.3); progress again with runs held → resume;
* ``start_cadence_change``: a runner in the running phase with a cadence baseline from at
  least two runs and no cadence change under way → the metronome drill, target +5-10 % of the
  runner's own baseline (KB 6.1-6.4);
* ``review_orthoses``: prefabricated orthoses in the plan for the short-term limit (KB 5.7,
  ≤ 6 weeks) → review, and remove unless they still help;
* ``non_responder_adjunct``: no clinically important improvement at re-assessment (KB 4, 9.1)
  → add tailored taping with the exercise (combined interventions, KB 5.1).

Each suggestion has an evidence ``key``: a dismissed suggestion stays dismissed for the same
evidence and comes back only when the evidence changes (a new signed plan, a new pain log, a
new re-assessment).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from runnersknee.clinical._suggestion_types import (
    Evidence,
    FollowUpConfig,
    ItemFacts,
    PlanChange,
    RunFacts,
    ScoreFacts,
    Settings,
    Suggestion,
    SuggestionRule,
)
from runnersknee.clinical.exercises import Exercise

__all__ = [
    "RULE_IDS",
    "Evidence",
    "FollowUpConfig",
    "ItemFacts",
    "PlanChange",
    "RunFacts",
    "ScoreFacts",
    "Settings",
    "Suggestion",
    "SuggestionRule",
    "suggest",
]

#: Every rule the engine knows; the follow-up content must describe each.
RULE_IDS = (
    "progress_exercise",
    "regress_exercises",
    "hold_running",
    "resume_running",
    "start_cadence_change",
    "review_orthoses",
    "non_responder_adjunct",
)
_BREACH = ("regress", "clinician_review")


def _cites(*groups: Iterable[str]) -> tuple[str, ...]:
    found: list[str] = []
    for group in groups:
        found.extend(c for c in group if c not in found)
    return tuple(found)


def _make(  # noqa: PLR0917 - a suggestion's fields
    rule: SuggestionRule,
    key: str,
    title: str,
    reason: str,
    changes: tuple[PlanChange, ...],
    extra_cites: Iterable[str] = (),
    verified: bool = True,
) -> Suggestion:
    return Suggestion(
        rule.id,
        rule.label,
        key,
        title,
        reason,
        changes,
        _cites(rule.citation_ids, extra_cites),
        rule.verified and verified,
    )


def _in_plan(evidence: Evidence, exercise_id: str) -> bool:
    return any(item.exercise_id == exercise_id for item in evidence.items)


def _progress(
    evidence: Evidence, rule: SuggestionRule, library: Mapping[str, Exercise], settings: Settings
) -> list[Suggestion]:
    if evidence.pain_decision != "progress" or evidence.signed_version is None:
        return []
    found = []
    for item in evidence.items:
        exercise = library.get(item.exercise_id or "")
        target = library.get(exercise.progression_id or "") if exercise else None
        if target is None or _in_plan(evidence, target.id):
            continue
        if item.days_logged < settings.completions_required:
            continue
        reason = (
            f"Pain monitoring says progress: {'; '.join(evidence.pain_reasons)}. "
            f"\u201c{item.title}\u201d was done on {item.days_logged} days since version "
            f"{evidence.signed_version} was signed (at least "
            f"{settings.completions_required} needed). Progress one exercise at a time."
        )
        found.append(
            _make(
                rule,
                f"progress:{item.item_id}:v{evidence.signed_version}",
                f"Progress \u201c{item.title}\u201d to \u201c{target.name}\u201d",
                reason,
                (PlanChange("step", item.item_id, "progress"),),
                _cites(evidence.pain_citation_ids, settings.completions_citation_ids),
            )
        )
    return found


def _regress(
    evidence: Evidence, rule: SuggestionRule, library: Mapping[str, Exercise]
) -> list[Suggestion]:
    if evidence.pain_decision not in _BREACH or evidence.pain_day is None:
        return []
    changes, names = [], []
    for item in evidence.items:
        exercise = library.get(item.exercise_id or "")
        target = library.get(exercise.regression_id or "") if exercise else None
        if target is not None and not _in_plan(evidence, target.id):
            changes.append(PlanChange("step", item.item_id, "regress"))
            names.append(f"\u201c{item.title}\u201d to \u201c{target.name}\u201d")
    if not changes:
        return []
    review = (
        " Two breaches in a row call for your review."
        if (evidence.pain_decision == "clinician_review")
        else ""
    )
    return [
        _make(
            rule,
            f"regress:{evidence.pain_day.isoformat()}",
            "Step back one level: " + ", ".join(names),
            f"Pain monitoring: {'; '.join(evidence.pain_reasons)}.{review}",
            tuple(changes),
            evidence.pain_citation_ids,
        )
    ]


def _running(
    evidence: Evidence, rules: Mapping[str, SuggestionRule], settings: Settings
) -> list[Suggestion]:
    phase_runs = (evidence.plan_phase or 0) >= settings.running_min_phase
    if not (evidence.runner and phase_runs) or evidence.pain_day is None:
        return []
    day = evidence.pain_day.isoformat()
    pain = "; ".join(evidence.pain_reasons)
    cites = evidence.pain_citation_ids
    if evidence.pain_decision in _BREACH and not evidence.running_held:
        spikes = "".join(
            f" A run on {on.isoformat()} was {pct:.0f} % longer than the longest run of the "
            "previous 30 days."
            for on, pct in (evidence.runs.recent_spikes if evidence.runs else ())
        )
        hold = PlanChange("running", hold=True)
        title = "Hold running until you have reviewed the knee"
        reason = f"Pain monitoring: {pain}.{spikes}"
        return [_make(rules["hold_running"], f"hold_running:{day}", title, reason, (hold,), cites)]
    if evidence.pain_decision == "progress" and evidence.running_held:
        resume = PlanChange("running", hold=False)
        title = "Resume running (the walk-run programme continues from its stage)"
        reason = f"Running is held; pain monitoring now says progress: {pain}."
        key = f"resume_running:{day}"
        return [_make(rules["resume_running"], key, title, reason, (resume,), cites)]
    return []


def _cadence(
    evidence: Evidence, rule: SuggestionRule, library: Mapping[str, Exercise], settings: Settings
) -> list[Suggestion]:
    runs = evidence.runs
    drill = library.get(rule.exercise_id or "")
    if drill is None or runs is None or runs.baseline_spm is None or not runs.below_target:
        return []
    if not evidence.runner or evidence.running_held or evidence.pain_decision in _BREACH:
        return []
    if (evidence.plan_phase or 0) < settings.running_min_phase:
        return []
    cadence_items = {key for key, ex in library.items() if "cadence" in ex.targets}
    if any(
        item.exercise_id in cadence_items or item.item_id.endswith(":cadence")
        for item in evidence.items
    ):
        return []
    low = runs.baseline_spm * (1 + settings.cadence_min_pct / 100)
    high = runs.baseline_spm * (1 + settings.cadence_max_pct / 100)
    latest = f", latest {runs.latest_spm:.0f}" if runs.latest_spm is not None else ""
    reason = (
        f"Cadence baseline {runs.baseline_spm:.0f} steps/min from the runner's easy runs"
        f"{latest}; no cadence change in the plan. First-line change: +"
        f"{settings.cadence_min_pct:g}-{settings.cadence_max_pct:g} % of the runner's own "
        f"baseline, {low:.0f}-{high:.0f} steps/min, never a fixed 180."
    )
    note = f"Aim for {low:.0f} to {high:.0f} steps a minute: your usual step rate plus a little."
    return [
        _make(
            rule,
            f"cadence:{runs.baseline_spm:.0f}",
            f"Start the cadence change: \u201c{drill.name}\u201d, target {low:.0f}-{high:.0f} "
            "steps/min",
            reason,
            (PlanChange("add", exercise_id=drill.id, note=note),),
            _cites(settings.cadence_citation_ids, drill.citation_ids),
        )
    ]


def _orthoses(
    evidence: Evidence, rule: SuggestionRule, library: Mapping[str, Exercise], settings: Settings
) -> list[Suggestion]:
    found = []
    for item in evidence.items:
        exercise = library.get(item.exercise_id or "")
        if exercise is None or "orthoses" not in exercise.targets or item.first_signed_on is None:
            continue
        weeks = (evidence.today - item.first_signed_on).days / 7
        if weeks < settings.orthoses_max_weeks:
            continue
        reason = (
            f"\u201c{item.title}\u201d has been in the signed plan since "
            f"{item.first_signed_on.isoformat()} ({weeks:.0f} weeks). Prefabricated orthoses "
            f"are a short-term pain-relief aid (up to {settings.orthoses_max_weeks:g} weeks): "
            "review them; remove them unless they still relieve pain (then dismiss this with "
            "that reason)."
        )
        found.append(
            _make(
                rule,
                f"orthoses:{item.item_id}:{item.first_signed_on.isoformat()}",
                f"Review the orthoses at {settings.orthoses_max_weeks:g} weeks: remove "
                f"\u201c{item.title}\u201d",
                reason,
                (PlanChange("remove", item.item_id),),
                settings.orthoses_citation_ids,
            )
        )
    return found


def _adjunct(
    evidence: Evidence, rule: SuggestionRule, library: Mapping[str, Exercise]
) -> list[Suggestion]:
    adjunct = library.get(rule.exercise_id or "")
    if adjunct is None or _in_plan(evidence, adjunct.id):
        return []
    if any(item.item_id.endswith(":taping") for item in evidence.items):
        return []
    for score in evidence.scores:
        if score.responded is not False:
            continue
        reason = (
            f"{score.label} {score.before:g} \u2192 {score.after:g} from "
            f"{score.baseline_on.isoformat()} to {score.latest_on.isoformat()}: no clinically "
            f"important improvement (minimal important change {score.mcid:g} points). "
            "Exercise combined with taping or orthoses reduces pain in the short and medium "
            "term; tailored taping with exercise gives immediate relief."
        )
        return [
            _make(
                rule,
                f"adjunct:{score.instrument_id}:{score.latest_id}",
                f"Add \u201c{adjunct.name}\u201d (no response at re-assessment)",
                reason,
                (PlanChange("add", exercise_id=adjunct.id),),
                _cites(score.citation_ids, adjunct.citation_ids),
            )
        ]
    return []


def suggest(
    evidence: Evidence,
    config: FollowUpConfig,
    library: Mapping[str, Exercise],
    settings: Settings,
) -> tuple[Suggestion, ...]:
    """Every suggestion the evidence supports, in a fixed rule order (safety first)."""
    rules = config.rules
    found = [
        *_regress(evidence, rules["regress_exercises"], library),
        *_running(evidence, rules, settings),
        *_orthoses(evidence, rules["review_orthoses"], library, settings),
        *_progress(evidence, rules["progress_exercise"], library, settings),
        *_cadence(evidence, rules["start_cadence_change"], library, settings),
        *_adjunct(evidence, rules["non_responder_adjunct"], library),
    ]
    return tuple(found)
