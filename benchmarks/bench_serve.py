"""A bounded load run of the CDS Hooks service: a real `netguide serve` (uvicorn, local mode, a fresh SQLite file)
on 127.0.0.1, driven by several concurrent HTTP clients with keep-alive, each posting the examples' patient-view and
order-select requests in turn, plus a few discovery calls.

Run:  python benchmarks/bench_serve.py [--requests 4000] [--clients 8] [--url http://127.0.0.1:8080] [--json]

Prints p50 / p90 / p99 / max latency per hook, the throughput, and every non-200 answer or transport error. With
--url it drives a server already running (then the server's own options apply); otherwise it starts and stops one.
This is a benchmark, not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from live_server import NetguideServer  # noqa: E402  (the live tests' launcher: one way to start the service)

REQUESTS = {
    "patient-view": ("/cds-services/netguide-patient-view", ROOT / "examples" / "cds_hooks_patient_view.json"),
    "order-select": ("/cds-services/netguide-order-select", ROOT / "examples" / "cds_hooks_order_select.json"),
}


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=4000, help="hook requests in all (default 4000)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    ap.add_argument("--url", help="a running service (default: start one)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    bodies = {name: path.read_bytes() for name, (_, path) in REQUESTS.items()}
    server = None
    tmp = tempfile.TemporaryDirectory()
    if args.url:
        url = args.url.rstrip("/")
    else:
        server = NetguideServer("--local", "--db", os.path.join(tmp.name, "feedback.sqlite3"),
                                log=Path(tmp.name) / "serve.log")
        url = server.url
    latencies: dict[str, list[float]] = {name: [] for name in REQUESTS}
    latencies["discovery"] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(args.requests))
    names = list(REQUESTS)

    def client() -> None:
        with httpx.Client(base_url=url, timeout=60, headers={"Content-Type": "application/json"}) as c:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                name = names[i % len(names)]
                path = REQUESTS[name][0]
                t0 = time.perf_counter()
                try:
                    r = c.post(path, content=bodies[name])
                    ok = r.status_code == 200 and r.json().get("cards")
                    why = None if ok else f"{name}: HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    why = f"{name}: {type(exc).__name__}"
                dt = time.perf_counter() - t0
                with lock:
                    latencies[name].append(dt)
                    if why:
                        errors.append(why)
                if i % 500 == 0:  # discovery now and then, as an EHR re-reads it
                    t0 = time.perf_counter()
                    r = c.get("/cds-services")
                    with lock:
                        latencies["discovery"].append(time.perf_counter() - t0)
                        if r.status_code != 200:
                            errors.append(f"discovery: HTTP {r.status_code}")

    # warm-up: the first answers build caches; they are not counted
    with httpx.Client(base_url=url, timeout=60) as c:
        for name, (path, _) in REQUESTS.items():
            c.post(path, content=bodies[name], headers={"Content-Type": "application/json"})
    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if server is not None:
        server.stop()
    tmp.cleanup()
    done = sum(len(v) for k, v in latencies.items() if k != "discovery")
    figures = {
        "requests": done, "clients": args.clients, "seconds": round(wall, 2),
        "requests_per_second": round(done / wall, 1), "errors": len(errors), "error_kinds": sorted(set(errors)),
        "latency_ms": {name: {"n": len(v), "p50": round(percentile(v, 50) * 1000, 1),
                              "p90": round(percentile(v, 90) * 1000, 1), "p99": round(percentile(v, 99) * 1000, 1),
                              "max": round(max(v) * 1000, 1) if v else None,
                              "mean": round(statistics.fmean(v) * 1000, 1) if v else None}
                       for name, v in latencies.items()},
    }
    every = [x for k, v in latencies.items() if k != "discovery" for x in v]
    figures["latency_ms"]["all hooks"] = {"n": len(every), "p50": round(percentile(every, 50) * 1000, 1),
                                          "p90": round(percentile(every, 90) * 1000, 1),
                                          "p99": round(percentile(every, 99) * 1000, 1),
                                          "max": round(max(every) * 1000, 1) if every else None,
                                          "mean": round(statistics.fmean(every) * 1000, 1) if every else None}
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{done} hook requests from {args.clients} clients in {wall:.1f} s: {figures['requests_per_second']} "
              f"req/s, {len(errors)} errors" + (f" ({', '.join(figures['error_kinds'])})" if errors else ""))
        for name, f in figures["latency_ms"].items():
            print(f"  {name:13s} n={f['n']:5d}  p50 {f['p50']:7.1f} ms  p90 {f['p90']:7.1f} ms  "
                  f"p99 {f['p99']:7.1f} ms  max {f['max']} ms")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
