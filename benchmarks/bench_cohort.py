"""Scale figures of `netguide cohort` (issue 13): patients per second for 1 and 2 processes and for dask on 2 workers
over a generated sample, each output checked byte for byte against one-at-a-time evaluate(), where the cohort's own
time goes, and how resident memory behaves over a long run.

    python benchmarks/bench_cohort.py --patients 100000 --seed 1            # the README's figures
    python benchmarks/bench_cohort.py --patients 100000 --rss-repeat 10     # + RSS over 1,000,000 patients

The sample (samples.realistic_record, seeded; a third of the records give a treatment) is written to a temporary
folder and removed afterwards: it is never committed. It is a benchmark, not a test: nothing asserts a time.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from netguide.cohort import run_cohort
from netguide.cohort.readers import RAW_JSON, parse_record
from netguide.cohort.worker import Chunk, evaluate_chunk, warm
from netguide.evaluation import evaluate
from netguide.proving.samples import realistic_record

GIVEN = ("CAPTEM", "SSA", "EVEROLIMUS", "PRRT", "SUNITINIB", "STZ_5FU", "PE", "FOLFOX", "OBSERVATION", "TEM")


def generate(path: Path, n: int, seed: int) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            setting = rng.choices(("advanced", "adjuvant", "neoadjuvant"), (8, 1, 1))[0]
            rec = realistic_record(rng, setting)
            if i % 3 == 0:
                rec["treatment_given"] = rng.sample(GIVEN, rng.choice((1, 1, 2)))
            f.write(json.dumps(rec) + "\n")


def serial_digest(path: Path) -> tuple[str, float, int]:
    """sha256 of the output one-at-a-time evaluate() gives (each line its to_dict() with the row), and its time."""
    h = hashlib.sha256()
    start = time.perf_counter()
    n = 0
    with open(path, encoding="utf-8") as f:
        for row, line in enumerate(f, start=1):
            rec = json.loads(line)
            rec.pop("treatment_given", None)
            data = {"row": row, **evaluate(rec).to_dict()}
            h.update((json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))
            n += 1
    return h.hexdigest(), time.perf_counter() - start, n


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def breakdown(path: Path, n: int = 3000) -> dict[str, float]:
    """Median-free, plain per-patient means of each step a worker and the parent take, on the first n records."""
    warm(None)
    with open(path, encoding="utf-8") as f:
        lines = [next(f) for _ in range(n)]
    out: dict[str, float] = {}
    t = time.perf_counter()
    parsed = [parse_record(RAW_JSON, line) for line in lines]
    out["parse JSONL line"] = time.perf_counter() - t
    t = time.perf_counter()
    evs = [evaluate(facts) for facts, _, _ in parsed]
    out["evaluate()"] = time.perf_counter() - t
    t = time.perf_counter()
    dicts = [e.to_dict() for e in evs]
    out["to_dict()"] = time.perf_counter() - t
    t = time.perf_counter()
    encoded = [json.dumps(d, ensure_ascii=False, separators=(",", ":")) for d in dicts]
    out["json.dumps of to_dict()"] = time.perf_counter() - t
    from netguide.cohort.encoding import LineEncoder

    enc = LineEncoder()
    [enc.line(i, e) for i, e in enumerate(evs)]  # parts kept, as in a worker past its first chunk
    t = time.perf_counter()
    fast = [enc.line(i, e) for i, e in enumerate(evs)]
    out["the cohort's line encoder (same bytes as to_dict() + dumps)"] = time.perf_counter() - t
    assert len(fast) == len(encoded)
    chunk = Chunk(0, RAW_JSON, list(enumerate(lines, start=1)))
    t = time.perf_counter()
    res = evaluate_chunk(chunk)
    out["whole worker chunk (parse+evaluate+to_dict+encode+tally)"] = time.perf_counter() - t
    t = time.perf_counter()
    blob = pickle.dumps(res, protocol=pickle.HIGHEST_PROTOCOL)
    pickle.loads(blob)
    out["pickle round trip of the chunk result (IPC, both ends)"] = time.perf_counter() - t
    text = "\n".join(encoded) + "\n"
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", delete=True) as tmp:
        t = time.perf_counter()
        tmp.write(text)
        tmp.flush()
        os.fsync(tmp.fileno())
        out["write the lines to disk (fsync)"] = time.perf_counter() - t
    per = {k: v / n * 1e6 for k, v in out.items()}
    per["bytes per answer line"] = len(text.encode("utf-8")) / n
    return per


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (pool workers of a forkserver are its grandchildren)."""
    parent_of: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent_of[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    out, frontier = [], [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, par in parent_of.items() if par == p]
        out += kids
        frontier += kids
    return out


def rss_run(sample: Path, repeat: int, folder: Path, jobs: int) -> None:
    """`netguide cohort` in a fresh process over the sample repeated `repeat` times, with a pool of `jobs`: resident
    memory of the command and of its largest worker sampled every second; growth between 10 % and 90 % of the run,
    and the peaks."""
    big = folder / "big.jsonl"
    with open(big, "w", encoding="utf-8") as out:
        for _ in range(repeat):
            with open(sample, encoding="utf-8") as f:
                shutil.copyfileobj(f, out)
    dst = folder / "big_out.jsonl"
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "netguide", "cohort", str(big), "--out", str(dst), "--jobs",
                             str(jobs), "--no-progress"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    samples: list[tuple[int, int]] = []
    while proc.poll() is None:
        time.sleep(1)
        samples.append((rss_kb(proc.pid), max((rss_kb(k) for k in descendants(proc.pid)), default=0)))
    took = time.perf_counter() - start
    written = dst.stat().st_size if dst.exists() else 0
    dst.unlink(missing_ok=True)
    big.unlink()
    if proc.returncode not in (0, 1) or len(samples) < 10:
        print(f"rss: the run failed or was too short (exit {proc.returncode}): {proc.stderr.read().decode()[:300]}")
        return
    early, last = samples[len(samples) // 10], samples[len(samples) * 9 // 10]  # the workers are gone at the end
    n = repeat * sum(1 for _ in open(sample, encoding="utf-8"))
    print(f"RSS over {n:,} patients ({took:.0f} s, {n / took:,.0f} patients/s, jobs {jobs}, {written / 1e9:.1f} GB "
          f"written): the command {early[0] / 1024:.0f} MB at 10 % -> {last[0] / 1024:.0f} MB at 90 % (peak "
          f"{max(s[0] for s in samples) / 1024:.0f} MB); largest worker {early[1] / 1024:.0f} MB -> "
          f"{last[1] / 1024:.0f} MB at 90 % (peak {max(s[1] for s in samples) / 1024:.0f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", default="1,2,dask", help="which runs: 1, 2 (processes), dask (2 workers)")
    ap.add_argument("--chunk-size", type=int, default=500)
    ap.add_argument("--rss-repeat", type=int, default=0, help="also run the sample this many times over for RSS")
    ap.add_argument("--keep", help="keep the generated sample at this path")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="netguide-bench-cohort-"))
    try:
        sample = folder / "sample.jsonl"
        t = time.perf_counter()
        generate(sample, args.patients, args.seed)
        print(f"sample: {args.patients:,} realistic records, seed {args.seed} ({time.perf_counter() - t:.0f} s); "
              f"{os.cpu_count()} cores; python {sys.version.split()[0]}")
        if args.keep:
            shutil.copy(sample, args.keep)
        runs = [r for r in args.runs.split(",") if r]
        if runs:
            print("per patient (µs), one process:")
            for k, v in breakdown(sample).items():
                print(f"  {k:58} {v:10.1f}")
            expected, took, n = serial_digest(sample)
            print(f"one-at-a-time evaluate() + to_dict() + json.dumps: {n / took:,.0f} patients/s ({took:.1f} s); "
                  f"load average {os.getloadavg()[0]:.1f} (other work on the machine slows every figure)")
        for run in runs:
            backend = "dask" if run == "dask" else "pool"
            jobs = 2 if run == "dask" else int(run)
            out = folder / "out.jsonl"
            t = time.perf_counter()
            res = run_cohort(sample, out, jobs=jobs, backend=backend, chunk_size=args.chunk_size)
            took = time.perf_counter() - t
            same = file_digest(out) == expected
            size = out.stat().st_size
            out.unlink()
            label = "dask, 2 workers" if run == "dask" else f"{jobs} process{'es' if jobs > 1 else ''}"
            print(f"{label:16} {res.records / took:10,.0f} patients/s ({took:.1f} s, {size / 1e9:.2f} GB written); "
                  f"output identical to one-at-a-time evaluate(): {'yes' if same else 'NO'}; load average "
                  f"{os.getloadavg()[0]:.1f}")
        if args.rss_repeat:
            rss_run(sample, args.rss_repeat, folder, jobs=2)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
