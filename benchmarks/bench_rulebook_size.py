"""How the cost per patient grows with the size of the rulebook: 1x, 2x, 4x, 8x the shipped rules.

Run:  python benchmarks/bench_rulebook_size.py [--patients 5000] [--rounds 5] [--sizes 1,2,4,8] [--seed 1] [--json]

A rulebook of size k holds the shipped rule files and k-1 renamed copies of all of them (`g3.yaml` copied as
`g3_c2.yaml`, its ids `g3.*` as `g3_c2.*`, and every reference to a rule id inside a copy renamed the same way),
loaded from texts in memory, compiled and put on the engine as the shipped rules are. Each copy answers every
patient as the original does, so k copies fire k times the rules and the engine holds k times the rulesets.

For each size, the median time per patient of evaluate(), of Engine.fire(), and of the bare persistent-session round
trip (facts encoded beforehand), with the same patients; sizes interleaved in rounds (the order rotating), so a
busy machine slows every size alike. Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time

import durable_rules_engine as dre  # the bare round trip, as in bench_evaluate

from netguide.evaluation import Runtime, evaluate
from netguide.patient import parse_patient
from netguide.proving.samples import random_patient
from netguide.rulebook.implications import derive
from netguide.rulebook.loader import RULEBOOK_MANIFEST, default_rules_dir, load_rulebook

from bench_evaluate import _times_ns  # the same clock loop for both benchmarks (run from benchmarks/ or as a script)


def rulebook_texts(copies: int) -> dict[str, str]:
    """The shipped rules folder as texts, with `copies - 1` renamed copies of every rule file."""
    root = default_rules_dir()
    texts = {p.name: p.read_text(encoding="utf-8") for p in root.glob("*.yaml")}
    manifest = texts[RULEBOOK_MANIFEST]
    listed = re.findall(r"^  - (\S+\.yaml)\s*$", manifest, flags=re.M)
    stems = [name[:-5] for name in listed]
    id_ref = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, stems)) + r")\.(?=[a-z0-9_])")
    extra = []
    for k in range(2, copies + 1):
        for name in listed:
            copy = f"{name[:-5]}_c{k}.yaml"
            texts[copy] = id_ref.sub(lambda m: f"{m.group(1)}_c{k}.", texts[name])
            extra.append(copy)
    last = listed[-1]
    texts[RULEBOOK_MANIFEST] = manifest.replace(f"  - {last}\n", f"  - {last}\n" + "".join(f"  - {n}\n" for n in extra))
    return texts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--sizes", default="1,2,4,8")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]

    rng = random.Random(args.seed)
    patients = [random_patient(rng) for _ in range(args.patients)]
    variants = {}
    info = {}
    for k in sizes:
        t0 = time.perf_counter()
        book = load_rulebook(default_rules_dir(), texts=rulebook_texts(k))
        rt = Runtime.build(book)
        built = time.perf_counter() - t0
        facts = [derive(book.implications, parse_patient(p).known_facts())[0] for p in patients]
        texts = [rt.compiled.encoder.to_json(f"b{i}", "bench", f) for i, f in enumerate(facts)]
        pairs = [(t, '{"id":"b%d","sid":"bench"}' % i) for i, t in enumerate(texts)]
        handles = [dre.create_ruleset(f"size{k}_{i}_{rs.name}", rs.json()) for i, rs in enumerate(rt.compiled.rulesets)]

        def bare(pair, handles=handles) -> None:
            text, retract = pair
            for h in handles:
                _, state = dre.assert_fact(h, text)
                action = dre.start_action_for_state(h, state)
                while action:
                    action = dre.complete_and_start_action(h, state)
                dre.retract_fact(h, retract)

        fired = statistics.mean(len(rt.engine.fire(f)) for f in facts[:1000])
        info[k] = {"rules": len(book.rules), "rulesets": len(rt.compiled.rulesets), "load_and_build_s": round(built, 3),
                   "rules_fired_per_patient": round(fired, 2)}
        variants[(k, "evaluate")] = (lambda p, rt=rt: evaluate(p, rt), patients)
        variants[(k, "engine_fire")] = (rt.engine.fire, facts)
        variants[(k, "bare_session")] = (bare, pairs)
    for fn, items in variants.values():  # warm up
        for x in items[:300]:
            fn(x)

    per_call: dict[tuple[int, str], list[int]] = {key: [] for key in variants}
    keys = list(variants)
    size = max(1, len(patients) // args.rounds)
    for r in range(args.rounds):
        lo, hi = r * size, (r + 1) * size
        shift = (r * 3) % len(keys)
        for key in keys[shift:] + keys[:shift]:
            fn, items = variants[key]
            per_call[key] += _times_ns(fn, items[lo:hi])

    medians = {k: {what: round(statistics.median(per_call[(k, what)]) / 1000, 1)
                   for what in ("evaluate", "engine_fire", "bare_session")} for k in sizes}
    base = medians[sizes[0]]
    figures = {"patients": args.rounds * size, "rounds": args.rounds, "python": sys.version.split()[0],
               "sizes": {str(k): {**info[k], "median_us": medians[k],
                                  "relative_to_first": {w: round(medians[k][w] / base[w], 2) for w in base}}
                         for k in sizes}}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{figures['patients']} patients in {args.rounds} interleaved rounds; Python {figures['python']}")
    print(f"  {'size':>4} {'rules':>5} {'rulesets':>8} {'fired':>6}   {'evaluate':>10} {'engine_fire':>12} "
          f"{'bare_session':>13}   (µs per patient, median; x the first size)")
    for k in sizes:
        s = figures["sizes"][str(k)]
        m, rel = s["median_us"], s["relative_to_first"]
        print(f"  {k:>3}x {s['rules']:>5} {s['rulesets']:>8} {s['rules_fired_per_patient']:>6}   "
              f"{m['evaluate']:>6.1f} {rel['evaluate']:>4.1f}x {m['engine_fire']:>6.1f} {rel['engine_fire']:>4.1f}x "
              f"{m['bare_session']:>6.1f} {rel['bare_session']:>4.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
