"""The pure clinical core: stdlib only, frozen dataclasses and pure functions, no I/O."""
