"""`netguide book --out DIR [--diff OLD]`: build the review book, and say what was written."""
from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netguide.reporting import CommandOutcome, text_reporter


@dataclass(frozen=True)
class BookResult:
    out: str
    pages: int
    rules: int
    scenarios: int
    version: str
    review_found: bool
    review_note: str | None
    changed_since_signoff: list[str]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@text_reporter(BookResult)
def render_book_result(r: BookResult) -> str:
    out = [f"review book: {r.pages} pages, {r.rules} rules, {r.scenarios} scenarios, rulebook {r.version}",
           f"  written to {r.out}/index.html ({r.seconds:.1f} s)"]
    if not r.review_found:
        out.append(f"  note: {r.review_note}")
    if r.changed_since_signoff:
        out.append(f"  changed since sign-off: {', '.join(r.changed_since_signoff)}")
    return "\n".join(out)


# The options it shares with other commands (netguide.cli.parser declares them once).
SHARED_OPTIONS = ("rules", "format", "scenarios", "seed")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="folder to write the site into (created if needed)")
    p.add_argument("--source", help="the review's text, for each quote in its paragraph (default: as `check` finds it)")
    p.add_argument("--inventory", help="review inventory (default: review/inventory.yaml of the repository)")
    p.add_argument("--diff", metavar="OLD", help="add a page on the impact of the edit from OLD (a git revision or a "
                   "rules folder) to these rules, and mark the rules it changed")
    p.add_argument("--patients", type=int, default=5_000, help="with --diff: patients sampled (default 5000)")


def run(args: argparse.Namespace) -> CommandOutcome:
    from netguide.errors import UsageError
    from netguide.proving.coverage import default_inventory
    from netguide.proving.scenarios import load_scenarios
    from netguide.rulebook.loader import load_rulebook
    from netguide.rulebook.quotes import SOURCE_ENV, find_source
    from netguide.rulebook.source import load

    from .context import ReviewText
    from .model import gather
    from .render import write_book

    start = time.perf_counter()
    book = load_rulebook(args.rules)
    scenarios_dir = _scenarios_folder(args.scenarios)
    scenarios = load_scenarios(scenarios_dir)
    inv_path = Path(args.inventory) if args.inventory else default_inventory()
    if args.inventory and not inv_path.is_file():
        raise UsageError(f"--inventory: no such file: {args.inventory}")
    inventory = load(inv_path)[0] if inv_path.is_file() else None
    lookup = find_source(args.source)
    if lookup.path is None and args.source:
        raise UsageError(f"--source: no such file: {args.source}")
    review = ReviewText.from_file(lookup.path) if lookup.path is not None else None
    note = None if review is not None else (
        "The review's text was not found, so each quote is shown without its paragraph. To add it, build again with "
        f"--source PATH, or set {SOURCE_ENV}=PATH, or place it at ../shared/source/zappi-2023-jcm-12-717.txt beside "
        "the repository.")
    diff = None
    if args.diff:
        from netguide.proving.impact import impact
        from netguide.proving.impact.sides import Side, open_side

        old = open_side(args.diff, args.rules)
        new = Side("these rules", book, scenarios_dir)
        diff = impact(old, new, args.patients, min(args.patients, 2_000), args.seed).to_dict()
    data = gather(book, scenarios, inventory, review, note, diff)
    pages = write_book(data, Path(args.out))
    changed = [r["id"] for r in data.rules if r["signoff"]["changed"]]
    result = BookResult(str(args.out), len(pages), len(data.rules), len(data.scenarios), data.version,
                        review is not None, note, changed, time.perf_counter() - start)
    return CommandOutcome(result, True)


def _scenarios_folder(given: str) -> Path:
    """--scenarios as given; the default `scenarios` is also looked for beside the shipped rules, so the book can be
    built from any working folder. A folder that is not there is an error, never a book without its proof."""
    from netguide.errors import UsageError
    from netguide.rulebook.quotes import repository_root

    path = Path(given)
    if path.is_dir():
        return path
    root = repository_root()
    if given == "scenarios" and root is not None and (root / "scenarios").is_dir():
        return root / "scenarios"
    raise UsageError(f"no such scenarios folder: {given} (give --scenarios DIR)")
