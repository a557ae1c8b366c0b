"""activity layer (see docs/architecture.md)."""
