"""The JSON API's answers as a patient may see them: no engine language.

Clinicians read the core's full results (rule ids, conditions, citation keys, MCID/MDC
readings). A patient's own API answers keep the data and the plain-words texts, drop the
engine's fields, name sources in plain words (``sources``) and strip bracketed citation
keys out of texts, as the portal pages do (services/care/patient_text.py).
"""

from __future__ import annotations

from typing import Any

from runnersknee.content.sources import plain_sources, without_review_state
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.care.patient_text import strip_citations
from runnersknee.store.mapping import JSONObject

__all__ = ["for_actor", "for_patient"]

#: Fields of the core's results that only a clinician reads.
_ENGINE_FIELDS = frozenset(
    {
        "rule_id",
        "condition",
        "rationale",
        "review",
        "verified",
        "text_verified",
        "scoring_verified",
        "prompts",
        "supporting",
        "prognosis",
        "mcid",
        "mdc",
        "mcid_points",
        "mdc_points",
        "exceeds_mcid",
        "exceeds_mdc",
        "interpretation",
        "thresholds",
        "change_text",
    }
)
_SOURCE_FIELDS = frozenset({"citation_ids", "citations"})


def for_patient(value: Any) -> Any:
    """``value`` (a JSON document) without the engine's fields, sources in plain words."""
    if isinstance(value, dict):
        out: JSONObject = {}
        for key, item in value.items():
            if key in _SOURCE_FIELDS or key.endswith("_citation_ids"):
                if item:
                    name = key.removesuffix("citation_ids").removesuffix("citations")
                    out[f"{name}sources"] = plain_sources(list(item))
            elif key not in _ENGINE_FIELDS:
                out[key] = for_patient(item)
        return out
    if isinstance(value, list | tuple):
        return [for_patient(item) for item in value]
    if isinstance(value, str):
        return _plain_text(value) if "(" in value or "[" in value else value
    return value


def _plain_text(text: str) -> str:
    """``text`` without bracketed sources or "(unverified ...)" asides."""
    return strip_citations(without_review_state(text))


def for_actor(actor: Actor, value: Any) -> Any:
    """``value`` as ``actor`` may see it (patients: :func:`for_patient`)."""
    return for_patient(value) if actor.role is Role.PATIENT else value
