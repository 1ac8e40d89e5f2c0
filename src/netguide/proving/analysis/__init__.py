"""`netguide analyze`: gaps, contradictions, unreachable rules and conflicting rule pairs over the fact space
the rules actually test.

The fact space. Only facts some rule tests are varied; every other fact stays absent. Each varied fact takes
candidate values that represent every case its tests can tell apart, plus ABSENT (unknown):
- enum: every value of the vocabulary (the values the rules name and their siblings);
- bool: true, false;
- number: each threshold t, and t - eps, t + eps (eps = 0.5, or a quarter of the closest gap between thresholds);
- integer: t - 1, t, t + 1 for each threshold or listed value (within the fact's range);
- list: the empty list and, for the codes the rules test, every subset when there are at most 4 codes
  (else each code alone and all of them together).
So for enum, bool, number and integer facts the candidates are exact: any real value behaves like one of them
under every test of the rulebook.

The exploration (the full cartesian product is far too big; each part is reported with its size):
1. witnesses: for every rule, one patient per alternative of its condition (disjunctive normal form), built
   from the condition itself. A rule with no satisfiable alternative is unreachable: that is a proof, not a
   sample. A gated rule's witness is also tried with its interventions as `considered_therapies`.
2. pair regions: for every pair (A recommends/prefers X, B does not recommend X) and every pair of their
   alternatives that can hold together: the facts of the rules that override A or B take each value the
   region allows (outside the region: ABSENT, which by monotonicity is the value least likely to make an
   overrider TRUE, or every value where an overrider asks for a fact to be unknown), with and without the
   pair's gate interventions considered. Only overriders can withdraw A or B and the gate is opened by
   `considered_therapies`, so this decides whether the pair ever contradicts (beyond 20,000 combinations per
   region a seeded sample is taken, and the report says so).
3. pair equivalence: for the same pairs, whether each rule implies the other: every combination of the values
   A's region allows, with the facts only B tests absent (the value least likely to make B TRUE, by
   monotonicity; every value where B asks for a fact to be unknown), and the same from B. Both ways: the two
   always fire together (a conflicting pair).
4. core grid: every combination of CORE_FACTS (differentiation, primary_site, grade, treatment_setting, stage,
   lung_histology: those the rules test), plus any other fact at least a quarter of the rules test while the
   grid stays within --max-patients / 64 combinations; each combined with: every other fact absent; each witness
   of a rule the combination still allows; and every combination of the other facts those rules test when there
   are at most --combo-cap, else a pairwise covering array of them (strength 2, a deterministic greedy
   construction, once over candidate values with ABSENT and once over known values only). Exploration stops at
   --max-patients distinct patients (the grid is visited in a seeded shuffled order, so a truncated run is a fair
   sample). This is where gaps are counted, grouped by differentiation / primary_site / grade / treatment_setting.

Fired sets are computed in pure Python (generated predicates equivalent to conditions.evaluate3(...) is TRUE,
checked against evaluate3 on 5,000 and against the engine, Runtime.build(book).engine.fire, on 500 patients of a
seeded reservoir sample of the explored ones); answers come from
evaluation.assemble, the same combination policy every evaluation uses.
"""
from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from netguide import conditions
from netguide.conditions import All, AnyOf, Condition, Test
from netguide.evaluation import assemble
from netguide.rulebook.loader import LoadedRule, Rulebook, load_rulebook
from netguide.rulebook.implications import derive
from netguide.vocabulary import BOOL, ENUM, FACTS, INTEGER, INTERVENTIONS, LIST, NUMBER

PRO_KINDS = ("recommended", "preferred")
CON_KIND = "not_recommended"
DEFAULTS = {"max_patients": 1_000_000, "pair_cap": 20_000, "equiv_cap": 300_000, "combo_cap": 256, "spot_check": 500,
            "core_share": 0.25, "alternatives": 4096, "seed": 1}
# Fully crossed in the core grid (those the rules test), before the most tested other facts while the grid fits.
CORE_FACTS = ("differentiation", "primary_site", "grade", "treatment_setting", "stage", "lung_histology")
CORE_GRID_SHARE = 64  # the core grid has at most max_patients / CORE_GRID_SHARE combinations
LIST_SUBSETS_UP_TO = 4


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


# ------------------------------------------------------------------------------------------- fact space


def _round(x: float) -> float | int:
    x = round(x, 6)
    return int(x) if float(x).is_integer() else x


