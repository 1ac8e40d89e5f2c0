"""A reference evaluator: a small, plainly written interpreter of the rule language (rules/README.md).

It reads each rule's raw `when` (the YAML data of the rule-file model) and shares nothing with the condition
parser, the compiler or the engine, so `netguide differential` and tests/unit/proving/test_reference.py can check the
durable_rules path against it. Three-valued (Kleene) logic: an absent fact is UNKNOWN (None); a rule fires
only when its condition is definitely TRUE.
"""
from __future__ import annotations

from typing import Any

from netguide.rulebook.loader import Rulebook

UNKNOWN = None


def _and(values: list[bool | None]) -> bool | None:
    if False in values:
        return False
    return UNKNOWN if UNKNOWN in values else True


def _or(values: list[bool | None]) -> bool | None:
    if True in values:
        return True
    return UNKNOWN if UNKNOWN in values else False


def _not(value: bool | None) -> bool | None:
    return UNKNOWN if value is UNKNOWN else not value


def _as_list(x: Any) -> list:
    return x if isinstance(x, list) else [x]


def _operator(fact: str, op: str, arg: Any, facts: dict[str, Any]) -> bool | None:
    """One operator of a fact test, e.g. {above: 10} or {includes: [SSA, PRRT]}."""
    if op == "known":
        return (fact in facts) == arg  # decided even when the fact is absent
    if fact not in facts:
        return UNKNOWN
    v = facts[fact]
    if op == "one_of":
        return v in arg
    if op == "not":
        return v not in _as_list(arg)
    if op == "above":
        return v > arg
    if op == "at_least":
        return v >= arg
    if op == "below":
        return v < arg
    if op == "at_most":
        return v <= arg
    if op == "includes":
        return any(code in v for code in _as_list(arg))
    if op == "excludes":
        return not any(code in v for code in _as_list(arg))
    if op == "empty":
        return (len(v) == 0) == arg
    raise ValueError(f"unknown operator {op!r}")


def _fact_test(fact: str, test: Any, facts: dict[str, Any]) -> bool | None:
    """`fact: value` (equal), `fact: [values]` (any of them), `fact: {operators}` (all of them)."""
    if isinstance(test, dict):
        return _and([_operator(fact, op, arg, facts) for op, arg in test.items()])
    if fact not in facts:
        return UNKNOWN
    if isinstance(test, list):
        return facts[fact] in test
    return facts[fact] == test


def holds(when: Any, facts: dict[str, Any]) -> bool | None:
    """TRUE, FALSE or UNKNOWN (None) for a raw condition: a mapping whose keys must all hold, or `always`."""
    if when == "always":
        return True
    parts = []
    for key, value in when.items():
        if key == "all":
            parts.append(_and([holds(item, facts) for item in value]))
        elif key == "any":
            parts.append(_or([holds(item, facts) for item in value]))
        elif key == "not":
            parts.append(_not(holds(value, facts)))
        else:
            parts.append(_fact_test(key, value, facts))
    return _and(parts)


def reference_fired(book: Rulebook, facts: dict[str, Any]) -> frozenset[str]:
    """The ids of the rules whose raw `when` is definitely TRUE for these known facts and whose raw `unless`, if any,
    is not (FALSE, or UNKNOWN: then the advice is provisional)."""
    return frozenset(r.rule.id for r in book.rules if holds(r.rule.when, facts) is True
                     and (r.rule.unless is None or holds(r.rule.unless, facts) is not True))


def reference_provisional(book: Rulebook, facts: dict[str, Any], shown: set[str]) -> frozenset[str]:
    """Of the shown rules, those whose raw `unless` is UNKNOWN."""
    return frozenset(rid for rid in shown if book.by_id[rid].rule.unless is not None
                     and holds(book.by_id[rid].rule.unless, facts) is None)


def reference_derive(book: Rulebook, given: dict[str, Any]) -> dict[str, Any]:
    """The facts with rules/implications.yaml applied, read from each implication's raw `when` and `then`: an
    absent implied fact is added once its condition is TRUE, a given one is never changed; until nothing changes."""
    facts = dict(given)
    changed = True
    while changed:
        changed = False
        for imp in book.implications:
            if holds(imp.spec.when, facts) is True:
                for fact, value in imp.then.items():
                    if fact not in facts:
                        facts[fact] = value
                        changed = True
    return facts


class ReferenceMismatch(AssertionError):
    """netguide.rulebook.implications derived other facts than the reference reading of the implications."""


def reference_evaluation(book: Rulebook, data: Any):
    """The answer built from the reference's derived facts and firings (the combination policy, assemble(), is
    shared): what evaluate() must return for `data`. Raises ReferenceMismatch when the derivations differ."""
    from netguide.evaluation import assemble
    from netguide.patient import parse_patient
    from netguide.rulebook.implications import derive

    given = parse_patient(data).known_facts()
    facts = reference_derive(book, given)
    derived_facts, derived, contradicted = derive(book.implications, given)
    if derived_facts != facts:
        raise ReferenceMismatch(f"derived facts differ for {given}: netguide {derived_facts}, reference {facts}")
    answer = assemble(book, facts, reference_fired(book, facts), derived, contradicted)
    shown = {r.rule_id for r in answer.recommendations}
    provisional = {r.rule_id for r in answer.recommendations if r.provisional}
    expected = reference_provisional(book, facts, shown)
    if provisional != expected:
        raise ReferenceMismatch(f"provisional advice differs for {given}: netguide {sorted(provisional)}, "
                                f"reference {sorted(expected)}")
    return answer
