"""Scoring of each real instrument against hand-computed totals (knowledge base section 4)."""

from __future__ import annotations

import pytest

from runnersknee.clinical.instruments import Instrument, score_answers
from runnersknee.content.instruments import load_instruments


def _instrument(instrument_id: str) -> Instrument:
    return load_instruments()[instrument_id]


def _all(instrument_id: str, option_id: str) -> dict[str, int | str]:
    return dict.fromkeys(_instrument(instrument_id).item_ids, option_id)


AKPS_BEST = {
    "limp": "none",
    "support": "full_without_pain",
    "walking": "unlimited",
    "stairs": "no_difficulty",
    "squatting": "no_difficulty",
    "running": "no_difficulty",
    "jumping": "no_difficulty",
    "prolonged_sitting": "no_difficulty",
    "pain": "none",
    "swelling": "none",
    "patellar_subluxation": "none",
    "thigh_atrophy": "none",
    "flexion_deficiency": "none",
}
AKPS_WORST = {
    "limp": "constant",
    "support": "impossible",
    "walking": "unable",
    "stairs": "unable",
    "squatting": "unable",
    "running": "unable",
    "jumping": "unable",
    "prolonged_sitting": "unable",
    "pain": "constant_severe",
    "swelling": "constant",
    "patellar_subluxation": "more_than_two_dislocations",
    "thigh_atrophy": "severe",
    "flexion_deficiency": "severe",
}
# 3 + 3 + 3 + 8 + 4 + 8 + 7 + 8 + 8 + 10 + 10 + 3 + 5 = 80
AKPS_MIXED = {
    "limp": "slight_or_periodical",  # 3
    "support": "painful",  # 3
    "walking": "more_than_2_km",  # 3
    "stairs": "slight_pain_descending",  # 8
    "squatting": "repeated_painful",  # 4
    "running": "pain_after_2_km",  # 8
    "jumping": "slight_difficulty",  # 7
    "prolonged_sitting": "pain_after_exercise",  # 8
    "pain": "slight_occasional",  # 8
    "swelling": "none",  # 10
    "patellar_subluxation": "none",  # 10
    "thigh_atrophy": "slight",  # 3
    "flexion_deficiency": "none",  # 5
}


class TestAkps:
    def test_all_best_is_100(self) -> None:
        # 5+5+5+10+5+10+10+10+10+10+10+5+5 = 100
        score = score_answers(_instrument("akps"), AKPS_BEST)
        assert score.total == 100
        assert score.complete
        assert score.maximum == 100
        assert score.version == "kujala-1993-jorthop2023-table"

    def test_all_worst_is_0(self) -> None:
        assert score_answers(_instrument("akps"), AKPS_WORST).total == 0

    def test_mixed_example(self) -> None:
        score = score_answers(_instrument("akps"), AKPS_MIXED)
        assert score.total == 80
        assert score.item_points["stairs"] == 8
        assert score.item_points["squatting"] == 4
        assert "AKPS 80" in score.interpretation

    def test_points_can_be_given_instead_of_option_ids(self) -> None:
        # limp 3 = "slight_or_periodical"; the rest as in AKPS_MIXED: still 80.
        answers: dict[str, int | str] = {**AKPS_MIXED, "limp": 3, "stairs": 8}
        assert score_answers(_instrument("akps"), answers).total == 80

    def test_one_missing_item_withholds_the_total(self) -> None:
        answers = {k: v for k, v in AKPS_BEST.items() if k != "pain"}
        score = score_answers(_instrument("akps"), answers)
        assert score.total is None
        assert not score.complete
        assert score.missing_items == ("pain",)
        assert score.answered_items == 12
        assert "not scored: 12 of 13" in score.interpretation


class TestKoosPf:
    def test_no_problems_is_100_and_extreme_is_0(self) -> None:
        assert score_answers(_instrument("koos_pf"), _all("koos_pf", "none")).total == 100
        assert score_answers(_instrument("koos_pf"), _all("koos_pf", "extreme")).total == 0

    def test_all_mild(self) -> None:
        # mean 1 → 100 − 1 × 100 / 4 = 75
        assert score_answers(_instrument("koos_pf"), _all("koos_pf", "mild")).total == 75

    def test_mean_1_5_gives_62_5(self) -> None:
        # 10 answered: five 1s and five 2s → sum 15, mean 1.5 → 100 − 1.5 × 25 = 62.5
        answers: dict[str, int | str] = {f"pf{n}": 1 for n in range(1, 6)}
        answers |= {f"pf{n}": 2 for n in range(6, 11)}
        score = score_answers(_instrument("koos_pf"), answers)
        assert score.total == pytest.approx(62.5)
        assert not score.complete
        assert score.missing_items == ("pf11",)

    def test_six_of_eleven_answered_scores(self) -> None:
        # 6/11 ≥ 50 %: six answers of 4 → mean 4 → 0
        answers: dict[str, int | str] = {f"pf{n}": "extreme" for n in range(1, 7)}
        assert score_answers(_instrument("koos_pf"), answers).total == 0

    def test_five_of_eleven_answered_is_not_scored(self) -> None:
        answers: dict[str, int | str] = {f"pf{n}": "extreme" for n in range(1, 6)}
        score = score_answers(_instrument("koos_pf"), answers)
        assert score.total is None
        assert "at least 6 of 11" in score.interpretation


