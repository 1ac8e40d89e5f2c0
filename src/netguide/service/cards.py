"""An evaluation as CDS Hooks 2.0 cards: patient-view shows the advice (one card per recommendation), the findings and
the facts to record; order-select says, for each drafted regimen, whether the review proposes it, cautions about it,
advises against it, or whether it already failed.

Indicators: `warning` for what the review advises against, a drafted regimen that already failed, a caution that
comes without a proposal, a patient outside the review and a contradiction in the record; `info` otherwise. No card
is `critical`: the review is a narrative review of mostly small studies and expert opinion, and no statement in it
says a regimen is immediately dangerous for the patient - so netguide never claims that.
"""
from __future__ import annotations

import uuid
from typing import Any

from netguide.fhir.results import FhirEvaluation
from netguide.reporting.text import KIND_LABEL
from netguide.results import Recommendation
from netguide.service.hooks import DOI, REVIEW

MAX_SUMMARY = 139  # CDS Hooks: summary under 140 characters
TOPIC_SYSTEM = "urn:netguide:rule"
OVERRIDE_SYSTEM = "urn:netguide:override-reason"


def _reason(code: str, display: str) -> dict[str, str]:
    return {"system": OVERRIDE_SYSTEM, "code": code, "display": display}


# Why a clinician may override a card (CDS Hooks overrideReasons); the feedback summary counts them per rule.
OVERRIDE_REASONS = [
    _reason("not-applicable", "Does not apply to this patient"),
    _reason("record-incorrect", "A fact read from the record is wrong"),
    _reason("tumour-board", "Decided otherwise at the tumour board"),
    _reason("patient-preference", "Patient preference"),
]
WARNING_KINDS = ("not_recommended", "out_of_scope", "caution")
# Intervention codes that name a class of regimens (vocabulary.yaml's own definitions): a conclusion about the class
# is a conclusion about each regimen in it.
NOT_CHEMOTHERAPY = frozenset({"SSA", "EVEROLIMUS", "SUNITINIB", "PRRT", "IFN_ALPHA", "SURGERY", "TARE", "OBSERVATION",
                              "CHEMOTHERAPY", "OXALIPLATIN_BASED", "ALKYLATING_BASED"})
ALKYLATING = ("TEM", "CAPTEM", "STZ", "FAS", "DTIC")
OXALIPLATIN = ("FOLFOX", "XELOX", "GEMOX")


def covers(code: str, regimen: str) -> bool:
    """Whether a recommendation naming `code` speaks of `regimen`."""
    if code == regimen:
        return True
    if code == "CHEMOTHERAPY":
        return regimen not in NOT_CHEMOTHERAPY
    if code == "ALKYLATING_BASED":
        return regimen.startswith(ALKYLATING)
    if code == "OXALIPLATIN_BASED":
        return regimen.startswith(OXALIPLATIN)
    return False


def short(text: str, limit: int = MAX_SUMMARY) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _source(rule_id: str, title: str) -> dict[str, Any]:
    return {"label": "Zappi et al. 2023, J Clin Med 12:717", "url": f"https://doi.org/{DOI}",
            "topic": {"system": TOPIC_SYSTEM, "code": rule_id, "display": short(title or rule_id, 200)}}


def _quotes(rec: Recommendation) -> list[str]:
    out = []
    for c in rec.citations:
        refs = f" [{', '.join(map(str, c.references))}]" if c.references else ""
        out.append(f"> \u201c{c.quote}\u201d\n>\n> \u2014 {REVIEW}, section *{c.section}*{refs}")
    return out


def _detail(rec: Recommendation, version: str, extra: list[str] = ()) -> str:
    parts = [rec.statement]
    if rec.provisional:
        parts.append(f"**Provisional:** shown provided that {rec.provided_that}. To confirm, record: "
                     f"{', '.join(f'`{f}`' for f in rec.confirm)}.")
    if rec.withdrawn_interventions:
        parts.append("Not proposed to this patient: " + ", ".join(rec.withdrawn_interventions)
                     + " (already failed, or a prerequisite is unmet).")
    parts += list(extra)
    parts += _quotes(rec)
    parts.append(f"Rule `{rec.rule_id}`, rulebook {version}. DOI [{DOI}](https://doi.org/{DOI}).")
    return "\n\n".join(parts)


def _card(summary: str, indicator: str, detail: str, rule_id: str, title: str) -> dict[str, Any]:
    return {"uuid": str(uuid.uuid4()), "summary": short(summary), "indicator": indicator, "detail": detail,
            "source": _source(rule_id, title), "overrideReasons": OVERRIDE_REASONS}


