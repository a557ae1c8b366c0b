"""The citation registry refuses duplicates and dangling ids."""

from __future__ import annotations

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
