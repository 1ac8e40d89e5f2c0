"""Text rendering of a FHIR record's evaluation: the evaluation as netguide renders it, then where each fact came from
and what the record gave that could not be mapped (absent facts, never guessed)."""
from __future__ import annotations

import textwrap

from netguide.fhir.results import FhirEvaluation
from netguide.reporting.text import render_evaluation


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=" " * (len(indent) + 4))


def render_fhir_evaluation(fe: FhirEvaluation, *, trace: bool = False, quotes: bool = True) -> str:
    out = [render_evaluation(fe.evaluation, trace=trace, quotes=quotes).rstrip(), ""]
    out.append("Facts read from the FHIR record (fact = value <- resource, element, code [mapping row]):")
    if fe.setting_from and "treatment_setting" in fe.mapping.facts:
        out.append(f"  - treatment_setting = {fe.mapping.facts['treatment_setting']} <- given by {fe.setting_from} "
                   "(never read from a code)")
    for p in fe.mapping.provenance:
        value = ", ".join(p.value) if isinstance(p.value, list) else p.value
        where = ", ".join(f"{r} ({w})" for r, w in zip(p.resources, p.where)) if p.where else ", ".join(p.resources)
        line = f"{p.fact} = {value} <- {where}, {p.element}" + (f", {p.code}" if p.code else "") + \
            (f" [{p.row}]" if p.row else "")
        out.append(_wrap(line, "  - "))
        if p.note and (p.row == "medications" or p.fact == "ki67_percent" or p.fact == "prior_systemic_lines"):
            out.append(_wrap(p.note, "      "))
    if fe.mapping.unmapped:
        missing = {m.fact for m in fe.evaluation.missing_facts}
        out.append("")
        out.append("Not mapped (the facts stay absent; never guessed):")
        for u in fe.mapping.unmapped:
            where = f" ({u.resource}{', ' + u.where if u.where else ''}{', ' + u.element if u.element else ''})" \
                if u.resource else ""
            about = ""
            if u.fact:
                about = f" -> {u.fact}" + (" (missing: rules wait on it)" if u.fact in missing else "")
            out.append(_wrap(f"{u.item}{where}: {u.reason}{about}", "  - "))
    return "\n".join(out).rstrip() + "\n"
