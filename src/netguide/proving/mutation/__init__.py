"""`netguide mutate`: mutation testing of the rule files against the scenario suite.

Each mutant changes one thing in one rule, on the parsed rule file (the YAML data), with one operator:
- drop_condition: drop one key of a `when` mapping (a fact, `all`, `any` or `not`), one operator of a fact's
  test mapping (`{above: 3, at_most: 20}` -> `{at_most: 20}`), or one item of an `all` / `any` list. A `when`
  with a single key becomes `when: always`. An item that is the only one of its list is not dropped alone
  (dropping its key covers it).
- flip_comparison: above <-> at_most, below <-> at_least, includes <-> excludes, known: true <-> false,
  a value or list <-> `{not: ...}` (one_of <-> not), a boolean true <-> false, and a `not:` combinator removed.
- move_threshold: a numeric threshold t moves to either side: t - 1 and t + 1 for integer facts; t - 5 and
  t + 5 percentage points for number facts (Ki-67 %), clamped to the fact's range (a move that clamps back to
  t is not made).
- swap_value: an enum value is replaced by each sibling value of the vocabulary not already listed; an integer
  value by its neighbours (v - 1, v + 1). Intervention codes in includes / excludes are not swapped (about
  fifty siblings each; flip and drop cover those tests).
- drop_intervention: one code dropped from `then.interventions`.

Each mutant's rules folder (a copy with the one file changed) is loaded with load_rulebook and compiled; every
scenario that passes on the unmutated rules is run against it, those naming the mutated rule first, until one
fails: the mutant is killed. A mutant whose rules do not load or compile is invalid (counted apart, not killed).
Score = killed / (killed + survived). Mutants run in worker processes (a compiled runtime keeps ~300 KB of C
memory), each worker parsing every unchanged file once.

CI runs a fixed sample: `netguide mutate --sample 60 --seed 1`; the full run is `netguide mutate`.
"""
from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

from netguide import conditions
from netguide.rulebook.implications import IMPLICATIONS_FILE
from netguide.rulebook.loader import DECLINED_FILE, RULEBOOK_MANIFEST, default_rules_dir
from netguide.proving.scenarios import load_scenarios
from netguide.vocabulary import BOOL, ENUM, FACTS, INTEGER
from netguide.rulebook.source import Locator, display_path, load

OPERATORS = ("drop_condition", "flip_comparison", "move_threshold", "swap_value", "drop_intervention")
NUMBER_DELTA = 5  # percentage points, for `number` facts (Ki-67 %)
INTEGER_DELTA = 1
FLIPPED_OPS = {"above": "at_most", "at_most": "above", "below": "at_least", "at_least": "below",
               "includes": "excludes", "excludes": "includes", "one_of": "not", "not": "one_of"}
NUMERIC_OPS = ("above", "at_least", "below", "at_most")
DEFAULT_JOBS = 2
MAX_TASKS_PER_CHILD = 50

KeyPath = tuple[Any, ...]


@dataclass(frozen=True)
class Mutant:
    """One change to one rule: set the value at `edit` (or delete it when `delete`)."""

    id: int
    file: str  # the rule file's name in the rules folder
    line: int  # where the change is, in the unmutated file
    rule_id: str
    operator: str
    description: str
    edit: KeyPath
    value: Any = None
    delete: bool = False

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def apply(self, data: Any) -> Any:
        """A mutated deep copy of a rule file's data."""
        out = copy.deepcopy(data)
        parent = out
        for key in self.edit[:-1]:
            parent = parent[key]
        if self.delete:
            del parent[self.edit[-1]]
        else:
            parent[self.edit[-1]] = copy.deepcopy(self.value)
        return out


# ---------------------------------------------------------------------------------------------- generating


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def _renamed(mapping: dict, old: str, new: str, new_value: Any) -> dict:
    return {(new if k == old else k): (new_value if k == old else v) for k, v in mapping.items()}


def _siblings(fact: str, current: list[Any]) -> list[Any]:
    spec = FACTS[fact]
    if spec.type == ENUM:
        return [v for v in spec.values if v not in current]
    if spec.type == INTEGER:
        lo, hi = spec.range or (-10**9, 10**9)
        out: list[Any] = []
        for v in current:
            for w in (v - INTEGER_DELTA, v + INTEGER_DELTA):
                if lo <= w <= hi and w not in current and w not in out:
                    out.append(w)
        return out
    return []


