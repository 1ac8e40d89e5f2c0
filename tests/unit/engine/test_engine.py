"""The durable_rules adapter, one test per measured trap of shared/spec/durable-rules-notes.md.

Tests marked 'trap' drive the raw C module to show the trap is real on this machine; the test beside each shows
that netguide's adapter or compiler avoids it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import re
import threading
from pathlib import Path

import durable_rules_engine as raw  # tests may drive the raw engine to prove its traps; src/ may not
import pytest

from netguide import conditions
from netguide.engine.compiler import compile_rulebook
from netguide.engine.adapter import SESSION_ID, Engine
from netguide.evaluation import Runtime, evaluate
from netguide.rulebook.loader import load_rulebook
from needs import ROOT, TESTS
from tiny_rulebooks import one_rule_book

SRC = ROOT / "src" / "netguide"
BASIC = TESTS / "data" / "rulebooks" / "basic"


def _fire_raw(handle: int, fact: dict) -> list[str]:
    code, state = raw.assert_fact(handle, json.dumps(fact))
    names = []
    action = raw.start_action_for_state(handle, state)
    while action:
        names.append(next(iter(json.loads(action[1] if isinstance(action, tuple) else action))))
        action = raw.complete_and_start_action(handle, state)
    raw.retract_fact(handle, json.dumps({"id": fact["id"], "sid": fact["sid"]}))
    return names


@pytest.fixture(scope="module")
def basic() -> Runtime:
    return Runtime.build(load_rulebook(BASIC))


def test_only_the_engine_module_imports_durable():
    """Only the engine/ folder imports durable_rules, through one module: the engine is behind one door."""
    importers = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                       if re.search(r"^\s*(import|from)\s+durable", p.read_text(), re.M))
    assert importers == ["engine/adapter.py"]


def test_the_adapter_calls_the_c_module_never_the_host():
    """The adapter uses durable_rules_engine directly: no Host, no durable.lang, so no timer threads."""
    text = (SRC / "engine" / "adapter.py").read_text()
    assert "import durable_rules_engine" in text
    assert not re.search(r"durable\.(lang|engine)|\bHost\b|post\(", text.split('"""', 2)[2])


def test_sessions_are_deleted_only_after_an_action_started_in_them():
    """delete_state on a session where no action started frees uninitialised memory; every compiled ruleset has
    the adapter's warm-up rule, which the warm-up fact fires, and delete_state is called in one place only."""
    from netguide.engine.compiler import WARMUP_RULE

    compiled = compile_rulebook(load_rulebook(BASIC))
    assert all(WARMUP_RULE in rs.definition and WARMUP_RULE not in rs.rule_ids for rs in compiled.rulesets)
    text = (SRC / "engine" / "adapter.py").read_text()
    assert text.count("delete_state(") == 1


def test_closing_engines_frees_their_sessions():
    """200 engines built, used and closed leave resident memory flat (delete_ruleset alone kept each session)."""
    import gc

    from netguide.proving.fuzzing import rss_bytes

    compiled = compile_rulebook(load_rulebook(BASIC))

    def cycle():
        eng = Engine(compiled)
        for g in ("G1", "G2", "G3"):
            eng.fire({"grade": g, "bulky_disease": True})
        eng.close()

    for _ in range(20):
        cycle()
    gc.collect()
    before = rss_bytes()
    for _ in range(200):
        cycle()
    gc.collect()
    assert (rss_bytes() - before) / 2**20 < 20  # 38 MB when delete_ruleset alone left the sessions


def test_evaluations_start_no_background_threads(basic):
    """Evaluating leaves the thread count unchanged (the Host's timers would add threads)."""
    before = threading.active_count()
    for g in ("G1", "G2", "G3"):
        evaluate({"grade": g}, basic)
    assert threading.active_count() == before


def test_one_persistent_session_holds_no_fact_after_an_evaluation(basic):
    """Each patient's fact is retracted by id: after 3,000 evaluations the one session is empty."""
    for i in range(3000):
        evaluate({"grade": ("G1", "G2", "G3")[i % 3], "ki67_percent": i % 100}, basic)
    for handle, _ in basic.engine._handles:
        assert json.loads(raw.get_facts(handle, SESSION_ID)) == []


