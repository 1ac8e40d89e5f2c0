"""evaluate(patient) -> Evaluation: the engine decides which rules fire; this module turns firings into an answer.

Combining the firings follows the policy of rules/README.md ("How rules combine"):
1. an exception's `overrides` withdraw the general rules it names (unless its own advice is provisional: both are
   shown then, since the general rule stands if the exception's `unless` turns out to hold);
   a therapy in `failed_therapies` is never proposed again: a proposal (recommended, preferred, option,
   clinical_trial) all of whose interventions failed is withdrawn, one with some failed is shown without them
   (`withdrawn_interventions` says which), and a failed therapy opens no caution; the trace says why;
2. `fallback` rules answer only when nothing else (other than trials) does;
3. `shown_with` and every caution are shown only with their interventions: proposed in the same answer
   (recommended, preferred, option, clinical_trial) or listed in `considered_therapies` (repeated until stable,
   since a regimen shown this way can carry its own cautions);
4. recommendations are ordered by kind, then by rulebook order.
Missing facts come from the compiled conditions: a rule that did not fire and whose condition is UNKNOWN
(not FALSE) under three-valued logic waits on the absent facts that keep it unknown.
"""
from __future__ import annotations

import dataclasses
from functools import partial
from typing import Any

from netguide.consistency import check_consistency
from netguide.engine.runtime import RulebookLike, Runtime, runtime_for  # noqa: F401  (callers import them here)
from netguide.patient import Patient, known_facts, parse_patient  # noqa: F401  (callers import parse_patient here)
from netguide.results import (
    Deferred,
    DerivedFact,
    Evaluation,
    Finding,
    MissingFact,
    Recommendation,
    TraceStep,
)
from netguide.rulebook.implications import derive
from netguide.rulebook.loader import LoadedRule, Rulebook
from netguide.rulebook.prerequisites import not_to_propose
from netguide.vocabulary import FACTS, KIND_ORDER, PROPOSING_KINDS

_KIND_RANK = {k: i for i, k in enumerate(KIND_ORDER)}
_ALLOWED = {name: spec.allowed() for name, spec in FACTS.items()}  # what each fact accepts, as missing facts say


def evaluate(patient: Patient | dict[str, Any], rulebook: RulebookLike = None) -> Evaluation:
    """Evaluate one patient's facts against the rulebook (default: the shipped rules).

    Raises PatientFactError (naming every invalid field) for invalid facts; never returns an empty answer.
    """
    given = known_facts(patient)  # parse_patient(patient).known_facts(), the common case without building a Patient
    rt = runtime_for(rulebook)
    facts, derived, contradicted = derive(rt.rulebook.implications, given)
    fired = rt.engine.fire(facts)
    return assemble(rt.rulebook, facts, fired, derived, contradicted, defer_missing=True)


