"""netguide's exceptions. Every public error derives from NetguideError and carries structured data."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


class PatientFactError(NetguideError, ValueError):
    """The patient's facts are invalid; `problems` lists every invalid field at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        n = len(self.problems)
        super().__init__(f"invalid patient facts ({n} problem{'s' if n != 1 else ''}):\n{lines}")


@dataclass
class RulebookError(NetguideError):
    """Rule files failed to load or check; `problems` lists every problem, sorted by file and line."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems) + f"\n{summary_line(self.problems, 'rule')}"


class ScenarioError(NetguideError):
    """A scenario file is malformed."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class EngineError(NetguideError):
    """The rule engine refused a compiled rulebook or failed on a fact (a netguide bug, never a user error)."""


def summary_line(problems: list[Problem], what: str) -> str:
    files = {p.location.path for p in problems if p.location}
    n = len(problems)
    return f"{n} error{'s' if n != 1 else ''} in {len(files)} {what} file{'s' if len(files) != 1 else ''}"
