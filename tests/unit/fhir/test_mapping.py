"""The FHIR mapping, row by row and case by case: each expectation below is written from the table's clinical
meaning (ICD-O-3, SNOMED, LOINC) and vocabulary.yaml, never from what the mapper returned."""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fhirdata import (
    AJCC,
    CAPECITABINE,
    ICD10,
    M_CATEGORY,
    MORPH_OBS,
    N_CATEGORY,
    NO_RESPONSE,
    NOT_TOLERATED,
    OCTREOTIDE,
    OXALIPLATIN,
    SCT,
    STATUS,
    TEMOZOLOMIDE,
    bundle,
    cc,
    diagnosis,
    grade,
    ki67,
    med,
    morphology,
    observation,
    site,
    ICDO3,
    ECOG,
)
from netguide.fhir import FhirInputError, evaluate_fhir, load_mapping, map_resources, read_fhir, read_ndjson
from netguide.fhir.table import Row
from netguide.patient import parse_patient

TABLE = load_mapping()
THRESHOLDS = (3, 10, 20)  # the Ki-67 values the shipped rules and consistency checks test


def facts_of(*resources: dict[str, Any]):
    return map_resources(read_fhir(bundle(*resources)), TABLE, THRESHOLDS)


def _resource_for(row: Row, source: str, code: str) -> list[dict[str, Any]]:
    """A minimal record in which `code` stands at `source` (plus a lung primary for a row that needs one)."""
    out: list[dict[str, Any]] = []
    if source == "condition.morphology":
        out.append(morphology(code))
    elif source == "observation.morphology":
        out.append(observation(MORPH_OBS, valueCodeableConcept=cc(ICDO3, code)))
    elif source == "condition.code":
        out.append(diagnosis(ICD10, code))
    elif source == "condition.bodySite":
        out.append(site(code))
    elif source == "condition.profile":
        out.append({"resourceType": "Condition", "id": "p1", "meta": {"profile": [code]}})
    elif source == "observation.grade":
        out.append(grade(code))
    elif source == "observation.disease_status":
        out.append(observation(STATUS, valueCodeableConcept=cc(SCT, code)))
    elif source == "observation.tnm_m":  # the category's value as the row codes it: AJCC strings or SNOMED CT
        out.append(observation(M_CATEGORY, valueCodeableConcept=cc(SCT if row.system in ("sct", SCT) else AJCC, code)))
    elif source == "observation.tnm_n":
        out.append(observation(N_CATEGORY, valueCodeableConcept=cc(SCT if row.system in ("sct", SCT) else AJCC, code)))
    else:
        raise AssertionError(source)
    if row.only_if:
        out.append(diagnosis(ICD10, "C34.1", "lung"))
    return out


CODED = [(row, source, code) for row in TABLE.rows for source in row.sources for code in row.codes
         if source not in ("observation.ki67", "observation.ecog")]


@pytest.mark.parametrize("row,source,code", CODED, ids=[f"{r.id}-{s}-{c}" for r, s, c in CODED])
def test_each_row_of_the_table_gives_what_it_says(row: Row, source: str, code: str):
    """Every code of every coded row, at each of its sources, gives the row's facts (or is unmapped with its reason);
    a prefix row ('C25*') is exercised with the prefix itself."""
    m = facts_of(*_resource_for(row, source, code.rstrip("*")))
    if row.unmapped:
        assert any(u.reason == row.unmapped for u in m.unmapped), m.unmapped
        for f in row.withholds:
            assert f not in m.facts
    else:
        for fact, value in row.gives.items():
            assert m.facts.get(fact) == value, (row.id, m.facts)
            assert any(p.fact == fact and p.row == row.id for p in m.provenance)
        if not row.gives:
            assert any(u.item.endswith(code) for u in m.unmapped)


def test_8249_3_is_well_differentiated_and_never_gives_a_grade():
    """ICD-O-3 8249/3 covers NET G2 and G3: it says well differentiated, and the grade stays absent."""
    m = facts_of(morphology("8249/3"), site("15776009"))
    assert m.facts == {"differentiation": "well", "primary_site": "pancreas"}


@pytest.mark.parametrize("code", ["8246/3", "8013/3", "8041/3"])
def test_neuroendocrine_carcinoma_morphologies_are_poorly_differentiated(code: str):
    assert facts_of(morphology(code)).facts["differentiation"] == "poor"


