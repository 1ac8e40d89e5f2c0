"""`netguide cohort`: a whole registry through evaluate(), one answer per input record in input order, and the
concordance of the treatment actually given with those answers.

- `readers`: the input formats, a registry by name (csv, jsonl, parquet; `fhir` is a hook for netguide.fhir);
  each yields raw records cheaply, and `parse_*` turn one raw record into facts in the worker.
- `worker`: what runs in a worker process: the engine built once (initializer or first use), a chunk of records
  evaluated, each answer already encoded as its output line, and the chunk's concordance tally.
- `runner`: the backends (in-process, a process pool, dask.distributed), bounded chunks in flight, results re-ordered,
  the writers fed in input order.
- `writers`: JSONL and Parquet output.
- `concordance`: the tally and the report (text, JSON with its JSON Schema); `measure`: the FHIR R4 MeasureReport.
- `command`: the CLI command.
"""
from netguide.cohort.runner import CohortResult, run_cohort

__all__ = ["CohortResult", "run_cohort"]
