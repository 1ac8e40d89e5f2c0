"""The one module that talks to durable_rules. Everything the engine does wrong is contained here.

Measured behaviour (shared/spec/durable-rules-notes.md) this adapter is built around:
- the C extension `durable_rules_engine` is called directly: the Host's timer threads act between assert and
  dispatch and give wrong answers;
- ONE persistent session per ruleset, for the life of the process: per patient, assert one fact with a unique
  id, drain the fired actions, retract the fact by id (delete_state on a session where no action started
  segfaults, and more than 1,024 sessions poison the ruleset);
- the C code has no locks: one lock serialises each assert-drain-retract sequence;
- an `$or` can fire a rule twice: firings are collected into a set.

The sequence cannot be left half done. An exception can land between any two of its C calls: a signal
handler's (KeyboardInterrupt, a SIGALRM timeout), a MemoryError. Measured: a fact left asserted leaks its
firings into the next patient's answer, and an action started and never completed silently stops every later
rule from firing, then hangs the engine. Masking signals cannot prevent it (a signal delivered to another
thread still raises in the main thread, and MemoryError is no signal), so the session is marked dirty before
the first call and clean after the last; an engine found dirty on entry throws its rulesets away and builds
them anew (a fresh session is empty by construction, which no inspection of a used one can prove) before it
asserts. The interrupted evaluation itself raises its exception to its caller, as it should.

After fork() the child gets a new lock (the parent's may have been held by another thread at the fork) and,
when the fork fell inside a sequence, a dirty session it rebuilds on first use. A closed engine raises.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import threading
import weakref

from netguide.engine.compiler import WARMUP_DISCRIMINATOR, WARMUP_RULE, CompiledRulebook
from netguide.errors import EngineError, EngineUnavailable

try:
    import durable_rules_engine as _dre
except ImportError as exc:  # not installed, or built for a CPython that lacks what it calls (3.13: PyEval_CallObject)
    raise EngineUnavailable(
        f"the durable_rules C engine does not import ({exc}). Rebuild it: CPPFLAGS=-DPyEval_CallObject="
        "PyObject_CallObject pip install --no-cache-dir --force-reinstall durable-rules==2.0.28 (the flag is "
        "needed on Python 3.13 and harmless before; --no-cache-dir keeps pip from reusing a wheel built without it)"
    ) from exc

SESSION_ID = "netguide"
# json.dumps({"id": fact_id, "sid": SESSION_ID}) for the ids fire() makes ("p" and digits: nothing to escape)
_RETRACT = '{"id": "%s", "sid": "' + SESSION_ID + '"}'
_ASSERTED, _NOTHING_MATCHED = 0, 1  # assert_fact result codes (rules.h: RULES_OK, ERR_EVENT_NOT_HANDLED)

_ENGINES: "weakref.WeakSet[Engine]" = weakref.WeakSet()  # every live engine, for the fork handler

# Faults the kernel raises in the thread that caused them: blocking one would only turn a crash into a kill.
_SYNCHRONOUS = {getattr(signal, n) for n in ("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGABRT", "SIGTRAP", "SIGSYS",
                                             "SIGKILL", "SIGSTOP") if hasattr(signal, n)}


@contextlib.contextmanager
def _signals_deferred():
    """Hold back asynchronous signals from this thread while rulesets are created or deleted, so that a signal
    handler cannot raise between create_ruleset returning and its handle being kept (a leaked ruleset), and a
    rebuild under a storm of timers still finishes. A signal that arrives meanwhile is delivered when the block
    ends. Only where it can work: the main thread (where Python runs handlers) of a POSIX process. A signal taken
    by another thread can still raise here; the dirty flag keeps the answers right even then. ~90 µs, so it is
    kept off the per-patient path."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    # Read the mask before blocking, and block inside the try: a handler already due can raise the moment the
    # blocking call returns, and the mask must be restored even then (left blocked, every later timer and
    # SIGTERM would be held back for good: measured, a fuzz run that could not be stopped).
    old = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals() - _SYNCHRONOUS)
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _rule_name(message: str) -> str:
    """The first key of an action message {"<rule name>": {"m": <the whole fact>}}, without parsing the fact.

    Rule names are netguide's own (letters, digits, underscores), so the key has no escapes.
    """
    if not message.startswith('{"'):
        raise EngineError(f"unexpected action message from durable_rules: {message[:80]!r}")
    return message[2:message.index('"', 2)]


