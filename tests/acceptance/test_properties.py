"""Properties of evaluate() on the shipped rules, each checked on hypothesis-generated patients."""
from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netguide.errors import PatientFactError
from netguide.evaluation import evaluate
from netguide.patient import parse_patient
from netguide.results import Evaluation
from netguide.proving.strategies import contradictory_patients, hostile_inputs, invalid_patients, patients
from netguide.vocabulary import PROPOSING_KINDS

NEC_TRIALS = {"NCT02595424", "NCT03980925"}


@given(st.one_of(patients(), patients(complete=True), patients(differentiation="well", setting="advanced")))
def test_every_valid_patient_gets_an_answer(shipped_rulebook, patient):
    """evaluate() never raises on valid facts and always answers with at least one recommendation."""
    result = evaluate(patient, shipped_rulebook)
    assert len(result.recommendations) >= 1


@given(patients())
def test_same_patient_same_answer(shipped_rulebook, patient):
    """Evaluating the same patient twice gives the same answer, to the last field of to_dict()."""
    first = evaluate(dict(patient), shipped_rulebook).to_dict()
    assert evaluate(dict(patient), shipped_rulebook).to_dict() == first


@given(st.lists(patients(), min_size=1, max_size=12))
def test_same_answer_across_threads(shipped_rulebook, batch):
    """Eight threads evaluating the same patients concurrently each get the answers a single thread gets."""
    expected = [evaluate(p, shipped_rulebook).to_dict() for p in batch]

    def work(_: int) -> list[dict]:
        return [evaluate(p, shipped_rulebook).to_dict() for p in batch]

    with ThreadPoolExecutor(max_workers=8) as pool:
        for answers in pool.map(work, range(8)):
            assert answers == expected


@given(patients(differentiation="poor"))
def test_poorly_differentiated_is_out_of_scope_or_a_nec_trial(shipped_rulebook, patient):
    """A poorly differentiated tumour gets only out_of_scope and clinical_trial conclusions, and the only trials
    are the two that enrol NEC (NCT02595424, NCT03980925)."""
    recs = evaluate(patient, shipped_rulebook).recommendations
    assert {r.kind for r in recs} <= {"out_of_scope", "clinical_trial"}, [(r.rule_id, r.kind) for r in recs]
    trials = {t for r in recs for t in r.trials}
    assert trials <= NEC_TRIALS, trials


@given(st.one_of(patients(), patients(differentiation="well", setting="advanced")))
def test_no_answer_both_recommends_and_advises_against(shipped_rulebook, patient):
    """No answer recommends or prefers an intervention and also has it not_recommended, unless one of the two
    rules names the other in `overrides`."""
    recs = evaluate(patient, shipped_rulebook).recommendations
    pro = [r for r in recs if r.kind in ("recommended", "preferred")]
    con = [r for r in recs if r.kind == "not_recommended"]
    by_id = shipped_rulebook.by_id
    clashes = []
    for a, b in itertools.product(pro, con):
        shared = set(a.interventions) & set(b.interventions)
        related = (b.rule_id in by_id[a.rule_id].rule.overrides) or (a.rule_id in by_id[b.rule_id].rule.overrides)
        if shared and not related:
            clashes.append((a.rule_id, b.rule_id, sorted(shared)))
    assert not clashes, clashes


@given(st.one_of(patients(), patients(differentiation="well", setting="advanced")))
def test_cautions_travel_with_a_proposed_or_considered_intervention(shipped_rulebook, patient):
    """Every caution in an answer names an intervention the same answer proposes (recommended, preferred, option,
    clinical_trial) or the patient's considered_therapies lists."""
    recs = evaluate(patient, shipped_rulebook).recommendations
    on_table = {i for r in recs if r.kind in PROPOSING_KINDS for i in r.interventions}
    on_table |= set(patient.get("considered_therapies") or ())
    stray = [r.rule_id for r in recs if r.kind == "caution" and not set(r.interventions) & on_table]
    assert not stray, stray


@given(st.one_of(patients(), patients(differentiation="well", setting="advanced")))
def test_missing_facts_are_absent_from_the_patient(shipped_rulebook, patient):
    """Every fact an answer lists as missing is one the patient does not give."""
    missing = [m.fact for m in evaluate(patient, shipped_rulebook).missing_facts]
    known = parse_patient(patient).known_facts()
    assert not [f for f in missing if f in known], missing


@given(invalid_patients())
def test_invalid_input_raises_naming_the_field(shipped_rulebook, case):
    """Every patient with an invalid field raises PatientFactError with a problem on that field."""
    patient, bad_field = case
    with pytest.raises(PatientFactError) as info:
        evaluate(patient, shipped_rulebook)
    fields = [p.field for p in info.value.problems]
    assert any(f == bad_field or (f or "").startswith(bad_field + "[") for f in fields), (bad_field, fields)


@given(contradictory_patients())
def test_contradictory_patient_gets_its_finding(shipped_rulebook, case):
    """Every patient with contradictory facts is still answered and gets the consistency finding for them."""
    patient, code = case
    result = evaluate(patient, shipped_rulebook)
    assert code in {f.code for f in result.findings}
    assert result.recommendations


@given(hostile_inputs())
def test_hostile_input_is_answered_or_refused(shipped_rulebook, data):
    """Any input at all (non-mappings, non-str keys, NaN, huge numbers, very long strings, deep nesting) either
    gets an answer with at least one recommendation or raises PatientFactError; nothing else escapes."""
    try:
        result = evaluate(data, shipped_rulebook)
    except PatientFactError as exc:
        assert exc.problems, "a PatientFactError names at least one problem"
    else:
        assert isinstance(result, Evaluation) and result.recommendations


@given(st.one_of(patients(), patients(differentiation="well", setting="advanced"),
                 patients(differentiation="well", setting="advanced", complete=True)))
def test_no_proposal_names_a_failed_therapy(shipped_rulebook, patient):
    """A therapy in failed_therapies is never proposed again: no recommended, preferred, option or trial conclusion
    names it (the rules' own conditions aside, the evaluation policy withdraws it)."""
    failed = set(patient.get("failed_therapies") or ())
    for r in evaluate(patient, shipped_rulebook).recommendations:
        if r.kind in PROPOSING_KINDS:
            assert not failed & set(r.interventions), (r.rule_id, r.interventions, failed)
