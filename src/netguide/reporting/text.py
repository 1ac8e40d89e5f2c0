"""Text renderings for people; JSON callers use to_dict(). Nothing here decides anything."""
from __future__ import annotations

import textwrap

from netguide.answer import group_answer
from netguide.results import Evaluation

KIND_LABEL = {
    "out_of_scope": "OUT OF SCOPE", "recommended": "RECOMMENDED", "preferred": "PREFERRED", "option": "OPTION",
    "not_recommended": "NOT RECOMMENDED", "caution": "CAUTION", "insufficient_evidence": "INSUFFICIENT EVIDENCE",
    "refer_mdt": "REFER TO MDT", "clinical_trial": "CLINICAL TRIAL",
}


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent)


def render_evaluation(ev: Evaluation, *, trace: bool = False, quotes: bool = True) -> str:
    """The answer grouped by the question each conclusion answers (netguide.answer), then the derived facts, what to
    record next, the findings and (with trace) the trace."""
    out = [f"netguide - rulebook {ev.rulebook_version}", ""]
    n = 0
    for group in group_answer(ev):
        out.append(group.question)
        for item in group.items:
            n += 1
            codes = ", ".join(item.interventions + item.trials)
            label = KIND_LABEL[item.kind] + (" (provisional)" if item.provisional else "")
            out.append(f"{n}. {label}" + (f": {codes}" if codes else "") + f"   [{', '.join(item.rule_ids)}]")
            for statement in item.statements:
                out.append(_wrap(statement, "   "))
            for provided in item.provided_that:
                out.append(_wrap(f"provided that {provided} (to confirm, record: {', '.join(item.confirm)})", "   "))
            if item.withdrawn_interventions:
                out.append(_wrap("not proposed to this patient: " + ", ".join(item.withdrawn_interventions)
                                 + " (already failed, or a prerequisite is unmet; --trace says which)", "   "))
            if quotes:
                for c in item.citations:
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
        out.append("What to record next (missing facts that would let further rules decide, or confirm provisional advice):")
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
