"""Where content files live and how they are read (TOML, stdlib only)."""

from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from runnersknee.clinical.errors import ContentError

__all__ = ["data_root", "read_toml", "toml_files"]


def data_root() -> Traversable:
    """The packaged ``content/data`` folder."""
    return resources.files("runnersknee.content") / "data"


def read_toml(entry: Traversable) -> dict[str, Any]:
    """Parse one TOML content file, naming the file in any error."""
    try:
        return tomllib.loads(entry.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"content file {entry.name} is not valid TOML: {exc}") from exc


def toml_files(folder: str) -> list[Traversable]:
    """The ``*.toml`` files of a content sub-folder, in name order."""
    base = data_root() / folder
    return sorted(
        (entry for entry in base.iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )
