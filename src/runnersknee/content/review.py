"""Every content entry marked ``verified = false``: the list a clinician must review.

The scan is generic (any table of any content file with ``verified = false``), so a new
unverified default cannot be left out of docs/clinical-review.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from runnersknee.content._files import data_root, read_toml

__all__ = ["ReviewItem", "render_review_markdown", "unverified_items"]

_NAME_KEYS = ("id", "name", "title", "label")
_NOTE_KEYS = ("note", "review_note", "rationale", "reason", "review")

_HEADER = """# Items that need clinical review

runnersknee uses the defaults below because the knowledge base (`shared/clinical/knowledge-base.md`)
marks them *(unverified)*, gives no number, or leaves a policy choice open. Each is a
configurable default: a clinic must review them before clinical use (knowledge base section 9.3).
Overrides go in the TOML file named by `RUNNERSKNEE_CONTENT_OVERRIDES` where the area supports
it (see each area's docs page).

This page is generated from the content files (`runnersknee.content.review`); a test keeps it
current. {count} entries.
"""


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One unverified entry: where it is, what it is called and why it needs review."""

    file: str
    path: str
    name: str
    note: str


def unverified_items() -> list[ReviewItem]:
    """All unverified entries, in file order."""
    items: list[ReviewItem] = []
    for folder in sorted(data_root().iterdir(), key=lambda entry: entry.name):
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".toml"):
                relative = f"{folder.name}/{entry.name}"
                items.extend(_walk(read_toml(entry), relative, ""))
    return items


def _walk(node: Any, file: str, path: str) -> Iterator[ReviewItem]:
    if isinstance(node, Mapping):
        if node.get("verified") is False:
            yield ReviewItem(file, path or "(file)", _name(node, path), _note(node))
        for key, value in node.items():
            yield from _walk(value, file, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, file, f"{path}[{index}]")


def _name(node: Mapping[str, Any], path: str) -> str:
    for key in _NAME_KEYS:
        if isinstance(node.get(key), str):
            return str(node[key])
    return path.rsplit(".", 1)[-1] if path else "(file)"


def _note(node: Mapping[str, Any]) -> str:
    for key in _NOTE_KEYS:
        value = node.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
        if isinstance(value, list) and value:
            return " ".join(" ".join(str(part).split()) for part in value)
    if "value" in node:
        return f"default value {node['value']}"
    return ""


def render_review_markdown() -> str:
    """docs/clinical-review.md: one table per content area."""
    items = unverified_items()
    lines = [_HEADER.format(count=len(items))]
    current = ""
    for item in items:
        area = item.file.split("/", 1)[0]
        if area != current:
            current = area
            lines += [
                "",
                f"## {area}",
                "",
                "| File | Entry | Why it needs review |",
                "|---|---|---|",
            ]
        note = item.note.replace("|", "/") or "marked unverified"
        lines.append(f"| `{item.file}` | `{item.name}` | {note} |")
    return "\n".join(lines).rstrip() + "\n"
