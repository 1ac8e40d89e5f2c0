"""The cohort's input formats: a registry of readers by name, and the parsing of one raw record into facts.

A reader only splits the input into raw records (a CSV row as its cells, a JSONL line as its text, a Parquet row as
a mapping) and yields them in input order: that is the part that must run in one process. Turning a raw record into
facts (`parse_record`) runs in the workers, with every other per-patient cost.

Formats (README, "netguide cohort"):
- csv: a header of vocabulary fact names (plus the cohort column `treatment_given`); one patient per row; an empty
  cell is an absent fact; list facts are codes joined by ';' (`[]` for an empty list: treatment-naive); booleans
  `true`/`false`; numbers as plain decimals. A cell that does not mean what was typed (`12,5`, `yes`, `2.0` for a
  whole number, `SSA,CAPTEM`) is an error of that row, never a silent default.
- jsonl: one JSON object per line, the evaluate() input, plus an optional `treatment_given` list; blank lines are
  skipped.
- parquet: columns as in csv; typed columns taken as typed (a whole float such as 1.0 for an integer fact is its
  integer: pandas stores an integer column with gaps as floats); string columns parsed as csv cells; nulls absent.
- fhir: FHIR R4 Bundles, one patient's Bundle per line (NDJSON of Bundles, `.fhir.ndjson` or --input-format fhir),
  mapped by netguide.fhir in the workers; the treatment setting is the cohort's --setting (never read from a code);
  the treatment given is not read from a record (its medications are its history), so these records are not in the
  concordance report.

Rows are numbered from 1 in input order (the first data row of a CSV is row 1); the number goes with the record
to its answer and to every problem it has.
"""
from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from netguide.errors import NetguideError, Problem, shown_value
from netguide.suggestions import suggest
from netguide.vocabulary import BOOL, ENUM, FACTS, INTEGER, INTERVENTIONS, LIST, NUMBER

# The cohort column that records the treatment actually given. It is not a patient fact (evaluate() never sees it):
# codes of vocabulary.yaml's interventions, ';'-joined in CSV, a list in JSONL; OBSERVATION for no anticancer
# therapy; absent or empty when not recorded (the record is then left out of the concordance report).
TREATMENT_GIVEN = "treatment_given"
COHORT_COLUMNS = (TREATMENT_GIVEN,)

RAW_CSV, RAW_JSON, RAW_MAPPING, RAW_FHIR = "csv", "json", "mapping", "fhir"


class CohortInputError(NetguideError):
    """The input as a whole cannot be read (no such file, an unknown column, a missing extra): nothing is evaluated.
    A problem with one record is never this: it becomes that record's error answer."""


@dataclass(frozen=True)
class Opened:
    """An opened input: the raw kind its records have, the CSV header (column names) if any, and the records."""

    kind: str
    records: Iterator[Any]
    header: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reader:
    name: str
    suffixes: tuple[str, ...]
    open: Callable[[Path, "ReadOptions"], Opened]
    needs: str = ""  # the optional extra that provides it, named in the error when it is missing


@dataclass(frozen=True)
class ReadOptions:
    ignore_columns: frozenset[str] = frozenset()
    batch_size: int = 4096
    setting: str | None = None  # FHIR input: the treatment setting the caller gives (a code never gives it)


READERS: dict[str, Reader] = {}


def register_reader(reader: Reader) -> Reader:
    """Add (or replace) an input format by name: how netguide.fhir plugs its reader in (see read_fhir)."""
    READERS[reader.name] = reader
    return reader


def reader_for(path: Path, name: str | None = None) -> Reader:
    """The reader named, else the one whose suffix the file has."""
    if name:
        if name not in READERS:
            raise CohortInputError(f"unknown input format '{name}' (one of: {', '.join(sorted(READERS))})")
        return READERS[name]
    double = "".join(path.suffixes[-2:]).lower()  # patients.fhir.ndjson is FHIR, patients.ndjson plain facts
    for reader in READERS.values():
        if double in reader.suffixes:
            return reader
    suffix = "".join(path.suffixes[-1:]).lower()
    for reader in READERS.values():
        if suffix in reader.suffixes:
            return reader
    known = ", ".join(s for r in READERS.values() for s in r.suffixes)
    raise CohortInputError(f"{path}: cannot tell the input format from the suffix '{suffix}' (one of: {known}; or "
                           "--input-format NAME)")


