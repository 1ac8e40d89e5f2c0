"""Which rules a patient's known enum and boolean facts still allow, by set intersection, before any evaluation."""
from __future__ import annotations

from typing import Any

from netguide.vocabulary import BOOL, ENUM, FACTS

from .tree import Condition, top_level_tests


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
        # The same sets as bit masks (bit i: condition i), for candidate_mask().
        self._everything_mask = (1 << len(conds)) - 1
        self._masks: dict[str, dict[Any, int]] = {
            fact: {v: sum(1 << i for i in allowed) for v, allowed in by_value.items()}
            for fact, by_value in self._index.items()}

    def candidates(self, facts: dict[str, Any]) -> frozenset[int]:
        """Indices of the conditions not already made FALSE by a known fact's top-level test."""
        out = self.everything
        index = self._index
        for fact, value in facts.items():
            by_value = index.get(fact)
            if by_value is not None:
                out = out & by_value[value]
        return out

    def candidate_mask(self, facts: dict[str, Any]) -> int:
        """candidates() as a bit mask (bit i set: condition i), one AND per known indexed fact."""
        out = self._everything_mask
        masks = self._masks
        for fact, value in facts.items():
            by_value = masks.get(fact)
            if by_value is not None:
                out &= by_value[value]
        return out
