"""No red-flag case reaches a plan or a run prescription through any entry point.

Hypothesis draws a kneecap-pain presentation plus one red-flag answer (any that makes triage
other than ``plan``) and sends it through the CLI's plan use case, the JSON API and the
portal's pages. A clinician may not generate a plan, and the patient gets no exercise and no
run from the API or the pages.
"""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runnersknee.clinical.case import Case
from runnersknee.clinical.triage import TriageLevel, triage
from runnersknee.content.triage import load_triage_rules
from runnersknee.services.access.accounts import actor_for
from runnersknee.services.care import patients, planning
from runnersknee.services.demo import PFP_CASE
from runnersknee.store.mapping import to_json
from runnersknee.store.tables import UserRow
from tests.content import CONTENT
from tests.unit.clinical.test_triage import RED_FLAG_ANSWERS, add_answer
from tests.web.conftest import PASSWORD, TODAY, World, api_login, client_for, page_login

RULES = load_triage_rules()
BASE = planning.parse_case(PFP_CASE)


def _red_flag_case(answer: tuple[str, Any]) -> Case | None:
    case = add_answer(BASE, *answer)
    return None if triage(case, RULES).level is TriageLevel.PLAN else case


red_flag_cases = (
    st.sampled_from(RED_FLAG_ANSWERS).map(_red_flag_case).filter(lambda case: case is not None)
)


def _new_patient(world: World, n: int) -> tuple[int, str]:
    email = f"p{n}@test.example"
    with world.database.transaction() as tx:
        doc = actor_for(tx, tx.query(UserRow).filter_by(email="doc@test.example").one())
        new = patients.NewPatient(f"Pat {n}", 1990, email, PASSWORD)
        return patients.create_patient(tx, doc, new, TODAY), email


_NUMBERS = itertools.count(1)
_CLINICIANS: dict[int, tuple[TestClient, dict[str, str]]] = {}


def _clinician(world: World) -> tuple[TestClient, dict[str, str]]:
    """One clinician login per app for all examples (logins are rate limited)."""
    if id(world.app) not in _CLINICIANS:
        doc = client_for(world)
        _CLINICIANS[id(world.app)] = (doc, api_login(doc, "doc@test.example"))
    return _CLINICIANS[id(world.app)]


def test_every_red_flag_answer_is_drawn() -> None:
    """The strategy can reach every red-flag answer that changes the level on this case."""
    reachable = [answer for answer in RED_FLAG_ANSWERS if _red_flag_case(answer) is not None]
    assert len(reachable) >= 30


@settings(
    derandomize=True,
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(case=red_flag_cases)
def test_no_red_flag_case_reaches_a_plan_or_a_run(world: World, case: Case) -> None:
    document = to_json(case)
    report = planning.plan_case_document(document, content=CONTENT)  # what `runnersknee plan` runs
    assert report.plan is None
    assert report.refusal is not None

    patient_id, email = _new_patient(world, next(_NUMBERS))
    doc, headers = _clinician(world)
    base = f"/api/v1/patients/{patient_id}"
    put = doc.put(f"{base}/intake", json=document, headers=headers)
    assert put.status_code == 200, put.text
    assert put.json()["red_flag"] is True
    assert doc.post(f"{base}/plans", headers=headers).status_code == 409

    page = client_for(world)  # one login: the session serves the pages and the API reads
    page_login(page, email)
    assert page.get(f"{base}/today").json()["items"] == []
    assert page.get(f"{base}/runs/next").status_code == 409
    assert "Your exercises" not in page.get("/me").text
    assert "Your next run" in page.get("/me/runs").text  # the gate card, no prescription
    assert "Walk–run stage" not in page.get("/me/runs").text
