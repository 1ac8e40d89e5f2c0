"""`netguide evaluate` on FHIR records end to end: each example record answers exactly as the plain facts written by
hand beside it, and shows where each fact came from and what it could not map."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from needs import ROOT

EXAMPLES = ROOT / "examples"
PAIRS = [("fhir_g2_pannet_ssa_failed.json", "fhir_g2_pannet_ssa_failed.facts.yaml", "advanced"),
         ("fhir_g3_sinet_metastatic.json", "fhir_g3_sinet_metastatic.facts.yaml", "advanced"),
         ("fhir_lung_atypical_carcinoid.ndjson", "fhir_lung_atypical_carcinoid.facts.yaml", "adjuvant")]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netguide", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


@pytest.mark.parametrize("record,facts,setting", PAIRS, ids=[p[0] for p in PAIRS])
def test_a_fhir_record_answers_as_its_plain_facts(record: str, facts: str, setting: str):
    """The same recommendations, missing facts and findings as the hand-written facts file; the mapped facts are
    exactly those facts."""
    fhir = run("evaluate", str(EXAMPLES / record), "--setting", setting, "--format", "json")
    plain = run("evaluate", str(EXAMPLES / facts), "--format", "json")
    assert fhir.returncode == 0 and plain.returncode == 0, fhir.stderr + plain.stderr
    got, want = json.loads(fhir.stdout), json.loads(plain.stdout)
    for key in ("recommendations", "missing_facts", "findings", "derived_facts", "answer"):
        assert got[key] == want[key], key
    import yaml

    assert got["facts"] == yaml.safe_load((EXAMPLES / facts).read_text())
    assert got["provenance"] and all(p["resources"] for p in got["provenance"])


def test_the_text_answer_lists_provenance_and_unmapped_items():
    r = run("evaluate", str(EXAMPLES / "fhir_g3_sinet_metastatic.json"), "--setting", "advanced", "--no-quotes")
    assert r.returncode == 0, r.stderr
    assert "Facts read from the FHIR record" in r.stdout
    assert "grade = G3 <- Observation/grade (entry[2]), valueCodeableConcept, sct|61026006 [grade.g3]" in r.stdout
    assert "treatment_setting = advanced <- given by the caller (--setting)" in r.stdout
    assert "Not mapped" in r.stdout and "never read as treatment-naive" in r.stdout


def test_a_bundle_without_a_setting_says_the_setting_is_missing():
    """The question asked is never read from a code: without --setting, treatment_setting is absent."""
    r = run("evaluate", str(EXAMPLES / "fhir_g2_pannet_ssa_failed.json"), "--format", "json")
    data = json.loads(r.stdout)
    assert "treatment_setting" not in data["facts"]
    assert "treatment_setting" in {m["fact"] for m in data["missing_facts"]}


def test_an_invalid_bundle_exits_1_naming_entry_and_element(tmp_path: Path):
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({"resourceType": "Bundle", "entry": [
        {"resource": {"resourceType": "Observation", "id": "k", "code": {"coding": [{"code": 29593}]}}}]}))
    r = run("evaluate", str(p))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "entry[0] Observation/k: code.coding[0].code: expected a string, not 29593" in r.stderr
    j = run("evaluate", str(p), "--format", "json")
    assert json.loads(j.stdout)["error"] == "invalid FHIR record"


def test_setting_is_refused_for_a_facts_file():
    r = run("evaluate", str(EXAMPLES / "g2_pannet_bulky.yaml"), "--setting", "advanced")
    assert r.returncode == 2 and "--setting is for a FHIR record" in r.stderr
