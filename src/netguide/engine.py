"""The one module that talks to durable_rules. Everything the engine does wrong is contained here.

Measured behaviour (shared/spec/durable-rules-notes.md) this adapter is built around:
- the C extension `durable_rules_engine` is called directly: the Host's timer threads act between assert and
  dispatch and give wrong answers;
- ONE persistent session per ruleset, for the life of the process: per patient, assert one fact with a unique
  id, drain the fired actions, retract the fact by id (delete_state on a session where no action started
  segfaults, and more than 1,024 sessions poison the ruleset);
- the C code has no locks: one lock serialises each assert-drain-retract sequence;
- an `$or` can fire a rule twice: firings are collected into a set.
"""
from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterable

import durable_rules_engine as _dre

from .compiler import CompiledRulebook
from .errors import EngineError

SESSION_ID = "netguide"
_ASSERTED, _NOTHING_MATCHED = 0, 1  # assert_fact result codes (rules.h: RULES_OK, ERR_EVENT_NOT_HANDLED)


def _rule_name(message: str) -> str:
    """The first key of an action message {"<rule name>": {"m": <the whole fact>}}, without parsing the fact.

    Rule names are netguide's own (letters, digits, underscores), so the key has no escapes.
    """
    if not message.startswith('{"'):
        raise EngineError(f"unexpected action message from durable_rules: {message[:80]!r}")
    return message[2:message.index('"', 2)]


class Engine:
    """Fires a compiled rulebook for one patient fact at a time; safe to share between threads."""

    def __init__(self, compiled: CompiledRulebook):
        self.compiled = compiled
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._handles: list[tuple[int, dict[str, str]]] = []
        for rs in compiled.rulesets:
            try:
                handle = _dre.create_ruleset(rs.name, rs.json())
            except _dre.error as exc:  # a compiler bug: rule files are validated before this point
                raise EngineError(f"durable_rules refused ruleset {rs.name}: {exc}") from None
            self._handles.append((handle, rs.rule_ids))

    def close(self) -> None:
        """Release the engine's rulesets (a process that compiles many rulebooks, e.g. mutation testing)."""
        with self._lock:
            for handle, _ in self._handles:
                _dre.delete_ruleset(handle)
            self._handles = []

    def live_fact_count(self) -> int:
        """How many facts are still asserted in the engine's sessions: 0 between calls, since each patient is
        retracted after its firings are drained (the fuzzer checks that no patient leaks). A ruleset whose session
        was never created (no patient yet) counts 0."""
        total = 0
        with self._lock:
            for handle, _ in self._handles:
                try:
                    total += len(json.loads(_dre.get_facts(handle, SESSION_ID)))
                except _dre.error:  # 309: no session yet for this ruleset
                    continue
        return total

    def fire(self, facts: dict) -> frozenset[str]:
        """The ids of every rule whose condition is TRUE for these known facts."""
        with self._lock:
            fact_id = f"p{next(self._ids)}"
            text = self.compiled.encoder.to_json(fact_id, SESSION_ID, facts)
            retract = json.dumps({"id": fact_id, "sid": SESSION_ID})
            fired: set[str] = set()
            for handle, rule_ids in self._handles:
                fired.update(self._assert_drain_retract(handle, rule_ids, text, retract))
            return frozenset(fired)

    @staticmethod
    def _assert_drain_retract(handle: int, rule_ids: dict[str, str], text: str, retract: str) -> Iterable[str]:
        try:
            result = _dre.assert_fact(handle, text)
        except _dre.error as exc:
            raise EngineError(f"durable_rules could not assert a patient: {exc}") from None
        code, state = result[0], result[1]
        if code not in (_ASSERTED, _NOTHING_MATCHED):
            # 2 = "observed": a live fact with the same id hash. With one live fact at a time it cannot happen;
            # if it does, the answer would silently miss this patient, so it is an error, never an empty answer.
            _dre.retract_fact(handle, retract)
            raise EngineError(f"durable_rules did not assert the patient (code {code})")
        names: list[str] = []
        try:
            action = _dre.start_action_for_state(handle, state)
            while action:
                names.append(_rule_name(action[1] if isinstance(action, tuple) else action))
                action = _dre.complete_and_start_action(handle, state)
        finally:
            try:
                _dre.retract_fact(handle, retract)
            except _dre.error as exc:
                raise EngineError(f"durable_rules could not retract a patient: {exc}") from None
        try:
            return [rule_ids[n] for n in names]
        except KeyError as exc:
            raise EngineError(f"durable_rules fired an unknown rule {exc}") from None
