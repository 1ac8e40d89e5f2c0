"""The condition language: parsing, three-valued (Kleene) truth, negation normal form and alternatives."""
import pytest

from netguide import conditions as c
from netguide.conditions import UNKNOWN, evaluate3, parse_condition


def cond(raw):
    parsed, problems = parse_condition(raw)
    assert problems == [], problems
    return parsed


@pytest.mark.parametrize("raw,facts,expected", [
    ({"grade": "G3"}, {"grade": "G3"}, True),
    ({"grade": "G3"}, {"grade": "G2"}, False),
    ({"grade": "G3"}, {}, UNKNOWN),
    ({"grade": ["G1", "G2"]}, {"grade": "G2"}, True),
    ({"grade": {"not": "G3"}}, {}, UNKNOWN),
    ({"grade": {"not": ["G1", "G2"]}}, {"grade": "G3"}, True),
    ({"ki67_percent": {"above": 10}}, {"ki67_percent": 10}, False),
    ({"ki67_percent": {"above": 10}}, {"ki67_percent": 10.000001}, True),
    ({"ki67_percent": {"at_least": 20}}, {"ki67_percent": 20}, True),
    ({"ki67_percent": {"below": 3}}, {"ki67_percent": 3}, False),
    ({"ki67_percent": {"above": 3, "at_most": 20}}, {"ki67_percent": 20}, True),
    ({"ecog_ps": {"at_least": 2}}, {"ecog_ps": 2}, True),
    ({"bulky_disease": True}, {"bulky_disease": False}, False),
    ({"prior_therapies": {"includes": "SSA"}}, {"prior_therapies": []}, False),
    ({"prior_therapies": {"includes": ["SSA", "PRRT"]}}, {"prior_therapies": ["PRRT"]}, True),
    ({"prior_therapies": {"excludes": "SSA"}}, {"prior_therapies": []}, True),
    ({"prior_therapies": {"excludes": "SSA"}}, {}, UNKNOWN),
    ({"sstr_imaging": {"known": False}}, {}, True),
    ({"sstr_imaging": {"known": True}}, {}, False),
    ({"prior_therapies": {"known": True}}, {"prior_therapies": []}, True),
])
def test_each_operator_on_known_and_absent_facts(raw, facts, expected):
    """Each operator gives TRUE/FALSE on known facts and UNKNOWN on absent ones (except `known`)."""
    assert evaluate3(cond(raw), facts)[0] is expected


# Kleene's truth table, cell by cell: T = grade G3 (given G3), F = grade G3 (given G2), N = unknown (absent).
T, F, N = {"grade": "G3"}, {"stage": "localized"}, {"progression": "stable"}
FACTS = {"grade": "G3", "stage": "advanced"}  # progression absent


@pytest.mark.parametrize("combo,expected", [
    ({"all": [T, T]}, True), ({"all": [T, F]}, False), ({"all": [T, N]}, UNKNOWN),
    ({"all": [F, N]}, False), ({"all": [N, N]}, UNKNOWN),
    ({"any": [T, N]}, True), ({"any": [F, N]}, UNKNOWN), ({"any": [F, F]}, False), ({"any": [N, N]}, UNKNOWN),
    ({"not": T}, False), ({"not": F}, True), ({"not": N}, UNKNOWN),
])
def test_three_valued_logic_cell_by_cell(combo, expected):
    """false AND unknown = false, true OR unknown = true; otherwise unknown stays unknown."""
    assert evaluate3(cond(combo), FACTS)[0] is expected


def test_unknown_reports_only_the_facts_that_keep_it_unknown():
    """A rule decided FALSE by a known fact waits on nothing; an UNKNOWN one waits on its absent facts."""
    rule = cond({"grade": "G3", "sstr_imaging": "positive", "any": [{"bulky_disease": True}, {"symptomatic": True}]})
    assert evaluate3(rule, {"grade": "G2"}) == (False, frozenset())
    assert evaluate3(rule, {"grade": "G3", "bulky_disease": True}) == (UNKNOWN, frozenset({"sstr_imaging"}))
    assert evaluate3(rule, {"grade": "G3"})[1] == {"sstr_imaging", "bulky_disease", "symptomatic"}