def fact_space(book: Rulebook | Iterable[Condition]) -> dict[str, list[Any]]:
    """Candidate values (ABSENT first) of every fact some rule (or condition) tests; see the module docstring. For a
    rulebook, the conditions of its implications and invariants count too: their facts must vary to be checked."""
    if isinstance(book, Rulebook):
        conds = ([r.condition for r in book.rules] + [i.condition for i in book.implications]
                 + [i.condition for i in book.invariants])
    else:
        conds = list(book)
    tests: dict[str, list[Test]] = defaultdict(list)
    for cond in conds:
        for t in conditions.tests_of(cond):
            tests[t.fact].append(t)
    space: dict[str, list[Any]] = {}
    for fact in sorted(tests):
        spec, ts = FACTS[fact], tests[fact]
        values: list[Any]
        if spec.type == ENUM:
            values = list(spec.values)
        elif spec.type == BOOL:
            values = [True, False]
        elif spec.type in (NUMBER, INTEGER):
            points: set[float] = set()
            for t in ts:
                if isinstance(t.value, frozenset):
                    points |= set(t.value)
                elif t.value is not None:
                    points.add(t.value)
            lo, hi = spec.range or (-math.inf, math.inf)
            if spec.type == INTEGER:
                eps: float = 1
            else:
                marks = sorted(points | ({lo, hi} - {-math.inf, math.inf}))
                gaps = [b - a for a, b in zip(marks, marks[1:]) if b > a]
                eps = min([0.5] + [g / 4 for g in gaps])
            cands = {_round(p + d) for p in points for d in (-eps, 0, eps)}
            values = sorted(v for v in cands if lo <= v <= hi)
        elif spec.type == LIST:
            codes = sorted({t.value for t in ts if t.op in ("has", "lacks")})
            if len(codes) <= LIST_SUBSETS_UP_TO:
                values = [tuple(c) for n in range(len(codes) + 1) for c in itertools.combinations(codes, n)]
            else:
                values = [()] + [(c,) for c in codes] + [tuple(codes)]
        else:  # pragma: no cover - the vocabulary has no other types
            raise AssertionError(spec.type)
        space[fact] = [ABSENT] + values
    return space


def _with(fact: str, value: Any) -> dict[str, Any]:
    return {} if value is ABSENT else {fact: value}


# ------------------------------------------------------------------------------- conditions as predicates


def alternatives(cond: Condition, limit: int = DEFAULTS["alternatives"]) -> list[tuple[Test, ...]] | None:
    """The condition in disjunctive normal form: a list of conjunctions of tests (None beyond `limit`)."""

    def go(c: Condition) -> list[tuple[Test, ...]]:
        if isinstance(c, Test):
            return [(c,)]
        if isinstance(c, AnyOf):
            out = [a for item in c.items for a in go(item)]
        else:
            assert isinstance(c, All)
            out = [()]
            for item in c.items:
                out = [a + b for a in out for b in go(item)]
                if len(out) > limit:
                    raise OverflowError
        if len(out) > limit:
            raise OverflowError
        return out

    try:
        return go(conditions.negation_normal_form(cond))
    except OverflowError:
        return None


def strict_predicate(cond: Condition):
    """A fast `conditions.evaluate3(cond, facts)[0] is True` for known facts (the generated check the engine's
    firings are compared with; conditions.relaxed_predicate builds it)."""
    return conditions.relaxed_predicate(cond, strict=True)


def _satisfying(fact: str, tests: list[Test], candidates: list[Any]) -> list[Any]:
    return [v for v in candidates if all(conditions.test_value(t, _with(fact, v)) is True for t in tests)]


def _by_fact(alt: Iterable[Test]) -> dict[str, list[Test]]:
    out: dict[str, list[Test]] = defaultdict(list)
    for t in alt:
        out[t.fact].append(t)
    return out


def _list_witness(tests: list[Test]) -> Any:
    """A list value satisfying every test (the codes it must include), ABSENT, or None if there is none."""
    has = {t.value for t in tests if t.op == "has"}
    lacks = {t.value for t in tests if t.op == "lacks"}
    wants_unknown = any(t.op == "unknown" for t in tests)
    wants_known = any(t.op in ("has", "lacks", "known", "empty", "nonempty") for t in tests)
    if wants_unknown:
        return None if wants_known else ABSENT
    if has & lacks or (has and any(t.op == "empty" for t in tests)):
        return None
    if not has and any(t.op == "nonempty" for t in tests):
        spare = [c for c in INTERVENTIONS if c not in lacks]
        return (spare[0],) if spare else None
    return tuple(sorted(has))


