"""evaluate(): the combination policy (exceptions, fallbacks, regimen-bound advice), order, missing facts, trace."""
from __future__ import annotations

import json

import pytest

from netguide.errors import PatientFactError
from netguide.evaluation import Runtime, evaluate
from netguide.rulebook.loader import load_rulebook
from needs import TESTS

BASIC = TESTS / "data" / "rulebooks" / "basic"


@pytest.fixture(scope="module")
def rt() -> Runtime:
    return Runtime.build(load_rulebook(BASIC))


def ids(ev):
    return [r.rule_id for r in ev.recommendations]


def test_an_exception_withdraws_the_general_rule(rt):
    """When the bulky exception fires, the general 'not recommended' is withdrawn, and the trace says by whom."""
    ev = evaluate({"grade": "G2", "bulky_disease": True}, rt)
    assert "features.exception_bulky" in ids(ev) and "features.general_no_chemo" not in ids(ev)
    (step,) = [t for t in ev.trace if t.rule_id == "features.general_no_chemo"]
    assert step.outcome == "overridden" and "features.exception_bulky" in step.detail


def test_without_the_exception_the_general_rule_stands(rt):
    """Bulky disease known to be absent: the general rule answers."""
    assert "features.general_no_chemo" in ids(evaluate({"grade": "G2", "bulky_disease": False}, rt))


def test_a_caution_travels_only_with_its_regimen(rt):
    """The CAPTEM caution is shown when CAPTEM is proposed, or considered by the team, and not otherwise."""
    assert "features.caution_captem" not in ids(evaluate({"grade": "G1"}, rt))
    proposed = evaluate({"grade": "G2", "ki67_percent": 12}, rt)  # ki67_over_10_g2 prefers CAPTEM
    assert "features.caution_captem" in ids(proposed)
    considered = evaluate({"grade": "G1", "considered_therapies": ["CAPTEM"]}, rt)
    assert "features.caution_captem" in ids(considered)
    (step,) = [t for t in evaluate({"grade": "G1"}, rt).trace if t.rule_id == "features.caution_captem"]
    assert step.outcome == "not_shown"


def test_the_fallback_answers_only_when_nothing_else_does(rt):
    """No rule applies: the fallback's insufficient_evidence; a rule applies: no fallback."""
    assert [r.kind for r in evaluate({}, rt).recommendations] == ["insufficient_evidence"]
    assert "features.fallback" not in ids(evaluate({"grade": "G3"}, rt))


def test_a_hidden_caution_does_not_count_as_an_answer(rt):
    """When the only firing rule is a caution that is not shown, the fallback still answers: never an empty list."""
    ev = evaluate({"grade": "G3", "primary_site": "pancreas"}, rt)
    assert ev.recommendations
    only_caution = evaluate({"grade": "G1", "bulky_disease": True, "ki67_percent": 2}, rt)
    assert only_caution.recommendations


def test_recommendations_are_ordered_by_kind_then_rulebook_order(rt):
    """Preferred before options before cautions; rules of one kind in file order."""
    ev = evaluate({"grade": "G2", "ki67_percent": 11, "bulky_disease": True, "primary_site": "lung"}, rt)
    assert ids(ev) == ["features.ki67_over_10_g2", "features.site_thoracic", "features.exception_bulky",
                       "features.caution_captem"]


def test_missing_facts_name_the_rules_that_wait_on_them(rt):
    """An absent fact that would decide a rule is listed with that rule; known facts are never listed."""
    ev = evaluate({"grade": "G2"}, rt)
    missing = {m.fact: m.rules for m in ev.missing_facts}
    assert "features.ki67_over_10_g2" in missing["ki67_percent"]
    assert "features.exception_bulky" in missing["bulky_disease"]
    assert "grade" not in missing
    assert all(m.fact not in {"grade"} for m in ev.missing_facts)


def test_a_rule_already_decided_false_waits_on_nothing(rt):
    """grade G1 rules out the Ki-67 rule for G2, so Ki-67 is not asked for it."""
    ev = evaluate({"grade": "G1"}, rt)
    assert all("features.ki67_over_10_g2" not in m.rules for m in ev.missing_facts)


def test_the_trace_shows_each_fired_rule_with_its_facts_and_location(rt):
    """Each fired rule appears in the trace with the facts it tested, its condition and its file:line."""
    ev = evaluate({"grade": "G2", "ki67_percent": 11, "primary_site": "pancreas"}, rt)
    step = next(t for t in ev.trace if t.rule_id == "features.ki67_over_10_g2")
    assert step.facts == {"grade": "G2", "ki67_percent": 11}
    assert step.condition == "grade = G2 and ki67_percent > 10"
    assert step.location.endswith("features.yaml:16:5")