class Engine:
    """Fires a compiled rulebook for one patient fact at a time; safe to share between threads and to fork."""

    def __init__(self, compiled: CompiledRulebook):
        self.compiled = compiled
        # Re-entrant, so that a signal handler evaluating in the thread that holds it is not a deadlock: `_depth`
        # then tells whether the holder is inside the sequence (refused) or not yet (the handler's evaluation runs
        # whole, before the interrupted one starts, which is safe).
        self._lock = threading.RLock()
        self._depth = 0
        self._ids = itertools.count()
        self._handles: list[tuple[int, dict[str, str]]] = []
        # Handles whose session has had an action started (the warm-up completed): only those may be given to
        # delete_state, which frees uninitialised memory in a session where none started (notes, point 3).
        self._warm: set[int] = set()
        self._dirty = False  # True from before the first C call of a sequence until after its last
        self._closed = False
        self.rebuilds = 0  # how many times a dirty session was thrown away (the fuzzer reports it)
        with _signals_deferred():
            self._create_rulesets()
        _ENGINES.add(self)

    def _create_rulesets(self) -> None:
        for rs in self.compiled.rulesets:
            try:
                handle = _dre.create_ruleset(rs.name, rs.json())
            except _dre.error as exc:  # a compiler bug: rule files are validated before this point
                raise EngineError(f"durable_rules refused ruleset {rs.name}: {exc}") from None
            self._handles.append((handle, rs.rule_ids))
            # The first fact asserted creates the session (about 1 ms, eight times a patient): done here, with
            # signals held back, so the first patient after a build or a rebuild is no slower than the rest, and a
            # short timeout cannot keep interrupting rebuilt sessions for ever (measured: it did). The warm-up fact
            # fires the compiler's warm-up rule, so an action has started in the session before anyone deletes it.
            warm_id = f"w{next(self._ids)}"
            fired = self._assert_drain_retract(
                handle, {WARMUP_RULE: WARMUP_RULE},
                json.dumps({"id": warm_id, "sid": SESSION_ID, WARMUP_DISCRIMINATOR[0]: WARMUP_DISCRIMINATOR[1]}),
                json.dumps({"id": warm_id, "sid": SESSION_ID}))
            if fired != [WARMUP_RULE]:
                raise EngineError(f"durable_rules did not warm ruleset {rs.name} up (fired {fired})")
            self._warm.add(handle)

    def _delete(self, handles: list[tuple[int, dict[str, str]]]) -> None:
        """Free rulesets with their session: delete_ruleset alone keeps each session's memory (measured: 1.45 MB an
        engine, 5 GB over a mutation run). delete_state only where the warm-up finished: a rebuild interrupted
        after the warm-up fact was asserted but before its action started leaves a session that delete_state
        crashes on (measured on 3.13: a segfault or an abort in about 1 run of 15). That session's memory is left
        behind instead, once per such interruption."""
        for handle, _ in handles:
            if handle in self._warm:
                self._warm.discard(handle)
                try:
                    _dre.delete_state(handle, SESSION_ID)
                except _dre.error:  # no session (cannot happen once warm; kept so a freed ruleset still goes)
                    pass
            _dre.delete_ruleset(handle)

    def _rebuild(self) -> None:
        """Replace every ruleset (and so its session) by a fresh one. Stays dirty until the last one exists, so
        an interrupted rebuild is simply done again on the next call."""
        with _signals_deferred():
            old, self._handles = self._handles, []
            self._delete(old)  # measured safe with a fact still asserted or an action left open
            self._create_rulesets()
            self.rebuilds += 1
            self._dirty = False

    def close(self) -> None:
        """Release the engine's rulesets (a process that compiles many rulebooks, e.g. mutation testing).
        Any later fire() raises EngineError."""
        with self._lock:
            self._closed = True
            handles, self._handles = self._handles, []
            self._delete(handles)

    @property
    def closed(self) -> bool:
        return self._closed

    def live_fact_count(self) -> int:
        """How many facts are still asserted in the engine's sessions: 0 between calls, since each patient is
        retracted after its firings are drained (the fuzzer checks that no patient leaks). A ruleset whose session
        was never created (no patient yet) counts 0; a dirty session counts as what it still holds."""
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
            if self._depth:
                # A signal handler (or a callback) evaluating while this thread is inside the sequence: with a plain
                # lock it would wait for ever on its own thread; it must not use the half-done session either.
                raise EngineError("evaluate() was called re-entrantly (from a signal handler?) while this thread "
                                  "was already evaluating; defer the call until the evaluation returns")
            self._depth += 1
            try:
                if self._closed:
                    raise EngineError("this engine was closed; build a new Runtime to evaluate again")
                if self._dirty:
                    self._rebuild()
                fact_id = f"p{next(self._ids)}"
                text = self.compiled.encoder.to_json(fact_id, SESSION_ID, facts)
                retract = _RETRACT % fact_id
                fired: set[str] = set()
                self._dirty = True
                for handle, rule_ids in self._handles:
                    fired.update(self._assert_drain_retract(handle, rule_ids, text, retract))
                self._dirty = False
                return frozenset(fired)
            finally:
                self._depth -= 1

    @staticmethod
    def _assert_drain_retract(handle: int, rule_ids: dict[str, str], text: str, retract: str) -> list[str]:
        # Any exception out of here leaves the engine dirty (fire() clears the flag only after the last ruleset),
        # so nothing below needs to undo a half-done step: the next call rebuilds.
        try:
            code, state = _dre.assert_fact(handle, text)
        except _dre.error as exc:
            raise EngineError(f"durable_rules could not assert a patient: {exc}") from None
        if code not in (_ASSERTED, _NOTHING_MATCHED):
            # 2 = "observed": a live fact with the same id hash. With one live fact at a time it cannot happen;
            # if it does, the answer would silently miss this patient, so it is an error, never an empty answer.
            raise EngineError(f"durable_rules did not assert the patient (code {code})")
        names: list[str] = []
        action = _dre.start_action_for_state(handle, state)
        while action:
            message = action[1] if type(action) is tuple else action
            # _rule_name(message), inlined: this runs for every rule that fires
            names.append(message[2:message.index('"', 2)] if message[:2] == '{"' else _rule_name(message))
            action = _dre.complete_and_start_action(handle, state)
        try:
            _dre.retract_fact(handle, retract)
        except _dre.error as exc:
            raise EngineError(f"durable_rules could not retract a patient: {exc}") from None
        try:
            return [rule_ids[n] for n in names]
        except KeyError as exc:
            raise EngineError(f"durable_rules fired an unknown rule {exc}") from None

    def _after_fork_in_child(self) -> None:
        # The parent's lock may have been held by a thread that does not exist in the child; the session is as the
        # parent left it at the fork, dirty if the fork fell inside a sequence.
        self._lock = threading.RLock()
        self._depth = 0


def _reinit_engines_after_fork() -> None:
    for engine in list(_ENGINES):
        engine._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_engines_after_fork)