def test_every_matching_rule_fires_not_only_the_first(basic):
    """Patients are asserted as facts (not posted as events), so every matching rule fires."""
    fired = basic.engine.fire({"grade": "G2", "ki67_percent": 11, "bulky_disease": True, "primary_site": "lung"})
    assert fired >= {"features.site_thoracic", "features.ki67_over_10_g2", "features.general_no_chemo",
                     "features.exception_bulky", "features.caution_captem"}


def test_trap_an_or_that_matches_twice_fires_twice():
    """trap: an `$or` whose two branches both hold fires its rule twice in the raw engine."""
    h = raw.create_ruleset("trap_or", json.dumps({"r": {"all": [{"m": {"$and": [
        {"t": "patient"}, {"$or": [{"g": "G2"}, {"b": 1}]}]}}]}}))
    assert _fire_raw(h, {"id": "1", "sid": "0", "t": "patient", "g": "G2", "b": 1}) == ["r", "r"]


def test_netguide_deduplicates_firings(basic):
    """A rule whose `any` matches twice is reported once (firings are a set)."""
    fired = basic.engine.fire({"ecog_ps": 3, "stage": "advanced"})  # both branches of features.sstr_unknown hold
    assert "features.sstr_unknown" in fired and isinstance(fired, frozenset)




def test_trap_a_comparison_on_a_missing_field_is_false_even_neq():
    """trap: in the raw engine `$neq` on a missing field is false, and only `$nex` tests absence."""
    h = raw.create_ruleset("trap_missing", json.dumps({
        "neq": {"all": [{"m": {"$and": [{"t": "patient"}, {"$neq": {"g": "G3"}}]}}]},
        "nex": {"all": [{"m": {"$and": [{"t": "patient"}, {"$nex": {"g": 1}}]}}]}}))
    assert _fire_raw(h, {"id": "1", "sid": "0", "t": "patient"}) == ["nex"]


def test_negated_tests_on_absent_facts_do_not_fire(basic):
    """`not` on an absent fact is UNKNOWN, matching the engine's false-on-missing comparisons."""
    book = load_rulebook(BASIC)
    for facts in ({}, {"stage": "localized"}, {"stage": "advanced"}, {"ecog_ps": 1}):
        expected = {r.id for r in book.rules if conditions.evaluate3(r.condition, facts)[0] is True}
        assert basic.engine.fire(facts) == expected


def test_trap_more_than_64_true_siblings_abort_a_patient():
    """trap: 70 distinct sibling tests that all hold abort assert_fact with error 303."""
    rules = {f"r{i}": {"all": [{"m": {"$and": [{"t": "patient"}, {"$gt": {"x": -i - 1}}]}}]} for i in range(70)}
    h = raw.create_ruleset("trap_fanout", json.dumps(rules))
    with pytest.raises(raw.error, match="303"):
        raw.assert_fact(h, json.dumps({"id": "1", "sid": "0", "t": "patient", "x": 5}))




def test_trap_numbers_with_an_exponent_are_rejected_by_the_engine():
    """trap: the engine's JSON parser rejects 1e-05 (an exponent without a fraction)."""
    h = raw.create_ruleset("trap_float", json.dumps({"r": {"all": [{"m": {"$and": [{"t": "patient"}, {"$gt": {"x": 0.5}}]}}]}}))
    with pytest.raises(raw.error):
        raw.assert_fact(h, '{"id":"1","sid":"0","t":"patient","x":1e-05}')












def test_eight_threads_get_the_answers_one_thread_gets(basic):
    """The lock serialises assert-drain-retract: 8 threads at once agree with sequential evaluation."""
    patients = [{"grade": g, "ki67_percent": k, "bulky_disease": b, "ecog_ps": e}
                for g in ("G1", "G2", "G3") for k in (2, 10, 10.5, 25) for b in (True, False) for e in (0, 3)]
    expected = [basic.engine.fire(p) for p in patients]
    results: dict[int, list] = {}
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            results[t] = [basic.engine.fire(p) for _ in range(20) for p in patients]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for got in results.values():
        assert got == expected * 20


def test_engine_close_releases_its_rulesets():
    """close() deletes the engine's rulesets; the runtime is not used afterwards."""
    eng = Engine(compile_rulebook(load_rulebook(BASIC)))
    assert eng.fire({"grade": "G3"})
    eng.close()
    assert eng._handles == []




