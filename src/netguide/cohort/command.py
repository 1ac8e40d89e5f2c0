"""`netguide cohort INPUT --out OUTPUT`: every record of a registry evaluated, one answer per record in input order,
and the concordance report when the input records the treatment given.

    netguide cohort patients.csv --out answers.jsonl [--jobs N] [--backend pool|dask [--scheduler ADDRESS]]
        [--concordance report.txt|report.json] [--measure-report measure.json [--period 2024-01-01/2024-12-31]]
        [--input-format csv|jsonl|parquet|fhir] [--ignore-columns A,B] [--chunk-size N] [--start-method M]

Standard output gets the run's summary (text, or --format json): records, invalid rows with their row number and
field, and the concordance report. Exit 0 when every record was evaluated, 1 when any was invalid (each is still in
the output, as an error answer), 2 for usage errors.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import re
from pathlib import Path

from netguide.cohort.concordance import ConcordanceReport
from netguide.cohort.runner import BACKENDS, DEFAULT_CHUNK, run_cohort
from netguide.errors import OutputError, UsageError
from netguide.reporting import CommandOutcome, render

SHARED_OPTIONS = ("rules", "format")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="patients: .csv, .jsonl, .parquet, or .fhir.ndjson (a FHIR Bundle a line); or "
                   "--input-format")
    p.add_argument("--out", required=True, help="answers: .jsonl or .parquet, one per input record in input order")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: every core)")
    p.add_argument("--backend", choices=BACKENDS, default="pool",
                   help="pool (default: a process pool on this machine) or dask (a dask.distributed cluster)")
    p.add_argument("--scheduler", help="dask scheduler address (default: a LocalCluster of --jobs workers)")
    p.add_argument("--input-format", help="csv, jsonl, parquet or fhir (default: from the suffix)")
    p.add_argument("--setting", choices=("advanced", "adjuvant", "neoadjuvant"),
                   help="FHIR input: the treatment setting of every record (a code never gives it)")
    p.add_argument("--ignore-columns", default="", help="input columns to leave out, comma-separated")
    p.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK,
                   help=f"records per chunk sent to a worker (default {DEFAULT_CHUNK})")
    p.add_argument("--start-method", choices=multiprocessing.get_all_start_methods(),
                   help="how pool workers start (default forkserver where available, else spawn)")
    p.add_argument("--concordance", help="also write the concordance report here (.json: JSON, else text)")
    p.add_argument("--measure-report", help="also write the concordance as a FHIR R4 MeasureReport (JSON) here")
    p.add_argument("--period", help="the MeasureReport's period, START/END (FHIR dates), e.g. 2024-01-01/2024-12-31")
    p.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")


_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")


def _period(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None
    start, _, end = text.partition("/")
    if not (_DATE.fullmatch(start) and _DATE.fullmatch(end)):
        raise UsageError(f"--period {text!r}: write START/END as FHIR dates (2024-01-01/2024-12-31)")
    return start, end


def _write(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{path}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> CommandOutcome:
    from netguide.cohort.measure import measure_report

    period = _period(args.period)
    ignore = frozenset(c.strip() for c in args.ignore_columns.split(",") if c.strip())
    result = run_cohort(args.input, args.out, jobs=args.jobs, backend=args.backend, scheduler=args.scheduler,
                        chunk_size=args.chunk_size, rules=args.rules, input_format=args.input_format,
                        ignore_columns=ignore, start_method=args.start_method, progress=not args.no_progress,
                        setting=args.setting)
    report = result.concordance
    for path, what in ((args.concordance, "--concordance"), (args.measure_report, "--measure-report")):
        if path and report is None:
            raise UsageError(f"{what}: no record gives its treatment (column 'treatment_given'), so there is no "
                             "concordance to report; the answers were written to " + result.output)
    if args.concordance:
        _write(args.concordance, render(report, "json" if args.concordance.endswith(".json") else "text"))
    if args.measure_report:
        _write(args.measure_report, json.dumps(measure_report(report, period), indent=2, ensure_ascii=False) + "\n")
    return CommandOutcome(result, result.ok)


__all__ = ["add_arguments", "run", "ConcordanceReport"]
