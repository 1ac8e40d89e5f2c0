"""FHIR resources -> netguide facts, by the mapping table. Nothing is guessed: a code no row names, a value the
vocabulary cannot hold, two resources that disagree, a Ki-67 comparator the rules would read differently at its
bound - each is listed as unmapped with its reason, and the fact stays absent (the answer lists it as missing).

How a fact is chosen when several resources give it: a primary source (morphology, bodySite, an Observation) before a
fallback (a diagnosis code, FALLBACK_SOURCES); among Observations, the latest (effective date); what is left must
agree, else the fact is left out and the conflict is a finding.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

from netguide.fhir.medications import map_medications
from netguide.fhir.models import CodeableConcept, Coding, Condition, Observation
from netguide.fhir.parse import Entry, Record
from netguide.fhir.results import FhirFacts, Provenance, Unmapped
from netguide.fhir.table import (
    FALLBACK_SOURCES,
    MORPHOLOGY_EXTENSION,
    PROFILE_SYSTEM,
    MappingTable,
    Row,
    load_mapping,
)
from netguide.results import Finding
from netguide.vocabulary import FACTS, keep_decimals

UCUM = "http://unitsofmeasure.org"
# Condition verification statuses that say the diagnosis is not (or no longer) held
NOT_HELD = ("refuted", "entered-in-error")
OBS_NOT_HELD = ("cancelled", "entered-in-error")
# A diagnosis no longer active (a resected liver metastasis, say) keeps its morphology and site, but says nothing of
# whether the disease is advanced now.
NOT_ACTIVE = ("inactive", "resolved", "remission")
NOW_FACTS = ("stage",)


@dataclass(frozen=True)
class Candidate:
    fact: str
    value: Any
    prov: Provenance
    fallback: bool
    when: str  # an Observation's effective date, "" for a Condition


def map_resources(record: Record, table: MappingTable | None = None,
                  ki67_thresholds: Iterable[float] = (3, 10, 20)) -> FhirFacts:
    """The facts of a parsed record, with provenance and the unmapped items. `ki67_thresholds`: every Ki-67 value
    the rules and checks test (evaluate_fhir passes the rulebook's), which decides when a comparator is exact enough."""
    table = table or load_mapping()
    m = _Mapper(table, tuple(sorted(set(float(t) for t in ki67_thresholds))))
    for e in record.entries:
        r = e.resource
        if isinstance(r, Condition):
            m.condition(e, r)
        elif isinstance(r, Observation):
            m.observation(e, r)
    facts = m.resolve(m.candidates)
    # rows that need other facts (a lung histology only for a lung primary) are decided on the facts mapped so far
    deferred = [c for row, c in m.deferred if all(facts.get(f) in vals for f, vals in row.only_if.items())]
    facts.update(m.resolve(deferred))
    meds = map_medications([e for e in record.entries if e.resource.resourceType in
                            ("MedicationRequest", "MedicationAdministration")], table,
                           {e.resource.label: e.resource for e in record.entries
                            if e.resource.resourceType == "Medication" and e.resource.id})
    for c in meds.candidates:
        facts[c.fact] = c.value
        m.provenance.append(c.prov)
    m.provenance.extend(meds.provenance)
    m.unmapped.extend(meds.unmapped)
    for withheld, (row, e) in m.withheld.items():
        if withheld in facts:
            facts.pop(withheld)
            m.provenance = [p for p in m.provenance if p.fact != withheld]
            m.unmapped.append(Unmapped(f"{withheld} (as recorded)", f"not taken: {row.unmapped}", e.label, e.where,
                                       "", withheld))
    for rtype, n in sorted(record.not_read.items()):
        m.unmapped.append(Unmapped(f"{rtype} ({n} resource{'s' if n != 1 else ''})", "a resource type netguide does "
                                   "not read"))
    ordered = {k: facts[k] for k in FACTS if k in facts}
    return FhirFacts(ordered, tuple(sorted(m.provenance, key=lambda p: (list(FACTS).index(p.fact), str(p.value)))),
                     tuple(m.unmapped), tuple(m.findings), meds.groups)


class _Mapper:
    def __init__(self, table: MappingTable, thresholds: tuple[float, ...]):
        self.table = table
        self.thresholds = thresholds
        self.candidates: list[Candidate] = []
        self.deferred: list[tuple[Row, Candidate]] = []
        self.provenance: list[Provenance] = []
        self.unmapped: list[Unmapped] = []
        self.findings: list[Finding] = []
        self.withheld: dict[str, tuple[Row, Entry]] = {}

    # --- resources -----------------------------------------------------------------------------------------------
    def condition(self, e: Entry, r: Condition) -> None:
        status = _first_code(r.verificationStatus)
        if status in NOT_HELD:
            self.unmapped.append(Unmapped(e.label, f"verificationStatus {status}: the diagnosis is not held",
                                          e.label, e.where, "verificationStatus"))
            return
        for i, ext in enumerate(r.extension):
            if ext.url == MORPHOLOGY_EXTENSION and ext.valueCodeableConcept is not None:
                self.coded(e, "condition.morphology", ext.valueCodeableConcept,
                           f"extension[{i}](histology-morphology-behavior).valueCodeableConcept")
        if r.code is not None:
            clinical = _first_code(r.clinicalStatus)
            self.coded(e, "condition.code", r.code, "code",
                       not_now=f"clinicalStatus {clinical}" if clinical in NOT_ACTIVE else "")
        for i, site in enumerate(r.bodySite):
            self.coded(e, "condition.bodySite", site, f"bodySite[{i}]")
        profiles = [p for p in (r.meta.profile if r.meta else []) if self.table.rows_for("condition.profile",
                                                                                          PROFILE_SYSTEM, p)]
        if profiles:  # only the profiles a row names: any other profile is no statement about the patient
            clinical = _first_code(r.clinicalStatus)
            self.coded(e, "condition.profile", CodeableConcept(coding=[Coding(system=PROFILE_SYSTEM, code=p)
                                                                        for p in profiles]), "meta.profile",
                       not_now=f"clinicalStatus {clinical}" if clinical in NOT_ACTIVE else "")

    def observation(self, e: Entry, r: Observation) -> None:
        source = next((self.table.observations[(c.system, c.code)] for c in r.code.coding
                       if (c.system, c.code) in self.table.observations), None)
        if source is None:
            shown = ", ".join(f"{self.table.alias(c.system or '?')}|{c.code}" for c in r.code.coding) or "no coding"
            self.unmapped.append(Unmapped(f"Observation code {shown}", "an Observation netguide does not read",
                                          e.label, e.where, "code"))
            return
        if r.status in OBS_NOT_HELD:
            self.unmapped.append(Unmapped(e.label, f"status {r.status}: not a result", e.label, e.where, "status"))
            return
        if source == "observation.ki67":
            self.ki67(e, r)
        elif source == "observation.ecog":
            self.ecog(e, r)
        elif r.valueCodeableConcept is not None:
            self.coded(e, source, r.valueCodeableConcept, "valueCodeableConcept", r.when)
        else:
            fact = _fact_of(self.table, source)
            self.unmapped.append(Unmapped(e.label, "no valueCodeableConcept: this Observation is read as a code",
                                          e.label, e.where, "value[x]", fact))

    # --- codes ---------------------------------------------------------------------------------------------------
    def coded(self, e: Entry, source: str, cc: CodeableConcept, element: str, when: str = "",
              not_now: str = "") -> None:
        matched: list[tuple[int, Row, str]] = []
        for c in cc.coding:
            for spec, row in self.table.rows_for(source, c.system, c.code):
                matched.append((spec, row, f"{self.table.alias(c.system or '')}|{c.code}"))
        if not matched:
            shown = ", ".join(f"{self.table.alias(c.system or '?')}|{c.code}" for c in cc.coding) or "no coding"
            self.unmapped.append(Unmapped(shown, "no row of the mapping table names this code"
                                          + ("" if cc.coding else " (text alone is never read)"),
                                          e.label, e.where, element, _fact_of(self.table, source)))
            return
        for spec, row, code in matched:
            if not row.gives and not row.unmapped and not any(r.gives for _, r, _ in matched):
                # recognised, and deliberately gives nothing (cM0: localized or locally advanced is a clinician's call)
                self.unmapped.append(Unmapped(code, row.note or "recognised; gives no fact", e.label, e.where, element,
                                              _fact_of(self.table, source)))
        best: dict[str, tuple[int, Row, str]] = {}  # fact -> the most specific row giving it
        for spec, row, code in matched:
            for fact in row.gives:
                if fact not in best or spec > best[fact][0]:
                    best[fact] = (spec, row, code)
        for spec, row, code in matched:
            if row.unmapped and not row.gives:
                self.unmapped.append(Unmapped(code, row.unmapped, e.label, e.where, element,
                                              _fact_of(self.table, source)))
                if row.finding:
                    self.findings.append(Finding(row.finding, f"{code} ({e.label}): {row.unmapped}",
                                                 tuple(row.withholds) or (_fact_of(self.table, source) or "",)))
                for f in row.withholds:
                    self.withheld[f] = (row, e)
        for fact, (spec, row, code) in best.items():
            value = row.gives[fact]
            if not_now and fact in NOW_FACTS:
                self.unmapped.append(Unmapped(code, f"{not_now}: whether the disease is {value} now needs a clinician",
                                              e.label, e.where, element, fact))
                continue
            prov = Provenance(fact, value, (e.label,), (e.where,), element, code, row.id, row.note)
            cand = Candidate(fact, value, prov, source in FALLBACK_SOURCES, when)
            if row.only_if:
                self.deferred.append((row, cand))
            else:
                self.candidates.append(cand)

    def ki67(self, e: Entry, r: Observation) -> None:
        q = r.valueQuantity
        element = "valueQuantity"
        if q is None:
            why = ("valueString is not read: give valueQuantity (value, comparator, unit %)" if r.valueString
                   else "no valueQuantity")
            self.unmapped.append(Unmapped(e.label, why, e.label, e.where, "value[x]", "ki67_percent"))
            return
        unit_ok = (q.system in (None, UCUM) and q.code == "%") or (q.code is None and q.unit == "%")
        shown = f"{q.comparator or ''}{_num(q.value)} {q.unit or q.code or ''}".strip()
        if q.value is None or not unit_ok:
            self.unmapped.append(Unmapped(shown, "Ki-67 must be a value in % (UCUM code '%')", e.label, e.where,
                                          element, "ki67_percent"))
            return
        lo, hi = FACTS["ki67_percent"].range or (0, 100)
        v = float(q.value)
        if not math.isfinite(v) or not lo <= v <= hi:
            self.unmapped.append(Unmapped(shown, f"outside {lo:g}-{hi:g} %", e.label, e.where, element, "ki67_percent"))
            return
        note = ""
        if q.comparator == "ad":
            self.unmapped.append(Unmapped(shown, "comparator 'ad' (sufficient to achieve) says nothing of a Ki-67",
                                          e.label, e.where, element, "ki67_percent"))
            return
        if q.comparator:
            span = (lo, v) if q.comparator in ("<", "<=") else (v, hi)
            inside = [t for t in self.thresholds if span[0] <= t <= span[1]]
            if inside:
                self.unmapped.append(Unmapped(shown, "a comparator value, and the rules test Ki-67 at "
                                              + ", ".join(f"{t:g} %" for t in inside) + " within the values it allows:"
                                              " record the exact value", e.label, e.where, element, "ki67_percent"))
                return
            note = (f"reported {shown}, taken as {v:g} %: every value it allows answers alike (the rules and checks "
                    f"test Ki-67 at {', '.join(f'{t:g}' for t in self.thresholds)} % only)")
        value = keep_decimals(int(v) if v.is_integer() else v)
        row = next((rw for _, rw in self.table.rows_for("observation.ki67", *_code(r))), None)
        self.candidates.append(Candidate("ki67_percent", value, Provenance(
            "ki67_percent", value, (e.label,), (e.where,), element, shown, row.id if row else "", note), False, r.when))

    def ecog(self, e: Entry, r: Observation) -> None:
        if r.valueInteger is None:
            why = ("a coded ECOG answer is not read: give valueInteger 0-4" if r.valueCodeableConcept
                   else "no valueInteger")
            self.unmapped.append(Unmapped(e.label, why, e.label, e.where, "value[x]", "ecog_ps"))
            return
        lo, hi = FACTS["ecog_ps"].range or (0, 4)
        if not lo <= r.valueInteger <= hi:
            self.unmapped.append(Unmapped(str(r.valueInteger), f"ECOG outside {lo:g}-{hi:g} in the vocabulary",
                                          e.label, e.where, "valueInteger", "ecog_ps"))
            return
        row = next((rw for _, rw in self.table.rows_for("observation.ecog", *_code(r))), None)
        self.candidates.append(Candidate("ecog_ps", r.valueInteger, Provenance(
            "ecog_ps", r.valueInteger, (e.label,), (e.where,), "valueInteger", str(r.valueInteger),
            row.id if row else "", row.note if row else ""), False, r.when))

    # --- choosing ------------------------------------------------------------------------------------------------
    def resolve(self, candidates: list[Candidate]) -> dict[str, Any]:
        by_fact: dict[str, list[Candidate]] = {}
        for c in candidates:
            by_fact.setdefault(c.fact, []).append(c)
        out: dict[str, Any] = {}
        for fact, cands in by_fact.items():
            primary = [c for c in cands if not c.fallback] or cands
            if all(c.when for c in primary):
                latest = max(c.when for c in primary)
                primary = [c for c in primary if c.when == latest]
            values = {_key(c.value) for c in primary}
            if len(values) > 1:
                said = "; ".join(f"{c.value} from {c.prov.resources[0]} ({c.prov.element})" for c in primary)
                self.unmapped.append(Unmapped(f"{fact}: {len(values)} values", f"the record disagrees ({said}): "
                                              "left absent until it says which", fact=fact))
                self.findings.append(Finding("fhir-conflict", f"the record gives {fact} as "
                                             + " and as ".join(sorted({str(c.value) for c in primary}))
                                             + f" ({said}); it was left absent", (fact,)))
                continue
            out[fact] = primary[0].value
            merged = Provenance(fact, primary[0].value, tuple(c.prov.resources[0] for c in primary),
                                tuple(c.prov.where[0] for c in primary), primary[0].prov.element,
                                primary[0].prov.code, primary[0].prov.row, primary[0].prov.note)
            self.provenance.append(merged)
        return out


def _key(v: Any) -> Any:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def _num(v: Any) -> str:
    return "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)


def _code(r: Observation) -> tuple[str | None, str | None]:
    c = r.code.coding[0] if r.code.coding else None
    return (c.system, c.code) if c else (None, None)


def _first_code(cc: CodeableConcept | None) -> str | None:
    return next((c.code for c in cc.coding if c.code), None) if cc is not None else None


def _fact_of(table: MappingTable, source: str) -> str | None:
    """The fact a source gives, when all its rows give the same one (the fact an unmapped item leaves absent)."""
    facts = {f for r in table.rows if source in r.sources for f in r.gives}
    facts.discard("lung_histology")
    return facts.pop() if len(facts) == 1 else None