def test_negation_normal_form_preserves_three_valued_truth():
    """Pushing `not` down to the tests changes no truth value, on known or absent facts."""
    raw = {"not": {"any": [{"grade": "G3"}, {"all": [{"ki67_percent": {"above": 10}}, {"prior_therapies": {"excludes": "SSA"}}]}]}}
    parsed = cond(raw)
    nnf = c.negation_normal_form(parsed)
    assert not any(isinstance(n, c.Not) for n in _walk(nnf))
    for facts in ({}, {"grade": "G3"}, {"grade": "G2"}, {"grade": "G2", "ki67_percent": 11, "prior_therapies": []},
                  {"grade": "G2", "ki67_percent": 9}, {"ki67_percent": 11, "prior_therapies": ["SSA"]}):
        assert evaluate3(parsed, facts)[0] is evaluate3(nnf, facts)[0]


def _walk(node):
    yield node
    for child in getattr(node, "items", ()):
        yield from _walk(child)
    if isinstance(node, c.Not):
        yield from _walk(node.item)


@pytest.mark.parametrize("raw,code", [
    ({"ki_67": 3}, "unknown-fact"),
    ({"grade": "G4"}, "unknown-value"),
    ({"grade": {"above": 1}}, "invalid-operator"),
    ({"ki67_percent": {"abov": 1}}, "invalid-operator"),
    ({"ki67_percent": {"above": 120}}, "invalid-value"),
    ({"ki67_percent": {"above": "10"}}, "invalid-value"),
    ({"prior_therapies": "SSA"}, "invalid-operator"),
    ({"prior_therapies": {"includes": "SSSA"}}, "unknown-intervention"),
    ({"bulky_disease": "yes"}, "unknown-value"),
    ({"any": []}, "invalid-condition"),
    ({}, "invalid-condition"),
    ({"grade": ["G1", "G1"]}, "duplicate-value"),
])
def test_each_mistake_in_a_condition_is_a_named_problem(raw, code):
    """Unknown facts, values and codes, and operators that do not fit a fact's type, are reported."""
    parsed, problems = parse_condition(raw)
    assert parsed is None and [p.code for p in problems] == [code]


def test_always_is_true_for_everyone():
    """`when: always` (fallbacks only) is TRUE for any facts, including none."""
    parsed, problems = parse_condition("always", ("rules", 0, "when"))
    assert problems == [] and evaluate3(parsed, {})[0] is True


def test_the_rule_index_never_drops_a_condition_that_is_not_false():
    """RuleIndex.candidates keeps every condition that is TRUE or UNKNOWN; only FALSE ones may be left out."""
    import itertools

    conds = [cond(r) for r in (
        {"grade": "G3", "primary_site": ["pancreas", "lung"]},
        {"all": [{"grade": ["G1", "G2"]}, {"bulky_disease": True}]},
        {"any": [{"grade": "G3"}, {"stage": "advanced"}]},
        {"not": {"grade": "G3"}},
        {"grade": "G2", "ki67_percent": {"above": 10}},
        {"sstr_imaging": {"known": False}, "stage": "advanced"},
    )]
    index = c.RuleIndex(conds)
    values = {"grade": [None, "G1", "G2", "G3"], "primary_site": [None, "pancreas", "colorectal"],
              "bulky_disease": [None, True, False], "stage": [None, "advanced", "localized"],
              "ki67_percent": [None, 10, 11], "sstr_imaging": [None, "positive"]}
    for combo in itertools.product(*values.values()):
        facts = {k: v for k, v in zip(values, combo) if v is not None}
        kept = index.candidates(facts)
        for i, cd in enumerate(conds):
            if i not in kept:
                assert evaluate3(cd, facts)[0] is False, (i, facts)


def test_the_relaxed_predicate_is_false_exactly_when_kleene_is_false():
    """relaxed_predicate is False iff the three-valued value is FALSE; its strict form is True iff it is TRUE."""
    import itertools

    raws = [{"grade": "G3", "primary_site": ["pancreas", "lung"]},
            {"not": {"any": [{"grade": "G3"}, {"ki67_percent": {"above": 10}}]}},
            {"prior_therapies": {"excludes": ["SSA", "PRRT"]}, "sstr_imaging": {"known": False}},
            {"any": [{"bulky_disease": True}, {"ecog_ps": {"at_least": 2}}], "grade": {"not": ["G1", "G2"]}}]
    values = {"grade": [None, "G1", "G3"], "primary_site": [None, "lung", "colorectal"], "ki67_percent": [None, 10, 10.5],
              "prior_therapies": [None, [], ["SSA"]], "sstr_imaging": [None, "negative"],
              "bulky_disease": [None, True, False], "ecog_ps": [None, 1, 2]}
    for raw in raws:
        parsed = cond(raw)
        pred = c.relaxed_predicate(parsed)
        strict = c.relaxed_predicate(parsed, strict=True)
        for combo in itertools.product(*values.values()):
            facts = {k: v for k, v in zip(values, combo) if v is not None}
            assert pred(facts) is not (evaluate3(parsed, facts)[0] is False), (raw, facts)
            assert strict(facts) is (evaluate3(parsed, facts)[0] is True), (raw, facts)