def _moved(fact: str, t: Any) -> list[Any]:
    spec = FACTS[fact]
    lo, hi = spec.range or (-float("inf"), float("inf"))
    delta = INTEGER_DELTA if spec.type == INTEGER else NUMBER_DELTA
    out = []
    for v in (t - delta, t + delta):
        v = min(max(v, lo), hi)
        v = int(v) if float(v).is_integer() else v
        if v != t and v not in out:
            out.append(v)
    return out


Change = tuple[str, str, KeyPath, KeyPath, Any, bool]  # operator, description, at (for the line), edit, value, delete


def _value_changes(fact: str, raw: Any, kp: KeyPath, op: str = "") -> Iterator[Change]:
    """Sibling swaps of a value or list of values at kp (an enum or integer test, under `op` if given)."""
    values = raw if isinstance(raw, list) else [raw]
    shown_op = f"{op} " if op else ""
    for j, v in enumerate(values):
        for w in _siblings(fact, values):
            if isinstance(raw, list):
                new: Any = values[:j] + [w] + values[j + 1:]
                yield ("swap_value", f"{fact}: {shown_op}{_show(raw)} -> {shown_op}{_show(new)}", kp + (j,), kp, new,
                       False)
            else:
                yield "swap_value", f"{fact}: {shown_op}{_show(v)} -> {shown_op}{_show(w)}", kp, kp, w, False


def _fact_changes(fact: str, raw: Any, kp: KeyPath) -> Iterator[Change]:
    spec = FACTS[fact]
    if isinstance(raw, dict):
        for op, arg in raw.items():
            kpo = kp + (op,)
            if len(raw) > 1:
                yield "drop_condition", f"drop '{fact}: {op} {_show(arg)}'", kpo, kpo, None, True
            if op == "known":
                yield "flip_comparison", f"{fact}: known {_show(arg)} -> {_show(not arg)}", kpo, kpo, not arg, False
            elif op in FLIPPED_OPS and FLIPPED_OPS[op] not in raw:
                new_op = FLIPPED_OPS[op]
                new_arg = arg if new_op != "one_of" or isinstance(arg, list) else [arg]
                if new_op == "one_of" and len(raw) == 1:  # {not: X} -> X
                    yield "flip_comparison", f"{fact}: not {_show(arg)} -> {_show(arg)}", kpo, kp, arg, False
                else:
                    yield ("flip_comparison", f"{fact}: {op} {_show(arg)} -> {new_op} {_show(new_arg)}", kpo, kp,
                           _renamed(raw, op, new_op, new_arg), False)
            if op in NUMERIC_OPS:
                for t in _moved(fact, arg):
                    yield "move_threshold", f"{fact}: {op} {_show(arg)} -> {op} {_show(t)}", kpo, kpo, t, False
            if op in ("one_of", "not"):
                yield from _value_changes(fact, arg, kpo, op)
        return
    if spec.type == BOOL:
        yield "flip_comparison", f"{fact}: {_show(raw)} -> {_show(not raw)}", kp, kp, not raw, False
        return
    yield "flip_comparison", f"{fact}: {_show(raw)} -> not {_show(raw)}", kp, kp, {"not": raw}, False
    if spec.type in (ENUM, INTEGER):
        yield from _value_changes(fact, raw, kp)


def _condition_changes(raw: Any, kp: KeyPath, top: bool) -> Iterator[Change]:
    if not isinstance(raw, dict):
        return
    for key, value in raw.items():
        kpk = kp + (key,)
        if len(raw) > 1:
            yield "drop_condition", f"drop '{key}'", kpk, kpk, None, True
        elif top:
            yield "drop_condition", f"drop '{key}' (when: always)", kpk, kp, "always", False
        if key in ("all", "any") and isinstance(value, list):
            for j, item in enumerate(value):
                if len(value) > 1:
                    yield "drop_condition", f"drop {key}[{j}]", kpk + (j,), kpk + (j,), None, True
                yield from _condition_changes(item, kpk + (j,), False)
        elif key == "not":
            yield from _condition_changes(value, kpk, False)
            if isinstance(value, dict) and not set(value) & (set(raw) - {"not"}):
                merged: dict = {}
                for k, v in raw.items():
                    merged.update(value if k == "not" else {k: v})
                yield "flip_comparison", "remove 'not'", kpk, kp, merged, False
        elif key in FACTS:
            yield from _fact_changes(key, value, kpk)


