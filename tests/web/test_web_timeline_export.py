"""The runner timeline as a PNG or SVG download (issue 15): one shared time axis with pain,
questionnaire scores (MCID band only where it applies), adherence, weekly km with spike runs,
cadence, gait measures and plan versions; empty panels say so."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from xml.etree import ElementTree

import pytest
from PIL import Image
from sqlalchemy import update

from runnersknee.clinical.errors import InvalidInput
from runnersknee.reports.timeline_chart import TimelineData, render_timeline
from runnersknee.services.access.accounts import actor_for
from runnersknee.services.care import intake, records
from runnersknee.services.demo import _questionnaire
from runnersknee.store.tables import PainLogRow, PlanVersionRow, RunRow, UserRow
from tests.content import CONTENT
from tests.ready import READY
from tests.web.conftest import TODAY, World, client_for, page_login


def _svg_text(data: bytes) -> str:
    root = ElementTree.fromstring(data)
    return " ".join(t.strip() for t in root.itertext() if t.strip())


def _fill(world: World, patient_id: int) -> None:
    with world.database.transaction() as tx:
        doc = actor_for(tx, tx.query(UserRow).filter_by(email="doc@test.example").one())
        gait = READY | {"running": {"cadence_spm": 164, "overstride_cm": 12, "trunk_lean_deg": 6}}
        records.save_assessment(tx, doc, patient_id, gait)
        for weeks_ago, worst in ((10, 6), (1, 3)):
            day = TODAY - timedelta(weeks=weeks_ago)
            intake.record_questionnaire(
                tx, doc, patient_id, "nprs", {"worst_week": worst}, day, content=CONTENT
            )
            _questionnaire(tx, doc, patient_id, day, weeks_ago > 5, content=CONTENT)
        for days_ago, km in ((40, 6.0), (30, 6.0), (20, 6.0), (9, 9.0)):
            tx.add(
                RunRow(
                    patient_id=patient_id,
                    run_on=TODAY - timedelta(days=days_ago),
                    distance_m=km * 1000,
                    duration_s=km * 330,
                    cadence_spm=162.0 + days_ago / 10,
                    source="fit",
                )
            )
        tx.add(PainLogRow(patient_id=patient_id, logged_on=TODAY - timedelta(days=9), during=3))
        signed = datetime.combine(TODAY - timedelta(weeks=8), time(9), tzinfo=UTC)
        tx.execute(update(PlanVersionRow).values(created_at=signed))  # into the 12 weeks


def test_png_and_svg_downloads_show_every_measure_on_one_axis(
    world: World, runner_ready: int
) -> None:
    _fill(world, runner_ready)
    client = client_for(world)
    page_login(client, "doc@test.example")
    tab = client.get(f"/clinic/patients/{runner_ready}/timeline").text
    assert f'href="/clinic/patients/{runner_ready}/timeline.png" download' in tab
    assert f'href="/clinic/patients/{runner_ready}/timeline.svg" download' in tab
    png = client.get(f"/clinic/patients/{runner_ready}/timeline.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.headers["content-disposition"] == (
        f'attachment; filename="patient-{runner_ready}-timeline-{TODAY.isoformat()}.png"'
    )
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG"
    assert image.width == 1000
    assert image.height > 1000  # one panel per measure
    svg = client.get(f"/clinic/patients/{runner_ready}/timeline.svg")
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    text = _svg_text(svg.content)
    for part in (
        "Ann A: runner timeline",
        "Pain during, after and the next morning",
        "NPRS total",
        "AKPS total",
        "within MCID (1.16) of first",
        "Adherence: days with exercises logged",
        "Weekly km",
        "+50 %",  # the 9 km run against the 6 km longest of the previous 30 days
        "Cadence",
        "Gait measures of the assessments (cm)",
        "Overstride",
        "v2 signed",
        "steps/min",
    ):
        assert part in text, part
    assert "within MCID (10)" not in text  # the paraphrased AKPS has no applicable MCID
    assert "<script" not in svg.text
    again = client.get(f"/clinic/patients/{runner_ready}/timeline.svg")
    assert again.content == svg.content  # the same data gives the same file


def test_an_empty_record_still_gives_a_timeline_that_says_what_is_missing(world: World) -> None:
    client = client_for(world)
    page_login(client, "doc@test.example")
    svg = client.get(f"/clinic/patients/{world.patient_b}/timeline.svg")
    assert svg.status_code == 200
    text = _svg_text(svg.content)
    for part in (
        "No pain logged in these weeks",
        "No Questionnaire score in these weeks",
        "No exercises logged in these weeks",
        "No runs in these weeks",
        "No cadence in these weeks",
        "No gait measures recorded",
    ):
        assert part in text, part


def test_render_refuses_an_unknown_format() -> None:
    empty = TimelineData(
        "x", date(2026, 1, 1), date(2026, 3, 1), (), (), (), (), (), (), None, None, (), ()
    )
    with pytest.raises(InvalidInput, match="choose png or svg"):
        render_timeline(empty, "gif")
