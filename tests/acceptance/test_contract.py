"""netguide against shared/spec: the vocabulary is the contract's (only added to), and the API has its names."""
from __future__ import annotations

import inspect

import pytest
from needs import needs_contract
import yaml

import netguide
from netguide.vocabulary import FACTS, INTERVENTIONS, KINDS, TRIALS
from needs import ROOT

SPEC = ROOT.parent / "shared" / "spec" / "vocabulary.yaml"
pytestmark = needs_contract


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(SPEC.read_text())


def test_every_contract_fact_is_here_with_its_type_and_values(spec):
    """Each fact of the contract exists with the same type, and every contract value is allowed (added to, never renamed)."""
    for name, f in spec["facts"].items():
        assert name in FACTS, name
        assert FACTS[name].type == f["type"], name
        if f["type"] == "enum":
            assert set(f["values"]) <= set(FACTS[name].values), name
        if "range" in f:
            assert tuple(f["range"]) == FACTS[name].range, name


def test_kinds_codes_and_trials_are_the_contracts(spec):
    """Kinds, intervention codes and trial numbers include every contract name."""
    assert set(spec["kinds"]) == set(KINDS)
    assert set(spec["interventions"]) <= set(INTERVENTIONS)
    assert set(spec["trials"]) <= set(TRIALS)


def test_additions_are_marked(spec):
    """Anything netguide adds to the vocabulary says so in its meaning."""
    for name in set(FACTS) - set(spec["facts"]):
        assert FACTS[name].meaning.startswith("added by netguide"), name


def test_public_api_names():
    """evaluate(patient) and the result types are exported with the contract's field names."""
    assert list(inspect.signature(netguide.evaluate).parameters)[0] == "patient"
    ev_fields = set(netguide.Evaluation.__dataclass_fields__)
    assert {"recommendations", "missing_facts", "findings", "rulebook_version"} <= ev_fields
    rec_fields = set(netguide.Recommendation.__dataclass_fields__)
    assert {"rule_id", "kind", "interventions", "trials", "statement", "citations"} <= rec_fields
    assert callable(netguide.Evaluation.to_dict)
