"""Content loaders: thresholds, plan settings, overrides and education texts."""

from __future__ import annotations

import pytest

from runnersknee.clinical.errors import ContentError
from runnersknee.content import load_citations
from runnersknee.content.assessment import load_assessment_thresholds, load_plan_config
from runnersknee.content.education import load_education


def test_thresholds_match_the_knowledge_base():
    t = load_assessment_thresholds()
    assert (
        t.hamstring_ake_tight_male_above_deg.value,
        t.hamstring_ake_tight_female_above_deg.value,
    ) == (33.0, 23.4)
    assert t.hamstring_ake_tight_female_above_deg.verified is True
    assert t.fpi6_pronated_min.value == 6
    assert t.lsi_weak_below_pct.value == 90.0
    assert t.lsi_weak_below_pct.verified is False
    assert t.wblt_restricted_below_cm.verified is False
    assert t.pelvic_drop_high_above_deg is None


def test_overrides_are_applied_and_marked_unverified():
    t = load_assessment_thresholds({"lsi_weak_below_pct": 85, "pelvic_drop_high_above_deg": 7})
    assert t.lsi_weak_below_pct.value == 85
    assert "file default 90" in t.lsi_weak_below_pct.note
    assert t.pelvic_drop_high_above_deg is not None
    assert t.pelvic_drop_high_above_deg.verified is False
    with pytest.raises(ContentError, match="unknown threshold"):
        load_assessment_thresholds({"nonsense": 1})
    with pytest.raises(ContentError, match="finite number"):
        load_assessment_thresholds({"lsi_weak_below_pct": float("inf")})


def test_plan_config_defaults_and_overrides():
    config = load_plan_config()
    assert config.pain_threshold_nprs.value == 3.0
    assert config.gait_dose.sessions == 8
    assert config.gait_dose.weeks == 2
    assert config.orthoses_max_weeks.value == 6
    assert config.phase_rule.functional_akps_at_least is None
    local = load_plan_config(
        {"pain_threshold_nprs": 2}, threshold_overrides={"lsi_weak_below_pct": 80}
    )
    assert local.pain_threshold_nprs.value == 2
    assert local.thresholds.lsi_weak_below_pct.value == 80
    with pytest.raises(ContentError):
        load_plan_config({"pain_threshold_nprs": 11})
    with pytest.raises(ContentError):
        load_plan_config({"gait_sessions": 2.5})


def test_education_topics_are_plain_cited_and_cover_the_seed():
    topics = load_education()
    ids = {t.id for t in topics}
    assert {
        "what_is_runners_knee",
        "why_early_treatment",
        "what_to_expect",
        "pain_monitoring",
    } <= ids
    registry = load_citations()
    for topic in topics:
        registry.require(topic.citation_ids, where=topic.id)
        assert "  " not in topic.body
    monitor = next(t for t in topics if t.id == "pain_monitoring")
    assert "{pain_threshold}" in monitor.body
