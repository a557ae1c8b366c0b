"""Load the patient education texts (``data/education/*.toml``).

Each ``[[topic]]`` has an ``id``, ``title``, ``body`` (plain language; ``{pain_threshold}``
is filled in from the plan settings), ``citation_ids``, an ``audience`` (``all``, ``runner``
or ``adolescent``) and ``verified``.
"""

from __future__ import annotations

from functools import cache

from runnersknee.clinical.errors import ContentError
from runnersknee.clinical.plan_model import EducationTopic
from runnersknee.content._files import read_toml, toml_files
from runnersknee.content.citations import load_citations

__all__ = ["AUDIENCES", "load_education"]

#: Who a topic is shown to.
AUDIENCES = ("all", "runner", "adolescent", "parent", "kinesiophobia")
_KEYS = {"id", "title", "body", "citation_ids", "audience", "verified"}


@cache
def load_education() -> tuple[EducationTopic, ...]:
    """Every education topic, in file then entry order; ids are unique."""
    registry = load_citations()
    topics: list[EducationTopic] = []
    for entry in toml_files("education"):
        for raw in read_toml(entry).get("topic", []):
            where = f"{entry.name} topic {raw.get('id', '?')}"
            unknown = set(raw) - _KEYS
            missing = {"id", "title", "body", "citation_ids"} - set(raw)
            if unknown or missing:
                raise ContentError(
                    f"{where}: unknown keys {sorted(unknown)}, missing {sorted(missing)}",
                    where=where,
                )
            audience = str(raw.get("audience", "all"))
            if audience not in AUDIENCES:
                raise ContentError(f"{where}: audience must be one of {AUDIENCES}", where=where)
            topics.append(
                EducationTopic(
                    id=str(raw["id"]),
                    title=str(raw["title"]),
                    body=" ".join(str(raw["body"]).split()),
                    citation_ids=registry.require(raw["citation_ids"], where=where),
                    audience=audience,
                    verified=bool(raw.get("verified", True)),
                )
            )
    ids = [t.id for t in topics]
    if len(ids) != len(set(ids)):
        raise ContentError("education topics: duplicate ids", where="education")
    return tuple(topics)
