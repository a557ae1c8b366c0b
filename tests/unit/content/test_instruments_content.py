"""The instrument data files: KB tables, validation at load, and the generated docs page."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from runnersknee.clinical.errors import ContentError
from runnersknee.content import load_citations
from runnersknee.content.instruments import (
    INSTRUMENT_IDS,
    instruments_from_tables,
    load_instruments,
    render_instruments_markdown,
    review_items,
)

DATA = Path(__file__).parents[3] / "src/runnersknee/content/data/instruments"
DOCS = Path(__file__).parents[3] / "docs/instruments.md"

# Knowledge base section 4.1, item/points table (J Orthop 2023 reproduction), written out.
AKPS_TABLE = {
    "limp": [5, 3, 0],
    "support": [5, 3, 0],
    "walking": [5, 3, 2, 0],
    "stairs": [10, 8, 5, 0],
    "squatting": [5, 4, 3, 2, 0],
    "running": [10, 8, 6, 3, 0],
    "jumping": [10, 7, 2, 0],
    "prolonged_sitting": [10, 8, 6, 4, 0],
    "pain": [10, 8, 6, 3, 0],
    "swelling": [10, 8, 6, 4, 0],
    "patellar_subluxation": [10, 6, 4, 2, 0],
    "thigh_atrophy": [5, 3, 0],
    "flexion_deficiency": [5, 3, 0],
}


def _tables() -> dict[str, dict[str, Any]]:
    return {p.name: tomllib.loads(p.read_text("utf-8")) for p in sorted(DATA.glob("*.toml"))}


def test_all_six_instruments_load() -> None:
    instruments = load_instruments()
    assert set(instruments) == set(INSTRUMENT_IDS)
    assert load_instruments() is instruments  # cached


def test_akps_matches_the_knowledge_base_table() -> None:
    akps = load_instruments()["akps"]
    assert akps.version == "kujala-1993-jorthop2023-table"
    assert list(akps.item_ids) == list(AKPS_TABLE)
    for item in akps.items:
        assert [option.points for option in item.options] == AKPS_TABLE[item.id]
    assert (akps.minimum, akps.maximum, akps.higher_is_better) == (0, 100, True)
    assert akps.mcid is not None
    assert (akps.mcid.value, akps.mcid.verified) == (10, True)
    assert akps.mdc is None


@pytest.mark.parametrize(
    ("instrument_id", "items", "low", "high", "higher_is_better"),
    [
        ("koos_pf", 11, 0, 100, True),
        ("nprs", 3, 0, 10, False),
        ("lefs", 20, 0, 80, True),
        ("tsk11", 11, 11, 44, False),
        ("groc", 1, -3, 3, True),
    ],
)
def test_shapes(
    instrument_id: str, items: int, low: float, high: float, higher_is_better: bool
) -> None:
    instrument = load_instruments()[instrument_id]
    assert len(instrument.items) == items
    assert (instrument.minimum, instrument.maximum) == (low, high)
    assert instrument.higher_is_better is higher_is_better


def test_thresholds_and_verification_flags_follow_section_9_1() -> None:
    i = load_instruments()
    assert i["koos_pf"].mdc is not None
    assert i["koos_pf"].mdc.value == 16
    assert i["koos_pf"].mcid is not None
    assert i["koos_pf"].mcid.value == 16.4
    assert i["koos_pf"].scoring_verified is False
    assert i["koos_pf"].missing_rule.min_fraction == 0.5
    assert i["koos_pf"].missing_rule.verified is False
    assert i["lefs"].mdc is not None
    assert i["lefs"].mdc.value == 9
    assert i["lefs"].mcid is not None
    assert i["lefs"].mcid.value == 9
    assert i["lefs"].missing_rule.verified is False
    assert i["nprs"].mcid is not None
    assert i["nprs"].mcid.value == 1.16
    tsk = i["tsk11"]
    assert tsk.mdc is not None
    assert (tsk.mdc.value, tsk.mdc.basis, tsk.mdc.verified) == (7, "points", False)
    assert tsk.mcid is not None
    assert (tsk.mcid.value, tsk.mcid.verified) == (4, True)  # Woby 2005 abstract
    assert (tsk.entry, i["koos_pf"].entry) == ("paper_form", "paper_form")
    assert (i["akps"].paraphrased, i["lefs"].paraphrased, i["nprs"].paraphrased) == (
        True,
        True,
        False,
    )
    for instrument in (tsk, i["koos_pf"]):  # no placeholder question wording is shipped
        assert all(item.text.startswith("Item ") for item in instrument.items)
    assert [(b.id, b.minimum, b.maximum) for b in tsk.bands] == [
        ("minimal", 11, 22),
        ("low", 23, 28),
        ("moderate", 29, 35),
        ("high", 36, 44),
    ]
    assert i["groc"].mdc is None
    assert i["groc"].mcid is None


def test_every_instrument_records_source_licence_and_review_items() -> None:
    for instrument in load_instruments().values():
        assert instrument.source
        assert instrument.licence_note
        assert instrument.citation_ids
        assert review_items(instrument)
        for item in instrument.items:
            assert item.text
            assert all(option.label for option in item.options)


def test_every_cited_id_resolves() -> None:
    citations = load_citations()
    for instrument in load_instruments().values():
        citations.require(instrument.citation_ids, where=instrument.id)
        citations.require(instrument.missing_rule.citation_ids, where=instrument.id)


def test_unknown_key_is_refused() -> None:
    tables = _tables()
    tables["akps.toml"]["scorng"] = "sum"
    with pytest.raises(ContentError, match=r"akps.toml: .*unknown key\(s\) scorng"):
        instruments_from_tables(tables, load_citations())


def test_points_not_adding_up_are_refused() -> None:
    tables = _tables()
    tables["akps.toml"]["item"][0]["option"][0]["points"] = 6
    with pytest.raises(ContentError, match=r"akps\.toml: .*101"):
        instruments_from_tables(tables, load_citations())


def test_band_gap_is_refused() -> None:
    tables = _tables()
    tables["tsk11.toml"]["band"][1]["minimum"] = 24
    with pytest.raises(ContentError, match=r"tsk11\.toml: .*gap"):
        instruments_from_tables(tables, load_citations())


def test_dangling_citation_is_refused() -> None:
    tables = _tables()
    tables["lefs.toml"]["mdc"]["citation_ids"] = ["NO-SUCH-SOURCE"]
    with pytest.raises(ContentError, match="NO-SUCH-SOURCE"):
        instruments_from_tables(tables, load_citations())


def test_missing_field_and_missing_file_are_refused() -> None:
    tables = _tables()
    broken = copy.deepcopy(tables)
    del broken["nprs.toml"]["version"]
    with pytest.raises(ContentError, match=r"nprs\.toml: malformed"):
        instruments_from_tables(broken, load_citations())
    del tables["groc.toml"]
    with pytest.raises(ContentError, match="missing for: groc"):
        instruments_from_tables(tables, load_citations())


def test_docs_page_is_the_rendered_content() -> None:
    assert DOCS.read_text("utf-8") == render_instruments_markdown()


def test_docs_page_lists_unverified_items() -> None:
    page = render_instruments_markdown()
    assert "MDC 7 unverified (DUPUIS-2023)" in page
    assert "Scoring method (100 − (mean item score" in page
    assert "`FARRAR-2001` (unverified)" in page
