"""MedicationRequest / MedicationAdministration -> the vocabulary's regimens and lines.

Agents come from ingredient codes (the table's `agents`); medications given together form one regimen: the same
MedicationRequest.groupIdentifier, else the same basedOn plan, else an administration's request's group, else the same
start day. The agent set must be exactly one regimen of the table (CAPTEM = capecitabine + temozolomide); a
somatostatin analogue given alongside a chemotherapy is its own line (SSA). A set that is no regimen is unmapped,
never the nearest regimen.

What each status means: draft -> a drafted order (considered_therapies; the order-select hook's drafts); active,
on-hold, completed, stopped, in-progress -> given (prior_therapies); stopped with a statusReason of the table's
failure_reasons (no response, not tolerated) -> failed (failed_therapies); cancelled, not-done, entered-in-error,
unknown -> never given, not read. An empty or absent medication list is never read as treatment-naive: the facts stay
absent. prior_systemic_lines counts the regimen groups given (one group, one line), as recorded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netguide.fhir.models import Medication, MedicationAdministration, MedicationRequest
from netguide.fhir.parse import Entry
from netguide.fhir.results import Provenance, RegimenGroup, Unmapped
from netguide.fhir.table import MappingTable

GIVEN = {"MedicationRequest": ("active", "on-hold", "completed", "stopped"),
         "MedicationAdministration": ("completed", "in-progress", "on-hold", "stopped")}
DRAFT = ("draft",)
SSA_CODE = "SSA"


@dataclass
class MedicationFacts:
    candidates: list = field(default_factory=list)  # Candidate-like: .fact .value .prov
    provenance: list[Provenance] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    groups: tuple[RegimenGroup, ...] = ()


@dataclass(frozen=True)
class _Fact:
    fact: str
    value: Any
    prov: Provenance


@dataclass
class _Med:
    entry: Entry
    agents: frozenset[str]
    kind: str  # given | drafted
    failed: bool
    key: tuple
    start: str


def map_medications(entries: list[Entry], table: MappingTable,
                    medications: dict[str, Medication] | None = None) -> MedicationFacts:
    """`medications`: the record's Medication resources by Type/id, for orders that name their drug by reference."""
    out = MedicationFacts()
    medications = medications or {}
    if not entries:
        out.unmapped.append(Unmapped("medications", "the record holds no MedicationRequest or MedicationAdministration:"
                                     " the treatment history is unknown (never read as treatment-naive)",
                                     fact="prior_therapies"))
        return out
    requests = {f"MedicationRequest/{e.resource.id}": e.resource for e in entries
                if isinstance(e.resource, MedicationRequest) and e.resource.id}
    meds: list[_Med] = []
    unreadable_given = []  # given medications whose drug could not be read: the line count would be a guess
    for e in entries:
        before = len(out.unmapped)
        med = _read(e, table, requests, out, medications)
        if med is not None:
            meds.append(med)
        elif len(out.unmapped) > before and _is_given(e.resource):
            unreadable_given.append(e.label)
    groups: dict[tuple, list[_Med]] = {}
    for m in meds:
        groups.setdefault((m.kind,) + m.key, []).append(m)
    built: list[RegimenGroup] = []
    for (kind, *_), members in sorted(groups.items(), key=lambda kv: (min(m.start for m in kv[1]) or "~", kv[0])):
        agents = frozenset(a for m in members for a in m.agents)
        labels = tuple(m.entry.label for m in members)
        codes = _regimens(agents, table)
        if codes is None:
            out.unmapped.append(Unmapped(" + ".join(sorted(agents)), "agents given together that are no regimen of the "
                                         "vocabulary (the mapping table's regimens); not guessed",
                                         ", ".join(labels), ", ".join(m.entry.where for m in members),
                                         "medicationCodeableConcept",
                                         "considered_therapies" if kind == "drafted" else "prior_therapies"))
            continue
        failed = any(m.failed for m in members)
        for code in codes:
            built.append(RegimenGroup(code, tuple(sorted(agents)), labels, kind, failed and kind == "given"))
    # lines: the given groups in order of their start (a group split into chemotherapy + SSA is one line)
    line = 0
    numbered: list[RegimenGroup] = []
    seen_labels: set[tuple] = set()
    for g in built:
        if g.status == "given":
            if g.resources not in seen_labels:
                line += 1
                seen_labels.add(g.resources)
            g = RegimenGroup(g.intervention, g.agents, g.resources, g.status, g.failed, line)
        numbered.append(g)
    out.groups = tuple(numbered)
    given = [g for g in numbered if g.status == "given"]
    drafted = [g for g in numbered if g.status == "drafted"]
    for fact, chosen in (("prior_therapies", given), ("failed_therapies", [g for g in given if g.failed]),
                         ("considered_therapies", drafted)):
        if not chosen:
            continue
        codes = sorted({g.intervention for g in chosen})
        out.candidates.append(_Fact(fact, codes, Provenance(
            fact, codes, tuple(r for g in chosen for r in g.resources), (), "medicationCodeableConcept",
            "; ".join(f"{g.intervention}: {' + '.join(g.agents)}" + (f" (line {g.line})" if g.line else "")
                      for g in chosen), "medications",
            "failed: stopped with a statusReason of no response or not tolerated" if fact == "failed_therapies"
            else "")))
    if given and unreadable_given:
        out.unmapped.append(Unmapped("prior_systemic_lines", "the record holds given medications whose drug is not "
                                     f"in the mapping table ({', '.join(unreadable_given)}): how many lines they were "
                                     "is not known, so the line count is not given", fact="prior_systemic_lines"))
    elif given:
        out.candidates.append(_Fact("prior_systemic_lines", line, Provenance(
            "prior_systemic_lines", line, tuple(r for g in given for r in g.resources), (), "medicationCodeableConcept",
            f"{line} regimen group{'s' if line != 1 else ''} given", "medications",
            "one regimen group given, one line, as recorded (a course given after resection would count too: correct "
            "the fact if so)")))
    elif not drafted:
        pass
    if not any(g.failed for g in given) and given:
        out.unmapped.append(Unmapped("failed_therapies", "no medication was stopped for no response or intolerance; "
                                     "a regimen the tumour progressed on is not said by its status, so failure is not "
                                     "assumed either way", fact="failed_therapies"))
    return out