@pytest.mark.parametrize("failed,fires", [(["SSA"], True), (["PRRT"], True), (["SUNITINIB", "CAPTEM"], True),
                                          (["CAPTEM"], False), ([], False)])
def test_includes_any_of_a_list_fires_on_each_code(tmp_path: Path, failed, fires):
    """'includes any of' compiled to one precomputed field fires for each listed code and for no other."""
    (tmp_path / "g.yaml").write_text(
        "format: 1\narea: Groups\nrules:\n  - id: g.after_failure\n    title: After failure\n    status: draft\n"
        "    when: {failed_therapies: {includes: [SSA, PRRT, EVEROLIMUS, SUNITINIB]}}\n"
        "    then: {kind: option, interventions: [CAPTEM], statement: Test statement text.}\n"
        "    evidence: [{section: test, quote: A quote long enough to pass.}]\n"
        "  - id: g.fallback\n    title: fallback\n    status: draft\n    when: always\n    fallback: true\n"
        "    then: {kind: insufficient_evidence, statement: Test fallback statement.}\n"
        "    evidence: [{section: test, quote: A quote long enough to pass.}]\n")
    (tmp_path / "rulebook.yaml").write_text('version: "t"\nfiles: [g.yaml]\n')
    rt = Runtime.build(load_rulebook(tmp_path))
    assert ("g.after_failure" in rt.engine.fire({"failed_therapies": failed})) is fires


def test_a_tiny_threshold_compiles_without_an_exponent_and_fires(tmp_path: Path):
    """`above: 0.00001` is written 0.00001 in the ruleset (json.dumps would write 1e-05, which create_ruleset
    refuses), and it decides like the threshold it is."""
    rt = Runtime.build(one_rule_book(tmp_path, "{ki67_percent: {above: 0.00001}}"))
    assert "e-" not in "".join(rs.json() for rs in rt.compiled.rulesets)
    assert rt.engine.fire({"ki67_percent": 0.00002}) == {"n.r", "n.fallback"}
    assert rt.engine.fire({"ki67_percent": 0.00001}) == {"n.fallback"}




@pytest.mark.parametrize("when,facts,fires", [
    ("{prior_therapies: {empty: true}}", {"prior_therapies": []}, True),
    ("{prior_therapies: {empty: true}}", {"prior_therapies": ["SSA"]}, False),
    ("{prior_therapies: {empty: true}}", {}, False),
    ("{prior_therapies: {empty: false}}", {"prior_therapies": ["SSA"]}, True),
    ("{prior_therapies: {empty: false}}", {"prior_therapies": []}, False),
    ("{prior_therapies: {empty: false}}", {}, False),
])
def test_empty_compiles_to_the_list_count(tmp_path: Path, when, facts, fires):
    """`empty` is decided by the list's count field: [] is empty, an absent list is unknown (fires neither way)."""
    rt = Runtime.build(one_rule_book(tmp_path, when))
    assert ("n.r" in rt.engine.fire(facts)) is fires


def _python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(SRC.parent)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_import_netguide_and_check_do_not_load_the_c_engine():
    """Only an evaluation loads durable_rules: `import netguide`, loading and compiling the rulebook do not."""
    r = _python("import sys, netguide; from netguide.rulebook import load_rulebook; "
                "from netguide.engine.compiler import compile_rulebook; compile_rulebook(load_rulebook()); "
                "print('durable_rules_engine' in sys.modules); netguide.evaluate({'grade': 'G1'}); "
                "print('durable_rules_engine' in sys.modules)")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "True"]


def test_an_engine_that_does_not_import_says_how_to_rebuild_it():
    """A C engine that fails to import (as durable-rules built without the flag does on Python 3.13) raises
    EngineUnavailable with the command that fixes it, never a bare ImportError."""
    r = _python("import sys; sys.modules['durable_rules_engine'] = None\n"
                "import netguide\n"
                "try:\n    netguide.evaluate({'grade': 'G1'})\n"
                "except netguide.EngineError as exc:\n    print(type(exc).__name__, exc)\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("EngineUnavailable") and "CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject" in r.stdout
    assert "--no-cache-dir" in r.stdout
