"""`netguide differential`: the durable_rules path against the reference evaluator, on random patients.

For each patient, the facts derived by rules/implications.yaml must equal the reference's reading of it, and the
fired-rule set of the engine (compiled rulebook on durable_rules) on those facts must equal that of
netguide.proving.reference (a plain interpreter of the raw `when` and `unless` data), and so must the rules whose advice is
provisional (their `unless` UNKNOWN: the parsed condition's three-valued value against the raw reading). Patients come from random.Random(seed), with
numbers at the rules' thresholds and facts often unknown, so a run is reproducible from its seed.

    netguide differential --patients 100000 --seed 1 [--rules DIR]

Exit 0 when every patient agrees, 1 on any mismatch (the first few are printed) or when the rules do not load.
"""
from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any

from dataclasses import dataclass

from netguide.proving.samples import random_patient
from netguide.reporting import CommandOutcome, text_reporter

SHOWN_MISMATCHES = 5


# The options it shares with other commands (netguide.cli.parser declares them once).
SHARED_OPTIONS = ("rules", "seed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patients", type=int, default=10_000, help="how many random patients (default 10000)")


def run(args: argparse.Namespace) -> CommandOutcome:
    from netguide import conditions
    from netguide.evaluation import runtime_for
    from netguide.patient import parse_patient
    from netguide.proving.reference import (
        reference_derive,
        reference_fired,
        reference_provisional,
    )
    from netguide.rulebook.implications import derive

    rt = runtime_for(args.rules)  # rules that do not load: RulebookError, reported by the CLI (exit 1)
    book, engine = rt.rulebook, rt.engine
    rng = random.Random(args.seed)
    mismatches: list[tuple[dict[str, Any], frozenset[str], frozenset[str]]] = []
    count = 0
    fired_total = 0
    provisional_total = 0
    start = time.perf_counter()
    for _ in range(args.patients):
        given = parse_patient(random_patient(rng)).known_facts()
        facts = derive(book.implications, given)[0]  # the facts the rules run on: implications applied
        if facts != reference_derive(book, given):
            mismatches.append((given, frozenset({"<derived facts differ>"}), frozenset()))
            continue
        got, want = engine.fire(facts), reference_fired(book, facts)
        count += 1
        fired_total += len(want)
        if got != want:
            mismatches.append((facts, got, want))
            continue
        with_exception = [book.by_id[rid] for rid in got if book.by_id[rid].exception is not None]
        provisional = frozenset(r.id for r in with_exception
                                if conditions.evaluate3(r.exception, facts)[0] is conditions.UNKNOWN)
        expected = reference_provisional(book, facts, {r.id for r in with_exception})
        provisional_total += len(expected)
        if provisional != expected:
            mismatches.append((facts, frozenset(f"provisional:{r}" for r in provisional),
                               frozenset(f"provisional:{r}" for r in expected)))
    elapsed = time.perf_counter() - start
    result = DifferentialResult(book.version_string, len(book.rules), args.seed, count, fired_total,
                                provisional_total, mismatches, elapsed)
    return CommandOutcome(result, not mismatches)


@dataclass
class DifferentialResult:
    rulebook: str
    rules: int
    seed: int
    checked: int
    fired_total: int
    provisional_total: int
    mismatches: list
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"rulebook": self.rulebook, "rules": self.rules, "seed": self.seed, "checked": self.checked,
                "fired_per_patient": self.fired_total / max(self.checked, 1),
                "provisional_per_patient": self.provisional_total / max(self.checked, 1),
                "mismatches": [{"patient": f, "engine_only": sorted(g - w), "reference_only": sorted(w - g)}
                               for f, g, w in self.mismatches], "seconds": self.seconds}


@text_reporter(DifferentialResult)
def render_differential(r: DifferentialResult) -> str:
    n = max(r.checked, 1)
    out = [f"rulebook {r.rulebook} ({r.rules} rules), seed {r.seed}",
           f"patients checked: {r.checked}; rules fired per patient: {r.fired_total / n:.2f}; "
           f"provisional per patient: {r.provisional_total / n:.2f}",
           f"mismatches: {len(r.mismatches)}"]
    for facts, got, want in r.mismatches[:SHOWN_MISMATCHES]:
        out.append(f"  patient: {json.dumps(facts, sort_keys=True)}")
        out.append(f"    engine only:    {sorted(got - want)}")
        out.append(f"    reference only: {sorted(want - got)}")
    out.append(f"elapsed: {r.seconds:.1f} s ({r.checked / r.seconds if r.seconds else 0:.0f} patients/s)")
    return "\n".join(out)

