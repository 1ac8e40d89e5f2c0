"""`netguide coverage`: review-inventory items -> rules -> scenarios, and what is missing.

Complete means: every inventory item is encoded by a rule (`encodes`) or declined (rules/declined.yaml), never
both; every silent area (`silent-NN`, numbered from 1 in the inventory's order) is answered by a rule; every rule,
silent area and declined item is exercised by a scenario (a rule: a scenario's `expect` names it; a silent area:
a scenario expects one of its rules; a declined item: a scenario lists it under `covers`).
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netguide.rulebook.source import load

from netguide.errors import UsageError
from netguide.reporting import CommandOutcome, text_reporter

from netguide.rulebook.quotes import repository_root

from netguide.proving.scenarios import Scenario, distinct, load_scenarios
from netguide.rulebook.loader import Rulebook, load_rulebook

INVENTORY_IN_REPOSITORY = Path("review/inventory.yaml")  # the project's own data, beside rules/


def silent_id(n: int) -> str:
    return f"silent-{n:02d}"


@dataclass
class Coverage:
    items: dict[str, dict[str, Any]]  # id -> {"kind", "rules", "declined", "scenarios"}
    silent: dict[str, dict[str, Any]]  # silent-NN -> {"topic", "rules", "scenarios"}
    rules: dict[str, list[str]]  # rule id -> scenario names
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "items": self.items, "silent_areas": self.silent, "rules": self.rules,
                "problems": self.problems}

    def summary(self) -> dict[str, Any]:
        encoded = sum(1 for v in self.items.values() if v["rules"])
        declined = sum(1 for v in self.items.values() if v["declined"])
        return {
            "items": len(self.items), "encoded": encoded, "declined": declined,
            "items_accounted": sum(1 for v in self.items.values() if v["rules"] or v["declined"]),
            "silent_areas": len(self.silent), "silent_answered": sum(1 for v in self.silent.values() if v["rules"]),
            "silent_exercised": sum(1 for v in self.silent.values() if v["scenarios"]),
            "rules": len(self.rules), "rules_exercised": sum(1 for v in self.rules.values() if v),
            "scenarios": self.scenario_count, "cases": self.case_count, "complete": self.complete,
        }

    scenario_count: int = 0  # scenarios as written
    case_count: int = 0  # cases run: a scenario with `vary` is one case per variant


def compute_coverage(book: Rulebook, scenarios: list[Scenario], inventory: dict[str, Any]) -> Coverage:
    problems: list[str] = []
    items = {it["id"]: {"kind": it["kind"], "rules": [], "declined": None, "scenarios": []} for it in inventory["items"]}
    silent = {silent_id(i): {"topic": s["topic"], "rules": [], "scenarios": []}
              for i, s in enumerate(inventory.get("silent_areas", []), 1)}
    by_rule: dict[str, list[str]] = {r.id: [] for r in book.rules}
    written = distinct(scenarios)  # a scenario with `vary` counts once
    for s in written:
        for m in s.spec.expect:
            if m.rule in by_rule and s.spec.name not in by_rule[m.rule]:
                by_rule[m.rule].append(s.spec.name)
            elif m.rule is not None and m.rule not in by_rule:
                problems.append(f"{s.where('expect')}: scenario '{s.spec.name}' expects unknown rule '{m.rule}'")
    for r in book.rules:
        for ref in r.rule.encodes:
            target = items.get(ref) or silent.get(ref)
            if target is None:
                problems.append(f"{r.location('encodes')}: {r.id} encodes '{ref}', which is not an inventory item or silent area")
                continue
            target["rules"].append(r.id)
            target["scenarios"].extend(n for n in by_rule[r.id] if n not in target["scenarios"])
    for d in (book.declined.declined if book.declined else []):
        if d.item not in items:
            problems.append(f"rules/declined.yaml: '{d.item}' is not an inventory item")
            continue
        items[d.item]["declined"] = d.reason
        for rid in d.carried_by:
            if rid not in by_rule:
                problems.append(f"rules/declined.yaml: '{d.item}' is carried_by unknown rule '{rid}'")
    for s in written:
        for ref in s.spec.covers:
            if ref not in items:
                problems.append(f"{s.where('covers')}: scenario '{s.spec.name}' covers unknown item '{ref}'")
            elif s.spec.name not in items[ref]["scenarios"]:
                items[ref]["scenarios"].append(s.spec.name)
    for iid, v in items.items():
        if not v["rules"] and not v["declined"]:
            problems.append(f"item '{iid}' is neither encoded by a rule nor declined")
        if v["rules"] and v["declined"]:
            problems.append(f"item '{iid}' is both encoded ({', '.join(v['rules'])}) and declined")
        if v["declined"] and not v["scenarios"]:
            problems.append(f"declined item '{iid}' has no scenario (list it under a scenario's 'covers')")
    for sid, v in silent.items():
        if not v["rules"]:
            problems.append(f"{sid} ({v['topic']}) is answered by no rule")
        elif not v["scenarios"]:
            problems.append(f"{sid} ({v['topic']}) is exercised by no scenario")
    for r in book.rules:
        if not by_rule[r.id]:
            problems.append(f"{r.location()}: rule {r.id} is exercised by no scenario (no 'expect' names it)")
    cov = Coverage(items, silent, by_rule, problems)
    cov.scenario_count = len(written)
    cov.case_count = len(scenarios)
    return cov


def default_inventory() -> Path:
    """review/inventory.yaml beside the shipped rules/ (the repository's), else in the working folder."""
    root = repository_root()
    return (root / INVENTORY_IN_REPOSITORY) if root is not None else INVENTORY_IN_REPOSITORY


# The options it shares with other commands (netguide.cli.parser declares them once).
SHARED_OPTIONS = ("rules", "format", "scenarios")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--inventory", help=f"review inventory (default: {INVENTORY_IN_REPOSITORY} of the repository)")
    p.add_argument("--details", action="store_true", help="list every item with its rules and scenarios")


def run(args: argparse.Namespace) -> CommandOutcome:
    inv_path = Path(args.inventory) if args.inventory else default_inventory()
    if not inv_path.is_file():
        raise UsageError(f"no inventory at {inv_path} (pass --inventory PATH)")
    inventory, _ = load(inv_path)  # the hardened loader every data file goes through
    cov = compute_coverage(load_rulebook(args.rules), load_scenarios(args.scenarios), inventory)
    return CommandOutcome(cov, cov.complete, {"details": args.details})


@text_reporter(Coverage)
def render_coverage(cov: Coverage, details: bool = False) -> str:
    s = cov.summary()
    out: list[str] = []
    if details:
        for iid, v in cov.items.items():
            how = ", ".join(v["rules"]) if v["rules"] else f"DECLINED: {v['declined']}" if v["declined"] else "MISSING"
            out.append(f"{iid} [{v['kind']}] -> {how} -> {len(v['scenarios'])} scenario(s)")
        for sid, v in cov.silent.items():
            out.append(f"{sid} {v['topic']} -> {', '.join(v['rules']) or 'MISSING'} -> {len(v['scenarios'])} scenario(s)")
        out.append("")
    out += list(cov.problems)
    out.append(f"inventory items: {s['items_accounted']}/{s['items']} encoded or declined "
               f"({s['encoded']} encoded, {s['declined']} declined)")
    out.append(f"silent areas: {s['silent_answered']}/{s['silent_areas']} answered, {s['silent_exercised']} exercised "
               "by scenarios")
    out.append(f"rules: {s['rules_exercised']}/{s['rules']} exercised by {s['scenarios']} scenarios "
               f"({s['cases']} cases with their variants)")
    out.append("coverage: complete" if cov.complete else f"coverage: INCOMPLETE ({len(cov.problems)} problems)")
    return "\n".join(out)
