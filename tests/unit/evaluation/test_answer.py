"""The answer at a glance (netguide.answer): grouped by the question each conclusion answers, same kind and
interventions merged with every citation kept."""
from __future__ import annotations

from dataclasses import replace

from netguide.answer import QUESTIONS, group_answer, question_of
from netguide.evaluation import evaluate
from netguide.reporting import render_evaluation
from netguide.results import Citation, Recommendation

PROGRESSIVE_G2_PANNET = {"differentiation": "well", "primary_site": "pancreas", "grade": "G2", "ki67_percent": 14,
                         "treatment_setting": "advanced", "progression": "progressive", "bulky_disease": True,
                         "prior_therapies": ["SSA"], "failed_therapies": ["SSA"], "prior_systemic_lines": 1}


def _rec(rule_id, kind, interventions, quote, provisional=False):
    return Recommendation(rule_id, kind, tuple(interventions), (), f"Statement of {rule_id}.",
                          (Citation("s", quote),), provisional=provisional)


def test_each_conclusion_answers_one_question_in_the_fixed_order():
    ev = evaluate(PROGRESSIVE_G2_PANNET)
    groups = group_answer(ev)
    order = [k for k, _ in QUESTIONS]
    assert [g.key for g in groups] == sorted((g.key for g in groups), key=order.index)
    merged = [rid for g in groups for item in g.items for rid in item.rule_ids]
    assert sorted(merged) == sorted(r.rule_id for r in ev.recommendations)  # nothing lost, nothing doubled
    assert question_of(next(r for r in ev.recommendations if r.rule_id == "g12_pancreatic.tem_captem_most_useful")) \
        == "regimens"
    assert question_of(next(r for r in ev.recommendations
                            if r.rule_id == "g12_all_sites.chemotherapy_after_failure_of_other_therapies")) == "indication"


def test_same_kind_and_interventions_are_merged_with_all_their_citations():
    ev = evaluate(PROGRESSIVE_G2_PANNET)
    chemo = [item for g in group_answer(ev) for item in g.items
             if item.kind == "option" and item.interventions == ("CHEMOTHERAPY",)]
    assert len(chemo) == 1 and len(chemo[0].rule_ids) >= 3  # after failure, progressive, bulky, preferentially G2
    assert len(chemo[0].citations) >= len(chemo[0].rule_ids) - 1 and len(chemo[0].statements) == len(chemo[0].rule_ids)


def test_definite_and_provisional_advice_are_never_merged():
    base = evaluate({"differentiation": "well"})
    ev = replace(base, recommendations=(_rec("a.one", "recommended", ["SSA"], "quote one"),
                                        _rec("a.two", "recommended", ["SSA"], "quote two", provisional=True),
                                        _rec("a.three", "recommended", ["SSA"], "quote one")))
    (group,) = group_answer(ev)
    assert [item.rule_ids for item in group.items] == [("a.one", "a.three"), ("a.two",)]
    assert [c.quote for c in group.items[0].citations] == ["quote one"]  # one passage cited once
    assert not group.items[0].provisional and group.items[1].provisional


def test_text_answer_reads_by_question():
    text = render_evaluation(evaluate(PROGRESSIVE_G2_PANNET), quotes=False)
    headings = [q for _, q in QUESTIONS if q in text]
    assert headings[:2] == ["Is treatment indicated, and which kind?", "Which chemotherapy regimens?"]
    assert text.index("Is treatment indicated") < text.index("Which chemotherapy regimens?") < text.index("What to record next")


def test_json_gains_the_grouped_answer_and_keeps_every_earlier_field():
    d = evaluate(PROGRESSIVE_G2_PANNET).to_dict()
    assert {"rulebook_version", "recommendations", "missing_facts", "findings", "derived_facts", "trace"} <= set(d)
    assert [g["key"] for g in d["answer"]] and all(g["items"] for g in d["answer"])
    assert {"provisional", "confirm", "provided_that", "withdrawn_if"} <= set(d["recommendations"][0])


def test_a_kept_grouping_is_the_grouping_of_the_same_recommendations(monkeypatch):
    """group_answer keeps groupings by the identities of the recommendations: for random patients, and for
    recommendations made and dropped one after another (an id may be reused once an object is gone), each answer
    is what grouping its own recommendations afresh gives, also when the store fills and is cleared."""
    import random

    from netguide import answer
    from netguide.proving.samples import random_patient
    from netguide.results import Evaluation

    monkeypatch.setattr(answer, "MAX_GROUPED", 50)
    rng = random.Random(7)
    for _ in range(300):
        ev = evaluate(random_patient(rng))
        assert group_answer(ev) == answer._group(ev.recommendations)
        assert group_answer(ev) is group_answer(ev)
    for i in range(300):  # fresh objects each time, with contents that differ from one to the next
        recs = (_rec(f"r{i}", "recommend", ["CAPTEM"] if i % 2 else ["SSA"], f"q{i}", provisional=i % 3 == 0),)
        ev = Evaluation(recs, (), (), "v")
        assert group_answer(ev) == answer._group(recs)
        assert group_answer(ev)[0].items[0].rule_ids == (f"r{i}",)
        del ev, recs
    assert len(answer._GROUPED) <= 50
