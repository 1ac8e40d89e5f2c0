"""A FHIR record evaluated: parse, map, evaluate the facts, and keep the mapping with the answer. The treatment
setting (the question asked) is never read from the record: it comes from the caller (CLI --setting, the CDS Hooks
context) and is validated as any fact is."""
from __future__ import annotations

import dataclasses
from typing import Any

from netguide import conditions
from netguide.consistency import GRADE_KI67
from netguide.engine.runtime import RulebookLike, runtime_for
from netguide.evaluation import evaluate
from netguide.fhir.mapper import map_resources
from netguide.fhir.parse import Record, read_fhir
from netguide.fhir.results import FhirEvaluation
from netguide.fhir.table import MappingTable


def is_fhir(data: Any) -> bool:
    """Whether parsed JSON is a FHIR resource (a Bundle, or one resource) rather than plain facts."""
    return isinstance(data, dict) and isinstance(data.get("resourceType"), str)


_THRESHOLDS: dict[str, tuple[float, ...]] = {}  # by the rulebook's content hash: computed once per rulebook


def ki67_thresholds(book) -> tuple[float, ...]:
    """Every Ki-67 value the rulebook (rules, implications, invariants) and the consistency checks test."""
    found = _THRESHOLDS.get(book.content_hash)
    if found is None:
        conds = ([r.condition for r in book.rules] + [i.condition for i in book.implications]
                 + [i.condition for i in book.invariants])
        found = _THRESHOLDS[book.content_hash] = _thresholds(conds)
    return found


def _thresholds(conds: list) -> tuple[float, ...]:
    points = {float(b) for lo, hi, _ in GRADE_KI67.values() for b in (lo, hi)} - {0.0, 100.0}
    for cond in conds:
        for t in conditions.tests_of(cond):
            if t.fact == "ki67_percent":
                vals = t.value if isinstance(t.value, frozenset) else {t.value}
                points |= {float(v) for v in vals if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return tuple(sorted(points))


def evaluate_fhir(data: Any, setting: str | None = None, rulebook: RulebookLike = None,
                  table: MappingTable | None = None, setting_from: str = "the caller") -> FhirEvaluation:
    """Evaluate a FHIR record (parsed JSON, or a Record from read_fhir/read_ndjson). Raises FhirInputError for a record
    that cannot be read, PatientFactError for an invalid setting."""
    record = data if isinstance(data, Record) else read_fhir(data)
    rt = runtime_for(rulebook)
    mapping = map_resources(record, table, ki67_thresholds(rt.rulebook))
    facts = dict(mapping.facts)
    if setting is not None:
        facts["treatment_setting"] = setting
    ev = evaluate(facts, rt)
    if mapping.findings:
        ev = dataclasses.replace(ev, findings=ev.findings + mapping.findings)
    return FhirEvaluation(ev, dataclasses.replace(mapping, facts=facts) if facts != mapping.facts else mapping,
                          setting_from if setting is not None else "")
