"""The citation registry refuses duplicates and dangling ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from runnersknee.clinical.citations import Citation, CitationRegistry
from runnersknee.clinical.errors import ContentError
from runnersknee.content import load_citations


def test_registry_requires_known_ids() -> None:
    registry = CitationRegistry([Citation("A", "ref a"), Citation("B", "ref b")])
    assert registry.require(["A", "B"], where="rule X") == ("A", "B")
    with pytest.raises(ContentError, match="unknown source"):
        registry.require(["A", "Z"], where="rule X")
    with pytest.raises(ContentError, match="cites no source"):
        registry.require([], where="rule X")


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ContentError, match="duplicate"):
        CitationRegistry([Citation("A", "one"), Citation("A", "two")])


def test_packaged_citations_load_and_are_complete() -> None:
    registry = load_citations()
    assert {"CONS-2016-1", "CPG-2019", "CONS-2018"} <= set(registry)
    for citation in registry.values():
        assert citation.reference.strip(), citation.id
    unverified = [c.id for c in registry.values() if not c.verified]
    assert all(registry[cid].note for cid in unverified)


BASIS = Path(__file__).resolve().parents[3] / "docs" / "clinical-basis.md"


def test_every_citation_resolves_to_a_source_or_a_clinical_basis_section() -> None:
    """A reader can follow every citation: a published source, or a section of the shipped
    clinical-basis document (those are clinic-set defaults or unverified, so never verified)."""
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', BASIS.read_text("utf-8")))
    registry = load_citations()
    linked = 0
    for citation in registry.values():
        text = f"{citation.reference} {citation.note or ''}"
        assert "knowledge base" not in text.lower(), citation.id
        assert "background knowledge" not in text.lower(), citation.id
        assert not re.search(r"\bKB \d", text), citation.id
        for anchor in re.findall(r"docs/clinical-basis\.md#([a-z0-9-]+)", text):
            assert anchor in anchors, (citation.id, anchor)
        if "docs/clinical-basis.md#" in citation.reference:
            linked += 1
            assert citation.verified is False, citation.id
            assert re.search(r"default|unverified|design|wording", citation.reference), citation.id
        else:
            assert re.search(
                r"\b(19|20)\d\d\b|PMC\d|NICE|Manual|Online|Best Practice|README|"
                r"glossary|summaries",
                citation.reference,
                re.IGNORECASE,
            ), citation.id
    assert linked >= 10
    assert {"KB-TRIAGE-WINDOWS", "KB-PLAN-DEFAULTS", "KB-EXERCISE-DEFAULTS"} <= set(registry)
