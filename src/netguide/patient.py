"""The patient-fact model: every fact of the contract vocabulary, typed and ranged; absent means unknown.

The model is built from the packaged vocabulary so the contract has one source. Validation reports every
invalid field at once (PatientFactError), each naming the field, the value, what is allowed and, for a
near miss, what was probably meant.
"""
from __future__ import annotations

import math
import reprlib
from typing import Annotated, Any, Literal, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, create_model
from pydantic.types import StrictFloat

from .errors import PatientFactError, Problem
from .suggestions import suggest
from .vocabulary import BOOL, ENUM, FACTS, INTEGER, INTERVENTIONS, LIST, NUMBER, FactSpec


NUMBER_DECIMALS = 6


def _keep_decimals(x: float | int) -> float | int:
    """Numbers are kept to 6 decimal places, so the engine, the reference and every report see one value."""
    return x if isinstance(x, int) else round(x, NUMBER_DECIMALS)


def _annotation(spec: FactSpec) -> Any:
    if spec.type == ENUM:
        return Optional[Literal[spec.values]]  # type: ignore[valid-type]
    if spec.type == BOOL:
        return Optional[StrictBool]
    if spec.type == INTEGER:
        return Optional[StrictInt]
    if spec.type == NUMBER:
        return Optional[Annotated[StrictFloat | StrictInt, AfterValidator(_keep_decimals)]]
    if spec.type == LIST:
        return Optional[list[Literal[tuple(INTERVENTIONS)]]]  # type: ignore[valid-type]
    raise AssertionError(f"unknown fact type {spec.type}")


def _field(spec: FactSpec) -> Any:
    extra: dict[str, Any] = {}
    if spec.range:
        extra = {"ge": spec.range[0], "le": spec.range[1]}
    return (_annotation(spec), Field(default=None, description=spec.meaning or None, **extra))


class _PatientBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    def known_facts(self) -> dict[str, Any]:
        """The facts that are known (present), as plain values; lists keep their order."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


Patient = create_model(  # type: ignore[call-overload]
    "Patient",
    __base__=_PatientBase,
    __doc__="A patient's facts in the contract vocabulary. Every fact is optional: absent means not known.",
    **{name: _field(spec) for name, spec in FACTS.items()},
)


def parse_patient(data: Any) -> "Patient":
    """Validate `data` (a Patient or a mapping of facts); raise PatientFactError listing every problem."""
    if isinstance(data, Patient):
        return data
    if not isinstance(data, dict):
        raise PatientFactError(
            [Problem("invalid-patient", f"a patient must be a mapping of facts, not {type(data).__name__}",
                     value=_show(data), allowed="a mapping such as {grade: G2, primary_site: pancreas}")]
        )
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        raise PatientFactError([Problem("unknown-fact", f"{_show(k)} is not a patient fact", field=_show(k),
                                        allowed="the facts of vocabulary.yaml") for k in bad_keys])
    try:
        return Patient.model_validate(data)
    except ValidationError as exc:
        raise PatientFactError(_problems(exc, data)) from None


def _problems(exc: ValidationError, data: dict[str, Any]) -> list[Problem]:
    problems: dict[tuple, Problem] = {}
    for err in exc.errors():
        loc = err["loc"]
        name = str(loc[0]) if loc else ""
        # One problem per field (per list item), not one per branch of a union type.
        key = (name,) + tuple(x for x in loc[1:2] if isinstance(x, int))
        if key in problems:
            continue
        problems[key] = _problem(name, loc, err, data)
    return sorted(problems.values(), key=lambda p: (p.field or ""))


def _problem(name: str, loc: tuple, err: dict[str, Any], data: dict[str, Any]) -> Problem:
    if err["type"] == "extra_forbidden" or name not in FACTS:
        return Problem("unknown-fact", f"{_show(name)!r} is not a patient fact", field=name, value=_show(data.get(name)),
                       allowed="the facts of vocabulary.yaml", suggestion=suggest(name, FACTS))
    spec = FACTS[name]
    value = data.get(name)
    if spec.type == LIST and len(loc) > 1 and isinstance(value, list) and isinstance(loc[1], int):
        item = value[loc[1]] if loc[1] < len(value) else None
        return Problem("invalid-value", f"{name}[{loc[1]}]: {_show(item)!r} is not an intervention code",
                       field=f"{name}[{loc[1]}]", value=_show(item), allowed="an intervention code of vocabulary.yaml",
                       suggestion=suggest(item, spec.values))
    allowed = spec.allowed()
    suggestion = suggest(value, spec.values) if spec.type == ENUM else None
    if isinstance(value, float) and not math.isfinite(value):
        why = "is not a finite number"
    elif spec.range and isinstance(value, (int, float)) and not isinstance(value, bool):
        why = "is out of range"
    else:
        why = "is not allowed"
    return Problem("invalid-value", f"{name}: {_show(value)!r} {why}; expected {allowed}", field=name,
                   value=_show(value), allowed=allowed, suggestion=suggestion)


def _repr(value: Any) -> str:
    try:
        return repr(value)
    except RecursionError:  # a deeply nested list or dict: show its outer levels only
        return reprlib.repr(value)


def _show(value: Any, limit: int = 60) -> Any:
    """A value fit for an error message: plain scalars as they are, anything else shortened."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        if isinstance(value, int) and abs(value) > 10**18:
            return f"{str(value)[:20]}... ({len(str(value))} digits)"
        return value if not isinstance(value, float) or math.isfinite(value) else str(value)
    text = value if isinstance(value, str) else _repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"
