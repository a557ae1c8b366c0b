"""Sources in plain words: never a citation key, the author and year for papers."""

from __future__ import annotations

import re

from runnersknee.clinical.citations import Citation
from runnersknee.content.citations import load_citations
from runnersknee.content.sources import plain_source, plain_sources

KEY = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b")


def test_every_citation_has_a_plain_name_without_a_key() -> None:
    for key, citation in load_citations().items():
        text = plain_source(citation)
        assert text, key
        assert not KEY.search(text), (key, text)
        assert "unverified" not in text.lower(), (key, text)


def test_papers_guidelines_and_clinic_defaults_read_as_words() -> None:
    paper = Citation(
        "X-1", "Collins NJ, Barton CJ, et al. Exercise therapy. Br J Sports Med 2018;52:1170."
    )
    assert plain_source(paper) == "Collins and colleagues, 2018"
    default = Citation(
        "KB-X", "runnersknee clinical basis, docs/clinical-basis.md#x (clinic-set default)"
    )
    assert plain_source(default) == "your clinic's own guidance"
    assert plain_sources(["CONS-2018", "CONS-2018", "CPG-2019"]) == (
        "Collins and colleagues, 2018; Willy and colleagues, 2019"
    )
