"""`netguide records`: realistic partially documented records, and a declared reason for every one without a
definite treatment proposal (issue 9)."""
from __future__ import annotations

from dataclasses import replace

from netguide.evaluation import evaluate
from netguide.proving.records import REASONS, reason, run_records
from netguide.results import Recommendation


def test_every_advanced_record_without_a_definite_proposal_has_a_declared_reason():
    report = run_records(500, seed=1)
    assert report.with_definite_proposal > 0.8 * 500  # the issue measured 64 % with any positive proposal
    assert report.with_proposal >= report.with_definite_proposal
    assert sum(report.reasons.values()) == 500 - report.with_definite_proposal
    assert report.reasons["unexplained"] == 0 and set(report.reasons) <= set(REASONS)


def test_adjuvant_and_neoadjuvant_records_are_answered_by_the_review_never_by_no_advice():
    for setting in ("adjuvant", "neoadjuvant"):
        report = run_records(300, seed=2, setting=setting)
        assert report.reasons["unexplained"] == 0, report.details
        assert not any("no_rule_applies" in d for d in report.details), report.details


def test_reason_names_what_the_answer_is():
    provisional = evaluate({"differentiation": "well", "primary_site": "colorectal", "grade": "G1",
                            "treatment_setting": "advanced"})
    assert reason(replace(provisional, recommendations=tuple(
        r for r in provisional.recommendations if r.provisional)))[0] == "provisional"
    nec = evaluate({"differentiation": "poor", "treatment_setting": "advanced"})
    assert reason(nec)[0] == "out_of_scope"
    odd = replace(nec, recommendations=(Recommendation("x.y", "caution", ("CAPTEM",), (), "A caution.", ()),),
                  trace=())
    assert reason(odd)[0] == "unexplained"
