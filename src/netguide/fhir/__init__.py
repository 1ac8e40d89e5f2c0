"""FHIR R4 in: a Bundle (or NDJSON) of one patient's record -> netguide facts, with where each fact came from and what
could not be mapped (and why). The mapping itself is data: data/fhir_mapping.yaml, loaded and checked by `table`.

One door: `read_fhir` / `read_ndjson` (parse), `map_resources` (facts, provenance, unmapped), `evaluate_fhir` (both,
then evaluate). Modules: models (strict pydantic models of just the elements read), parse (Bundle / NDJSON ->
resources, errors at entry and element), table (the mapping table), mapper (resources -> facts), medications
(regimens and lines), results (the answer as data), evaluate. The door is lazy: the reporters import the results
without loading the mapper.
"""
from __future__ import annotations

import importlib
from typing import Any

_DOOR = {
    "evaluate_fhir": "evaluate", "is_fhir": "evaluate", "map_resources": "mapper",
    "FhirInputError": "parse", "read_fhir": "parse", "read_ndjson": "parse", "read_resources": "parse",
    "FhirEvaluation": "results", "FhirFacts": "results", "Provenance": "results", "Unmapped": "results",
    "RegimenGroup": "results", "MappingTable": "table", "load_mapping": "table",
}
__all__ = sorted(_DOOR)


def __getattr__(name: str) -> Any:
    if name in _DOOR:
        return getattr(importlib.import_module(f"netguide.fhir.{_DOOR[name]}"), name)
    raise AttributeError(f"module 'netguide.fhir' has no attribute {name!r}")
