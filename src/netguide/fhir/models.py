"""Strict pydantic models of just the FHIR R4 elements netguide reads. Every other element is ignored (a real record
carries hundreds); an element that is read must have its R4 type (a string where R4 says string, a number where it
says decimal), else the record is refused with the resource and the element named. Full-resource validation is not
the job here: a kept FHIR library can do it before netguide sees the record."""
from __future__ import annotations

from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr


class _Element(BaseModel):
    # extra="ignore": unread elements are not our business; strict: no "2" for 2, no 2 for "2"
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class Coding(_Element):
    system: Optional[StrictStr] = None
    code: Optional[StrictStr] = None
    display: Optional[StrictStr] = None


class CodeableConcept(_Element):
    coding: list[Coding] = Field(default_factory=list)
    text: Optional[StrictStr] = None


class Quantity(_Element):
    value: Optional[Union[StrictInt, StrictFloat]] = None
    comparator: Optional[Literal["<", "<=", ">=", ">", "ad"]] = None
    unit: Optional[StrictStr] = None
    system: Optional[StrictStr] = None
    code: Optional[StrictStr] = None


class Reference(_Element):
    reference: Optional[StrictStr] = None


class Identifier(_Element):
    system: Optional[StrictStr] = None
    value: Optional[StrictStr] = None


class Period(_Element):
    start: Optional[StrictStr] = None
    end: Optional[StrictStr] = None


class Extension(_Element):
    url: StrictStr
    valueCodeableConcept: Optional[CodeableConcept] = None


class Meta(_Element):
    profile: list[StrictStr] = Field(default_factory=list)


class Resource(_Element):
    resourceType: StrictStr
    id: Optional[StrictStr] = None
    meta: Optional[Meta] = None

    @property
    def label(self) -> str:
        """Type/id, as a reference names it (ids are technical identifiers, never a name)."""
        return f"{self.resourceType}/{self.id}" if self.id else self.resourceType


class Patient(Resource):
    resourceType: Literal["Patient"]


class Condition(Resource):
    resourceType: Literal["Condition"]
    extension: list[Extension] = Field(default_factory=list)
    code: Optional[CodeableConcept] = None
    bodySite: list[CodeableConcept] = Field(default_factory=list)
    subject: Optional[Reference] = None
    verificationStatus: Optional[CodeableConcept] = None
    clinicalStatus: Optional[CodeableConcept] = None
    recordedDate: Optional[StrictStr] = None


class Observation(Resource):
    resourceType: Literal["Observation"]
    status: Optional[StrictStr] = None
    code: CodeableConcept
    subject: Optional[Reference] = None
    effectiveDateTime: Optional[StrictStr] = None
    effectivePeriod: Optional[Period] = None
    valueCodeableConcept: Optional[CodeableConcept] = None
    valueQuantity: Optional[Quantity] = None
    valueInteger: Optional[StrictInt] = None
    valueString: Optional[StrictStr] = None

    @property
    def when(self) -> str:
        return self.effectiveDateTime or (self.effectivePeriod.start if self.effectivePeriod else None) or ""


class MedicationRequest(Resource):
    resourceType: Literal["MedicationRequest"]
    status: StrictStr
    medicationCodeableConcept: Optional[CodeableConcept] = None
    medicationReference: Optional[Reference] = None
    subject: Optional[Reference] = None
    statusReason: Optional[CodeableConcept] = None
    groupIdentifier: Optional[Identifier] = None
    basedOn: list[Reference] = Field(default_factory=list)
    authoredOn: Optional[StrictStr] = None


class MedicationAdministration(Resource):
    resourceType: Literal["MedicationAdministration"]
    status: StrictStr
    medicationCodeableConcept: Optional[CodeableConcept] = None
    medicationReference: Optional[Reference] = None
    subject: Optional[Reference] = None
    statusReason: list[CodeableConcept] = Field(default_factory=list)
    request: Optional[Reference] = None
    effectiveDateTime: Optional[StrictStr] = None
    effectivePeriod: Optional[Period] = None


class MedicationIngredient(_Element):
    itemCodeableConcept: Optional[CodeableConcept] = None


class Medication(Resource):
    """What a medicationReference names (EHRs often send the drug as a Medication of its own)."""

    resourceType: Literal["Medication"]
    code: Optional[CodeableConcept] = None
    ingredient: list[MedicationIngredient] = Field(default_factory=list)

    def codings(self) -> list[Coding]:
        out = list(self.code.coding) if self.code else []
        for i in self.ingredient:
            if i.itemCodeableConcept is not None:
                out += i.itemCodeableConcept.coding
        return out


# The resource types read; any other type in a record is listed once as not read.
MODELS: dict[str, type[Resource]] = {m.model_fields["resourceType"].annotation.__args__[0]: m  # type: ignore[union-attr]
                                     for m in (Patient, Condition, Observation, MedicationRequest,
                                               MedicationAdministration, Medication)}
