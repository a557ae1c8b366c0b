"""The clinician's record: tabs, the summary at a glance, the Runs tab, patient details and
the red-flag workflow (issue 15)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from runnersknee.services.demo import ASSESSMENT, PFP_CASE, RED_FLAG_CASE
from runnersknee.store.tables import AlertRow, PainLogRow, PatientRow, RunRow
from tests.web.conftest import TODAY, World, api_login, client_for, page_login

TABS = ("Summary", "Intake", "Questionnaires", "Assessment", "Plan", "Runs", "Videos", "Timeline")


def _current_tab(html: str) -> str:
    tabs = html.split('class="tabs record-tabs"')[1].split("</nav>", maxsplit=1)[0]
    found = re.search(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', tabs)
    assert found is not None, "no current tab"
    return found.group(1)


def _add_runs(world: World, patient_id: int) -> None:
    """Four weekly runs ending today; the third is 60 % longer than the longest before it."""
    with world.database.transaction() as tx:
        for weeks_ago, km, cadence in ((3, 5.0, 166.0), (2, 5.0, 168.0), (1, 8.0, 170.0)):
            day = TODAY - timedelta(weeks=weeks_ago)
            tx.add(
                RunRow(
                    patient_id=patient_id,
                    run_on=day,
                    distance_m=km * 1000,
                    duration_s=km * 330,
                    cadence_spm=cadence,
                    source="fit",
                )
            )
        tx.add(
            RunRow(
                patient_id=patient_id,
                run_on=TODAY,
                distance_m=4000,
                duration_s=1320,
                cadence_spm=172.0,
                source="gpx",
            )
        )
        tx.add(
            PainLogRow(
                patient_id=patient_id,
                logged_on=TODAY - timedelta(weeks=1),
                during=2,
                after=3,
                next_morning=1,
                activity="run",
            )
        )


def test_every_tab_of_the_record_names_the_patient_and_marks_itself(world: World) -> None:
    client = client_for(world)
    page_login(client, "doc@test.example")
    pid = world.patient_a
    base = f"/clinic/patients/{pid}"
    pages = {
        "Summary": base,
        "Intake": f"{base}/intake",
        "Questionnaires": f"{base}/questionnaires",
        "Assessment": f"{base}/assessment",
        "Plan": f"{base}/plan",
        "Runs": f"{base}/runs",
        "Videos": f"{base}/videos",
        "Timeline": f"{base}/timeline",
    }
    assert tuple(pages) == TABS
    for tab, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert _current_tab(response.text) == tab, url
        assert "Ann A" in response.text, url
        for other in pages.values():
            assert f'href="{other}"' in response.text, (url, other)


def test_runs_tab_lists_runs_with_pace_cadence_pain_and_spikes(world: World) -> None:
    _add_runs(world, world.patient_a)
    client = client_for(world)
    page_login(client, "doc@test.example")
    page = client.get(f"/clinic/patients/{world.patient_a}/runs")
    assert page.status_code == 200
    text = page.text
    assert "Pace (min/km)" in text
    assert "Cadence (steps/min)" in text
    assert "5:30" in text  # 330 s per km
    assert re.search(r'class="spike">\s*<strong>moderate \(\+60 %\)</strong>', text)
    assert "2 / 3 / 1" in text  # pain during / after / next morning of that run
    assert "<svg" in text  # weekly km chart
    assert "Runs, newest first" in text


def test_runs_tab_without_runs_says_so(world: World) -> None:
    client = client_for(world)
    page_login(client, "doc@test.example")
    page = client.get(f"/clinic/patients/{world.patient_b}/runs")
    assert page.status_code == 200
    assert "No runs yet." in page.text
    assert "No intake recorded: nothing is prescribed." in page.text


def test_summary_shows_pain_adherence_alerts_plan_running_and_gait(
    world: World, runner_ready: int
) -> None:
    _add_runs(world, runner_ready)
    client = client_for(world)
    page_login(client, "doc@test.example")
    page = client.get(f"/clinic/patients/{runner_ready}")
    assert page.status_code == 200
    text = page.text
    assert "At a glance" in text
    assert "during 2 &middot; after 3 &middot; next morning 1" in text
    assert "0 of 1 day" in text  # TODAY is a Monday, nothing logged
    assert "Phase 4, version 2" in text
    assert "4 km this week" in text
    assert "Last week 8 km" in text
    assert "latest cadence 172 steps/min" in text
    assert "Open alerts" in text


def test_summary_lists_gait_measures_of_the_latest_assessment(world: World) -> None:
    client = client_for(world)
    headers = api_login(client, "doc@test.example")
    pid = world.patient_a
    body = ASSESSMENT | {"running": {"cadence_spm": 164, "trunk_lean_deg": 7.5}}
    assert (
        client.put(f"/api/v1/patients/{pid}/assessment", json=body, headers=headers).status_code
        == 200
    )
    page = client.get(f"/clinic/patients/{pid}")
    assert "Cadence: 164 steps/min" in page.text
    assert "Trunk lean: 7.5 \u00b0" in page.text


def test_details_save_phone_and_review_and_refuse_bad_input(world: World) -> None:
    client = client_for(world)
    token = page_login(client, "doc@test.example")
    pid = world.patient_a
    url = f"/clinic/patients/{pid}/details"
    assert 'value="Ann A"' in client.get(url).text
    bad = client.post(
        url,
        data={
            "csrf_token": token,
            "display_name": "Ann Able",
            "phone": "call me maybe",
            "next_review_on": "2026-03-05",
        },
    )
    assert bad.status_code == 422
    assert "phone: digits" in bad.text
    assert 'value="call me maybe"' in bad.text
    with world.database.transaction() as tx:
        row = tx.get(PatientRow, pid)
        assert row is not None
        assert (row.display_name, row.phone, row.next_review_on) == ("Ann A", None, None)
    late = client.post(
        url, data={"csrf_token": token, "display_name": "Ann A", "next_review_on": "5 March"}
    )
    assert late.status_code == 422
    assert "next review" in late.text
    saved = client.post(
        url,
        data={
            "csrf_token": token,
            "display_name": "Ann Able",
            "birth_year": "1990",
            "phone": "+44 20 7946 0000",
            "next_review_on": "2026-03-05",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    assert "Details saved." in page.text
    assert 'href="tel:+442079460000"' in page.text
    assert "2026-03-05" in page.text
    with world.database.transaction() as tx:
        row = tx.get(PatientRow, pid)
        assert row is not None
        assert (row.display_name, row.phone, row.next_review_on) == (
            "Ann Able",
            "+44 20 7946 0000",
            date(2026, 3, 5),
        )


def test_roster_lists_reviews_due_and_overdue(world: World) -> None:
    client = client_for(world)
    token = page_login(client, "doc@test.example")
    for pid, day in ((world.patient_a, "2026-02-20"), (world.patient_b, "2026-05-01")):
        client.post(
            f"/clinic/patients/{pid}/details",
            data={"csrf_token": token, "display_name": "X" + str(pid), "next_review_on": day},
        )
    roster = client.get("/clinic/patients")
    due = roster.text.split('id="due-title"')[1].split("</section>")[0]
    assert f"X{world.patient_a}" in due
    assert "overdue" in due
    assert f"X{world.patient_b}" not in due


def _red_flag_patient(world: World) -> tuple[TestClient, str, int]:
    client = client_for(world)
    token = page_login(client, "doc@test.example")
    headers = {"X-CSRF-Token": client.get("/api/v1/auth/session").json()["csrf_token"]}
    pid = world.patient_a
    assert (
        client.put(
            f"/api/v1/patients/{pid}/intake", json=RED_FLAG_CASE, headers=headers
        ).status_code
        == 200
    )
    client.put(f"/api/v1/patients/{pid}/assessment", json=ASSESSMENT, headers=headers)
    return client, token, pid


def _open_red_flags(world: World, pid: int) -> int:
    with world.database.transaction() as tx:
        rows = tx.scalars(
            select(AlertRow).where(
                AlertRow.patient_id == pid,
                AlertRow.kind == "red_flag",
                AlertRow.resolved_at.is_(None),
            )
        ).all()
        return len(rows)


def test_red_flag_record_says_what_to_do_with_phone_and_disabled_plan(world: World) -> None:
    client, token, pid = _red_flag_patient(world)
    page = client.get(f"/clinic/patients/{pid}").text
    assert "Red flag (emergency): act now" in page
    assert "Call the patient now." in page
    assert "No phone number recorded." in page
    assert re.search(r"<button type=\"submit\" disabled aria-describedby=\"plan-blocked\">", page)
    assert "Contact the patient and record the referral outcome." in page
    client.post(
        f"/clinic/patients/{pid}/details",
        data={"csrf_token": token, "display_name": "Ann A", "phone": "07700 900123"},
    )
    page = client.get(f"/clinic/patients/{pid}").text
    assert 'href="tel:07700900123"' in page
    plan = client.get(f"/clinic/patients/{pid}/plan").text
    assert "disabled" in plan
    assert "A plan cannot be generated yet." in plan


def test_referral_outcome_closes_the_alert_and_says_what_comes_next(world: World) -> None:
    client, token, pid = _red_flag_patient(world)
    assert _open_red_flags(world, pid) == 1
    refused = client.post(
        f"/clinic/patients/{pid}/referral",
        data={
            "csrf_token": token,
            "decision": "cleared",
            "note": "seen",
            "checklist": ["called", "made-up"],
        },
    )
    assert refused.status_code == 422
    assert "unknown checklist item" in refused.text
    assert _open_red_flags(world, pid) == 1
    done = client.post(
        f"/clinic/patients/{pid}/referral",
        data={
            "csrf_token": token,
            "decision": "cleared",
            "note": "Seen by Dr Lee, 2 March: no infection",
            "checklist": ["called", "safety_advice"],
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = client.get(done.headers["location"]).text
    assert "Referral outcome recorded. The red-flag alert is closed" in page
    assert "Seen and cleared to treat" in page
    assert "Seen by Dr Lee" in page
    assert "Spoke to the patient (or left a message asking them to call back): done" in page
    assert "act now" not in page
    assert "Update the intake with the findings after clearance" in page
    assert f'href="/clinic/patients/{pid}/intake">Update the intake' in page
    assert _open_red_flags(world, pid) == 0
    with world.database.transaction() as tx:
        alert = tx.scalar(select(AlertRow).where(AlertRow.patient_id == pid))
        assert alert is not None
        assert alert.resolved_note is not None
        assert alert.resolved_note.startswith("Referral outcome: seen and cleared to treat.")
    # the intake updated with the findings after clearance: the plan can be generated
    headers = {"X-CSRF-Token": client.get("/api/v1/auth/session").json()["csrf_token"]}
    client.put(f"/api/v1/patients/{pid}/intake", json=PFP_CASE, headers=headers)
    page = client.get(f"/clinic/patients/{pid}").text
    assert "A plan cannot be generated yet." not in page
    generated = client.post(f"/clinic/patients/{pid}/plan/generate", data={"csrf_token": token})
    assert generated.status_code == 200
    assert "Version 1" in generated.text


def test_referred_on_keeps_the_plan_blocked_and_can_be_cleared_later(world: World) -> None:
    client, token, pid = _red_flag_patient(world)
    client.post(
        f"/clinic/patients/{pid}/referral",
        data={"csrf_token": token, "decision": "referred", "note": "ED, 2 March"},
    )
    page = client.get(f"/clinic/patients/{pid}").text
    assert "The patient was referred on." in page
    assert "Record outcome" in page  # the form stays for the later clearance
    assert (
        client.post(f"/clinic/patients/{pid}/plan/generate", data={"csrf_token": token}).status_code
        == 409
    )


def _banner(html: str) -> str:
    found = re.search(r'<section class="triage[^"]*".*?</section>', html, re.S)
    assert found is not None, "no triage banner"
    return found.group(0)


def test_the_triage_banner_speaks_to_the_clinician_not_the_patient(world: World) -> None:
    client, _, pid = _red_flag_patient(world)
    for url in (f"/clinic/patients/{pid}", f"/clinic/patients/{pid}/plan"):
        banner = _banner(client.get(url).text)
        assert "Triage: EMERGENCY" in banner
        # rule labels and the rules' clinician rationale, with plain-words sources
        assert "Possible septic arthritis: hot, red, swollen knee" in banner
        assert "a red-hot swollen joint is a medical emergency" in banner
        assert "Possible joint infection: fever with a local sign" in banner
        # a rule named inside another's rationale reads as its label
        assert "(Possible joint infection: fever with a local sign)" in banner
        assert "(American Academy of Pediatrics, Pediatric Care Online)" in banner
        # never the patient's wording or the engine's ids and citation keys
        assert "Your knee" not in banner
        assert "Your answers" not in banner
        assert not re.search(r"\b(RF|DD|PFP|SUP)-[A-Z]", banner)
        assert "CONS-2016-1" not in banner
        if url.endswith("/plan"):
            assert "What to do:</strong> Call the patient now." in banner
        else:  # the red box above the banner says it until the outcome is recorded
            assert "What to do:" not in banner
            assert "Call the patient now." in client.get(url).text
    headers = api_login(client, "doc@test.example")
    client.put(f"/api/v1/patients/{world.patient_b}/intake", json=PFP_CASE, headers=headers)
    plain = _banner(client.get(f"/clinic/patients/{world.patient_b}").text)
    assert "Triage: PLAN (the PFP pathway may proceed)" in plain
    assert "Patellofemoral pain probable" in plain
    assert "peri- or retropatellar pain, at least one provocative activity" in plain
    assert "What to do:</strong> No red flag or other likely cause" in plain
    assert "Crossley and colleagues, 2016" in plain
    assert "You have pain around or behind the kneecap" not in plain
    assert "PFP-PROBABLE" not in plain


def test_a_rule_no_longer_in_the_content_still_reads_in_clinician_words() -> None:
    from runnersknee.content.red_flag_actions import load_red_flag_actions
    from runnersknee.services.care.triage_view import clinician_triage
    from tests.content import CONTENT

    stored = {
        "level": "refer",
        "reasons": [
            {
                "rule_id": "DD-RETIRED-RULE",
                "level": "refer",
                "reason": "You said something.",
                "citation_ids": ["CPG-2019"],
                "verified": True,
                "condition": "pain_sites has calf",
            }
        ],
    }
    view = clinician_triage(stored, CONTENT.triage_rules, load_red_flag_actions())
    assert view is not None
    (finding,) = view.reasons
    assert finding.label == "Retired rule"
    assert finding.meaning == "Rule condition: pain_sites has calf"
    assert view.action.startswith("Contact the patient and arrange an assessment")
    assert clinician_triage(None, CONTENT.triage_rules, load_red_flag_actions()) is None
