"""Concordance counts on a small cohort whose answers are derived by hand from the rules and the review (never from
the engine's output), the JSON report against its shipped JSON Schema, and the class matching of codes.

The cohort (tests/data/cohort/concordance.csv), and why each row counts where it does:
- rows 1-4, 9: adjuvant, G1-G2 GEP NETs. adjuvant_neoadjuvant.adjuvant_gep_g12_not_recommended (not_recommended
  CHEMOTHERAPY, review 3.1.4 "adjuvant chemotherapy is not recommended by either ENETS or NCCN"), unless the tumour
  was not resected R0/R1 (R2 or not_resected):
  1 pancreas G2 R0, given CAPTEM (a chemotherapy): definite, given it anyway, not concordant;
  2 small intestine G1 R0, given OBSERVATION: definite, concordant;
  3 pancreas G2, resection not recorded, given STZ_5FU: the exception is undecided, so provisional, given it anyway;
  4 pancreas G2 R1, SSA given before and failed, given SSA again: definite, concordant (SSA is no chemotherapy),
    given a failed therapy;
  9 pancreas G2 R0, no treatment recorded: not in the report at all.
  The review proposes no adjuvant treatment for these tumours, so no proposal is given to any of them.
- row 5: adjuvant, atypical lung carcinoid, R0, high relapse risk, fit: adjuvant_lung_high_risk_fit (option
  CHEMOTHERAPY, "may be considered only in selected fit patients with a particularly high risk of relapse"), which
  overrides adjuvant_lung_not_routine; given CAPTEM: given it, concordant.
- row 6: adjuvant, typical lung carcinoid, R0, no high relapse risk: adjuvant_lung_not_routine (not_recommended
  CHEMOTHERAPY, "authors do not recommend routine adjuvant therapy in lung NETs"); given OBSERVATION: concordant.
- row 7: poorly differentiated (NEC) colorectal, given PE: out of scope, no rule compared; stratum colorectal,
  grade unrecorded, no treatment proposed.
- row 8: grade G4, not a grade: an invalid row, in no count.
"""
from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from netguide.cohort import run_cohort
from netguide.cohort.concordance import CHEMOTHERAPY, matches
from netguide.reporting import render

COHORT = Path(__file__).resolve().parents[2] / "data" / "cohort" / "concordance.csv"
GEP = "adjuvant_neoadjuvant.adjuvant_gep_g12_not_recommended"
LUNG_FIT = "adjuvant_neoadjuvant.adjuvant_lung_high_risk_fit"
LUNG_NOT_ROUTINE = "adjuvant_neoadjuvant.adjuvant_lung_not_routine"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort") / "answers.jsonl"
    return run_cohort(COHORT, out, jobs=1)


def _zero(**counts: int) -> dict[str, int]:
    base = dict.fromkeys(("applied", "received_proposed", "received_advised_against", "received_failed",
                          "received_alternative", "concordant"), 0)
    base.update(counts)
    return base


def test_records_with_a_treatment_and_the_invalid_row(result):
    assert (result.records, result.invalid, result.with_treatment) == (9, 1, 7)
    assert result.errors[0][0] == 8 and result.errors[0][1][0]["field"] == "grade"


def test_counts_per_rule_match_the_hand_derivation(result):
    rows = {r.rule_id: r for r in result.concordance.rules}
    gep = rows[GEP]
    assert gep.kind == "not_recommended"
    assert gep.definite == _zero(applied=3, received_advised_against=1, received_failed=1, concordant=2)
    assert gep.provisional == _zero(applied=1, received_advised_against=1)
    assert rows[LUNG_FIT].definite == _zero(applied=1, received_proposed=1, concordant=1)
    assert rows[LUNG_FIT].provisional == _zero()
    assert rows[LUNG_NOT_ROUTINE].definite == _zero(applied=1, concordant=1)  # row 6 only: row 5's is overridden


def test_counts_per_site_and_grade_match_the_hand_derivation(result):
    strata = {(s["primary_site"], s["grade"]): s for s in result.concordance.strata}
    pannet = strata[("pancreas", "G2")]
    assert pannet["definite"] == {"patients": 3, "received_proposed": 0, "received_advised_against": 1,
                                  "received_failed": 1, "no_proposal": 3}
    assert pannet["provisional"] == {"received_proposed": 0, "received_advised_against": 1}
    assert strata[("small_intestine", "G1")]["definite"]["patients"] == 1
    assert strata[("lung", "atypical_carcinoid")]["definite"]["received_proposed"] == 1
    assert strata[("lung", "typical_carcinoid")]["definite"]["no_proposal"] == 1
    nec = strata[("colorectal", "unrecorded")]["definite"]
    assert nec == {"patients": 1, "received_proposed": 0, "received_advised_against": 0, "received_failed": 0,
                   "no_proposal": 1}
    assert sum(s["definite"]["patients"] for s in strata.values()) == 7


def test_the_json_report_validates_against_the_shipped_schema(result):
    schema = json.loads(resources.files("netguide").joinpath("data/concordance.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(render(result.concordance, "json"))
    jsonschema.validate(data, schema)
    broken = dict(data, rules=[dict(data["rules"][0], kind="caution")])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_the_text_report_reads_per_rule_and_per_stratum(result):
    text = render(result.concordance, "text")
    assert f"{GEP} (not_recommended: advises against)" in text
    assert "applied 3; given it anyway 1 (33.3 %); given a failed therapy 1 (33.3 %); concordant 2 (66.7 %)" in text
    assert "provisional: applied 1; given it anyway 1 (100.0 %)" in text
    assert "pancreas G2: 3 patients" in text


def test_a_class_matches_its_members_and_not_the_reverse():
    """CHEMOTHERAPY advised against covers CAPTEM given; CHEMOTHERAPY given does not say CAPTEM was."""
    assert matches(["CHEMOTHERAPY"], ["CAPTEM"]) and matches(["ALKYLATING_BASED"], ["STZ_5FU"])
    assert matches(["OXALIPLATIN_BASED"], ["XELOX_BEV"]) and not matches(["OXALIPLATIN_BASED"], ["CAPTEM"])
    assert not matches(["CAPTEM"], ["CHEMOTHERAPY"]) and not matches(["CHEMOTHERAPY"], ["SSA"])
    assert not ({"SSA", "EVEROLIMUS", "SUNITINIB", "PRRT", "SURGERY", "OBSERVATION"} & CHEMOTHERAPY)


def test_tallies_merge_in_any_order():
    """Chunks of a pool or a dask cluster finish in any order: counts add up alike."""
    a, b = Counter({("rule", "x", "option", "s", "g", False, "applied"): 2}), Counter(
        {("rule", "x", "option", "s", "g", False, "applied"): 3})
    assert a + b == b + a