def test_a_g3_grade_alone_never_implies_poor_differentiation():
    """A generic G3 (SNOMED 61026006) gives the grade only."""
    m = facts_of(grade("61026006"))
    assert m.facts == {"grade": "G3"}


def test_minen_is_outside_the_review_said_so_and_its_grade_is_withheld():
    """MiNEN (8154/3): no differentiation (neither well nor poor), the reason listed and a finding; a G3 grade recorded
    with it is not taken, because the vocabulary's grade is that of a well-differentiated NET."""
    m = facts_of(morphology("8154/3"), grade("61026006"), site("15776009"))
    assert "differentiation" not in m.facts and "grade" not in m.facts
    assert m.facts["primary_site"] == "pancreas"
    assert any("MiNEN" in u.reason for u in m.unmapped)
    assert [f.code for f in m.findings] == ["outside-review"]


def test_morphology_wins_over_the_icd10_fallback():
    """C7A.0 (carcinoid) is a fallback: a NEC morphology on the record is what differentiation says."""
    m = facts_of(morphology("8246/3"), diagnosis(ICD10, "C7A.010"))
    assert m.facts["differentiation"] == "poor" and m.facts["primary_site"] == "duodenum"
    assert not m.findings


def test_icd10_subcodes_are_more_specific_than_their_prefix():
    """C17.0 is the duodenum although C17* is the small intestine; C18.1 the appendix though C18* is colorectal."""
    assert facts_of(diagnosis(ICD10, "C17.0")).facts["primary_site"] == "duodenum"
    assert facts_of(diagnosis(ICD10, "C17.2")).facts["primary_site"] == "small_intestine"
    assert facts_of(diagnosis(ICD10, "C18.1")).facts["primary_site"] == "appendix"


def test_a_lung_histology_needs_a_lung_or_thymus_primary():
    """8249/3 in the lung is the atypical carcinoid; in the pancreas it says nothing of lung histology."""
    assert facts_of(morphology("8249/3"), diagnosis(ICD10, "C34.1"))\
        .facts["lung_histology"] == "atypical_carcinoid"
    assert "lung_histology" not in facts_of(morphology("8249/3"), site("15776009")).facts


def test_a_code_no_row_names_is_unmapped_never_guessed():
    m = facts_of(diagnosis(ICD10, "I10"))
    assert m.facts == {} and any(u.item == "icd10cm|I10" for u in m.unmapped)


def test_disagreeing_resources_leave_the_fact_absent_with_a_finding():
    m = facts_of(grade("1663004", "a", "2025-01-01"), grade("61026006", "b", "2025-01-01"))
    assert "grade" not in m.facts
    assert [f.code for f in m.findings] == ["fhir-conflict"]


def test_the_latest_observation_wins():
    """A grade at progression (2025) replaces the grade at diagnosis (2020)."""
    assert facts_of(grade("1663004", "a", "2020-01-01"), grade("61026006", "b", "2025-06-01")).facts["grade"] == "G3"


# --- Ki-67 comparators -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,comparator,expected", [
    (14, None, 14), (2.5, None, 2.5),
    (2, "<", 2),  # every value below 2 is below 3, 10 and 20: taken as 2
    (25, ">=", 25),  # every value from 25 is above 20
    (30, ">", 30),
    (3, "<", None),  # below 3 or 3 itself: the rules test 3
    (20, ">", None),  # above 20 or 20: the rules test 20
    (20, "<=", None),  # 3 and 10 lie below 20
    (5, "ad", None),
])
def test_ki67_comparators_become_a_number_only_when_every_value_answers_alike(value, comparator, expected):
    m = facts_of(ki67(value, comparator))
    assert m.facts.get("ki67_percent") == expected
    if expected is None:
        assert any(u.fact == "ki67_percent" for u in m.unmapped)
    elif comparator:
        assert "taken as" in next(p.note for p in m.provenance if p.fact == "ki67_percent")


@pytest.mark.parametrize("resource", [ki67(14, unit="mg"), ki67(150),
                                      {**ki67(14), "valueQuantity": None, "valueString": "<2 %"}])
def test_a_ki67_not_in_percent_or_out_of_range_is_unmapped(resource):
    m = facts_of(resource)
    assert "ki67_percent" not in m.facts and any(u.fact == "ki67_percent" for u in m.unmapped)


def test_ecog_outside_the_vocabulary_range_is_unmapped():
    assert facts_of(observation(ECOG, valueInteger=2)).facts == {"ecog_ps": 2}
    m = facts_of(observation(ECOG, valueInteger=5))
    assert m.facts == {} and any(u.fact == "ecog_ps" for u in m.unmapped)


