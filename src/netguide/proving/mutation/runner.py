"""Running mutants: each mutated rulebook is loaded from rule texts in memory and run against the scenarios that pass unmutated, in worker processes."""
from __future__ import annotations

import multiprocessing
import random
import time
from pathlib import Path
from typing import Any

import yaml

from netguide.proving.scenarios import load_scenarios
from netguide.rulebook.loader import default_rules_dir

from .equivalence import distinguishing_patient
from .operators import Mutant, generate_mutants
from .report import Outcome, Report

DEFAULT_JOBS = 2


MAX_TASKS_PER_CHILD = 50


# Workers are started by spawn on every platform: fork in a process with threads can deadlock (Python 3.13 warns,
# 3.14 changes the default), and a spawned worker needs nothing from its parent but these picklable arguments.
START_METHOD = "spawn"

_WORKER: dict[str, Any] = {}


def _init_worker(root: str, texts: dict[str, str], datas: dict[str, Any], scenarios: list) -> None:
    _WORKER.update(root=Path(root), texts=texts, datas=datas, scenarios=scenarios)


def _ordered(scenarios: list, rule_id: str) -> list:
    first = [s for s in scenarios if any(m.rule == rule_id for m in list(s.spec.expect) + list(s.spec.forbid))]
    return first + [s for s in scenarios if s not in first]


def _dump(data: Any) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=4096)


def run_mutant(m: Mutant) -> Outcome:
    """Load, compile and test one mutant in this (worker) process."""
    from netguide.errors import NetguideError
    from netguide.evaluation import Runtime
    from netguide.proving.scenarios import run_scenario
    from netguide.rulebook.loader import load_rulebook

    start = time.perf_counter()
    name = Path(m.file).name
    texts = {**_WORKER["texts"], name: _dump(m.apply(_WORKER["datas"][name]))}
    try:  # the mutated folder exists only as texts: nothing is written, nothing is patched
        book = load_rulebook(_WORKER["root"], texts=texts)
        rt = Runtime.build(book)
    except NetguideError as exc:
        return Outcome(m, "invalid", str(exc).splitlines()[0][:300], time.perf_counter() - start)
    try:
        for sc in _ordered(_WORKER["scenarios"], m.rule_id):
            try:
                res = run_scenario(sc, rt)
            except NetguideError as exc:
                return Outcome(m, "invalid", f"scenario {sc.name}: {exc}"[:300], time.perf_counter() - start)
            if not res.passed:
                return Outcome(m, "killed", sc.name, time.perf_counter() - start)
        return Outcome(m, "survived", "", time.perf_counter() - start)
    finally:
        rt.engine.close()


def baseline(rules_dir: Path | str | None, scenarios: list) -> tuple[list[str], list[str]]:
    """(names of scenarios passing on the unmutated rules, names failing), computed in a worker process."""
    ctx = multiprocessing.get_context(START_METHOD)
    with ctx.Pool(1) as pool:
        return pool.apply(_baseline, (str(rules_dir) if rules_dir is not None else None, scenarios))


def _baseline(rules_dir: str | None, scenarios: list) -> tuple[list[str], list[str]]:
    from netguide.evaluation import Runtime
    from netguide.proving.scenarios import run_scenario
    from netguide.rulebook.loader import load_rulebook

    rt = Runtime.build(load_rulebook(rules_dir))
    passing, failing = [], []
    for sc in scenarios:
        (passing if run_scenario(sc, rt).passed else failing).append(sc.name)
    return passing, failing


def select(mutants: list[Mutant], sample: int | None, seed: int) -> list[Mutant]:
    """Every mutant, or a seeded sample of `sample` of them in generation order (the same for the same rules)."""
    if sample is None or sample >= len(mutants):
        return mutants
    return sorted(random.Random(seed).sample(mutants, sample), key=lambda m: m.id)


def mutate(rules_dir: Path | str | None = None, scenarios_dir: Path | str = "scenarios", *, sample: int | None = None,
           seed: int = 1, jobs: int = DEFAULT_JOBS, progress=None, rule_prefixes: tuple[str, ...] = ()) -> Report:
    """Generate the mutants (or a seeded sample of them; only of the rules whose id starts with one of
    `rule_prefixes`, when given), run each in a worker process, and report."""
    start = time.perf_counter()
    mutants, datas, texts = generate_mutants(rules_dir)
    if rule_prefixes:
        mutants = [m for m in mutants if m.rule_id.startswith(tuple(rule_prefixes))]
        if not mutants:  # nothing to run: skip the baseline run of every scenario
            return Report(0, [], 0, [], time.perf_counter() - start, jobs)
    total = len(mutants)
    mutants = select(mutants, sample, seed)
    # Read once, here: the baseline and every worker judge the same cases, even if the files change meanwhile.
    scenarios = load_scenarios(scenarios_dir)
    keep, failing = baseline(rules_dir, scenarios)
    kept = set(keep)
    outcomes: list[Outcome] = []
    root = str(Path(rules_dir) if rules_dir is not None else default_rules_dir())
    ctx = multiprocessing.get_context(START_METHOD)
    with ctx.Pool(max(1, jobs), initializer=_init_worker,
                  initargs=(root, texts, datas, [s for s in scenarios if s.name in kept]),
                  maxtasksperchild=MAX_TASKS_PER_CHILD) as pool:
        for o in pool.imap_unordered(run_mutant, mutants):
            outcomes.append(o)
            if progress:
                progress(len(outcomes), len(mutants))
    outcomes.sort(key=lambda o: o.mutant.id)
    hints = {o.mutant.id: distinguishing_patient(o.mutant, datas) for o in outcomes if o.status == "survived"}
    return Report(total, outcomes, len(keep), failing, time.perf_counter() - start, jobs,
                  sample if sample is not None and sample < total else None, seed if sample is not None else None,
                  hints)
