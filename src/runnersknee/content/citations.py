"""Load the citation registry from ``data/citations/*.toml``."""

from __future__ import annotations

from functools import cache

from runnersknee.clinical.citations import Citation, CitationRegistry
from runnersknee.clinical.errors import ContentError
from runnersknee.content._files import read_toml, toml_files

__all__ = ["load_citations"]


@cache
def load_citations() -> CitationRegistry:
    """Every citation of every content area, refusing duplicates and malformed entries."""
    citations: list[Citation] = []
    for entry in toml_files("citations"):
        for raw in read_toml(entry).get("citation", []):
            try:
                citations.append(
                    Citation(
                        id=str(raw["id"]),
                        reference=str(raw["reference"]),
                        grade=raw.get("grade"),
                        verified=bool(raw.get("verified", True)),
                        note=raw.get("note"),
                    )
                )
            except KeyError as exc:
                raise ContentError(f"{entry.name}: citation without {exc.args[0]!r}") from exc
    return CitationRegistry(citations)
