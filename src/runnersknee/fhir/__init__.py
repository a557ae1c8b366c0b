"""fhir layer (see docs/architecture.md)."""
