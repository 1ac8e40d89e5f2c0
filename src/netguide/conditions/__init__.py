"""The condition language of rule files: parsing `when`, three-valued evaluation, and normal forms.

A condition is a YAML mapping. Several keys in one mapping must all hold. Keys are patient facts or the
combinators `all`, `any` and `not`. A fact's test is a value (equal to it), a list (any of these values),
or a mapping of operators (see rules/README.md).

Absent facts are unknown, never false: a test on an absent fact is UNKNOWN, and the logic is Kleene's
(false AND unknown = false, true AND unknown = unknown). A rule fires only when its condition is TRUE;
a rule whose condition is UNKNOWN waits on the absent facts behind it (Evaluation.missing_facts).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Union

from netguide.errors import Problem
from netguide.suggestions import suggest
from netguide.vocabulary import BOOL, ENUM, FACTS, INTEGER, LIST, NUMBER
from netguide.rulebook.source import KeyPath, Locator

TRUE, FALSE, UNKNOWN = True, False, None

# Operators an author may write, by fact type. Comparison words are spelled out for clinical readers.
NUMERIC_OPS = {"above": "gt", "at_least": "ge", "below": "lt", "at_most": "le"}
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    ENUM: ("one_of", "not", "known"),
    BOOL: ("known",),
    NUMBER: ("above", "at_least", "below", "at_most", "known"),
    INTEGER: ("above", "at_least", "below", "at_most", "one_of", "not", "known"),
    LIST: ("includes", "excludes", "empty", "known"),
}
COMBINATORS = ("all", "any", "not")

# Atomic test operators and their negations (used to push `not` down to the tests).
NEGATION = {"eq": "ne", "ne": "eq", "in": "not_in", "not_in": "in", "gt": "le", "le": "gt", "lt": "ge",
            "ge": "lt", "has": "lacks", "lacks": "has", "known": "unknown", "unknown": "known",
            "empty": "nonempty", "nonempty": "empty"}
SYMBOL = {"eq": "=", "ne": "≠", "in": "in", "not_in": "not in", "gt": ">", "ge": "≥", "lt": "<", "le": "≤",
          "has": "includes", "lacks": "excludes", "known": "is known", "unknown": "is not known",
          "empty": "is empty", "nonempty": "is not empty"}
NO_VALUE_OPS = ("known", "unknown", "empty", "nonempty")


@dataclass(frozen=True)
class Test:
    """One atomic test on one fact. `value` is a scalar, or a frozenset for in / not_in."""

    fact: str
    op: str
    value: Any = None
    keypath: KeyPath = ()

    def describe(self) -> str:
        if self.op in NO_VALUE_OPS:
            return f"{self.fact} {SYMBOL[self.op]}"
        v = self.value
        shown = "[" + ", ".join(sorted(map(str, v))) + "]" if isinstance(v, frozenset) else _fmt(v)
        return f"{self.fact} {SYMBOL[self.op]} {shown}"


@dataclass(frozen=True)
class All:
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple["Condition", ...]


@dataclass(frozen=True)
class Not:
    item: "Condition"


Condition = Union[Test, All, AnyOf, Not]

# `when: always` (for fallback rules): the empty conjunction, TRUE for every patient.
ALWAYS_WORD = "always"
ALWAYS = All(())


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# --------------------------------------------------------------------------------------------- parsing


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


# ------------------------------------------------------------------------------------------ evaluation


def test_value(test: Test, facts: dict[str, Any]) -> bool | None:
    """TRUE / FALSE / UNKNOWN (None) for one atomic test against known facts."""
    if test.op == "known":
        return test.fact in facts
    if test.op == "unknown":
        return test.fact not in facts
    if test.fact not in facts:
        return UNKNOWN
    v = facts[test.fact]
    op = test.op
    if op == "eq":
        return v == test.value
    if op == "ne":
        return v != test.value
    if op == "in":
        return v in test.value
    if op == "not_in":
        return v not in test.value
    if op == "gt":
        return v > test.value
    if op == "ge":
        return v >= test.value
    if op == "lt":
        return v < test.value
    if op == "le":
        return v <= test.value
    if op == "has":
        return test.value in v
    if op == "lacks":
        return test.value not in v
    if op == "empty":
        return not v
    if op == "nonempty":
        return bool(v)
    raise AssertionError(op)


def evaluate3(cond: Condition, facts: dict[str, Any]) -> tuple[bool | None, frozenset[str]]:
    """Kleene value of `cond`, and the absent facts that keep it UNKNOWN (empty unless UNKNOWN)."""
    if isinstance(cond, Test):
        val = test_value(cond, facts)
        return val, (frozenset([cond.fact]) if val is UNKNOWN else frozenset())
    if isinstance(cond, Not):
        val, waits = evaluate3(cond.item, facts)
        return (None if val is None else not val), waits
    decisive = FALSE if isinstance(cond, All) else TRUE
    waits: set[str] = set()
    unknown = False
    for item in cond.items:
        val, w = evaluate3(item, facts)
        if val is decisive:
            return decisive, frozenset()
        if val is UNKNOWN:
            unknown = True
            waits |= w
    if unknown:
        return UNKNOWN, frozenset(waits)
    return (not decisive), frozenset()


# -------------------------------------------------------------------------------------- normal forms


def negation_normal_form(cond: Condition, negate: bool = False) -> Condition:
    """Push every `not` down to the tests (De Morgan), negating each test's operator.

    Sound under the three-valued logic: a negated test on an absent fact is still UNKNOWN, never TRUE.
    """
    if isinstance(cond, Test):
        return Test(cond.fact, NEGATION[cond.op], cond.value, cond.keypath) if negate else cond
    if isinstance(cond, Not):
        return negation_normal_form(cond.item, not negate)
    items = tuple(negation_normal_form(i, negate) for i in cond.items)
    if isinstance(cond, All):
        return AnyOf(items) if negate else All(items)
    return All(items) if negate else AnyOf(items)


def not_true(cond: Condition) -> Condition:
    """A two-valued condition that is TRUE exactly when `cond` is not TRUE (FALSE or UNKNOWN): a test is not TRUE
    when its fact is unknown or the negated test holds. A rule's `unless` enters the engine this way: the rule fires
    while its exception is not known to hold, and is provisional while the exception is UNKNOWN."""
    if isinstance(cond, Test):
        if cond.op in ("known", "unknown"):
            return Test(cond.fact, NEGATION[cond.op], None, cond.keypath)
        return AnyOf((Test(cond.fact, "unknown", None, cond.keypath),
                      Test(cond.fact, NEGATION[cond.op], cond.value, cond.keypath)))
    if isinstance(cond, Not):
        return not_true(negation_normal_form(cond))
    tests = tests_of(cond)
    facts = {t.fact for t in tests}
    if len(facts) == 1 and tests and not any(t.op in ("known", "unknown") for t in tests):
        # One fact only: UNKNOWN exactly when it is absent, two-valued otherwise; one alternative for the absent
        # fact instead of one per test (`includes: [4 codes]` would otherwise expand into 16 for the engine).
        (fact,) = facts
        return AnyOf((Test(fact, "unknown", None, tests[0].keypath), negation_normal_form(cond, True)))
    items = tuple(not_true(i) for i in cond.items)
    return AnyOf(items) if isinstance(cond, All) else All(items)


def tests_of(cond: Condition) -> list[Test]:
    """Every atomic test in the condition, in reading order."""
    if isinstance(cond, Test):
        return [cond]
    if isinstance(cond, Not):
        return tests_of(cond.item)
    return [t for i in cond.items for t in tests_of(i)]


def facts_of(cond: Condition) -> frozenset[str]:
    return frozenset(t.fact for t in tests_of(cond))


def describe(cond: Condition) -> str:
    """A readable one-line rendering of a condition, for traces and explanations."""
    if isinstance(cond, Test):
        return cond.describe()
    if isinstance(cond, Not):
        return f"not ({describe(cond.item)})"
    if cond == ALWAYS:
        return ALWAYS_WORD
    joiner = " and " if isinstance(cond, All) else " or "
    parts = [describe(i) if isinstance(i, Test) else f"({describe(i)})" for i in cond.items]
    return joiner.join(parts)


def top_level_tests(cond: Condition) -> list[Test]:
    """The tests every patient must pass for the condition to hold: the top-level conjunction's own tests."""
    if isinstance(cond, Test):
        return [cond]
    if isinstance(cond, All):
        return [t for item in cond.items for t in top_level_tests(item)]
    return []


