"""Kleene three-valued evaluation: TRUE, FALSE or UNKNOWN (an absent fact), and the facts an UNKNOWN waits on."""
from __future__ import annotations

from typing import Any

from .tree import All, Condition, Not, Test

TRUE, FALSE, UNKNOWN = True, False, None


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
