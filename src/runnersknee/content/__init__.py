"""Clinical content as versioned data files, and loaders that validate them into core types."""

from runnersknee.content.citations import load_citations

__all__ = ["load_citations"]
