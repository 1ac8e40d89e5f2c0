"""Text renderings for people; JSON callers use to_dict(). Nothing here decides anything."""
from __future__ import annotations

import textwrap

from .results import Evaluation

KIND_LABEL = {
    "out_of_scope": "OUT OF SCOPE", "recommended": "RECOMMENDED", "preferred": "PREFERRED", "option": "OPTION",
    "not_recommended": "NOT RECOMMENDED", "caution": "CAUTION", "insufficient_evidence": "INSUFFICIENT EVIDENCE",
    "refer_mdt": "REFER TO MDT", "clinical_trial": "CLINICAL TRIAL",
}


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent)


def render_evaluation(ev: Evaluation, *, trace: bool = False, quotes: bool = True) -> str:
    out = [f"netguide - rulebook {ev.rulebook_version}", ""]
    for i, r in enumerate(ev.recommendations, 1):
        codes = ", ".join(r.interventions + r.trials)
        out.append(f"{i}. {KIND_LABEL[r.kind]}" + (f": {codes}" if codes else "") + f"   [{r.rule_id}]")
        out.append(_wrap(r.statement, "   "))
        if r.withdrawn_interventions:
            out.append(_wrap("not proposed to this patient: " + ", ".join(r.withdrawn_interventions)
                             + " (already failed, or a prerequisite is unmet; --trace says which)", "   "))
        if quotes:
            for c in r.citations:
                refs = f" [{', '.join(map(str, c.references))}]" if c.references else ""
                out.append(_wrap(f"\u201c{c.quote}\u201d ({c.section}){refs}", "     > "))
                if c.figures:
                    out.append(_wrap(f"figures: {c.figures}", "       "))
        out.append("")
    if ev.derived_facts:
        out.append("Facts derived from the record (rules/implications.yaml):")
        for d in ev.derived_facts:
            value = "[]" if d.value == [] else d.value
            out.append(_wrap(f"{d.fact} = {value}, from {', '.join(d.from_facts)} ({d.implication})", "  - "))
        out.append("")
    if ev.missing_facts:
        out.append("Missing facts (would let further rules decide):")
        for m in ev.missing_facts:
            rules = ", ".join(m.rules[:4]) + (f" and {len(m.rules) - 4} more" if len(m.rules) > 4 else "")
            out.append(f"  - {m.fact} ({m.allowed}): {rules}")
        out.append("")
    if ev.findings:
        out.append("Findings about the input:")
        for f in ev.findings:
            out.append(_wrap(f"{f.code}: {f.message}", "  - "))
        out.append("")
    if trace:
        out.append("Trace (rules that fired, on which facts):")
        for t in ev.trace:
            facts = ", ".join(f"{k}={v}" for k, v in t.facts.items()) or "-"
            out.append(f"  {t.rule_id} [{t.outcome}] at {t.location}")
            out.append(f"      when {t.condition}")
            out.append(f"      facts: {facts}" + (f"; {t.detail}" if t.detail else ""))
    return "\n".join(out).rstrip() + "\n"