# --- medications ------------------------------------------------------------------------------------------------

def test_agents_given_together_are_the_vocabulary_regimen():
    m = facts_of(med("a", CAPECITABINE, group="g"), med("b", TEMOZOLOMIDE, group="g"))
    assert m.facts["prior_therapies"] == ["CAPTEM"] and m.facts["prior_systemic_lines"] == 1
    assert "failed_therapies" not in m.facts  # completed says nothing of failure


@pytest.mark.parametrize("reason", [NO_RESPONSE, NOT_TOLERATED])
def test_stopped_for_no_response_or_intolerance_is_failed(reason: str):
    m = facts_of(med("a", OCTREOTIDE, "stopped", reason=reason))
    assert m.facts["failed_therapies"] == ["SSA"] and m.facts["prior_therapies"] == ["SSA"]


def test_an_ssa_alongside_chemotherapy_is_its_own_regimen_in_the_same_line():
    m = facts_of(med("a", CAPECITABINE, authored="2024-01-05"), med("b", TEMOZOLOMIDE, authored="2024-01-05"),
                 med("c", OCTREOTIDE, authored="2024-01-05"))
    assert m.facts["prior_therapies"] == ["CAPTEM", "SSA"] and m.facts["prior_systemic_lines"] == 1


def test_lines_are_counted_in_order_of_start():
    m = facts_of(med("a", OCTREOTIDE, "stopped", reason=NO_RESPONSE, authored="2022-01-01"),
                 med("b", CAPECITABINE, group="x", authored="2023-01-01"),
                 med("c", TEMOZOLOMIDE, group="x", authored="2023-01-01"))
    assert m.facts["prior_systemic_lines"] == 2
    assert [(g.intervention, g.line) for g in m.regimens] == [("SSA", 1), ("CAPTEM", 2)]


def test_a_combination_that_is_no_regimen_is_unmapped():
    m = facts_of(med("a", TEMOZOLOMIDE, group="g"), med("b", OXALIPLATIN, group="g"))
    assert "prior_therapies" not in m.facts
    assert any("no regimen" in u.reason for u in m.unmapped)


def test_cancelled_and_drafted_orders_are_not_given():
    m = facts_of(med("a", OCTREOTIDE, "cancelled"), med("b", CAPECITABINE, "draft", group="d"),
                 med("c", TEMOZOLOMIDE, "draft", group="d"))
    assert "prior_therapies" not in m.facts and m.facts["considered_therapies"] == ["CAPTEM"]


def test_an_administration_joins_its_request():
    req = med("r", CAPECITABINE, "active", group="g")
    adm = {**med("m", TEMOZOLOMIDE, "completed", kind="MedicationAdministration"),
           "request": {"reference": "MedicationRequest/other"}}
    tem_req = med("other", TEMOZOLOMIDE, "active", group="g")
    assert facts_of(req, tem_req, adm).facts["prior_therapies"] == ["CAPTEM"]


def test_no_medications_is_an_unknown_history_never_treatment_naive():
    m = facts_of(morphology("8240/3"))
    assert "prior_therapies" not in m.facts and "failed_therapies" not in m.facts
    assert any(u.fact == "prior_therapies" for u in m.unmapped)


def test_a_medication_reference_is_not_read():
    r = {"resourceType": "MedicationRequest", "id": "x", "status": "active",
         "medicationReference": {"reference": "Medication/1"}}
    m = facts_of(r)
    assert "prior_therapies" not in m.facts and any("medicationReference" in u.reason for u in m.unmapped)


def test_treatment_setting_never_comes_from_a_code():
    """Nothing in a record sets the setting (a metastasis code says the stage, not the question asked)."""
    m = facts_of(diagnosis(ICD10, "C7B.02"), observation(M_CATEGORY, valueCodeableConcept=cc(AJCC, "cM1")))
    assert m.facts == {"stage": "advanced"}


# --- with the evaluation ----------------------------------------------------------------------------------------

def test_a_grade_contradicting_ki67_is_the_consistency_finding():
    """G1 with Ki-67 35 % (vocabulary: G1 is below 3 %): netguide's consistency check says so."""
    fe = evaluate_fhir(bundle(morphology("8240/3"), site("15776009"), grade("54102005"), ki67(35)), "advanced")
    assert "grade-ki67-mismatch" in {f.code for f in fe.evaluation.findings}


