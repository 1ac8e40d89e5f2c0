"""The fact space the rules test: for each fact, candidate values that represent every case its tests can tell apart, plus ABSENT."""
from __future__ import annotations

import itertools
import math
from collections import defaultdict
from typing import Any, Iterable

from netguide import conditions
from netguide.conditions import Condition, Test
from netguide.rulebook.loader import Rulebook
from netguide.vocabulary import BOOL, ENUM, FACTS, INTEGER, LIST, NUMBER, keep_decimals

DEFAULTS = {"max_patients": 1_000_000, "pair_cap": 20_000, "equiv_cap": 300_000, "combo_cap": 256, "spot_check": 500,
            "core_share": 0.25, "alternatives": 4096, "seed": 1}


# Fully crossed in the core grid (those the rules test), before the most tested other facts while the grid fits.
CORE_FACTS = ("differentiation", "primary_site", "grade", "treatment_setting", "stage", "lung_histology")


LIST_SUBSETS_UP_TO = 4


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


def _round(x: float) -> float | int:
    x = keep_decimals(x)
    return int(x) if float(x).is_integer() else x


def fact_space(book: Rulebook | Iterable[Condition]) -> dict[str, list[Any]]:
    """Candidate values (ABSENT first) of every fact some rule (or condition) tests; see the module docstring. For a
    rulebook, the conditions of its implications and invariants count too: their facts must vary to be checked."""
    if isinstance(book, Rulebook):
        conds = ([r.condition for r in book.rules] + [i.condition for i in book.implications]
                 + [i.condition for i in book.invariants])
    else:
        conds = list(book)
    tests: dict[str, list[Test]] = defaultdict(list)
    for cond in conds:
        for t in conditions.tests_of(cond):
            tests[t.fact].append(t)
    space: dict[str, list[Any]] = {}
    for fact in sorted(tests):
        spec, ts = FACTS[fact], tests[fact]
        values: list[Any]
        if spec.type == ENUM:
            values = list(spec.values)
        elif spec.type == BOOL:
            values = [True, False]
        elif spec.type in (NUMBER, INTEGER):
            points: set[float] = set()
            for t in ts:
                if isinstance(t.value, frozenset):
                    points |= set(t.value)
                elif t.value is not None:
                    points.add(t.value)
            lo, hi = spec.range or (-math.inf, math.inf)
            if spec.type == INTEGER:
                eps: float = 1
            else:
                marks = sorted(points | ({lo, hi} - {-math.inf, math.inf}))
                gaps = [b - a for a, b in zip(marks, marks[1:]) if b > a]
                eps = min([0.5] + [g / 4 for g in gaps])
            cands = {_round(p + d) for p in points for d in (-eps, 0, eps)}
            values = sorted(v for v in cands if lo <= v <= hi)
        elif spec.type == LIST:
            codes = sorted({t.value for t in ts if t.op in ("has", "lacks")})
            if len(codes) <= LIST_SUBSETS_UP_TO:
                values = [tuple(c) for n in range(len(codes) + 1) for c in itertools.combinations(codes, n)]
            else:
                values = [()] + [(c,) for c in codes] + [tuple(codes)]
        else:  # pragma: no cover - the vocabulary has no other types
            raise AssertionError(spec.type)
        space[fact] = [ABSENT] + values
    return space


def _with(fact: str, value: Any) -> dict[str, Any]:
    return {} if value is ABSENT else {fact: value}