def assemble(book: Rulebook, facts: dict[str, Any], fired: frozenset[str], derived: tuple[DerivedFact, ...] = (),
             contradicted: tuple[Finding, ...] = (), *, defer_missing: bool = False) -> Evaluation:
    """Apply the combination policy to a set of fired rules and build the Evaluation. `facts` include the derived
    ones; `derived` says which they are, `contradicted` the implications a given fact contradicts. With
    `defer_missing` the missing facts are computed when first read (the same value; evaluate() does this, since
    many callers never read them), from a snapshot of `facts` that nothing the answer holds can change."""
    firing = sorted((book.by_id[rid] for rid in fired), key=lambda r: r.index)
    outcome: dict[str, tuple[str, str]] = {}
    pending = _provisional(firing, facts)

    overridden_by = {}
    for r in firing:
        if r.id in pending:
            continue  # a provisional exception withdraws nothing: if it falls, the general rule must still be there
        for other in r.rule.overrides:
            if other in fired:
                overridden_by.setdefault(other, r.id)
    for rid, by in overridden_by.items():
        outcome[rid] = ("overridden", f"withdrawn: {by} is an exception to it")

    reasons: dict[str, str] = {}
    barred = not_to_propose(book.prerequisites, facts)  # intervention -> why it is not proposed to this patient
    not_again: dict[str, tuple[str, ...]] = {}  # rule id -> its proposed interventions that are withdrawn
    for r in firing:
        if r.id in outcome or r.rule.then.kind not in PROPOSING_KINDS:
            continue
        again = tuple(i for i in r.rule.then.interventions if i in barred)
        if not again:
            continue
        why = "; ".join(f"{i}: {barred[i]}" for i in again)
        if len(again) == len(r.rule.then.interventions):
            outcome[r.id] = ("withdrawn_failed" if all(barred[i] == "already failed" for i in again)
                             else "withdrawn_prerequisite",
                             f"withdrawn: no intervention it proposes can be proposed ({why}); a therapy that "
                             "failed is never proposed again, nor one whose prerequisite is unmet")
        else:
            not_again[r.id] = again
            reasons[r.id] = why
    live = [r for r in firing if r.id not in outcome]
    shown = _shown(live, set(facts.get("considered_therapies") or ()), not_again)
    answered = any(r.id in shown and r.rule.then.kind != "clinical_trial" for r in live if not r.rule.fallback)
    for r in live:
        if r.rule.fallback:
            if answered:
                outcome[r.id] = ("fallback_not_needed", "another rule answers")
            else:
                shown.add(r.id)
                outcome[r.id] = ("shown", "no other rule answers")
        elif r.id in shown:
            outcome[r.id] = ("shown", "" if r.id not in not_again else "not proposed: " + reasons[r.id])
        else:
            outcome[r.id] = ("not_shown", "shown only with " + r.gate_text
                             + ", which this answer neither proposes nor lists as considered")

    recs = sorted((r for r in live if r.id in shown), key=lambda r: (_KIND_RANK[r.rule.then.kind], r.index))
    pending = {r.id: pending[r.id] for r in recs if r.id in pending}
    for rid in pending:
        outcome[rid] = ("provisional", "shown provided that " + book.by_id[rid].rule.provided
                        + (f"; {outcome[rid][1]}" if outcome[rid][1] else ""))
    return Evaluation(
        recommendations=tuple(_shown_rec(r, not_again.get(r.id, ()), pending) for r in recs),
        missing_facts=(Deferred(partial(_missing_of, book, _snapshot(facts), frozenset(fired), recs, not_again, pending))
                       if defer_missing else _missing_of(book, facts, fired, recs, not_again, pending)),
        findings=check_consistency(_given(facts, derived)) + contradicted,
        rulebook_version=book.version_string,
        trace=tuple(_derivation_step(book, d, facts) for d in derived)
        + tuple(_trace(r, facts, *outcome[r.id]) for r in firing),
        derived_facts=derived,
    )


def _missing_of(book: Rulebook, facts: dict[str, Any], fired: frozenset[str], recs: list[LoadedRule],
                not_again: dict[str, tuple[str, ...]], pending: dict[str, tuple[str, ...]]) -> tuple[MissingFact, ...]:
    return _missing(book, facts, fired, _offered(recs, facts, not_again), pending)


def _snapshot(facts: dict[str, Any]) -> dict[str, Any]:
    """The facts with lists as tuples: the trace shares the lists, and a caller may change them before the missing
    facts are read. Conditions read a list only by `in`, truth and iteration, which a tuple answers the same."""
    return {k: (tuple(v) if type(v) is list else v) for k, v in facts.items()}


