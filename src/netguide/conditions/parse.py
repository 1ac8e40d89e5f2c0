"""Parsing a rule file's `when` (or `unless`) into a condition tree, every problem at its file:line with a suggestion."""
from __future__ import annotations

import math
from typing import Any

from netguide.errors import Problem
from netguide.rulebook.source import KeyPath, Locator
from netguide.suggestions import suggest
from netguide.vocabulary import BOOL, ENUM, FACTS, INTEGER, LIST, NUMBER

from .tree import ALWAYS, ALWAYS_WORD, All, AnyOf, Condition, Not, Test

# Operators an author may write, by fact type. Comparison words are spelled out for clinical readers.
NUMERIC_OPS = {"above": "gt", "at_least": "ge", "below": "lt", "at_most": "le"}


OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    ENUM: ("one_of", "not", "known"),
    BOOL: ("known",),
    NUMBER: ("above", "at_least", "below", "at_most", "known"),
    INTEGER: ("above", "at_least", "below", "at_most", "one_of", "not", "known"),
    LIST: ("includes", "excludes", "empty", "known"),
}




class _Parser:
    def __init__(self, locator: Locator | None):
        self.locator = locator
        self.problems: list[Problem] = []

    def problem(self, code: str, message: str, keypath: KeyPath, **kw: Any) -> None:
        loc = self.locator.find(keypath) if self.locator else None
        self.problems.append(Problem(code, message, loc, **kw))

    def condition(self, raw: Any, kp: KeyPath) -> Condition | None:
        if raw == ALWAYS_WORD and kp and kp[-1] == "when":
            return ALWAYS
        if not isinstance(raw, dict) or not raw:
            self.problem("invalid-condition", f"a condition must be a non-empty mapping of facts, not {raw!r}", kp,
                         value=raw, allowed="a mapping such as {grade: G3, stage: advanced}")
            return None
        parts: list[Condition] = []
        for key, value in raw.items():
            part = self.entry(str(key), value, kp + (key,))
            if part is not None:
                parts.append(part)
        if len(parts) != len(raw):
            return None
        return parts[0] if len(parts) == 1 else All(tuple(parts))

    def entry(self, key: str, value: Any, kp: KeyPath) -> Condition | None:
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                self.problem("invalid-condition", f"'{key}' takes a non-empty list of conditions", kp, value=value)
                return None
            items = [self.condition(v, kp + (i,)) for i, v in enumerate(value)]
            if any(i is None for i in items):
                return None
            return All(tuple(items)) if key == "all" else AnyOf(tuple(items))  # type: ignore[arg-type]
        if key == "not":
            inner = self.condition(value, kp)
            return Not(inner) if inner is not None else None
        if key not in FACTS:
            self.problem("unknown-fact", f"'{key}' is not a patient fact", kp, field=key,
                         allowed="a fact of vocabulary.yaml, or all / any / not", suggestion=suggest(key, FACTS))
            return None
        return self.fact_test(key, value, kp)

    def fact_test(self, fact: str, raw: Any, kp: KeyPath) -> Condition | None:
        spec = FACTS[fact]
        if isinstance(raw, dict):
            if not raw:
                self.problem("invalid-condition", f"empty test for '{fact}'", kp, field=fact)
                return None
            tests = [self.operator(fact, str(op), arg, kp + (op,)) for op, arg in raw.items()]
            if any(t is None for t in tests):
                return None
            return tests[0] if len(tests) == 1 else All(tuple(tests))  # type: ignore[arg-type]
        if spec.type == LIST:
            self.problem("invalid-operator", f"'{fact}' is a list of therapies: write includes / excludes / known",
                         kp, field=fact, value=raw, allowed="{includes: CODE}, {excludes: CODE}, {known: true}")
            return None
        if isinstance(raw, list):
            return self.one_of(fact, raw, kp)
        value = self.value(fact, raw, kp)
        return None if value is _BAD else Test(fact, "eq", value, kp)

    def one_of(self, fact: str, raw: Any, kp: KeyPath) -> Test | None:
        spec = FACTS[fact]
        if spec.type not in (ENUM, INTEGER):
            self.problem("invalid-operator", f"'{fact}' is {spec.type}: a list of values does not fit", kp,
                         field=fact, value=raw, allowed=spec.allowed())
            return None
        if not isinstance(raw, list) or not raw:
            self.problem("invalid-value", f"'{fact}': expected a non-empty list of values", kp, field=fact, value=raw)
            return None
        values = [self.value(fact, v, kp + (i,)) for i, v in enumerate(raw)]
        if any(v is _BAD for v in values):
            return None
        if len(set(values)) != len(values):
            self.problem("duplicate-value", f"'{fact}': a value is listed twice in {raw}", kp, field=fact, value=raw)
            return None
        if len(values) == 1:
            return Test(fact, "eq", values[0], kp)
        return Test(fact, "in", frozenset(values), kp)

    def operator(self, fact: str, op: str, arg: Any, kp: KeyPath) -> Condition | None:
        spec = FACTS[fact]
        allowed_ops = OPERATORS_BY_TYPE[spec.type]
        if op not in allowed_ops:
            every = sorted({o for ops in OPERATORS_BY_TYPE.values() for o in ops})
            known_elsewhere = op in every
            msg = (f"'{op}' does not fit '{fact}' ({spec.type})" if known_elsewhere
                   else f"'{op}' is not an operator")
            self.problem("invalid-operator", msg, kp, field=fact, value=op, allowed=", ".join(allowed_ops),
                         suggestion=None if known_elsewhere else suggest(op, allowed_ops))
            return None
        if op == "known":
            if not isinstance(arg, bool):
                self.problem("invalid-value", f"'known' takes true or false, not {arg!r}", kp, field=fact, value=arg)
                return None
            return Test(fact, "known" if arg else "unknown", None, kp)
        if op == "empty":
            if not isinstance(arg, bool):
                self.problem("invalid-value", f"'empty' takes true or false, not {arg!r}", kp, field=fact, value=arg)
                return None
            return Test(fact, "empty" if arg else "nonempty", None, kp)
        if op in NUMERIC_OPS:
            if isinstance(arg, bool) or not isinstance(arg, (int, float)) or not math.isfinite(arg):
                self.problem("invalid-value", f"'{op}' on '{fact}' takes a number, not {arg!r}", kp, field=fact,
                             value=arg, allowed=spec.allowed())
                return None
            lo, hi = spec.range or (-math.inf, math.inf)
            if not lo <= arg <= hi:
                self.problem("invalid-value", f"{arg!r} is outside the range of '{fact}'", kp, field=fact, value=arg,
                             allowed=spec.allowed())
                return None
            return Test(fact, NUMERIC_OPS[op], arg, kp)
        if op == "one_of":
            return self.one_of(fact, arg, kp)
        if op == "not":
            inner = self.one_of(fact, arg, kp) if isinstance(arg, list) else self._eq(fact, arg, kp)
            return Not(inner) if inner is not None else None
        # includes / excludes on a list fact: one code, or a list meaning any of them (includes) / none (excludes)
        codes = arg if isinstance(arg, list) else [arg]
        values = [self.value(fact, c, kp + ((i,) if isinstance(arg, list) else ())) for i, c in enumerate(codes)]
        if not codes or any(v is _BAD for v in values):
            if not codes:
                self.problem("invalid-value", f"'{op}' needs at least one code", kp, field=fact)
            return None
        tests = [Test(fact, "has", v, kp) for v in values]
        has_any: Condition = tests[0] if len(tests) == 1 else AnyOf(tuple(tests))
        return has_any if op == "includes" else Not(has_any)

    def _eq(self, fact: str, raw: Any, kp: KeyPath) -> Test | None:
        value = self.value(fact, raw, kp)
        return None if value is _BAD else Test(fact, "eq", value, kp)

    def value(self, fact: str, raw: Any, kp: KeyPath) -> Any:
        spec = FACTS[fact]
        ok = False
        if spec.type in (ENUM, LIST):
            ok = isinstance(raw, str) and raw in spec.values
        elif spec.type == BOOL:
            ok = isinstance(raw, bool)
        elif spec.type in (NUMBER, INTEGER):
            ok = isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw)
            if ok and spec.type == INTEGER:
                ok = float(raw).is_integer()
            if ok and spec.range:
                ok = spec.range[0] <= raw <= spec.range[1]
        if ok:
            return raw
        code = "unknown-intervention" if spec.type == LIST else "unknown-value"
        what = "an intervention code" if spec.type == LIST else f"a value of '{fact}'"
        self.problem(code, f"{raw!r} is not {what}", kp, field=fact, value=raw,
                     allowed="an intervention code of vocabulary.yaml" if spec.type == LIST else spec.allowed(),
                     suggestion=suggest(raw, spec.values) if spec.values else None)
        return _BAD


_BAD = object()


def parse_condition(raw: Any, keypath: KeyPath = (), locator: Locator | None = None) -> tuple[Condition | None, list[Problem]]:
    """Parse a raw `when` mapping; return the condition (None if invalid) and every problem found."""
    parser = _Parser(locator)
    cond = parser.condition(raw, keypath)
    return (cond if not parser.problems else None), parser.problems