def rule_changes(raw_rule: dict, base: KeyPath) -> Iterator[Change]:
    """Every single change the operators make to one raw rule (base: its key path in the file)."""
    when = raw_rule.get("when")
    if isinstance(when, dict):
        yield from _condition_changes(when, base + ("when",), True)
    unless = raw_rule.get("unless")
    if isinstance(unless, dict):  # the exception: each of its tests dropped or flipped (never all of it dropped,
        yield from _condition_changes(unless, base + ("unless",), False)  # which would leave `provided` alone)
    then = raw_rule.get("then") or {}
    for j, code in enumerate(then.get("interventions") or []):
        kpj = base + ("then", "interventions", j)
        yield "drop_intervention", f"drop intervention {code}", kpj, kpj, None, True


def generate_mutants(rules_dir: Path | str | None = None) -> tuple[list[Mutant], dict[str, Any], dict[str, str]]:
    """Every mutant of every rule file: (mutants, parsed data by file name, text by file name for every file)."""
    root = Path(rules_dir) if rules_dir is not None else default_rules_dir()
    manifest, _ = load(root / RULEBOOK_MANIFEST)
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(root.glob("*.yaml"))}
    datas: dict[str, Any] = {}
    mutants: list[Mutant] = []
    shown_root = display_path(root)
    for name in manifest.get("files") or []:
        if name in (RULEBOOK_MANIFEST, DECLINED_FILE, IMPLICATIONS_FILE) or name not in texts:
            continue
        data, locator = load(root / name, f"{shown_root}/{name}")
        datas[name] = data
        for i, raw in enumerate(data.get("rules") or []):
            if not isinstance(raw, dict) or raw.get("fallback"):
                continue
            for operator, desc, at, edit, value, delete in rule_changes(raw, ("rules", i)):
                line = locator.find(at).line or 0
                mutants.append(Mutant(len(mutants), f"{shown_root}/{name}", line, str(raw.get("id")), operator,
                                      desc, edit, value, delete))
    return mutants, datas, texts


# ------------------------------------------------------------------------------------------------ running


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | invalid
    detail: str = ""  # the scenario that killed it, or why it is invalid
    seconds: float = 0.0


_WORKER: dict[str, Any] = {}


def _cached_loader(originals: dict[str, str]):
    """yamlsource.load, parsing each unchanged rule file once per worker (the parse is pure)."""
    from netguide.rulebook.source import load_text

    cache: dict[tuple[str, str], tuple[Any, Locator]] = {}

    def cached(path: Path | str, display: str | None = None) -> tuple[Any, Locator]:
        p = Path(path)
        text = p.read_text(encoding="utf-8")
        if originals.get(p.name) != text:
            return load_text(text, display or str(p))
        key = (p.name, text)
        if key not in cache:
            cache[key] = load_text(text, display or str(p))
        return cache[key]

    return cached


def _init_worker(texts: dict[str, str], datas: dict[str, Any], tmp_root: str, scenarios: list) -> None:
    from netguide.rulebook import loader as rulebook

    rulebook.load = _cached_loader(texts)  # this worker process only
    _WORKER.update(texts=texts, datas=datas, tmp=Path(tmp_root), scenarios=scenarios)


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
    from netguide.rulebook.loader import load_rulebook
    from netguide.proving.scenarios import run_scenario

    start = time.perf_counter()
    folder = _WORKER["tmp"] / f"m{m.id}"
    folder.mkdir()
    name = Path(m.file).name
    try:
        for fname, text in _WORKER["texts"].items():
            (folder / fname).write_text(_dump(m.apply(_WORKER["datas"][fname])) if fname == name else text,
                                        encoding="utf-8")
        try:
            book = load_rulebook(folder)
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
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def baseline(rules_dir: Path | str | None, scenarios: list) -> tuple[list[str], list[str]]:
    """(names of scenarios passing on the unmutated rules, names failing), computed in a worker process."""
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        return pool.apply(_baseline, (str(rules_dir) if rules_dir is not None else None, scenarios))


def _baseline(rules_dir: str | None, scenarios: list) -> tuple[list[str], list[str]]:
    from netguide.evaluation import Runtime
    from netguide.rulebook.loader import load_rulebook
    from netguide.proving.scenarios import run_scenario

    rt = Runtime.build(load_rulebook(rules_dir))
    passing, failing = [], []
    for sc in scenarios:
        (passing if run_scenario(sc, rt).passed else failing).append(sc.name)
    return passing, failing


