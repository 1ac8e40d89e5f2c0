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
    # a drug's name gets its class or regimen, not the nearest spelling (LANREOTIDE is not TEM_LANREOTIDE)
    ({"failed_therapies": ["LANREOTIDE"]}, "failed_therapies[0]", "SSA"),
    ({"prior_therapies": ["octreotide LAR"]}, "prior_therapies[0]", None),
    ({"prior_therapies": ["Octreotide"]}, "prior_therapies[0]", "SSA"),
    ({"failed_therapies": ["Lutathera"]}, "failed_therapies[0]", "PRRT"),
    ({"failed_therapies": ["temozolomide"]}, "failed_therapies[0]", "TEM"),
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


# ------------------------------------------------------------------------------------------ instances that skipped validation

@pytest.mark.parametrize("make,field", [
    (lambda: parse_patient({"grade": "G2"}).model_copy(update={"ki67_percent": float("nan")}), "ki67_percent"),
    (lambda: parse_patient({"grade": "G2"}).model_copy(update={"ki67_percent": 500}), "ki67_percent"),
    (lambda: Patient.model_construct(prior_therapies=["NOPE"]), "prior_therapies[0]"),
    (lambda: Patient.model_construct(grade="G9"), "grade"),
])
def test_a_patient_instance_is_validated_again(make, field):
    """model_copy(update=...) and model_construct() skip validation; parse_patient validates the instance's
    values again, so every invalid instance is a PatientFactError naming the field, never an answer."""
    (p,) = _problems(make())
    assert p.field == field


def test_evaluate_refuses_an_unvalidated_instance_with_a_named_field():
    """evaluate() on Patient.model_construct(grade='G9') raises PatientFactError (it was a bare KeyError)."""
    import netguide

    with pytest.raises(PatientFactError) as exc:
        netguide.evaluate(Patient.model_construct(grade="G9"))
    assert [p.field for p in exc.value.problems] == ["grade"]


def test_a_valid_instance_passes_unchanged():
    """A valid Patient is accepted and keeps its facts."""
    p = parse_patient({"grade": "G2", "prior_therapies": ["SSA"]})
    assert parse_patient(p).known_facts() == p.known_facts()


# ------------------------------------------------------------------------------------------ order and size

@pytest.mark.parametrize("kind", [set, frozenset])
def test_sets_of_codes_are_sorted_so_the_answer_does_not_depend_on_hashing(kind):
    """A set or frozenset of codes has no order: it is sorted by code, in parse_patient and in Patient()."""
    codes = kind({"TEM", "CAPTEM", "SSA", "EVEROLIMUS"})
    assert parse_patient({"prior_therapies": codes}).prior_therapies == ["CAPTEM", "EVEROLIMUS", "SSA", "TEM"]
    assert Patient(failed_therapies=codes).failed_therapies == ["CAPTEM", "EVEROLIMUS", "SSA", "TEM"]


