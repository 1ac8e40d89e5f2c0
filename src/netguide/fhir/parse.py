"""A FHIR Bundle (JSON) or NDJSON (one resource a line) -> the resources netguide reads, as strict models.

Errors name where: the entry index (or NDJSON line), the resource type/id, the element path and what R4 expects, e.g.
`entry[3] Observation/ki67: valueQuantity.value: expected a number, not 'abc'`. Every problem is collected (cut at
errors.MAX_PROBLEMS), so a record is fixed in one pass. Values are shown only when they look like a code
(errors.shown_value): free text in a record may identify a patient.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from netguide.errors import Location, Problem, ProblemsError, capped, describe_value, shown_value
from netguide.fhir.models import MODELS, Resource

# A record for one patient; beyond this it is not one patient's record but a bulk export (cut here, clearly).
MAX_RESOURCES = 10_000
MAX_NDJSON_BYTES = 16 * 1024 * 1024


class FhirInputError(ProblemsError, ValueError):
    """A FHIR record that cannot be read: `problems` names each entry, resource and element."""

    def __init__(self, problems: list[Problem]):
        self.problems = capped(problems)
        n = len(self.problems)
        super().__init__(f"invalid FHIR record ({n} problem{'s' if n != 1 else ''}):\n"
                         + "\n".join(f"  {p}" for p in self.problems))


@dataclass(frozen=True)
class Entry:
    """One resource read, with where it was in the record ("entry[3]", "line 4")."""

    where: str
    resource: Resource

    @property
    def label(self) -> str:
        return self.resource.label


@dataclass(frozen=True)
class Record:
    """The resources read from one record, and the resource types present but not read (type -> count)."""

    entries: tuple[Entry, ...]
    not_read: dict[str, int]


def _problem(where: str, label: str, element: str, message: str, value: Any = None, allowed: str | None = None,
             path: str = "") -> Problem:
    field = f"{label}.{element}" if element else label
    return Problem("invalid-fhir", f"{where} {label}: {element + ': ' if element else ''}{message}",
                   Location(path) if path else None, field=field, value=shown_value(value), allowed=allowed)


_EXPECTED = {"string_type": "a string", "int_type": "a whole number", "float_type": "a number",
             "list_type": "a list", "model_type": "an object", "dict_type": "an object", "literal_error": None,
             "missing": "present", "bool_type": "true or false"}


_BRANCHES = frozenset({"int", "float", "str", "bool", "none"})


def _loc_text(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part) in _BRANCHES or "[" in str(part):  # a union branch's name (int, float ...), not an element
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _validation_problems(exc: ValidationError, where: str, label: str, path: str) -> list[Problem]:
    seen: set[str] = set()
    out = []
    errors = exc.errors()
    # a number element is a union of whole and decimal numbers: say "a number", once
    numbers = {_loc_text(e["loc"]) for e in errors if e["type"] == "float_type"}
    for err in errors:
        element = _loc_text(err["loc"])
        if element in seen:  # one problem per element, not one per branch of a union
            continue
        seen.add(element)
        if element in numbers:
            err = {**err, "type": "float_type"}
        if err["type"] == "missing":
            message, allowed = "is required but missing", None
        else:
            expected = _EXPECTED.get(err["type"]) or err["msg"].replace("Input should be ", "")
            message = f"expected {expected}, not {describe_value(err.get('input'))}"
            allowed = expected
        out.append(_problem(where, label, element, message, err.get("input") if err["type"] != "missing" else None,
                            allowed, path))
    return out


def _resource(raw: Any, where: str, path: str) -> tuple[Resource | None, str | None, list[Problem]]:
    """(model, type not read, problems) of one resource."""
    if not isinstance(raw, dict):
        return None, None, [_problem(where, "resource", "", f"expected a FHIR resource (an object), not "
                                     f"{describe_value(raw)}", raw, "a JSON object with resourceType", path)]
    rtype = raw.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        return None, None, [_problem(where, "resource", "resourceType", "is required: a FHIR resource names its type",
                                     rtype, "a resource type such as Condition or Observation", path)]
    rid = raw.get("id")
    # a resource id is a technical identifier, shown as it is when it looks like one (errors.shown_value)
    label = f"{rtype}/{rid}" if isinstance(rid, str) and rid and shown_value(rid) == rid else rtype
    model = MODELS.get(rtype)
    if model is None:
        return None, rtype, []
    try:
        return model.model_validate(raw), None, []
    except ValidationError as exc:
        return None, None, _validation_problems(exc, where, label, path)


def read_resources(raws: list[tuple[str, Any]], path: str = "") -> Record:
    """The resources of (where, resource) pairs gathered elsewhere (a CDS Hooks request's prefetch, a FHIR search)."""
    return _finish(raws, path)


def _finish(raws: list[tuple[str, Any]], path: str) -> Record:
    problems: list[Problem] = []
    entries: list[Entry] = []
    not_read: dict[str, int] = {}
    if len(raws) > MAX_RESOURCES:
        raise FhirInputError([Problem("too-many-items", f"{len(raws):,} resources: more than one patient's record "
                                      f"holds (at most {MAX_RESOURCES:,}); send one patient's record",
                                      Location(path) if path else None, value=len(raws))])
    for where, raw in raws:
        model, skipped, probs = _resource(raw, where, path)
        problems += probs
        if skipped:
            not_read[skipped] = not_read.get(skipped, 0) + 1
        if model is not None:
            entries.append(Entry(where, model))
    problems += _one_patient(entries, path)
    if problems:
        raise FhirInputError(problems)
    return Record(tuple(entries), not_read)


def _one_patient(entries: list[Entry], path: str) -> list[Problem]:
    """One record is one patient's: two Patient resources, or a resource whose subject is another Patient, would mix
    two people's facts into one answer."""
    patients = [e for e in entries if e.resource.resourceType == "Patient"]
    if len(patients) > 1:
        return [_problem(patients[1].where, patients[1].label, "", "a second Patient: a record for netguide holds one "
                         "patient's resources", None, "one Patient per record", path)]
    if not patients or not patients[0].resource.id:
        return []
    own = f"Patient/{patients[0].resource.id}"
    out = []
    for e in entries:
        subject = getattr(e.resource, "subject", None)
        ref = subject.reference if subject is not None else None
        if ref and not (ref == own or ref.endswith("/" + own)):
            out.append(_problem(e.where, e.label, "subject.reference", f"refers to another patient than {own}",
                                ref, own, path))
    return out


def read_fhir(data: Any, path: str = "") -> Record:
    """The resources of a parsed JSON Bundle (or a single resource). Raises FhirInputError naming each problem."""
    if not isinstance(data, dict) or "resourceType" not in data:
        raise FhirInputError([Problem("invalid-fhir", "expected a FHIR Bundle (a JSON object with resourceType "
                                      "Bundle)", Location(path) if path else None, allowed="a FHIR R4 Bundle")])
    if data.get("resourceType") != "Bundle":
        return _finish([("resource", data)], path)
    entries = data.get("entry", [])
    if not isinstance(entries, list):
        raise FhirInputError([_problem("Bundle", "Bundle", "entry", f"expected a list, not {describe_value(entries)}",
                                       entries, "a list of entries", path)])
    raws: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or "resource" not in entry:
            problems.append(_problem(f"entry[{i}]", "Bundle", f"entry[{i}].resource", "is required: each entry "
                                     "holds one resource", None, "an object with a resource", path))
            continue
        raws.append((f"entry[{i}]", entry["resource"]))
    if problems:
        raise FhirInputError(problems)
    return _finish(raws, path)


def read_ndjson(text: str, path: str = "") -> Record:
    """The resources of NDJSON text (one resource per line; blank lines skipped)."""
    raws: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raws.append((f"line {n}", json.loads(line, parse_constant=_no_constant)))
        except (ValueError, RecursionError) as exc:
            problems.append(Problem("json-syntax", f"line {n}: not a JSON resource ({str(exc).split(':')[0]})",
                                    Location(path or "<ndjson>", n)))
    if problems:
        raise FhirInputError(problems)
    return _finish(raws, path)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
