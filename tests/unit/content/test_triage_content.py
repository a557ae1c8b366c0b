"""Triage content: citations, wording, overrides, validation of broken files, generated docs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import runnersknee.content.triage as triage_content
from runnersknee.clinical.case import Case, Demographics, PainSite
from runnersknee.clinical.errors import ContentError
from runnersknee.clinical.triage import TriageLevel, triage
from runnersknee.content import load_citations
from runnersknee.content._files import data_root
from runnersknee.content.triage import load_triage_rules, render_rules_markdown

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs" / "triage.md"


def test_every_rule_cites_known_sources() -> None:
    registry = load_citations()
    rules = load_triage_rules()
    groups = [rule.citation_ids for rule in rules.rules]
    groups += [rules.pfp.citation_ids, *(c.citation_ids for c in rules.pfp.criteria)]
    for ids in groups:
        assert ids
        assert set(ids) <= set(registry)


def test_the_loader_keeps_no_cache_the_overrides_could_bypass() -> None:
    # The application reads its rules from the one ClinicalContent bundle (test_bundle.py).
    assert load_triage_rules() is not load_triage_rules()
    assert load_triage_rules({}).rules[0].id == load_triage_rules().rules[0].id


def test_safety_wording_is_verbatim_from_section_8_3() -> None:
    safety = load_triage_rules().safety
    assert safety.by_level[TriageLevel.EMERGENCY] == (
        "Your answers suggest a problem that needs urgent medical care. Please go to an emergency"
        " department or call your local emergency number now. Do not start or continue this"
        " exercise program."
    )
    assert safety.by_level[TriageLevel.URGENT] == (
        "Your answers include symptoms that should be checked by a doctor within the next 24–48"
        " hours. Please pause this program until you have been seen."
    )
    assert safety.by_level[TriageLevel.REFER] == (
        "Your symptoms may come from a knee problem other than kneecap pain. Please see a"
        " physiotherapist or doctor for an assessment before starting."
    )
    assert safety.variants["child_teen_limp"] == (
        "Please arrange a same-day medical review; avoid running and jumping until then."
    )
    assert safety.medicines == (
        "Ask a doctor or pharmacist before taking pain or anti-inflammatory medicines."
    )
    assert safety.adolescent_below_age == 18
    assert not safety.adolescent_verified


def test_docs_list_every_rule_and_match_the_generator() -> None:
    rules = load_triage_rules()
    text = DOCS.read_text(encoding="utf-8")
    for rule_id in rules.rule_ids:
        assert f"`{rule_id}`" in text
    assert text == render_rules_markdown(rules), (
        "docs/triage.md is stale: regenerate it (command in its header)"
    )


def test_docs_review_list_names_unverified_items() -> None:
    rules = load_triage_rules()
    review = render_rules_markdown(rules).split("## Needs clinical review")[1].split("## ")[0]
    for rule in rules.rules:
        if not rule.verified or rule.review:
            assert f"`{rule.id}`" in review
        for param in rule.params:
            assert (f"`{rule.id}.{param.name}`" in review) is (not param.verified)
    assert "level.urgent" in review


TEEN_TENDON = Case(
    demographics=Demographics(age_years=14),
    pain_sites=frozenset({PainSite.PATELLAR_TENDON_INFERIOR_POLE}),
)


def test_override_one_rule_parameter() -> None:
    rules = load_triage_rules({"DD-SINDING-LARSEN-JOHANSSON": {"adolescent_age_below": 14}})
    assert rules is not load_triage_rules()
    param = rules.get("DD-SINDING-LARSEN-JOHANSSON").params[0]
    assert param.value == 14
    assert not param.verified
    assert "(default 16, overridden)" in param.note
    fired = {item.rule_id for item in triage(TEEN_TENDON, rules).reasons}
    assert "DD-SINDING-LARSEN-JOHANSSON" not in fired
    assert "DD-SINDING-LARSEN-JOHANSSON" in {
        item.rule_id for item in triage(TEEN_TENDON, load_triage_rules()).reasons
    }
    # other rules keep their default
    assert rules.get("DD-OSGOOD-SCHLATTER").params[0].value == 16


def test_override_every_rule_declaring_a_parameter() -> None:
    rules = load_triage_rules({"*": {"adolescent_age_below": 13}})
    gated = [r for r in rules.rules if any(p.name == "adolescent_age_below" for p in r.params)]
    assert len(gated) >= 3
    assert all(rule.params[0].value == 13 for rule in gated)
    specific = load_triage_rules(
        {"*": {"adolescent_age_below": 13}, "DD-OSGOOD-SCHLATTER": {"adolescent_age_below": 17}}
    )
    assert specific.get("DD-OSGOOD-SCHLATTER").params[0].value == 17
    assert specific.get("DD-SINDING-LARSEN-JOHANSSON").params[0].value == 13


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"RF-NOPE": {"x": 1}}, "unknown triage rule"),
        ({"RF-SCFE": {"min_age": 1}}, "no such parameter"),
        ({"RF-HOT-RED-JOINT": {"min_age": 1}}, "declared: none"),
        ({"*": {"nothing_like_this": 1}}, "no such parameter"),
        ({"RF-SCFE": {"scfe_min_age": "eight"}}, "finite number"),
        ({"RF-SCFE": {"scfe_min_age": True}}, "finite number"),
        ({"RF-SCFE": {"scfe_min_age": float("nan")}}, "finite number"),
    ],
)
def test_bad_overrides_raise_content_error(
    overrides: dict[str, dict[str, float]], message: str
) -> None:
    with pytest.raises(ContentError, match=message):
        load_triage_rules(overrides)


@pytest.fixture
def content_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the triage content that the loader reads instead of the package's."""
    shutil.copytree(Path(str(data_root() / "triage")), tmp_path / "triage")
    monkeypatch.setattr(triage_content, "data_root", lambda: tmp_path)
    return tmp_path / "triage" / "rules.toml"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('citations = ["BMJ-BP-ITBS"]', 'citations = ["NO-SUCH-SOURCE"]', "unknown source"),
        ('citations = ["BMJ-BP-ITBS"]', "citations = []", "cites no source"),
        (
            'condition = "pain_sites has lateral_epicondyle"',
            'condition = "pain_sites has elbow"',
            "not a value",
        ),
        (
            'condition = "systemic.hot_red_joint"',
            'condition = "systemic.hot_red_knee"',
            "unknown condition path",
        ),
        (
            'condition = "systemic.unable_to_bear_weight"',
            'condition = "systemic.unable_to_bear_weight ~ 1"',
            "unknown operator",
        ),
        (
            'id = "DD-ITB-SYNDROME"\nkind = "differential"\nlevel = "refer"',
            'id = "DD-ITB-SYNDROME"\nkind = "differential"\nlevel = "plan"',
            "cannot give 'plan'",
        ),
        (
            'id = "DD-ITB-SYNDROME"\nkind = "differential"\nlevel = "refer"',
            'id = "DD-ITB-SYNDROME"\nkind = "differential"\nlevel = "soon"',
            "not one of",
        ),
        ('id = "DD-ITB-SYNDROME"', 'id = "DD-OSGOOD-SCHLATTER"', "duplicate triage rule id"),
        ('safety_variant = "child_teen_limp"', 'safety_variant = "nope"', "unknown safety variant"),
        (
            'level = "plan"\nreason = "Squatting',
            'level = "refer"\nreason = "Squatting',
            "information items",
        ),
        (
            'verified = true\nrationale = "ITB syndrome',
            'verified = 1\nrationale = "ITB syndrome',
            "true or false",
        ),
        (
            'level = "refer"\nreason = "Your pain is on the outer',
            'level = "refer"\ncolour = "red"\nreason = "Your pain is on the outer',
            "unknown colour",
        ),
        ('"age_years >= $oa_min_age"', '"age_years >= 45"', "never used: oa_min_age"),
        ("value = 55", 'value = "55"', "finite number"),
        ('version = "1"', 'version = "1"\nextra_top = 1', "unknown extra_top"),
        (
            '[[pfp.criterion]]\nid = "PFP-NO-PATELLAR-PAIN"',
            '[[pfp.criterion]]\nid = "PFP-NO-PATELLAR-PAIN"\nextra = 1',
            "unknown extra",
        ),
    ],
)
def test_broken_content_is_refused(content_copy: Path, old: str, new: str, message: str) -> None:
    _edit(content_copy, old, new)
    with pytest.raises(ContentError, match=message):
        load_triage_rules({"RF-TRAUMA-OTTAWA": {"ottawa_min_age": 55}})  # bypasses the cache


def test_broken_safety_wording_is_refused(content_copy: Path) -> None:
    safety = content_copy.parent / "safety.toml"
    _edit(safety, "[level.plan]", "[level.later]")
    with pytest.raises(ContentError, match="every level exactly once"):
        load_triage_rules({"RF-TRAUMA-OTTAWA": {"ottawa_min_age": 55}})


def test_invalid_toml_is_reported(content_copy: Path) -> None:
    content_copy.write_text("[[rule]\n", encoding="utf-8")
    with pytest.raises(ContentError, match="not valid TOML"):
        load_triage_rules({"RF-TRAUMA-OTTAWA": {"ottawa_min_age": 55}})
