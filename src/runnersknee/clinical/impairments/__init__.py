"""Assessment interpretation: measured values → impairments, each with its source.

Every rule compares a value with a :class:`Threshold` that names its citations and whether
the knowledge base verified it (``verified = False`` → a configurable default that needs
clinical review). Thresholds come from ``content/data/assessment/thresholds.toml``.

This package's public face: import the names from here. The types are in :mod:`.model`,
strength in :mod:`.strength`, the per-side rules in :mod:`.side_findings` and
:func:`interpret` in :mod:`.interpretation`.
"""

from __future__ import annotations

from runnersknee.clinical.impairments.interpretation import interpret
from runnersknee.clinical.impairments.model import (
    AssessmentThresholds,
    Impairment,
    ImpairmentKind,
    StrengthRow,
    Threshold,
)
from runnersknee.clinical.impairments.strength import involved_sides, strength_table

__all__ = [
    "AssessmentThresholds",
    "Impairment",
    "ImpairmentKind",
    "StrengthRow",
    "Threshold",
    "interpret",
    "involved_sides",
    "strength_table",
]
