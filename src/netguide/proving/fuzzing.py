"""`netguide fuzz`: random valid, invalid and hostile inputs through netguide.evaluate().

    netguide fuzz --count 1000000 --seed 1 [--rules DIR] [--max-growth-mb 20]

Inputs come from random.Random(seed) (plain random, not hypothesis, for speed): valid patients (as
`netguide differential` makes them), valid patients with one bad field, and hostile inputs (NaN, inf, 10**30
and 10**400, wrong types, 100,000-character strings and keys, 100,000-item lists, lists and dicts nested
20,000 deep, non-dict tops, non-str keys). evaluate() must return an Evaluation with at least one
recommendation, or raise PatientFactError; anything else is a failure, printed with the input's repr.

At the end it reports the resident memory (/proc/self/statm) after a warm-up and at the end ("memory flat"
when the growth stays under --max-growth-mb), and the number of patient facts still asserted in the engine's
session (0: no patient leaks). Exit 0 when all holds, 1 otherwise or when the rules do not load.

    netguide fuzz --interrupts 10000 --seed 1 [--max-delay-us 400]

interrupts evaluations instead, as a server's timeout or a Ctrl-C would: before half the evaluations of random valid
patients (drawn by the seed) a one-shot timer (SIGALRM, 0 to --max-delay-us microseconds) is armed whose handler
raises; the other half run untimed, so answers right after an interrupt are always checked. Every
evaluation that completes is compared, whole, with the answer assembled from netguide.proving.reference's firings for the
same facts: a wrong answer after an interrupt is a failure. It runs until that many interrupts landed inside
evaluate(), reports where they landed and how often the engine threw a dirty session away, and that no fact is
left asserted. A watchdog (faulthandler) ends the process with every thread's stack if one evaluation hangs.
"""
from __future__ import annotations

import argparse
import gc
import math
import os
import random
import reprlib
import time
from collections import Counter
from typing import Any

from netguide.proving.samples import BAD_KEYS, CODES, HOSTILE, random_patient
from netguide.vocabulary import BOOL, ENUM, FACTS, INTEGER, LIST, NUMBER

FACT_NAMES = tuple(FACTS)
SHOWN_FAILURES = 10
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict = 4, 80, 80, 8, 8


def _bad_value(rng: random.Random, name: str) -> Any:
    """A value parse_patient must refuse for this fact."""
    spec = FACTS[name]
    if spec.type == ENUM:
        return rng.choice([rng.choice(spec.values).upper() + "?", "", rng.randint(-5, 5), True, 1.5, [spec.values[0]]])
    if spec.type == BOOL:
        return rng.choice(["yes", "true", 0, 1, 1.0, "", [True]])
    lo, hi = spec.range or (0, 100)
    if spec.type in (INTEGER, NUMBER):
        out = [lo - 1, hi + 1, rng.uniform(hi + 0.001, 1e12), -rng.uniform(0.001, 1e12), math.nan, math.inf,
               "10", True, "", 10**30]
        if spec.type == INTEGER:
            out += [rng.choice([0.5, 1.5, 2.0]), rng.randint(int(hi) + 1, 10**9)]
        return rng.choice(out)
    if spec.type == LIST:
        return rng.choice([rng.choice(CODES), [rng.choice(CODES).lower()], [1], [None], [[rng.choice(CODES)]],
                           {"SSA": True}, 7, [rng.choice(CODES), "NOPE"]])
    raise AssertionError(spec.type)


