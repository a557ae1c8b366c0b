"""The plan-change suggestion rules (clinical/suggestions.py) on hand-made evidence: each rule
fires on its evidence only, cites its sources and proposes a concrete change."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from runnersknee.clinical.suggestions import (
    RULE_IDS,
    Evidence,
    ItemFacts,
    RunFacts,
    ScoreFacts,
    Settings,
    Suggestion,
    suggest,
)
from tests.content import CONTENT

TODAY = date(2026, 3, 2)
SETTINGS = Settings(
    completions_required=2,
    completions_citation_ids=("KB-PLAN-DEFAULTS",),
    orthoses_max_weeks=6,
    orthoses_citation_ids=("CPG-2019",),
    cadence_min_pct=5,
    cadence_max_pct=10,
    cadence_citation_ids=("HEIDERSCHEIT-2011",),
    running_min_phase=3,
)
LUNGE = ItemFacts("strengthening:forward-lunge-0-45", "Forward lunge", "forward-lunge-0-45", 3)
CLAM = ItemFacts("strengthening:clamshell", "Clamshell", "clamshell", 3)
BASE = Evidence(today=TODAY, signed_version=2, plan_phase=3, items=(LUNGE, CLAM))


def _run(evidence: Evidence) -> dict[str, list[Suggestion]]:
    found: dict[str, list[Suggestion]] = {}
    for item in suggest(evidence, CONTENT.follow_up, CONTENT.exercises, SETTINGS):
        found.setdefault(item.rule, []).append(item)
    return found


def _pain(decision: str, **more: object) -> Evidence:
    return dataclasses.replace(
        BASE,
        pain_decision=decision,
        pain_reasons=("two sessions in a row within the limits",),
        pain_citation_ids=("SILBERNAGEL-2007",),
        pain_day=TODAY,
        **more,  # type: ignore[arg-type]
    )


def test_every_rule_is_described_by_the_content() -> None:
    assert set(CONTENT.follow_up.rules) == set(RULE_IDS)
    assert all(rule.citation_ids for rule in CONTENT.follow_up.rules.values())


def test_nothing_without_evidence() -> None:
    assert _run(BASE) == {}


def test_progress_follows_pain_monitoring_and_the_sessions_done() -> None:
    found = _run(_pain("progress"))
    (lunge,) = [s for s in found["progress_exercise"] if "Forward lunge" in s.title]
    harder = CONTENT.exercises[CONTENT.exercises["forward-lunge-0-45"].progression_id or ""]
    assert lunge.title == f"Progress \u201cForward lunge\u201d to \u201c{harder.name}\u201d"
    assert lunge.changes[0].kind == "step"
    assert lunge.changes[0].direction == "progress"
    assert lunge.key == "progress:strengthening:forward-lunge-0-45:v2"
    assert "SILBERNAGEL-2007" in lunge.citation_ids
    assert "KB-PLAN-DEFAULTS" in lunge.citation_ids
    assert not lunge.verified  # the pain limits are unverified defaults
    # done on one day only: not yet (the sessions required to progress)
    once = dataclasses.replace(LUNGE, days_logged=1)
    fewer = _run(_pain("progress", items=(once,)))
    assert "progress_exercise" not in fewer
    # hold: nothing to progress
    assert "progress_exercise" not in _run(_pain("hold"))


def test_a_breach_steps_back_and_holds_running_for_a_runner_in_the_running_phase() -> None:
    found = _run(_pain("regress", runner=True))
    (back,) = found["regress_exercises"]
    assert back.title.startswith("Step back one level: \u201cForward lunge\u201d to ")
    assert {c.item_id for c in back.changes} == {LUNGE.item_id, CLAM.item_id}
    assert back.key == f"regress:{TODAY.isoformat()}"
    (hold,) = found["hold_running"]
    assert hold.changes[0].kind == "running"
    assert hold.changes[0].hold is True
    assert "TRIALS-2023-RTR" in hold.citation_ids
    # not a runner, or not yet in the running phase: no hold
    assert "hold_running" not in _run(_pain("regress"))
    assert "hold_running" not in _run(_pain("regress", runner=True, plan_phase=2))
    # held already: no second hold; progress again: resume
    assert "hold_running" not in _run(_pain("regress", runner=True, running_held=True))
    (resume,) = _run(_pain("progress", runner=True, running_held=True))["resume_running"]
    assert resume.changes[0].hold is False


def test_cadence_change_needs_a_baseline_below_target_and_no_cadence_item() -> None:
    runs = RunFacts(baseline_spm=160.0, latest_spm=161.0, below_target=True)
    found = _run(dataclasses.replace(BASE, runner=True, runs=runs))
    (cadence,) = found["start_cadence_change"]
    assert "168-176 steps/min" in cadence.title
    assert cadence.changes[0].exercise_id == "gait-cadence-metronome"
    assert "168 to 176 steps a minute" in cadence.changes[0].note
    assert "never a fixed 180" in cadence.reason
    assert {"HEIDERSCHEIT-2011", "BRAMAH-2019"} <= set(cadence.citation_ids)
    drill = ItemFacts("gait_retraining:gait-cadence-metronome", "Cadence", "gait-cadence-metronome")
    with_drill = dataclasses.replace(BASE, runner=True, runs=runs, items=(LUNGE, drill))
    assert "start_cadence_change" not in _run(with_drill)
    irritable = dataclasses.replace(BASE, runner=True, runs=runs, plan_phase=1)
    assert "start_cadence_change" not in _run(irritable)
    on_target = dataclasses.replace(runs, below_target=False)
    assert "start_cadence_change" not in _run(
        dataclasses.replace(BASE, runner=True, runs=on_target)
    )
    no_base = RunFacts(None, 161.0, True)
    assert "start_cadence_change" not in _run(dataclasses.replace(BASE, runner=True, runs=no_base))


def test_orthoses_are_reviewed_at_six_weeks() -> None:
    signed = TODAY - timedelta(weeks=6)
    orthosis = ItemFacts(
        "footwear_orthoses:orthosis", "Orthosis trial", "orthosis-trial-prefabricated", 0, signed
    )
    (review,) = _run(dataclasses.replace(BASE, items=(LUNGE, orthosis)))["review_orthoses"]
    assert review.changes[0].kind == "remove"
    assert review.changes[0].item_id == orthosis.item_id
    assert "(6 weeks)" in review.reason
    assert "CPG-2019" in review.citation_ids
    early = dataclasses.replace(orthosis, first_signed_on=TODAY - timedelta(weeks=5))
    assert "review_orthoses" not in _run(dataclasses.replace(BASE, items=(LUNGE, early)))


def test_no_response_at_reassessment_adds_taping_once_per_reassessment() -> None:
    score = ScoreFacts(
        "nprs", "NPRS", TODAY - timedelta(weeks=7), TODAY, 41, 6, 5, False, 1.16, ("PIVA-2009",)
    )
    (adjunct,) = _run(dataclasses.replace(BASE, scores=(score,)))["non_responder_adjunct"]
    assert adjunct.changes[0].exercise_id == "patellar-taping-with-exercise"
    assert adjunct.key == "adjunct:nprs:41"
    assert "NPRS 6 \u2192 5" in adjunct.reason
    assert {"PIVA-2009", "CONS-2018"} <= set(adjunct.citation_ids)
    responded = dataclasses.replace(score, responded=True)
    assert _run(dataclasses.replace(BASE, scores=(responded,))) == {}
    unknown = dataclasses.replace(score, responded=None)
    assert _run(dataclasses.replace(BASE, scores=(unknown,))) == {}
    taped = ItemFacts("pain_management:taping", "Taping", None)
    assert _run(dataclasses.replace(BASE, scores=(score,), items=(LUNGE, taped))) == {}
