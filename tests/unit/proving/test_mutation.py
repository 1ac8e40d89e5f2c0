"""netguide mutate: the mutation operators, killing and surviving mutants, and the score (tiny rulebook only)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netguide import conditions

from netguide.proving import mutation
from netguide.proving.mutation import Mutant, Outcome, Report, generate_mutants, mutate, select
from needs import TESTS

HERE = TESTS
DATA = HERE / "data" / "mutation"
RULES, STRONG, WEAK = DATA / "rules", DATA / "scenarios", DATA / "scenarios_weak"

EXPECTED = {
    "tiny.g3_chemo": {
        "drop_condition": {"drop 'grade'", "drop 'ki67_percent'"},
        "flip_comparison": {"grade: G3 -> not G3", "ki67_percent: above 20 -> at_most 20"},
        "move_threshold": {"ki67_percent: above 20 -> above 15", "ki67_percent: above 20 -> above 25"},
        "swap_value": {"grade: G3 -> G1", "grade: G3 -> G2"},
        "drop_intervention": {"drop intervention CHEMOTHERAPY", "drop intervention CAPTEM"},
    },
    "tiny.prior_ssa": {
        "drop_condition": {"drop 'prior_therapies'", "drop 'bulky_disease'", "drop 'any'", "drop any[0]",
                           "drop any[1]"},
        "flip_comparison": {"prior_therapies: includes SSA -> excludes SSA", "bulky_disease: true -> false",
                            "ecog_ps: at_least 2 -> below 2",
                            'stage: ["localized", "advanced"] -> not ["localized", "advanced"]'},
        "move_threshold": {"ecog_ps: at_least 2 -> at_least 1", "ecog_ps: at_least 2 -> at_least 3"},
        "swap_value": {'stage: ["localized", "advanced"] -> ["locally_advanced", "advanced"]',
                       'stage: ["localized", "advanced"] -> ["localized", "locally_advanced"]'},
        "drop_intervention": {"drop intervention PRRT"},
    },
    "tiny.sstr_unknown": {
        "drop_condition": {"drop 'sstr_imaging'", "drop 'grade'"},
        "flip_comparison": {"sstr_imaging: known false -> true", "grade: not G1 -> G1"},
        "swap_value": {"grade: not G1 -> not G2", "grade: not G1 -> not G3"},
    },
    "tiny.functioning": {
        "drop_condition": {"drop 'functioning' (when: always)"},
        "flip_comparison": {"functioning: true -> false"},
    },
    "tiny.captem_caution": {
        "drop_condition": {"drop 'grade' (when: always)"},
        "flip_comparison": {"grade: G3 -> not G3"},
        "swap_value": {"grade: G3 -> G1", "grade: G3 -> G2"},
        "drop_intervention": {"drop intervention CAPTEM"},
    },
}


@pytest.fixture(scope="module")
def generated():
    return generate_mutants(RULES)


@pytest.fixture(scope="module")
def strong():
    return mutate(RULES, STRONG, jobs=2)


@pytest.fixture(scope="module")
def weak():
    return mutate(RULES, WEAK, jobs=2)


def _by_description(report: Report, rule_id: str, description: str) -> Outcome:
    return next(o for o in report.outcomes if o.mutant.rule_id == rule_id and o.mutant.description == description)


def test_every_operator_produces_exactly_the_expected_mutants(generated):
    """Each rule's mutants, by operator, are exactly the single changes the operators define; fallbacks have none."""
    mutants, _, _ = generated
    got: dict[str, dict[str, set[str]]] = {}
    for m in mutants:
        got.setdefault(m.rule_id, {}).setdefault(m.operator, set()).add(m.description)
    assert got == EXPECTED
    assert len(mutants) == sum(len(d) for ops in EXPECTED.values() for d in ops.values())


def test_each_mutant_is_located_at_the_line_it_changes(generated):
    """A mutant's file:line points into the unmutated file at the key or item it changes."""
    mutants, _, _ = generated
    lines = (RULES / "tiny.yaml").read_text().splitlines()
    for m in mutants:
        assert m.file.endswith("tiny.yaml")
        text = lines[m.line - 1]
        word = m.description.split("'")[1] if m.description.startswith("drop '") else None
        if word:
            assert word in text, (m, text)
        elif m.operator == "drop_intervention":
            assert "interventions" in text


def test_each_mutant_changes_its_rule_and_nothing_else(generated):
    """Applying a mutant changes exactly one rule of the file, and a mutated condition differs from the original."""
    mutants, datas, _ = generated
    original = datas["tiny.yaml"]
    for m in mutants:
        mutated = m.apply(original)
        changed = [i for i, (a, b) in enumerate(zip(original["rules"], mutated["rules"])) if a != b]
        assert len(changed) == 1 and mutated["rules"][changed[0]]["id"] == m.rule_id
        if m.operator != "drop_intervention":
            before, _ = conditions.parse_condition(original["rules"][changed[0]]["when"], ("when",))
            after, _ = conditions.parse_condition(mutated["rules"][changed[0]]["when"], ("when",))
            assert after is not None and after != before
    assert original == yaml.safe_load((RULES / "tiny.yaml").read_text())  # the parsed data is never changed


