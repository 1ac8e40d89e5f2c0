"""An answer's output line, byte for byte `json.dumps({"row": row, **ev.to_dict()}, ensure_ascii=False,
separators=(",", ":"))`, without building to_dict() for what repeats from patient to patient.

Most of a 30 KB answer line is the rulebook's own text: each recommendation's statement and citations, the answer's
items, each fired rule's condition and location in the trace. Those parts are frozen, hashable result objects that
recur across patients, so their encoded JSON is kept (by value, not identity) and reused; only what is the patient's
(the facts a trace step tested, the missing facts' rules) is encoded afresh. Object parts are encoded through their
own to_dict(), so their shape stays theirs; this module knows only the top level of Evaluation.to_dict(), the
answer groups' wrapper and TraceStep's fields.

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


def slow_line(row: int, ev: Any) -> str:
    return _ENCODE({"row": row, **ev.to_dict()})


class LineEncoder:
    def __init__(self) -> None:
        self._kept: dict[Any, str] = {}
        self._strings: dict[str, str] = {}
        from netguide.results import TraceStep

        self._trace_keys = tuple((f.name, _ENCODE(f.name) + ":") for f in dataclasses.fields(TraceStep))

    def _part(self, obj: Any) -> str:
        # Kept by value: only for parts whose fields are text, codes, tuples of them and booleans (a
        # recommendation, an answer item, a missing fact, a finding), where equal values encode alike. A derived
        # fact's value may be 1 or 1.0 or True, equal as keys but not as JSON: it is encoded each time.
        try:
            return self._kept[obj]
        except KeyError:
            text = _ENCODE(obj.to_dict())
            if len(self._kept) >= MAX_KEPT:
                self._kept.clear()
            self._kept[obj] = text
            return text

    def _string(self, s: str) -> str:
        text = self._strings.get(s)
        if text is None:
            text = _ENCODE(s)
            if len(self._strings) >= MAX_KEPT:
                self._strings.clear()
            self._strings[s] = text
        return text

    def _step(self, step: Any) -> str:
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
