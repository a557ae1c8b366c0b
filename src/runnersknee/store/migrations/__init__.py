"""Alembic migration scripts (the only way the schema changes)."""