class RuleIndex:
    """Which conditions a patient's known enum and boolean facts still allow, by set intersection.

    A condition whose top-level test on a known fact fails is FALSE whatever else is known or not; the index finds
    the others without evaluating anything, so three-valued evaluation runs only where it can matter.
    """

    def __init__(self, conds: list[Condition]):
        self.everything = frozenset(range(len(conds)))
        allowed_by_fact: dict[str, dict[int, frozenset]] = {}
        for i, cond in enumerate(conds):
            for t in top_level_tests(cond):
                if t.op in ("eq", "in") and FACTS[t.fact].type in (ENUM, BOOL):
                    allowed = t.value if t.op == "in" else frozenset([t.value])
                    per_rule = allowed_by_fact.setdefault(t.fact, {})
                    per_rule[i] = per_rule[i] & allowed if i in per_rule else allowed
        self._index: dict[str, dict[Any, frozenset[int]]] = {}
        for fact, per_rule in allowed_by_fact.items():
            values = FACTS[fact].values if FACTS[fact].type == ENUM else (True, False)
            unconstrained = self.everything - per_rule.keys()
            self._index[fact] = {v: unconstrained | {i for i, a in per_rule.items() if v in a} for v in values}

    def candidates(self, facts: dict[str, Any]) -> frozenset[int]:
        """Indices of the conditions not already made FALSE by a known fact's top-level test."""
        out = self.everything
        index = self._index
        for fact, value in facts.items():
            by_value = index.get(fact)
            if by_value is not None:
                out = out & by_value[value]
        return out


