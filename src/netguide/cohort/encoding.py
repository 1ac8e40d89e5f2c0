"""An answer's output line, byte for byte `json.dumps({"row": row, **ev.to_dict()}, ensure_ascii=False,
separators=(",", ":"))`, without building to_dict() for what repeats from patient to patient.

Most of a 30 KB answer line is the rulebook's own text: each recommendation's statement and citations, the answer's
items, each fired rule's condition and location in the trace. Those parts are frozen, hashable result objects that
recur across patients, so their encoded JSON is kept (by identity, then by value) and reused, as is a trace step's
text around the facts it tested and each tested fact's encoding; only the patient's own combination of them is
joined afresh. Object parts are encoded through their own to_dict(), so their shape stays theirs; this module knows
only the top level of Evaluation.to_dict(), the answer groups' wrapper and TraceStep's fields.

That knowledge could fall behind a change to results.py, so `LineEncoder.agrees()` compares the fast line with the
slow one on a fixed, varied sample at each worker's start, and the worker uses the slow path when they differ
(tests/unit/cohort check the same on every cohort they run).
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
MAX_KEPT = 100_000  # encoded parts kept per process; cleared when full (variants are bounded by the rulebook anyway)
MAX_BY_ID = 20_000  # of which also kept by identity, holding their objects


def slow_line(row: int, ev: Any) -> str:
    return _ENCODE({"row": row, **ev.to_dict()})


class LineEncoder:
    def __init__(self) -> None:
        self._kept: dict[Any, str] = {}
        self._by_id: dict[int, tuple[Any, str]] = {}
        self._strings: dict[str, str] = {}
        from netguide.results import TraceStep

        self._trace_keys = tuple((f.name, _ENCODE(f.name) + ":") for f in dataclasses.fields(TraceStep))
        # A step is its rule's text around the facts it tested: what comes before `facts` (rule_id, outcome) and
        # after it (condition, location, detail) is kept encoded by value, and so is each tested fact's
        # `"name":value` (a list of codes too). Written for TraceStep's fields in this order; if they change, every
        # step takes the general path below.
        self._plain_steps = tuple(n for n, _ in self._trace_keys) == (
            "rule_id", "outcome", "facts", "condition", "location", "detail")
        self._heads: dict[tuple[str, str], str] = {}
        self._tails: dict[tuple[str, str, str], str] = {}
        self._facts: dict[tuple, str] = {}

    def _part(self, obj: Any) -> str:
        # Kept by identity first: most recommendations and answer items are the rulebook's own objects, shared by
        # every patient they apply to, and an id is ten times cheaper to look up than a frozen dataclass's hash of
        # every field. An entry holds its object, so its id cannot be reused while the entry lives.
        entry = self._by_id.get(id(obj))
        if entry is not None:
            return entry[1]
        # Then by value: only for parts whose fields are text, codes, tuples of them and booleans (a
        # recommendation, an answer item, a missing fact, a finding), where equal values encode alike. A derived
        # fact's value may be 1 or 1.0 or True, equal as keys but not as JSON: it is encoded each time.
        text = self._kept.get(obj)
        if text is None:
            text = self._keep(self._kept, obj, _ENCODE(obj.to_dict()))
        if len(self._by_id) >= MAX_BY_ID:  # objects of one patient (its missing facts) come and go: kept fewer
            self._by_id.clear()
        self._by_id[id(obj)] = (obj, text)
        return text

    def _string(self, s: str) -> str:
        text = self._strings.get(s)
        if text is None:
            text = self._keep(self._strings, s, _ENCODE(s))
        return text

    def _step(self, step: Any) -> str:
        facts, rule_id, outcome = step.facts, step.rule_id, step.outcome
        condition, location, detail = step.condition, step.location, step.detail
        if not (self._plain_steps and type(facts) is dict and type(rule_id) is str and type(outcome) is str
                and type(condition) is str and type(location) is str and type(detail) is str):
            return self._any_step(step)
        head = self._heads.get((rule_id, outcome))
        if head is None:
            head = self._keep(self._heads, (rule_id, outcome),
                              '{"rule_id":' + _ENCODE(rule_id) + ',"outcome":' + _ENCODE(outcome) + ',"facts":{')
        tail = self._tails.get((condition, location, detail))
        if tail is None:
            tail = self._keep(self._tails, (condition, location, detail),
                              '},"condition":' + _ENCODE(condition) + ',"location":' + _ENCODE(location)
                              + ',"detail":' + _ENCODE(detail) + "}")
        kept = self._facts
        parts = []
        for name, value in facts.items():
            kind = type(value)
            if kind is str or kind is int or kind is bool or value is None:
                key = (name, kind, value)  # the type too: 1 and True are equal keys, and encode apart
            elif kind is list and all([type(v) is str for v in value]):
                key = (name, list, tuple(value))
            else:  # a float (0.0 and -0.0 are equal keys), or anything unusual: encoded as it is, each time
                parts.append(_ENCODE({name: value})[1:-1])
                continue
            text = kept.get(key)
            if text is None:
                text = self._keep(kept, key, _ENCODE({name: value})[1:-1])
            parts.append(text)
        return head + ",".join(parts) + tail

    @staticmethod
    def _keep(kept: dict, key: Any, text: str) -> str:
        if len(kept) >= MAX_KEPT:
            kept.clear()
        kept[key] = text
        return text

    def _any_step(self, step: Any) -> str:
        parts = []
        for name, key in self._trace_keys:
            value = getattr(step, name)
            parts.append(key + (self._string(value) if type(value) is str else _ENCODE(value)))
        return "{" + ",".join(parts) + "}"

    def line(self, row: int, ev: Any) -> str:
        part, string = self._part, self._string
        groups = ",".join('{"key":' + string(g.key) + ',"question":' + string(g.question) + ',"items":['
                          + ",".join(map(part, g.items)) + "]}" for g in ev.answer_groups())
        return "".join((
            '{"row":', _ENCODE(row), ',"rulebook_version":', string(ev.rulebook_version),
            ',"recommendations":[', ",".join(map(part, ev.recommendations)),
            '],"missing_facts":[', ",".join(map(part, ev.missing_facts)),
            '],"findings":[', ",".join(map(part, ev.findings)),
            '],"derived_facts":[', ",".join(_ENCODE(d.to_dict()) for d in ev.derived_facts),
            '],"trace":[', ",".join(map(self._step, ev.trace)),
            '],"answer":[', groups, "]}"))

    def agrees(self, evaluations: list[Any]) -> bool:
        """Whether every fast line is the slow line (json.dumps of to_dict())."""
        return all(self.line(i, ev) == slow_line(i, ev) for i, ev in enumerate(evaluations, start=1))
