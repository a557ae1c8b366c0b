"""The JSON API's record overview shows the plan and the assessment as stored (issue 13: the
overview carries typed objects; the API maps them back to the stored JSON)."""

from __future__ import annotations

from sqlalchemy import select

from runnersknee.store.tables import AssessmentRow, PlanVersionRow
from tests.web.conftest import World
from tests.web.test_web_plan_editor import _plan


def test_the_record_overview_shows_the_stored_plan_and_assessment(world: World) -> None:
    client, _, pid, _, _ = _plan(world)
    body = client.get(f"/api/v1/patients/{pid}").json()
    with world.database.transaction() as tx:
        plan = tx.scalars(select(PlanVersionRow).order_by(PlanVersionRow.id.desc())).first()
        assessment = tx.scalars(select(AssessmentRow).order_by(AssessmentRow.id.desc())).first()
    assert plan is not None
    assert assessment is not None
    assert body["plan"]["data"] == plan.data
    assert list(body["plan"]) == [
        "id",
        "version",
        "status",
        "change",
        "data",
        "created_by",
        "created_at",
    ]
    assert body["assessment"] == assessment.data
