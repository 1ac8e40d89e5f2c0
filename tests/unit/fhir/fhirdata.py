"""Tiny FHIR resources for the mapping tests, written by hand (one element each, as a record would carry it)."""
from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
SCT = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
AJCC = "http://cancerstaging.org"
UCUM = "http://unitsofmeasure.org"
MORPH = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"


def cc(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def morphology(code: str, rid: str = "c1") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": rid, "extension": [{"url": MORPH, "valueCodeableConcept": cc(ICDO3, code)}]}


def diagnosis(system: str, code: str, rid: str = "d1") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": rid, "code": cc(system, code)}


def site(code: str, rid: str = "s1") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": rid, "bodySite": [cc(SCT, code)]}


def observation(code: tuple[str, str], rid: str = "o1", when: str | None = None, **value: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "Observation", "id": rid, "status": "final", "code": cc(*code)}
    if when:
        r["effectiveDateTime"] = when
    r.update(value)
    return r


GRADE = (NCIT, "C18000")
KI67 = (LOINC, "29593-1")
ECOG = (LOINC, "89247-1")
STATUS = (LOINC, "97509-4")
M_CATEGORY = (LOINC, "21907-1")
N_CATEGORY = (LOINC, "21906-3")
MORPH_OBS = (LOINC, "31206-6")


def grade(code: str, rid: str = "g1", when: str | None = None) -> dict[str, Any]:
    return observation(GRADE, rid, when, valueCodeableConcept=cc(SCT, code))


def ki67(value: Any, comparator: str | None = None, unit: str = "%", rid: str = "k1") -> dict[str, Any]:
    q: dict[str, Any] = {"value": value, "unit": unit, "system": UCUM, "code": unit}
    if comparator:
        q["comparator"] = comparator
    return observation(KI67, rid, valueQuantity=q)


def med(rid: str, rxnorm: str, status: str = "completed", group: str | None = None, reason: str | None = None,
        authored: str | None = None, kind: str = "MedicationRequest") -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": kind, "id": rid, "status": status, "medicationCodeableConcept": cc(RXNORM, rxnorm)}
    if group:
        r["groupIdentifier"] = {"value": group}
    if reason:
        r["statusReason"] = cc(SCT, reason) if kind == "MedicationRequest" else [cc(SCT, reason)]
    if authored:
        r["authoredOn" if kind == "MedicationRequest" else "effectiveDateTime"] = authored
    return r


CAPECITABINE, TEMOZOLOMIDE, OCTREOTIDE, OXALIPLATIN = "194000", "37776", "7617", "32592"
NO_RESPONSE, NOT_TOLERATED = "266721009", "407563006"