def _check_columns(path: Path, columns: Iterable[str], options: ReadOptions) -> tuple[str, ...]:
    """The header, every column a fact or a cohort column (or ignored on request): an unknown column would otherwise
    be silently dropped from every patient, so the whole input is refused, naming it."""
    columns = tuple(columns)
    known = set(FACTS) | set(COHORT_COLUMNS)
    unknown = [c for c in columns if c not in known and c not in options.ignore_columns]
    seen: set[str] = set()
    twice = [c for c in columns if c in seen or seen.add(c)]  # type: ignore[func-returns-value]
    if twice:
        raise CohortInputError(f"{path}: column '{twice[0]}' appears twice")
    if unknown:
        hints = []
        for c in unknown:
            hint = suggest(c, known)
            hints.append(f"'{c}'" + (f" (did you mean '{hint}'?)" if hint else ""))
        raise CohortInputError(f"{path}: column{'s' if len(unknown) > 1 else ''} {', '.join(hints)} "
                               f"{'are' if len(unknown) > 1 else 'is'} not a patient fact nor '{TREATMENT_GIVEN}' "
                               "(rename it, or leave it out with --ignore-columns NAME,...)")
    if not columns:
        raise CohortInputError(f"{path}: no header row (the first row names the columns)")
    return columns


def _open_text(path: Path):
    try:
        # utf-8-sig: a spreadsheet's byte-order mark is not part of the first column's name
        return open(path, encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise CohortInputError(f"no such input file: {path}") from None
    except OSError as exc:
        raise CohortInputError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def _csv_records(path: Path, options: ReadOptions) -> Opened:
    handle = _open_text(path)
    rows = csv.reader(handle)
    try:
        header = next(rows, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        handle.close()
        raise CohortInputError(f"{path}: the header row cannot be read: {exc}") from None
    try:
        columns = _check_columns(path, [c.strip() for c in header or ()], options)
    except CohortInputError:
        handle.close()
        raise

    def records() -> Iterator[Any]:
        with handle:
            try:
                yield from rows
            except UnicodeDecodeError as exc:
                raise CohortInputError(f"{path}: not UTF-8 after row {rows.line_num - 1}: {exc.reason}") from None
            except csv.Error as exc:
                raise CohortInputError(f"{path}: line {rows.line_num}: {exc}") from None
    return Opened(RAW_CSV, records(), columns)


def _lines(path: Path) -> Iterator[str]:
    """The file's non-blank lines, in order (JSONL facts, or FHIR Bundles a line)."""
    handle = _open_text(path)

    def records() -> Iterator[str]:
        with handle:
            try:
                for line in handle:
                    if line.strip():
                        yield line
            except UnicodeDecodeError as exc:
                raise CohortInputError(f"{path}: not UTF-8: {exc.reason}") from None
    return records()


def _jsonl_records(path: Path, options: ReadOptions) -> Opened:
    return Opened(RAW_JSON, _lines(path))


def _parquet_records(path: Path, options: ReadOptions) -> Opened:
    pq = _need_pyarrow()
    try:
        pf = pq.ParquetFile(path)
    except FileNotFoundError:
        raise CohortInputError(f"no such input file: {path}") from None
    except Exception as exc:  # pyarrow raises its own ArrowInvalid for a file that is not Parquet
        raise CohortInputError(f"{path}: not a Parquet file: {exc}") from None
    columns = _check_columns(path, pf.schema_arrow.names, options)
    wanted = [c for c in columns if c not in options.ignore_columns]

    def records() -> Iterator[Any]:
        for batch in pf.iter_batches(batch_size=options.batch_size, columns=wanted):
            yield from batch.to_pylist()
    return Opened(RAW_MAPPING, records(), columns)


def read_fhir(path: Path, options: ReadOptions) -> Opened:
    """FHIR R4 Bundles, one per line, in input order; each line is mapped to facts in a worker (fhir_facts). The
    Opened header carries the treatment setting the caller gave (("setting", value)), which every chunk takes along."""
    return Opened(RAW_FHIR, _lines(path), ("setting", options.setting or ""))


def fhir_facts(raw: str, header: tuple[str, ...], rulebook) -> tuple[dict[str, Any] | None, list[Problem], tuple]:
    """One line of FHIR input as facts (netguide.fhir's mapping, the caller's setting added) and the mapping's own
    findings (two resources that disagree, a record outside the review), or its problems."""
    from netguide.fhir.evaluate import ki67_thresholds
    from netguide.fhir.mapper import map_resources
    from netguide.fhir.parse import FhirInputError, read_fhir as read_bundle

    try:
        data = json.loads(raw, parse_constant=_no_constant, object_pairs_hook=_unique_pairs)
        mapping = map_resources(read_bundle(data), None, ki67_thresholds(rulebook))
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, FhirInputError):
            return None, list(exc.problems), ()
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        return None, [Problem("json-syntax", f"the line is not JSON: {msg}"[:200])], ()
    facts = dict(mapping.facts)
    setting = header[1] if len(header) > 1 else ""
    if setting:
        facts["treatment_setting"] = setting
    return facts, [], tuple(mapping.findings)


def _need_pyarrow():
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise CohortInputError("Parquet needs pyarrow: pip install -e \".[cohort]\"") from None
    return pq


register_reader(Reader("csv", (".csv",), _csv_records))
register_reader(Reader("jsonl", (".jsonl", ".ndjson"), _jsonl_records))
register_reader(Reader("parquet", (".parquet", ".pq"), _parquet_records, needs="cohort"))
register_reader(Reader("fhir", (".fhir", ".fhir.ndjson"), read_fhir))


# ---- one raw record -> (facts, treatment given, problems); runs in the workers --------------------------------

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_TRUE, _FALSE = frozenset({"true"}), frozenset({"false"})
EMPTY_LIST = "[]"


def _invalid(name: str, text: str, why: str, allowed: str) -> Problem:
    return Problem("invalid-value", f"{name}: {why}", field=name, value=shown_value(text), allowed=allowed)


def parse_cell(name: str, text: str) -> tuple[Any, Problem | None]:
    """A CSV cell (or a Parquet string) as the value of fact `name`, by its vocabulary type; None for an empty cell.
    The value is left for the patient model to range-check; what cannot be read as typed is a problem here."""
    text = text.strip()
    if not text:
        return None, None
    spec = FACTS[name]
    if spec.type == ENUM:
        return text, None  # the patient model names the allowed values (with "did you mean")
    if spec.type == BOOL:
        low = text.lower()
        if low in _TRUE or low in _FALSE:
            return low in _TRUE, None
        return None, _invalid(name, text, f"{text!r} is not a boolean" if len(text) < 20 else "not a boolean",
                              "true or false (empty when not known)")
    if spec.type == INTEGER:
        if _INTEGER.fullmatch(text):
            return int(text), None
        return None, _invalid(name, text, "not a whole number as written", spec.allowed())
    if spec.type == NUMBER:
        if _DECIMAL.fullmatch(text):
            value = float(text) if any(c in text for c in ".eE") else int(text)
            return value, None
        why = ("a decimal comma: write a point (12.5)" if re.fullmatch(r"[+-]?[0-9]+,[0-9]+", text)
               else "write the number without the % sign" if text.rstrip().endswith("%")
               else "not a plain decimal number")
        return None, _invalid(name, text, why, spec.allowed())
    if spec.type == LIST:
        return _codes(name, text)
    raise AssertionError(spec.type)


def _codes(name: str, text: str) -> tuple[Any, Problem | None]:
    if text == EMPTY_LIST:
        return [], None
    if "," in text and ";" not in text:
        return None, _invalid(name, text, "codes are joined by ';', not ','", "intervention codes joined by ';' "
                              "(e.g. SSA;CAPTEM), [] for none")
    return [c.strip() for c in text.split(";") if c.strip()], None


def _treatment(value: Any) -> tuple[tuple[str, ...] | None, list[Problem]]:
    """The treatment given, as codes (None when not recorded); codes that are not interventions are problems."""
    if value is None:
        return None, []
    if isinstance(value, str):
        codes, problem = _codes(TREATMENT_GIVEN, value.strip())
        if problem:
            return None, [problem]
        if codes is None or (not codes and value.strip() != EMPTY_LIST):
            return None, []
        value = codes
    if not isinstance(value, (list, tuple)) or not all(isinstance(c, str) for c in value):
        return None, [Problem("invalid-value", f"{TREATMENT_GIVEN}: not a list of intervention codes",
                              field=TREATMENT_GIVEN, value=shown_value(value),
                              allowed="intervention codes (a list; ';'-joined in CSV)")]
    problems = []
    for i, c in enumerate(value):
        if c not in INTERVENTIONS:
            hint = suggest(c, INTERVENTIONS)
            problems.append(Problem("unknown-intervention", f"{TREATMENT_GIVEN}[{i}]: not an intervention code",
                                    field=f"{TREATMENT_GIVEN}[{i}]", value=shown_value(c),
                                    allowed="an intervention code of vocabulary.yaml", suggestion=hint))
    if problems:
        return None, problems
    if not value:
        return None, []  # an empty list records nothing: not given is OBSERVATION
    return tuple(sorted(set(value))), []


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"the key {k!r} appears twice")
        out[k] = v
    return out


