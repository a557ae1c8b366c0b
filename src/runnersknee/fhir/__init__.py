"""FHIR R4B export of one patient's record (docs/api.md, docs/reports.md).

Names are imported on first use, so ``import runnersknee.fhir`` loads no fhir.resources model.

Typical use::

    from runnersknee.fhir import build_bundle, bundle_json

    text = bundle_json(build_bundle(record, generated=now))
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runnersknee._lazy import lazy_names

if TYPE_CHECKING:
    from runnersknee.fhir.bundle import build_bundle, bundle_json, parse_bundle
    from runnersknee.fhir.record import Measure, PatientRecord, measure_label, measures_of

#: Public name → the module that defines it.
_HOMES = {
    "Measure": "record",
    "PatientRecord": "record",
    "measure_label": "record",
    "measures_of": "record",
    "build_bundle": "bundle",
    "bundle_json": "bundle",
    "parse_bundle": "bundle",
}

__all__ = [
    "Measure",
    "PatientRecord",
    "build_bundle",
    "bundle_json",
    "measure_label",
    "measures_of",
    "parse_bundle",
]

__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
