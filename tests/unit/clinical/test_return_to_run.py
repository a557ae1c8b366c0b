"""Return to running (KB 7.1-7.4): the stage table as content, pain-gated progression, layoffs,
and the spike cap on the next run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runnersknee.clinical.load import longest_in_window
from runnersknee.clinical.pain_monitoring import PainDecision, PainMonitoringConfig, SessionPain
from runnersknee.clinical.return_to_run import (
    METRES_PER_MILE,
    PrescriptionKind,
    next_run,
    replay_programme,
)
from runnersknee.content import load_citations
from runnersknee.content.return_to_run import (
    load_pain_monitoring_config,
    load_return_to_run_protocol,
)

PROTOCOL = load_return_to_run_protocol()
CONFIG = load_pain_monitoring_config()
TODAY = date(2024, 6, 30)


@dataclass(frozen=True)
class R:
    start: datetime
    distance_m: float
    duration_s: float = 1800.0


def at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 7, tzinfo=UTC)


def clean(d: date) -> SessionPain:
    return SessionPain(d, 1, 2, 1, 1)


def breach(d: date) -> SessionPain:
    return SessionPain(d, 6, 6, 3, 1)


def test_stage_table_is_trials_2023_in_metres() -> None:
    stages = PROTOCOL.stages
    assert [s.total_distance_m for s in stages] == pytest.approx(
        [m * METRES_PER_MILE for m in (1.0, 1.5, 1.5, 2.0, 2.0, 2.0)]
    )
    assert [(s.walk_s, s.run_s) for s in stages] == [
        (120, 180), (120, 180), (120, 240), (120, 240), (60, 240), (0, None),
    ]  # fmt: skip
    assert [s.rpe for s in stages] == [3, 3, 4, 4, 5, 5]
    assert PROTOCOL.completions_required == 2
    assert PROTOCOL.min_rest_days == 1
    assert "TRIALS-2023-RTR" in PROTOCOL.citation_ids


def test_entry_criteria_marked_unverified_and_all_citations_exist() -> None:
    registry = load_citations()
    unverified = [c.id for c in PROTOCOL.entry_criteria if not c.verified]
    assert "brisk-walk" in unverified
    assert "daily-activities" in unverified
    for criterion in PROTOCOL.entry_criteria:
        registry.require(criterion.citation_ids, where=criterion.id)
    registry.require(CONFIG.citation_ids, where="pain")
    assert registry["PFP-CLINIC-PAIN-LIMIT"].verified is False


def test_pain_config_overrides() -> None:
    assert CONFIG.during_max_nprs == 3.0
    assert load_pain_monitoring_config({"silbernagel_mode": True}).effective_during_max_nprs == 5.0
    with pytest.raises(Exception, match="unknown pain-monitoring"):
        load_pain_monitoring_config({"during_max": 4})


def test_layoff_starts_stage_one_with_entry_checks() -> None:
    runs = [R(at(TODAY - timedelta(days=45)), 10000)]
    rx = next_run(runs, [], PROTOCOL, CONFIG, today=TODAY)
    assert rx.kind is PrescriptionKind.WALK_RUN
    assert rx.stage is not None
    assert rx.stage.number == 1
    assert rx.distance_m == pytest.approx(METRES_PER_MILE)
    assert rx.entry_checks == PROTOCOL.entry_criteria
    assert "not a percentage" in rx.reasons[0]
    assert "TRIALS-2023-RTR" in rx.citation_ids


def test_each_stage_twice_then_progress_and_rest_day() -> None:
    d = TODAY - timedelta(days=10)
    sessions = [clean(d), clean(d + timedelta(days=2)), clean(d + timedelta(days=4))]
    state = replay_programme(sessions, PROTOCOL, CONFIG)
    assert state.stage_index == 1  # two clean sessions at stage 1 -> stage 2, one done there
    assert state.last.decision is PainDecision.HOLD
    rx = next_run([], sessions, PROTOCOL, CONFIG, today=d + timedelta(days=4))
    assert rx.stage is not None
    assert rx.stage.number == 2
    assert rx.earliest_day == d + timedelta(days=6)  # >= 1 rest day between runs


def test_breach_regresses_and_two_regressions_need_review() -> None:
    d = TODAY - timedelta(days=20)
    days = [d + timedelta(days=2 * i) for i in range(6)]
    sessions = [clean(days[0]), clean(days[1]), clean(days[2]), breach(days[3])]
    state = replay_programme(sessions, PROTOCOL, CONFIG)
    assert state.stage_index == 0
    assert state.last.decision is PainDecision.REGRESS
    rx = next_run([], [*sessions, breach(days[4])], PROTOCOL, CONFIG, today=days[4])
    assert rx.clinician_review is True
    assert rx.decision is PainDecision.CLINICIAN_REVIEW
    assert rx.stage is not None
    assert rx.stage.number == 1
    assert rx.instruction.startswith("Pause progression")


def test_symptomatic_runner_without_pain_log_holds_not_plus_ten_percent() -> None:
    runs = [R(at(TODAY - timedelta(days=d)), km * 1000) for d, km in [(40, 20), (20, 8), (5, 32)]]
    rx = next_run(runs, [], PROTOCOL, CONFIG, today=TODAY)
    assert rx.kind is PrescriptionKind.DISTANCE_CAP
    assert rx.decision is PainDecision.HOLD
    assert rx.distance_m == pytest.approx(32000)  # hold at the 32 km, never 35.2 km
    assert rx.instruction.startswith("Hold")
    assert "35.20" not in rx.instruction
    assert "32.00" in rx.instruction
    assert rx.citation_ids[0] == "FRANDSEN-2025"


def test_walk_run_instruction_names_the_decision() -> None:
    d = TODAY - timedelta(days=20)
    sessions = [clean(d), clean(d + timedelta(days=2))]
    rx = next_run([], sessions, PROTOCOL, CONFIG, today=d + timedelta(days=2))
    assert rx.decision is PainDecision.PROGRESS
    assert rx.instruction.startswith("Move up to stage 2")
    held = next_run([], sessions[:1], PROTOCOL, CONFIG, today=d)
    assert held.decision is PainDecision.HOLD
    assert held.instruction.startswith("Stay at stage 1")
    fresh = next_run([], [], PROTOCOL, CONFIG, today=TODAY)
    assert fresh.instruction.startswith("Start at stage 1")


def test_graduated_runner_holds_at_longest_until_two_clean_runs() -> None:
    start = TODAY - timedelta(days=26)
    days = [start + timedelta(days=2 * i) for i in range(13)]
    sessions = [clean(x) for x in days]  # 12 clean = stages 1-6 twice; the 13th is a hold
    runs = [R(at(days[-1]), 3300)]
    rx = next_run(runs, sessions, PROTOCOL, CONFIG, today=days[-1])
    assert rx.kind is PrescriptionKind.DISTANCE_CAP
    assert rx.decision is PainDecision.HOLD
    assert rx.distance_m == pytest.approx(3300)


history_days = st.lists(st.integers(0, 90), max_size=8, unique=True)


@settings(derandomize=True, max_examples=200)
@given(
    run_days=history_days,
    distances=st.lists(st.floats(500, 42000), min_size=8, max_size=8),
    pain=st.lists(st.tuples(st.floats(0, 10), st.floats(0, 10), st.booleans()), max_size=14),
    lenient=st.booleans(),
)
def test_next_distance_within_110_percent_unless_stage_table(
    run_days: list[int],
    distances: list[float],
    pain: list[tuple[float, float, bool]],
    lenient: bool,
) -> None:
    today = date(2024, 6, 30)
    runs = [R(at(today - timedelta(days=d)), distances[i]) for i, d in enumerate(run_days)]
    sessions = [
        SessionPain(today - timedelta(days=2 * i), during, None, morning, 1.0, done)
        for i, (during, morning, done) in enumerate(pain)
    ]
    config = PainMonitoringConfig(silbernagel_mode=lenient)
    rx = next_run(runs, sessions, PROTOCOL, config, today=today)
    longest = longest_in_window(runs, at(today + timedelta(days=1)) - timedelta(hours=7))
    if rx.kind is PrescriptionKind.DISTANCE_CAP:
        assert rx.distance_m <= 1.10 * longest + 1e-6
        if rx.decision is not PainDecision.PROGRESS:  # no pain data or hold: never above longest
            assert rx.distance_m <= longest + 1e-6
            assert rx.instruction.startswith("Hold")
        else:
            assert rx.instruction.startswith("Progress")
    else:
        assert rx.stage is not None
        assert rx.distance_m == rx.stage.total_distance_m
    assert rx.reasons
    assert rx.citation_ids
    if sessions:
        state = replay_programme(sessions, PROTOCOL, config)
        latest = max(sessions, key=lambda s: s.day)
        if latest.during_nprs is not None and latest.during_nprs > config.effective_during_max_nprs:
            assert state.last.decision in {PainDecision.REGRESS, PainDecision.CLINICIAN_REVIEW}
            assert rx.decision is not PainDecision.PROGRESS


def test_log_of_a_current_runner_starts_in_free_running() -> None:
    runs = [R(at(TODAY - timedelta(days=d)), 8000) for d in (12, 9, 6)]
    sessions = [clean(TODAY - timedelta(days=6)), clean(TODAY - timedelta(days=3))]
    rx = next_run(runs, sessions, PROTOCOL, CONFIG, today=TODAY)
    assert rx.kind is PrescriptionKind.DISTANCE_CAP
    assert rx.decision is PainDecision.PROGRESS
    assert rx.distance_m == pytest.approx(8800)
    hurt = [*sessions[:1], breach(TODAY - timedelta(days=3))]
    rx = next_run(runs, hurt, PROTOCOL, CONFIG, today=TODAY)
    assert rx.kind is PrescriptionKind.WALK_RUN
    assert rx.stage is not None
    assert rx.stage.number == len(PROTOCOL.stages)
