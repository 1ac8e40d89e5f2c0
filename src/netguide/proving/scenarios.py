"""Scenario files: a patient, what the review supports (expect), what it rules out (forbid), and why (quote).

One loader and one runner, shared by `netguide scenarios` and the pytest plugin, so both judge a case alike.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from netguide.errors import Location, PatientFactError, Problem, ScenarioError
from netguide.evaluation import RulebookLike, evaluate
from netguide.results import Evaluation, Recommendation
from netguide.rulebook.problems import pydantic_problems
from netguide.rulebook.schema import InterventionCode, Kind, TrialNumber
from netguide.rulebook.source import Locator, YamlLoadError, display_path, load

NAME_PATTERN = r"^[a-z0-9_]+$"


class Matcher(BaseModel):
    """Matches a recommendation when every key given matches."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: str | None = None
    kind: Kind | None = None
    interventions: list[InterventionCode] = Field(default_factory=list)
    trials: list[TrialNumber] = Field(default_factory=list)
    # true: the advice must be provisional (shown provided that ...); false: definite; absent: either.
    provisional: bool | None = None

    def matches(self, rec: Recommendation) -> bool:
        return ((self.rule is None or rec.rule_id == self.rule)
                and (self.kind is None or rec.kind == self.kind)
                and set(self.interventions) <= set(rec.interventions)
                and set(self.trials) <= set(rec.trials)
                and (self.provisional is None or rec.provisional == self.provisional))

    def describe(self) -> str:
        parts = [f"rule={self.rule}" if self.rule else "", f"kind={self.kind}" if self.kind else "",
                 f"interventions⊇{self.interventions}" if self.interventions else "",
                 f"trials⊇{self.trials}" if self.trials else "",
                 "" if self.provisional is None else f"provisional={str(self.provisional).lower()}"]
        return "{" + ", ".join(p for p in parts if p) + "}"


class ScenarioSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=NAME_PATTERN)
    description: str | None = None
    patient: dict[str, Any]
    # Run the case once per value (per combination, for several facts): the same expectations must hold for
    # every variant. A null value means the fact is absent (unknown) in that variant.
    vary: dict[str, list[Any]] = Field(default_factory=dict)
    expect: list[Matcher] = Field(default_factory=list)
    forbid: list[Matcher] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    findings: list[str] = Field(default_factory=list)
    quote: str = Field(min_length=10)
    covers: list[str] = Field(default_factory=list)
    known_gap: str | None = None


class ScenarioFileSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    format: int = Field(ge=1, le=1)
    scenarios: list[ScenarioSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Scenario:
    """One case to run: a scenario of a file, or one variant of a scenario that has `vary`."""

    spec: ScenarioSpec
    path: str
    locator: Locator
    index: int
    variant: tuple[tuple[str, Any], ...] = ()  # the varied facts and their values in this variant

    @property
    def name(self) -> str:
        """The case's name; a variant adds its values, e.g. g3_first_choice[primary_site=pancreas]."""
        if not self.variant:
            return self.spec.name
        label = ",".join(f"{fact}={'absent' if value is None else value}" for fact, value in self.variant)
        return f"{self.spec.name}[{label}]"

    @property
    def patient(self) -> dict[str, Any]:
        """The facts evaluated: the scenario's patient with this variant's values (absent where null)."""
        facts = dict(self.spec.patient)
        for fact, value in self.variant:
            if value is None:
                facts.pop(fact, None)
            else:
                facts[fact] = value
        return facts

    @property
    def location(self) -> Location:
        return self.locator.find(("scenarios", self.index, "name"))

    def where(self, *keys: Any) -> Location:
        return self.locator.find(("scenarios", self.index) + keys)


@dataclass
class ScenarioResult:
    scenario: Scenario
    evaluation: Evaluation | None
    failures: list[tuple[Location, str]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def load_scenario_file(path: Path | str) -> list[Scenario]:
    """Load one scenario file; raise ScenarioError naming every problem at its line."""
    shown = display_path(Path(path))
    try:
        data, locator = load(path, shown)
    except YamlLoadError as exc:
        raise ScenarioError([exc.problem]) from None
    try:
        spec = ScenarioFileSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(pydantic_problems(exc, locator, ScenarioFileSpec)) from None
    return [Scenario(s, shown, locator, i, variant) for i, s in enumerate(spec.scenarios) for variant in _variants(s)]


def _variants(spec: ScenarioSpec) -> list[tuple[tuple[str, Any], ...]]:
    """Every combination of the `vary` values, in file order; one empty variant when nothing varies."""
    facts = list(spec.vary)
    return [tuple(zip(facts, values)) for values in itertools.product(*(spec.vary[f] for f in facts))] or [()]


def load_scenarios(directory: Path | str = "scenarios") -> list[Scenario]:
    """Every scenario of every *.yaml file in `directory` and its folders (scenarios/independent/: the cases written
    from the review alone); names must be unique across files."""
    problems: list[Problem] = []
    out: list[Scenario] = []
    root = Path(directory)
    for path in sorted(list(root.glob("*.yaml")) + list(root.glob("*/*.yaml"))):
        try:
            out += load_scenario_file(path)
        except ScenarioError as exc:
            problems += exc.problems
    seen: dict[str, Scenario] = {}
    for s in out:
        if s.name in seen:
            problems.append(Problem("duplicate-name", f"scenario '{s.name}' is already defined at {seen[s.name].location}",
                                    s.location, field="name", value=s.name))
        seen.setdefault(s.name, s)
    if problems:
        raise ScenarioError(problems)
    return out


def run_scenario(scenario: Scenario, rulebook: RulebookLike = None) -> ScenarioResult:
    """Evaluate the scenario's patient and compare the answer with its expectations."""
    spec = scenario.spec
    try:
        ev = evaluate(scenario.patient, rulebook)
    except PatientFactError as exc:
        varied = {fact for fact, _ in scenario.variant}
        return ScenarioResult(scenario, None, [
            (scenario.where(*(("vary", p.field) if p.field in varied else ("patient",))), f"invalid patient: {p}")
            for p in exc.problems])
    failures: list[tuple[Location, str]] = []
    for i, m in enumerate(spec.expect):
        if not any(m.matches(r) for r in ev.recommendations):
            failures.append((scenario.where("expect", i), f"expected {m.describe()}, but no recommendation matches"))
    for i, m in enumerate(spec.forbid):
        hits = [r.rule_id for r in ev.recommendations if m.matches(r)]
        if hits:
            failures.append((scenario.where("forbid", i), f"forbidden {m.describe()}, but matched by {', '.join(hits)}"))
    missing = {m.fact for m in ev.missing_facts}
    for i, fact in enumerate(spec.missing):
        if fact not in missing:
            failures.append((scenario.where("missing", i), f"expected '{fact}' among missing facts "
                             f"(got: {', '.join(sorted(missing)) or 'none'})"))
    codes = {f.code for f in ev.findings}
    for i, code in enumerate(spec.findings):
        if code not in codes:
            failures.append((scenario.where("findings", i), f"expected finding '{code}' (got: {', '.join(sorted(codes)) or 'none'})"))
    return ScenarioResult(scenario, ev, failures)


def render_result(result: ScenarioResult) -> str:
    """A failing scenario as a clinician-readable report: where, what was expected, what came back, and why."""
    s = result.scenario
    lines = [f"{s.location}: scenario '{s.name}' failed"]
    for loc, msg in result.failures:
        lines.append(f"  {loc}: {msg}")
    lines.append("  patient: " + ", ".join(f"{k}={v}" for k, v in s.patient.items()))
    if result.evaluation is not None:
        lines.append("  got:")
        for r in result.evaluation.recommendations:
            extra = f" {list(r.interventions)}" if r.interventions else ""
            extra += f" {list(r.trials)}" if r.trials else ""
            lines.append(f"    {r.kind}{extra}{' (provisional)' if r.provisional else ''}  ({r.rule_id})")
        if result.evaluation.missing_facts:
            lines.append("  missing facts: " + ", ".join(m.fact for m in result.evaluation.missing_facts))
    lines.append(f"  quote: \"{' '.join(s.spec.quote.split())}\"")
    return "\n".join(lines)


def select(scenarios: list[Scenario], keyword: str | None) -> list[Scenario]:
    if not keyword:
        return scenarios
    return [s for s in scenarios if re.search(re.escape(keyword), s.name)]


def scenario_quote_problems(directory: Path | str, source) -> list[Problem]:
    """A problem for every scenario quote that is not verbatim in the review."""
    if not Path(directory).is_dir():
        return []
    try:
        scenarios = load_scenarios(directory)
    except ScenarioError as exc:
        return exc.problems
    return [Problem("quote-not-verbatim", f"scenario '{s.spec.name}': quote not found in {source.path}",
                    s.where("quote"), field="quote", value=s.spec.quote)
            for s in distinct(scenarios) if not source.contains(s.spec.quote)]


def distinct(scenarios: list[Scenario]) -> list[Scenario]:
    """One case per scenario as written (the first variant of a scenario with `vary`)."""
    seen: set[tuple[str, int]] = set()
    out = []
    for s in scenarios:
        if (s.path, s.index) not in seen:
            seen.add((s.path, s.index))
            out.append(s)
    return out