def _hostile_value(rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.6:
        return rng.choice(HOSTILE)
    if r < 0.75:
        return rng.getrandbits(rng.choice((8, 64, 200, 4_000))) * rng.choice((1, -1))
    if r < 0.9:
        return rng.choice((rng.uniform(-1e308, 1e308), rng.uniform(-1e6, 1e6), rng.random() * 1e-300))
    return [rng.choice(HOSTILE + CODES) for _ in range(rng.randint(1, 4))]


def random_input(rng: random.Random) -> tuple[str, Any]:
    """(category, input): 'valid' 40 %, 'invalid' (one bad field or unknown key) 30 %, 'hostile' 30 %."""
    r = rng.random()
    if r < 0.4:
        return "valid", random_patient(rng)
    if r < 0.7:
        facts: dict[Any, Any] = random_patient(rng)
        if rng.random() < 0.1:
            facts[rng.choice(("ki_67", "Grade", "site", "stage ", "kras"))] = "G1"
        else:
            name = rng.choice(FACT_NAMES)
            facts[name] = _bad_value(rng, name)
        return "invalid", facts
    r = rng.random()
    if r < 0.15:  # not a mapping
        return "hostile", rng.choice((_hostile_value(rng), list(random_patient(rng).items()), "grade: G1"))
    facts = random_patient(rng)
    if r < 0.3:
        facts[rng.choice(BAD_KEYS)] = rng.choice((_hostile_value(rng), "G1", "pancreas"))
        return "hostile", facts
    for _ in range(rng.randint(1, 3)):
        facts[rng.choice(FACT_NAMES)] = _hostile_value(rng)
    return "hostile", facts


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc/self/statm; 0 where it does not exist)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# The options it shares with other commands (netguide.cli.parser declares them once).
SHARED_OPTIONS = ("rules", "seed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=100_000, help="how many inputs (default 100000)")
    parser.add_argument("--max-growth-mb", type=float, default=20.0,
                        help="memory is flat when RSS grows less than this after the warm-up (default 20)")
    parser.add_argument("--interrupts", type=int, default=0, metavar="N",
                        help="interrupt evaluations with one-shot SIGALRM timers until N landed inside evaluate(), "
                             "and check every later answer against the reference evaluator")
    parser.add_argument("--max-delay-us", type=int, default=400,
                        help="with --interrupts: each timer fires after 0 to this many microseconds (default 400)")


def run(args: argparse.Namespace) -> int:
    if args.interrupts:
        return run_interrupts(args)
    from netguide.errors import PatientFactError
    from netguide.evaluation import evaluate, runtime_for
    from netguide.results import Evaluation

    rt = runtime_for(args.rules)  # rules that do not load: RulebookError, reported by the CLI (exit 1)
    rng = random.Random(args.seed)
    warmup = min(args.count, max(1_000, args.count // 20))
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    rss_warm = rss_bytes()
    start = time.perf_counter()
    for i in range(args.count):
        category, data = random_input(rng)
        try:
            result = evaluate(data, rt)
        except PatientFactError:
            outcomes[category + " refused"] += 1
        except Exception as exc:  # anything else is a failure: an undocumented exception
            failures.append(f"{category}: {type(exc).__name__}: {str(exc)[:200]}\n    input: {_REPR.repr(data)}")
        else:
            if isinstance(result, Evaluation) and result.recommendations:
                outcomes[category + " answered"] += 1
            else:
                failures.append(f"{category}: returned {_REPR.repr(result)} (no recommendation)\n"
                                f"    input: {_REPR.repr(data)}")
        if i + 1 == warmup:
            gc.collect()
            rss_warm = rss_bytes()
    elapsed = time.perf_counter() - start
    gc.collect()
    rss_end = rss_bytes()
    live = rt.engine.live_fact_count()
    growth_mb = (rss_end - rss_warm) / 2**20
    flat = growth_mb < args.max_growth_mb
    print(f"rulebook {rt.rulebook.version_string}, seed {args.seed}")
    print(f"inputs: {args.count} in {elapsed:.1f} s ({args.count / elapsed if elapsed else 0:.0f}/s)")
    for key in sorted(outcomes):
        print(f"  {key}: {outcomes[key]}")
    print(f"failures: {len(failures)}")
    for text in failures[:SHOWN_FAILURES]:
        print(f"  {text}")
    print(f"RSS after warm-up ({warmup} inputs): {rss_warm / 2**20:.1f} MB; at end: {rss_end / 2**20:.1f} MB; "
          f"growth {growth_mb:+.1f} MB: {'memory flat' if flat else 'MEMORY GREW'} (bound {args.max_growth_mb:g} MB)")
    print(f"facts left in the engine session: {live}")
    return 0 if not failures and live == 0 and flat else 1


class _Interrupt(Exception):
    """Raised by the timer's signal handler: stands for KeyboardInterrupt or a request timeout."""


def _landed_in(exc: BaseException) -> str:
    """Where an interrupt landed: the innermost netguide function it unwound (or 'outside evaluate')."""
    tb, where = exc.__traceback__, "outside evaluate"
    while tb is not None:
        code = tb.tb_frame.f_code
        if "netguide" in code.co_filename and not code.co_filename.endswith("fuzzing.py"):
            where = f"{os.path.basename(code.co_filename)}:{code.co_name}"
        tb = tb.tb_next
    return where


def run_interrupts(args: argparse.Namespace) -> int:
    """Interrupt evaluations at random moments; every completed answer must equal the reference's."""
    import faulthandler
    import signal
    import sys

    from netguide.evaluation import evaluate, runtime_for
    from netguide.proving.reference import reference_evaluation

    if not hasattr(signal, "setitimer"):
        print("netguide fuzz --interrupts needs POSIX interval timers (signal.setitimer)")
        return 1
    rt = runtime_for(args.rules)
    book = rt.rulebook
    rng = random.Random(args.seed)

    window = [False]  # True only while a timed evaluate() may be interrupted
    late = [0]

    def handler(signum, frame):
        # A SIGALRM that arrived as the timer was disarmed is handled at Python's next check, which may fall after
        # evaluate() returned, in the reference's evaluation: that one is not an interrupt of evaluate(). Ignore it.
        if window[0]:
            raise _Interrupt()
        late[0] += 1

    # Built and warmed uninterrupted: the lazily built caches of a first evaluation take longer than a timer of a
    # few hundred microseconds, so a cold run could spend its whole budget re-interrupting them.
    evaluate({"differentiation": "well", "grade": "G2"}, rt)
    previous = signal.signal(signal.SIGALRM, handler)
    landed: Counter[str] = Counter()
    failures: list[str] = []
    checked = attempts = 0
    rebuilds_before = rt.engine.rebuilds
    start = time.perf_counter()
    try:
        while landed.total() - landed["outside evaluate"] < args.interrupts:
            if attempts % 100 == 0:  # a hang ends the run with every thread's stack instead of waiting for ever
                faulthandler.dump_traceback_later(60, exit=True, file=sys.stderr)
            attempts += 1
            data = random_patient(rng)
            # Every other evaluation on average runs without a timer: it always completes, so the answers that
            # follow interrupts are checked however slow the machine is (a loaded one finishes few timed ones).
            armed = rng.random() < 0.5
            try:
                if armed:
                    window[0] = True
                    signal.setitimer(signal.ITIMER_REAL, rng.uniform(0, args.max_delay_us) / 1e6)
                got = evaluate(data, rt)
                signal.setitimer(signal.ITIMER_REAL, 0)
                window[0] = False
            except _Interrupt as exc:
                signal.setitimer(signal.ITIMER_REAL, 0)
                window[0] = False
                landed[_landed_in(exc)] += 1
                continue
            want = reference_evaluation(book, data)
            checked += 1
            if got != want and len(failures) < 1_000:
                failures.append(f"wrong answer after {landed.total()} interrupts: engine fired "
                                f"{sorted(t.rule_id for t in got.trace)}, reference "
                                f"{sorted(t.rule_id for t in want.trace)}\n    input: {_REPR.repr(data)}")
        last = {"differentiation": "well", "grade": "G2"}
        if evaluate(last, rt) != reference_evaluation(book, last):  # a last, uninterrupted evaluation
            failures.append("the last, uninterrupted evaluation is wrong")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()
    elapsed = time.perf_counter() - start
    live = rt.engine.live_fact_count()
    inside = landed.total() - landed["outside evaluate"]
    print(f"rulebook {rt.rulebook.version_string}, seed {args.seed}, timers of 0-{args.max_delay_us} µs")
    print(f"evaluations started: {attempts}; interrupted inside evaluate(): {inside}; "
          f"answers checked against the reference: {checked}; {elapsed:.1f} s")
    # engine.py per function (the sequence and its recovery); every other module as one line
    grouped: Counter[str] = Counter()
    for where, n in landed.items():
        grouped[where if where.startswith("engine.py") or " " in where else where.split(":")[0]] += n
    for where, n in sorted(grouped.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  interrupts in {where}: {n}")
    print(f"dirty sessions rebuilt: {rt.engine.rebuilds - rebuilds_before}")
    print(f"timer signals that arrived after evaluate() returned (not interrupts of it; ignored): {late[0]}")
    print(f"wrong answers: {len(failures)}")
    for text in failures[:SHOWN_FAILURES]:
        print(f"  {text}")
    print(f"facts left in the engine session: {live}")
    return 0 if not failures and live == 0 else 1