def parse_record(kind: str, raw: Any, header: tuple[str, ...] = ()) \
        -> tuple[dict[str, Any] | None, tuple[str, ...] | None, list[Problem]]:
    """(facts for evaluate(), treatment given or None, problems) of one raw record. Facts are None when the record
    is not a mapping at all; otherwise they hold every cell that could be read, so evaluate()'s own validation can
    name the rest."""
    problems: list[Problem] = []
    if kind == RAW_CSV:
        if len(raw) != len(header):
            return None, None, [Problem("invalid-patient", f"the row has {len(raw)} cells, the header "
                                        f"{len(header)}", value=len(raw), allowed=f"{len(header)} cells")]
        facts: dict[str, Any] = {}
        treatment_cell = None
        for name, text in zip(header, raw):
            if name == TREATMENT_GIVEN:
                treatment_cell = text
            elif name in FACTS:
                value, problem = parse_cell(name, text)
                if problem:
                    problems.append(problem)
                elif value is not None:
                    facts[name] = value
        treatment, more = _treatment(treatment_cell)
        return facts, treatment, problems + more
    if kind == RAW_JSON:
        try:
            data = json.loads(raw, parse_constant=_no_constant, object_pairs_hook=_unique_pairs)
        except (ValueError, RecursionError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            return None, None, [Problem("json-syntax", f"the line is not JSON: {msg}"[:200])]
        if not isinstance(data, dict):
            return None, None, [Problem("invalid-patient", "the line is not a JSON object of facts",
                                        value=shown_value(data), allowed="a JSON object of patient facts")]
        treatment, more = _treatment(data.pop(TREATMENT_GIVEN, None))
        return data, treatment, more
    if kind == RAW_MAPPING:
        facts = {}
        for name, value in raw.items():
            if name == TREATMENT_GIVEN or value is None:
                continue
            if name in FACTS:
                value, problem = _typed(name, value)
                if problem:
                    problems.append(problem)
                    continue
                if value is not None:
                    facts[name] = value
            else:
                facts[name] = value  # not a fact: evaluate() names it (with "did you mean")
        treatment, more = _treatment(raw.get(TREATMENT_GIVEN))
        return facts, treatment, problems + more
    raise AssertionError(kind)


def _typed(name: str, value: Any) -> tuple[Any, Problem | None]:
    """A typed column's value (Parquet, FHIR mappings): strings parsed as CSV cells, whole floats for integer
    facts as integers, the rest left to the patient model."""
    if isinstance(value, str):
        return parse_cell(name, value)
    spec = FACTS[name]
    if spec.type == INTEGER and isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value), None
    if spec.type == LIST and isinstance(value, tuple):
        return list(value), None
    return value, None
