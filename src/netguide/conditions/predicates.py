"""Generated Python checks of a condition (not FALSE, or TRUE), ten times faster than walking the tree per patient."""
from __future__ import annotations

from typing import Any

from .tree import All, Condition, Not, Test, negation_normal_form

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


def _all(values: tuple) -> Any:
    """Kleene AND of evaluated parts: False if any is False, else the union of the UNKNOWN parts' waits, else True."""
    waits = None
    for v in values:
        if v is False:
            return False
        if v is not True:
            waits = v if waits is None else waits | v
    return True if waits is None else waits


def _any(values: tuple) -> Any:
    """Kleene OR of evaluated parts: True if any is True, else the union of the UNKNOWN parts' waits, else False."""
    waits = None
    for v in values:
        if v is True:
            return True
        if v is not False:
            waits = v if waits is None else waits | v
    return False if waits is None else waits


def _waits_source(cond: Condition, slots: dict[str, str], consts: dict[str, Any]) -> str:
    if isinstance(cond, Test):
        var = slots.setdefault(cond.fact, f"v{len(slots)}")
        if cond.op in ("known", "unknown"):
            return _relaxed_source(cond, slots)  # never UNKNOWN: (v is not M) / (v is M)
        waits = consts.setdefault(f"W_{var}", frozenset([cond.fact]))  # noqa: F841 (bound in the namespace)
        strict = _relaxed_source(cond, slots, "is not")  # (v is not M and test)
        return f"(W_{var} if {var} is M else {strict})"
    if isinstance(cond, Not):
        return _waits_source(negation_normal_form(cond), slots, consts)
    parts = ", ".join(_waits_source(i, slots, consts) for i in cond.items)
    return f"{'_all' if isinstance(cond, All) else '_any'}(({parts}{',' if len(cond.items) == 1 else ''}))"


def waits_predicate(cond: Condition):
    """A generated three-valued evaluation of `cond` that returns None when it is TRUE or FALSE, and when it is
    UNKNOWN the absent facts that keep it so: exactly logic.evaluate3's (value, waits), without walking the tree.
    Negation normal form keeps both (De Morgan preserves Kleene values, and a negated test waits on its fact)."""
    slots: dict[str, str] = {}
    consts: dict[str, Any] = {}
    body = _waits_source(negation_normal_form(cond), slots, consts)
    loads = "".join(f"    {var} = facts.get({fact!r}, M)\n" for fact, var in slots.items())
    source = (f"def waits(facts, M=M, _all=_all, _any=_any):\n{loads}    value = {body}\n"
              "    return None if value is True or value is False else value\n")
    namespace: dict[str, Any] = {"M": _MISSING, "_all": _all, "_any": _any, **consts}
    exec(compile(source, "<netguide three-valued condition>", "exec"), namespace)
    return namespace["waits"]
