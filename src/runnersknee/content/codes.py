"""Interoperability codes (SNOMED CT, ICD-10/11, LOINC, UCUM and FHIR code systems) from
``data/interop/codes.toml``: the FHIR export takes every code and system URL from here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from runnersknee.clinical.errors import ContentError
from runnersknee.content._files import data_root, read_toml

__all__ = ["Code", "InteropCodes", "load_codes"]


@dataclass(frozen=True, slots=True)
class Code:
    """One code with its system URL; ``verified`` is False until a coder has checked it."""

    system: str
    code: str
    display: str
    verified: bool

    def coding(self) -> dict[str, str]:
        """The FHIR ``Coding`` form."""
        return {"system": self.system, "code": self.code, "display": self.display}


@dataclass(frozen=True, slots=True)
class InteropCodes:
    """Everything the export codes: condition, signature, instrument totals, measures, units."""

    version: str
    systems: Mapping[str, str]
    condition: tuple[Code, ...]
    signature: Code
    instruments: Mapping[str, Code]
    measures: Mapping[str, Code]
    ucum: Mapping[str, str]

    def system(self, name: str) -> str:
        """The URL of a named system (``local_measure``, ``observation_category``, ...)."""
        return self.systems[name]

    def ucum_code(self, unit: str) -> str | None:
        """The UCUM code of a unit as printed in the app (``°`` → ``deg``), or None."""
        return self.ucum.get(unit)


def _code(raw: Mapping[str, Any], systems: Mapping[str, str], where: str) -> Code:
    try:
        system = systems[str(raw["system"])]
        return Code(system, str(raw["code"]), str(raw["display"]), bool(raw["verified"]))
    except KeyError as exc:
        raise ContentError(f"interop/codes.toml {where}: missing or unknown {exc}") from exc


@cache
def load_codes() -> InteropCodes:
    """The parsed code file (cached); an entry with an empty code is left out."""
    raw = read_toml(data_root() / "interop" / "codes.toml")
    systems = {str(k): str(v) for k, v in raw.get("systems", {}).items()}
    condition = tuple(
        code
        for n, entry in enumerate(raw.get("condition", []))
        if (code := _code(entry, systems, f"condition[{n}]")).code
    )
    instruments = {
        str(e["id"]): _code(e, systems, f"instrument {e.get('id')}")
        for e in raw.get("instrument", [])
    }
    measures = {
        str(e["id"]): _code(e, systems, f"measure {e.get('id')}") for e in raw.get("measure", [])
    }
    return InteropCodes(
        version=str(raw.get("version", "")),
        systems=systems,
        condition=condition,
        signature=_code(raw.get("signature", {}), systems, "signature"),
        instruments=instruments,
        measures=measures,
        ucum={str(k): str(v) for k, v in raw.get("units", {}).items()},
    )
