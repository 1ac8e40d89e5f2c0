"""Speed and memory of netguide.evaluate(), against the bare durable_rules round trip and plain Python.

Run:  python benchmarks/bench_evaluate.py [--patients 20000] [--rules DIR] [--seed 1] [--json]

It measures, on the same compiled rulebook and the same patients, median time per patient of:
  evaluate       netguide.evaluate(dict): validation, engine, combination policy, missing facts, findings, trace
  engine_fire    the adapter alone: Engine.fire(facts) (encode, lock, assert / drain / retract on every ruleset)
  bare_session   the bare C round trip on pre-encoded JSON, persistent session (assert, drain, retract)
  bare_new_sid   the bare C round trip as the engine's docs use it: a fresh session per patient (assert one fact,
                 drain, delete the session); a session where no action started is never deleted (that segfaults,
                 durable-rules-notes.md point 3) but kept for reuse
  python_rules   plain Python evaluation of the same conditions (each compiled to a Python predicate, every rule)
and prints the ratios, plus resident memory before and after the evaluate loop.
This is a benchmark, not a test: nothing here asserts a time. The target (issue 2) is evaluate <= 1.5 x bare_new_sid.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time

import durable_rules_engine as dre  # the benchmark drives the raw engine on purpose, to measure the baseline

from netguide import conditions
from netguide.evaluation import Runtime, evaluate
from netguide.rulebook.loader import load_rulebook
from netguide.proving.fuzzing import rss_bytes
from netguide.proving.samples import random_patient  # the generator the differential and fuzz runs use

def _median_us(fn, items) -> float:
    times = []
    for x in items:
        t0 = time.perf_counter_ns()
        fn(x)
        times.append(time.perf_counter_ns() - t0)
    return statistics.median(times) / 1000


def _rss_mb() -> float:
    return rss_bytes() / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=20000)
    ap.add_argument("--rules", default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    book = load_rulebook(args.rules)
    rt = Runtime.build(book)
    rng = random.Random(args.seed)
    patients = [random_patient(rng) for _ in range(args.patients)]
    facts_list = [evaluate.__globals__["parse_patient"](p).known_facts() for p in patients]
    encoder = rt.compiled.encoder
    texts = [encoder.to_json(f"b{i}", "bench", f) for i, f in enumerate(facts_list)]
    handles = [dre.create_ruleset(f"bench_{i}_{rs.name}", rs.json()) for i, rs in enumerate(rt.compiled.rulesets)]

    for p in patients[:500]:  # warm up caches and the runtime
        evaluate(p, rt)

    rss_before = _rss_mb()
    t_eval = _median_us(lambda p: evaluate(p, rt), patients)
    rss_after = _rss_mb()
    t_fire = _median_us(rt.engine.fire, facts_list)

    counter = iter(range(10**9))

    def bare_session(text: str) -> None:
        fid = json.loads(text)["id"]
        for h in handles:
            code, state = dre.assert_fact(h, text)
            action = dre.start_action_for_state(h, state)
            while action:
                action = dre.complete_and_start_action(h, state)
            dre.retract_fact(h, '{"id":"%s","sid":"bench"}' % fid)

    bare_texts = [t for t in texts]
    t_bare = _median_us(bare_session, bare_texts)

    free_sids: dict[int, list[str]] = {h: [] for h in handles}

    def bare_new_sid(facts: dict) -> None:
        # Per ruleset: a session for this patient, assert, drain, delete the session. A session in which no action
        # started is never deleted (delete_state would free uninitialised memory); its fact is retracted and the
        # session kept for the next patient, so the live session count stays far below the 1,024 cap.
        for h in handles:
            pool = free_sids[h]
            sid = pool.pop() if pool else f"s{next(counter)}"
            code, state = dre.assert_fact(h, encoder.to_json("f", sid, facts))
            action = dre.start_action_for_state(h, state)
            started = bool(action)
            while action:
                action = dre.complete_and_start_action(h, state)
            if started:
                dre.delete_state(h, sid)
            else:
                dre.retract_fact(h, '{"id":"f","sid":"%s"}' % sid)
                pool.append(sid)

    t_new_sid = _median_us(bare_new_sid, facts_list)

    strict = [conditions.relaxed_predicate(r.condition, strict=True) for r in book.rules]

    def python_rules(facts: dict) -> None:
        for pred in strict:
            pred(facts)

    t_python = _median_us(python_rules, facts_list)

    figures = {
        "rulebook": book.version_string, "rules": len(book.rules), "rulesets": len(rt.compiled.rulesets),
        "patients": len(patients), "python": sys.version.split()[0],
        "median_us": {"evaluate": round(t_eval, 1), "engine_fire": round(t_fire, 1), "bare_session": round(t_bare, 1),
                      "bare_new_sid": round(t_new_sid, 1), "python_rules": round(t_python, 1)},
        "ratios": {"evaluate/bare_new_sid": round(t_eval / t_new_sid, 2),
                   "evaluate/bare_session": round(t_eval / t_bare, 2),
                   "engine_fire/bare_session": round(t_fire / t_bare, 2),
                   "bare_session/python_rules": round(t_bare / t_python, 2)},
        "rss_mb": {"before_evaluate_loop": round(rss_before, 1), "after_evaluate_loop": round(rss_after, 1)},
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"rulebook {figures['rulebook']}: {figures['rules']} rules in {figures['rulesets']} rulesets; "
              f"{len(patients)} patients; Python {figures['python']}")
        for k, v in figures["median_us"].items():
            print(f"  {k:<13} {v:>8.1f} µs / patient (median)")
        for k, v in figures["ratios"].items():
            print(f"  {k:<26} {v:>5.2f}x")
        print(f"  RSS {rss_before:.1f} MB before, {rss_after:.1f} MB after {len(patients)} evaluations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
