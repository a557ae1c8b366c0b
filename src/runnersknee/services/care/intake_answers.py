"""The stored intake answers (``intake.case_data``): the JSON form of the validated core
``Case`` (``store.mapping.to_json``), read through typed properties.

The document keeps the stored JSON key for key (``store/json_document.py``): the intake form,
the JSON API, the reports and the FHIR export read the same answers as before;
``case_io.parse_case`` reads them back into a ``Case`` where a decision needs one.
"""

from __future__ import annotations

from runnersknee.store.json_document import JsonDocument, json_object, json_text

__all__ = ["IntakeAnswers"]


class IntakeAnswers(JsonDocument):
    """One intake's answers as stored."""

    __slots__ = ()

    @property
    def side(self) -> str | None:
        """The painful knee (``left``, ``right``, ``both``)."""
        return json_text(self.fields.get("side"))

    @property
    def sex(self) -> str | None:
        """The sex recorded for reference values."""
        return json_text(json_object(self.fields.get("demographics")).get("sex"))

    @property
    def runs(self) -> bool:
        """Whether the patient said they run."""
        return bool(json_object(self.fields.get("running")).get("runs"))
