"""The cohort's output: JSONL (one line per input record, in input order) or Parquet (one row per record, the same
line in its `answer` column). Chunks arrive in input order; nothing in the output depends on the time, the worker
count or the backend, so the same input and rulebook give the same bytes."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from netguide.cohort.readers import CohortInputError, _need_pyarrow
from netguide.cohort.worker import PARQUET_COLUMNS, ChunkResult
from netguide.errors import OutputError


class JsonlWriter:
    def __init__(self, path: Path):
        try:
            self._f = open(path, "wb")
        except OSError as exc:
            raise OutputError(f"{path}: {exc.strerror or exc}") from None
        self.path = path

    def write(self, res: ChunkResult) -> None:
        try:
            self._f.write(res.jsonl)
        except OSError as exc:
            raise OutputError(f"{self.path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        try:
            self._f.close()
        except OSError as exc:
            raise OutputError(f"{self.path}: {exc.strerror or exc}") from None


def parquet_schema() -> Any:
    import pyarrow as pa

    strings = pa.list_(pa.string())
    return pa.schema([("row", pa.int64()), ("valid", pa.bool_()), ("rulebook_version", pa.string()),
                      ("rule_ids", strings), ("kinds", strings), ("provisional", pa.list_(pa.bool_())),
                      ("interventions", strings), ("missing_facts", strings), ("findings", strings),
                      ("error", pa.string()), ("problems", pa.string()), ("answer", pa.string())])


class ParquetWriter:
    """One row group per chunk (the chunk size, never the worker count, sets the boundaries); the schema is fixed,
    so an all-empty chunk has the same column types as any other."""

    def __init__(self, path: Path):
        pq = _need_pyarrow()
        import pyarrow as pa

        self._pa = pa
        self._schema = parquet_schema()
        assert tuple(self._schema.names) == PARQUET_COLUMNS
        try:
            self._w = pq.ParquetWriter(str(path), self._schema, compression="zstd")
        except OSError as exc:
            raise OutputError(f"{path}: {exc}") from None
        self.path = path

    def write(self, res: ChunkResult) -> None:
        if res.columns is None or not res.columns["row"]:
            return
        self._w.write_table(self._pa.Table.from_pydict(res.columns, schema=self._schema))

    def close(self) -> None:
        self._w.close()


WRITERS = {"jsonl": JsonlWriter, "parquet": ParquetWriter}
OUTPUT_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


def output_format(path: Path) -> str:
    fmt = OUTPUT_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise CohortInputError(f"--out {path}: the output is .jsonl or .parquet")
    return fmt