def test_to_dict_is_plain_json_with_the_contract_fields(rt):
    """to_dict() gives JSON-ready data with every contract field."""
    d = evaluate({"grade": "G3"}, rt).to_dict()
    json.dumps(d)
    assert set(d) >= {"recommendations", "missing_facts", "findings", "rulebook_version"}
    rec = d["recommendations"][0]
    assert set(rec) >= {"rule_id", "kind", "interventions", "trials", "statement", "citations"}
    assert set(rec["citations"][0]) >= {"section", "quote", "references"}
    assert d["rulebook_version"].startswith("test-1+")


def test_findings_are_returned_not_raised(rt):
    """A G3 grade with Ki-67 5 % is evaluated as given and flagged."""
    ev = evaluate({"grade": "G3", "ki67_percent": 5}, rt)
    assert ev.recommendations and [f.code for f in ev.findings] == ["grade-ki67-mismatch"]


def test_invalid_facts_raise_a_patient_fact_error_naming_each_field(rt):
    """Invalid input is refused before the engine sees it, with every bad field named."""
    with pytest.raises(PatientFactError) as exc:
        evaluate({"grade": "G4", "ecog_ps": -1}, rt)
    assert {p.field for p in exc.value.problems} == {"grade", "ecog_ps"}


def test_a_patient_object_and_a_dict_give_the_same_answer(rt):
    """evaluate accepts a Patient or a plain dict alike."""
    from netguide import Patient

    facts = {"grade": "G2", "ki67_percent": 11}
    assert evaluate(Patient(**facts), rt) == evaluate(facts, rt)


def test_a_gated_rule_asks_for_facts_only_when_its_regimen_is_offered(tmp_path):
    """A caution that waits on a fact asks for it only when its regimen is proposed or considered."""
    text = (BASIC / "features.yaml").read_text().replace(
        "  - id: features.caution_captem\n    title: A caution that travels with CAPTEM\n    status: draft\n    when: {grade: [G1, G2, G3]}",
        "  - id: features.caution_captem\n    title: A caution that travels with CAPTEM\n    status: draft\n    when: {grade: [G1, G2, G3], renal_impairment: true}")
    (tmp_path / "features.yaml").write_text(text)
    (tmp_path / "rulebook.yaml").write_text((BASIC / "rulebook.yaml").read_text())
    book = load_rulebook(tmp_path)
    not_offered = evaluate({"grade": "G1"}, book)
    assert "renal_impairment" not in {m.fact for m in not_offered.missing_facts}
    offered = evaluate({"grade": "G1", "considered_therapies": ["CAPTEM"]}, book)
    assert {m.fact: m.rules for m in offered.missing_facts}["renal_impairment"] == ("features.caution_captem",)


def _shipped(data):
    from netguide.evaluation import evaluate as ev

    return ev(data)


def _proposed(ev) -> set[str]:
    return {i for r in ev.recommendations if r.kind in ("recommended", "preferred", "option", "clinical_trial")
            for i in r.interventions}


G2_PANNET = {"differentiation": "well", "primary_site": "pancreas", "grade": "G2", "ki67_percent": 14,
             "treatment_setting": "advanced", "progression": "progressive"}


def test_a_failed_therapy_is_never_proposed_again():
    """Each therapy proposed to a progressive G2 panNET, once recorded as failed, is proposed by no rule; the trace
    says which proposals were withdrawn or narrowed, and why."""
    after_ssa = {**G2_PANNET, "failed_therapies": ["SSA"], "prior_therapies": ["SSA"], "prior_systemic_lines": 1}
    first = _shipped(after_ssa)
    proposed = _proposed(first) - {"CHEMOTHERAPY"}
    first_rules = {r.rule_id: r.interventions for r in first.recommendations
                   if r.kind in ("recommended", "preferred", "option", "clinical_trial")}
    assert {"CAPTEM", "EVEROLIMUS"} <= proposed
    for code in sorted(proposed):
        ev = _shipped({**after_ssa, "failed_therapies": ["SSA", code], "prior_therapies": ["SSA", code]})
        assert code not in _proposed(ev), code
        for step in ev.trace:  # a rule that still fires and names it: withdrawn or narrowed, and the trace says so
            rule_codes = first_rules.get(step.rule_id, ())
            if code in rule_codes:
                assert step.outcome == "withdrawn_failed" or f"{code}: already failed" in step.detail, (code, step)


def test_a_proposal_with_one_failed_regimen_keeps_the_others():
    """CAPTEM failed: a rule proposing CAPTEM among other regimens still proposes the others, and says CAPTEM was
    taken out."""
    ev = _shipped({**G2_PANNET, "failed_therapies": ["CAPTEM"], "prior_therapies": ["CAPTEM"]})
    narrowed = [r for r in ev.recommendations if r.withdrawn_interventions == ("CAPTEM",)]
    assert narrowed and all(r.interventions and "CAPTEM" not in r.interventions for r in narrowed)
    assert "withdrawn_interventions" in ev.to_dict()["recommendations"][0]


