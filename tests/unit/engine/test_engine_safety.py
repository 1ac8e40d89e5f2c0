"""The engine survives what a server, a notebook or a worker with a timeout does to it: an exception landing between
any two steps of assert / drain / retract, fork while another thread evaluates, pools started by fork and spawn,
closing, and evaluate() called from a signal handler. After each, every answer must equal the reference
evaluator's (netguide.proving.reference, a plain interpreter of the rule files that shares nothing with the engine).
"""
from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
import warnings

import durable_rules_engine as raw
import pytest

from netguide.engine import adapter as engine_module
from netguide.errors import EngineError
from netguide.evaluation import Runtime, evaluate
from netguide.proving.reference import reference_evaluation
from netguide.proving.samples import random_patient

# A patient on whom many rules of every ruleset fire, so every step of the sequence runs several times.
BUSY = {"differentiation": "well", "primary_site": "pancreas", "grade": "G2", "ki67_percent": 14,
        "treatment_setting": "advanced", "progression": "progressive", "bulky_disease": True,
        "failed_therapies": ["SSA"], "prior_therapies": ["SSA"], "prior_systemic_lines": 1}
STEPS = ("assert_fact", "start_action_for_state", "complete_and_start_action", "retract_fact")


def _want(book, data):
    return reference_evaluation(book, data)


def _all_right(rt: Runtime, n: int = 200, seed: int = 0) -> None:
    """n random patients (and BUSY) answered exactly as the reference answers them; nothing left asserted."""
    rng = random.Random(seed)
    for data in [BUSY] + [random_patient(rng) for _ in range(n)]:
        assert evaluate(data, rt) == _want(rt.rulebook, data), data
    assert rt.engine.live_fact_count() == 0


class _Around:
    """Stands in for the C module: delegates every call, and runs `around(real, *args)` for calls of `name`."""

    def __init__(self, name: str, around):
        self.name, self.around = name, around

    def __getattr__(self, attr):
        real = getattr(raw, attr)
        if attr != self.name:
            return real
        return lambda *args: self.around(real, *args)


class _Injector:
    """Stands in for the C module: delegates every call, and raises `exc` at the `nth` call of `name`, either
    before the real call (nothing happened) or after it (it happened and its result is lost, as when a signal
    handler raises the moment a C call returns)."""

    def __init__(self, name: str, nth: int, when: str, exc: type[BaseException], base=raw):
        self.name, self.nth, self.when, self.exc, self.base = name, nth, when, exc, base
        self.calls = 0
        self.fired = False

    def __getattr__(self, attr):
        real = getattr(self.base, attr)
        if attr != self.name:
            return real

        def call(*args):
            self.calls += 1
            if self.calls != self.nth:
                return real(*args)
            self.fired = True
            if self.when == "after":
                real(*args)
            raise self.exc("injected")
        return call


@pytest.fixture()
def fresh(shipped_rulebook) -> Runtime:
    """A runtime of its own (the shared one must not be left broken by a failing test)."""
    rt = Runtime.build(shipped_rulebook)
    yield rt
    rt.engine.close()


def test_trap_an_action_left_open_silences_every_later_rule():
    """trap: in the raw engine, an action started and never completed makes later patients fire nothing."""
    h = raw.create_ruleset("trap_open_action", json.dumps({"g2": {"all": [{"m": {"$and": [{"t": "patient"},
                                                                                             {"g": "G2"}]}}]}}))
    _, state = raw.assert_fact(h, json.dumps({"id": "1", "sid": "s", "t": "patient", "g": "G2"}))
    assert raw.start_action_for_state(h, state)  # started, never completed: what an interrupt leaves
    _, state = raw.assert_fact(h, json.dumps({"id": "2", "sid": "s", "t": "patient", "g": "G2"}))
    assert not raw.start_action_for_state(h, state)  # a G2 patient, and the G2 rule does not fire
    raw.delete_ruleset(h)


@pytest.mark.parametrize("exc", [KeyboardInterrupt, MemoryError])
@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("nth", [1, 2, 5])
def test_an_exception_at_any_step_leaves_every_later_answer_right(fresh, monkeypatch, step, when, nth, exc):
    """An exception before or after any C call of the sequence (first, second or fifth call of that step) reaches
    the caller; then 200 random patients get the reference's answers and no fact stays asserted."""
    injector = _Injector(step, nth, when, exc)
    monkeypatch.setattr(engine_module, "_dre", injector)
    with pytest.raises(exc):
        for _ in range(3):  # the fifth call of a step may need a second patient
            evaluate(BUSY, fresh)
    assert injector.fired
    _all_right(fresh)
    assert fresh.engine.rebuilds == 1


