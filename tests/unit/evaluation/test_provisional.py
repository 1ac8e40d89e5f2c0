"""Provisional advice: a rule's exception (`unless`) that cannot be decided no longer hides the advice (issue 9)."""
from __future__ import annotations


import pytest
from hypothesis import given

from netguide import conditions
from netguide.evaluation import Runtime, evaluate
from netguide.proving.reference import reference_evaluation
from netguide.reporting import render_evaluation
from netguide.rulebook.loader import load_rulebook

from netguide.proving.strategies import patients
from needs import TESTS

EXCEPTIONS = TESTS / "data" / "rulebooks" / "exceptions"


@pytest.fixture(scope="module")
def runtime():
    return Runtime.build(load_rulebook(EXCEPTIONS))


def _rec(ev, rule_id):
    return next((r for r in ev.recommendations if r.rule_id == rule_id), None)


def test_exception_known_false_gives_definite_advice(runtime):
    ev = evaluate({"grade": "G2", "failed_therapies": ["CAPTEM"]}, runtime)
    rec = _rec(ev, "exceptions.ssa_unless_failed")
    assert rec is not None and not rec.provisional and rec.confirm == () and rec.provided_that == ""
    ev = evaluate({"grade": "G2", "prior_systemic_lines": 0}, runtime)  # first line: nothing can have failed
    assert not _rec(ev, "exceptions.ssa_unless_failed").provisional


def test_exception_unknown_gives_provisional_advice_with_what_to_confirm(runtime):
    ev = evaluate({"grade": "G2"}, runtime)
    rec = _rec(ev, "exceptions.ssa_unless_failed")
    assert rec.provisional and rec.confirm == ("failed_therapies",)
    assert rec.provided_that == "no somatostatin analogue has failed yet"
    assert "failed_therapies includes SSA" in rec.withdrawn_if
    missing = {m.fact: m.rules for m in ev.missing_facts}
    assert "exceptions.ssa_unless_failed" in missing["failed_therapies"]  # missing facts are still listed
    step = next(t for t in ev.trace if t.rule_id == "exceptions.ssa_unless_failed")
    assert step.outcome == "provisional" and "unless" in step.condition


def test_exception_known_true_withdraws_the_advice_and_the_fallback_answers(runtime):
    ev = evaluate({"grade": "G2", "failed_therapies": ["SSA"], "prior_systemic_lines": 2}, runtime)
    assert _rec(ev, "exceptions.ssa_unless_failed") is None
    assert [r.rule_id for r in ev.recommendations] == ["exceptions.fallback"]


def test_the_fallback_never_answers_where_advice_is_provisional(runtime):
    ev = evaluate({"stage": "localized"}, runtime)
    assert [r.rule_id for r in ev.recommendations] == ["exceptions.surgery_unless_resected"]
    assert ev.recommendations[0].provisional and ev.recommendations[0].confirm == ("resection_status",)
    assert [r.rule_id for r in evaluate({"stage": "localized", "resection_status": "R0"}, runtime).recommendations] \
        == ["exceptions.fallback"]
    ev = evaluate({"stage": "localized", "resection_status": "not_resected"}, runtime)
    assert not ev.recommendations[0].provisional


def test_provisional_fields_reach_json_and_text(runtime):
    ev = evaluate({"grade": "G1"}, runtime)
    d = ev.to_dict()["recommendations"][0]
    assert d["provisional"] is True and d["confirm"] == ["failed_therapies"] and d["provided_that"]
    text = render_evaluation(ev, quotes=False)
    assert "RECOMMENDED (provisional): SSA" in text
    assert "provided that no somatostatin analogue has failed yet (to confirm, record: failed_therapies)" in text


def test_not_true_is_two_valued_and_true_exactly_when_the_condition_is_not():
    book = load_rulebook(EXCEPTIONS)
    exc = book.by_id["exceptions.ssa_unless_failed"].exception
    nt = conditions.not_true(exc)
    for facts in ({}, {"failed_therapies": ["SSA"]}, {"failed_therapies": []}, {"prior_systemic_lines": 0},
                  {"failed_therapies": ["SSA"], "prior_systemic_lines": 0},
                  {"failed_therapies": ["SSA"], "prior_systemic_lines": 3}):
        value, _ = conditions.evaluate3(exc, facts)
        assert conditions.evaluate3(nt, facts)[0] is (value is not True), facts


@given(patients())
def test_engine_and_reference_agree_on_provisional_advice(runtime, patient):
    """The compiled exception (when AND not-true(unless)) on the engine, and the reference's raw reading, give the
    same answer, provisional flags included (reference_evaluation raises on a mismatch)."""
    assert evaluate(patient, runtime) == reference_evaluation(runtime.rulebook, patient)