def test_a_failed_regimen_opens_none_of_its_cautions(basic_rulebook):
    """CAPTEM failed: the rule proposing it is withdrawn (trace: withdrawn_failed) and CAPTEM's caution is not shown,
    unless the team lists CAPTEM as considered."""
    from netguide.evaluation import evaluate as ev

    g2 = {"grade": "G2", "ki67_percent": 14}
    assert {r.rule_id for r in ev(g2, basic_rulebook).recommendations} >= {"features.ki67_over_10_g2",
                                                                            "features.caution_captem"}
    failed = ev({**g2, "failed_therapies": ["CAPTEM"]}, basic_rulebook)
    shown = {r.rule_id for r in failed.recommendations}
    assert "features.ki67_over_10_g2" not in shown and "features.caution_captem" not in shown
    step = next(t for t in failed.trace if t.rule_id == "features.ki67_over_10_g2")
    assert step.outcome == "withdrawn_failed" and "CAPTEM" in step.detail
    considered = ev({**g2, "failed_therapies": ["CAPTEM"], "considered_therapies": ["CAPTEM"]}, basic_rulebook)
    assert "features.caution_captem" in {r.rule_id for r in considered.recommendations}


def test_the_text_answer_shows_derived_facts_and_withdrawn_regimens():
    """A reader of the text answer sees what was derived from what, and which regimen was not proposed again."""
    from netguide.reporting import render_evaluation

    text = render_evaluation(_shipped({"primary_site": "pancreas", "grade": "G2", "ki67_percent": 14,
                                       "treatment_setting": "advanced", "progression": "progressive",
                                       "prior_therapies": ["CAPTEM"], "failed_therapies": ["CAPTEM"]}))
    assert "Facts derived from the record" in text and "differentiation = well, from grade" in text
    assert "not proposed to this patient: CAPTEM" in text


def test_prrt_is_not_proposed_with_negative_sstr_imaging():
    """PRRT needs somatostatin-receptor expression (rules/prerequisites.yaml): with negative SSTR imaging no rule
    proposes it, the rule that proposes PRRT alone is withdrawn (withdrawn_prerequisite) and the one naming it among
    others keeps the others; with SSTR imaging unknown or positive PRRT is proposed as before."""
    base = {"differentiation": "well", "primary_site": "pancreas", "grade": "G2", "treatment_setting": "advanced",
            "prior_therapies": ["SSA"], "failed_therapies": ["SSA"], "prior_systemic_lines": 1}
    negative = _shipped({**base, "sstr_imaging": "negative"})
    assert "PRRT" not in _proposed(negative) and "EVEROLIMUS" in _proposed(negative)
    step = next(t for t in negative.trace if t.rule_id == "g12_all_sites.prrt_favoured_over_everolimus_sunitinib")
    assert step.outcome == "withdrawn_prerequisite" and "prrt_needs_sstr_expression" in step.detail
    for sstr in ("positive", None):
        facts = {**base, "sstr_imaging": sstr} if sstr else base
        assert "PRRT" in _proposed(_shipped(facts)), sstr


def test_realistic_records_are_valid_and_consistent():
    """netguide.proving.samples.realistic_record gives valid, well-differentiated records of known site and grade (or
    carcinoid histology) whose treatment history contradicts nothing: no consistency finding on 2,000 of them."""
    import random

    from netguide.proving.samples import realistic_record

    rng = random.Random(2)
    for _ in range(2000):
        rec = realistic_record(rng)
        assert rec["differentiation"] == "well" and ("grade" in rec or "lung_histology" in rec)
        ev = _shipped(rec)
        assert ev.recommendations and not ev.findings, (rec, ev.findings)


def test_thoracic_carcinoids_are_not_asked_for_a_grade_after_resection():
    """Lung and thymus carcinoids are graded by histology: an adjuvant question about one never lists `grade` among
    the missing facts (the G3 adjuvant statement is for graded sites)."""
    for site in ("lung", "thymus"):
        for histology in ("typical_carcinoid", "atypical_carcinoid"):
            ev = _shipped({"differentiation": "well", "primary_site": site, "lung_histology": histology,
                           "treatment_setting": "adjuvant", "resection_status": "R0"})
            assert "grade" not in {m.fact for m in ev.missing_facts}, (site, histology)


