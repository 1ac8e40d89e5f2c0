"""rules/invariants.yaml: clinical statements every answer must satisfy, checked on hypothesis patients."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netguide.evaluation import evaluate
from netguide.rulebook.invariants import violations
from netguide.patient import parse_patient
from netguide.proving.strategies import patients


def _ran_on(ev, patient):
    facts = parse_patient(patient).known_facts()
    facts.update({d.fact: d.value for d in ev.derived_facts})
    return facts


def test_the_shipped_invariants_load(shipped_rulebook):
    ids = {i.id for i in shipped_rulebook.invariants}
    assert {"failed_therapy_never_proposed", "treatment_naive_g12_offered_ssa", "prrt_never_with_negative_sstr",
            "localized_not_resected_gets_surgery", "nec_out_of_scope"} <= ids


@given(st.one_of(patients(), patients(differentiation="well", setting="advanced"),
                 patients(differentiation="well", setting="advanced", complete=True),
                 patients(differentiation="well", grade=["G1", "G2"], setting="advanced")))
def test_every_answer_keeps_every_invariant(shipped_rulebook, patient):
    """No hypothesis patient gets an answer that breaks an invariant of rules/invariants.yaml."""
    ev = evaluate(patient, shipped_rulebook)
    broken = violations(shipped_rulebook.invariants, _ran_on(ev, patient), ev)
    assert not broken, [(inv.id, why) for inv, why in broken]


def test_each_invariant_can_fail(shipped_rulebook):
    """Each invariant notices an answer that breaks it: an answer with nothing in it breaks the ones that demand a
    proposal or a kind, and one proposing everything breaks the ones that forbid."""
    from dataclasses import replace

    from netguide.results import Recommendation

    cases = {
        "failed_therapy_never_proposed": {"failed_therapies": ["CAPTEM"], "prior_therapies": ["CAPTEM"]},
        "treatment_naive_g12_offered_ssa": {"differentiation": "well", "treatment_setting": "advanced",
                                            "prior_therapies": [], "grade": "G1", "primary_site": "pancreas"},
        "prrt_never_with_negative_sstr": {"sstr_imaging": "negative"},
        "localized_not_resected_gets_surgery": {"differentiation": "well", "stage": "localized",
                                                "resection_status": "not_resected"},
        "nec_out_of_scope": {"differentiation": "poor"},
        "advanced_g3_gep_offered_chemotherapy": {"differentiation": "well", "grade": "G3", "primary_site": "pancreas",
                                                 "treatment_setting": "advanced"},
        "advanced_g12_gep_never_no_advice": {"differentiation": "well", "grade": "G2", "primary_site": "colorectal",
                                             "treatment_setting": "advanced"},
        "no_advice_never_beside_provisional_advice": {"differentiation": "well", "stage": "localized"},
        "localized_resection_unrecorded_gets_surgery": {"differentiation": "well", "stage": "localized",
                                                        "treatment_setting": "neoadjuvant"},
        "no_adjuvant_chemotherapy_after_g12_gep_resection": {"differentiation": "well", "grade": "G1",
                                                             "primary_site": "pancreas", "treatment_setting": "adjuvant"},
        "no_neoadjuvant_chemotherapy_for_g12_outside_the_pancreas": {
            "differentiation": "well", "grade": "G2", "primary_site": "small_intestine",
            "treatment_setting": "neoadjuvant"},
    }
    by_id = {i.id: i for i in shipped_rulebook.invariants}
    assert set(cases) == set(by_id)
    real = evaluate({"differentiation": "well"}, shipped_rulebook)
    everything = Recommendation("scope_and_nec.no_rule_applies", "option",
                                ("CAPTEM", "PRRT", "CAPTEM_PRRT", "CHEMOTHERAPY"), (), "Everything.", (),
                                provisional=True)
    empty, full = replace(real, recommendations=()), replace(real, recommendations=(everything,))
    for inv_id, facts in cases.items():
        inv = by_id[inv_id]
        ev = evaluate(facts, shipped_rulebook)
        ran = _ran_on(ev, facts)
        assert inv.applies_to(ran), inv_id
        assert inv.broken_by(ran, empty) or inv.broken_by(ran, full), inv_id
        assert inv.broken_by(ran, ev) is None, inv_id
