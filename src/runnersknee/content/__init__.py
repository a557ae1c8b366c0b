"""Clinical content as versioned data files, and loaders that validate them into core types.

The application reads content through one frozen :class:`ClinicalContent` bundle, built once
by ``runnersknee.bootstrap`` with the deployment's overrides applied
(:func:`load_clinical_content`). The per-area loaders stay public for tools and tests.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from runnersknee.content.citations import load_citations

if TYPE_CHECKING:
    from runnersknee.content.bundle import ClinicalContent, load_clinical_content, read_overrides

#: Public name → the module that defines it (imported on first use).
_HOMES = {
    "ClinicalContent": "bundle",
    "load_clinical_content": "bundle",
    "read_overrides": "bundle",
}

__all__ = ["ClinicalContent", "load_citations", "load_clinical_content", "read_overrides"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
