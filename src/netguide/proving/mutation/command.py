"""The `netguide mutate` command: its arguments, and the run that returns the report and its exit status."""
from __future__ import annotations

from netguide.reporting import CommandOutcome

import argparse
import sys
from pathlib import Path

from .report import survivor_line
from .runner import DEFAULT_JOBS, mutate


# The options it shares with other commands (netguide.cli.parser declares them once).
SHARED_OPTIONS = ("rules", "format", "seed", "scenarios")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sample", type=int, help="run a seeded sample of N mutants (CI: --sample 150 --seed 1)")
    p.add_argument("--rule", action="append", default=[], metavar="PREFIX",
                   help="only the mutants of rules whose id starts with PREFIX (repeatable), e.g. --rule g3.")
    p.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help=f"worker processes (default {DEFAULT_JOBS})")
    p.add_argument("--min-score", type=float, default=0.9, help="exit 1 below this score (default 0.9)")
    p.add_argument("--survivors", help="also write the survivors, one per line, to this file")


def run(args: argparse.Namespace) -> CommandOutcome:
    from netguide.errors import UsageError

    if not Path(args.scenarios).is_dir():
        raise UsageError(f"no such scenarios folder: {args.scenarios}")
    if args.sample is not None and args.sample < 1:
        raise UsageError("--sample must be at least 1")
    show = sys.stderr.isatty() and args.format == "text"

    def progress(done: int, total: int) -> None:
        if show and (done % 25 == 0 or done == total):
            print(f"\r{done}/{total} mutants", end="" if done < total else "\n", file=sys.stderr, flush=True)

    rep = mutate(args.rules, args.scenarios, sample=args.sample, seed=args.seed, jobs=args.jobs, progress=progress,
                 rule_prefixes=tuple(args.rule))
    if not rep.outcomes and args.rule:
        raise UsageError(f"no rule id starts with {' or '.join(args.rule)}")
    if args.survivors:
        Path(args.survivors).write_text("".join(survivor_line(o) + (f"  # {rep.hint(o)}" if rep.hint(o) else "") + "\n"
                                                for o in rep.survivors()), encoding="utf-8")
    return CommandOutcome(rep, rep.score is None or rep.score >= args.min_score, {"min_score": args.min_score})
