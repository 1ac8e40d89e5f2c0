"""The patient-fact model: every fact typed and ranged, absent means unknown, every problem reported at once."""
import math

import pytest

from netguide.errors import PatientFactError
from netguide.patient import Patient, parse_patient
from netguide.vocabulary import FACTS


def _problems(data):
    with pytest.raises(PatientFactError) as exc:
        parse_patient(data)
    return exc.value.problems


def test_every_vocabulary_fact_is_a_field():
    """The model has exactly the vocabulary's facts, each optional."""
    assert set(Patient.model_fields) == set(FACTS)
    assert all(not f.is_required() for f in Patient.model_fields.values())


def test_absent_facts_are_unknown_not_defaulted():
    """An empty patient is valid and knows nothing: no fact is filled in."""
    assert parse_patient({}).known_facts() == {}


def test_valid_facts_are_kept_as_given():
    """Valid facts round-trip unchanged; an empty therapy list (treatment-naive) stays known."""
    facts = {"grade": "G2", "ki67_percent": 12.5, "bulky_disease": False, "prior_therapies": [], "ecog_ps": 0}
    assert parse_patient(facts).known_facts() == facts


def test_every_invalid_field_is_reported_at_once():
    """Several invalid fields give one error listing each field."""
    problems = _problems({"grade": "G4", "ki67_percent": 120, "stage": "advnced", "ecog_ps": 7, "bulky_disease": "yes"})
    assert {p.field for p in problems} == {"grade", "ki67_percent", "stage", "ecog_ps", "bulky_disease"}


@pytest.mark.parametrize("data,field,suggestion", [
    ({"grade": "g3"}, "grade", "G3"),
    ({"primary_site": "Pancreas"}, "primary_site", "pancreas"),
    ({"stage": "advnced"}, "stage", "advanced"),
    ({"ki_67": 30}, "ki_67", "ki67_percent"),
    ({"prior_therapies": ["SSA", "captem"]}, "prior_therapies[1]", "CAPTEM"),
])
def test_near_misses_come_with_did_you_mean(data, field, suggestion):
    """A near miss of a fact name, value or code names the field and what was probably meant."""
    (p,) = _problems(data)
    assert (p.field, p.suggestion) == (field, suggestion)


@pytest.mark.parametrize("data,field", [
    ({"ki67_percent": float("nan")}, "ki67_percent"),
    ({"ki67_percent": float("inf")}, "ki67_percent"),
    ({"ki67_percent": -0.1}, "ki67_percent"),
    ({"ki67_percent": "35"}, "ki67_percent"),
    ({"ki67_percent": True}, "ki67_percent"),
    ({"ecog_ps": 2.5}, "ecog_ps"),
    ({"ecog_ps": "2"}, "ecog_ps"),
    ({"prior_systemic_lines": 10**30}, "prior_systemic_lines"),
    ({"bulky_disease": 1}, "bulky_disease"),
    ({"prior_therapies": "SSA"}, "prior_therapies"),
    ({"grade": ["G3"]}, "grade"),
    ({"differentiation": "w" * 100000}, "differentiation"),
])
def test_wrong_types_and_ranges_are_refused_not_coerced(data, field):
    """No silent coercion: strings are not numbers, numbers are not booleans, NaN is not a Ki-67."""
    (p,) = _problems(data)
    assert p.field == field and p.allowed
    assert len(str(p)) < 400  # a huge value is shortened in the message


def test_each_problem_names_field_value_and_what_is_allowed():
    """The message names the field, the value and the allowed values."""
    (p,) = _problems({"grade": "G4"})
    assert "grade" in p.message and "'G4'" in p.message and "G1, G2, G3" in p.message


def test_a_non_mapping_is_refused_with_a_clear_problem():
    """A list, a string or None is not a patient."""
    for data in ([1, 2], "grade: G3", None, 3):
        (p,) = _problems(data)
        assert p.code == "invalid-patient"


def test_ki67_is_kept_to_six_decimals():
    """Ki-67 is kept to 6 decimal places so every consumer sees one number."""
    p = parse_patient({"ki67_percent": 20.0000001})
    assert p.ki67_percent == 20.0 and math.isfinite(p.ki67_percent)


def test_patients_are_immutable():
    """A validated Patient cannot be changed behind the evaluation's back."""
    p = parse_patient({"grade": "G2"})
    with pytest.raises(Exception):
        p.grade = "G3"
