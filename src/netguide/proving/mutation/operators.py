"""The mutation operators, on the parsed rule files (the YAML data): each yields one change to one rule; generate_mutants lists them all."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from netguide.rulebook.implications import IMPLICATIONS_FILE
from netguide.rulebook.loader import DECLINED_FILE, RULEBOOK_MANIFEST, default_rules_dir
from netguide.rulebook.source import display_path, load
from netguide.vocabulary import BOOL, ENUM, FACTS, INTEGER

OPERATORS = ("drop_condition", "flip_comparison", "move_threshold", "swap_value", "drop_intervention")


NUMBER_DELTA = 5  # percentage points, for `number` facts (Ki-67 %)


INTEGER_DELTA = 1


FLIPPED_OPS = {"above": "at_most", "at_most": "above", "below": "at_least", "at_least": "below",
               "includes": "excludes", "excludes": "includes", "one_of": "not", "not": "one_of"}


NUMERIC_OPS = ("above", "at_least", "below", "at_most")


KeyPath = tuple[Any, ...]


@dataclass(frozen=True)
class Mutant:
    """One change to one rule: set the value at `edit` (or delete it when `delete`)."""

    id: int
    file: str  # the rule file's name in the rules folder
    line: int  # where the change is, in the unmutated file
    rule_id: str
    operator: str
    description: str
    edit: KeyPath
    value: Any = None
    delete: bool = False

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def apply(self, data: Any) -> Any:
        """A mutated deep copy of a rule file's data."""
        out = copy.deepcopy(data)
        parent = out
        for key in self.edit[:-1]:
            parent = parent[key]
        if self.delete:
            del parent[self.edit[-1]]
        else:
            parent[self.edit[-1]] = copy.deepcopy(self.value)
        return out


def _as_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def _renamed(mapping: dict, old: str, new: str, new_value: Any) -> dict:
    return {(new if k == old else k): (new_value if k == old else v) for k, v in mapping.items()}


def _sibling_values(fact: str, current: list[Any]) -> list[Any]:
    spec = FACTS[fact]
    if spec.type == ENUM:
        return [v for v in spec.values if v not in current]
    if spec.type == INTEGER:
        lo, hi = spec.range or (-10**9, 10**9)
        out: list[Any] = []
        for v in current:
            for w in (v - INTEGER_DELTA, v + INTEGER_DELTA):
                if lo <= w <= hi and w not in current and w not in out:
                    out.append(w)
        return out
    return []


def _moved(fact: str, t: Any) -> list[Any]:
    spec = FACTS[fact]
    lo, hi = spec.range or (-float("inf"), float("inf"))
    delta = INTEGER_DELTA if spec.type == INTEGER else NUMBER_DELTA
    out = []
    for v in (t - delta, t + delta):
        v = min(max(v, lo), hi)
        v = int(v) if float(v).is_integer() else v
        if v != t and v not in out:
            out.append(v)
    return out


Change = tuple[str, str, KeyPath, KeyPath, Any, bool]  # operator, description, at (for the line), edit, value, delete


def _value_changes(fact: str, raw: Any, kp: KeyPath, op: str = "") -> Iterator[Change]:
    """Sibling swaps of a value or list of values at kp (an enum or integer test, under `op` if given)."""
    values = raw if isinstance(raw, list) else [raw]
    shown_op = f"{op} " if op else ""
    for j, v in enumerate(values):
        for w in _sibling_values(fact, values):
            if isinstance(raw, list):
                new: Any = values[:j] + [w] + values[j + 1:]
                yield ("swap_value", f"{fact}: {shown_op}{_as_text(raw)} -> {shown_op}{_as_text(new)}", kp + (j,), kp, new,
                       False)
            else:
                yield "swap_value", f"{fact}: {shown_op}{_as_text(v)} -> {shown_op}{_as_text(w)}", kp, kp, w, False


