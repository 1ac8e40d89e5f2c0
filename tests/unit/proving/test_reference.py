"""The reference evaluator (netguide.proving.reference) against the durable_rules path, rule set for rule set."""
from __future__ import annotations

import random

import pytest
from hypothesis import given

from netguide.proving import differential
from netguide.evaluation import runtime_for
from netguide.patient import parse_patient
from netguide.proving.reference import holds, reference_fired
from netguide.proving.strategies import patients


def _agree(book, patient) -> None:
    facts = parse_patient(patient).known_facts()
    engine = runtime_for(book).engine.fire(facts)
    reference = reference_fired(book, facts)
    assert engine == reference, (f"engine only: {sorted(engine - reference)}; "
                                 f"reference only: {sorted(reference - engine)}; facts: {facts}")


@given(patients())
def test_shipped_rules_fire_as_the_reference_says(shipped_rulebook, patient):
    """For any valid patient, the engine fires exactly the shipped rules the reference evaluator finds TRUE."""
    _agree(shipped_rulebook, patient)


@given(patients(differentiation="well", setting="advanced"))
def test_shipped_rules_agree_on_well_differentiated_advanced_patients(shipped_rulebook, patient):
    """For well-differentiated patients asking about advanced disease (where most rules live), the engine and the
    reference fire the same shipped rules."""
    _agree(shipped_rulebook, patient)


@given(patients(complete=True))
def test_shipped_rules_agree_on_complete_patients(shipped_rulebook, patient):
    """For patients with every fact known, the engine and the reference fire the same shipped rules."""
    _agree(shipped_rulebook, patient)


@given(patients())
def test_basic_rulebook_fires_as_the_reference_says(basic_rulebook, patient):
    """For any valid patient, the engine fires exactly the language-feature rules the reference finds TRUE."""
    _agree(basic_rulebook, patient)


@pytest.mark.parametrize("when, facts, expected", [
    ({"grade": "G3"}, {}, None),
    ({"grade": "G3"}, {"grade": "G2"}, False),
    ({"grade": ["G1", "G2"]}, {"grade": "G2"}, True),
    ({"grade": {"not": "G3"}}, {}, None),
    ({"grade": {"not": ["G1", "G2"]}}, {"grade": "G3"}, True),
    ({"ki67_percent": {"above": 3, "at_most": 20}}, {"ki67_percent": 20}, True),
    ({"ki67_percent": {"above": 20}}, {"ki67_percent": 20}, False),
    ({"prior_therapies": {"includes": ["SSA", "PRRT"]}}, {"prior_therapies": ["PRRT"]}, True),
    ({"failed_therapies": {"excludes": "PRRT"}}, {}, None),
    ({"sstr_imaging": {"known": False}}, {}, True),
    ({"any": [{"bulky_disease": True}, {"grade": "G3"}]}, {"grade": "G3"}, True),
    ({"any": [{"bulky_disease": True}, {"grade": "G3"}]}, {"grade": "G2"}, None),
    ({"all": [{"bulky_disease": True}, {"grade": "G3"}]}, {"grade": "G2"}, False),
    ({"not": {"stage": "localized"}}, {}, None),
    ({"not": {"stage": "localized"}}, {"stage": "advanced"}, True),
    ("always", {}, True),
])
def test_reference_reads_the_language_as_documented(when, facts, expected):
    """Each form of rules/README.md's `when` table has its documented three-valued meaning in the reference."""
    assert holds(when, facts) is expected


def test_differential_command_agrees_on_the_basic_rulebook(basic_rulebook, capsys):
    """`netguide differential` on the basic rulebook checks every patient asked for and reports no mismatch."""
    from netguide.cli import main

    code = main(["differential", "--patients", "500", "--seed", "3", "--rules", str(basic_rulebook.directory)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "patients checked: 500" in out and "mismatches: 0" in out


@pytest.mark.long
def test_shipped_rules_agree_with_the_reference_on_100000_patients(shipped_rulebook):
    """On 100,000 seeded random patients, the engine and the reference fire the same shipped rules."""
    rng = random.Random(20230717)
    engine = runtime_for(shipped_rulebook).engine
    bad = []
    for _ in range(100_000):
        facts = parse_patient(differential.random_patient(rng)).known_facts()
        if engine.fire(facts) != reference_fired(shipped_rulebook, facts):
            bad.append(facts)
    assert not bad, f"{len(bad)} mismatches, first: {bad[:3]}"
