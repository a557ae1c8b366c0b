"""Load the questionnaire definitions from ``data/instruments/*.toml`` into core types.

Each file defines one :class:`~runnersknee.clinical.instruments.Instrument`. Loading checks
every key (unknown keys are refused, so typos fail loudly), builds the instrument (which
checks its own points, range, bands and rules) and resolves every citation id against
:func:`~runnersknee.content.citations.load_citations`. Any inconsistency raises
:class:`~runnersknee.clinical.errors.ContentError` naming the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

from runnersknee.clinical.citations import CitationRegistry
from runnersknee.clinical.errors import ContentError
from runnersknee.clinical.instruments import (
    Band,
    Instrument,
    Item,
    MissingRule,
    Option,
    Threshold,
)
from runnersknee.content._files import read_toml, toml_files
from runnersknee.content.citations import load_citations

__all__ = [
    "INSTRUMENT_IDS",
    "instruments_from_tables",
    "load_instruments",
    "render_instruments_markdown",
    "review_items",
]

#: The instruments the product expects; loading fails if one is absent.
INSTRUMENT_IDS = ("akps", "koos_pf", "nprs", "lefs", "tsk11", "groc")

_TOP_KEYS = {
    "id", "name", "short_name", "version", "scoring", "minimum", "maximum",
    "higher_is_better", "text_verified", "scoring_verified", "citation_ids", "source",
    "licence_note", "instructions", "review", "primary_item", "missing_rule", "mdc",
    "mcid", "band", "item", "entry", "paraphrased",
}  # fmt: skip
_ITEM_KEYS = {
    "id", "text", "kind", "option", "minimum", "maximum", "minimum_label",
    "maximum_label", "reverse",
}  # fmt: skip
_RULE_KEYS = {"method", "max_missing", "min_fraction", "verified", "citation_ids", "note"}
_THRESHOLD_KEYS = {"value", "basis", "verified", "citation_ids", "note"}
_BAND_KEYS = {"id", "label", "minimum", "maximum", "citation_ids"}
_OPTION_KEYS = {"id", "label", "points"}


@cache
def load_instruments() -> Mapping[str, Instrument]:
    """Every instrument by id (read once, validated, immutable)."""
    tables = {entry.name: read_toml(entry) for entry in toml_files("instruments")}
    return instruments_from_tables(tables, load_citations())


def instruments_from_tables(
    tables: Mapping[str, Mapping[str, Any]], citations: CitationRegistry
) -> Mapping[str, Instrument]:
    """Build and cross-check instruments from parsed TOML tables keyed by file name."""
    found: dict[str, Instrument] = {}
    for file_name, table in tables.items():
        try:
            instrument = _instrument(table)
        except ContentError as exc:
            raise ContentError(f"{file_name}: {exc.message}", file=file_name) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise ContentError(f"{file_name}: malformed entry ({exc})", file=file_name) from exc
        if instrument.id in found:
            raise ContentError(f"{file_name}: duplicate instrument id {instrument.id!r}")
        _require_citations(instrument, citations, file_name)
        found[instrument.id] = instrument
    absent = [iid for iid in INSTRUMENT_IDS if iid not in found]
    if absent:
        raise ContentError(f"instrument file(s) missing for: {', '.join(absent)}")
    return MappingProxyType(found)


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ContentError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _ids(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ContentError(f"citation_ids must be a list, got {raw!r}")
    return tuple(str(value) for value in raw)


def _number(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ContentError(f"{where} must be a number, got {raw!r}")
    return float(raw)


def _flag(raw: Any, where: str) -> bool:
    if not isinstance(raw, bool):
        raise ContentError(f"{where} must be true or false, got {raw!r}")
    return raw


def _instrument(table: Mapping[str, Any]) -> Instrument:
    where = f"instrument {table.get('id', '?')}"
    _check_keys(table, _TOP_KEYS, where)
    return Instrument(
        id=str(table["id"]),
        name=str(table["name"]),
        short_name=str(table.get("short_name", "")),
        version=str(table["version"]),
        items=tuple(_item(raw, where) for raw in table["item"]),
        scoring=table["scoring"],
        minimum=_number(table["minimum"], f"{where} minimum"),
        maximum=_number(table["maximum"], f"{where} maximum"),
        higher_is_better=_flag(table["higher_is_better"], f"{where} higher_is_better"),
        missing_rule=_rule(table["missing_rule"], where),
        citation_ids=_ids(table["citation_ids"]),
        source=str(table["source"]),
        licence_note=str(table["licence_note"]),
        text_verified=_flag(table["text_verified"], f"{where} text_verified"),
        scoring_verified=_flag(table["scoring_verified"], f"{where} scoring_verified"),
        instructions=str(table.get("instructions", "")),
        primary_item=table.get("primary_item"),
        bands=tuple(_band(raw, where) for raw in table.get("band", [])),
        mdc=_threshold(table["mdc"], f"{where} mdc") if "mdc" in table else None,
        mcid=_threshold(table["mcid"], f"{where} mcid") if "mcid" in table else None,
        review_notes=tuple(str(note) for note in table.get("review", [])),
        entry=table.get("entry", "portal"),
        paraphrased=_flag(table.get("paraphrased", False), f"{where} paraphrased"),
    )


def _item(raw: Mapping[str, Any], where: str) -> Item:
    here = f"{where} item {raw.get('id', '?')}"
    _check_keys(raw, _ITEM_KEYS, here)
    options = []
    for option in raw.get("option", []):
        _check_keys(option, _OPTION_KEYS, f"{here} option")
        points = _number(option["points"], f"{here} option points")
        options.append(Option(id=str(option["id"]), label=str(option["label"]), points=points))
    return Item(
        id=str(raw["id"]),
        text=str(raw["text"]),
        kind=raw["kind"],
        options=tuple(options),
        minimum=raw.get("minimum"),
        maximum=raw.get("maximum"),
        minimum_label=str(raw.get("minimum_label", "")),
        maximum_label=str(raw.get("maximum_label", "")),
        reverse=_flag(raw.get("reverse", False), f"{here} reverse"),
    )


def _rule(raw: Mapping[str, Any], where: str) -> MissingRule:
    _check_keys(raw, _RULE_KEYS, f"{where} missing_rule")
    fraction = raw.get("min_fraction")
    return MissingRule(
        method=raw["method"],
        max_missing=raw.get("max_missing"),
        min_fraction=None if fraction is None else _number(fraction, f"{where} min_fraction"),
        verified=_flag(raw["verified"], f"{where} missing_rule verified"),
        citation_ids=_ids(raw["citation_ids"]),
        note=str(raw.get("note", "")),
    )


def _threshold(raw: Mapping[str, Any], where: str) -> Threshold:
    _check_keys(raw, _THRESHOLD_KEYS, where)
    return Threshold(
        value=_number(raw["value"], f"{where} value"),
        basis=raw.get("basis", "points"),
        verified=_flag(raw["verified"], f"{where} verified"),
        citation_ids=_ids(raw["citation_ids"]),
        note=str(raw.get("note", "")),
    )


def _band(raw: Mapping[str, Any], where: str) -> Band:
    _check_keys(raw, _BAND_KEYS, f"{where} band")
    return Band(
        id=str(raw["id"]),
        label=str(raw["label"]),
        minimum=_number(raw["minimum"], f"{where} band minimum"),
        maximum=_number(raw["maximum"], f"{where} band maximum"),
        citation_ids=_ids(raw["citation_ids"]),
    )


def _require_citations(instrument: Instrument, citations: CitationRegistry, file_name: str) -> None:
    where = f"{file_name} ({instrument.id})"
    citations.require(instrument.citation_ids, where=where)
    citations.require(instrument.missing_rule.citation_ids, where=f"{where} missing_rule")
    for name, threshold in (("mdc", instrument.mdc), ("mcid", instrument.mcid)):
        if threshold is not None:
            citations.require(threshold.citation_ids, where=f"{where} {name}")
    for band in instrument.bands:
        citations.require(band.citation_ids, where=f"{where} band {band.id}")


_SCORING_TEXT = {
    "sum": "sum of the item points",
    "koos": "100 − (mean item score × 100 / 4); 100 = no problems (standard KOOS method)",
    "primary_item": "no summed total: each rating is reported as a subscore; "
    "`total` is the primary rating",
}


def _fmt(value: float) -> str:
    return f"{value:g}"


def _verified(flag: bool) -> str:
    return "verified" if flag else "**unverified**"


def _threshold_md(name: str, threshold: Threshold | None) -> str:
    if threshold is None:
        return f"- {name}: not established"
    unit = "% of the earlier total" if threshold.basis == "percent_of_before" else " points"
    note = f" — {threshold.note}" if threshold.note else ""
    return (
        f"- {name}: {_fmt(threshold.value)}{unit} ({_verified(threshold.verified)}; "
        f"{', '.join(threshold.citation_ids)}){note}"
    )


def _answers_md(item: Item) -> str:
    if item.kind == "scale":
        return (
            f"{item.minimum} ({item.minimum_label or 'minimum'}) … "
            f"{item.maximum} ({item.maximum_label or 'maximum'})"
        )
    return "; ".join(f"`{o.id}` {o.label} = {_fmt(o.points)}" for o in item.options)


def review_items(instrument: Instrument) -> tuple[str, ...]:
    """What a clinician must check before this instrument is used live."""
    notes = list(instrument.review_notes)
    rule = instrument.missing_rule
    if not rule.verified:
        notes.append(
            f"Missing-item rule unverified ({rule.describe(len(instrument.items))}): {rule.note}"
        )
    for name, threshold in (("MDC", instrument.mdc), ("MCID", instrument.mcid)):
        if threshold is not None and not threshold.verified:
            notes.append(
                f"{name} {_fmt(threshold.value)} unverified "
                f"({', '.join(threshold.citation_ids)}): {threshold.note}"
            )
    if not instrument.text_verified:
        notes.append("Item text not verified against the official form.")
    if not instrument.scoring_verified:
        notes.append(
            f"Scoring method ({_SCORING_TEXT[instrument.scoring]}) not verified for "
            "this instrument."
        )
    return tuple(dict.fromkeys(notes))


def _instrument_md(instrument: Instrument) -> list[str]:
    rule = instrument.missing_rule
    better = "higher is better" if instrument.higher_is_better else "lower is better"
    lines = [
        f"## {instrument.label} — {instrument.name}",
        "",
        f"- id: `{instrument.id}`; version: `{instrument.version}`",
        f"- items: {len(instrument.items)}; range {_fmt(instrument.minimum)}–"
        f"{_fmt(instrument.maximum)} ({better})",
        f"- scoring: {_SCORING_TEXT[instrument.scoring]}"
        + (f" (`{instrument.primary_item}`)" if instrument.primary_item else "")
        + f" ({_verified(instrument.scoring_verified)})",
        f"- missing items: {rule.describe(len(instrument.items))} ({_verified(rule.verified)}; "
        f"{', '.join(rule.citation_ids)}) — {rule.note}",
        _threshold_md("MDC", instrument.mdc),
        _threshold_md("MCID", instrument.mcid),
        f"- sources: {', '.join(instrument.citation_ids)} — {instrument.source}",
        f"- item text: {_verified(instrument.text_verified)}; licence: {instrument.licence_note}",
    ]
    if instrument.bands:
        lines += ["", "| band | label | range | sources |", "|---|---|---|---|"]
        lines += [
            f"| `{b.id}` | {b.label} | {_fmt(b.minimum)}–{_fmt(b.maximum)} "
            f"| {', '.join(b.citation_ids)} |"
            for b in instrument.bands
        ]
    lines += ["", f"Instructions: {instrument.instructions}", ""]
    lines += ["| item | text | answers → points |", "|---|---|---|"]
    lines += [f"| `{i.id}` | {i.text} | {_answers_md(i)} |" for i in instrument.items]
    lines += ["", "Needs clinical review:", ""]
    lines += [f"- {note}" for note in review_items(instrument)]
    return [*lines, ""]


_INTRO = """\
# Questionnaires (PROMs): definitions, scoring and change thresholds

