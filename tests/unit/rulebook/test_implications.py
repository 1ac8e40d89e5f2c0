"""rules/implications.yaml: facts implied by other facts, applied before the rules run, never over a given fact."""
from __future__ import annotations

from pathlib import Path

import pytest

from netguide.errors import RulebookError
from netguide.evaluation import evaluate
from netguide.rulebook.implications import derive, load_implications
from netguide.rulebook.loader import load_rulebook
from needs import ROOT



@pytest.fixture(scope="module")
def shipped():
    return load_rulebook(ROOT / "rules")


def _derived(book, given):
    facts, derived, contradicted = derive(book.implications, given)
    return facts, {d.fact: d.value for d in derived}, [f.code for f in contradicted]


def test_treatment_naive_means_nothing_failed_and_first_line(shipped):
    _, derived, _ = _derived(shipped, {"prior_therapies": []})
    assert derived == {"failed_therapies": [], "prior_systemic_lines": 0}
    assert _derived(shipped, {"prior_therapies": ["SSA"]})[1] == {}
    assert _derived(shipped, {})[1] == {}


@pytest.mark.parametrize("given,fact,value", [
    ({"grade": "G1"}, "differentiation", "well"),
    ({"grade": "G2"}, "differentiation", "well"),
    ({"lung_histology": "atypical_carcinoid"}, "differentiation", "well"),
    ({"differentiation": "well", "primary_site": "pancreas", "ki67_percent": 20.000001}, "grade", "G3"),
    ({"differentiation": "well", "primary_site": "colorectal", "ki67_percent": 20}, "grade", "G2"),
    ({"differentiation": "well", "primary_site": "unknown_primary", "ki67_percent": 3}, "grade", "G2"),
    ({"differentiation": "well", "primary_site": "stomach", "ki67_percent": 2.999999}, "grade", "G1"),
    ({"primary_site": "lung", "lung_histology": "atypical_carcinoid", "nodal_status": "N2"}, "high_relapse_risk", True),
    ({"grade": "G3"}, "differentiation", "well"),  # the vocabulary's grade is that of a well-differentiated NET
])
def test_what_the_vocabulary_and_the_review_define_is_derived(shipped, given, fact, value):
    facts, derived, contradicted = _derived(shipped, given)
    assert derived.get(fact) == value and facts[fact] == value and contradicted == []


@pytest.mark.parametrize("given,fact", [
    ({"differentiation": "well", "primary_site": "lung", "ki67_percent": 25}, "grade"),  # thoracic: silent
    ({"primary_site": "pancreas", "ki67_percent": 25}, "grade"),  # morphology unknown
    ({"primary_site": "lung", "lung_histology": "atypical_carcinoid", "nodal_status": "N1"}, "high_relapse_risk"),
    ({"primary_site": "thymus", "lung_histology": "atypical_carcinoid", "nodal_status": "N2"}, "high_relapse_risk"),
])
def test_nothing_is_guessed_beyond_the_definitions(shipped, given, fact):
    assert fact not in _derived(shipped, given)[1]


def test_implications_chain_to_a_fixed_point(shipped):
    """A carcinoid histology makes the tumour well differentiated; a GEP grade then follows from Ki-67 only when
    the site is GEP: chains are followed, in any order."""
    _, derived, _ = _derived(shipped, {"grade": "G2", "primary_site": "pancreas", "ki67_percent": 14})
    assert derived == {"differentiation": "well"}
    facts, derived, _ = _derived(shipped, {"lung_histology": "typical_carcinoid", "primary_site": "lung",
                                           "prior_therapies": []})
    assert derived == {"differentiation": "well", "failed_therapies": [], "prior_systemic_lines": 0}


def test_a_given_fact_is_never_overwritten_and_the_contradiction_is_a_finding(shipped):
    ev = evaluate({"differentiation": "poor", "grade": "G2", "primary_site": "pancreas"}, shipped)
    assert "implied-fact-contradicted" in {f.code for f in ev.findings}
    assert not ev.derived_facts
    assert any(r.kind == "out_of_scope" for r in ev.recommendations)  # evaluated as given: poor


def test_derived_facts_are_in_the_answer_and_the_trace(shipped):
    ev = evaluate({"primary_site": "small_intestine", "grade": "G1", "treatment_setting": "advanced",
                   "prior_therapies": []}, shipped)
    d = ev.to_dict()
    assert {x["fact"] for x in d["derived_facts"]} == {"differentiation", "failed_therapies", "prior_systemic_lines"}
    steps = [t for t in ev.trace if t.outcome == "derived"]
    assert {t.rule_id for t in steps} == {"g1_g2_well_differentiated", "treatment_naive_nothing_failed",
                                          "treatment_naive_first_line"}
    assert all("implications.yaml:" in t.location for t in steps)
    assert "differentiation" not in {m.fact for m in ev.missing_facts}


def _folder(tmp_path: Path, implications: str) -> Path:
    (tmp_path / "f.yaml").write_text(
        "format: 1\narea: Fallback only\nrules:\n  - id: f.fallback\n    title: fallback\n    status: draft\n    when: always\n"
        "    fallback: true\n    then: {kind: insufficient_evidence, statement: Test fallback statement.}\n"
        "    evidence: [{section: test, quote: A quote long enough to pass.}]\n")
    (tmp_path / "rulebook.yaml").write_text('version: "t"\nfiles: [f.yaml]\n')
    (tmp_path / "implications.yaml").write_text(implications)
    return tmp_path


def test_an_invalid_implication_is_reported_at_its_line(tmp_path):
    root = _folder(tmp_path, "format: 1\nimplications:\n  - id: bad\n    title: A bad one\n"
                             "    when: {grade: G9}\n    then: {differentiation: wel}\n    because: no reason given here\n")
    with pytest.raises(RulebookError) as exc:
        load_rulebook(root)
    problems = {(p.location.path.rsplit("/", 1)[-1], p.location.line, p.code, p.suggestion) for p in exc.value.problems}
    assert ("implications.yaml", 5, "unknown-value", None) in problems  # the condition's G9
    assert ("implications.yaml", 6, "invalid-value", "well") in problems  # the implied value, with a suggestion


def test_a_folder_without_implications_loads_with_none(tmp_path):
    (tmp_path / "x").mkdir()
    imps, problems, content = load_implications(tmp_path / "x")
    assert imps == [] and problems == [] and content == b""


def test_editing_implications_changes_the_rulebook_version(tmp_path, shipped):
    import shutil

    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    text = (copy / "implications.yaml").read_text().replace("A G1 or G2 tumour", "A G1 or a G2 tumour")
    (copy / "implications.yaml").write_text(text)
    assert load_rulebook(copy).content_hash != shipped.content_hash
