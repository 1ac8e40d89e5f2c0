"""What runs in a cohort worker: the engine built once per process, and one chunk of raw records evaluated.

The C engine's state is process-global and serialised by one lock (shared/spec/durable-rules-notes.md), so the
cohort scales with processes, each building its runtime once: `warm()` is the pool's initializer and the dask
worker plugin's setup, and `evaluate_chunk` calls it too (a per-process cache), so a worker started any other way is
still right. A chunk comes back as its output already encoded (JSONL text, or Parquet column values) and its
concordance tally: the parent only writes and adds, and the bytes cross the process boundary once.
"""
from __future__ import annotations

import dataclasses

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from netguide.cohort.concordance import tally_answer
from netguide.cohort.readers import RAW_FHIR, fhir_facts, parse_record
from netguide.errors import PatientFactError, Problem, capped

_STATE: dict[str, Any] = {}
ERROR_TITLE = "invalid patient facts"
# Each invalid row is kept (row and problems) for the summary up to this many per chunk; the rest are counted.
ERRORS_KEPT = 20


@dataclass(frozen=True)
class Chunk:
    index: int
    kind: str  # readers.RAW_*
    rows: list[tuple[int, Any]]  # (row number, raw record)
    header: tuple[str, ...] = ()
    output: str = "jsonl"  # jsonl | parquet
    concordance: bool = True


@dataclass
class ChunkResult:
    index: int
    records: int
    invalid: int
    # the chunk's JSONL lines, joined and already UTF-8: bytes cross the process boundary as one copy and are written
    # as they are, so the parent neither decodes nor encodes 30 KB per patient
    jsonl: bytes = b""
    columns: dict[str, list[Any]] | None = None  # Parquet column values
    tally: Counter = field(default_factory=Counter)
    with_treatment: int = 0
    errors: list[tuple[int, list[dict[str, Any]]]] = field(default_factory=list)  # (row, problems), first few
    fields: Counter = field(default_factory=Counter)  # invalid field -> rows


def warm(rules: str | None) -> None:
    """Build this process's runtime for `rules` (None: the shipped rules) and run one patient through it, so the
    first chunk pays nothing; idempotent."""
    if _STATE.get("rules", object()) == rules and "runtime" in _STATE:
        return
    from netguide.evaluation import evaluate, runtime_for

    rt = runtime_for(rules)
    _STATE.update(rules=rules, runtime=rt, line=_line_encoder(rt, evaluate))


def encode(data: dict[str, Any]) -> str:
    """One output line: compact, key order as built (to_dict()'s own, deterministic), UTF-8 text as is."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _line_encoder(rt: Any, evaluate: Any) -> Any:
    """The fast line encoder when it agrees with json.dumps(to_dict()) on a fixed varied sample (which also warms
    the engine), else the slow one (netguide.cohort.encoding)."""
    import random

    from netguide.cohort.encoding import LineEncoder, slow_line
    from netguide.proving.samples import random_patient, realistic_record

    rng = random.Random(13)
    sample = [realistic_record(rng, setting) for setting in ("advanced", "adjuvant", "neoadjuvant") * 10]
    sample += [random_patient(rng) for _ in range(30)]
    evaluations = []
    for patient in sample:
        try:
            evaluations.append(evaluate(patient, rt))
        except PatientFactError:
            pass
    fast = LineEncoder()
    return fast.line if fast.agrees(evaluations) else slow_line


def answer_line(row: int, ev: Any) -> bytes:
    """The answer's output line in UTF-8: json.dumps of {"row": row, **ev.to_dict()}, compact
    (netguide.cohort.encoding)."""
    return _STATE["line"](row, ev)


def error_data(row: int, problems: list[Problem]) -> dict[str, Any]:
    return {"row": row, "error": ERROR_TITLE, "problems": [p.to_dict() for p in capped(problems)]}


PARQUET_COLUMNS = ("row", "valid", "rulebook_version", "rule_ids", "kinds", "provisional", "interventions",
                   "missing_facts", "findings", "error", "problems", "answer")


def evaluate_chunk(chunk: Chunk, rules: str | None = None) -> ChunkResult:
    """Evaluate every record of the chunk in order; a record's problems become its error answer."""
    warm(rules)
    from netguide.evaluation import evaluate
    from netguide.patient import parse_patient

    rt = _STATE["runtime"]
    version = rt.rulebook.version_string
    res = ChunkResult(chunk.index, len(chunk.rows), 0)
    lines: list[bytes] = []
    cols: dict[str, list[Any]] | None = {c: [] for c in PARQUET_COLUMNS} if chunk.output == "parquet" else None
    for row, raw in chunk.rows:
        mapping_findings: tuple = ()
        if chunk.kind == RAW_FHIR:
            facts, problems, mapping_findings = fhir_facts(raw, chunk.header, rt.rulebook)
            given = None
        else:
            facts, given, problems = parse_record(chunk.kind, raw, chunk.header)
        ev = None
        if facts is not None:
            try:
                if problems:
                    parse_patient(facts)  # the row is refused already: collect the model's problems with it
                else:
                    ev = evaluate(facts, rt)
                    if mapping_findings:  # as netguide.fhir.evaluate_fhir answers: the record's own findings too
                        ev = dataclasses.replace(ev, findings=ev.findings + mapping_findings)
            except PatientFactError as exc:
                problems = problems + exc.problems
        if ev is None:
            res.invalid += 1
            data = error_data(row, problems)
            for p in problems:
                res.fields[(p.field or "(record)").split("[")[0]] += 1
            if len(res.errors) < ERRORS_KEPT:
                res.errors.append((row, data["problems"]))
            line = encode(data).encode("utf-8")
            if cols is None:
                lines.append(line)
            else:
                _append(cols, row, False, version, (), None, line.decode("utf-8"), data)
            continue
        line = _STATE["line"](row, ev)
        if cols is None:
            lines.append(line)
        else:
            _append(cols, row, True, version, ev.recommendations, ev, line.decode("utf-8"), None)
        if given is not None and chunk.concordance:
            res.with_treatment += 1
            used = dict(facts)
            for d in ev.derived_facts:
                used.setdefault(d.fact, d.value)
            tally_answer(res.tally, ev, used, given)
    if cols is None:
        if lines:
            lines.append(b"")  # the last line's newline, without a second copy of the chunk's bytes
            res.jsonl = b"\n".join(lines)
    else:
        res.columns = cols
    return res


def _append(cols: dict[str, list[Any]], row: int, valid: bool, version: str, recs: Any, ev: Any, line: str,
            error: dict[str, Any] | None) -> None:
    cols["row"].append(row)
    cols["valid"].append(valid)
    cols["rulebook_version"].append(version)
    cols["rule_ids"].append([r.rule_id for r in recs])
    cols["kinds"].append([r.kind for r in recs])
    cols["provisional"].append([r.provisional for r in recs])
    seen: dict[str, None] = {}
    for r in recs:
        for i in r.interventions:
            seen.setdefault(i, None)
    cols["interventions"].append(list(seen))
    cols["missing_facts"].append([m.fact for m in ev.missing_facts] if ev is not None else [])
    cols["findings"].append([f.code for f in ev.findings] if ev is not None else [])
    cols["error"].append(error["error"] if error else None)
    cols["problems"].append(json.dumps(error["problems"], ensure_ascii=False, separators=(",", ":"))
                            if error else None)
    cols["answer"].append(line)