def patient_view_cards(fe: FhirEvaluation) -> list[dict[str, Any]]:
    ev = fe.evaluation
    cards = []
    for rec in ev.recommendations:
        codes = ", ".join(rec.interventions + rec.trials)
        label = KIND_LABEL[rec.kind].capitalize() + (" (provisional)" if rec.provisional else "")
        summary = f"{label}: {codes} \u2014 {rec.title}" if codes else f"{label}: {rec.title or rec.statement}"
        cards.append(_card(summary, "warning" if rec.kind in WARNING_KINDS else "info",
                           _detail(rec, ev.rulebook_version), rec.rule_id, rec.title))
    for f in ev.findings:
        cards.append(_card(f"Check the record: {f.message}", "warning",
                           f"{f.message}\n\nFacts concerned: {', '.join(f'`{x}`' for x in f.facts)}. The advice above "
                           "uses the facts as recorded.", f"finding.{f.code}", f.code))
    missing = _to_record(fe)
    if missing:
        cards.append(_card(f"Record {len(missing)} fact{'s' if len(missing) != 1 else ''} to sharpen this advice",
                           "info", "\n".join(missing), "missing_facts", "Facts to record"))
    return cards


def _to_record(fe: FhirEvaluation) -> list[str]:
    lines = [f"- `{m.fact}` ({m.allowed}): waited on by {', '.join(m.rules[:3])}"
             + (f" and {len(m.rules) - 3} more" if len(m.rules) > 3 else "") for m in fe.evaluation.missing_facts]
    unmapped = [f"- {u.item}" + (f" ({u.resource})" if u.resource else "") + f": {u.reason}"
                for u in fe.mapping.unmapped]
    if unmapped:
        lines += ["", "**In the record but not mapped** (absent facts, never guessed):"] + unmapped
    return lines


def order_select_cards(fe: FhirEvaluation, selections: list[str] | None = None) -> list[dict[str, Any]]:
    """One card per drafted regimen the clinician selected (`selections`, the hook context's "Type/id" list; every
    drafted regimen when none is given). Every draft counts as considered, so the cautions of each are in the answer."""
    ev = fe.evaluation
    failed = set(fe.mapping.facts.get("failed_therapies") or ())
    chosen = set(selections or ())
    cards = []
    for g in fe.mapping.regimens:
        if g.status != "drafted" or (chosen and not chosen & set(g.resources)):
            continue
        code = g.intervention
        against = [r for r in ev.recommendations if r.kind == "not_recommended" and any(covers(i, code)
                                                                                        for i in r.interventions)]
        proposing = [r for r in ev.recommendations if r.kind in ("recommended", "preferred", "option", "clinical_trial")
                     and any(covers(i, code) for i in r.interventions)]
        cautions = [r for r in ev.recommendations if r.kind == "caution" and any(covers(i, code)
                                                                                  for i in r.interventions)]
        if code in failed:
            status, indicator, recs = "already failed", "warning", against + cautions
            why = (f"{code} is recorded as failed for this patient (stopped for no response or intolerance): a "
                   "therapy that failed is never proposed again.")
        elif against:
            status, indicator, recs = "advised against", "warning", against + cautions
            why = f"The review advises against {code} for this patient."
        elif proposing:
            provisional = all(r.provisional for r in proposing)
            status = ("provisionally proposed" if provisional else "proposed") + (", with cautions" if cautions else "")
            indicator, recs = "info", proposing + cautions
            why = f"The review puts {code} forward for this patient" + (
                " provided the facts listed are confirmed." if provisional else ".")
        elif cautions:
            status, indicator, recs = "cautioned", "warning", cautions
            why = f"The review attaches cautions to {code} and does not put it forward for this patient."
        else:
            status, indicator, recs = "not proposed", "info", []
            why = (f"The review neither proposes nor advises against {code} for this patient's facts; see the "
                   "patient-view advice and the facts to record.")
        rule = recs[0].rule_id if recs else "order_select.no_rule"
        title = recs[0].title if recs else "no rule speaks of this regimen for this patient"
        detail = [why, f"Drafted: {' + '.join(g.agents)} ({', '.join(g.resources)})."]
        for r in recs:
            detail.append(f"---\n\n**{KIND_LABEL[r.kind].capitalize()}** (`{r.rule_id}`)\n\n"
                          + _detail(r, ev.rulebook_version))
        if not recs:
            detail += _to_record(fe)
        cards.append(_card(f"{code} drafted: {status} for this patient", indicator, "\n\n".join(detail), rule, title))
    return cards
