"""netguide analyze: unreachable rules, contradictions, conflicting pairs and gaps over the tested fact space."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netguide import conditions

from netguide.proving.analysis import (ABSENT, alternatives, analyze, fact_space, pairwise_rows, render_text, strict_predicate,
                               witness)
from netguide.rulebook.loader import check_rulebook, load_rulebook
from netguide.vocabulary import BOOL, ENUM, FACTS, INTEGER, INTERVENTIONS, LIST, NUMBER
from needs import TESTS

HERE = TESTS
BOOKS = HERE / "data" / "rulebooks"
BASIC, CONTRADICTION, PAIRS = BOOKS / "basic", BOOKS / "contradiction", BOOKS / "pairs"


@pytest.fixture(scope="module")
def basic():
    return analyze(load_rulebook(BASIC))


@pytest.fixture(scope="module")
def clash():
    return analyze(load_rulebook(CONTRADICTION))


@pytest.fixture(scope="module")
def pairs():
    return analyze(load_rulebook(PAIRS))


def _run(*argv: str) -> int:
    from netguide.cli import main

    return main(["analyze", *argv])


def test_basic_rulebook_has_no_contradiction_and_no_unreachable_rule(basic):
    """The language-feature rulebook is consistent: every rule reachable, no answer contradicts itself."""
    assert basic.unreachable == [] and basic.contradictions == {} and basic.ok
    assert basic.spot_check["disagreements"] == 0 and basic.spot_check["engine_patients"] > 0


def test_every_rule_of_the_basic_rulebook_fires_somewhere_in_the_explored_space(basic):
    """Each rule is TRUE for at least one explored patient (its witness is part of the exploration)."""
    book = load_rulebook(BASIC)
    assert set(basic.true_count) == {r.id for r in book.rules}


def test_a_patient_with_no_facts_is_a_gap_waiting_on_facts(basic):
    """With nothing known only the fallback answers, and rules still wait on missing facts: a pending gap."""
    group = tuple(ABSENT for _ in basic.group_facts)
    assert basic.gaps[group].pending >= 1


def test_the_unreachable_rule_is_found_with_its_location(clash):
    """A rule whose condition cannot hold (Ki-67 above 50 and below 20) is reported unreachable at its line."""
    assert [u["rule"] for u in clash.unreachable] == ["clash.impossible"]
    assert clash.unreachable[0]["at"].endswith("clash.yaml:16:5")
    assert "clash.impossible" not in clash.true_count


def test_a_contradiction_is_found_with_an_example_patient(clash):
    """Recommended CAPTEM at G2 and not recommended above Ki-67 10: found, with a patient who gets both."""
    found = clash.contradictions[("CAPTEM", "clash.recommend_captem_g2", "clash.avoid_captem_high_ki67")]
    example = found["example"]
    assert example["grade"] == "G2" and example["ki67_percent"] > 10


def test_a_contradiction_behind_a_gate_is_found_once_the_regimen_is_proposed(clash):
    """A not_recommended shown only with DTIC contradicts the rule that prefers DTIC, which opens its gate."""
    found = clash.contradictions[("DTIC", "clash.prefer_dtic_mgmt", "clash.avoid_dtic_gated")]
    assert found["example"]["grade"] == "G3" and found["example"]["mgmt_status"] == "deficient"
    assert len(clash.contradictions) == 2


def test_analyze_exits_1_on_a_contradiction_or_unreachable_rule_and_0_otherwise(capsys):
    """The command's exit code: 1 for the defective rulebook, 0 for a consistent one."""
    assert _run("--rules", str(CONTRADICTION)) == 1
    assert "unreachable: clash.impossible" in capsys.readouterr().out
    assert _run("--rules", str(PAIRS), "--format", "json") == 0


def test_an_override_between_always_co_firing_rules_is_a_conflicting_pair_not_a_contradiction(pairs):
    """Two rules on the same patients with opposite kinds, one withdrawing the other: a conflicting pair only."""
    assert pairs.contradictions == {} and pairs.ok
    assert [(c["rules"], c["relation"]) for c in pairs.conflicting_pairs] == [
        (["pairs.prefer_tem", "pairs.avoid_tem"], "overridden_by")]
    assert pairs.never_shown() == ["pairs.prefer_tem"]


def test_an_exception_that_withdraws_the_general_rule_is_no_contradiction(pairs):
    """The bulky-disease exception recommends TEM and withdraws the advice against it: never both shown."""
    assert pairs.true_count["pairs.bulky_exception"] > 0
    assert "pairs.bulky_exception" in pairs.shown


def test_the_output_says_what_was_explored(capsys):
    """The text report names the patients evaluated, the facts varied and how fired sets were computed."""
    assert _run("--rules", str(BASIC)) == 0
    out = capsys.readouterr().out
    assert "distinct patients" in out and "facts varied" in out and "grade 4" in out
    assert "pure Python" in out and "engine on" in out


