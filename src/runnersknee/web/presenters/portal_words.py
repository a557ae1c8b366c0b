"""Plain words of the patient portal for things the clinic names by acronym: each
questionnaire by its full name and why the patient is asked to fill it in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from runnersknee.clinical.instruments import Instrument

__all__ = ["QUESTIONNAIRE_WHY", "questionnaires_due"]

#: Why a patient is asked to fill in each questionnaire (plain words, no scores).
QUESTIONNAIRE_WHY = {
    "akps": "How your knee affects everyday things like stairs, squatting, running and "
    "sitting. Filling it in again later shows how much you have improved.",
    "groc": "How much better or worse you feel since you started your programme.",
    "lefs": "How easy everyday activities are for your legs, from walking to running.",
    "nprs": "How strong your knee pain is, so changes over time can be seen.",
    "koos_pf": "How your kneecap pain affects activities that bend the knee under load.",
    "tsk11": "Whether worry about hurting your knee holds you back, so your physiotherapist "
    "can help you move with confidence.",
}


def questionnaires_due(
    offered: Iterable[tuple[str, str]], done: set[str], instruments: Mapping[str, Instrument]
) -> list[tuple[str, str, str]]:
    """``(id, full name, why it is asked)`` of the offered questionnaires not yet filled in."""
    due: list[tuple[str, str, str]] = []
    for key, short in offered:
        if key in done:
            continue
        found = instruments.get(key)
        name = str(getattr(found, "name", "") or short)
        due.append((key, name, QUESTIONNAIRE_WHY.get(key, "")))
    return due
