"""Sources in plain words for patients: "Collins and colleagues, 2018", never a citation key.

Built from each citation's reference text: the first author's surname and the year for a
paper, the publisher's or guideline's name for other sources, and "your clinic's own
guidance" for the project's clinic-set defaults (``docs/clinical-basis.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from runnersknee.clinical.citations import Citation
from runnersknee.content.citations import load_citations

__all__ = ["plain_source", "plain_sources"]

_CLINIC_SET = "your clinic's own guidance"
_AUTHOR = re.compile(r"^([A-Z][A-Za-z'\-]+(?: [a-z]{1,3})?(?: [A-Z][A-Za-z'\-]+)?) [A-Z]{1,3}[,.]")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
#: Abbreviations a patient does not read as words, spelled out.
_SPELLED = {"NICE": "National Institute for Health and Care Excellence", "RCT": "trial"}


def plain_source(citation: Citation) -> str:
    """One source in plain words."""
    reference = citation.reference
    if reference.startswith("runnersknee clinical basis"):
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
