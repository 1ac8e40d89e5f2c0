"""Scenario matching: expect and forbid matchers, missing facts and findings, shared by CLI and pytest."""
from __future__ import annotations

from pathlib import Path

import pytest

from netguide.errors import ScenarioError
from netguide.evaluation import Runtime
from netguide.rulebook.loader import load_rulebook
from netguide.proving.scenarios import Matcher, load_scenarios, run_scenario
from netguide.results import Recommendation
from needs import TESTS

DATA = TESTS / "data"
REC = Recommendation("a.b", "option", ("CAPTEM", "TEM"), (), "s", ())


@pytest.mark.parametrize("matcher,matches", [
    ({}, True),
    ({"rule": "a.b"}, True), ({"rule": "a.c"}, False),
    ({"kind": "option"}, True), ({"kind": "preferred"}, False),
    ({"interventions": ["TEM"]}, True), ({"interventions": ["TEM", "CAPTEM"]}, True),
    ({"interventions": ["STZ_5FU"]}, False), ({"trials": ["NCT02231762"]}, False),
    ({"rule": "a.b", "kind": "option", "interventions": ["CAPTEM"]}, True),
])
def test_a_matcher_matches_when_every_given_key_matches(matcher, matches):
    """rule and kind are equalities; interventions and trials are 'all of these are present'."""
    assert Matcher(**matcher).matches(REC) is matches


def test_matchers_refuse_unknown_codes():
    """A misspelt code in a scenario is an error, not a matcher that can never match."""
    with pytest.raises(Exception):
        Matcher(interventions=["CAPETEM"])


def test_results_report_each_unmet_expectation_at_its_line():
    """A failing scenario lists each failure with the line of the matcher that failed."""
    rt = Runtime.build(load_rulebook(DATA / "rulebooks" / "basic"))
    scenarios = {s.name: s for s in load_scenarios(DATA / "scenarios_basic" / "scenarios")}
    assert run_scenario(scenarios["basic_bulky_exception"], rt).passed
    res = run_scenario(scenarios["basic_wrong_expectation"], rt)
    assert not res.passed and [loc.line for loc, _ in res.failures] == [13]


def test_duplicate_scenario_names_are_refused(tmp_path: Path):
    """Scenario names are unique across files, so -k selects the same cases in pytest and the CLI."""
    text = (DATA / "scenarios_basic" / "scenarios" / "features.yaml").read_text()
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text)
    with pytest.raises(ScenarioError) as exc:
        load_scenarios(tmp_path)
    assert "duplicate-name" in str(exc.value)


def test_invalid_patient_in_a_scenario_is_a_failure_naming_the_field(tmp_path: Path):
    """A scenario whose patient is invalid fails with the field named, never crashes."""
    (tmp_path / "x.yaml").write_text("format: 1\nscenarios:\n  - name: bad_patient\n    patient: {grade: G7}\n"
                                     "    quote: a quote long enough\n")
    (s,) = load_scenarios(tmp_path)
    res = run_scenario(s, Runtime.build(load_rulebook(DATA / "rulebooks" / "basic")))
    assert not res.passed and "grade" in res.failures[0][1]


VARIED = """format: 1
scenarios:
  - name: general_rule_for_g1_and_g2
    patient: {grade: G1, bulky_disease: false}
    vary:
      grade: [G1, G2]
      bulky_disease: [false, null]
    expect:
      - {rule: features.general_no_chemo}
    quote: a quote long enough
  - name: varied_value_breaks_it
    patient: {grade: G1}
    vary:
      grade: [G2, G3]
    expect:
      - {rule: features.general_no_chemo}
    quote: a quote long enough
  - name: varied_value_invalid
    patient: {}
    vary:
      grade: [G7]
    quote: a quote long enough
"""


def _varied(tmp_path: Path) -> dict:
    (tmp_path / "v.yaml").write_text(VARIED)
    return {s.name: s for s in load_scenarios(tmp_path)}


def test_vary_runs_one_case_per_combination_with_null_as_absent(tmp_path: Path):
    """`vary` expands a scenario into one case per combination of values, in file order, named by its values;
    a null value leaves the fact out of the patient (unknown)."""
    cases = _varied(tmp_path)
    names = [n for n in cases if n.startswith("general_rule_for_g1_and_g2")]
    assert names == ["general_rule_for_g1_and_g2[grade=G1,bulky_disease=False]",
                     "general_rule_for_g1_and_g2[grade=G1,bulky_disease=absent]",
                     "general_rule_for_g1_and_g2[grade=G2,bulky_disease=False]",
                     "general_rule_for_g1_and_g2[grade=G2,bulky_disease=absent]"]
    assert cases[names[1]].patient == {"grade": "G1"}
    assert cases[names[2]].patient == {"grade": "G2", "bulky_disease": False}
    rt = Runtime.build(load_rulebook(DATA / "rulebooks" / "basic"))
    assert all(run_scenario(cases[n], rt).passed for n in names)


def test_each_variant_passes_or_fails_on_its_own(tmp_path: Path):
    """Expectations hold for every variant separately: the G2 variant passes, the G3 one fails at its matcher."""
    cases = _varied(tmp_path)
    rt = Runtime.build(load_rulebook(DATA / "rulebooks" / "basic"))
    assert run_scenario(cases["varied_value_breaks_it[grade=G2]"], rt).passed
    res = run_scenario(cases["varied_value_breaks_it[grade=G3]"], rt)
    assert not res.passed and [loc.line for loc, _ in res.failures] == [16]


def test_an_invalid_varied_value_is_reported_at_the_vary_line(tmp_path: Path):
    """A value under `vary` that is not allowed for its fact fails the case at the line of that fact in `vary`."""
    res = run_scenario(_varied(tmp_path)["varied_value_invalid[grade=G7]"],
                       Runtime.build(load_rulebook(DATA / "rulebooks" / "basic")))
    assert not res.passed
    loc, message = res.failures[0]
    assert loc.line == 21 and "grade" in message and "G7" in message
