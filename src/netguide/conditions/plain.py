"""A condition in plain clinical words, for the review book and `netguide diff`: "a well-differentiated NET, grade G3,
a primary in the pancreas or stomach, and CAPTEM failed".

The words for each fact live in data/plain_language.yaml. A condition is first put in negation normal form (sound
under the three-valued logic), so `not` never has to be read: a test on one fact reads as one phrase, and tests on
the same list of therapies join ("CAPTEM or TEM failed", "neither SSA nor PRRT failed").
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, Union

from netguide.vocabulary import FACTS, INTERVENTIONS, LIST

from .tree import ALWAYS, All, AnyOf, Condition, Test, negation_normal_form

# A condition read aloud: a phrase, or all / any of several (nested for the book's lists).
Plain = Union[str, tuple[str, tuple["Plain", ...]]]


@lru_cache(maxsize=1)
def phrases() -> dict[str, dict[Any, Any]]:
    from netguide.rulebook.source import load_text

    text = resources.files("netguide").joinpath("data/plain_language.yaml").read_text(encoding="utf-8")
    data, _ = load_text(text, "netguide/data/plain_language.yaml")
    return data["facts"]


def intervention_words(code: str) -> str:
    """CAPTEM (capecitabine + temozolomide)."""
    meaning = INTERVENTIONS.get(code)
    return f"{code} ({meaning})" if meaning and meaning.lower() != code.lower() else code


def _join(words: list[str], last: str) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


def _number(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


_COMPARE = {"gt": "above", "ge": "at least", "lt": "below", "le": "at most", "eq": "is", "ne": "is not"}


def test_words(t: Test) -> str:
    """One test in words."""
    p = phrases()[t.fact]
    spec = FACTS[t.fact]
    if t.op == "known":
        return f"{p['label']} recorded"
    if t.op == "unknown":
        return f"{p['label']} not recorded"
    if spec.type == LIST:
        if t.op in ("empty", "nonempty"):
            return p[t.op]
        return p[t.op].format(values=t.value)
    if t.op in ("gt", "ge", "lt", "le") or ("unit" in p and t.op in ("eq", "ne", "in", "not_in")):
        if t.op in ("in", "not_in"):
            values = _join([_number(v) for v in sorted(t.value)], "or")
            return f"{p['label']} {'is not' if t.op == 'not_in' else 'is'} {values}{p.get('unit', '')}"
        return f"{p['label']} {_COMPARE[t.op]} {_number(t.value)}{p.get('unit', '')}"
    if isinstance(t.value, bool):
        return p[t.value if t.op == "eq" else not t.value]
    values = sorted(t.value) if isinstance(t.value, frozenset) else [t.value]
    order = list(spec.values or [])
    values.sort(key=lambda v: order.index(v) if v in order else len(order))
    words = [p["values"][v] for v in values]
    form = "is" if t.op in ("eq", "in") else "is_not"
    return p[form].format(values=_join(words, "or" if form == "is" else "nor"))


def plain(cond: Condition) -> Plain:
    """The condition in words: a phrase, or ("all" | "any", parts)."""
    return _plain(negation_normal_form(cond))


def _plain(cond: Condition) -> Plain:
    if cond == ALWAYS:
        return "every patient"
    if isinstance(cond, Test):
        return test_words(cond)
    kind = "all" if isinstance(cond, All) else "any"
    parts: list[Plain] = []
    grouped: dict[tuple[str, str], list[str]] = {}
    for item in cond.items:
        if isinstance(item, AnyOf) and kind == "all" and _one_list_fact(item, "has"):
            # "CAPTEM or TEM failed" inside a conjunction reads as one phrase
            fact = item.items[0].fact
            codes = [i.value for i in item.items]
            parts.append(phrases()[fact]["has"].format(values=_join(codes, "or")))
            continue
        if isinstance(item, Test) and FACTS[item.fact].type == LIST and item.op in ("has", "lacks"):
            key = (item.fact, item.op)
            if (kind == "all" and item.op == "lacks") or (kind == "any" and item.op == "has"):
                if key not in grouped:
                    grouped[key] = []
                    parts.append(("group", key))  # type: ignore[arg-type]  # placeholder, filled below
                grouped[key].append(item.value)
                continue
        parts.append(_plain(item))
    out: list[Plain] = []
    for part in parts:
        if isinstance(part, tuple) and part[0] == "group":
            fact, op = part[1]  # type: ignore[misc]
            codes = grouped[(fact, op)]
            if op == "lacks" and len(codes) > 1:
                several = f"neither {codes[0]} nor {codes[1]}" if len(codes) == 2 else f"none of {_join(codes, 'or')}"
                out.append(phrases()[fact]["lacks_several"].format(values=several))
            else:
                out.append(phrases()[fact][op].format(values=_join(codes, "or")))
        else:
            out.append(part)
    return out[0] if len(out) == 1 else (kind, tuple(out))


def _one_list_fact(cond: AnyOf, op: str) -> bool:
    return all(isinstance(i, Test) and i.op == op and FACTS[i.fact].type == LIST for i in cond.items) and \
        len({i.fact for i in cond.items}) == 1  # type: ignore[union-attr]


def plain_text(cond: Condition | None) -> str:
    """The condition in words on one line: "A, B and (C or D)"."""
    if cond is None:
        return ""
    return _text(plain(cond), top=True)


def _text(p: Plain, top: bool = False) -> str:
    if isinstance(p, str):
        return p
    kind, parts = p
    words = [_text(x) for x in parts]
    joined = _join(words, "and" if kind == "all" else "or")
    if kind == "any" and len(parts) > 1:
        joined = "either " + joined
    return joined if top else f"({joined})"