def test_a_weak_scenario_set_lets_a_moved_threshold_survive_and_a_stronger_one_kills_it(weak, strong):
    """Ki-67 above 20 -> above 25 survives a patient at 50 %, and is killed by a patient at 21 %."""
    desc = "ki67_percent: above 20 -> above 25"
    assert _by_description(weak, "tiny.g3_chemo", desc).status == "survived"
    killed = _by_description(strong, "tiny.g3_chemo", desc)
    assert killed.status == "killed" and killed.detail == "tiny_g3_just_above"
    assert strong.count("killed") > weak.count("killed")


def test_a_mutant_whose_rules_do_not_load_is_invalid_not_killed(strong):
    """Dropping the only regimen of a caution makes the rule file invalid: counted apart from killed mutants."""
    o = _by_description(strong, "tiny.captem_caution", "drop intervention CAPTEM")
    assert o.status == "invalid" and "caution" in o.detail
    assert strong.count("invalid") == 1


def test_survivors_are_listed_by_file_line_operator_and_rule(weak):
    """Each survivor reads `file:line: operator: description (rule id)`."""
    lines = [mutation.survivor_line(o) for o in weak.survivors()]
    assert any(line.endswith("tiny.yaml:9: move_threshold: ki67_percent: above 20 -> above 25 (tiny.g3_chemo)")
               for line in lines)
    assert len(lines) == weak.count("survived")


def _outcome(i: int, status: str, operator: str = "drop_condition") -> Outcome:
    return Outcome(Mutant(i, "r/x.yaml", i + 1, "x.rule", operator, f"change {i}", ("rules", 0)), status)


def test_the_score_is_killed_over_valid_mutants():
    """Score = killed / (killed + survived); invalid mutants count in neither; no valid mutant gives no score."""
    rep = Report(6, [_outcome(0, "killed"), _outcome(1, "killed"), _outcome(2, "killed", "swap_value"),
                     _outcome(3, "survived", "swap_value"), _outcome(4, "invalid"), _outcome(5, "invalid")], 3, [], 0.1, 2)
    assert (rep.valid, rep.score) == (4, 0.75)
    assert rep.by_operator() == {"drop_condition": {"killed": 2, "invalid": 2}, "swap_value": {"killed": 1, "survived": 1}}
    assert Report(1, [_outcome(0, "invalid")], 3, [], 0.1, 2).score is None


def test_a_sample_is_seeded_and_keeps_generation_order(generated):
    """--sample N --seed S picks the same N mutants every time, in generation order."""
    mutants, _, _ = generated
    a, b = select(mutants, 10, seed=1), select(mutants, 10, seed=1)
    assert a == b and len(a) == 10 and [m.id for m in a] == sorted(m.id for m in a)
    assert select(mutants, None, 1) == mutants and select(mutants, 10_000, 1) == mutants


def test_mutate_exits_1_below_the_minimum_score_and_writes_the_survivors(tmp_path: Path, capsys):
    """The command fails below --min-score, passes at or above it, and writes survivors to --survivors."""
    from netguide.cli import main

    out = tmp_path / "survivors.txt"
    args = ["--rules", str(RULES), "--scenarios", str(WEAK), "--sample", "8", "--survivors", str(out)]
    assert main(["mutate", *args, "--min-score", "1.0"]) == 1
    assert "score:" in capsys.readouterr().out and out.read_text().count("\n") >= 1
    assert main(["mutate", *args, "--min-score", "0"]) == 0


def test_a_survivor_comes_with_a_patient_on_whom_the_mutated_condition_differs(generated, weak):
    """distinguishing_patient gives facts on which exactly one of the original and mutated conditions is TRUE."""
    mutants, datas, _ = generated
    for m in mutants:
        kind, patient = mutation.distinguishing_patient(m, datas)
        if m.operator == "drop_intervention":
            assert kind == "fires" and patient is not None
            continue
        assert kind == "differs", m
        index = m.edit[1]
        before, _ = conditions.parse_condition(datas["tiny.yaml"]["rules"][index]["when"], ("when",))
        after, _ = conditions.parse_condition(m.apply(datas["tiny.yaml"])["rules"][index]["when"], ("when",))
        assert (conditions.evaluate3(before, patient)[0] is True) != (conditions.evaluate3(after, patient)[0] is True)
    assert "ki67_percent" in weak.hint(_by_description(weak, "tiny.g3_chemo", "ki67_percent: above 20 -> above 25"))


# ------------------------------------------------------------------------------------- the shipped rulebook

REPO = HERE.parent
SHIPPED_SAMPLE = 150  # mutants; the full run (~3,500 mutants, ~5 minutes on two cores) is `netguide mutate`


def test_a_fixed_sample_of_the_shipped_rules_mutants_is_killed_by_the_scenario_suite():
    """A seeded sample of the shipped rules' mutants (the same sample for the same rules): the scenario suite
    kills at least 90 % of them, so a scenario change that stops pinning where the rules apply fails CI."""
    rep = mutate(REPO / "rules", REPO / "scenarios", sample=SHIPPED_SAMPLE, seed=1, jobs=2)
    assert rep.excluded_scenarios == [], "every scenario passes on the unmutated rules"
    assert rep.score is not None and rep.score >= 0.9, [mutation.survivor_line(o) for o in rep.survivors()]


@pytest.mark.long
def test_every_mutant_of_the_shipped_rules_scores_at_least_90_percent():
    """The full mutation run of the shipped rules: killed / (killed + survived) is at least 90 %."""
    rep = mutate(REPO / "rules", REPO / "scenarios", jobs=2)
    assert rep.score is not None and rep.score >= 0.9, [mutation.survivor_line(o) for o in rep.survivors()]
