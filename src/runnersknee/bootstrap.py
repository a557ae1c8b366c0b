"""Build the application once: settings → database and the one clinical-content bundle.

Every entry point starts here: the web app factory (``web.app.create_app``), the CLI commands
and the job workers. What it builds is passed down explicitly (``app.state.context``, function
arguments); no service reads the environment or loads content on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent, load_clinical_content
from runnersknee.services.platform.database import Database

__all__ = ["AppContext", "bootstrap", "load_content"]


@dataclass(frozen=True, slots=True)
class AppContext:
    """What an entry point built: its settings, database and clinical content."""

    settings: Settings
    database: Database
    content: ClinicalContent


def load_content(settings: Settings) -> ClinicalContent:
    """The clinical content with ``settings.content_overrides`` applied (the one place)."""
    return load_clinical_content(settings.content_overrides)


def bootstrap(settings: Settings | None = None, *, database: Database | None = None) -> AppContext:
    """Settings (from the environment when not given), database and content, built once."""
    settings = settings or Settings()
    content = load_content(settings)
    return AppContext(settings, database or Database.from_settings(settings), content)
