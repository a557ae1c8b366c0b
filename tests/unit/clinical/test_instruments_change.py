"""Change interpretation against MDC and MCID at the exact threshold edges (KB 9.1)."""

from __future__ import annotations

import dataclasses

import pytest

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.instruments import (
    Instrument,
    InstrumentScore,
    ScoreChange,
    interpret_change,
    score_answers,
)
from runnersknee.content.instruments import load_instruments


def _score(instrument: Instrument, total: float | None, **subscores: float) -> InstrumentScore:
    """A score with a chosen total (thresholds are tested on totals, not on answers)."""
    return InstrumentScore(
        instrument_id=instrument.id,
        version=instrument.version,
        total=total,
        minimum=instrument.minimum,
        maximum=instrument.maximum,
        band=None,
        interpretation="",
        answered_items=len(instrument.items),
        total_items=len(instrument.items),
        complete=True,
        citation_ids=instrument.citation_ids,
        subscores=subscores,
    )


def _change(instrument_id: str, before: float, after: float) -> ScoreChange:
    instrument = load_instruments()[instrument_id]
    return interpret_change(instrument, _score(instrument, before), _score(instrument, after))


class TestAkps:
    """The shipped AKPS wording is a paraphrase: never read against the published MCID."""

    def test_paraphrased_wording_is_not_read_against_the_mcid(self) -> None:
        change = _change("akps", 70, 80)
        assert change.delta == 10
        assert change.improved is True
        assert change.direction == "improved"
        assert change.exceeds_mcid is None
        assert change.mcid_points is None
        assert change.exceeds_mdc is None  # MDC not established (unverified)
        assert "MCID not applied" in change.interpretation
        assert "clinically important" not in change.interpretation

    def test_published_wording_reads_the_mcid_but_needs_an_mdc(self) -> None:
        official = dataclasses.replace(load_instruments()["akps"], paraphrased=False)
        change = interpret_change(official, _score(official, 70), _score(official, 80))
        assert change.exceeds_mcid is True
        assert change.mcid_points == 10
        assert change.citation_ids == ("CROSSLEY-2004",)
        assert "no MDC is established" in change.interpretation
        assert "clinically important" not in change.interpretation
        below = interpret_change(official, _score(official, 70), _score(official, 79))
        assert below.exceeds_mcid is False

    def test_no_change(self) -> None:
        change = _change("akps", 75, 75)
        assert change.direction == "unchanged"
        assert change.improved is False


class TestKoosPf:
    def test_16_reaches_the_mdc_but_not_the_mcid(self) -> None:
        change = _change("koos_pf", 50, 66)
        assert (change.exceeds_mdc, change.exceeds_mcid) == (True, False)
        assert "real improvement (beyond measurement error), below the MCID" in (
            change.interpretation
        )

    def test_16_4_reaches_both(self) -> None:
        change = _change("koos_pf", 50, 66.4)
        assert (change.exceeds_mdc, change.exceeds_mcid) == (True, True)

    def test_15_9_reaches_neither(self) -> None:
        change = _change("koos_pf", 50, 65.9)
        assert (change.exceeds_mdc, change.exceeds_mcid) == (False, False)
        assert "within measurement error" in change.interpretation


class TestLefs:
    @pytest.mark.parametrize(("after", "reaches"), [(59, True), (58, False), (41, True)])
    def test_mdc_of_9_and_no_mcid_reading_for_the_paraphrase(
        self, after: float, reaches: bool
    ) -> None:
        change = _change("lefs", 50, after)
        assert change.exceeds_mdc is reaches
        assert change.exceeds_mcid is None  # paraphrased wording
        if not reaches:
            assert "within measurement error" in change.interpretation


class TestTsk11:
    def test_mcid_inside_the_mdc_is_within_measurement_error(self) -> None:
        change = _change("tsk11", 30, 26)
        assert change.delta == -4
        assert change.improved is True
        assert change.exceeds_mcid is True  # 4 points (Woby 2005 abstract)
        assert change.mdc_points == pytest.approx(7.0)  # points of the scale, not 16 % of 30
        assert change.exceeds_mdc is False
        assert "within measurement error" in change.interpretation
        assert "clinically important" not in change.interpretation

    def test_mdc_is_a_fixed_number_of_points(self) -> None:
        assert _change("tsk11", 30, 23).exceeds_mdc is True
        assert _change("tsk11", 30, 23.1).exceeds_mdc is False
        assert _change("tsk11", 40, 33).mdc_points == pytest.approx(7.0)
        beyond = _change("tsk11", 30, 22)
        assert "clinically important improvement" in beyond.interpretation

    def test_higher_is_worse(self) -> None:
        change = _change("tsk11", 25, 29)
        assert change.direction == "worse"
        assert change.improved is False


class TestNprs:
    def test_mcid_1_16_on_the_worst_rating(self) -> None:
        nprs = load_instruments()["nprs"]
        before = score_answers(nprs, {"worst_week": 6, "usual_week": 4, "activity": 5})
        after = score_answers(nprs, {"worst_week": 4, "usual_week": 3, "activity": 5})
        change = interpret_change(nprs, before, after)
        assert change.delta == -2
        assert change.improved is True
        assert change.exceeds_mcid is True
        assert dict(change.subscore_deltas) == {"worst_week": -2, "usual_week": -1, "activity": 0}

    def test_one_point_is_below_the_mcid(self) -> None:
        change = _change("nprs", 6, 5)
        assert change.improved is True
        assert change.exceeds_mcid is False

    def test_exact_edge(self) -> None:
        assert _change("nprs", 5, 3.84).exceeds_mcid is True
        assert _change("nprs", 5, 3.85).exceeds_mcid is False


class TestRefusals:
    def test_missing_total_gives_unknown(self) -> None:
        akps = load_instruments()["akps"]
        change = interpret_change(akps, _score(akps, None), _score(akps, 80))
        assert change.direction == "unknown"
        assert change.improved is None
        assert change.exceeds_mcid is None
        assert change.delta is None

    def test_scores_of_another_instrument(self) -> None:
        instruments = load_instruments()
        with pytest.raises(InvalidInput) as caught:
            interpret_change(
                instruments["akps"],
                _score(instruments["lefs"], 50),
                _score(instruments["akps"], 60),
            )
        assert caught.value.field == "before.instrument_id"
        assert caught.value.allowed == ["akps"]

    def test_scores_of_another_version(self) -> None:
        akps = load_instruments()["akps"]
        old = dataclasses.replace(_score(akps, 60), version="kujala-variant-b")
        with pytest.raises(InvalidInput) as caught:
            interpret_change(akps, _score(akps, 50), old)
        assert caught.value.field == "after.version"
        assert caught.value.allowed == [akps.version]
