"""What reading a FHIR record returns: the facts, where each came from, what could not be mapped and why; and the
evaluation of those facts with them. Plain frozen data with to_dict(); the text reporter is registered in
netguide.reporting."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netguide.results import Evaluation, Finding


@dataclass(frozen=True)
class Provenance:
    """One fact (or one list item) and the resource, element and code it came from."""

    fact: str
    value: Any
    resources: tuple[str, ...]  # Type/id of each resource it came from
    where: tuple[str, ...]  # entry[3], line 4 ...
    element: str
    code: str = ""  # system alias|code, or the value as given ('<2 %')
    row: str = ""  # the mapping table's row id
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "value": self.value, "resources": list(self.resources), "where": list(self.where),
                "element": self.element, "code": self.code, "row": self.row, "note": self.note}


@dataclass(frozen=True)
class Unmapped:
    """Something in the record that gave no fact, and why. `fact` is the fact it concerns, when known: that fact is
    absent from the answer (never guessed), so the answer lists it as missing when a rule waits on it."""

    item: str  # what was not mapped: a code, a value, a resource type
    reason: str
    resource: str = ""
    where: str = ""
    element: str = ""
    fact: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "reason": self.reason, "resource": self.resource, "where": self.where,
                "element": self.element, "fact": self.fact}


@dataclass(frozen=True)
class RegimenGroup:
    """Medications given (or drafted) together, as the vocabulary's regimen."""

    intervention: str
    agents: tuple[str, ...]
    resources: tuple[str, ...]
    status: str  # given | drafted
    failed: bool = False
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"intervention": self.intervention, "agents": list(self.agents), "resources": list(self.resources),
                "status": self.status, "failed": self.failed, "line": self.line}


@dataclass(frozen=True)
class FhirFacts:
    """The facts read from one FHIR record."""

    facts: dict[str, Any]
    provenance: tuple[Provenance, ...]
    unmapped: tuple[Unmapped, ...]
    findings: tuple[Finding, ...] = ()
    regimens: tuple[RegimenGroup, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"facts": dict(self.facts), "provenance": [p.to_dict() for p in self.provenance],
                "unmapped": [u.to_dict() for u in self.unmapped], "findings": [f.to_dict() for f in self.findings],
                "regimens": [r.to_dict() for r in self.regimens]}


@dataclass(frozen=True)
class FhirEvaluation:
    """The evaluation of a FHIR record's facts, with the mapping that produced them. to_dict() is the Evaluation's
    own (every key as evaluate() gives it) plus `facts`, `provenance`, `unmapped` and `regimens`."""

    evaluation: Evaluation
    mapping: FhirFacts
    setting_from: str = ""  # where treatment_setting came from (the caller, the hook context), if given
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = self.evaluation.to_dict()
        m = self.mapping.to_dict()
        out.update({"facts": m["facts"], "provenance": m["provenance"], "unmapped": m["unmapped"],
                    "regimens": m["regimens"], "treatment_setting_from": self.setting_from or None})
        return out
