"""What an edit changes for patients: the scenarios whose outcome (pass or fail, or the answer itself) changes, and
how many patients of a sample get a different answer, grouped by what changed, with the smallest example of each.

An answer is compared as the set of its recommendations, each as rule, kind, interventions and whether provisional:
what a clinician reads, not the wording of the statement.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from netguide.errors import PatientFactError
from netguide.evaluation import evaluate
from netguide.proving.analysis.space import ABSENT, fact_space
from netguide.proving.samples import realistic_record
from netguide.proving.scenarios import load_scenarios, run_scenario

SETTINGS = ("advanced", "adjuvant", "neoadjuvant")
EXAMPLES = 5


def answer_items(ev) -> frozenset[str]:
    items = set()
    for r in ev.recommendations:
        codes = ", ".join(r.interventions + r.trials)
        items.add(f"{r.rule_id} → {r.kind}" + (f": {codes}" if codes else "") + (" (provisional)" if r.provisional else ""))
    return frozenset(items)


@dataclass(frozen=True)
class ScenarioChange:
    name: str
    location: str
    before: str  # passed | failed
    after: str
    removed: tuple[str, ...]  # answer items the old rules gave and the new do not
    added: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.name, "location": self.location, "before": self.before, "after": self.after,
                "answer_removed": list(self.removed), "answer_added": list(self.added)}


def scenario_changes(scenarios_dir, old_book, new_book) -> tuple[int, list[ScenarioChange]]:
    """Every scenario of the new side run on both rulebooks: those whose verdict or answer differs."""
    if scenarios_dir is None:
        return 0, []
    scenarios = load_scenarios(scenarios_dir)
    changes = []
    for sc in scenarios:
        a, b = run_scenario(sc, old_book), run_scenario(sc, new_book)
        ia = answer_items(a.evaluation) if a.evaluation is not None else frozenset()
        ib = answer_items(b.evaluation) if b.evaluation is not None else frozenset()
        if a.passed != b.passed or ia != ib:
            changes.append(ScenarioChange(sc.name, str(sc.location), "passed" if a.passed else "failed",
                                          "passed" if b.passed else "failed", tuple(sorted(ia - ib)),
                                          tuple(sorted(ib - ia))))
    # the newly failing first: they are what a maintainer must look at before anything else
    changes.sort(key=lambda c: (c.after != "failed" or c.before == "failed", c.location))
    return len(scenarios), changes


@dataclass(frozen=True)
class PatientChange:
    count: int
    removed: tuple[str, ...]
    added: tuple[str, ...]
    example: dict[str, Any]  # the patient with the fewest facts among those with this change

    def to_dict(self) -> dict[str, Any]:
        return {"patients": self.count, "answer_removed": list(self.removed), "answer_added": list(self.added),
                "example": self.example}


@dataclass(frozen=True)
class SampleImpact:
    sample: str  # what was sampled
    patients: int
    changed: int
    groups: tuple[PatientChange, ...]  # the commonest changes first

    @property
    def share(self) -> float:
        return self.changed / self.patients if self.patients else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"sample": self.sample, "patients": self.patients, "changed": self.changed,
                "share": round(self.share, 6), "commonest_changes": [g.to_dict() for g in self.groups]}


def fact_space_patients(old_book, new_book, n: int, seed: int) -> list[dict[str, Any]]:
    """Patients drawn from the fact space both rulebooks test: each fact absent or one of its candidate values
    (the values at and beside every threshold either rulebook uses), uniformly and independently."""
    space = fact_space(old_book)
    for fact, values in fact_space(new_book).items():
        space[fact] = list(dict.fromkeys(space.get(fact, []) + values))
    rng = random.Random(seed)
    facts = sorted(space)
    out = []
    for _ in range(n):
        patient = {}
        for fact in facts:
            v = rng.choice(space[fact])
            if v is not ABSENT:
                patient[fact] = list(v) if isinstance(v, tuple) else v
        out.append(patient)
    return out


def realistic_patients(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [realistic_record(rng, SETTINGS[i % len(SETTINGS)]) for i in range(n)]


def sample_impact(label: str, patients: list[dict[str, Any]], old_book, new_book) -> SampleImpact:
    groups: Counter = Counter()
    examples: dict[tuple, dict[str, Any]] = {}
    changed = evaluated = 0
    for p in patients:
        try:
            a, b = answer_items(evaluate(p, old_book)), answer_items(evaluate(p, new_book))
        except PatientFactError:  # a sampled patient both sides refuse alike is not an answer that changed
            continue
        evaluated += 1
        if a != b:
            changed += 1
            key = (tuple(sorted(a - b)), tuple(sorted(b - a)))
            groups[key] += 1
            if key not in examples or len(p) < len(examples[key]):
                examples[key] = p
    top = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))[:EXAMPLES]
    return SampleImpact(label, evaluated, changed,
                        tuple(PatientChange(c, k[0], k[1], examples[k]) for k, c in top))
