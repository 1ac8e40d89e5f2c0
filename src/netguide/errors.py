"""netguide's exceptions. Every public error derives from NetguideError and carries structured data.

Problem codes of input that is refused before it is validated (see yamlsource.py): not-utf8, not-a-file,
no-such-file, unreadable-file, yaml-syntax, json-syntax, yaml-alias, yaml-too-deep, yaml-too-large,
yaml-merge-key, duplicate-key, invalid-key, ambiguous-number, number-too-large, non-finite-number,
unordered-collection; of patient facts: invalid-patient, unknown-fact, invalid-value, too-many-items; and
more-problems, the last entry of a list cut at MAX_PROBLEMS.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

# A reader fixes the first problems and runs again; thousands of lines (one per item of a pasted list) help no
# one and cost memory and time to build, so every list of problems is cut here with a count of the rest.
MAX_PROBLEMS = 20


class NetguideError(Exception):
    """Root of every error netguide raises on purpose."""


@dataclass(frozen=True)
class Location:
    """A place in a data file: 1-based line and column."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column or 1}"
        return self.path


@dataclass(frozen=True)
class Problem:
    """One problem found in a rule file, scenario file or patient: what, where, and what is allowed."""

    code: str
    message: str
    location: Location | None = None
    field: str | None = None
    value: Any = None
    allowed: str | None = None
    suggestion: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        hint = f" (did you mean '{self.suggestion}'?)" if self.suggestion else ""
        return f"{where}{self.code}: {self.message}{hint}"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.location:
            d["location"] = {"path": self.location.path, "line": self.location.line, "column": self.location.column}
        for key in ("field", "value", "allowed", "suggestion"):
            v = getattr(self, key)
            if v is not None:
                d[key] = v if isinstance(v, (str, int, float, bool, list, dict)) else repr(v)
        return d


def capped(problems: list[Problem], limit: int = MAX_PROBLEMS) -> list[Problem]:
    """The first `limit` problems, then one `more-problems` entry counting the rest (unchanged when short).
    A `more-problems` entry already in the list (a count made without building each problem) adds its count."""
    problems = list(problems)
    carried = sum(p.value for p in problems if p.code == "more-problems" and isinstance(p.value, int))
    real = [p for p in problems if p.code != "more-problems"]
    rest = max(0, len(real) - limit) + carried
    if not rest:
        return real
    return real[:limit] + [Problem("more-problems", f"... and {rest:,} more problem{'s' if rest != 1 else ''} "
                                   "(fix these and run again)", value=rest)]


# Values that look like a code or a number (short, no spaces, few digits) are shown in messages; anything else
# might be free text that identifies a patient (a name, a record number, a date of birth), so only its shape
# is shown. A near-miss code is still shown, hence "did you mean" keeps working.
_CODE_LIKE = re.compile(r"[A-Za-z0-9_.+-]{1,32}")
_MAX_DIGITS_SHOWN = 4


def shown_value(value: Any) -> Any:
    """`value` as an error message may show it: as it is when it looks like a code or a number, else masked
    as its shape ("<text, 10 characters>"). Masked values are strings that start with '<'."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        digits = len(str(abs(value))) if abs(value) < 10**40 else 41
        return value if digits <= 6 else f"<number, {digits if digits <= 40 else 'over 40'} digits>"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return value if abs(value) < 1e6 else "<number, 7 or more digits>"
    if isinstance(value, str):
        if _CODE_LIKE.fullmatch(value) and sum(ch.isdigit() for ch in value) <= _MAX_DIGITS_SHOWN:
            return value
        return f"<text, {len(value)} character{'s' if len(value) != 1 else ''}>"
    if isinstance(value, (list, tuple, set, frozenset)):
        return f"<{type(value).__name__} of {len(value)} item{'s' if len(value) != 1 else ''}>"
    if isinstance(value, dict):
        return f"<mapping of {len(value)} key{'s' if len(value) != 1 else ''}>"
    return f"<{type(value).__name__}>"


def describe_value(value: Any) -> str:
    """shown_value as message text: a shown value in quotes (repr), a masked one as its shape."""
    shown = shown_value(value)
    if isinstance(value, float) and not math.isfinite(value):
        return shown  # nan, inf: a word, not a quoted string
    return shown if isinstance(shown, str) and shown.startswith("<") and shown != value else repr(shown)


class ProblemsError(NetguideError):
    """An error that carries located problems (`problems`): invalid patient facts, rule files, scenario files, a data
    file refused before its data existed. The CLI reports them all alike, as text or JSON."""

    problems: list[Problem]


class PatientFactError(ProblemsError, ValueError):
    """The patient's facts are invalid; `problems` lists every invalid field at once (cut at MAX_PROBLEMS)."""

    def __init__(self, problems: list[Problem]):
        self.problems = capped(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        n = len(self.problems)
        super().__init__(f"invalid patient facts ({n} problem{'s' if n != 1 else ''}):\n{lines}")


class RulebookError(ProblemsError):
    """Rule files failed to load or check; `problems` lists every problem, sorted by file and line."""

    def __init__(self, problems: list[Problem] | None = None):
        self.problems = list(problems or [])
        super().__init__(self.problems)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in capped(self.problems)) + f"\n{summary_line(self.problems, 'rule')}"


