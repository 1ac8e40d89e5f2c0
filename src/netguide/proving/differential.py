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

from netguide.proving.samples import random_patient

SHOWN_MISMATCHES = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patients", type=int, default=10_000, help="how many random patients (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--rules", help="rules folder (default: the shipped rules)")


def run(args: argparse.Namespace) -> int:
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
    print(f"rulebook {book.version_string} ({len(book.rules)} rules), seed {args.seed}")
    print(f"patients checked: {count}; rules fired per patient: {fired_total / max(count, 1):.2f}; "
          f"provisional per patient: {provisional_total / max(count, 1):.2f}")
    print(f"mismatches: {len(mismatches)}")
    for facts, got, want in mismatches[:SHOWN_MISMATCHES]:
        print(f"  patient: {json.dumps(facts, sort_keys=True)}")
        print(f"    engine only:    {sorted(got - want)}")
        print(f"    reference only: {sorted(want - got)}")
    print(f"elapsed: {elapsed:.1f} s ({count / elapsed if elapsed else 0:.0f} patients/s)")
    return 1 if mismatches else 0