def _engine_condition(raw_rule: dict) -> conditions.Condition | None:
    """What the engine tests for a raw rule: `when`, and its `unless` not known to hold (None when invalid)."""
    when, _ = conditions.parse_condition(raw_rule["when"], ("when",))
    if when is None or raw_rule.get("unless") is None:
        return when
    unless, _ = conditions.parse_condition(raw_rule["unless"], ("unless",))
    return None if unless is None else conditions.All((when, conditions.not_true(unless)))


def distinguishing_patient(m: Mutant, datas: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """A patient for whom the mutated rule's condition and the original's differ (for drop_intervention: one
    for whom the rule fires), as ("differs" | "fires", facts); ("equivalent", None) when no patient can tell
    them apart (proved over the candidate values of both conditions, see netguide.proving.analysis)."""
    from netguide.proving.analysis import alternatives, fact_space, witness

    name = Path(m.file).name
    index = m.edit[1]
    before = _engine_condition(datas[name]["rules"][index])
    after = _engine_condition(m.apply(datas[name])["rules"][index])
    if before is None or after is None:
        return "invalid", None
    space = fact_space([before, after])
    goals = [before] if m.operator == "drop_intervention" else [
        conditions.All((before, conditions.not_true(after))), conditions.All((after, conditions.not_true(before)))]
    for goal in goals:
        for alt in alternatives(goal) or []:
            w = witness(alt, space)
            if w is not None:
                return ("fires" if m.operator == "drop_intervention" else "differs"), \
                    {k: (list(v) if isinstance(v, tuple) else v) for k, v in w.items()}
    return "equivalent", None


@dataclass
class Report:
    total: int
    outcomes: list[Outcome]
    scenarios: int
    excluded_scenarios: list[str]
    seconds: float
    jobs: int
    sample: int | None = None
    seed: int | None = None

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def valid(self) -> int:
        return self.count("killed") + self.count("survived")

    @property
    def score(self) -> float | None:
        return self.count("killed") / self.valid if self.valid else None

    hints: dict[int, tuple[str, Any]] = field(default_factory=dict)  # mutant id -> distinguishing_patient()

    @property
    def equivalent(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "survived" and self.hints.get(o.mutant.id, ("",))[0]
                   == "equivalent")

    @property
    def score_without_equivalent(self) -> float | None:
        n = self.valid - self.equivalent
        return self.count("killed") / n if n else None

    def hint(self, o: Outcome) -> str:
        kind, patient = self.hints.get(o.mutant.id, ("", None))
        if kind == "equivalent":
            return "equivalent: no patient tells the mutated condition from the original"
        if patient is not None:
            what = "the rule fires for" if kind == "fires" else "the conditions differ for"
            return f"{what} {json.dumps(patient, ensure_ascii=False)}"
        return ""

    def by_operator(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter] = {op: Counter() for op in OPERATORS}
        for o in self.outcomes:
            out[o.mutant.operator][o.status] += 1
        return {op: dict(c) for op, c in out.items() if c}

    def survivors(self) -> list[Outcome]:
        return sorted((o for o in self.outcomes if o.status == "survived"),
                      key=lambda o: (o.mutant.file, o.mutant.line, o.mutant.id))

    def to_dict(self) -> dict[str, Any]:
        return {"mutants": self.total, "run": len(self.outcomes), "sample": self.sample, "seed": self.seed,
                "valid": self.valid, "killed": self.count("killed"), "survived": self.count("survived"),
                "invalid": self.count("invalid"), "score": self.score, "seconds": round(self.seconds, 1),
                "jobs": self.jobs, "scenarios": self.scenarios, "excluded_scenarios": self.excluded_scenarios,
                "equivalent": self.equivalent, "score_without_equivalent": self.score_without_equivalent,
                "by_operator": self.by_operator(),
                "survivors": [{"survivor": survivor_line(o), "hint": self.hint(o)} for o in self.survivors()],
                "outcomes": [{**asdict(o.mutant), "status": o.status, "detail": o.detail} for o in self.outcomes]}


def survivor_line(o: Outcome) -> str:
    m = o.mutant
    return f"{m.where}: {m.operator}: {m.description} ({m.rule_id})"


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
    tmp_root = tempfile.mkdtemp(prefix="netguide-mutate-")
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(max(1, jobs), initializer=_init_worker,
                      initargs=(texts, datas, tmp_root, [s for s in scenarios if s.name in kept]),
                      maxtasksperchild=MAX_TASKS_PER_CHILD) as pool:
            for o in pool.imap_unordered(run_mutant, mutants):
                outcomes.append(o)
                if progress:
                    progress(len(outcomes), len(mutants))
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    outcomes.sort(key=lambda o: o.mutant.id)
    hints = {o.mutant.id: distinguishing_patient(o.mutant, datas) for o in outcomes if o.status == "survived"}
    return Report(total, outcomes, len(keep), failing, time.perf_counter() - start, jobs,
                  sample if sample is not None and sample < total else None, seed if sample is not None else None,
                  hints)


# --------------------------------------------------------------------------------------------------- CLI


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", help="rules folder (default: the shipped rules)")
    p.add_argument("--scenarios", default="scenarios", help="scenarios folder (default: scenarios)")
    p.add_argument("--sample", type=int, help="run a seeded sample of N mutants (CI: --sample 60 --seed 1)")
    p.add_argument("--seed", type=int, default=1, help="seed of the sample (default 1)")
    p.add_argument("--rule", action="append", default=[], metavar="PREFIX",
                   help="only the mutants of rules whose id starts with PREFIX (repeatable), e.g. --rule g3.")
    p.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help=f"worker processes (default {DEFAULT_JOBS})")
    p.add_argument("--min-score", type=float, default=0.9, help="exit 1 below this score (default 0.9)")
    p.add_argument("--survivors", help="also write the survivors, one per line, to this file")
    p.add_argument("--format", choices=("text", "json"), default="text")


