"""Plan-change suggestions on the record (issue 15): proposed from pain logs, adherence, runs
and questionnaires with their reason and sources; accepted into a new draft version (the
patient sees nothing until sign-off) or dismissed with a reason that is kept and audited; a
decided suggestion does not come back for the same evidence. Also the running hold."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from runnersknee.services.access.accounts import actor_for
from runnersknee.services.access.authz import Actor
from runnersknee.services.care import logs, records
from runnersknee.services.care.morning_baseline import record_baseline
from runnersknee.services.care.safety_gate import gate_for
from runnersknee.store.tables import (
    AuditRow,
    PlanSuggestionRow,
    PlanVersionRow,
    RunRow,
    UserRow,
)
from tests.content import CONTENT
from tests.web.conftest import TODAY, World, client_for, page_login

SIGNED_ON = TODAY - timedelta(days=14)


def _doc(world: World) -> Actor:
    with world.database.transaction() as tx:
        return actor_for(tx, tx.query(UserRow).filter_by(email="doc@test.example").one())


def _backdate_signed(world: World, day=SIGNED_ON) -> None:  # type: ignore[no-untyped-def]
    with world.database.transaction() as tx:
        tx.execute(
            update(PlanVersionRow).values(created_at=datetime.combine(day, time(9), tzinfo=UTC))
        )


def _sessions(world: World, patient_id: int, during: int, days: tuple[int, ...]) -> None:
    """Exercise and pain logs on ``days`` after the sign-off (the next morning back to 0)."""
    doc = _doc(world)
    with world.database.transaction() as tx:
        record_baseline(tx, patient_id, SIGNED_ON, 0)
        plan = logs.signed_plan(tx, patient_id)
        assert plan is not None
        exercises = sorted(
            str(i["exercise_id"]) for i in records.plan_items(plan.data) if i.get("exercise_id")
        )
        for offset in days:
            day = SIGNED_ON + timedelta(days=offset)
            for exercise_id in exercises:
                logs.log_exercise(tx, doc, patient_id, exercise_id, 3, 10, day, content=CONTENT)
            logs.log_pain(tx, doc, patient_id, day, during, during, None, content=CONTENT)
            logs.log_pain(
                tx, doc, patient_id, day + timedelta(days=1), None, None, 0, content=CONTENT
            )


def _open_titles(html: str) -> list[str]:
    part = html.split('id="suggestions-title"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<h3 id="sug-[^"]+">([^<]+)</h3>', part)


def _key(html: str, title_part: str) -> str:
    part = html.split('id="suggestions-title"', 1)[1].split("</section>", 1)[0]
    for article in part.split('<article class="suggestion"')[1:]:
        if title_part in article:
            found = re.search(r'name="key" value="([^"]+)"', article)
            assert found is not None
            return found.group(1)
    raise AssertionError(f"no suggestion with {title_part!r}")


def _versions(world: World) -> int:
    with world.database.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(PlanVersionRow)) or 0)


def _login(world: World) -> tuple[TestClient, str]:
    client = client_for(world)
    return client, page_login(client, "doc@test.example")


def _progressing(world: World, pid: int) -> tuple[TestClient, str, str]:
    """Three sessions within the limits since the sign-off; the record page."""
    _backdate_signed(world)
    _sessions(world, pid, 1, (2, 4, 6))
    client, token = _login(world)
    return client, token, client.get(f"/clinic/patients/{pid}").text


def test_progress_is_suggested_and_accepted_into_a_draft(world: World, runner_ready: int) -> None:
    pid = runner_ready
    client, token, record = _progressing(world, pid)
    titles = _open_titles(record)
    hops = next(t for t in titles if t.startswith("Progress") and "hop" in t.lower())
    assert "Pain monitoring says progress" in record
    assert "was done on 3 days since version 2 was signed" in record
    assert "Silbernagel" in record  # sources in plain words
    assert "SILBERNAGEL-2007" not in record
    # accept: a new draft version holds the change; the signed plan (the patient's) is unchanged
    before = _versions(world)
    key = _key(record, hops.split("\u201d")[0])
    done = client.post(
        f"/clinic/patients/{pid}/suggestions/accept",
        data={"csrf_token": token, "key": key},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "/plan?done=suggestion" in done.headers["location"]
    assert _versions(world) == before + 1
    with world.database.transaction() as tx:
        latest = tx.scalar(select(PlanVersionRow).order_by(PlanVersionRow.version.desc()))
        assert latest is not None
        assert latest.status == "draft"
        assert latest.change.startswith("accepted Progress")
        exercises = {i.get("exercise_id") for i in records.plan_items(latest.data)}
        assert "hop-single-leg" in exercises
        assert "hop-double-leg" not in exercises
        signed = logs.signed_plan(tx, pid)
        assert signed is not None
        assert "hop-double-leg" in {i.get("exercise_id") for i in records.plan_items(signed.data)}
    plan = client.get(f"/clinic/patients/{pid}/plan?done=suggestion").text
    assert "Suggestion accepted" in plan
    assert "Accepted the suggestion: Progress" in plan
    assert hops not in _open_titles(plan)
    assert "into draft version" in plan
    # accepting the same key again: it no longer applies, nothing changes
    again = client.post(
        f"/clinic/patients/{pid}/suggestions/accept", data={"csrf_token": token, "key": key}
    )
    assert again.status_code == 409
    assert "no longer applies" in again.text
    assert _versions(world) == before + 1
    with world.database.transaction() as tx:
        decided = AuditRow.action.in_(("suggestion.accept", "suggestion.dismiss"))
        assert list(tx.scalars(select(AuditRow.action).where(decided))) == ["suggestion.accept"]
        reads = tx.scalars(select(AuditRow.action).where(AuditRow.action == "suggestion.read"))
        assert list(reads)  # viewing the suggestions is audited as a read


def test_a_dismissed_suggestion_keeps_its_reason_and_stays_dismissed(
    world: World, runner_ready: int
) -> None:
    pid = runner_ready
    client, token, plan = _progressing(world, pid)
    before = _versions(world)
    # a reason is required, then it is kept and audited
    other = next(t for t in _open_titles(plan) if t.startswith("Progress"))
    other_key = _key(plan, other.split("\u201d")[0])
    empty = client.post(
        f"/clinic/patients/{pid}/suggestions/dismiss",
        data={"csrf_token": token, "key": other_key, "reason": "  ", "back": "plan"},
    )
    assert empty.status_code == 422
    assert "say why you dismiss this suggestion" in empty.text
    dismissed = client.post(
        f"/clinic/patients/{pid}/suggestions/dismiss",
        data={
            "csrf_token": token,
            "key": other_key,
            "reason": "Wants to keep the metronome a week longer",
            "back": "summary",
        },
        follow_redirects=False,
    )
    assert dismissed.status_code == 303
    assert dismissed.headers["location"].endswith("?done=dismissed#suggestions")
    record = client.get(dismissed.headers["location"]).text
    assert "Suggestion dismissed" in record
    assert other not in _open_titles(record)  # the same evidence: it stays dismissed
    assert "Reason: Wants to keep the metronome a week longer" in record
    assert _versions(world) == before  # a dismissal changes no plan
    with world.database.transaction() as tx:
        rows = tx.scalars(select(PlanSuggestionRow).order_by(PlanSuggestionRow.id)).all()
        assert [(r.status, r.rule) for r in rows] == [("dismissed", "progress_exercise")]
        assert rows[0].note == "Wants to keep the metronome a week longer"
        assert rows[0].evidence.startswith("Pain monitoring says progress")
        decided = AuditRow.action.in_(("suggestion.accept", "suggestion.dismiss"))
        assert list(tx.scalars(select(AuditRow.action).where(decided))) == ["suggestion.dismiss"]


def test_a_breach_suggests_holding_running_which_the_gate_obeys_once_signed(
    world: World, runner_ready: int
) -> None:
    pid = runner_ready
    _backdate_signed(world)
    _sessions(world, pid, 6, (2,))  # pain 6/10 during: above the limit
    client, token = _login(world)
    record = client.get(f"/clinic/patients/{pid}").text
    titles = _open_titles(record)
    assert any(t.startswith("Step back one level:") for t in titles)
    assert "Hold running until you have reviewed the knee" in titles
    client.post(
        f"/clinic/patients/{pid}/suggestions/accept",
        data={"csrf_token": token, "key": _key(record, "Hold running")},
    )
    with world.database.transaction() as tx:
        assert gate_for(tx, pid, CONTENT).allowance.runs  # a draft changes nothing yet
    plan = client.post(f"/clinic/patients/{pid}/plan/sign", data={"csrf_token": token}).text
    assert "Running is held" in plan
    with world.database.transaction() as tx:
        gate = gate_for(tx, pid, CONTENT)
        assert gate.allowance.run_state == "running_held"
        assert not gate.allowance.runs
        assert gate.allowance.exercises
        assert "paused your running" in gate.run_patient_message
    # resume by hand (a reason is needed only to hold)
    refused = client.post(
        f"/clinic/patients/{pid}/plan/running", data={"csrf_token": token, "hold": "1"}
    )
    assert refused.status_code == 422
    client.post(f"/clinic/patients/{pid}/plan/running", data={"csrf_token": token, "hold": "0"})
    page = client.post(f"/clinic/patients/{pid}/plan/sign", data={"csrf_token": token}).text
    assert "Running resumed" in page
    with world.database.transaction() as tx:
        assert gate_for(tx, pid, CONTENT).allowance.runs


def test_cadence_change_and_orthoses_review_from_runs_and_time(
    world: World, runner_ready: int
) -> None:
    pid = runner_ready
    doc = _doc(world)
    with world.database.transaction() as tx:
        records.remove_item(tx, doc, pid, "gait_retraining:gait-cadence-metronome")
        records.add_exercise(tx, doc, pid, "orthosis-trial-prefabricated", "", content=CONTENT)
        records.sign_plan(tx, doc, pid, "orthoses for 6 weeks")
        for days_ago, cadence in ((20, 160.0), (13, 161.0), (6, 160.0)):
            tx.add(
                RunRow(
                    patient_id=pid,
                    run_on=TODAY - timedelta(days=days_ago),
                    distance_m=5000,
                    duration_s=1800,
                    cadence_spm=cadence,
                    source="fit",
                )
            )
    _backdate_signed(world, TODAY - timedelta(weeks=7))
    client, token = _login(world)
    record = client.get(f"/clinic/patients/{pid}").text
    titles = _open_titles(record)
    cadence = next(t for t in titles if t.startswith("Start the cadence change"))
    assert "168-176 steps/min" in cadence
    review = next(t for t in titles if t.startswith("Review the orthoses at 6 weeks"))
    client.post(
        f"/clinic/patients/{pid}/suggestions/accept",
        data={"csrf_token": token, "key": _key(record, "Review the orthoses")},
    )
    client.post(
        f"/clinic/patients/{pid}/suggestions/accept",
        data={"csrf_token": token, "key": _key(record, "Start the cadence change")},
    )
    with world.database.transaction() as tx:
        latest = tx.scalar(select(PlanVersionRow).order_by(PlanVersionRow.version.desc()))
        assert latest is not None
        items = {i.get("exercise_id"): i for i in records.plan_items(latest.data)}
    assert "orthosis-trial-prefabricated" not in items
    assert "168 to 176 steps a minute" in items["gait-cadence-metronome"]["clinician_note"]
    after = _open_titles(client.get(f"/clinic/patients/{pid}").text)
    assert review not in after
    assert cadence not in after


def test_a_suggestion_decided_twice_at_once_is_a_conflict_not_a_server_error(
    world: World, runner_ready: int
) -> None:
    from zoneinfo import ZoneInfo

    import pytest

    from runnersknee.clinical.errors import Conflict
    from runnersknee.services.review import suggestions

    pid = runner_ready
    client, token, record = _progressing(world, pid)
    title = next(t for t in _open_titles(record) if t.startswith("Progress"))
    key = _key(record, title.split("\u201d")[0])
    doc = _doc(world)
    # the second clinician found the suggestion open ...
    with world.database.transaction() as tx:
        seen = suggestions._find(tx, doc, pid, key, TODAY, ZoneInfo("UTC"), CONTENT)
    # ... the first one dismissed it meanwhile ...
    first = client.post(
        f"/clinic/patients/{pid}/suggestions/dismiss",
        data={"csrf_token": token, "key": key, "reason": "not yet", "back": "plan"},
        follow_redirects=False,
    )
    assert first.status_code == 303
    # ... so the second decision is refused with a clear conflict, and nothing changes
    with (
        pytest.raises(Conflict, match="decided a moment ago"),
        world.database.transaction() as tx,
    ):
        suggestions._record(tx, doc, pid, seen, "dismissed", "me too", None)
    with world.database.transaction() as tx:
        rows = tx.scalars(select(PlanSuggestionRow).where(PlanSuggestionRow.key == key)).all()
        assert [r.note for r in rows] == ["not yet"]