def region(alt: tuple[Test, ...], space: dict[str, list[Any]]) -> dict[str, list[Any]] | None:
    """For each fact a conjunction tests: its candidate values that pass all its tests (None: unsatisfiable)."""
    out: dict[str, list[Any]] = {}
    for fact, tests in _by_fact(alt).items():
        values = _satisfying(fact, tests, space.get(fact, [ABSENT]))
        if FACTS[fact].type == LIST:
            w = _list_witness(tests)
            if w is None:
                return None
            if w not in values:
                values.append(w)
        if not values:
            return None
        out[fact] = values
    return out


def witness(alt: tuple[Test, ...], space: dict[str, list[Any]]) -> dict[str, Any] | None:
    """One patient (known facts only) for whom the conjunction is TRUE, or None if none exists."""
    reg = region(alt, space)
    if reg is None:
        return None
    facts: dict[str, Any] = {}
    for fact, values in reg.items():
        v = _list_witness(_by_fact(alt)[fact]) if FACTS[fact].type == LIST else values[0]
        if v is not ABSENT:
            facts[fact] = v
    return facts


# --------------------------------------------------------------------------------------- covering arrays


def pairwise_rows(sizes: tuple[int, ...]) -> list[tuple[int, ...]]:
    """A covering array of strength 2 (value indices): every pair of values of every two parameters appears in a
    row. Greedy and deterministic."""
    n = len(sizes)
    if n == 0:
        return [()]
    if n == 1:
        return [(v,) for v in range(sizes[0])]
    uncovered = {(i, a, j, b) for i in range(n) for j in range(i + 1, n) for a in range(sizes[i]) for b in range(sizes[j])}
    rows: list[tuple[int, ...]] = []
    while uncovered:
        i, a, j, b = min(uncovered)
        row: list[int | None] = [None] * n
        row[i], row[j] = a, b
        for k in range(n):
            if row[k] is not None:
                continue
            best, best_gain = 0, -1
            for v in range(sizes[k]):
                gain = sum(1 for m in range(n) if row[m] is not None and
                           ((m, row[m], k, v) if m < k else (k, v, m, row[m])) in uncovered)
                if gain > best_gain:
                    best, best_gain = v, gain
            row[k] = best
        full = tuple(row)  # type: ignore[arg-type]
        for p in range(n):
            for q in range(p + 1, n):
                uncovered.discard((p, full[p], q, full[q]))
        rows.append(full)
    return rows


def _product_size(lists: Iterable[list[Any]]) -> int:
    n = 1
    for values in lists:
        n *= len(values)
    return n


def _product_sample(lists: list[list[Any]], cap: int, rng: random.Random) -> tuple[Iterable[tuple], bool]:
    """Every combination, or a seeded sample of `cap` of them (the flag says which)."""
    total = _product_size(lists)
    if total <= cap:
        return itertools.product(*lists), False
    picks = sorted(rng.sample(range(total), cap))

    def decode(k: int) -> tuple:
        out = []
        for values in reversed(lists):
            k, r = divmod(k, len(values))
            out.append(values[r])
        return tuple(reversed(out))

    return (decode(k) for k in picks), True


# ------------------------------------------------------------------------------------------- exploring


