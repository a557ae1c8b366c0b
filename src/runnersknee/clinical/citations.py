"""Citations: every clinical rule, threshold, score and dose points at one of these."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from runnersknee.clinical.errors import ContentError

__all__ = ["Citation", "CitationRegistry"]


@dataclass(frozen=True, slots=True)
class Citation:
    """One source. ``verified`` is False where the knowledge base marks it "(unverified)"."""

    id: str
    reference: str
    grade: str | None = None
    verified: bool = True
    note: str | None = None


class CitationRegistry(Mapping[str, Citation]):
    """An immutable id → :class:`Citation` map that refuses dangling ids."""

    __slots__ = ("_by_id",)

    def __init__(self, citations: Iterable[Citation]) -> None:
        by_id: dict[str, Citation] = {}
        for citation in citations:
            if citation.id in by_id:
                raise ContentError(f"duplicate citation id {citation.id!r}", citation=citation.id)
            by_id[citation.id] = citation
        self._by_id = by_id

    def __getitem__(self, key: str) -> Citation:
        return self._by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def require(self, ids: Iterable[str], *, where: str) -> tuple[str, ...]:
        """Return ``ids``; raise :class:`ContentError` if any is unknown or none is given."""
        checked = tuple(ids)
        if not checked:
            raise ContentError(f"{where} cites no source", where=where)
        missing = [cid for cid in checked if cid not in self._by_id]
        if missing:
            raise ContentError(
                f"{where} cites unknown source(s): {', '.join(missing)}",
                where=where,
                missing=missing,
            )
        return checked
