"""The pytest plugin: scenarios are items, failures point at the YAML line with no Python traceback."""
from __future__ import annotations

import shutil

import pytest
from needs import TESTS

pytest_plugins = ["pytester"]
DATA = TESTS / "data"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copytree(DATA / "scenarios_basic" / "scenarios", pytester.path / "scenarios")
    shutil.copytree(DATA / "rulebooks" / "basic", pytester.path / "rules")
    pytester.makeini("[pytest]\naddopts = -p netguide.pytest_plugin\nnetguide_rules = rules\n")
    return pytester


def test_each_scenario_is_an_item_with_pass_fail_and_strict_known_gaps(project: pytest.Pytester):
    """One item per scenario: the right one passes, the wrong one fails, the known gap is an expected failure."""
    result = project.runpytest("scenarios")
    result.assert_outcomes(passed=1, failed=1, xfailed=1)


def test_a_failure_is_reported_at_the_yaml_line_without_a_traceback(project: pytest.Pytester):
    """The failure names scenarios/features.yaml and the expect line, shows what came back, and no Python frames."""
    result = project.runpytest("scenarios", "-k", "wrong_expectation")
    out = result.stdout.str()
    assert "scenarios/features.yaml:13:9: expected" in out and "scenario 'basic_wrong_expectation' failed" in out
    assert "expected {rule=features.grade_g3, kind=recommended}" in out
    assert "not_recommended ['CHEMOTHERAPY']  (features.general_no_chemo)" in out
    assert "Traceback" not in out and "def runtest" not in out and ".py:" not in out.split("short test summary")[0]


def test_a_fixed_known_gap_turns_red(project: pytest.Pytester):
    """A known_gap scenario that starts passing fails (strict xfail), so gaps cannot go stale."""
    path = project.path / "scenarios" / "features.yaml"
    path.write_text(path.read_text().replace("expect:\n      - {kind: preferred}", "expect:\n      - {kind: not_recommended}"))
    result = project.runpytest("scenarios", "-k", "known_gap")
    result.assert_outcomes(failed=1)


def test_a_malformed_scenario_file_is_a_collection_error_with_its_line(project: pytest.Pytester):
    """A scenario file with an unknown key fails collection, naming file:line and the key."""
    (project.path / "scenarios" / "broken.yaml").write_text(
        "format: 1\nscenarios:\n  - name: x\n    patient: {}\n    quote: a quote long enough\n    expekt: []\n")
    result = project.runpytest("scenarios")
    out = result.stdout.str()
    assert "scenarios/broken.yaml:6:5: unknown-key: 'expekt'" in out
