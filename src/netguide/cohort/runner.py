"""Run a cohort: read in input order, evaluate chunks on a backend, write the answers back in input order.

Backends:
- `jobs == 1` (backend "pool"): in this process, no pickling at all;
- "pool": a concurrent.futures process pool with a pinned start method (forkserver where the platform has it, else
  spawn; fork is accepted and correct, since the engine rebuilds a session a fork split), each worker warming its
  engine in its initializer;
- "dask": a dask.distributed cluster (the address given, or a LocalCluster of `jobs` single-threaded worker
  processes), each worker warming its engine once through a worker plugin (and on first use otherwise).

Memory stays flat however long the input: records are read lazily, at most `window` chunks are in flight (submitted
and not yet written), and each chunk is written and dropped as soon as every chunk before it has been.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator

from netguide.cohort.concordance import ConcordanceReport, build_report, render_concordance
from netguide.cohort.readers import CohortInputError, Opened, ReadOptions, reader_for
from netguide.cohort.worker import Chunk, ChunkResult, evaluate_chunk, warm
from netguide.cohort.writers import WRITERS, output_format
from netguide.errors import UsageError
from netguide.reporting import text_reporter

# 500 answers of ~30 KB are ~15 MB a chunk: big enough that the per-chunk cost (a task, a pickle, a write call)
# vanishes, small enough that the 2 x workers + 1 chunks in flight stay under 100 MB in the parent.
DEFAULT_CHUNK = 500
BACKENDS = ("pool", "dask")
# forkserver: workers start clean (no threads or locks inherited from a parent that may run a progress bar or a
# dask client), without spawn's full re-import per worker; spawn where forkserver does not exist.
DEFAULT_START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
SUMMARY_ERRORS = 20


@dataclass
class CohortResult:
    """What a cohort run did: counts, the first invalid rows with their problems, and the concordance report."""

    input: str
    output: str
    output_format: str
    backend: str
    jobs: int
    rulebook_version: str
    records: int = 0
    invalid: int = 0
    with_treatment: int = 0
    errors: list[tuple[int, list[dict[str, Any]]]] = field(default_factory=list)
    invalid_fields: Counter = field(default_factory=Counter)
    concordance: ConcordanceReport | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.invalid

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input, "output": self.output, "output_format": self.output_format,
                "backend": self.backend, "jobs": self.jobs, "rulebook_version": self.rulebook_version,
                "records": self.records, "evaluated": self.records - self.invalid, "invalid": self.invalid,
                "records_with_treatment": self.with_treatment,
                "invalid_rows": [{"row": r, "problems": p} for r, p in self.errors],
                "invalid_fields": dict(sorted(self.invalid_fields.items())),
                "concordance": self.concordance.to_dict() if self.concordance else None,
                "seconds": round(self.seconds, 3)}


def chunks(opened: Opened, size: int, output: str, concordance: bool = True) -> Iterator[Chunk]:
    """The records in chunks of `size`, numbered from row 1 in input order."""
    rows = enumerate(opened.records, start=1)
    index = 0
    while True:
        batch = list(islice(rows, size))
        if not batch:
            return
        yield Chunk(index, opened.kind, batch, opened.header, output, concordance)
        index += 1


def _in_process(work: Iterator[Chunk], rules: str | None, **_: Any) -> Iterator[ChunkResult]:
    warm(rules)
    for chunk in work:
        yield evaluate_chunk(chunk, rules)


def _ordered(submit: Callable[[Chunk], Any], result: Callable[[Any], ChunkResult], work: Iterator[Chunk],
             window: int) -> Iterator[ChunkResult]:
    """Results in submission order with at most `window` chunks in flight: the oldest is awaited before another
    is submitted, so a slow chunk holds back the writer, never memory."""
    pending: deque = deque()
    for chunk in work:
        pending.append(submit(chunk))
        if len(pending) >= window:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


def _pool(work: Iterator[Chunk], rules: str | None, jobs: int, start_method: str | None = None,
          **_: Any) -> Iterator[ChunkResult]:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context(start_method or DEFAULT_START_METHOD)
    # ProcessPoolExecutor rather than multiprocessing.Pool: a worker that dies (killed, out of memory) fails the run
    # with BrokenProcessPool instead of leaving it waiting forever.
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=warm, initargs=(rules,)) as pool:
        try:
            yield from _ordered(lambda c: pool.submit(evaluate_chunk, c, rules), lambda f: f.result(), work,
                                window=2 * jobs + 1)
        except BrokenProcessPool:
            raise CohortInputError("a cohort worker process died (killed, or out of memory); nothing after the "
                                   "last written row was evaluated") from None
        except BaseException:  # Ctrl-C, a write error: drop the chunks not yet started rather than finish them
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _dask(work: Iterator[Chunk], rules: str | None, jobs: int, scheduler: str | None = None,
          **_: Any) -> Iterator[ChunkResult]:
    try:
        import logging

        from distributed import Client, LocalCluster
    except ImportError:
        raise CohortInputError("--backend dask needs dask.distributed: pip install -e \".[cohort]\"") from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        # one thread per worker process: the engine serialises evaluations behind one lock, so more threads gain
        # nothing and would only share it
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        from netguide.cohort.dask_plugin import WarmEngine

        client.register_plugin(WarmEngine(rules))
        workers = max(1, len(client.scheduler_info().get("workers", {})) or jobs)
        yield from _ordered(lambda c: client.submit(evaluate_chunk, c, rules, pure=False),
                            lambda f: f.result(), work, window=2 * workers + 1)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _progress(enabled: bool) -> Any:
    """A progress bar on a terminal (standard error), nothing otherwise."""
    if not enabled or not getattr(sys.stderr, "isatty", lambda: False)():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(unit=" patients", unit_scale=True, file=sys.stderr, leave=False, dynamic_ncols=True)


def run_cohort(input_path: str | Path, out: str | Path, *, jobs: int | None = None, backend: str = "pool",
               scheduler: str | None = None, chunk_size: int = DEFAULT_CHUNK, rules: str | Path | None = None,
               input_format: str | None = None, ignore_columns: frozenset[str] = frozenset(),
               start_method: str | None = None, progress: bool = False, setting: str | None = None) -> CohortResult:
    """Evaluate every record of `input_path` and write one answer per record, in input order, to `out`; the
    concordance report when any record gives its treatment. Invalid records become error answers; the run goes on."""
    from netguide.rulebook.loader import load_rulebook

    src, dst = Path(input_path), Path(out)
    if backend not in BACKENDS:
        raise UsageError(f"--backend: one of {', '.join(BACKENDS)}")
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1 or chunk_size < 1:
        raise UsageError("--jobs and --chunk-size are at least 1")
    if scheduler and backend != "dask":
        raise UsageError("--scheduler is for --backend dask")
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        raise UsageError("--out is the input file")
    fmt = output_format(dst)
    reader = reader_for(src, input_format)
    # Workers are handed the rules folder's absolute path: a worker may start in another folder (a dask worker on
    # another machine must see the same path).
    rules_arg = str(Path(rules).resolve()) if rules is not None else None
    book = load_rulebook(rules_arg)  # rule-file problems stop the run here, before any worker starts
    if setting is not None and reader.name != "fhir":
        raise UsageError("--setting is for FHIR input (other inputs give treatment_setting in each record)")
    opened = reader.open(src, ReadOptions(frozenset(ignore_columns), batch_size=chunk_size, setting=setting))
    result = CohortResult(str(src), str(dst), fmt, backend if jobs > 1 or backend == "dask" else "in-process",
                          jobs, book.version_string)
    run = _dask if backend == "dask" else _pool if jobs > 1 else _in_process
    partial = dst.with_name(dst.name + ".partial")
    writer = WRITERS[fmt](partial)
    tally: Counter = Counter()
    bar = _progress(progress)
    start = time.perf_counter()
    try:
        for res in run(chunks(opened, chunk_size, fmt), rules_arg, jobs=jobs, scheduler=scheduler,
                       start_method=start_method):
            writer.write(res)
            result.records += res.records
            result.invalid += res.invalid
            result.with_treatment += res.with_treatment
            result.invalid_fields.update(res.fields)
            result.errors.extend(res.errors[:max(0, SUMMARY_ERRORS - len(result.errors))])
            tally.update(res.tally)
            if bar is not None:
                bar.update(res.records)
        writer.close()
        os.replace(partial, dst)  # the output appears whole or not at all
    except BaseException:
        try:
            writer.close()
        except Exception:
            pass
        partial.unlink(missing_ok=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    result.seconds = time.perf_counter() - start
    if result.with_treatment:
        order = {r.id: r.index for r in book.rules}
        result.concordance = build_report(tally, book.version_string, result.records - result.invalid, order)
    return result


@text_reporter(CohortResult)
def render_result(result: CohortResult, **_: Any) -> str:
    rate = result.records / result.seconds if result.seconds else 0
    out = [f"{result.records:,} records from {result.input} -> {result.output} ({result.output_format}); "
           f"rulebook {result.rulebook_version}",
           f"{result.backend}, {result.jobs} job{'s' if result.jobs != 1 else ''}: {result.seconds:.1f} s, "
           f"{rate:,.0f} patients/s"]
    if result.invalid:
        out.append(f"invalid rows: {result.invalid:,} (each written to the output as an error answer); by field: "
                   + ", ".join(f"{f} {n:,}" for f, n in result.invalid_fields.most_common()))
        for row, problems in result.errors:
            out.append(f"  row {row}: " + "; ".join(_problem_text(p) for p in problems))
        if result.invalid > len(result.errors):
            out.append(f"  ... and {result.invalid - len(result.errors):,} more invalid rows (see the output)")
    else:
        out.append("invalid rows: 0")
    if result.concordance is not None:
        out += ["", render_concordance(result.concordance)]
    else:
        out.append("concordance: no record gives its treatment (column 'treatment_given')")
    return "\n".join(out)


def _problem_text(p: dict[str, Any]) -> str:
    text = p.get("message", "")
    if p.get("field") and not text.startswith(str(p["field"])):
        text = f"{p['field']}: {text}"
    if "value" in p and p["value"] is not None and repr(p["value"]) not in text:
        text += f" (got {p['value']!r})"
    if p.get("allowed") and str(p["allowed"]) not in text:
        text += f"; allowed: {p['allowed']}"
    if p.get("suggestion"):
        text += f" (did you mean '{p['suggestion']}'?)"
    return text
