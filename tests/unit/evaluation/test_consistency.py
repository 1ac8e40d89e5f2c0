"""Contradictory facts are flagged as findings, never raised and never silently corrected."""
import pytest

from netguide.consistency import check_consistency


def codes(facts):
    return [f.code for f in check_consistency(facts)]


@pytest.mark.parametrize("facts,code", [
    ({"grade": "G3", "ki67_percent": 5}, "grade-ki67-mismatch"),
    ({"grade": "G3", "ki67_percent": 20}, "grade-ki67-mismatch"),
    ({"grade": "G1", "ki67_percent": 3}, "grade-ki67-mismatch"),
    ({"grade": "G2", "ki67_percent": 25}, "grade-ki67-mismatch"),
    ({"primary_site": "pancreas", "lung_histology": "atypical_carcinoid"}, "histology-site-mismatch"),
    ({"differentiation": "poor", "grade": "G2"}, "grade-differentiation-mismatch"),
    ({"treatment_setting": "adjuvant", "resection_status": "not_resected"}, "setting-resection-mismatch"),
    ({"treatment_setting": "advanced", "stage": "localized"}, "setting-stage-mismatch"),
    ({"failed_therapies": ["PRRT"], "prior_therapies": ["SSA"]}, "failed-not-given"),
    ({"prior_systemic_lines": 0, "prior_therapies": ["SSA"]}, "lines-therapies-mismatch"),
    ({"prior_systemic_lines": 0, "failed_therapies": ["SSA"]}, "lines-therapies-mismatch"),
])
def test_contradictions_are_flagged(facts, code):
    """Each contradiction of the inputs gives its finding code."""
    assert code in codes(facts)


@pytest.mark.parametrize("facts", [
    {"grade": "G3", "ki67_percent": 20.5},
    {"grade": "G2", "ki67_percent": 3},
    {"grade": "G2", "ki67_percent": 20},
    {"grade": "G1", "ki67_percent": 2.9},
    {"grade": "G3", "ki67_percent": 5, "primary_site": "lung"},  # thoracic NET are not graded by Ki-67 here
    {"primary_site": "thymus", "lung_histology": "typical_carcinoid"},
    {"prior_systemic_lines": 0, "prior_therapies": ["SURGERY"]},
    {"prior_systemic_lines": 0, "prior_therapies": ["TARE"], "failed_therapies": ["TARE"]},
    {},
])
def test_consistent_facts_give_no_finding(facts):
    """Facts at the grade boundaries, and absent facts, give no finding."""
    assert codes(facts) == []
