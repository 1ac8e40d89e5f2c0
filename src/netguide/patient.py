"""The patient-fact model: every fact of the contract vocabulary, typed and ranged; absent means unknown.

The model is built from the packaged vocabulary so the contract has one source. Validation reports every
invalid field at once (PatientFactError, cut at errors.MAX_PROBLEMS), each naming the field, what is allowed and,
for a near miss, what was probably meant. A value is repeated in a message only when it looks like a code or a
number (errors.shown_value): free text may identify a patient, and an unknown key's value is never repeated.

List facts are ordered: a set or frozenset of codes (from the Python API) is sorted by code before validation,
so an answer and its to_dict() never depend on PYTHONHASHSEED. Lists longer than there are intervention codes
are refused before validation (one `too-many-items` problem, not one per item).
"""
from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Optional

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    create_model,
)
from pydantic.types import StrictFloat

from netguide.errors import (
    MAX_PROBLEMS,
    PatientFactError,
    Problem,
    describe_value,
    shown_value,
)
from netguide.suggestions import suggest
from netguide.vocabulary import (
    BOOL,
    ENUM,
    FACTS,
    INTEGER,
    INTERVENTIONS,
    LIST,
    NUMBER,
    FactSpec,
    keep_decimals,
)


def _sorted_if_unordered(value: Any) -> Any:
    """A set of codes has no order; sorted, the answer is the same whatever the hash seed (PYTHONHASHSEED)."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=lambda v: (type(v).__name__, str(v)))
    return value


def _annotation(spec: FactSpec) -> Any:
    if spec.type == ENUM:
        return Optional[Literal[spec.values]]  # type: ignore[valid-type]
    if spec.type == BOOL:
        return Optional[StrictBool]
    if spec.type == INTEGER:
        return Optional[StrictInt]
    if spec.type == NUMBER:
        return Optional[Annotated[StrictFloat | StrictInt, AfterValidator(keep_decimals)]]
    if spec.type == LIST:
        return Annotated[Optional[list[Literal[tuple(INTERVENTIONS)]]],  # type: ignore[valid-type]
                         BeforeValidator(_sorted_if_unordered)]
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
    """Validate `data` (a Patient or a mapping of facts); raise PatientFactError listing every problem.

    A Patient is validated again from its field values: model_copy(update=...) and model_construct() skip
    validation, and an unchecked NaN Ki-67 or an unknown code must never reach the rules.
    """
    if isinstance(data, Patient):
        data = {name: value for name, value in vars(data).items() if value is not None}
    if not isinstance(data, dict):
        raise PatientFactError(
            [Problem("invalid-patient", f"a patient must be a mapping of facts, not {type(data).__name__}",
                     value=shown_value(data), allowed="a mapping such as {grade: G2, primary_site: pancreas}")]
        )
    problems = _refused_before_validation(data)
    refused = {p.field for p in problems}
    checked = {k: v for k, v in data.items() if isinstance(k, str) and k in FACTS and k not in refused}
    if not problems:
        try:
            return Patient.model_validate(checked)
        except ValidationError as exc:
            raise PatientFactError(_problems(exc, checked)) from None
    try:
        Patient.model_validate(checked)
    except ValidationError as exc:
        problems += _problems(exc, checked)
    raise PatientFactError(sorted(problems, key=lambda p: p.field or ""))


def _fast_plan() -> tuple[tuple[str, str, Any], ...]:
    """Per fact, in model order: (name, type, what a valid value is: the set of values, or the range)."""
    out = []
    for name, spec in FACTS.items():
        if spec.type in (ENUM, LIST):
            allowed: Any = frozenset(spec.values if spec.type == ENUM else INTERVENTIONS)
        elif spec.type in (INTEGER, NUMBER):
            allowed = spec.range or (-math.inf, math.inf)
        else:
            allowed = None
        out.append((name, spec.type, allowed))
    return tuple(out)


_FAST_PLAN = _fast_plan()
_MAX_ITEMS = len(INTERVENTIONS)


def known_facts(data: Any) -> dict[str, Any]:
    """parse_patient(data).known_facts(), without building a Patient when `data` is a plain dict whose every value
    already has the exact type and a value the model accepts (most callers' input): then the facts are what the
    model would return, in the model's order (numbers kept to NUMBER_DECIMALS as the model does). Anything else,
    and every refusal, goes through parse_patient, so errors and their messages are the model's."""
    if type(data) is dict:
        facts = _known_facts_fast(data)
        if facts is not None:
            return facts
    return parse_patient(data).known_facts()


def _known_facts_fast(data: dict) -> dict[str, Any] | None:
    for key in data:
        if type(key) is not str or key not in FACTS:
            return None
    out: dict[str, Any] = {}
    for name, kind, allowed in _FAST_PLAN:
        value = data.get(name)
        if value is None:
            continue
        vt = type(value)
        if kind == ENUM:
            if vt is not str or value not in allowed:
                return None
        elif kind == BOOL:
            if vt is not bool:
                return None
        elif kind == INTEGER:
            if vt is not int or not allowed[0] <= value <= allowed[1]:
                return None
        elif kind == NUMBER:
            if vt is float:
                if not (math.isfinite(value) and allowed[0] <= value <= allowed[1]):
                    return None
            elif vt is not int or not allowed[0] <= value <= allowed[1]:  # an int is compared exactly, never converted
                return None
            value = keep_decimals(value)
            if not allowed[0] <= value <= allowed[1]:
                return None
        elif kind == LIST:
            if vt is not list or len(value) > _MAX_ITEMS:
                return None
            for code in value:
                if type(code) is not str or code not in allowed:
                    return None
            value = list(value)
        else:
            return None
        out[name] = value
    return out


def _refused_before_validation(data: dict[Any, Any]) -> list[Problem]:
    """Unknown keys, over-long lists and list facts that are no list, found without pydantic: a million
    unknown keys or list items cost one pass here, not a million validation errors and messages."""
    problems: list[Problem] = []
    unknown = 0
    for key, value in data.items():
        if not isinstance(key, str) or key not in FACTS:
            unknown += 1
            if unknown <= MAX_PROBLEMS:
                problems.append(_unknown(key))
            continue
        spec = FACTS[key]
        if spec.type != LIST or value is None:
            continue
        if not isinstance(value, (list, tuple, set, frozenset)):
            # pydantic would also consume any other iterable (a generator, perhaps endless)
            problems.append(Problem("invalid-value", f"{key}: {describe_value(value)} is not a list; expected "
                                    f"{spec.allowed()}", field=key, value=shown_value(value), allowed=spec.allowed()))
        elif len(value) > len(INTERVENTIONS):
            problems.append(Problem("too-many-items", f"{key}: {len(value):,} items, more than there are intervention "
                                    f"codes ({len(INTERVENTIONS)}); give each code once", field=key,
                                    value=f"<list of {len(value)} items>", allowed=spec.allowed()))
    if unknown > MAX_PROBLEMS:
        problems.append(Problem("more-problems", f"... and {unknown - MAX_PROBLEMS:,} more keys that are not patient "
                                "facts", value=unknown - MAX_PROBLEMS))
    return problems


def _unknown(key: Any) -> Problem:
    """An unknown key is named (shortened), never its value: that is where a name or a record number sits."""
    name = key if isinstance(key, str) else repr(key)
    shown = name if len(name) <= 60 else name[:60] + f"... ({len(name)} characters)"
    if not isinstance(key, str):
        return Problem("unknown-fact", f"{shown} is not a patient fact (keys are fact names)", field=shown,
                       allowed="the facts of vocabulary.yaml")
    return Problem("unknown-fact", f"{shown!r} is not a patient fact", field=shown,
                   allowed="the facts of vocabulary.yaml", suggestion=suggest(key, FACTS))


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
        return _unknown(name)
    spec = FACTS[name]
    value = data.get(name)
    if spec.type == LIST and len(loc) > 1 and isinstance(value, (list, tuple)) and isinstance(loc[1], int):
        item = value[loc[1]] if loc[1] < len(value) else None
        return Problem("invalid-value", f"{name}[{loc[1]}]: {describe_value(item)} is not an intervention code",
                       field=f"{name}[{loc[1]}]", value=shown_value(item),
                       allowed="an intervention code of vocabulary.yaml", suggestion=suggest(item, spec.values))
    allowed = spec.allowed()
    suggestion = suggest(value, spec.values) if spec.type == ENUM else None
    if isinstance(value, float) and not math.isfinite(value):
        why = "is not a finite number"
    elif spec.range and isinstance(value, (int, float)) and not isinstance(value, bool):
        why = "is out of range"
    else:
        why = "is not allowed"
    return Problem("invalid-value", f"{name}: {describe_value(value)} {why}; expected {allowed}", field=name,
                   value=shown_value(value), allowed=allowed, suggestion=suggestion)
