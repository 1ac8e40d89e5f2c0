"""The text rendering of an Analysis (JSON callers use Analysis.to_dict())."""
from __future__ import annotations

from netguide.reporting import text_reporter

from typing import Any

from .explorer import Analysis, _plain_value


def _fmt_facts(facts: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_plain_value(v)}" for k, v in facts.items()) or "(no facts known)"


@text_reporter(Analysis)
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
        label = ", ".join(f"{f}={_plain_value(v)}" for f, v in zip(res.group_facts, key))
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