def _provisional(shown: list[LoadedRule], facts: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """The fired rules whose exception (`unless`) is UNKNOWN, with the absent facts it waits on. The engine fired
    them because the exception is not known to hold; it is not known not to hold either."""
    out: dict[str, tuple[str, ...]] = {}
    for r in shown:
        if r.exception is not None:
            waits = r.exception_waits(facts)
            if waits is not None:  # UNKNOWN
                out[r.id] = tuple(sorted(waits))
    return out


MAX_VARIANTS = 256  # kept per rule; more are built each time (a rule has a handful: its interventions' subsets)


def _shown_rec(r: LoadedRule, withdrawn: tuple[str, ...], pending: dict[str, tuple[str, ...]]) -> Recommendation:
    """The rule's recommendation as this patient is shown it. Most are the rule's own object; one that withdraws
    interventions or is provisional is kept on the rule and shared by every patient shown the same, so answers that
    say the same thing hold the same objects (what answer.group_answer and the cohort's line encoder reuse)."""
    confirm = pending.get(r.id)
    if not withdrawn and confirm is None:
        return r.recommendation
    kept = r.shown_variants
    rec = kept.get((withdrawn, confirm))
    if rec is None:
        rec = _provisional_rec(r, _without(r.recommendation, withdrawn), pending)
        if len(kept) < MAX_VARIANTS:
            kept[(withdrawn, confirm)] = rec
    return rec


def _provisional_rec(r: LoadedRule, rec: Recommendation, pending: dict[str, tuple[str, ...]]) -> Recommendation:
    if r.id not in pending:
        return rec
    return dataclasses.replace(rec, provisional=True, confirm=pending[r.id], provided_that=r.rule.provided or "",
                               withdrawn_if=r.exception_text)


def _given(facts: dict[str, Any], derived: tuple[DerivedFact, ...]) -> dict[str, Any]:
    """The facts as the record gave them: consistency findings speak of what someone wrote down."""
    if not derived:
        return facts
    names = {d.fact for d in derived}
    return {k: v for k, v in facts.items() if k not in names}


def _derivation_step(book: Rulebook, d: DerivedFact, facts: dict[str, Any]) -> TraceStep:
    imp = book.implication(d.implication)
    return TraceStep(d.implication, "derived", {f: facts[f] for f in d.from_facts}, imp.condition_text, imp.where,
                     f"{d.fact} = {d.value!r}: {d.why}")


def _without(rec: Recommendation, failed: tuple[str, ...]) -> Recommendation:
    """The rule's recommendation less the interventions that already failed (most answers: the rule's own)."""
    if not failed:
        return rec
    return dataclasses.replace(rec, interventions=tuple(i for i in rec.interventions if i not in failed),
                               withdrawn_interventions=failed)


def _proposes(r: LoadedRule, not_again: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """What a shown rule puts forward: its interventions, less those that already failed."""
    again = not_again.get(r.id, ())
    return tuple(i for i in r.rule.then.interventions if i not in again)


def _shown(live: list[LoadedRule], considered: set[str], not_again: dict[str, tuple[str, ...]]) -> set[str]:
    """The non-fallback rules whose gate is open: ungated, or one of their interventions is proposed or considered.
    A failed therapy is not proposed, so it opens no caution (unless the team lists it as considered)."""
    proposed: set[str] = set()
    shown: set[str] = set()
    changed = True
    while changed:  # monotone: showing a rule only ever adds proposals, so this ends
        changed = False
        for r in live:
            gate = r.gate
            if r.rule.fallback or r.id in shown or (gate and not gate & (proposed | considered)):
                continue
            shown.add(r.id)
            changed = True
            if r.rule.then.kind in PROPOSING_KINDS:
                proposed.update(_proposes(r, not_again))
    return shown


def _offered(shown: list[LoadedRule], facts: dict[str, Any],
             not_again: dict[str, tuple[str, ...]]) -> frozenset[str]:
    """Interventions this answer puts forward, or the team considers: what opens a gated rule."""
    out = set(facts.get("considered_therapies") or ())
    for r in shown:
        if r.rule.then.kind in PROPOSING_KINDS:
            out.update(_proposes(r, not_again))
    return frozenset(out)


def _missing(book: Rulebook, facts: dict[str, Any], fired: frozenset[str],
             offered: frozenset[str], pending: dict[str, tuple[str, ...]]) -> tuple[MissingFact, ...]:
    """Absent facts behind rules whose condition is UNKNOWN, and behind provisional advice (its exception waits on
    them). A rule shown only with certain interventions (a caution, `shown_with`) counts only when one of them is
    offered: a regimen's caution asks for no fact while the regimen is not on the table."""
    waiting: dict[str, list[str]] = {}
    for rid, waits_on in pending.items():
        for fact in waits_on:
            waiting.setdefault(fact, []).append(rid)
    plan = book.missing_plan
    # Candidates: not made FALSE by a known fact's top-level test (the index), waiting on at least one absent fact
    # (a rule whose facts are all known is decided), neither a fallback nor fired.
    waits_on_absent = 0
    for fact, uses in plan.uses:
        if fact not in facts:
            waits_on_absent |= uses
    mask = book.index.candidate_mask(facts) & waits_on_absent & ~plan.fallback
    bit = plan.bit
    for rid in fired:
        mask &= ~bit.get(rid, 0)
    by_position = plan.rules
    while mask:  # in rulebook order: lowest bit first
        low = mask & -mask
        mask ^= low
        rid, gate, not_false, waits = by_position[low.bit_length() - 1]
        if gate and not gate & offered:
            continue  # its regimen is not on the table
        if not not_false(facts):
            continue  # a known fact already makes it FALSE
        waits_on = waits(facts)
        if waits_on is not None:  # UNKNOWN
            for fact in waits_on:
                waiting.setdefault(fact, []).append(rid)
    ordered = sorted(waiting.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    position = book.position
    return tuple(MissingFact(f, tuple(sorted(rules, key=position.__getitem__)), _ALLOWED[f]) for f, rules in ordered)


def _trace(r: LoadedRule, facts: dict[str, Any], outcome: str, detail: str) -> TraceStep:
    used = {f: facts[f] for f in r.sorted_facts if f in facts}
    return TraceStep(r.id, outcome, used, r.condition_text, r.where, detail)