def test_the_shipped_rules_have_no_contradiction_and_no_unreachable_rule():
    """The shipped rulebook: every rule can fire, and no answer both recommends and advises against a regimen."""
    book, problems = check_rulebook()
    if book is None:
        pytest.skip("the shipped rulebook does not load yet: " + "; ".join(str(p) for p in problems[:5]))
    res = analyze(book, max_patients=20_000)  # the two verdicts do not depend on the core grid's size
    assert res.unreachable == [], res.unreachable
    assert res.contradictions == {}, list(res.contradictions.values())
    assert res.spot_check["disagreements"] == 0


# ----------------------------------------------------------------------------------------- the machinery


def _value(fact: str):
    spec = FACTS[fact]
    if spec.type == ENUM:
        return st.sampled_from(spec.values)
    if spec.type == BOOL:
        return st.booleans()
    if spec.type == INTEGER:
        return st.integers(int(spec.range[0]), int(spec.range[1]))
    if spec.type == NUMBER:
        return st.one_of(st.integers(0, 100), st.floats(0, 100).map(lambda x: round(x, 6)))
    return st.lists(st.sampled_from(sorted(INTERVENTIONS)[:6] + ["SSA", "PRRT", "EVEROLIMUS"]), max_size=4)


def _patients(facts: list[str]):
    return st.fixed_dictionaries({}, optional={f: _value(f) for f in facts})


_BOOKS = [load_rulebook(BASIC), load_rulebook(CONTRADICTION), load_rulebook(PAIRS)]
_FACTS = sorted({f for b in _BOOKS for r in b.rules for f in r.facts})


@settings(max_examples=300, deadline=None)
@given(_patients(_FACTS))
def test_the_generated_predicates_agree_with_three_valued_evaluation(patient):
    """strict_predicate(cond)(facts) is exactly conditions.evaluate3(cond, facts) being TRUE."""
    for book in _BOOKS:
        for r in book.rules:
            assert strict_predicate(r.condition)(patient) == (conditions.evaluate3(r.condition, patient)[0] is True)


@settings(max_examples=300, deadline=None)
@given(_patients(_FACTS))
def test_the_candidate_values_represent_every_value_the_tests_can_tell_apart(patient):
    """For every fact value, some candidate value gets the same result from every test of the rulebook on it."""
    for book in _BOOKS:
        space = fact_space(book)
        tests = [t for r in book.rules for t in conditions.tests_of(r.condition)]
        for fact, value in patient.items():
            if fact not in space or FACTS[fact].type == LIST:
                continue
            mine = [t for t in tests if t.fact == fact]
            want = [conditions.test_value(t, {fact: value}) for t in mine]
            assert any([conditions.test_value(t, {} if c is ABSENT else {fact: c}) for t in mine] == want
                       for c in space[fact])


def test_a_witness_satisfies_its_alternative_and_none_exists_for_a_contradictory_one():
    """witness() builds a patient for whom the conjunction is TRUE, and None when no patient can satisfy it."""
    book = load_rulebook(CONTRADICTION)
    space = fact_space(book)
    impossible = book.by_id["clash.impossible"].condition
    assert all(witness(alt, space) is None for alt in alternatives(impossible))
    basic = load_rulebook(BASIC)
    bspace = fact_space(basic)
    for r in basic.rules:
        for alt in alternatives(r.condition):
            w = witness(alt, bspace)
            assert w is not None and conditions.evaluate3(r.condition, w)[0] is True


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=0, max_size=6))
def test_a_pairwise_covering_array_covers_every_pair_of_values(sizes):
    """Every value pair of every two parameters appears in some row of pairwise_rows."""
    rows = pairwise_rows(tuple(sizes))
    for i, j in itertools.combinations(range(len(sizes)), 2):
        seen = {(row[i], row[j]) for row in rows}
        assert seen == set(itertools.product(range(sizes[i]), range(sizes[j])))
    assert all(all(0 <= v < s for v, s in zip(row, sizes)) for row in rows)


def test_a_broken_invariant_is_reported_with_a_counterexample(tmp_path):
    """An invariant the rules break (here: every G1 tumour must be proposed surgery, which no basic rule does) is
    reported by analyze with how many patients break it and one of them; analyze is then not ok."""
    import shutil

    shutil.copytree(BASIC, tmp_path / "rules")
    (tmp_path / "rules" / "invariants.yaml").write_text(
        "format: 1\ninvariants:\n  - id: g1_gets_surgery\n    title: Every G1 tumour is proposed surgery\n"
        "    for: {grade: G1}\n    propose: [SURGERY]\n"
        "    evidence: [{section: test, quote: A quote long enough to pass.}]\n")
    res = analyze(load_rulebook(tmp_path / "rules"), max_patients=5_000)
    inv = res.invariants["g1_gets_surgery"]
    assert inv["violations"] > 0 and inv["example"]["grade"] == "G1" and "SURGERY" in inv["why"]
    assert not res.ok and "invariant broken: g1_gets_surgery" in render_text(res)


def test_the_shipped_invariants_hold_over_the_ci_sample(shipped_rulebook):
    """Every shipped invariant applies somewhere in a 20,000-patient exploration, and none is broken."""
    res = analyze(shipped_rulebook, max_patients=20_000)
    assert res.invariants and all(v["checked"] > 0 for v in res.invariants.values()), res.invariants
    assert res.invariant_violations == 0, {k: v for k, v in res.invariants.items() if v["violations"]}