class TestNprs:
    def test_ratings_are_reported_not_summed(self) -> None:
        score = score_answers(
            _instrument("nprs"), {"worst_week": 7, "usual_week": 4, "activity": 5}
        )
        assert score.total == 7  # the primary rating: worst pain last week
        assert dict(score.subscores) == {"worst_week": 7, "usual_week": 4, "activity": 5}
        assert score.complete
        assert "usual_week 4" in score.interpretation

    def test_digit_strings_are_accepted(self) -> None:
        score = score_answers(_instrument("nprs"), {"worst_week": "3"})
        assert score.total == 3
        assert not score.complete

    def test_without_worst_rating_there_is_no_total(self) -> None:
        score = score_answers(_instrument("nprs"), {"usual_week": 4, "activity": 2})
        assert score.total is None
        assert dict(score.subscores) == {"usual_week": 4, "activity": 2}
        assert "worst_week" in score.interpretation


class TestLefs:
    def test_range_ends(self) -> None:
        assert score_answers(_instrument("lefs"), _all("lefs", "no_difficulty")).total == 80
        assert score_answers(_instrument("lefs"), _all("lefs", "extreme_or_unable")).total == 0

    def test_mixed_example(self) -> None:
        # first 10 items 4 points, last 10 items 2 points → 40 + 20 = 60
        ids = _instrument("lefs").item_ids
        answers: dict[str, int | str] = dict.fromkeys(ids[:10], 4) | dict.fromkeys(ids[10:], 2)
        assert score_answers(_instrument("lefs"), answers).total == 60

    def test_two_missing_items_are_prorated(self) -> None:
        # 18 answered × 3 points = 54; prorated 54 × 20 / 18 = 60
        ids = _instrument("lefs").item_ids
        score = score_answers(_instrument("lefs"), dict.fromkeys(ids[:18], "a_little_bit"))
        assert score.total == pytest.approx(60)
        assert score.answered_items == 18
        assert "prorated" in score.interpretation

    def test_three_missing_items_are_not_scored(self) -> None:
        ids = _instrument("lefs").item_ids
        score = score_answers(_instrument("lefs"), dict.fromkeys(ids[:17], "a_little_bit"))
        assert score.total is None


def tsk_answers(total: int) -> dict[str, int | str]:
    """TSK-11 answers adding up to ``total`` (11..44): raise items one point at a time."""
    points = [1] * 11
    extra = total - 11
    index = 0
    while extra:
        points[index % 11] += 1
        extra -= 1
        index += 1
    return {f"tsk{n + 1}": value for n, value in enumerate(points)}


class TestTsk11:
    @pytest.mark.parametrize(
        ("total", "band"),
        [
            (11, "minimal"),
            (22, "minimal"),
            (23, "low"),
            (28, "low"),
            (29, "moderate"),
            (35, "moderate"),
            (36, "high"),
            (44, "high"),
        ],
    )
    def test_band_edges(self, total: int, band: str) -> None:
        score = score_answers(_instrument("tsk11"), tsk_answers(total))
        assert score.total == total
        assert score.band == band
        assert "CHIMENTI-2021" in score.citation_ids

    def test_hand_example(self) -> None:
        # 4+4+3+3+3+2+2+2+2+1+1 = 27 → low
        values = [4, 4, 3, 3, 3, 2, 2, 2, 2, 1, 1]
        answers: dict[str, int | str] = {f"tsk{n + 1}": v for n, v in enumerate(values)}
        score = score_answers(_instrument("tsk11"), answers)
        assert (score.total, score.band, score.band_label) == (27, "low", "Low kinesiophobia")

    def test_missing_item_is_not_scored(self) -> None:
        answers = tsk_answers(30)
        del answers["tsk5"]
        score = score_answers(_instrument("tsk11"), answers)
        assert score.total is None
        assert score.band is None


class TestGroc:
    @pytest.mark.parametrize(
        ("answer", "total", "band"),
        [
            ("completely_recovered", 3, "success"),
            ("marked_improvement", 2, "success"),
            ("moderate_improvement", 1, "unfavourable"),
            ("no_change", -1, "unfavourable"),
            ("worse_than_ever", -3, "unfavourable"),
        ],
    )
    def test_classification(self, answer: str, total: int, band: str) -> None:
        score = score_answers(_instrument("groc"), {"overall_change": answer})
        assert (score.total, score.band) == (total, band)

    def test_interpretation_names_the_answer(self) -> None:
        score = score_answers(_instrument("groc"), {"overall_change": "marked_improvement"})
        assert "Marked improvement" in score.interpretation
        assert "Success" in score.interpretation
        assert "RATHLEFF-2019" in score.citation_ids