<!-- Generated by runnersknee.content.instruments.render_instruments_markdown(); do not edit.
     Regenerate: .venv/bin/python -c "from runnersknee.content.instruments import \
render_instruments_markdown as r; open('docs/instruments.md','w').write(r())" -->

Definitions live in `src/runnersknee/content/data/instruments/*.toml`; one engine scores them
all (`runnersknee.clinical.instruments`, knowledge base sections 4 and 9.1).

- `score_answers(instrument, answers)` takes item id → answer. A choice item takes an option
  id (or an integer equal to the points of exactly one option); a scale item takes a whole
  number in its range. Unknown items and bad answers raise `InvalidInput` naming the field
  (`<instrument>.<item>`) and the allowed values. Absent or `None` answers are missing and are
  handled by the instrument's missing-item rule; too many missing gives `total = None` and
  the reason in `interpretation`. `complete` is true only when every item was answered.
- `interpret_change(instrument, before, after)` gives `delta = after − before`, a direction
  that respects "higher is better", and whether |delta| reaches the MDC and the MCID
  (reaching = equal or above). Thresholds marked unverified are flagged in the text. A change
  is called "clinically important" only when it reaches the MDC **and** the MCID; inside the
  MDC it is "within measurement error", whatever the MCID. A paraphrased item set
  (`paraphrased = true`: AKPS, LEFS) is a different instrument: it is not read against the
  published MCID (`exceeds_mcid = null`, "MCID not applied").
