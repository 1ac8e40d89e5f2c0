"""The concordance report as a FHIR R4 MeasureReport (summary, proportion scoring): one group per rule, stratified by
primary site and grade. The populations of each rule's group (README, "netguide cohort"):

- initial-population: valid records with a recorded treatment whose answer shows the rule (definite or provisional);
- denominator: the initial population;
- denominator-exclusion: those for whom the rule's advice is provisional (an undecided exception): counted apart;
- denominator-exception: given none of the rule's interventions but another definite proposal of the same answer
  (a choice among options; never for a not_recommended rule);
- numerator: concordant: given one of the rule's proposals, or none of what a not_recommended rule advises against;
- measureScore: numerator / (denominator - exclusions - exceptions), absent when that is 0.

No timestamps: the period is the caller's (`--period START/END`), else marked absent with the data-absent-reason
extension (an element must have a value or children in FHIR). The same report gives the same bytes.
"""
from __future__ import annotations

from typing import Any

from netguide.cohort.concordance import ConcordanceReport

POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population"
SCORING_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-scoring"
IMPROVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
MEASURE_URL = "urn:netguide:measure:concordance"
RULE_SYSTEM = "urn:netguide:codesystem:rule"
STRATIFIER_SYSTEM = "urn:netguide:codesystem:stratifier"
IMPROVEMENT, SITE_GRADE = "increase", "site-grade"  # named here: a FHIR code, not one of netguide's problem codes
POPULATIONS = ("initial-population", "denominator", "denominator-exclusion", "denominator-exception", "numerator")


def _populations(definite: dict[str, int], provisional: dict[str, int]) -> tuple[list[dict[str, Any]], Any]:
    initial = definite["applied"] + provisional["applied"]
    exclusion = provisional["applied"]
    exception = definite["received_alternative"]
    numerator = definite["concordant"]
    counts = dict(zip(POPULATIONS, (initial, initial, exclusion, exception, numerator)))
    pops = [{"code": {"coding": [{"system": POPULATION_SYSTEM, "code": c}]}, "count": n} for c, n in counts.items()]
    base = initial - exclusion - exception
    score = {"value": round(numerator / base, 4)} if base else None
    return pops, score


def measure_report(report: ConcordanceReport, period: tuple[str, str] | None = None) -> dict[str, Any]:
    groups = []
    for row in report.rules:
        pops, score = _populations(row.definite, row.provisional)
        group: dict[str, Any] = {
            "code": {"coding": [{"system": RULE_SYSTEM, "code": row.rule_id, "display": f"{row.rule_id} ({row.kind})"}],
                     "text": row.rule_id},
            "population": pops}
        if score is not None:
            group["measureScore"] = score
        strata = []
        for s in row.strata:
            spops, sscore = _populations(s["definite"], s["provisional"])
            stratum: dict[str, Any] = {"value": {"text": f"{s['primary_site']} {s['grade']}"}, "population": spops}
            if sscore is not None:
                stratum["measureScore"] = sscore
            strata.append(stratum)
        if strata:
            group["stratifier"] = [{"code": [{"coding": [{"system": STRATIFIER_SYSTEM, "code": SITE_GRADE}],
                                              "text": "primary site and grade"}], "stratum": strata}]
        groups.append(group)
    period_el: dict[str, Any] = ({"start": period[0], "end": period[1]} if period else
                                 {"extension": [{"url": DATA_ABSENT, "valueCode": "unknown"}]})
    return {
        "resourceType": "MeasureReport",
        "id": "netguide-concordance",
        "status": "complete",
        "type": "summary",
        "measure": f"{MEASURE_URL}|{report.rulebook_version}",
        "period": period_el,
        "improvementNotation": {"coding": [{"system": IMPROVEMENT_SYSTEM, "code": IMPROVEMENT}]},
        "group": groups,
    }
