"""Clinical content as versioned data files, and loaders that validate them into core types.

The application reads content through one frozen :class:`ClinicalContent` bundle, built once
by ``runnersknee.bootstrap`` with the deployment's overrides applied
(:func:`load_clinical_content`). The per-area loaders stay public for tools and tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runnersknee._lazy import lazy_names
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


__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