- `entry = "paper_form"` (KOOS-PF, TSK-11): no item wording is shipped; a clinician enters
  the answers from the official paper form, and the questionnaire is never offered in the
  patient portal (a patient's GET or POST is 404, the API answers 422). A form with too
  few answers to score is not stored: it comes back (422) with the missing items marked and
  the answers given kept.
- `score_for(instruments, instrument_id, answers, version=None)` does the same by instrument
  id (unknown id or other version → `InvalidInput`). `score_summary(score)` and
  `change_summary(change)` give stable JSON keys: `instrument, version, total, min, max, band,
  band_label, interpretation, complete, answered_items, total_items, missing_items,
  subscores, citations` and `instrument, before, after, delta, direction, improved,
  exceeds_mdc, exceeds_mcid, mdc, mcid, interpretation, subscore_deltas, citations`.
- NPRS is never summed: `total` is the worst pain in the last week and `subscores` hold all
  three ratings; change is reported for each rating.
- Totals are not rounded; prorated totals may be fractional (a total between two band edges
  falls in the lower band).
"""


def render_instruments_markdown() -> str:
    """The reference page ``docs/instruments.md``, generated from the content files."""
    instruments = load_instruments()
    citations = load_citations()
    lines = [_INTRO]
    for instrument_id in INSTRUMENT_IDS:
        lines += _instrument_md(instruments[instrument_id])
    lines += ["## Needs clinical review (all instruments)", ""]
    for instrument_id in INSTRUMENT_IDS:
        instrument = instruments[instrument_id]
        lines += [f"- **{instrument.label}**: {note}" for note in review_items(instrument)]
    lines += ["", "## Sources", ""]
    used: dict[str, None] = {}
    for instrument in instruments.values():
        ids = [*instrument.citation_ids, *instrument.missing_rule.citation_ids]
        for threshold in (instrument.mdc, instrument.mcid):
            ids += threshold.citation_ids if threshold else ()
        for band in instrument.bands:
            ids += band.citation_ids
        used.update(dict.fromkeys(ids))
    for cid in sorted(used):
        citation = citations[cid]
        flag = "" if citation.verified else " (unverified)"
        lines.append(f"- `{cid}`{flag}: {citation.reference}")
    return "\n".join(lines) + "\n"
