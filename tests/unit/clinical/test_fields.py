"""Range-checked fields."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runnersknee.clinical.case import Demographics, RunningHistory
from runnersknee.clinical.errors import InvalidInput


@given(st.integers(min_value=5, max_value=110))
def test_ages_in_range_are_accepted(age: int) -> None:
    assert Demographics(age_years=age).age_years == age


@given(st.one_of(st.integers(max_value=4), st.integers(min_value=111)))
def test_ages_out_of_range_are_refused(age: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        Demographics(age_years=age)
    assert caught.value.field == "age_years"


def test_none_means_not_recorded() -> None:
    assert RunningHistory(weekly_km=None).weekly_km is None


def test_booleans_are_not_numbers() -> None:
    with pytest.raises(InvalidInput, match="must be a number"):
        RunningHistory(weekly_km=True)