def test_the_waits_predicate_is_evaluate3_without_the_walk():
    """waits_predicate gives None when the condition is TRUE or FALSE and, when it is UNKNOWN, exactly the facts
    evaluate3 says it waits on: on every combination of these values, and on every shipped rule's condition and
    exception for random patients."""
    import itertools
    import random

    from netguide.patient import parse_patient
    from netguide.proving.samples import random_patient
    from netguide.rulebook.loader import load_rulebook

    raws = [{"grade": "G3", "primary_site": ["pancreas", "lung"]},
            {"not": {"any": [{"grade": "G3"}, {"ki67_percent": {"above": 10}}]}},
            {"prior_therapies": {"excludes": ["SSA", "PRRT"]}, "sstr_imaging": {"known": False}},
            {"any": [{"bulky_disease": True}, {"ecog_ps": {"at_least": 2}}], "grade": {"not": ["G1", "G2"]}},
            {"any": [{"prior_therapies": {"empty": True}}, {"all": [{"grade": "G1"}]}]}]
    values = {"grade": [None, "G1", "G3"], "primary_site": [None, "lung", "colorectal"], "ki67_percent": [None, 10, 10.5],
              "prior_therapies": [None, [], ["SSA"]], "sstr_imaging": [None, "negative"],
              "bulky_disease": [None, True, False], "ecog_ps": [None, 1, 2]}

    def agrees(parsed, pred, facts):
        value, waits = evaluate3(parsed, facts)
        assert pred(facts) == (waits if value is UNKNOWN else None), (parsed, facts)

    for raw in raws:
        parsed = cond(raw)
        pred = c.waits_predicate(parsed)
        for combo in itertools.product(*values.values()):
            agrees(parsed, pred, {k: v for k, v in zip(values, combo) if v is not None})
    book = load_rulebook()
    conds = [r.condition for r in book.rules] + [r.exception for r in book.rules if r.exception is not None]
    preds = [c.waits_predicate(x) for x in conds]
    rng = random.Random(3)
    for _ in range(300):
        facts = parse_patient(random_patient(rng)).known_facts()
        for parsed, pred in zip(conds, preds):
            agrees(parsed, pred, facts)
    assert c.waits_predicate(c.ALWAYS)({}) is None
    for _ in range(300):
        facts = parse_patient(random_patient(rng)).known_facts()
        mask = book.index.candidate_mask(facts)
        assert {i for i in range(len(book.rules)) if mask >> i & 1} == book.index.candidates(facts)


@pytest.mark.parametrize("raw,facts,want", [
    ({"prior_therapies": {"empty": True}}, {"prior_therapies": []}, True),
    ({"prior_therapies": {"empty": True}}, {"prior_therapies": ["SSA"]}, False),
    ({"prior_therapies": {"empty": True}}, {}, None),
    ({"prior_therapies": {"empty": False}}, {"prior_therapies": ["SSA"]}, True),
    ({"prior_therapies": {"empty": False}}, {"prior_therapies": []}, False),
    ({"not": {"prior_therapies": {"empty": True}}}, {"prior_therapies": ["SSA"]}, True),
    ({"not": {"prior_therapies": {"empty": True}}}, {}, None),
])
def test_empty_is_three_valued(raw, facts, want):
    """`{empty: true}` holds for [] (treatment-naive), fails for a list with codes, and is UNKNOWN when absent; the
    parsed condition, its negation normal form, the generated predicates and the reference agree."""
    from netguide.proving.reference import holds

    cond, problems = c.parse_condition(raw)
    assert not problems
    assert c.evaluate3(cond, facts)[0] is want
    assert c.evaluate3(c.negation_normal_form(cond), facts)[0] is want
    assert holds(raw, facts) is want
    assert c.relaxed_predicate(cond)(facts) is (want is not False)
    assert c.relaxed_predicate(cond, strict=True)(facts) is (want is True)


def test_empty_takes_a_boolean():
    _, problems = c.parse_condition({"prior_therapies": {"empty": "yes"}})
    assert [p.code for p in problems] == ["invalid-value"]
