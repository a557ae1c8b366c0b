"""Scoring engine of the patient-reported outcome measures (knowledge base section 4).

One generic engine scores every instrument from its data (:class:`Instrument`, loaded by
:func:`runnersknee.content.instruments.load_instruments`):

* ``score_answers`` turns item answers into an :class:`InstrumentScore`, applying the
  instrument's missing-item rule (:mod:`.scoring`);
* ``interpret_change`` compares two scores against the MDC and MCID of knowledge-base
  section 9.1, respecting whether higher totals are better (:mod:`.change`).

This package's public face: import these names from here. What an instrument is lives in
:mod:`.definition`, the result types in :mod:`.results`.
"""

from __future__ import annotations

from runnersknee.clinical.instruments.change import (
    CHANGE_TOLERANCE,
    change_summary,
    interpret_change,
)
from runnersknee.clinical.instruments.definition import (
    Band,
    Instrument,
    Item,
    ItemKind,
    MissingMethod,
    MissingRule,
    Option,
    ScoringMethod,
    Threshold,
    ThresholdBasis,
)
from runnersknee.clinical.instruments.results import InstrumentScore, ScoreChange
from runnersknee.clinical.instruments.scoring import (
    score_answers,
    score_for,
    score_summary,
)

__all__ = [
    "CHANGE_TOLERANCE",
    "Band",
    "Instrument",
    "InstrumentScore",
    "Item",
    "ItemKind",
    "MissingMethod",
    "MissingRule",
    "Option",
    "ScoreChange",
    "ScoringMethod",
    "Threshold",
    "ThresholdBasis",
    "change_summary",
    "interpret_change",
    "score_answers",
    "score_for",
    "score_summary",
]