def test_an_unmapped_ki67_is_listed_as_missing():
    """Ki-67 '<=20 %' is not mapped; the review's rule on G2 panNET with Ki-67 above 10 % waits on it."""
    fe = evaluate_fhir(bundle(morphology("8249/3"), site("15776009"), grade("1663004"), ki67(20, "<="),
                              diagnosis(ICD10, "C7B.02", "mets")), "advanced")
    assert "ki67_percent" not in fe.mapping.facts
    assert "ki67_percent" in {m.fact for m in fe.evaluation.missing_facts}


def test_to_dict_keeps_the_evaluation_keys_and_adds_the_mapping():
    d = evaluate_fhir(bundle(morphology("8240/3")), "advanced").to_dict()
    assert {"recommendations", "missing_facts", "findings", "rulebook_version", "provenance", "unmapped",
            "facts"} <= set(d)
    assert d["facts"]["treatment_setting"] == "advanced" and d["treatment_setting_from"] == "the caller"


# --- hostile and malformed records --------------------------------------------------------------------------------

def _problems(data: Any) -> list[str]:
    with pytest.raises(FhirInputError) as exc:
        read_fhir(data)
    return [p.message for p in exc.value.problems]


def test_a_wrong_type_names_the_entry_resource_and_element():
    msgs = _problems(bundle(morphology("8240/3"), {**ki67(14), "id": "k9",
                                                   "valueQuantity": {"value": "fourteen", "unit": "%"}}))
    assert msgs == ["entry[1] Observation/k9: valueQuantity.value: expected a number, not 'fourteen'"]


def test_every_problem_is_reported_at_once():
    msgs = _problems(bundle({"resourceType": "Condition", "id": "a", "code": "C25.4"},
                            {"resourceType": "Observation", "id": "b"}))
    assert any(m.startswith("entry[0] Condition/a: code: expected an object") for m in msgs)
    assert any(m.startswith("entry[1] Observation/b: code: is required") for m in msgs)


def test_a_boolean_is_not_a_number():
    msgs = _problems(bundle(observation(ECOG, "e", valueInteger=True)))
    assert msgs and msgs[0].startswith("entry[0] Observation/e: valueInteger: expected a whole number")


@pytest.mark.parametrize("data,start", [
    ({"resourceType": "Bundle", "entry": {"resource": {}}}, "Bundle Bundle: entry: expected a list"),
    ({"resourceType": "Bundle", "entry": [{"fullUrl": "x"}]}, "entry[0] Bundle: entry[0].resource: is required"),
    ({"resourceType": "Bundle", "entry": [{"resource": {"id": "x"}}]}, "entry[0] resource: resourceType: is required"),
    ({"resourceType": "Bundle", "entry": [{"resource": "Patient"}]}, "entry[0] resource: expected a FHIR resource"),
    ([1, 2], "expected a FHIR Bundle"),
])
def test_malformed_bundles_are_refused_clearly(data, start):
    assert _problems(data)[0].startswith(start)


def test_two_patients_or_another_patients_resource_are_refused():
    assert "a second Patient" in _problems(bundle({"resourceType": "Patient", "id": "p"},
                                                  {"resourceType": "Patient", "id": "q"}))[0]
    other = {**morphology("8240/3"), "subject": {"reference": "Patient/q"}}
    assert "refers to another patient" in _problems(bundle({"resourceType": "Patient", "id": "p"}, other))[0]


def test_a_free_text_id_is_not_repeated_in_an_error():
    """An id that does not look like one (a name, say) is not echoed: the error names the resource type only."""
    msg = _problems(bundle({"resourceType": "Condition", "id": "Jane Doe 1970-01-01", "code": 5}))[0]
    assert "Jane" not in msg and msg.startswith("entry[0] Condition: code:")


def test_too_many_resources_for_one_patient():
    with pytest.raises(FhirInputError) as exc:
        read_fhir(bundle(*[morphology("8240/3", f"c{i}") for i in range(10_001)]))
    assert exc.value.problems[0].code == "too-many-items"


def test_ndjson_errors_name_the_line_and_refuse_nan():
    with pytest.raises(FhirInputError) as exc:
        read_ndjson('{"resourceType": "Patient", "id": "p"}\n{not json\n{"resourceType": "Observation", "v": NaN}\n')
    assert [p.location.line for p in exc.value.problems] == [2, 3]