@dataclass
class Gaps:
    complete: int = 0
    pending: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Analysis:
    rulebook: str
    rules: int
    space: dict[str, list[Any]]
    core_facts: list[str]
    group_facts: list[str]
    layers: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    unreachable: list[dict[str, Any]] = field(default_factory=list)
    unproved: list[str] = field(default_factory=list)
    contradictions: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    conflicting_pairs: list[dict[str, Any]] = field(default_factory=list)
    gaps: dict[tuple, Gaps] = field(default_factory=lambda: defaultdict(Gaps))
    true_count: Counter = field(default_factory=Counter)
    shown: set[str] = field(default_factory=set)
    patients: int = 0
    fired_sets: int = 0
    truncated: bool = False
    grid: dict[str, int] = field(default_factory=dict)
    spot_check: dict[str, Any] = field(default_factory=dict)
    # invariant id -> {"at", "title", "checked": patients it applied to, "violations", "example", "why"}
    invariants: dict[str, dict[str, Any]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def gap_patients(self) -> tuple[int, int]:
        return (sum(g.complete for g in self.gaps.values()), sum(g.pending for g in self.gaps.values()))

    @property
    def ok(self) -> bool:
        return (not self.contradictions and not self.unreachable and not self.spot_check.get("disagreements")
                and not self.invariant_violations)

    @property
    def invariant_violations(self) -> int:
        return sum(v["violations"] for v in self.invariants.values())

    def to_dict(self) -> dict[str, Any]:
        complete, pending = self.gap_patients
        return {
            "ok": self.ok, "rulebook": self.rulebook, "rules": self.rules,
            "explored": {"patients": self.patients, "distinct_fired_sets": self.fired_sets, "by_part": dict(self.layers),
                         "core_facts": self.core_facts, "core_grid": self.grid, "truncated": self.truncated,
                         "facts_varied": {f: [_show(v) for v in vs] for f, vs in self.space.items()},
                         "notes": self.notes, "seconds": round(self.seconds, 2)},
            "spot_check": self.spot_check,
            "invariants": self.invariants,
            "unreachable": self.unreachable, "unproved": self.unproved,
            "contradictions": list(self.contradictions.values()),
            "conflicting_pairs": self.conflicting_pairs,
            "never_shown": self.never_shown(),
            "gaps": {"patients": complete + pending, "complete": complete, "pending": pending,
                     "group_facts": self.group_facts,
                     "groups": [{"group": dict(zip(self.group_facts, map(_show, k))), "complete": g.complete,
                                 "pending": g.pending, "examples": g.examples}
                                for k, g in self.sorted_gap_groups()]},
        }

    def never_shown(self) -> list[str]:
        return [rid for rid in self.true_count if rid not in self.shown]

    def sorted_gap_groups(self) -> list[tuple[tuple, Gaps]]:
        return sorted(self.gaps.items(), key=lambda kv: (-kv[1].complete, -kv[1].pending, str(kv[0])))


def _show(v: Any) -> Any:
    if v is ABSENT:
        return "ABSENT"
    return list(v) if isinstance(v, tuple) else v


def _plain(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in facts.items()}


class Explorer:
    """Visits patients, computes fired sets and answers, and records what the analysis reports."""

    def __init__(self, book: Rulebook, options: dict[str, Any]):
        self.book = book
        self.opt = options
        self.rng = random.Random(options["seed"])
        self.preds = [strict_predicate(r.condition) for r in book.rules]
        self.fallbacks = frozenset(r.id for r in book.rules if r.rule.fallback)
        self.space = fact_space(book)
        self.alts: dict[str, list[tuple[Test, ...]] | None] = {
            r.id: alternatives(r.condition, options["alternatives"]) for r in book.rules}
        counts = Counter(f for r in book.rules if not r.rule.fallback for f in r.facts)
        clinical = max(1, sum(1 for r in book.rules if not r.rule.fallback))
        core = [f for f in CORE_FACTS if f in self.space]
        for f, n in counts.most_common():
            if f not in core and f in self.space and n >= options["core_share"] * clinical and _product_size(
                    self.space[g] for g in core + [f]) <= options["max_patients"] // CORE_GRID_SHARE:
                core.append(f)
        while len(core) > 1 and _product_size(self.space[f] for f in core) > options["max_patients"] // 4:
            core.pop()
        groups = [f for f in ("differentiation", "primary_site", "grade", "treatment_setting") if f in self.space]
        self.result = Analysis(book.version_string, len(book.rules), self.space, core, groups or core[:4])
        self._seen: set[tuple] = set()
        self._answers: dict[tuple, tuple[frozenset[str], tuple, bool]] = {}
        self._reservoir: list[dict[str, Any]] = []
        self._visits = 0
        self.result.invariants = {inv.id: {"at": str(inv.location), "title": inv.spec.title, "checked": 0,
                                           "violations": 0, "example": None, "why": None} for inv in book.invariants}

    # -- one patient

    def fired(self, facts: dict[str, Any]) -> frozenset[str]:
        rules = self.book.rules
        return frozenset(rules[i].id for i in self.book.index.candidates(facts) if self.preds[i](facts))

    def answer(self, facts: dict[str, Any], fired: frozenset[str]) -> tuple[frozenset[str], tuple, bool]:
        considered = facts.get("considered_therapies")
        key = (fired, considered)
        got = self._answers.get(key)
        if got is None:
            ctx = {"considered_therapies": list(considered)} if considered is not None else {}
            recs = assemble(self.book, ctx, fired).recommendations
            pro: dict[str, list[str]] = defaultdict(list)
            con: dict[str, list[str]] = defaultdict(list)
            for rec in recs:
                for x in rec.interventions:
                    if rec.kind in PRO_KINDS:
                        pro[x].append(rec.rule_id)
                    elif rec.kind == CON_KIND:
                        con[x].append(rec.rule_id)
            clashes = tuple((x, a, b) for x in sorted(pro.keys() & con.keys()) for a in pro[x] for b in con[x])
            gap = any(rec.rule_id in self.fallbacks for rec in recs)
            got = (frozenset(rec.rule_id for rec in recs), clashes, gap)
            self._answers[key] = got
        return got

    def budget_left(self) -> bool:
        return self.result.patients < self.opt["max_patients"]

    def visit(self, facts: dict[str, Any], part: str) -> None:
        key = tuple(sorted(facts.items()))
        if key in self._seen:
            return
        self._seen.add(key)
        res = self.result
        res.patients += 1
        res.layers[part] += 1
        self._visits += 1
        if len(self._reservoir) < self.opt["spot_check"] * 10:
            self._reservoir.append(facts)
        else:
            k = self.rng.randrange(self._visits)
            if k < len(self._reservoir):
                self._reservoir[k] = facts
        fired = self.fired(facts)
        res.true_count.update(fired)
        self.check_invariants(facts)
        shown, clashes, gap = self.answer(facts, fired)
        res.shown |= shown
        for x, a, b in clashes:
            if (x, a, b) not in res.contradictions:
                ra, rb = self.book.by_id[a], self.book.by_id[b]
                res.contradictions[(x, a, b)] = {
                    "intervention": x, "proposed_by": a, "proposed_kind": ra.rule.then.kind, "proposed_at": ra.where,
                    "not_recommended_by": b, "not_recommended_at": rb.where, "example": _plain(facts)}
        if gap:
            group = tuple(facts.get(f, ABSENT) for f in res.group_facts)
            g = res.gaps[group]
            pending = any(not r.rule.fallback and r.id not in fired and r.not_false(facts)
                          for r in (self.book.rules[i] for i in self.book.index.candidates(facts)))
            if pending:
                g.pending += 1
            else:
                g.complete += 1
            if len(g.examples) < 3 and (not pending or len(g.examples) < 1):
                g.examples.append({"facts": _plain(facts), "waiting_on_missing_facts": pending})

    def check_invariants(self, given: dict[str, Any]) -> None:
        """Each invariant that applies to this patient, checked on the whole answer evaluate() would give: the facts
        derived by rules/implications.yaml, the rules that fire on them, and the combination policy."""
        facts, derived, contradicted = derive(self.book.implications, given)
        applying = [inv for inv in self.book.invariants if inv.could_break(facts)]
        if not applying:
            return
        ev = assemble(self.book, facts, self.fired(facts), derived, contradicted)
        for inv in applying:
            entry = self.result.invariants[inv.id]
            entry["checked"] += 1
            why = inv.broken_by(facts, ev)
            if why:
                entry["violations"] += 1
                if entry["example"] is None:
                    entry["example"], entry["why"] = _plain(given), why

    # -- the four parts

    def witnesses(self) -> None:
        res = self.result
        for r in self.book.rules:
            alts = self.alts[r.id]
            if alts is None:
                res.unproved.append(r.id)
                continue
            found = False
            for alt in alts:
                w = witness(alt, self.space)
                if w is None:
                    continue
                if not self.preds[r.index](w) or conditions.evaluate3(r.condition, w)[0] is not True:
                    raise AssertionError(f"internal: witness {w} does not satisfy {r.id}")
                found = True
                self.visit(w, "witnesses")
                if r.gate and "considered_therapies" not in w:
                    self.visit({**w, "considered_therapies": tuple(sorted(r.gate))}, "witnesses")
            if not found:
                res.unreachable.append({"rule": r.id, "at": r.where, "condition": r.condition_text,
                                        "why": "no alternative of its condition can be TRUE (proved from the condition)"})

    def invariant_witnesses(self) -> None:
        """For each invariant, a patient of every alternative of its `for`, and each of those with one other fact
        varied over its candidate values: the patients it speaks of, which the grid need not reach."""
        for inv in self.book.invariants:
            for alt in alternatives(inv.condition, self.opt["alternatives"]) or []:
                w = witness(alt, self.space)
                if w is None:
                    continue
                self.visit(w, "invariant witnesses")
                for fact, values in self.space.items():
                    if fact in w:
                        continue
                    for v in values:
                        if v is not ABSENT and self.budget_left():
                            self.visit({**w, fact: v}, "invariant witnesses")

    def conflict_candidates(self) -> list[tuple[LoadedRule, LoadedRule, list[str]]]:
        out = []
        for a in self.book.rules:
            if a.rule.then.kind not in PRO_KINDS:
                continue
            for b in self.book.rules:
                shared = sorted(set(a.rule.then.interventions) & set(b.rule.then.interventions))
                if b.rule.then.kind == CON_KIND and shared:
                    out.append((a, b, shared))
        return out

    def pair_regions(self) -> None:
        res = self.result
        sampled = 0
        for a, b, _ in self.conflict_candidates():
            alts_a, alts_b = self.alts[a.id], self.alts[b.id]
            if alts_a is None or alts_b is None:
                continue
            overriders = [r for r in self.book.rules if a.id in r.rule.overrides or b.id in r.rule.overrides]
            over_facts = sorted(set().union(*(r.facts for r in overriders)) if overriders else set())
            over_unknown = {t.fact for r in overriders for t in conditions.tests_of(conditions.negation_normal_form(
                r.condition)) if t.op == "unknown"}
            gates = tuple(sorted(a.gate | b.gate))
            for alpha in alts_a:
                for beta in alts_b:
                    reg = region(alpha + beta, self.space)
                    if reg is None:
                        continue
                    # A and B hold on the whole region; only the overriders' facts can change the answer, so the
                    # region's other facts keep one value and the overriders' facts inside it take each of their
                    # values. Outside the region ABSENT is enough: a condition in negation normal form is monotone
                    # in its tests and an absent fact makes every test on it non-TRUE, except `known: false`.
                    facts = sorted(reg) + [f for f in over_facts if f not in reg]
                    lists = [(reg[f] if f in over_facts else reg[f][:1]) if f in reg
                             else self.space[f] if f in over_unknown else [ABSENT] for f in facts]
                    considered = [ABSENT] + ([gates] if gates and "considered_therapies" not in facts else [])
                    combos, was_sampled = _product_sample(lists + [considered], self.opt["pair_cap"], self.rng)
                    sampled += was_sampled
                    for combo in combos:
                        patient = {f: v for f, v in zip(facts + ["considered_therapies"], combo) if v is not ABSENT}
                        self.visit(patient, "pair_regions")
        if sampled:
            res.notes.append(f"{sampled} pair regions had more than {self.opt['pair_cap']} combinations: a seeded "
                             "sample of them was explored")

    def implies(self, a: LoadedRule, b: LoadedRule) -> tuple[bool, int]:
        """Whether B is TRUE wherever A is (and how many points decided it).

        For each alternative of A: every combination of the values its region allows, times, for the facts only
        B tests, ABSENT (the value least likely to make B TRUE, by monotonicity), or every candidate value where
        B tests that the fact is not known."""
        alts = self.alts[a.id]
        if alts is None:
            return False, 0
        unknown_b = {t.fact for t in conditions.tests_of(conditions.negation_normal_form(b.condition))
                     if t.op == "unknown"}
        pb = self.preds[b.index]
        points = 0
        for alpha in alts:
            reg = region(alpha, self.space)
            if reg is None:
                continue
            facts = sorted(reg) + sorted(b.facts - reg.keys())
            lists = [reg[f] if f in reg else self.space[f] if f in unknown_b else [ABSENT] for f in facts]
            combos, _ = _product_sample(lists, self.opt["equiv_cap"], self.rng)
            for combo in combos:
                points += 1
                if not pb({f: v for f, v in zip(facts, combo) if v is not ABSENT}):
                    return False, points
        return True, points

    def pair_equivalence(self) -> None:
        res = self.result
        for a, b, shared in self.conflict_candidates():
            ab, n1 = self.implies(a, b)
            ba, n2 = self.implies(b, a) if ab else (False, 0)
            res.layers["pair_equivalence_points"] += n1 + n2
            if ab and ba and not self.result_unreachable(a, b):
                rel = ("overrides" if b.id in a.rule.overrides else "overridden_by" if a.id in b.rule.overrides
                       else "neither overrides the other")
                res.conflicting_pairs.append({
                    "rules": [a.id, b.id], "kinds": [a.rule.then.kind, b.rule.then.kind], "interventions": shared,
                    "at": [a.where, b.where], "relation": rel, "points_checked": n1 + n2})

    def result_unreachable(self, *rules: LoadedRule) -> bool:
        dead = {u["rule"] for u in self.result.unreachable}
        return any(r.id in dead for r in rules)

    def core_grid(self) -> None:
        res = self.result
        core = res.core_facts
        lists = [self.space[f] for f in core]
        total = _product_size(lists)
        combos = list(itertools.product(*lists))
        random.Random(self.opt["seed"]).shuffle(combos)  # a truncated run explores a fair sample
        rows_cache: dict[tuple[str, ...], list[tuple[int, ...]]] = {}
        done = exhaustive = covered = 0
        for combo in combos:
            if not self.budget_left():
                res.truncated = True
                break
            base = {f: v for f, v in zip(core, combo) if v is not ABSENT}
            alive = [r for r in (self.book.rules[i] for i in self.book.index.candidates(base))
                     if not r.rule.fallback and r.not_false(base)]
            others = sorted({f for r in alive for f in r.facts} - set(core))
            self.visit(base, "core_grid")
            for r in alive:
                for alt in self.alts[r.id] or []:
                    if not all(conditions.test_value(t, base) is True for t in alt if t.fact in core):
                        continue
                    w = witness(tuple(t for t in alt if t.fact not in core), self.space)
                    if w is not None:
                        self.visit({**base, **w}, "core_grid")
            olists = [self.space[f] for f in others]
            if _product_size(olists) <= self.opt["combo_cap"]:
                rows: Iterable[tuple] = itertools.product(*olists)
                exhaustive += 1
            else:  # pairs of values (ABSENT included), and pairs of known values (fully specified patients)
                key = tuple(others)
                if key not in rows_cache:
                    rows_cache[key] = pairwise_rows(tuple(len(v) for v in olists))
                known = [v[1:] for v in olists]
                if ("known",) + key not in rows_cache:
                    rows_cache[("known",) + key] = pairwise_rows(tuple(len(v) for v in known))
                rows = itertools.chain(
                    (tuple(olists[k][i] for k, i in enumerate(row)) for row in rows_cache[key]),
                    (tuple(known[k][i] for k, i in enumerate(row)) for row in rows_cache[("known",) + key]))
                covered += 1
            for row in rows:
                self.visit({**base, **{f: v for f, v in zip(others, row) if v is not ABSENT}}, "core_grid")
            done += 1
        res.grid = {"combinations": total, "explored": done, "other_facts_exhaustive": exhaustive,
                    "other_facts_pairwise": covered}

    def check_against_engine(self) -> None:
        from netguide.evaluation import Runtime
        from netguide.patient import parse_patient

        res = self.result
        sample = self._reservoir
        evaluate3_bad = []
        for facts in sample:
            mine = self.fired(facts)
            ref = frozenset(r.id for r in self.book.rules if conditions.evaluate3(r.condition, facts)[0] is True)
            if mine != ref:
                evaluate3_bad.append(_plain(facts))
        engine_sample = sample[: self.opt["spot_check"]]
        engine_bad = []
        if engine_sample:
            rt = Runtime.build(self.book)
            try:
                for facts in engine_sample:
                    got = rt.engine.fire(parse_patient(_plain(facts)).known_facts())
                    if got != self.fired(facts):
                        engine_bad.append({"facts": _plain(facts), "engine": sorted(got),
                                           "pure_python": sorted(self.fired(facts))})
            finally:
                rt.engine.close()
        res.spot_check = {"evaluate3_patients": len(sample), "engine_patients": len(engine_sample),
                          "disagreements": len(evaluate3_bad) + len(engine_bad),
                          "examples": (evaluate3_bad[:3] + engine_bad[:3])}

    def run(self) -> Analysis:
        start = time.perf_counter()
        self.witnesses()
        self.invariant_witnesses()
        self.pair_regions()
        self.pair_equivalence()
        self.core_grid()
        self.result.fired_sets = len({k[0] for k in self._answers})
        self.check_against_engine()
        self.result.seconds = time.perf_counter() - start
        return self.result


def analyze(book: Rulebook, **options: Any) -> Analysis:
    """Explore the rulebook's fact space (see the module docstring) and return what was found."""
    opts = {**DEFAULTS, **{k: v for k, v in options.items() if v is not None}}
    return Explorer(book, opts).run()


# --------------------------------------------------------------------------------------------- the CLI


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", help="rules folder (default: the shipped rules)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--max-patients", type=int, default=DEFAULTS["max_patients"],
                   help=f"stop exploring after this many distinct patients (default {DEFAULTS['max_patients']})")
    p.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="seed of every sample taken (default 1)")


