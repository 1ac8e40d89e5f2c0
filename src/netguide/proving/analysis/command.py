"""The `netguide analyze` command: its arguments, and the run that returns the analysis and its exit status."""
from __future__ import annotations

import argparse
import json

from netguide.rulebook.loader import load_rulebook

from .explorer import analyze
from .report import render_text
from .space import DEFAULTS


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", help="rules folder (default: the shipped rules)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--max-patients", type=int, default=DEFAULTS["max_patients"],
                   help=f"stop exploring after this many distinct patients (default {DEFAULTS['max_patients']})")
    p.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="seed of every sample taken (default 1)")


def run(args: argparse.Namespace) -> int:
    book = load_rulebook(args.rules)
    res = analyze(book, max_patients=args.max_patients, seed=args.seed)
    if args.format == "json":
        print(json.dumps(res.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        print(render_text(res), end="")
    return 0 if res.ok else 1
