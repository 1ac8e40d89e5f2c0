"""What a mutation run found: each mutant's outcome, the score, the survivors with a distinguishing patient, and the text rendering."""
from __future__ import annotations

from netguide.reporting import text_reporter

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from .operators import OPERATORS, Mutant


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | invalid
    detail: str = ""  # the scenario that killed it, or why it is invalid
    seconds: float = 0.0


@dataclass
class Report:
    total: int
    outcomes: list[Outcome]
    scenarios: int
    excluded_scenarios: list[str]
    seconds: float
    jobs: int
    sample: int | None = None
    seed: int | None = None

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def valid(self) -> int:
        return self.count("killed") + self.count("survived")

    @property
    def score(self) -> float | None:
        return self.count("killed") / self.valid if self.valid else None

    hints: dict[int, tuple[str, Any]] = field(default_factory=dict)  # mutant id -> distinguishing_patient()

    @property
    def equivalent(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "survived" and self.hints.get(o.mutant.id, ("",))[0]
                   == "equivalent")

    @property
    def score_without_equivalent(self) -> float | None:
        n = self.valid - self.equivalent
        return self.count("killed") / n if n else None

    def hint(self, o: Outcome) -> str:
        kind, patient = self.hints.get(o.mutant.id, ("", None))
        if kind == "equivalent":
            return "equivalent: no patient tells the mutated condition from the original"
        if patient is not None:
            what = "the rule fires for" if kind == "fires" else "the conditions differ for"
            return f"{what} {json.dumps(patient, ensure_ascii=False)}"
        return ""

    def by_operator(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter] = {op: Counter() for op in OPERATORS}
        for o in self.outcomes:
            out[o.mutant.operator][o.status] += 1
        return {op: dict(c) for op, c in out.items() if c}

    def survivors(self) -> list[Outcome]:
        return sorted((o for o in self.outcomes if o.status == "survived"),
                      key=lambda o: (o.mutant.file, o.mutant.line, o.mutant.id))

    def to_dict(self) -> dict[str, Any]:
        return {"mutants": self.total, "run": len(self.outcomes), "sample": self.sample, "seed": self.seed,
                "valid": self.valid, "killed": self.count("killed"), "survived": self.count("survived"),
                "invalid": self.count("invalid"), "score": self.score, "seconds": round(self.seconds, 1),
                "jobs": self.jobs, "scenarios": self.scenarios, "excluded_scenarios": self.excluded_scenarios,
                "equivalent": self.equivalent, "score_without_equivalent": self.score_without_equivalent,
                "by_operator": self.by_operator(),
                "survivors": [{"survivor": survivor_line(o), "hint": self.hint(o)} for o in self.survivors()],
                "outcomes": [{**asdict(o.mutant), "status": o.status, "detail": o.detail} for o in self.outcomes]}


def survivor_line(o: Outcome) -> str:
    m = o.mutant
    return f"{m.where}: {m.operator}: {m.description} ({m.rule_id})"


@text_reporter(Report)
def render_text(rep: Report, min_score: float = 0.9) -> str:
    out = []
    sampled = f" (a sample of {len(rep.outcomes)}, seed {rep.seed})" if rep.sample else ""
    out.append(f"mutants: {rep.total}{sampled}; run {len(rep.outcomes)}: {rep.count('killed')} killed, "
               f"{rep.count('survived')} survived, {rep.count('invalid')} invalid (rules that do not load or compile)")
    out.append(f"scenarios: {rep.scenarios} run against each mutant"
               + (f"; {len(rep.excluded_scenarios)} excluded (failing before mutation: "
                  f"{', '.join(rep.excluded_scenarios)})" if rep.excluded_scenarios else ""))
    for op, c in rep.by_operator().items():
        valid = c.get("killed", 0) + c.get("survived", 0)
        out.append(f"  {op}: {c.get('killed', 0)}/{valid} killed" + (f", {c['invalid']} invalid" if c.get("invalid") else ""))
    survivors = rep.survivors()
    if survivors:
        out.append("survivors (with a patient on whom the mutated condition differs: a scenario for it kills the "
                   "mutant unless the answer hides the difference):")
        for o in survivors:
            out.append("  " + survivor_line(o))
            if rep.hint(o):
                out.append("      " + rep.hint(o))
    score = "n/a (no valid mutant)" if rep.score is None else f"{rep.count('killed')}/{rep.valid} = {rep.score:.1%}"
    out.append(f"score: {score} (minimum {min_score:.0%}); {rep.seconds:.1f} s with {rep.jobs} jobs")
    if rep.equivalent and rep.score_without_equivalent is not None:
        out.append(f"  {rep.equivalent} survivors are equivalent mutants (no patient can kill them); without them: "
                   f"{rep.score_without_equivalent:.1%}")
    return "\n".join(out) + "\n"