def _fmt_facts(facts: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_show(v)}" for k, v in facts.items()) or "(no facts known)"


def render_text(res: Analysis, groups: int = 15) -> str:
    out: list[str] = []
    out.append(f"netguide analyze: rulebook {res.rulebook}, {res.rules} rules")
    part = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in res.layers.items() if k != "pair_equivalence_points")
    out.append(f"explored {res.patients} distinct patients ({part}); {res.fired_sets} distinct fired sets; "
               f"{res.seconds:.1f} s")
    out.append(f"  facts varied ({len(res.space)}, every other fact absent): "
               + "; ".join(f"{f} {len(v)}" for f, v in res.space.items()) + " candidate values (incl. ABSENT)")
    g = res.grid
    out.append(f"  core grid: {' x '.join(res.core_facts)} = {g.get('combinations', 0)} combinations, "
               f"{g.get('explored', 0)} explored; other facts of the rules each allows: every combination for "
               f"{g.get('other_facts_exhaustive', 0)}, a pairwise covering array for {g.get('other_facts_pairwise', 0)}"
               + (" (TRUNCATED by --max-patients)" if res.truncated else ""))
    out.append(f"  pair equivalence: {res.layers.get('pair_equivalence_points', 0)} points over the facts of each "
               "recommended/preferred vs not_recommended pair")
    sc = res.spot_check
    out.append(f"  fired sets: pure Python (Kleene-TRUE predicates), checked against conditions.evaluate3 on "
               f"{sc.get('evaluate3_patients', 0)} and the engine on {sc.get('engine_patients', 0)} sampled patients: "
               f"{sc.get('disagreements', 0)} disagreements; answers by evaluation.assemble")
    for note in res.notes:
        out.append(f"  note: {note}")
    for ex in sc.get("examples", []):
        out.append(f"  DISAGREEMENT: {ex}")
    out.append("")
    if res.unreachable:
        for u in res.unreachable:
            out.append(f"{u['at']}: unreachable: {u['rule']}: {u['why']} ({u['condition']})")
    else:
        out.append("unreachable rules: none (every rule has a witness patient)")
    if res.unproved:
        out.append(f"  not proved (condition too large to expand): {', '.join(res.unproved)}")
    if res.contradictions:
        for c in res.contradictions.values():
            out.append(f"{c['proposed_at']}: contradiction: {c['proposed_by']} ({c['proposed_kind']} "
                       f"{c['intervention']}) and {c['not_recommended_by']} (not_recommended, {c['not_recommended_at']})"
                       f" in one answer, neither overriding the other; e.g. {_fmt_facts(c['example'])}")
    else:
        out.append("contradictions: none")
    if res.conflicting_pairs:
        for c in res.conflicting_pairs:
            out.append(f"{c['at'][0]}: conflicting pair: {c['rules'][0]} ({c['kinds'][0]}) and {c['rules'][1]} "
                       f"({c['kinds'][1]}) on {', '.join(c['interventions'])} always fire together "
                       f"({c['relation']})")
    else:
        out.append("conflicting pairs (always firing together): none")
    never = res.never_shown()
    if never:
        out.append(f"rules that fire but are never shown in the explored space (always overridden or gated): "
                   f"{', '.join(never)}")
    complete, pending = res.gap_patients
    out.append(f"gaps (information, not failures): {complete + pending} explored patients are answered only by a "
               f"fallback (or trials + fallback): {complete} with no rule waiting on a missing fact, {pending} where "
               f"some rule still waits on one; {len(res.gaps)} groups by {' / '.join(res.group_facts)}")
    for key, gg in res.sorted_gap_groups()[:groups]:
        label = ", ".join(f"{f}={_show(v)}" for f, v in zip(res.group_facts, key))
        out.append(f"  {gg.complete:6d} complete, {gg.pending:6d} pending  {label}")
        if gg.examples:
            out.append(f"         e.g. {_fmt_facts(gg.examples[0]['facts'])}")
    if len(res.gaps) > groups:
        out.append(f"  ... {len(res.gaps) - groups} more groups (--format json lists all)")
    checked = sum(v["checked"] for v in res.invariants.values())
    out.append(f"invariants (rules/invariants.yaml): {len(res.invariants)}, checked {checked} times, "
               f"{res.invariant_violations} violations")
    for inv_id, v in res.invariants.items():
        if v["violations"]:
            out.append(f"{v['at']}: invariant broken: {inv_id} ({v['title']}): {v['violations']} patients; the answer "
                       f"{v['why']}, e.g. {_fmt_facts(v['example'])}")
        elif not v["checked"]:
            out.append(f"{v['at']}: invariant never applied in the explored space: {inv_id}")
    out.append("")
    out.append("analyze: ok" if res.ok else "analyze: PROBLEMS (contradiction, unreachable rule, engine disagreement or "
               "broken invariant)")
    return "\n".join(out) + "\n"


def run(args: argparse.Namespace) -> int:
    book = load_rulebook(args.rules)
    res = analyze(book, max_patients=args.max_patients, seed=args.seed)
    if args.format == "json":
        print(json.dumps(res.to_dict(), indent=2, ensure_ascii=False, default=str))
    else:
        print(render_text(res), end="")
    return 0 if res.ok else 1


if __name__ == "__main__":  # python -m netguide.proving.analysis, until the command is wired into `netguide`
    import sys

    _parser = argparse.ArgumentParser(prog="netguide analyze", description=__doc__.splitlines()[0])
    add_arguments(_parser)
    sys.exit(run(_parser.parse_args()))
