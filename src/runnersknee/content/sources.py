"""Sources in plain words for patients, never a citation key.

Two forms, from each citation's reference text: a short name ("Collins and colleagues, 2018":
the first author's surname and the year for a paper, the publisher's or guideline's name for
other sources) and the full reference without its review-state aside. The project's
clinic-set defaults (``docs/clinical-basis.md``) read as the clinic's own guidance in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from runnersknee.clinical.citations import Citation
from runnersknee.content.citations import load_citations

__all__ = ["plain_references", "plain_source", "plain_sources", "without_review_state"]

_CLINIC_SET = "your clinic's own guidance"
#: The full-reference form of a clinic-set default.
_CLINIC_PRACTICE = "Your clinic's usual practice, checked by your physiotherapist."
#: A bracketed aside about the review state of a reference (not for patients).
_UNVERIFIED = re.compile(r"\s*\([^()]*\bunverified\b[^()]*\)", re.IGNORECASE)
_AUTHOR = re.compile(r"^([A-Z][A-Za-z'\-]+(?: [a-z]{1,3})?(?: [A-Z][A-Za-z'\-]+)?) [A-Z]{1,3}[,.]")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
#: Abbreviations a patient does not read as words, spelled out.
_SPELLED = {"NICE": "National Institute for Health and Care Excellence", "RCT": "trial"}


def _clinic_set(citation_id: str, reference: str) -> bool:
    """Whether a citation is one of the project's clinic-set defaults (or unknown)."""
    return (
        not reference
        or citation_id.startswith("KB-")
        or reference.startswith("runnersknee clinical basis")
        or "docs/" in reference
    )


def without_review_state(text: str) -> str:
    """``text`` without its "(... unverified ...)" asides."""
    return _UNVERIFIED.sub("", text).strip()


def plain_source(citation: Citation) -> str:
    """One source in plain words."""
    reference = citation.reference
    if _clinic_set(citation.id, reference):
        return _CLINIC_SET
    if "non-peer-reviewed" in reference:
        return "a running clinic's published protocol"
    year = _YEAR.search(reference)
    author = _AUTHOR.match(reference)
    if author:
        name = author.group(1)
        many = "," in reference[: reference.find(".") if "." in reference else None]
        who = f"{name} and colleagues" if many else name
        return f"{who}, {year.group(0)}" if year else who
    title = re.split(r"[:;(]|\. ", reference, maxsplit=1)[0].strip().rstrip(".")
    words = [_SPELLED.get(word, word) for word in title.split()]
    text = " ".join(words)
    if year and year.group(0) not in text:
        text += f", {year.group(0)}"
    return text


@cache
def _by_id() -> dict[str, str]:
    return {key: plain_source(citation) for key, citation in load_citations().items()}


def plain_sources(ids: Iterable[str]) -> str:
    """Several sources in plain words, each once, joined with semicolons."""
    known = _by_id()
    names = [known.get(i, _CLINIC_SET) for i in ids]
    return "; ".join(dict.fromkeys(names))


def plain_references(ids: Iterable[str]) -> tuple[str, ...]:
    """The full references behind ``ids`` for patients, each once, without keys or review
    state (a clinic-set default reads as the clinic's usual practice)."""
    return _references(tuple(str(i) for i in ids))


@cache
def _references(ids: tuple[str, ...]) -> tuple[str, ...]:
    registry = load_citations()
    found: list[str] = []
    for cid in ids:
        reference = registry[cid].reference if cid in registry else ""
        text = _CLINIC_PRACTICE if _clinic_set(cid, reference) else reference
        text = without_review_state(text)
        if text not in found:
            found.append(text)
    return tuple(found)
