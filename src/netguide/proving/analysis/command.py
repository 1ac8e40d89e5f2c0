"""The `netguide analyze` command: its arguments, and the run that returns the analysis and its exit status."""
from __future__ import annotations

from netguide.reporting import CommandOutcome

import argparse

from netguide.rulebook.loader import load_rulebook

from .explorer import analyze
from .space import DEFAULTS


# The options it shares with other commands (netguide.cli.parser declares them once).
SHARED_OPTIONS = ("rules", "format", "seed")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-patients", type=int, default=DEFAULTS["max_patients"],
                   help=f"stop exploring after this many distinct patients (default {DEFAULTS['max_patients']})")


def run(args: argparse.Namespace) -> CommandOutcome:
    book = load_rulebook(args.rules)
    res = analyze(book, max_patients=args.max_patients, seed=args.seed)
    return CommandOutcome(res, res.ok)
