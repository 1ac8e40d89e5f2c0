"""Conditions as alternatives (disjunctive normal form), the region each allows in the fact space, and a witness patient for each."""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from netguide import conditions
from netguide.conditions import All, AnyOf, Condition, Test
from netguide.vocabulary import FACTS, INTERVENTIONS, LIST

from .space import ABSENT, DEFAULTS, _with


def alternatives(cond: Condition, limit: int = DEFAULTS["alternatives"]) -> list[tuple[Test, ...]] | None:
    """The condition in disjunctive normal form: a list of conjunctions of tests (None beyond `limit`)."""

    def go(c: Condition) -> list[tuple[Test, ...]]:
        if isinstance(c, Test):
            return [(c,)]
        if isinstance(c, AnyOf):
            out = [a for item in c.items for a in go(item)]
        else:
            assert isinstance(c, All)
            out = [()]
            for item in c.items:
                out = [a + b for a in out for b in go(item)]
                if len(out) > limit:
                    raise OverflowError
        if len(out) > limit:
            raise OverflowError
        return out

    try:
        return go(conditions.negation_normal_form(cond))
    except OverflowError:
        return None


def strict_predicate(cond: Condition):
    """A fast `conditions.evaluate3(cond, facts)[0] is True` for known facts (the generated check the engine's
    firings are compared with; conditions.relaxed_predicate builds it)."""
    return conditions.relaxed_predicate(cond, strict=True)


def _satisfying(fact: str, tests: list[Test], candidates: list[Any]) -> list[Any]:
    return [v for v in candidates if all(conditions.test_value(t, _with(fact, v)) is True for t in tests)]


def _by_fact(alt: Iterable[Test]) -> dict[str, list[Test]]:
    out: dict[str, list[Test]] = defaultdict(list)
    for t in alt:
        out[t.fact].append(t)
    return out


def _list_witness(tests: list[Test]) -> Any:
    """A list value satisfying every test (the codes it must include), ABSENT, or None if there is none."""
    has = {t.value for t in tests if t.op == "has"}
    lacks = {t.value for t in tests if t.op == "lacks"}
    wants_unknown = any(t.op == "unknown" for t in tests)
    wants_known = any(t.op in ("has", "lacks", "known", "empty", "nonempty") for t in tests)
    if wants_unknown:
        return None if wants_known else ABSENT
    if has & lacks or (has and any(t.op == "empty" for t in tests)):
        return None
    if not has and any(t.op == "nonempty" for t in tests):
        spare = [c for c in INTERVENTIONS if c not in lacks]
        return (spare[0],) if spare else None
    return tuple(sorted(has))


def region(alt: tuple[Test, ...], space: dict[str, list[Any]]) -> dict[str, list[Any]] | None:
    """For each fact a conjunction tests: its candidate values that pass all its tests (None: unsatisfiable)."""
    out: dict[str, list[Any]] = {}
    for fact, tests in _by_fact(alt).items():
        values = _satisfying(fact, tests, space.get(fact, [ABSENT]))
        if FACTS[fact].type == LIST:
            w = _list_witness(tests)
            if w is None:
                return None
            if w not in values:
                values.append(w)
        if not values:
            return None
        out[fact] = values
    return out


def witness(alt: tuple[Test, ...], space: dict[str, list[Any]]) -> dict[str, Any] | None:
    """One patient (known facts only) for whom the conjunction is TRUE, or None if none exists."""
    reg = region(alt, space)
    if reg is None:
        return None
    facts: dict[str, Any] = {}
    for fact, values in reg.items():
        v = _list_witness(_by_fact(alt)[fact]) if FACTS[fact].type == LIST else values[0]
        if v is not ABSENT:
            facts[fact] = v
    return facts
