"""Facts implied by other facts (rules/implications.yaml), applied before the rules run.

A referral record rarely writes down what its other facts already settle: a G1 tumour is well differentiated,
a treatment-naive patient (`prior_therapies: []`) has no failed therapy and is in the first line. Each
implication says when it holds (the condition language of the rule files, three-valued) and which facts it sets,
with the review's sentence or the vocabulary meaning it rests on. Applied to a fixed point, in file order:
- an implied fact that is absent is added, and the answer lists it under `derived_facts` (and the trace);
- an implied fact that is given with another value is never overwritten: the answer carries a finding.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import Field

from netguide import conditions
from netguide.errors import PatientFactError, Problem
from netguide.patient import parse_patient
from netguide.results import DerivedFact, Finding
from netguide.rulebook.schema import CitationSpec
from netguide.rulebook.sidefiles import (
    SideFileSpec,
    SideItem,
    SideItemSpec,
    load_model,
    parse_when,
)
from netguide.rulebook.source import Locator

IMPLICATIONS_FILE = "implications.yaml"
MAX_ROUNDS = 10  # each round adds at least one fact, and there are 29: a fixed point comes long before


class ImplicationSpec(SideItemSpec):
    when: Any = Field(description="the condition language of rule files (rules/README.md)")
    then: dict[str, Any] = Field(min_length=1, description="the facts implied, in the patient vocabulary")
    because: str = Field(min_length=10, description="the vocabulary meaning or the reasoning it rests on")
    evidence: list[CitationSpec] = Field(default_factory=list)


class ImplicationFileSpec(SideFileSpec):
    implications: list[ImplicationSpec] = Field(default_factory=list)


@dataclass(frozen=True)
class Implication(SideItem):
    then: dict[str, Any]  # validated values, as the patient model keeps them

    @cached_property
    def facts(self) -> tuple[str, ...]:
        return tuple(sorted(conditions.facts_of(self.condition)))

    @cached_property
    def condition_text(self) -> str:
        return conditions.describe(self.condition)

    @cached_property
    def why(self) -> str:
        quotes = " ".join(f"“{' '.join(c.quote.split())}” ({c.section})" for c in self.spec.evidence)
        return " ".join(self.spec.because.split()) + (f" {quotes}" if quotes else "")


def load_implications(root: Path) -> tuple[list[Implication], list[Problem], bytes]:
    """The implications of a rules folder (none when it has no implications.yaml), their problems, and the bytes
    read (part of the rulebook's content hash)."""
    spec, locator, problems, content = load_model(root, IMPLICATIONS_FILE, ImplicationFileSpec)
    if spec is None:
        return [], problems, content
    out: list[Implication] = []
    seen: set[str] = set()
    for i, imp in enumerate(spec.implications):
        where = locator.find(("implications", i))
        if imp.id in seen:
            problems.append(Problem("duplicate-id", f"implication id '{imp.id}' is used twice",
                                    locator.find(("implications", i, "id")), field="id", value=imp.id))
        seen.add(imp.id)
        cond = parse_when(imp.when, ("implications", i, "when"), locator, problems)
        then = _validated_then(imp, locator, i, problems)
        if cond is not None and then is not None:
            out.append(Implication(imp, cond, where, then))
    return out, problems, content


def _validated_then(imp: ImplicationSpec, locator: Locator, i: int, problems: list[Problem]) -> dict | None:
    try:
        known = parse_patient(dict(imp.then)).known_facts()
    except PatientFactError as exc:
        for p in exc.problems:
            field = (p.field or "").split("[")[0]
            problems.append(Problem(p.code, p.message, locator.find(("implications", i, "then", field)),
                                    field=p.field, allowed=p.allowed, suggestion=p.suggestion))
        return None
    return {k: known[k] for k in imp.then}


def derive(implications: list[Implication], given: dict[str, Any]
           ) -> tuple[dict[str, Any], tuple[DerivedFact, ...], tuple[Finding, ...]]:
    """The facts with every implication applied (given facts never change), what was derived, and a finding for
    each implication whose conclusion contradicts a given fact."""
    facts = dict(given)
    derived: list[DerivedFact] = []
    contradicted: dict[tuple[str, str], Finding] = {}
    for _ in range(MAX_ROUNDS):
        added = False
        for imp in implications:
            if not imp.holds(facts):
                continue
            used = tuple(f for f in imp.facts if f in facts)
            for fact, value in imp.then.items():
                if fact not in facts:
                    # A list of its own for each answer: the implication's list must never be reachable from one
                    # (a caller appending to a derived list in the trace would change every later answer).
                    value = list(value) if isinstance(value, list) else value
                    facts[fact] = value
                    derived.append(DerivedFact(fact, list(value) if isinstance(value, list) else value, imp.id,
                                               used, imp.why))
                    added = True
                elif facts[fact] != value and fact in given and (imp.id, fact) not in contradicted:
                    contradicted[(imp.id, fact)] = Finding(
                        "implied-fact-contradicted",
                        f"{fact} is given as {_value_text(facts[fact])}, but {', '.join(used)} imply {_value_text(value)} "
                        f"({imp.spec.title}); the given value is used - check both", (fact,) + used)
        if not added:
            break
    return facts, tuple(derived), tuple(contradicted.values())


def _value_text(value: Any) -> str:
    return "[]" if value == [] else str(value)