class ScenarioError(ProblemsError):
    """A scenario file is malformed."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in capped(self.problems)))


class UsageError(NetguideError):
    """The command line itself is wrong: an unknown option value, a missing folder (exit 2)."""


class OutputError(NetguideError):
    """Standard output could not be written: closed, a broken pipe, a full disk (exit 4)."""


class EngineError(NetguideError):
    """The rule engine refused a compiled rulebook or failed on a fact (a netguide bug, never a user error)."""


class EngineUnavailable(EngineError):
    """The durable_rules C engine cannot be imported: the message says how to rebuild it."""


def summary_line(problems: list[Problem], what: str) -> str:
    files = {p.location.path for p in problems if p.location}
    n = sum(p.value if p.code == "more-problems" and isinstance(p.value, int) else 1 for p in problems)
    where = f" in {len(files)} {what} file{'s' if len(files) != 1 else ''}" if files else ""
    return f"{n} error{'s' if n != 1 else ''}{where}"


# Every problem code netguide reports, with what it means: one table (tests/unit/test_errors.py checks that each code
# the source writes is here). A Problem's message says the specifics; the code is what a caller can branch on.
PROBLEM_CODES: dict[str, str] = {
    # data files (rule files, side files, scenarios, patients), before their data exists
    "no-such-file": "the file named does not exist",
    "not-a-file": "the path is a folder, a FIFO or a broken link, not a file",
    "unreadable-file": "the file could not be read, or is not UTF-8",
    "file-too-large": "the file is larger than any file a person writes (1 MiB)",
    "yaml-syntax": "the YAML does not parse, or nests or expands beyond anything a person writes",
    "json-syntax": "the JSON does not parse",
    "json-too-deep": "the JSON nests beyond anything a person writes",
    "duplicate-key": "a mapping gives the same key twice",
    "ambiguous-number": "a number YAML 1.1 would read otherwise than it is typed (012, 1:05, 0x0e ...)",
    "number-too-large": "a number beyond any fact's range",
    "non-finite-number": "NaN or infinity where a number is expected",
    "too-many-items": "a list longer than any a record has",
    # the shape of a file
    "invalid-file": "the file is not the mapping its kind of file is",
    "unknown-key": "a key that is not one of this place's keys (with the likely one)",
    "missing-key": "a required key is absent",
    "invalid-value": "a value of the wrong type or out of range",
    "duplicate-value": "a list gives the same value twice",
    # rule files and the rulebook
    "no-rules": "no rule files in the folder",
    "no-manifest": "rulebook.yaml is missing",
    "no-version": "rulebook.yaml gives no version",
    "unlisted-file": "a rule file on disk is not listed in rulebook.yaml",
    "missing-file": "rulebook.yaml lists a file that does not exist",
    "id-prefix": "a rule id does not start with its file's stem",
    "duplicate-id": "a rule id is used twice",
    "duplicate-name": "a scenario name is used twice",
    "unknown-rule": "a rule id that no rule has (overrides, forbid_rule ...)",
    "unknown-fact": "a name that is not a patient fact (with the likely one)",
    "unknown-value": "a value that is not one of the fact's values",
    "unknown-intervention": "a code that is not an intervention of vocabulary.yaml",
    "unknown-kind": "a kind that is not one of vocabulary.yaml",
    "unknown-trial": "a registry number that is not one of vocabulary.yaml's trials",
    "invalid-condition": "a condition that is not a non-empty mapping of facts, all, any or not",
    "invalid-operator": "an operator the fact's type does not take",
    "caution-without-regimen": "a caution names no intervention to travel with",
    "trial-without-number": "a clinical_trial rule gives no registry number and does not say the review gives none",
    "no-fallback": "no fallback rule answers when nothing else does",
    "quote-not-verbatim": "a quote is not in the review's text",
    "review-text-not-found": "the review's text was not found, so no quote was verified",
    "changed-since-signoff": "a reviewed or signed rule's meaning (condition, conclusion or evidence) changed since",
    "signoff-not-recorded": "a rule is reviewed or signed, but who, when and what was reviewed is not recorded",
    # the engine's limits, checked when a rulebook is compiled
    "too-many-alternatives": "a rule expands into more alternatives than the engine takes",
    "too-many-fields": "a patient fact has more engine fields than the engine takes",
    "field-hash-collision": "two engine field names hash alike in the engine",
    "number-precision": "a threshold finer than the six decimals numbers are kept to",
    # patients
    "invalid-patient": "the patient is not a mapping of facts",
    # FHIR records
    "invalid-fhir": "a FHIR record that cannot be read: the entry, resource and element are named",
    "more-problems": "further problems, counted but not listed",
}
