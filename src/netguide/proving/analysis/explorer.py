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

import itertools
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from netguide import conditions
from netguide.conditions import Test
from netguide.evaluation import assemble
from netguide.rulebook.implications import derive
from netguide.rulebook.loader import LoadedRule, Rulebook
from netguide.vocabulary import FAVOURING_KINDS, NOT_RECOMMENDED

from .algebra import alternatives, region, strict_predicate, witness
from .covering import _product_sample, _product_size, pairwise_rows
from .space import ABSENT, CORE_FACTS, DEFAULTS, fact_space

PRO_KINDS = FAVOURING_KINDS


CON_KIND = NOT_RECOMMENDED


CORE_GRID_SHARE = 64  # the core grid has at most max_patients / CORE_GRID_SHARE combinations


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
                         "facts_varied": {f: [_plain_value(v) for v in vs] for f, vs in self.space.items()},
                         "notes": self.notes, "seconds": round(self.seconds, 2)},
            "spot_check": self.spot_check,
            "invariants": self.invariants,
            "unreachable": self.unreachable, "unproved": self.unproved,
            "contradictions": list(self.contradictions.values()),
            "conflicting_pairs": self.conflicting_pairs,
            "never_shown": self.never_shown(),
            "gaps": {"patients": complete + pending, "complete": complete, "pending": pending,
                     "group_facts": self.group_facts,
                     "groups": [{"group": dict(zip(self.group_facts, map(_plain_value, k))), "complete": g.complete,
                                 "pending": g.pending, "examples": g.examples}
                                for k, g in self.sorted_gap_groups()]},
        }

    def never_shown(self) -> list[str]:
        return [rid for rid in self.true_count if rid not in self.shown]

    def sorted_gap_groups(self) -> list[tuple[tuple, Gaps]]:
        return sorted(self.gaps.items(), key=lambda kv: (-kv[1].complete, -kv[1].pending, str(kv[0])))


def _plain_value(v: Any) -> Any:
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
        self._fired_sets: set[frozenset[str]] = set()
        self._reservoir: list[dict[str, Any]] = []
        self._visits = 0
        self.result.invariants = {inv.id: {"at": str(inv.location), "title": inv.spec.title, "checked": 0,
                                           "violations": 0, "example": None, "why": None} for inv in book.invariants}

    # -- one patient

    def fired(self, facts: dict[str, Any]) -> frozenset[str]:
        rules = self.book.rules
        return frozenset(rules[i].id for i in self.book.index.candidates(facts) if self.preds[i](facts))

    def evaluation(self, given: dict[str, Any]):
        """(facts the rules ran on, fired rules, the answer): exactly what evaluate() gives (implications applied, the
        combination policy of evaluation.assemble), with the engine replaced by the generated predicates."""
        facts, derived, contradicted = derive(self.book.implications, given)
        fired = self.fired(facts)
        self._fired_sets.add(fired)
        return facts, fired, assemble(self.book, facts, fired, derived, contradicted)

    def clashes(self, ev) -> tuple[tuple[str, str, str], ...]:
        """Interventions one shown rule favours and another shown rule advises against."""
        pro: dict[str, list[str]] = defaultdict(list)
        con: dict[str, list[str]] = defaultdict(list)
        for rec in ev.recommendations:
            for x in rec.interventions:
                if rec.kind in PRO_KINDS:
                    pro[x].append(rec.rule_id)
                elif rec.kind == CON_KIND:
                    con[x].append(rec.rule_id)
        return tuple((x, a, b) for x in sorted(pro.keys() & con.keys()) for a in pro[x] for b in con[x])

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
        ran_on, fired, ev = self.evaluation(facts)
        res.true_count.update(fired)
        self.check_invariants(ran_on, ev, facts)
        res.shown |= {rec.rule_id for rec in ev.recommendations}
        for x, a, b in self.clashes(ev):
            if (x, a, b) not in res.contradictions:
                ra, rb = self.book.by_id[a], self.book.by_id[b]
                res.contradictions[(x, a, b)] = {
                    "intervention": x, "proposed_by": a, "proposed_kind": ra.rule.then.kind, "proposed_at": ra.where,
                    "not_recommended_by": b, "not_recommended_at": rb.where, "example": _plain(facts)}
        if any(rec.rule_id in self.fallbacks for rec in ev.recommendations):
            group = tuple(facts.get(f, ABSENT) for f in res.group_facts)
            g = res.gaps[group]
            pending = bool(ev.missing_facts)  # the evaluation's own missing facts (gated rules ask only when open)
            if pending:
                g.pending += 1
            else:
                g.complete += 1
            if len(g.examples) < 3 and (not pending or len(g.examples) < 1):
                g.examples.append({"facts": _plain(facts), "waiting_on_missing_facts": pending})

    def check_invariants(self, facts: dict[str, Any], ev, given: dict[str, Any]) -> None:
        """Each invariant that applies to this patient, checked on the whole answer evaluate() would give."""
        applying = [inv for inv in self.book.invariants if inv.could_break(facts)]
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
        self.result.fired_sets = len(self._fired_sets)
        self.check_against_engine()
        self.result.seconds = time.perf_counter() - start
        return self.result


def analyze(book: Rulebook, **options: Any) -> Analysis:
    """Explore the rulebook's fact space (see the module docstring) and return what was found."""
    opts = {**DEFAULTS, **{k: v for k, v in options.items() if v is not None}}
    return Explorer(book, opts).run()
