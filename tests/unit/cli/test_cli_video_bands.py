"""The CLI's error-band lines name each band's kind in words, with its unit and sources."""

from __future__ import annotations

from runnersknee.cli.video import _band_lines


def _document(kind: str) -> dict[str, object]:
    band = {
        "kind": kind,
        "low": 2.0,
        "high": 6.0,
        "citations": ["POSE2SIM-2022"],
        "verified": False,
    }
    return {"metrics": {"knee_flexion_at_contact_deg": {"unit": "deg", "error": {"bands": [band]}}}}


def test_band_kinds_in_words() -> None:
    assert _band_lines(_document("method_error")) == [
        "knee_flexion_at_contact_deg: method error 2-6 deg [POSE2SIM-2022]"
        " (unverified, indicative only)"
    ]
    assert _band_lines(_document("sdd"))[0].startswith("knee_flexion_at_contact_deg: SDD 2-6 deg")
    assert "SEM 2-6 deg" in _band_lines(_document("sem"))[0]
    assert "METHOD_ERROR" not in _band_lines(_document("method_error"))[0]
