"""The patient's intake pages: only patient-answerable case fields, valid choices and sites."""

from __future__ import annotations

import pytest

from runnersknee.clinical.case import PainSite
from runnersknee.clinical.errors import ContentError
from runnersknee.content.intake import _question, case_field, load_intake


def test_every_question_fills_a_case_field_a_patient_may_answer() -> None:
    content = load_intake()
    fields = [q.field for s in content.steps for q in s.questions if q.kind != "chart"]
    assert len(fields) == len(set(fields)), "a field is asked twice"
    for field in fields:
        spec = case_field(field)
        assert spec is not None, field
        assert not field.startswith("exam.")
        assert not spec.metadata.get("clinician_only")


def test_every_patient_asked_question_of_the_case_model_is_on_a_page() -> None:
    """The case's own plain-words red-flag questions (``asked``) all reach the patient."""
    import dataclasses

    from runnersknee.clinical.case import BackAndBladder, Circulation

    asked = {f"circulation.{f.name}" for f in dataclasses.fields(Circulation)}
    asked |= {f"back_and_bladder.{f.name}" for f in dataclasses.fields(BackAndBladder)}
    asked |= {"systemic.cancer_history", "mechanical.knee_came_out_and_went_back"}
    on_pages = {q.field for s in load_intake().steps for q in s.questions}
    assert asked <= on_pages


def test_the_body_chart_has_the_eight_areas_and_only_real_pain_sites() -> None:
    chart = load_intake().chart
    assert len(chart) == 8
    sites = [a.site for a in chart if a.site is not None]
    assert set(sites) == set(PainSite)
    assert [a.id for a in chart if a.site is None] == ["back_of_knee"]


def test_an_examination_finding_or_an_unknown_field_is_refused() -> None:
    exam = {"field": "exam.fibular_head_tenderness", "kind": "yesno", "text": "?"}
    with pytest.raises(ContentError, match="examination finding"):
        _question(exam, "test")
    clinician_only = {"field": "exam.pitting_oedema", "kind": "yesno", "text": "?"}
    with pytest.raises(ContentError, match="examination finding"):
        _question(clinician_only, "test")
    with pytest.raises(ContentError, match="not a field"):
        _question({"field": "systemic.nope", "kind": "yesno", "text": "?"}, "test")
    wrong = {"field": "side", "kind": "choice", "text": "?", "choices": [["middle", "Middle"]]}
    with pytest.raises(ContentError, match="not one of"):
        _question(wrong, "test")
