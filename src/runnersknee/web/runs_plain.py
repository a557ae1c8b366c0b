"""The runs page in plain words (kept here for the web layer's imports): the functions live in
:mod:`runnersknee.services.run_plain`, where the import job uses them too."""

from __future__ import annotations

from runnersknee.services.run_plain import CANNOT_READ, nothing_imported, plain_reason

__all__ = ["CANNOT_READ", "nothing_imported", "plain_reason"]
