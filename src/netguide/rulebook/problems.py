"""Pydantic validation errors as located problems: the field, the value, what is allowed and a "did you mean" drawn
from the keys of the model at that place in the file (a rule file's, a scenario file's or a side file's own)."""
from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from netguide.errors import Problem
from netguide.rulebook.source import Locator
from netguide.suggestions import suggest
from netguide.vocabulary import INTERVENTIONS, KINDS, TRIALS

_CODE_BY_FIELD = {"kind": ("unknown-kind", KINDS), "interventions": ("unknown-intervention", INTERVENTIONS),
                  "shown_with": ("unknown-intervention", INTERVENTIONS), "trials": ("unknown-trial", TRIALS)}


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (list[M], M | None, dict[str, M] ...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out += _models_in(arg)
    return out


def model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model whose keys are valid at `loc` (the path of the offending key's parent), walking the annotations."""
    current: type[BaseModel] | None = model
    for key in loc:
        if current is None:
            return None
        if isinstance(key, int):
            continue  # an item of a list: the same model
        info = current.model_fields.get(key) or next(
            (f for f in current.model_fields.values() if f.alias == key), None)
        if info is None:
            return None
        inner = _models_in(info.annotation)
        current = inner[0] if inner else None
    return current


def siblings(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed beside the key at `loc` (its aliases where a field has one)."""
    at = model_at(model, loc[:-1])
    if at is None:
        return []
    return [f.alias or name for name, f in at.model_fields.items()]


def pydantic_problems(exc: ValidationError, locator: Locator, model: type[BaseModel]) -> list[Problem]:
    """Translate pydantic errors into located problems that name the field, the value and what is allowed."""
    out: list[Problem] = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if ("when" in loc or "unless" in loc) and err["type"] != "missing":
            continue  # conditions are checked by conditions.parse_condition
        named = [p for p in loc if isinstance(p, str)]
        field_name = named[-1] if named else ""
        value = err.get("input")
        if err["type"] == "extra_forbidden":
            out.append(Problem("unknown-key", f"'{field_name}' is not a key here", locator.find(loc), field=field_name,
                               suggestion=suggest(field_name, siblings(model, loc))))
            continue
        if err["type"] == "missing":
            out.append(Problem("missing-key", f"'{field_name}' is required", locator.find(loc[:-1]), field=field_name))
            continue
        if field_name in _CODE_BY_FIELD and isinstance(value, str):
            code, choices = _CODE_BY_FIELD[field_name]
            noun = {"kind": "a kind", "trials": "a trial"}.get(field_name, "an intervention code")
            out.append(Problem(code, f"'{value}' is not {noun} of vocabulary.yaml",
                               locator.find(loc), field=field_name, value=value,
                               allowed=f"see vocabulary.yaml '{'interventions' if field_name == 'shown_with' else field_name}'",
                               suggestion=suggest(value, choices)))
            continue
        shown = value if isinstance(value, (str, int, float, bool)) or value is None else type(value).__name__
        out.append(Problem("invalid-value", f"{field_name}: {err['msg']} (got {shown!r})", locator.find(loc),
                           field=field_name, value=shown))
    return out
