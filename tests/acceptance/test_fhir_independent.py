"""FHIR records written from the review, the vocabulary and issue 12 alone, by a reader who had not seen the mapping,
the rules or the scenarios (tests/data/fhir_independent/, committed as written; a case corrected afterwards says why
in the file). Each case: the facts a careful clinician-informatician would read from the record, the facts it must
not give, the items it must report as unmappable, and what the review supports or rules out for that patient."""
from __future__ import annotations

import json

import pytest
import yaml

from needs import TESTS

CASES_DIR = TESTS / "data" / "fhir_independent"
CASES = yaml.safe_load((CASES_DIR / "cases.yaml").read_text(encoding="utf-8"))["cases"]


def _same(got, want) -> bool:
    if isinstance(want, list):
        return isinstance(got, (list, tuple)) and set(got) == set(want)
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        return isinstance(got, (int, float)) and abs(got - want) < 1e-9
    return got == want


def _matches(rec, m) -> bool:
    return (m.get("kind") is None or rec.kind == m["kind"]) and set(m.get("interventions", [])) <= set(rec.interventions)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_independent_fhir_case(case):
    from netguide.fhir import evaluate_fhir

    bundle = json.loads((CASES_DIR / case["bundle"]).read_text(encoding="utf-8"))
    result = evaluate_fhir(bundle, case.get("setting"))
    facts = result.mapping.facts
    wrong = {f: (facts.get(f, "<absent>"), v) for f, v in (case.get("expect_facts") or {}).items()
             if not _same(facts.get(f), v)}
    present = [f for f in case.get("expect_absent") or [] if f in facts]
    assert not wrong and not present, f"facts (got, wanted): {wrong}; given but must be absent: {present}; " \
        f"all facts: {facts}; unmapped: {[u.to_dict() for u in result.mapping.unmapped]}"
    if case.get("unmapped_reason"):
        assert len(result.mapping.unmapped) >= len(case["unmapped_reason"]), \
            f"expected unmapped items for {case['unmapped_reason']}; got {[u.to_dict() for u in result.mapping.unmapped]}"
    recs = result.evaluation.recommendations
    for m in case.get("expect") or []:
        assert any(_matches(r, m) for r in recs), f"expected {m}; got {[(r.rule_id, r.kind, r.interventions) for r in recs]}"
    for m in case.get("forbid") or []:
        hits = [r.rule_id for r in recs if _matches(r, m)]
        assert not hits, f"forbidden {m}, matched by {hits}"
