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