def _regimens(agents: frozenset[str], table: MappingTable) -> list[str] | None:
    code = table.regimen_of(agents)
    if code is not None:
        return [code]
    ssa_agents = {a for a in agents if table.regimen_of(frozenset({a})) == SSA_CODE}
    rest = agents - ssa_agents
    if ssa_agents and rest and table.regimen_of(frozenset(rest)):
        return [table.regimen_of(frozenset(rest)), SSA_CODE]  # type: ignore[list-item]
    return None


def _is_given(r) -> bool:
    return r.status in GIVEN.get(r.resourceType, ())


def _read(e: Entry, table: MappingTable, requests: dict[str, MedicationRequest], out: MedicationFacts,
          medications: dict[str, Medication]) -> _Med | None:
    r = e.resource
    assert isinstance(r, (MedicationRequest, MedicationAdministration))
    if r.status in DRAFT and isinstance(r, MedicationRequest):
        kind = "drafted"
    elif r.status in GIVEN[r.resourceType]:
        kind = "given"
    else:
        out.unmapped.append(Unmapped(e.label, f"status {r.status}: not given", e.label, e.where, "status"))
        return None
    if r.medicationCodeableConcept is not None:
        codings, element = r.medicationCodeableConcept.coding, "medicationCodeableConcept"
    elif r.medicationReference is not None and r.medicationReference.reference in medications:
        ref = r.medicationReference.reference
        codings, element = medications[ref].codings(), f"medicationReference ({ref}: code, ingredient)"
    else:
        why = (f"medicationReference {r.medicationReference.reference!r} names no Medication in the record"
               if r.medicationReference else "no medication code")
        out.unmapped.append(Unmapped(e.label, why, e.label, e.where, "medication[x]"))
        return None
    agents = frozenset(table.agents[(c.system, c.code)] for c in codings if (c.system, c.code) in table.agents)
    if not agents:
        shown = ", ".join(f"{table.alias(c.system or '?')}|{c.code}" for c in codings)
        out.unmapped.append(Unmapped(shown or "no coding", "no ingredient code of the mapping table (RxNorm "
                                     "ingredients of the review's regimens)", e.label, e.where, element))
        return None
    reasons = ([r.statusReason] if isinstance(r, MedicationRequest) and r.statusReason else
               list(r.statusReason) if isinstance(r, MedicationAdministration) else [])
    failed = r.status == "stopped" and any((c.system, c.code) in table.failure_reasons
                                           for cc in reasons for c in cc.coding)
    return _Med(e, agents, kind, failed, _group_key(r, requests), _start(r))


def _group_key(r: MedicationRequest | MedicationAdministration, requests: dict[str, MedicationRequest]) -> tuple:
    if isinstance(r, MedicationAdministration):
        req = requests.get(r.request.reference or "") if r.request else None
        if req is not None:
            return _group_key(req, requests)
        return ("day", _start(r)) if _start(r) else ("alone", r.label)
    if r.groupIdentifier and r.groupIdentifier.value:
        return ("group", r.groupIdentifier.system or "", r.groupIdentifier.value)
    if r.basedOn and r.basedOn[0].reference:
        return ("plan", r.basedOn[0].reference)
    return ("day", r.authoredOn[:10]) if r.authoredOn else ("alone", r.label)


def _start(r: MedicationRequest | MedicationAdministration) -> str:
    if isinstance(r, MedicationRequest):
        return (r.authoredOn or "")[:10]
    return ((r.effectiveDateTime or (r.effectivePeriod.start if r.effectivePeriod else "")) or "")[:10]