def _fact_changes(fact: str, raw: Any, kp: KeyPath) -> Iterator[Change]:
    spec = FACTS[fact]
    if isinstance(raw, dict):
        for op, arg in raw.items():
            kpo = kp + (op,)
            if len(raw) > 1:
                yield "drop_condition", f"drop '{fact}: {op} {_as_text(arg)}'", kpo, kpo, None, True
            if op == "known":
                yield "flip_comparison", f"{fact}: known {_as_text(arg)} -> {_as_text(not arg)}", kpo, kpo, not arg, False
            elif op in FLIPPED_OPS and FLIPPED_OPS[op] not in raw:
                new_op = FLIPPED_OPS[op]
                new_arg = arg if new_op != "one_of" or isinstance(arg, list) else [arg]
                if new_op == "one_of" and len(raw) == 1:  # {not: X} -> X
                    yield "flip_comparison", f"{fact}: not {_as_text(arg)} -> {_as_text(arg)}", kpo, kp, arg, False
                else:
                    yield ("flip_comparison", f"{fact}: {op} {_as_text(arg)} -> {new_op} {_as_text(new_arg)}", kpo, kp,
                           _renamed(raw, op, new_op, new_arg), False)
            if op in NUMERIC_OPS:
                for t in _moved(fact, arg):
                    yield "move_threshold", f"{fact}: {op} {_as_text(arg)} -> {op} {_as_text(t)}", kpo, kpo, t, False
            if op in ("one_of", "not"):
                yield from _value_changes(fact, arg, kpo, op)
        return
    if spec.type == BOOL:
        yield "flip_comparison", f"{fact}: {_as_text(raw)} -> {_as_text(not raw)}", kp, kp, not raw, False
        return
    yield "flip_comparison", f"{fact}: {_as_text(raw)} -> not {_as_text(raw)}", kp, kp, {"not": raw}, False
    if spec.type in (ENUM, INTEGER):
        yield from _value_changes(fact, raw, kp)


def _condition_changes(raw: Any, kp: KeyPath, top: bool) -> Iterator[Change]:
    if not isinstance(raw, dict):
        return
    for key, value in raw.items():
        kpk = kp + (key,)
        if len(raw) > 1:
            yield "drop_condition", f"drop '{key}'", kpk, kpk, None, True
        elif top:
            yield "drop_condition", f"drop '{key}' (when: always)", kpk, kp, "always", False
        if key in ("all", "any") and isinstance(value, list):
            for j, item in enumerate(value):
                if len(value) > 1:
                    yield "drop_condition", f"drop {key}[{j}]", kpk + (j,), kpk + (j,), None, True
                yield from _condition_changes(item, kpk + (j,), False)
        elif key == "not":
            yield from _condition_changes(value, kpk, False)
            if isinstance(value, dict) and not set(value) & (set(raw) - {"not"}):
                merged: dict = {}
                for k, v in raw.items():
                    merged.update(value if k == "not" else {k: v})
                yield "flip_comparison", "remove 'not'", kpk, kp, merged, False
        elif key in FACTS:
            yield from _fact_changes(key, value, kpk)


def rule_changes(raw_rule: dict, base: KeyPath) -> Iterator[Change]:
    """Every single change the operators make to one raw rule (base: its key path in the file)."""
    when = raw_rule.get("when")
    if isinstance(when, dict):
        yield from _condition_changes(when, base + ("when",), True)
    unless = raw_rule.get("unless")
    if isinstance(unless, dict):  # the exception: each of its tests dropped or flipped (never all of it dropped,
        yield from _condition_changes(unless, base + ("unless",), False)  # which would leave `provided` alone)
    then = raw_rule.get("then") or {}
    for j, code in enumerate(then.get("interventions") or []):
        kpj = base + ("then", "interventions", j)
        yield "drop_intervention", f"drop intervention {code}", kpj, kpj, None, True


def generate_mutants(rules_dir: Path | str | None = None) -> tuple[list[Mutant], dict[str, Any], dict[str, str]]:
    """Every mutant of every rule file: (mutants, parsed data by file name, text by file name for every file)."""
    root = Path(rules_dir) if rules_dir is not None else default_rules_dir()
    manifest, _ = load(root / RULEBOOK_MANIFEST)
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(root.glob("*.yaml"))}
    datas: dict[str, Any] = {}
    mutants: list[Mutant] = []
    shown_root = display_path(root)
    for name in manifest.get("files") or []:
        if name in (RULEBOOK_MANIFEST, DECLINED_FILE, IMPLICATIONS_FILE) or name not in texts:
            continue
        data, locator = load(root / name, f"{shown_root}/{name}")
        datas[name] = data
        for i, raw in enumerate(data.get("rules") or []):
            if not isinstance(raw, dict) or raw.get("fallback"):
                continue
            for operator, desc, at, edit, value, delete in rule_changes(raw, ("rules", i)):
                line = locator.find(at).line or 0
                mutants.append(Mutant(len(mutants), f"{shown_root}/{name}", line, str(raw.get("id")), operator,
                                      desc, edit, value, delete))
    return mutants, datas, texts