def test_unread_resource_types_are_listed_once():
    m = map_resources(read_ndjson('{"resourceType": "Encounter"}\n{"resourceType": "Encounter"}\n'), TABLE, THRESHOLDS)
    assert [u.item for u in m.unmapped if "Encounter" in u.item] == ["Encounter (2 resources)"]


def test_a_resolved_metastasis_says_nothing_of_the_stage_now():
    """A liver metastasis recorded as resolved (resected) keeps nothing for `stage`: advanced now is a clinician's call."""
    resolved = {**diagnosis(ICD10, "C7B.02"), "clinicalStatus": cc(
        "http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved")}
    m = facts_of(resolved)
    assert "stage" not in m.facts and any(u.fact == "stage" and "resolved" in u.reason for u in m.unmapped)
    assert facts_of(diagnosis(ICD10, "C7B.02")).facts["stage"] == "advanced"


def test_an_mcode_secondary_cancer_condition_is_advanced_and_other_profiles_say_nothing():
    secondary = {"resourceType": "Condition", "id": "m", "meta": {"profile": [
        "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-secondary-cancer-condition"]}}
    assert facts_of(secondary).facts == {"stage": "advanced"}
    primary = {"resourceType": "Condition", "id": "p", "meta": {"profile": [
        "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition"]}}
    assert facts_of(primary).facts == {}


# --- any JSON at all ----------------------------------------------------------------------------------------------


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                     max_leaves=20)
_keys = st.sampled_from(["resourceType", "id", "code", "coding", "system", "valueQuantity", "value", "comparator",
                         "valueCodeableConcept", "valueInteger", "extension", "url", "bodySite", "status",
                         "medicationCodeableConcept", "statusReason", "groupIdentifier", "subject", "reference",
                         "meta", "profile", "clinicalStatus"])
_types = st.sampled_from(["Patient", "Condition", "Observation", "MedicationRequest", "MedicationAdministration",
                          "Encounter"])
_resource = st.builds(lambda t, extra: {"resourceType": t, **extra}, _types,
                      st.dictionaries(_keys, _json, max_size=6))


@given(st.lists(_resource, max_size=6))
def test_any_record_is_mapped_or_refused_clearly(resources):
    """Whatever the record holds, reading it gives facts the vocabulary accepts, or FhirInputError: never another
    exception, never an invalid fact."""
    try:
        m = facts_of(*resources)
    except FhirInputError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        return
    parse_patient(m.facts)


def test_a_medication_named_by_reference_is_read_from_the_record():
    """EHRs often send the drug as a Medication resource of its own (found by the independent FHIR cases)."""
    med = {"resourceType": "Medication", "id": "octreotide",
           "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "7617"}]}}
    order = {"resourceType": "MedicationRequest", "id": "o1", "status": "stopped", "authoredOn": "2022-01-01",
             "medicationReference": {"reference": "Medication/octreotide"},
             "statusReason": {"coding": [{"system": "http://snomed.info/sct", "code": "266721009"}]}}
    m = facts_of(med, order)
    assert m.facts["prior_therapies"] == ["SSA"] and m.facts["failed_therapies"] == ["SSA"]
    dangling = dict(order, medicationReference={"reference": "Medication/absent"})
    m = facts_of(dangling)
    assert "prior_therapies" not in m.facts
    assert any("names no Medication in the record" in u.reason for u in m.unmapped)


def test_an_unreadable_given_drug_leaves_the_line_count_absent():
    """A given drug the table does not know may have been a line of its own: counting the rest would be a guess."""
    rx = "http://www.nlm.nih.gov/research/umls/rxnorm"
    known = {"resourceType": "MedicationRequest", "id": "a", "status": "completed", "authoredOn": "2021-01-01",
             "medicationCodeableConcept": {"coding": [{"system": rx, "code": "357977"}]}}
    unknown = {"resourceType": "MedicationRequest", "id": "b", "status": "completed", "authoredOn": "2022-01-01",
               "medicationCodeableConcept": {"coding": [{"system": rx, "code": "1363268"}]}}
    assert facts_of(known).facts["prior_systemic_lines"] == 1
    m = facts_of(known, unknown)
    assert m.facts["prior_therapies"] == ["SUNITINIB"] and "prior_systemic_lines" not in m.facts
    assert any(u.item == "prior_systemic_lines" for u in m.unmapped)
    drafted = dict(unknown, status="draft")  # a drafted order is not a line given
    assert facts_of(known, drafted).facts["prior_systemic_lines"] == 1
