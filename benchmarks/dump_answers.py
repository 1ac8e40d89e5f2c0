"""Every answer as one JSON line: to compare whole answers of two versions of netguide byte for byte.

Run:  python benchmarks/dump_answers.py [--patients 20000] [--inputs 5000] [--records 2000] [--seed 1] > answers.jsonl

For the same seed it writes, in order, one line per input: random valid patients (the differential's generator),
the fuzzer's mix of valid, invalid and hostile inputs, and realistic referral records. A line is the input's
`to_dict()`, or for a refused input the error's class, message and problems.
Every 50th answer is also checked to survive pickling and to equal a second evaluation of the same input.
Two versions give identical answers exactly when their files are byte-identical (`cmp a.jsonl b.jsonl`).
Not a test: a tool for optimisation commits (issue 13).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import random
import sys

import netguide
from netguide.proving.fuzzing import random_input
from netguide.proving.samples import random_patient, realistic_record


def _line(i: int, kind: str, patient) -> str:
    try:
        ev = netguide.evaluate(patient)
    except netguide.NetguideError as exc:
        problems = [p.to_dict() for p in getattr(exc, "problems", ())]
        return json.dumps({"i": i, "kind": kind, "error": type(exc).__name__, "message": str(exc)[:2000],
                           "problems": problems}, default=repr, ensure_ascii=True)
    out = {"i": i, "kind": kind, "answer": ev.to_dict()}
    if i % 50 == 0:
        out["pickled_equal"] = pickle.loads(pickle.dumps(ev)) == ev and ev == netguide.evaluate(patient)
        out["repr_digest"] = hashlib.sha1(repr(ev).encode()).hexdigest()
    return json.dumps(out, default=repr, ensure_ascii=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=20000)
    ap.add_argument("--inputs", type=int, default=5000)
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    out = sys.stdout
    i = 0
    for _ in range(args.patients):
        out.write(_line(i, "random", random_patient(rng)) + "\n")
        i += 1
    for _ in range(args.inputs):
        kind, patient = random_input(rng)
        out.write(_line(i, kind, patient) + "\n")
        i += 1
    for setting in ("advanced", "adjuvant", "neoadjuvant"):
        for _ in range(args.records):
            out.write(_line(i, "record-" + setting, realistic_record(rng, setting)) + "\n")
            i += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
