"""Scenario matching: expect and forbid matchers, missing facts and findings, shared by CLI and pytest."""
from __future__ import annotations

from pathlib import Path

import pytest

from netguide.errors import ScenarioError
from netguide.evaluation import Runtime
from netguide.rulebook import load_rulebook
from netguide.scenarios import Matcher, load_scenarios, run_scenario
from netguide.results import Recommendation

DATA = Path(__file__).parent / "data"
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
