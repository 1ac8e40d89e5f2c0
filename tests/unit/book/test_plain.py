"""Conditions in plain clinical words: every fact and value has its words, and conditions read as a clinician says them."""
from __future__ import annotations

import pytest

from netguide.conditions import parse_condition
from netguide.conditions.plain import intervention_words, phrases, plain_text
from netguide.vocabulary import BOOL, ENUM, FACTS, LIST


def test_every_fact_and_value_has_its_words():
    words = phrases()
    assert sorted(words) == sorted(FACTS)
    for fact, spec in FACTS.items():
        p = words[fact]
        assert p.get("label"), fact
        if spec.type == ENUM:
            assert sorted(p["values"]) == sorted(spec.values), fact
            assert "{values}" in p["is"] and "{values}" in p["is_not"], fact
        elif spec.type == BOOL:
            assert p[True] and p[False], fact
        elif spec.type == LIST:
            assert all(k in p for k in ("has", "lacks", "lacks_several", "empty", "nonempty")), fact


@pytest.mark.parametrize("when, words", [
    ({"grade": "G3"}, "grade G3"),
    ({"grade": ["G1", "G2"]}, "grade G1 or G2"),
    ({"primary_site": {"not": ["lung", "thymus"]}}, "a primary not in the lung nor thymus"),
    ({"differentiation": "well", "bulky_disease": True}, "a well-differentiated NET and bulky disease"),
    ({"ki67_percent": {"above": 20}}, "Ki-67 above 20 %"),
    ({"ecog_ps": {"at_least": 2}}, "ECOG performance status at least 2"),
    ({"prior_systemic_lines": 0}, "the number of earlier systemic lines is 0"),
    ({"failed_therapies": {"includes": ["CAPTEM", "TEM"]}}, "CAPTEM or TEM failed"),
    ({"failed_therapies": {"excludes": ["SSA", "PRRT"]}}, "neither SSA nor PRRT failed"),
    ({"failed_therapies": {"excludes": ["SSA", "PRRT", "TEM"]}}, "none of SSA, PRRT or TEM failed"),
    ({"prior_therapies": {"excludes": "SSA"}}, "SSA never given"),
    ({"prior_therapies": {"empty": True}}, "treatment-naive (no therapy given yet)"),
    ({"sstr_imaging": {"known": False}}, "somatostatin-receptor imaging not recorded"),
    ({"any": [{"grade": "G3"}, {"shrinkage_needed": True}]}, "either grade G3 or tumour shrinkage is needed"),
    ({"grade": "G2", "any": [{"symptomatic": True}, {"bulky_disease": True}]},
     "grade G2 and (either symptoms from tumour burden or hormone excess or bulky disease)"),
    ({"not": {"bulky_disease": True}}, "no bulky disease"),
])
def test_conditions_read_in_plain_words(when, words):
    cond, problems = parse_condition(when, ("when",))
    assert problems == []
    assert plain_text(cond) == words


def test_interventions_are_spelled_out():
    assert intervention_words("CAPTEM") == "CAPTEM (capecitabine + temozolomide)"
