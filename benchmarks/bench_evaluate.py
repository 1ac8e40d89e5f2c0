"""Speed of netguide.evaluate() against its floors, side by side in one run; and the cold start.

Run:  python benchmarks/bench_evaluate.py [--patients 20000] [--rounds 10] [--cold 7] [--rules DIR] [--seed 1] [--json]
                                         [--sample random|realistic]

--sample picks the patients: `random` (the default; the generator the differential and fuzz runs use, most facts
often absent, small answers) or `realistic` (the records `netguide cohort`'s benchmark evaluates: referral records
with about 14 rules firing, 8.5 recommendations and 16 trace steps each, where the engine's own floor is higher).

On the same compiled rulebook and the same patients it measures, per patient, median time of:
  evaluate       netguide.evaluate(dict): validation, derived facts, engine, combination policy, findings,
                 trace: the whole answer, its missing facts computed when first read (they are not read here)
  evaluate_read  evaluate(dict) and then reading its missing_facts: what a caller that reads everything pays
  engine_fire    the adapter alone: Engine.fire(facts) (encode, lock, assert / drain / retract on every ruleset)
  bare_session   the floor: the bare C round trip of the same rulesets in ONE persistent session, on facts encoded
                 beforehand: per ruleset assert, drain every action, retract by a prebuilt id text (nothing parsed,
                 nothing encoded per patient)
  python_rules   the plain-Python floor: every rule's condition (TRUE or not, as the engine decides) generated
                 into ONE Python function that reads each fact once and returns the rules that hold
  to_dict        Evaluation.to_dict() of evaluations made beforehand (their missing facts already read)
and, in fresh subprocesses, the cold start: `import netguide` plus the first evaluation (the rules loaded and
compiled, the engine built), as the process measures it and as wall time including the interpreter's start:
`cached` as every process after the first (bytecode and parse cache written), `uncached` with no parse cache.

The machine may be shared, so the variants are interleaved and paired: in each of --rounds rounds every variant
runs over the same slice of patients, in an order that rotates from round to round; the figures are medians
over all patients, each ratio is taken per round (same patients, same moment) and shown as its median and its
range (min-max) over the rounds. Targets (issue 13): evaluate <= 1.5 x bare_session; to_dict < 10 µs; cold
start < 0.5 s. This is a benchmark, not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time

import durable_rules_engine as dre  # the benchmark drives the raw engine on purpose, to measure the floor

from netguide.conditions.predicates import _MISSING, _relaxed_source
from netguide.conditions.tree import negation_normal_form
from netguide.evaluation import Runtime, evaluate
from netguide.patient import parse_patient
from netguide.proving.fuzzing import rss_bytes
from netguide.proving.samples import random_patient, realistic_record
from netguide.rulebook.loader import load_rulebook

COLD_START = """
import time
t0 = time.perf_counter()
import netguide
t1 = time.perf_counter()
netguide.evaluate({"differentiation": "well", "primary_site": "pancreas", "grade": "G2", "treatment_setting": "advanced"})
t2 = time.perf_counter()
print(t1 - t0, t2 - t0)
"""


def one_function(rules) -> tuple[object, str]:
    """Every rule's condition as one generated Python function: facts read once into locals, then one test per
    rule (strict: a test on an absent fact is false, which is what the engine computes), appending its index."""
    slots: dict[str, str] = {}
    bodies = [_relaxed_source(negation_normal_form(r.condition), slots, "is not") for r in rules]
    lines = ["def all_rules(facts, M=M):", "    get = facts.get"]
    lines += [f"    {var} = get({fact!r}, M)" for fact, var in slots.items()]
    lines += ["    out = []", "    add = out.append"]
    lines += [f"    if {body}: add({i})" for i, body in enumerate(bodies)]
    lines += ["    return out"]
    source = "\n".join(lines) + "\n"
    namespace = {"M": _MISSING}
    exec(compile(source, "<bench all rules>", "exec"), namespace)
    return namespace["all_rules"], source


def _times_ns(fn, items) -> list[int]:
    out = []
    clock = time.perf_counter_ns
    for x in items:
        t0 = clock()
        fn(x)
        out.append(clock() - t0)
    return out


def _cold_start(runs: int) -> dict[str, dict[str, list[float]]]:
    """Fresh processes, two ways. `cached`: as every process after the first finds an installed netguide, with
    its bytecode written (pip compiles on install; PYTHONDONTWRITEBYTECODE, set on some machines, is removed for
    it) and the parsed rule files in the parse cache (rulebook/parse_cache.py), one unmeasured run having made
    both. `uncached`: the very first process, no parse cache (NETGUIDE_CACHE_DIR=off): every rule file parsed by
    PyYAML's pure-Python parser."""
    import os
    import tempfile

    out: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as cache:
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        for how, env in (("cached", {**base, "NETGUIDE_CACHE_DIR": cache}),
                         ("uncached", {**base, "NETGUIDE_CACHE_DIR": "off"})):
            subprocess.run([sys.executable, "-c", COLD_START], env=env, capture_output=True, check=True)
            inside, total, wall = [], [], []
            for _ in range(runs):
                t0 = time.perf_counter()
                r = subprocess.run([sys.executable, "-c", COLD_START], env=env, capture_output=True, text=True,
                                   check=True)
                wall.append(time.perf_counter() - t0)
                imp, both = map(float, r.stdout.split())
                inside.append(imp)
                total.append(both)
            out[how] = {"import": inside, "import_and_first_evaluation": total, "process_wall": wall}
    return out


