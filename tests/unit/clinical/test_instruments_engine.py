"""The generic engine: bad input, missing-item rules, range properties, self-checks."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runnersknee.clinical.errors import ContentError, InvalidInput
from runnersknee.clinical.instruments import (
    Band,
    Instrument,
    Item,
    MissingRule,
    Option,
    Threshold,
    change_summary,
    interpret_change,
    score_answers,
    score_for,
    score_summary,
)
from runnersknee.content.instruments import INSTRUMENT_IDS, load_instruments

RULE_NONE = MissingRule(method="none", max_missing=0, citation_ids=("X",), verified=True)


def _choice(item_id: str, points: tuple[float, ...] = (0, 1, 2)) -> Item:
    options = tuple(Option(id=f"o{int(p)}", label=f"option {p}", points=p) for p in points)
    return Item(id=item_id, text=f"question {item_id}", kind="choice", options=options)


def _instrument(**changes: Any) -> Instrument:
    base = Instrument(
        id="demo",
        name="Demo",
        version="v1",
        items=(_choice("a"), _choice("b")),
        scoring="sum",
        minimum=0,
        maximum=4,
        higher_is_better=True,
        missing_rule=RULE_NONE,
        citation_ids=("X",),
        source="test",
        licence_note="test",
        text_verified=True,
    )
    return dataclasses.replace(base, **changes)


class TestBadInput:
    def test_unknown_item_names_item_and_allowed_ids(self) -> None:
        akps = load_instruments()["akps"]
        with pytest.raises(InvalidInput) as caught:
            score_answers(akps, {"limp": "none", "knee_size": "big"})
        assert caught.value.field == "akps.knee_size"
        assert caught.value.allowed == list(akps.item_ids)
        assert "limp" in caught.value.allowed
        assert "knee_size" in caught.value.message

    def test_unknown_option_names_item_and_options(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            score_answers(load_instruments()["akps"], {"limp": "sometimes"})
        assert caught.value.field == "akps.limp"
        assert caught.value.allowed == ["none", "slight_or_periodical", "constant"]
        assert caught.value.got == "sometimes"

    def test_points_matching_no_option(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            score_answers(load_instruments()["akps"], {"limp": 4})
        assert caught.value.field == "akps.limp"

    @pytest.mark.parametrize("answer", [True, 2.5, ["none"]])
    def test_choice_answer_of_wrong_type(self, answer: Any) -> None:
        with pytest.raises(InvalidInput) as caught:
            score_answers(load_instruments()["lefs"], {"hopping": answer})
        assert caught.value.field == "lefs.hopping"
        assert "no_difficulty" in caught.value.allowed

    @pytest.mark.parametrize("answer", [11, -1, "eleven", 3.0, False, "7.5"])
    def test_scale_answer_out_of_range_or_not_whole(self, answer: Any) -> None:
        with pytest.raises(InvalidInput) as caught:
            score_answers(load_instruments()["nprs"], {"worst_week": answer})
        assert caught.value.field == "nprs.worst_week"
        assert caught.value.allowed == ["integer 0..10"]

    def test_answers_must_be_a_mapping(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            score_answers(load_instruments()["groc"], [("overall_change", "worse")])  # type: ignore[arg-type]
        assert caught.value.field == "groc"
        assert caught.value.allowed == ["overall_change"]

    def test_ambiguous_points_are_refused(self) -> None:
        item = Item(
            id="a",
            text="q",
            kind="choice",
            options=(Option("x", "x", 1), Option("y", "y", 1), Option("z", "z", 0)),
        )
        demo = _instrument(items=(item,), maximum=1)
        with pytest.raises(InvalidInput):
            score_answers(demo, {"a": 1})
        assert score_answers(demo, {"a": "y"}).total == 1

    def test_none_means_unanswered(self) -> None:
        score = score_answers(load_instruments()["nprs"], {"worst_week": 5, "activity": None})
        assert score.answered_items == 1
        assert score.missing_items == ("usual_week", "activity")


class TestReverseAndRules:
    def test_reverse_item_scores_against_the_total(self) -> None:
        demo = _instrument(items=(_choice("a"), dataclasses.replace(_choice("b"), reverse=True)))
        # a: 2 points; b reversed: 0 + 2 − 2 = 0 → total 2
        assert score_answers(demo, {"a": "o2", "b": "o2"}).total == 2

    def test_min_fraction_and_max_missing_both_apply(self) -> None:
        rule = MissingRule(
            method="prorate", max_missing=1, min_fraction=0.9, citation_ids=("X",), verified=False
        )
        assert rule.allows(10, 10)
        assert rule.allows(9, 10)
        assert not rule.allows(8, 10)  # two missing
        assert not MissingRule(
            method="prorate", min_fraction=0.5, citation_ids=("X",), verified=False
        ).allows(0, 1)

    def test_describe_rule(self) -> None:
        rule = MissingRule(method="mean", min_fraction=0.5, citation_ids=("X",), verified=False)
        assert rule.describe(11) == (
            "at least 6 of 11 items answered; the mean of the answered items is used"
        )

    def test_threshold_percent_of_before(self) -> None:
        threshold = Threshold(
            value=16, basis="percent_of_before", citation_ids=("X",), verified=True
        )
        assert threshold.points_for(30) == pytest.approx(4.8)
        assert Threshold(value=9, citation_ids=("X",), verified=True).points_for(30) == 9


class TestSelfChecks:
    def test_points_must_add_up_to_the_stated_range(self) -> None:
        with pytest.raises(ContentError, match=r"item points span 0\.\.4"):
            _instrument(maximum=5)

    def test_sum_with_missing_items_must_prorate(self) -> None:
        rule = MissingRule(method="none", max_missing=1, citation_ids=("X",), verified=False)
        with pytest.raises(ContentError, match="prorated"):
            _instrument(missing_rule=rule)

    def test_duplicate_item_ids(self) -> None:
        with pytest.raises(ContentError, match="unique"):
            _instrument(items=(_choice("a"), _choice("a")))

    def test_choice_needs_two_options(self) -> None:
        with pytest.raises(ContentError, match="two options"):
            Item(id="a", text="q", kind="choice", options=(Option("x", "x", 1),))

    def test_scale_needs_a_range(self) -> None:
        with pytest.raises(ContentError, match="minimum < maximum"):
            Item(id="a", text="q", kind="scale", minimum=3, maximum=3)

    @pytest.mark.parametrize(
        "bands",
        [
            ((0, 1), (3, 4)),  # gap 1 → 3
            ((0, 2), (2, 4)),  # overlap at 2
            ((0, 1), (2, 3)),  # does not reach 4
            ((1, 2), (3, 4)),  # does not start at 0
        ],
    )
    def test_bands_cover_the_range_without_gaps(self, bands: tuple[tuple[int, int], ...]) -> None:
        built = tuple(
            Band(id=f"b{n}", label="b", minimum=lo, maximum=hi, citation_ids=("X",))
            for n, (lo, hi) in enumerate(bands)
        )
        with pytest.raises(ContentError, match="band"):
            _instrument(bands=built)

    def test_koos_needs_mean_rule(self) -> None:
        with pytest.raises(ContentError, match="KOOS"):
            _instrument(scoring="koos", minimum=0, maximum=100)

    def test_primary_item_must_exist(self) -> None:
        with pytest.raises(ContentError, match="no item"):
            _instrument(scoring="primary_item", primary_item="zzz", maximum=2)

    def test_threshold_must_be_positive(self) -> None:
        with pytest.raises(ContentError):
            Threshold(value=0, citation_ids=("X",), verified=True)

    def test_rule_needs_a_limit(self) -> None:
        with pytest.raises(ContentError):
            MissingRule(method="prorate", citation_ids=("X",), verified=True)


@st.composite
def answer_sets(draw: st.DrawFn) -> tuple[Instrument, dict[str, int | str]]:
    """An instrument and any valid (possibly partial) set of answers to it."""
    instrument = load_instruments()[draw(st.sampled_from(INSTRUMENT_IDS))]
    answers: dict[str, int | str] = {}
    for item in instrument.items:
        if not draw(st.booleans()) and draw(st.booleans()):
            continue  # leave about a quarter of the items unanswered
        if item.kind == "scale":
            answers[item.id] = draw(st.integers(item.minimum or 0, item.maximum or 0))
        else:
            option = draw(st.sampled_from(item.options))
            unique = [o.points for o in item.options].count(option.points) == 1
            as_points = unique and option.points == int(option.points) and draw(st.booleans())
            answers[item.id] = int(option.points) if as_points else option.id
    return instrument, answers


@settings(derandomize=True, max_examples=300, deadline=None)
@given(answer_sets())
def test_scores_stay_in_range_and_follow_the_missing_rule(
    case: tuple[Instrument, dict[str, int | str]],
) -> None:
    instrument, answers = case
    score = score_answers(instrument, answers)
    count = len(instrument.items)
    assert score.answered_items == len(answers)
    assert score.complete == (len(answers) == count)
    if instrument.scoring == "primary_item":
        assert (score.total is None) == (instrument.primary_item not in answers)
    else:
        assert (score.total is None) == (not instrument.missing_rule.allows(len(answers), count))
    if score.total is not None:
        assert instrument.minimum - 1e-9 <= score.total <= instrument.maximum + 1e-9
        if instrument.bands:
            assert score.band is not None
    else:
        assert score.band is None
        assert "not scored" in score.interpretation


class TestScoreForAndSummaries:
    def test_unknown_instrument(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            score_for(load_instruments(), "womac", {})
        assert caught.value.field == "instrument"
        assert caught.value.allowed == sorted(INSTRUMENT_IDS)

    def test_other_version_is_refused(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            score_for(load_instruments(), "akps", {"limp": "none"}, version="orthopaedic-variant")
        assert caught.value.field == "akps.version"
        assert caught.value.allowed == ["kujala-1993-jorthop2023-table"]

    def test_summary_keys(self) -> None:
        score = score_for(load_instruments(), "tsk11", {f"tsk{n}": 2 for n in range(1, 12)})
        summary = score_summary(score)
        # 11 × 2 = 22 → minimal (≤ 22)
        assert (summary["total"], summary["max"], summary["band"]) == (22, 44, "minimal")
        assert summary["citations"] == list(score.citation_ids)
        assert json.loads(json.dumps(summary)) == summary

    def test_change_summary_keys(self) -> None:
        instruments = load_instruments()
        before = score_for(instruments, "nprs", {"worst_week": 8})
        after = score_for(instruments, "nprs", {"worst_week": 5})
        summary = change_summary(interpret_change(instruments["nprs"], before, after))
        assert (summary["delta"], summary["direction"], summary["exceeds_mcid"]) == (
            -3,
            "improved",
            True,
        )
        assert json.loads(json.dumps(summary)) == summary
