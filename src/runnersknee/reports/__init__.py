"""reports layer (see docs/architecture.md)."""
