"""A condition as data: tests on one fact, all / any / not; readable descriptions; negation normal form and not-true."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from netguide.rulebook.source import KeyPath

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


def with_exception(when: Condition, unless: Condition | None) -> Condition:
    """What the engine tests for a rule: `when`, and its exception (`unless`) not known to hold."""
    return when if unless is None else All((when, not_true(unless)))


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
