"""`netguide fuzz` on a small sample: random valid, invalid and hostile inputs through evaluate()."""
from __future__ import annotations

import math

import pytest


from netguide.proving import samples
from netguide.errors import PatientFactError
from netguide.evaluation import evaluate, runtime_for


def _run(capsys, *argv: str) -> tuple[int, str]:
    from netguide.cli import main

    code = main(["fuzz", *argv])
    return code, capsys.readouterr().out


def test_two_thousand_random_inputs_answer_or_raise_patient_fact_error(shipped_rulebook, capsys):
    """2,000 random valid, invalid and hostile inputs each get an answer or a PatientFactError, leave no fact in
    the engine session, and keep memory flat."""
    code, out = _run(capsys, "--count", "2000", "--seed", "11", "--rules", str(shipped_rulebook.directory))
    assert code == 0, out
    assert "failures: 0" in out and "facts left in the engine session: 0" in out and "memory flat" in out


def test_fuzz_reports_failures_of_a_broken_evaluate(basic_rulebook, capsys, monkeypatch):
    """When evaluate() raises anything other than PatientFactError, the fuzzer prints the input and exits 1."""
    def broken(data, rulebook=None):
        raise KeyError("boom")

    monkeypatch.setattr("netguide.evaluation.evaluate", broken)
    code, out = _run(capsys, "--count", "20", "--seed", "1", "--rules", str(basic_rulebook.directory))
    assert code == 1
    assert "failures: 20" in out and "KeyError" in out and "input:" in out


@pytest.mark.parametrize("data", [
    {"grade": samples.nested(20_000, "list")},
    {"prior_therapies": samples.nested(20_000, "dict")},
    samples.nested(20_000, "list"),
    {"ki67_percent": math.nan},
    {"ecog_ps": 10**400},
    {"x" * 100_000: 1},
    {1: "G1"},
])
def test_hostile_inputs_raise_patient_fact_error(basic_rulebook, data):
    """Deeply nested, non-finite, huge, very long and non-str-keyed inputs raise PatientFactError, not a crash."""
    with pytest.raises(PatientFactError):
        evaluate(data, basic_rulebook)


def test_live_fact_count_is_zero_between_evaluations(basic_rulebook):
    """After evaluations, no patient fact is left asserted in the engine session."""
    for grade in ("G1", "G2", "G3"):
        evaluate({"grade": grade, "bulky_disease": True}, basic_rulebook)
    assert runtime_for(basic_rulebook).engine.live_fact_count() == 0