_MISSING = object()
_PY_OP = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}


def _relaxed_source(cond: Condition, slots: dict[str, str], absent: str = "is") -> str:
    if isinstance(cond, Test):
        var = slots.setdefault(cond.fact, f"v{len(slots)}")
        op, value = cond.op, cond.value
        if op == "known":
            return f"({var} is not M)"
        if op == "unknown":
            return f"({var} is M)"
        if op in ("in", "not_in"):
            test = f"{var} {'in' if op == 'in' else 'not in'} {sorted(value)!r}"
        elif op in ("has", "lacks"):
            test = f"{value!r} {'in' if op == 'has' else 'not in'} {var}"
        elif op in ("empty", "nonempty"):
            test = f"{'not' if op == 'empty' else 'bool'}({var})"
        else:
            test = f"{var} {_PY_OP[op]} {value!r}"
        return f"({var} is M or {test})" if absent == "is" else f"({var} is not M and {test})"
    if isinstance(cond, Not):
        return _relaxed_source(negation_normal_form(cond), slots, absent)
    if not cond.items:
        return "True" if isinstance(cond, All) else "False"
    joiner = " and " if isinstance(cond, All) else " or "
    return "(" + joiner.join(_relaxed_source(i, slots, absent) for i in cond.items) + ")"


def relaxed_predicate(cond: Condition, *, strict: bool = False):
    """A fast check that `cond` is not FALSE: every test on an absent fact counts as passed.
    With strict=True, every test on an absent fact fails instead: the check that `cond` is TRUE (what the engine
    computes), used by the benchmark as plain-Python evaluation of the same conditions.

    In negation normal form a condition is monotone in its tests, so it is not FALSE under Kleene's logic exactly
    when it holds with every unknown test taken as true. Together with the engine's firings (TRUE), this finds the
    UNKNOWN rules without walking every condition. The source is generated from validated rule files only.
    """
    slots: dict[str, str] = {}
    body = _relaxed_source(negation_normal_form(cond), slots, "is not" if strict else "is")
    loads = "".join(f"    {var} = facts.get({fact!r}, M)\n" for fact, var in slots.items())
    source = f"def relaxed(facts, M=M):\n{loads}    return {body}\n"
    namespace: dict[str, Any] = {"M": _MISSING}
    exec(compile(source, "<netguide relaxed condition>", "exec"), namespace)
    return namespace["relaxed"]
