"""The `netguide diff OLD [NEW]` command: its arguments, and the run that returns the impact of the edit."""
from __future__ import annotations

import argparse

from netguide.reporting import CommandOutcome

from .report import impact
from .sides import open_side

# The options it shares with other commands (netguide.cli.parser declares them once).
SHARED_OPTIONS = ("rules", "format", "seed")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", help="the rules before the edit: a git revision (HEAD~1, main, a tag) or a folder")
    p.add_argument("new", nargs="?", help="the rules after it: a revision or a folder (default: the rules folder as "
                   "it is on disk, --rules or the shipped rules)")
    p.add_argument("--patients", type=int, default=10_000,
                   help="patients sampled from the fact space the rules test (default 10000; 0 for none)")
    p.add_argument("--records", type=int, default=3_000,
                   help="realistic referral records sampled (default 3000; 0 for none)")


def run(args: argparse.Namespace) -> CommandOutcome:
    from netguide.errors import UsageError
    from netguide.rulebook.loader import default_rules_dir

    if args.patients < 0 or args.records < 0:
        raise UsageError("--patients and --records take a count of 0 or more")
    old = open_side(args.old, args.rules)
    new = open_side(args.new or str(args.rules or default_rules_dir()), args.rules)
    result = impact(old, new, args.patients, args.records, args.seed)
    return CommandOutcome(result, True)  # a difference is what was asked for, not a failure