def render_text(rep: Report, min_score: float) -> str:
    out = []
    sampled = f" (a sample of {len(rep.outcomes)}, seed {rep.seed})" if rep.sample else ""
    out.append(f"mutants: {rep.total}{sampled}; run {len(rep.outcomes)}: {rep.count('killed')} killed, "
               f"{rep.count('survived')} survived, {rep.count('invalid')} invalid (rules that do not load or compile)")
    out.append(f"scenarios: {rep.scenarios} run against each mutant"
               + (f"; {len(rep.excluded_scenarios)} excluded (failing before mutation: "
                  f"{', '.join(rep.excluded_scenarios)})" if rep.excluded_scenarios else ""))
    for op, c in rep.by_operator().items():
        valid = c.get("killed", 0) + c.get("survived", 0)
        out.append(f"  {op}: {c.get('killed', 0)}/{valid} killed" + (f", {c['invalid']} invalid" if c.get("invalid") else ""))
    survivors = rep.survivors()
    if survivors:
        out.append("survivors (with a patient on whom the mutated condition differs: a scenario for it kills the "
                   "mutant unless the answer hides the difference):")
        for o in survivors:
            out.append("  " + survivor_line(o))
            if rep.hint(o):
                out.append("      " + rep.hint(o))
    score = "n/a (no valid mutant)" if rep.score is None else f"{rep.count('killed')}/{rep.valid} = {rep.score:.1%}"
    out.append(f"score: {score} (minimum {min_score:.0%}); {rep.seconds:.1f} s with {rep.jobs} jobs")
    if rep.equivalent and rep.score_without_equivalent is not None:
        out.append(f"  {rep.equivalent} survivors are equivalent mutants (no patient can kill them); without them: "
                   f"{rep.score_without_equivalent:.1%}")
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> int:
    from netguide.cli import UsageError

    if not Path(args.scenarios).is_dir():
        raise UsageError(f"no such scenarios folder: {args.scenarios}")
    if args.sample is not None and args.sample < 1:
        raise UsageError("--sample must be at least 1")
    show = sys.stderr.isatty() and args.format == "text"

    def progress(done: int, total: int) -> None:
        if show and (done % 25 == 0 or done == total):
            print(f"\r{done}/{total} mutants", end="" if done < total else "\n", file=sys.stderr, flush=True)

    rep = mutate(args.rules, args.scenarios, sample=args.sample, seed=args.seed, jobs=args.jobs, progress=progress,
                 rule_prefixes=tuple(args.rule))
    if not rep.outcomes and args.rule:
        raise UsageError(f"no rule id starts with {' or '.join(args.rule)}")
    if args.survivors:
        Path(args.survivors).write_text("".join(survivor_line(o) + (f"  # {rep.hint(o)}" if rep.hint(o) else "") + "\n"
                                                for o in rep.survivors()), encoding="utf-8")
    if args.format == "json":
        print(json.dumps(rep.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        print(render_text(rep, args.min_score), end="")
    return 0 if rep.score is None or rep.score >= args.min_score else 1