@pytest.mark.parametrize("step", ["delete_ruleset", "create_ruleset", "assert_fact"])
def test_an_exception_during_the_rebuild_is_recovered_from_on_the_next_call(fresh, monkeypatch, step):
    """The rebuild of a dirty session can itself be interrupted (a ruleset deleted, created, or warmed up): the
    engine stays dirty and rebuilds again on the next call."""
    monkeypatch.setattr(engine_module, "_dre", _Injector("complete_and_start_action", 1, "before", KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        evaluate(BUSY, fresh)
    monkeypatch.setattr(engine_module, "_dre", _Injector(step, 2, "after", KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        evaluate(BUSY, fresh)
    assert fresh.engine._dirty
    monkeypatch.setattr(engine_module, "_dre", raw)
    _all_right(fresh)


class _GuardedDelete:
    """Stands in for the C module: delegates every call, remembers each ruleset in which an action started, and
    fails the test (instead of crashing the process) when delete_state is asked to free a session of any other."""

    def __init__(self):
        self.started: set[int] = set()
        self.refused: list[int] = []

    def __getattr__(self, attr):
        real = getattr(raw, attr)
        if attr == "start_action_for_state":
            def start(handle, *args):
                action = real(handle, *args)
                if action:
                    self.started.add(handle)
                return action
            return start
        if attr == "delete_state":
            def delete_state(handle, *args):
                if handle not in self.started:
                    self.refused.append(handle)
                    raise AssertionError(f"delete_state on ruleset {handle}, where no action ever started")
                return real(handle, *args)
            return delete_state
        return real


@pytest.mark.parametrize("nth", [1, 2, 3, 4])
def test_a_rebuild_never_frees_a_session_whose_warm_up_was_cut_short(shipped_rulebook, monkeypatch, nth):
    """trap (measured on 3.13: a segfault or an abort in about 1 run of 15): a rebuild interrupted right after a
    warm-up fact was asserted, before its action started, leaves a session that delete_state must not free. The
    next rebuild and close() leave it alone, and the engine answers right."""
    guard = _GuardedDelete()
    monkeypatch.setattr(engine_module, "_dre", guard)
    rt = Runtime.build(shipped_rulebook)
    try:
        monkeypatch.setattr(engine_module, "_dre", _Injector("complete_and_start_action", 1, "before",
                                                             KeyboardInterrupt, base=guard))
        with pytest.raises(KeyboardInterrupt):
            evaluate(BUSY, rt)
        monkeypatch.setattr(engine_module, "_dre", _Injector("assert_fact", nth, "after", KeyboardInterrupt,
                                                             base=guard))
        with pytest.raises(KeyboardInterrupt):
            evaluate(BUSY, rt)
        monkeypatch.setattr(engine_module, "_dre", guard)
        _all_right(rt, n=20)
    finally:
        rt.engine.close()
    assert not guard.refused

def test_the_reference_would_notice_an_unrecovered_engine(fresh, monkeypatch):
    """The check above can fail: with recovery switched off, the same interrupt gives wrong answers."""
    monkeypatch.setattr(engine_module, "_dre", _Injector("start_action_for_state", 1, "after", KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        evaluate(BUSY, fresh)
    monkeypatch.setattr(engine_module, "_dre", raw)
    fresh.engine._dirty = False  # what the engine did before: carry on in the broken session
    with pytest.raises(AssertionError):
        _all_right(fresh, n=50)


def test_a_closed_engine_raises_instead_of_answering_nothing(fresh):
    """evaluate() on a closed engine raises EngineError; it never returns an empty answer."""
    assert evaluate(BUSY, fresh).recommendations
    fresh.engine.close()
    with pytest.raises(EngineError, match="closed"):
        evaluate(BUSY, fresh)
    with pytest.raises(EngineError, match="closed"):
        fresh.engine.fire({"grade": "G1"})


def test_evaluate_from_a_signal_handler_during_an_evaluation_raises_instead_of_deadlocking(fresh, monkeypatch):
    """A handler that evaluates while this thread is inside the sequence gets EngineError at once (it would wait
    for the lock its own thread holds); the interrupted evaluation raises it too, and the engine recovers."""
    seen: list[BaseException] = []

    def reenter(real, *args):
        result = real(*args)
        try:  # what a signal handler landing here would do
            evaluate({"grade": "G1"}, fresh)
        except EngineError as exc:
            seen.append(exc)
            raise
        return result

    monkeypatch.setattr(engine_module, "_dre", _Around("start_action_for_state", reenter))
    with pytest.raises(EngineError, match="re-entrantly"):
        evaluate(BUSY, fresh)
    assert seen and "signal handler" in str(seen[0])
    monkeypatch.setattr(engine_module, "_dre", raw)
    _all_right(fresh, n=50)


def test_a_real_signal_handler_that_evaluates_never_deadlocks(fresh):
    """SIGALRM handlers that call evaluate() during a stream of evaluations either answer or are refused; the
    stream finishes and its answers stay right."""
    outcomes = {"answered": 0, "refused": 0}

    def handler(signum, frame):
        try:
            evaluate({"differentiation": "well", "grade": "G3", "treatment_setting": "advanced"}, fresh)
            outcomes["answered"] += 1
        except EngineError:
            outcomes["refused"] += 1

    previous = signal.signal(signal.SIGALRM, handler)
    rng = random.Random(3)
    try:
        for _ in range(400):
            signal.setitimer(signal.ITIMER_REAL, rng.uniform(0, 300) / 1e6)
            try:
                evaluate(random_patient(rng), fresh)
            except EngineError:
                pass  # the handler's refusal surfaced in the interrupted evaluation
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert sum(outcomes.values()) > 0
    _all_right(fresh, n=100)


def _fork_and_check(rt: Runtime, data: dict, timeout: float = 20.0) -> int:
    """Fork; the child evaluates `data` and exits 0 when its answer is the reference's (3 when it is wrong, 4 on an
    error). Returns the child's exit status, or -1 when it hung (it is then killed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork in a multi-threaded process
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 4
        try:
            code = 0 if evaluate(data, rt) == _want(rt.rulebook, data) else 3
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return -1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")
def test_fork_while_another_thread_is_inside_the_sequence(fresh, monkeypatch):
    """A thread holds the engine's lock in the middle of assert / drain / retract (a fact asserted, its actions not
    drained) when the process forks: the child neither hangs on the inherited lock nor answers from the half-used
    session."""
    inside, release = threading.Event(), threading.Event()

    def pause(real, *args):
        inside.set()
        release.wait(30)
        return real(*args)

    monkeypatch.setattr(engine_module, "_dre", _Around("start_action_for_state", pause))
    worker = threading.Thread(target=evaluate, args=(BUSY, fresh))
    worker.start()
    try:
        assert inside.wait(10)
        assert fresh.engine._depth == 1 and fresh.engine._dirty  # the worker is inside, holding the lock
        monkeypatch.setattr(engine_module, "_dre", raw)  # the child runs the real module
        statuses = [_fork_and_check(fresh, d) for d in (BUSY, {"differentiation": "poor", "primary_site": "colorectal"})]
    finally:
        release.set()
        worker.join(30)
    assert statuses == [0, 0]
    _all_right(fresh, n=50)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")
def test_twenty_forks_while_threads_evaluate_never_hang(fresh):
    """20 forks while 3 threads evaluate without pause: every child answers right, none hangs."""
    stop = threading.Event()

    def churn(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            evaluate(random_patient(rng), fresh)

    threads = [threading.Thread(target=churn, args=(s,)) for s in range(3)]
    for t in threads:
        t.start()
    try:
        rng = random.Random(9)
        statuses = [_fork_and_check(fresh, random_patient(rng)) for _ in range(20)]
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert statuses == [0] * 20


def _answer(data: dict) -> dict:
    """A pool worker's job (module level, so spawn can import it): the answer for one patient, as JSON data."""
    return evaluate(data).to_dict()


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_pools_give_the_answers_of_one_process(method):
    """A pool of 2 workers started by fork, spawn or forkserver answers 60 patients exactly as this process does
    (each worker builds its engine once, or inherits a clean one)."""
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available on this platform")
    evaluate(BUSY)  # the parent has a warm engine that fork workers inherit
    rng = random.Random(5)
    patients = [BUSY] + [random_patient(rng) for _ in range(59)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with multiprocessing.get_context(method).Pool(2) as pool:
            got = pool.map(_answer, patients, chunksize=5)
    assert got == [evaluate(p).to_dict() for p in patients]


def test_a_storm_of_real_signal_timers_leaves_every_answer_right():
    """`netguide fuzz --interrupts 500`: one-shot SIGALRM timers of 0-400 µs raise inside evaluate(); every answer
    that completes equals the reference's, no fact is left asserted, and the run ends (a hang is killed)."""
    proc = subprocess.run([sys.executable, "-m", "netguide", "fuzz", "--interrupts", "500", "--seed", "4"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wrong answers: 0" in proc.stdout and "facts left in the engine session: 0" in proc.stdout
    checked = int(proc.stdout.split("answers checked against the reference: ")[1].split(";")[0])
    assert checked > 300  # the untimed half alone: about one per interrupt


@pytest.mark.long
def test_ten_thousand_real_interrupts():
    """The long run of the issue: 10,000 interrupts inside evaluate(), 0 wrong answers, nothing left asserted."""
    proc = subprocess.run([sys.executable, "-m", "netguide", "fuzz", "--interrupts", "10000", "--seed", "1"],
                          capture_output=True, text=True, timeout=3000)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wrong answers: 0" in proc.stdout


def test_dask_workers_give_the_answers_of_one_process():
    """A dask.distributed LocalCluster of 2 worker processes (spawned, tasks run in worker threads) answers 40
    patients exactly as this process does; each worker builds its engine once and reuses it."""
    import distributed  # a test dependency (pyproject [test]): its absence is a failure, not a skip

    rng = random.Random(8)
    patients = [BUSY] + [random_patient(rng) for _ in range(39)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=2, processes=True, dashboard_address=None,
                                  silence_logs=50) as cluster, distributed.Client(cluster) as client:
        got = client.gather(client.map(_answer, patients, pure=False))
        engines = client.run(_engine_identity)
    assert got == [evaluate(p).to_dict() for p in patients]
    assert len(engines) == 2 and all(rebuilds == 0 for _, rebuilds in engines.values())


def _engine_identity() -> tuple[int, int]:
    """Run on a dask worker: which engine object its evaluations used, and how often it was rebuilt."""
    from netguide.evaluation import runtime_for

    engine = runtime_for().engine
    return id(engine), engine.rebuilds
