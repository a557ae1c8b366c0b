"""gait layer (see docs/architecture.md)."""
