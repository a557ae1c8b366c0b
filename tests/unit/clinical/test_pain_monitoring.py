"""The pain-monitoring model (KB 5.5): breaches regress, clean completions progress."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.pain_monitoring import (
    PainDecision,
    PainMonitoringConfig,
    SessionPain,
    assess_session,
    decide_progression,
)

CONFIG = PainMonitoringConfig()
DAY = date(2024, 6, 1)


def _s(i: int, during: float | None = 1, morning: float | None = 1, *, baseline: float = 1,
       after: float | None = 2, completed: bool = True) -> SessionPain:  # fmt: skip
    return SessionPain(DAY + timedelta(days=2 * i), during, after, morning, baseline, completed)


def test_defaults_are_unverified_and_cited() -> None:
    assert CONFIG.during_max_nprs == 3.0
    assert CONFIG.effective_during_max_nprs == 3.0
    assert PainMonitoringConfig(silbernagel_mode=True).effective_during_max_nprs == 5.0
    assert CONFIG.verified is False
    assert "SILBERNAGEL-2007" in CONFIG.citation_ids


def test_ranges_are_checked() -> None:
    with pytest.raises(InvalidInput, match="during_nprs"):
        SessionPain(DAY, 11, None, None, None)
    with pytest.raises(InvalidInput, match="during_max_nprs"):
        PainMonitoringConfig(during_max_nprs=-1)


@pytest.mark.parametrize(
    ("session", "decision"),
    [
        (_s(0, during=3), PainDecision.PROGRESS),
        (_s(0, during=3.5), PainDecision.REGRESS),
        (_s(0, morning=2, baseline=1), PainDecision.REGRESS),
        (_s(0, after=6), PainDecision.REGRESS),
        (_s(0, morning=None), PainDecision.HOLD),
        (_s(0, completed=False), PainDecision.HOLD),
    ],
)
def test_assess_session(session: SessionPain, decision: PainDecision) -> None:
    assert assess_session(session, CONFIG).decision is decision


def test_silbernagel_mode_allows_up_to_five() -> None:
    lenient = PainMonitoringConfig(silbernagel_mode=True)
    assert assess_session(_s(0, during=5), lenient).decision is PainDecision.PROGRESS
    assert assess_session(_s(0, during=5.5), lenient).decision is PainDecision.REGRESS


def test_two_clean_completions_progress_one_does_not() -> None:
    assert decide_progression([_s(0)], CONFIG).decision is PainDecision.HOLD
    assert decide_progression([_s(0), _s(1)], CONFIG).decision is PainDecision.PROGRESS


def test_rising_weekly_morning_pain_blocks_progress() -> None:
    result = decide_progression([_s(0), _s(1)], CONFIG, weekly_morning_pain=[1, 2])
    assert result.decision is PainDecision.HOLD
    assert "rising" in result.reasons[0]


def test_regression_then_clinician_review_after_two() -> None:
    assert decide_progression([_s(0, during=6)], CONFIG).decision is PainDecision.REGRESS
    second = decide_progression([_s(0, during=6)], CONFIG, prior_regressions=1)
    assert second.decision is PainDecision.CLINICIAN_REVIEW
    both = decide_progression([_s(0, during=6), _s(1), _s(2, during=5)], CONFIG)
    assert both.decision is PainDecision.CLINICIAN_REVIEW


nprs = st.one_of(st.none(), st.floats(0, 10, allow_nan=False))
sessions = st.lists(
    st.builds(
        SessionPain,
        day=st.dates(date(2024, 1, 1), date(2024, 12, 31)),
        during_nprs=nprs,
        after_nprs=nprs,
        next_morning_nprs=nprs,
        baseline_morning_nprs=nprs,
        completed=st.booleans(),
    ),
    max_size=6,
)
configs = st.builds(
    PainMonitoringConfig,
    during_max_nprs=st.floats(0, 10, allow_nan=False),
    silbernagel_mode=st.booleans(),
    next_morning_tolerance_nprs=st.floats(0, 3, allow_nan=False),
)


@settings(derandomize=True, max_examples=300)
@given(history=sessions, config=configs)
def test_a_breach_never_progresses_and_thresholds_hold(
    history: list[SessionPain], config: PainMonitoringConfig
) -> None:
    result = decide_progression(history, config)
    last = sorted(history, key=lambda s: s.day)[-2:]
    if result.decision is PainDecision.PROGRESS:
        assert len(last) == 2
        for session in last:
            assert session.completed
            assert session.during_nprs is not None
            assert session.during_nprs <= config.effective_during_max_nprs
            assert session.next_morning_nprs is not None
            baseline = session.baseline_morning_nprs
            assert baseline is not None  # a missing baseline is never read as 0/10
            assert session.next_morning_nprs <= baseline + config.next_morning_tolerance_nprs
    for session in history:
        single = assess_session(session, config)
        if (
            session.during_nprs is not None
            and session.during_nprs > config.effective_during_max_nprs
        ):
            assert single.decision is PainDecision.REGRESS


def test_missing_morning_baseline_holds_instead_of_comparing_with_zero() -> None:
    config = PainMonitoringConfig()
    session = SessionPain(DAY, 1, 2, 2, None)
    result = assess_session(session, config)
    assert result.decision is PainDecision.HOLD
    assert any("baseline" in reason for reason in result.reasons)
    assert not any("0/10" in reason for reason in result.reasons)
    with_baseline = assess_session(SessionPain(DAY, 1, 2, 2, 2), config)
    assert with_baseline.decision is PainDecision.PROGRESS
    severe = assess_session(SessionPain(DAY, 1, 2, 6, None), config)
    assert severe.decision is PainDecision.REGRESS  # above the after-activity limit
