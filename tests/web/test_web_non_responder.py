"""The "non-responder at re-assessment" alert (issue 15): no clinically important improvement
of an outcome questionnaire at a re-assessment at least 6 weeks (follow_up.toml) after the
first score; dated the day of that re-assessment; never for a paraphrased questionnaire."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from runnersknee.services.access.accounts import actor_for
from runnersknee.services.care import intake
from runnersknee.services.demo import _questionnaire
from runnersknee.store.tables import AlertRow, UserRow
from tests.content import CONTENT
from tests.web.conftest import TODAY, World, client_for, page_login


def _alerts(world: World, patient_id: int) -> list[AlertRow]:
    with world.database.transaction() as tx:
        rows = tx.scalars(
            select(AlertRow).where(
                AlertRow.patient_id == patient_id, AlertRow.kind == "non_responder"
            )
        ).all()
        tx.expunge_all()
        return list(rows)


def _nprs(world: World, patient_id: int, worst: int, weeks_ago: float) -> None:
    with world.database.transaction() as tx:
        doc = actor_for(tx, tx.query(UserRow).filter_by(email="doc@test.example").one())
        day = TODAY - timedelta(days=round(weeks_ago * 7))
        intake.record_questionnaire(
            tx, doc, patient_id, "nprs", {"worst_week": worst}, day, content=CONTENT
        )


def test_no_clinically_important_change_at_six_weeks_raises_the_alert_on_that_day(
    world: World, runner_ready: int
) -> None:
    assert CONTENT.follow_up.non_responder_weeks == 6
    _nprs(world, runner_ready, 6, 7)
    _nprs(world, runner_ready, 6, 4)  # 3 weeks in: too early to call
    assert _alerts(world, runner_ready) == []
    _nprs(world, runner_ready, 5, 0)  # 7 weeks in: -1 point, below the MCID of 1.16
    (alert,) = _alerts(world, runner_ready)
    assert alert.occurred_on == TODAY
    assert alert.message.startswith("Non-responder at re-assessment: NPRS 6 \u2192 5 (-1 points)")
    assert "after 7 weeks" in alert.message
    assert "minimal important change 1.16 points; Piva and colleagues, 2009" in alert.message
    assert "(clinic-set default)" in alert.message
    _nprs(world, runner_ready, 6, 0)  # a later score: the same first score, no second alert
    assert len(_alerts(world, runner_ready)) == 1
    client = client_for(world)
    page_login(client, "doc@test.example")
    page = client.get("/clinic/alerts").text
    assert "Non responder" in page
    assert TODAY.isoformat() in page


def test_an_improvement_or_a_paraphrased_questionnaire_raises_nothing(
    world: World, runner_ready: int
) -> None:
    _nprs(world, runner_ready, 7, 8)
    _nprs(world, runner_ready, 4, 0)  # -3 points: a clinically important improvement
    with world.database.transaction() as tx:
        doc = actor_for(tx, tx.query(UserRow).filter_by(email="doc@test.example").one())
        # the same poor AKPS twice, 8 weeks apart: its wording is a paraphrase (no MCID)
        _questionnaire(tx, doc, runner_ready, TODAY - timedelta(weeks=8), True, content=CONTENT)
        _questionnaire(tx, doc, runner_ready, TODAY, True, content=CONTENT)
    assert _alerts(world, runner_ready) == []