def test_missing_facts_computed_on_read_are_the_eager_ones_everywhere():
    """evaluate() computes missing_facts when first read; the value is what assemble() computes at once, and
    every way of looking at an Evaluation (==, repr, to_dict, dataclasses.replace/asdict, copy, pickle for a process
    pool) sees it. Changing a list the answer shares (a trace step's facts) before reading does not change it."""
    import copy
    import dataclasses
    import pickle
    import random

    from netguide.evaluation import assemble, runtime_for
    from netguide.patient import parse_patient
    from netguide.proving.samples import random_patient
    from netguide.results import Evaluation
    from netguide.rulebook.implications import derive

    shipped = runtime_for(None)
    book = shipped.rulebook
    rng = random.Random(4)
    looks = [lambda e: e, pickle.loads, copy.copy, copy.deepcopy]
    for i in range(200):
        patient = random_patient(rng)
        facts, derived, contradicted = derive(book.implications, parse_patient(patient).known_facts())
        eager = assemble(book, facts, shipped.engine.fire(facts), derived, contradicted)
        assert type(vars(eager)["missing_facts"]) is tuple
        look = looks[i % len(looks)]
        ev = evaluate(patient, shipped)
        derived_names = {d.fact for d in ev.derived_facts}  # (a derived list is the implication's own: left alone)
        for step in ev.trace:  # a caller changing what it was given must not change what it reads later
            for name, value in step.facts.items():
                if isinstance(value, list) and name not in derived_names:
                    value.append("SSA")
        ev = look(pickle.dumps(ev)) if look is pickle.loads else look(ev)
        assert ev.missing_facts == eager.missing_facts
        fresh = evaluate(patient, shipped)
        assert fresh == eager and repr(fresh) == repr(evaluate(patient, shipped))
        assert evaluate(patient, shipped).to_dict() == eager.to_dict()
        assert dataclasses.asdict(evaluate(patient, shipped)) == dataclasses.asdict(eager)
        assert dataclasses.replace(evaluate(patient, shipped), findings=()).missing_facts == eager.missing_facts
    assert [f.name for f in dataclasses.fields(Evaluation)][:2] == ["recommendations", "missing_facts"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        evaluate({}, shipped).missing_facts = ()


def test_no_list_in_an_answer_is_shared_with_later_answers_or_the_input():
    """A caller may change what it was given: appending to a derived list in the trace must not reach the
    implication it came from (every later answer), nor may changing the input change the answer already given."""
    import netguide

    patient = {"differentiation": "well", "primary_site": "pancreas", "grade": "G2", "treatment_setting": "advanced",
               "prior_therapies": []}
    import json

    first = netguide.evaluate(patient)
    before = first.to_dict()
    snapshot = json.dumps(before, sort_keys=True)
    for step in first.trace:
        for value in step.facts.values():
            if isinstance(value, list):
                value.append("SSA")
    for d in first.derived_facts:
        if isinstance(d.value, list):
            d.value.append("SSA")
    assert json.dumps(before, sort_keys=True) == snapshot  # to_dict() is data of its own, not the answer's
    again = netguide.evaluate(patient)
    assert json.dumps(again.to_dict(), sort_keys=True) == snapshot
    patient["prior_therapies"].append("CAPTEM")
    assert json.dumps(again.to_dict(), sort_keys=True) == snapshot


def test_advice_shown_the_same_way_is_one_shared_object_with_the_same_value(monkeypatch):
    """A recommendation that withdraws interventions or is provisional is kept on its rule: patients shown the same
    hold the same (frozen) object, whose value is the rule's recommendation so changed; a rule's store is bounded."""
    import random
    from dataclasses import replace

    from netguide import evaluation
    from netguide.proving.samples import random_patient

    rng = random.Random(11)
    patients = [random_patient(rng) for _ in range(400)]
    book = evaluation.runtime_for(None).rulebook
    changed = 0
    for patient in patients:
        try:
            first, again = evaluate(patient), evaluate(dict(patient))
        except PatientFactError:
            continue
        for rec, same in zip(first.recommendations, again.recommendations):
            assert rec is same
            rule = book.by_id[rec.rule_id]
            want = rule.recommendation
            if rec.withdrawn_interventions:
                want = replace(want, interventions=tuple(i for i in want.interventions
                                                         if i not in rec.withdrawn_interventions),
                               withdrawn_interventions=rec.withdrawn_interventions)
            if rec.provisional:
                want = replace(want, provisional=True, confirm=rec.confirm, provided_that=rule.rule.provided or "",
                               withdrawn_if=rule.exception_text)
            assert rec == want
            changed += rec is not rule.recommendation
    assert changed > 20  # the sample does exercise withdrawn and provisional advice
    monkeypatch.setattr(evaluation, "MAX_VARIANTS", 0)
    for patient in patients[:50]:
        try:
            assert evaluate(patient) == evaluate(dict(patient))
        except PatientFactError:
            pass
