"""An answer's output line, byte for byte `json.dumps({"row": row, **ev.to_dict()}, ensure_ascii=False,
separators=(",", ":"))` in UTF-8, without building to_dict() for what repeats from patient to patient.

Most of a 30 KB answer line is the rulebook's own text: each recommendation's statement and citations, the answer's
items, each fired rule's condition and location in the trace. Those parts are frozen, hashable result objects that
recur across patients, so their encoded JSON is kept (by identity, then by value) and reused, as is a trace step's
text around the facts it tested and each tested fact's encoding; only the patient's own combination of them is
joined afresh. Object parts are encoded through their own to_dict(), so their shape stays theirs; this module knows
only the top level of Evaluation.to_dict(), the answer groups' wrapper and TraceStep's fields.

Parts are kept as UTF-8 bytes and a line is joined as bytes: the review's text holds characters beyond Latin-1 (≥,
–), so a line joined as text is stored two bytes a character, widened part by part, and then encoded once more to be
written (measured: encoding alone cost 59 µs of a 279 µs line).

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
# Answer sections (about 18 KB each) are bounded by their bytes: at 20,000 entries they held 360 MB per worker.
# 32 MiB keeps about 1,800, which 67 % of realistic answers hit (83 % with no bound at all; a miss costs ~40 µs).
MAX_SECTION_BYTES = 32 * 2**20


def slow_line(row: int, ev: Any) -> bytes:
    return _ENCODE({"row": row, **ev.to_dict()}).encode("utf-8")


def _utf8(obj: Any) -> bytes:
    return _ENCODE(obj).encode("utf-8")


class LineEncoder:
    def __init__(self) -> None:
        self._kept: dict[Any, bytes] = {}
        self._by_id: dict[int, tuple[Any, bytes]] = {}
        self._strings: dict[str, bytes] = {}
        # The answer section by the identity of its grouping: answer.group_answer hands patients given the same
        # recommendations the same grouping object, so a whole section (a third of a line) is one lookup. Each entry
        # holds its grouping, so the id is not reused while it lives.
        self._groups: dict[int, tuple[Any, bytes]] = {}
        self._group_bytes = 0
        from netguide.results import TraceStep

        self._trace_keys = tuple((f.name, _utf8(f.name) + b":") for f in dataclasses.fields(TraceStep))
        # A step is its rule's text around the facts it tested: what comes before `facts` (rule_id, outcome) and
        # after it (condition, location, detail) is kept encoded by value, and so is each tested fact's
        # `"name":value` (a list of codes too). Written for TraceStep's fields in this order; if they change, every
        # step takes the general path below.
        self._plain_steps = tuple(n for n, _ in self._trace_keys) == (
            "rule_id", "outcome", "facts", "condition", "location", "detail")
        self._heads: dict[tuple[str, str], bytes] = {}
        self._tails: dict[tuple[str, str, str], bytes] = {}
        self._facts: dict[tuple, bytes] = {}

    def _part(self, obj: Any) -> bytes:
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
            text = self._keep(self._kept, obj, _utf8(obj.to_dict()))
        if len(self._by_id) >= MAX_BY_ID:  # objects of one patient (its missing facts) come and go: kept fewer
            self._by_id.clear()
        self._by_id[id(obj)] = (obj, text)
        return text

    def _string(self, s: str) -> bytes:
        text = self._strings.get(s)
        if text is None:
            text = self._keep(self._strings, s, _utf8(s))
        return text

    def _step(self, step: Any) -> bytes:
        facts, rule_id, outcome = step.facts, step.rule_id, step.outcome
        condition, location, detail = step.condition, step.location, step.detail
        if not (self._plain_steps and type(facts) is dict and type(rule_id) is str and type(outcome) is str
                and type(condition) is str and type(location) is str and type(detail) is str):
            return self._any_step(step)
        head = self._heads.get((rule_id, outcome))
        if head is None:
            head = self._keep(self._heads, (rule_id, outcome),
                              b'{"rule_id":' + _utf8(rule_id) + b',"outcome":' + _utf8(outcome) + b',"facts":{')
        tail = self._tails.get((condition, location, detail))
        if tail is None:
            tail = self._keep(self._tails, (condition, location, detail),
                              b'},"condition":' + _utf8(condition) + b',"location":' + _utf8(location)
                              + b',"detail":' + _utf8(detail) + b"}")
        kept = self._facts
        parts = []
        for name, value in facts.items():
            kind = type(value)
            if kind is str or kind is int or kind is bool or value is None:
                key = (name, kind, value)  # the type too: 1 and True are equal keys, and encode apart
            elif kind is list and all([type(v) is str for v in value]):
                key = (name, list, tuple(value))
            else:  # a float (0.0 and -0.0 are equal keys), or anything unusual: encoded as it is, each time
                parts.append(_utf8({name: value})[1:-1])
                continue
            text = kept.get(key)
            if text is None:
                text = self._keep(kept, key, _utf8({name: value})[1:-1])
            parts.append(text)
        return head + b",".join(parts) + tail

    @staticmethod
    def _keep(kept: dict, key: Any, text: bytes) -> bytes:
        if len(kept) >= MAX_KEPT:
            kept.clear()
        kept[key] = text
        return text

    def _any_step(self, step: Any) -> bytes:
        parts = []
        for name, key in self._trace_keys:
            value = getattr(step, name)
            parts.append(key + (self._string(value) if type(value) is str else _utf8(value)))
        return b"{" + b",".join(parts) + b"}"

    def _answer(self, groups: Any) -> bytes:
        entry = self._groups.get(id(groups))
        if entry is not None:
            return entry[1]
        part, string = self._part, self._string
        text = b",".join(b'{"key":' + string(g.key) + b',"question":' + string(g.question) + b',"items":['
                         + b",".join(map(part, g.items)) + b"]}" for g in groups)
        if self._group_bytes + len(text) > MAX_SECTION_BYTES:
            self._groups.clear()
            self._group_bytes = 0
        self._groups[id(groups)] = (groups, text)
        self._group_bytes += len(text)
        return text

    def line(self, row: int, ev: Any) -> bytes:
        part, string = self._part, self._string
        return b"".join((
            b'{"row":', _utf8(row), b',"rulebook_version":', string(ev.rulebook_version),
            b',"recommendations":[', b",".join(map(part, ev.recommendations)),
            b'],"missing_facts":[', b",".join(map(part, ev.missing_facts)),
            b'],"findings":[', b",".join(map(part, ev.findings)),
            b'],"derived_facts":[', b",".join(_utf8(d.to_dict()) for d in ev.derived_facts),
            b'],"trace":[', b",".join(map(self._step, ev.trace)),
            b'],"answer":[', self._answer(ev.answer_groups()), b"]}"))

    def agrees(self, evaluations: list[Any]) -> bool:
        """Whether every fast line is the slow line (json.dumps of to_dict())."""
        return all(self.line(i, ev) == slow_line(i, ev) for i, ev in enumerate(evaluations, start=1))
