"""pytest collects scenarios/*.yaml and scenarios/<folder>/*.yaml (the independent cases in scenarios/independent/):
one item per scenario, failures reported at the scenario's YAML line.

Loaded with `-p netguide.pytest_plugin` (pyproject addopts), not an entry point, so installing netguide does
not change other projects' test runs. A scenario with `known_gap` must fail (strict xfail) until it is fixed.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from netguide.errors import ScenarioError
from netguide.proving.scenarios import (
    Scenario,
    load_scenario_file,
    render_result,
    run_scenario,
)


class ScenarioMismatch(Exception):
    """The answer does not match the scenario's expectations (a domain failure, shown without Python frames)."""

    def __init__(self, result):
        self.result = result
        super().__init__(render_result(result))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("netguide_rules", "rules folder the scenarios run against (default: the shipped rules)", default="")


def pytest_collect_file(parent: pytest.Collector, file_path: Path):
    in_scenarios = file_path.parent.name == "scenarios" or file_path.parent.parent.name == "scenarios"
    if file_path.suffix == ".yaml" and in_scenarios and file_path.name != "README.yaml":
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self):
        try:
            scenarios = load_scenario_file(self.path)
        except ScenarioError as exc:
            raise self.CollectError("\n".join(str(p) for p in exc.problems)) from None
        for s in scenarios:
            item = ScenarioItem.from_parent(self, name=s.name, scenario=s)
            if s.spec.known_gap:
                item.add_marker(pytest.mark.xfail(reason=s.spec.known_gap, strict=True, raises=ScenarioMismatch))
            yield item


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kwargs):
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        rules = self.config.getini("netguide_rules") or None
        result = run_scenario(self.scenario, (self.config.rootpath / rules) if rules else None)
        if not result.passed:
            raise ScenarioMismatch(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ScenarioMismatch):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.scenario.location.line - 1, f"scenario: {self.name}"