def test_set_order_is_the_same_under_every_hash_seed():
    """to_dict() of an evaluation with a set of therapies is identical under two PYTHONHASHSEEDs."""
    import os
    import subprocess
    import sys

    code = ("import json, netguide; codes = {'TEM', 'CAPTEM', 'SSA', 'EVEROLIMUS', 'PRRT', 'FOLFOX'}; "
            "print(json.dumps(netguide.parse_patient({'prior_therapies': codes}).known_facts()))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(outs) == 1 and "CAPTEM" in outs.pop()


def test_a_million_item_list_is_one_problem_at_once():
    """More items than there are intervention codes is one too-many-items problem, found before validation."""
    import time

    start = time.perf_counter()
    (p,) = _problems({"prior_therapies": ["NOPE"] * 1_000_000})
    assert (p.code, p.field) == ("too-many-items", "prior_therapies") and len(str(p)) < 300
    assert time.perf_counter() - start < 5


def test_an_endless_iterable_is_refused_not_consumed():
    """A generator is not a list: refused without being read (it might never end)."""
    import itertools

    (p,) = _problems({"prior_therapies": (f"X{i}" for i in itertools.count())})
    assert (p.code, p.field) == ("invalid-value", "prior_therapies")


def test_problems_are_capped_with_a_count_of_the_rest():
    """40 invalid items give the first 20 problems and one more-problems entry counting the other 20."""
    problems = _problems({"prior_therapies": [f"NOPE{i}" for i in range(40)]})
    assert len(problems) == 21 and problems[-1].code == "more-problems" and "20 more problems" in problems[-1].message


def test_a_million_unknown_keys_cost_one_pass_and_a_short_message():
    """A million keys that are not facts: 20 named, one counting the rest, quickly."""
    import time

    start = time.perf_counter()
    with pytest.raises(PatientFactError) as exc:
        parse_patient({f"note_{i}": "x" for i in range(1_000_000)})
    assert len(exc.value.problems) == 21 and len(str(exc.value)) < 5_000
    assert "999,980 more" in exc.value.problems[-1].message
    assert time.perf_counter() - start < 5


# ------------------------------------------------------------------------------------------ patient data in messages

def test_an_unknown_keys_value_is_never_repeated():
    """The value of a key that is not a fact (a name, a record number) appears nowhere in the error."""
    with pytest.raises(PatientFactError) as exc:
        parse_patient({"patient_name": "John Smith", "mrn": "00123456", "grade": "G2"})
    text = str(exc.value) + repr([p.to_dict() for p in exc.value.problems])
    assert "John" not in text and "00123456" not in text
    assert {p.field for p in exc.value.problems} == {"patient_name", "mrn"}


@pytest.mark.parametrize("value,shown", [
    ("John Smith", "<text, 10 characters>"), ("1234567", "<text, 7 characters>"), ("1970-01-01", "<text, 10 characters>"),
    (12345678, "<number, 8 digits>"), (["Smith"], "<list of 1 item>"),
])
def test_free_text_values_of_known_facts_are_masked(value, shown):
    """A value that may be free text is shown by its shape only, in the message and in to_dict()."""
    (p,) = _problems({"primary_site" if not isinstance(value, int) else "ki67_percent": value})
    assert p.value == shown and shown in p.message and str(value) not in str(p) + repr(p.to_dict())


@pytest.mark.parametrize("data,shown,suggestion", [
    ({"primary_site": "pancrease"}, "pancrease", "pancreas"), ({"grade": "G9"}, "G9", None),
    ({"ki67_percent": 500}, 500, None), ({"prior_therapies": ["captem"]}, "captem", "CAPTEM"),
])
def test_code_like_values_are_still_shown_with_did_you_mean(data, shown, suggestion):
    """A near-miss code or a number is shown as typed, with its suggestion."""
    (p,) = _problems(data)
    assert p.value == shown and repr(shown) in p.message and p.suggestion == suggestion


def test_a_non_finite_number_is_named_as_such():
    """A .nan or .inf Ki-67 (YAML keeps them floats) is refused as 'not a finite number', shown as a word."""
    (p,) = _problems({"ki67_percent": float("nan")})
    assert "ki67_percent: nan is not a finite number" in p.message and p.value == "nan"


def test_known_facts_is_parse_patient_known_facts_with_or_without_the_fast_path():
    """patient.known_facts(data) gives parse_patient(data).known_facts(): the same facts, in the same order, of the
    same types, for the fuzzer's valid, invalid and hostile inputs; and for a refused input the same error, with the
    same message and problems (the fast path only ever accepts; it never words a refusal)."""
    import random

    from netguide.patient import known_facts
    from netguide.proving.fuzzing import random_input

    def outcome(fn, data):
        try:
            facts = fn(data)
        except PatientFactError as exc:
            return "refused", str(exc), [p.to_dict() for p in exc.problems]
        return "facts", list(facts.items()), [type(v) for v in facts.values()]

    rng = random.Random(11)
    for _ in range(3000):
        _, data = random_input(rng)
        assert outcome(known_facts, data) == outcome(lambda d: parse_patient(d).known_facts(), data), data
    edges = [{"ki67_percent": 12}, {"ki67_percent": 12.0000004}, {"ki67_percent": 100.0000004}, {"ki67_percent": -0.0},
             {"ki67_percent": 10**400}, {"ecog_ps": True}, {"grade": None}, {"prior_therapies": ("SSA",)},
             {"prior_therapies": {"SSA", "PRRT"}}, {"prior_therapies": []}, {"bulky_disease": 1}]
    for data in edges:
        assert outcome(known_facts, data) == outcome(lambda d: parse_patient(d).known_facts(), data), data
