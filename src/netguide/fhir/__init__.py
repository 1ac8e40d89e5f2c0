"""FHIR R4 in: a Bundle (or NDJSON) of one patient's record -> netguide facts, with where each fact came from and what
could not be mapped (and why). The mapping itself is data: data/fhir_mapping.yaml, loaded and checked by `table`.

One door: `read_fhir` (parse), `map_resources` (facts, provenance, unmapped), `evaluate_fhir` (both, then evaluate).
Modules: models (strict pydantic models of just the elements read), parse (Bundle / NDJSON -> resources, errors at
entry and element), table (the mapping table), mapper (resources -> facts), medications (regimens and lines),
results (the answer as data).
"""
from netguide.fhir.evaluate import evaluate_fhir, is_fhir
from netguide.fhir.mapper import map_resources
from netguide.fhir.parse import FhirInputError, read_fhir, read_ndjson
from netguide.fhir.results import FhirEvaluation, FhirFacts, Provenance, Unmapped
from netguide.fhir.table import MappingTable, load_mapping

__all__ = ["FhirEvaluation", "FhirFacts", "FhirInputError", "MappingTable", "Provenance", "Unmapped",
           "evaluate_fhir", "is_fhir", "load_mapping", "map_resources", "read_fhir", "read_ndjson"]