def _spread(values: list[float], digits: int = 2) -> dict[str, float]:
    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--cold", type=int, default=7, help="fresh processes for the cold start (0: skip)")
    ap.add_argument("--rules", default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sample", choices=("random", "realistic"), default="random")
    args = ap.parse_args(argv)

    book = load_rulebook(args.rules)
    rt = Runtime.build(book)
    rng = random.Random(args.seed)
    if args.sample == "realistic":  # the settings in the proportions bench_cohort.py generates
        patients = [realistic_record(rng, rng.choices(("advanced", "adjuvant", "neoadjuvant"), (8, 1, 1))[0])
                    for _ in range(args.patients)]
    else:
        patients = [random_patient(rng) for _ in range(args.patients)]
    # What the engine sees: the known facts with implications applied (as evaluate() hands them to Engine.fire).
    from netguide.rulebook.implications import derive

    facts_list = [derive(book.implications, parse_patient(p).known_facts())[0] for p in patients]
    encoder = rt.compiled.encoder
    session = "bench"
    texts = [encoder.to_json(f"b{i}", session, f) for i, f in enumerate(facts_list)]
    retracts = ['{"id":"b%d","sid":"%s"}' % (i, session) for i in range(len(texts))]
    pairs = list(zip(texts, retracts))
    handles = [dre.create_ruleset(f"bench_{i}_{rs.name}", rs.json()) for i, rs in enumerate(rt.compiled.rulesets)]
    all_rules, _ = one_function(book.rules)
    evaluations = [evaluate(p, rt) for p in patients]
    for ev in evaluations:  # to_dict() is timed on its own, not with the deferred missing facts
        ev.missing_facts

    # The one generated function must decide exactly as the engine does (else it is no floor of the same work).
    by_index = {r.index: r.id for r in book.rules}
    for f in facts_list[:2000]:
        assert frozenset(by_index[i] for i in all_rules(f)) == rt.engine.fire(f), "plain-Python floor disagrees"

    assert_fact, start, complete, retract = (dre.assert_fact, dre.start_action_for_state,
                                             dre.complete_and_start_action, dre.retract_fact)

    def bare_session(pair) -> None:
        text, retract_text = pair
        for h in handles:
            _, state = assert_fact(h, text)
            action = start(h, state)
            while action:
                action = complete(h, state)
            retract(h, retract_text)

    variants = {
        "evaluate": (lambda p: evaluate(p, rt), patients),
        "evaluate_read": (lambda p: evaluate(p, rt).missing_facts, patients),
        "engine_fire": (rt.engine.fire, facts_list),
        "bare_session": (bare_session, pairs),
        "python_rules": (all_rules, facts_list),
        "to_dict": (lambda ev: ev.to_dict(), evaluations),
    }
    for name, (fn, items) in variants.items():  # warm up
        for x in items[:500]:
            fn(x)

    rss_before = rss_bytes() / 2**20
    per_call: dict[str, list[int]] = {name: [] for name in variants}
    per_round: dict[str, list[float]] = {name: [] for name in variants}
    names = list(variants)
    size = max(1, len(patients) // args.rounds)
    for k in range(args.rounds):
        lo, hi = k * size, (k + 1) * size
        order = names[k % len(names):] + names[:k % len(names)]
        for name in order:
            fn, items = variants[name]
            t = _times_ns(fn, items[lo:hi])
            per_call[name] += t
            per_round[name].append(statistics.median(t) / 1000)
    rss_after = rss_bytes() / 2**20

    def ratio(a: str, b: str) -> dict[str, float]:
        return _spread([x / y for x, y in zip(per_round[a], per_round[b])])

    cold = _cold_start(args.cold) if args.cold else {}
    figures = {
        "rulebook": book.version_string, "rules": len(book.rules), "rulesets": len(rt.compiled.rulesets),
        "sample": args.sample,
        "patients": args.rounds * size, "rounds": args.rounds, "python": sys.version.split()[0],
        "median_us": {name: round(statistics.median(t) / 1000, 2) for name, t in per_call.items()},
        "round_medians_us": {name: _spread(v) for name, v in per_round.items()},
        "ratios": {"evaluate/bare_session": ratio("evaluate", "bare_session"),
                   "evaluate_read/bare_session": ratio("evaluate_read", "bare_session"),
                   "engine_fire/bare_session": ratio("engine_fire", "bare_session"),
                   "evaluate/python_rules": ratio("evaluate", "python_rules"),
                   "bare_session/python_rules": ratio("bare_session", "python_rules"),
                   "to_dict/evaluate": ratio("to_dict", "evaluate")},
        "cold_start_s": {f"{how} {k}": _spread(v, 3) for how, runs in cold.items() for k, v in runs.items()},
        "rss_mb": {"before_timed_rounds": round(rss_before, 1), "after_timed_rounds": round(rss_after, 1)},
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"rulebook {figures['rulebook']}: {figures['rules']} rules in {figures['rulesets']} rulesets; "
          f"{figures['patients']} {args.sample} patients in {args.rounds} interleaved rounds; "
          f"Python {figures['python']}")
    print(f"  {'':<14} {'median':>9}   round medians: median [min - max]")
    for name, v in figures["median_us"].items():
        r = figures["round_medians_us"][name]
        print(f"  {name:<14} {v:>6.1f} µs   {r['median']:>6.1f} [{r['min']:.1f} - {r['max']:.1f}]")
    print("  ratios per round: median [min - max]")
    for name, r in figures["ratios"].items():
        print(f"  {name:<26} {r['median']:>5.2f}x [{r['min']:.2f} - {r['max']:.2f}]")
    for name, r in figures["cold_start_s"].items():
        print(f"  cold {name:<39} {r['median']:.3f} s [{r['min']:.3f} - {r['max']:.3f}] ({args.cold} processes)")
    print(f"  RSS {rss_before:.1f} MB before, {rss_after:.1f} MB after the timed rounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
