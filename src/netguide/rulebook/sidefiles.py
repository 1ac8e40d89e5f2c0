"""The data files beside the rule files that are not rules (implications.yaml, prerequisites.yaml, invariants.yaml):
one loader, so each is read once, through the hardened YAML loader, and validated into its model with problems at
file:line; one shape for their entries (a spec, its parsed condition, where it was written)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from netguide.errors import Location, Problem
from netguide.rulebook.source import Locator, YamlLoadError

M = TypeVar("M", bound=BaseModel)


class SideItemSpec(BaseModel):
    """What every entry of these files has: a stable id, a title for readers, and the author's notes."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    id: str = Field(pattern=r"^[a-z0-9_]+$", description="stable forever")
    title: str = Field(min_length=5)
    notes: str | None = None


class SideFileSpec(BaseModel):
    """What every such file has: its format version (the list of entries is each file's own)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    format: int = Field(ge=1, le=1)


@dataclass(frozen=True)
class SideItem:
    """One loaded entry: its spec, its condition (the one the entry is about: when it holds, applies, is unmet)."""

    spec: Any
    condition: Any  # netguide.conditions.Condition
    location: Location

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def where(self) -> str:
        return str(self.location)

    @cached_property
    def holds(self):
        """A generated check that the condition is TRUE for known facts (evaluate3 is ten times slower, and this
        runs for every patient)."""
        from netguide import conditions

        return conditions.relaxed_predicate(self.condition, strict=True)


def load_model(folder, name: str, model: type[M]) -> tuple[M | None, Locator | None, list[Problem], bytes]:
    """(the validated file or None, its locator, its problems, the bytes read) for name in a RuleFolder (or a folder
    path); all empty when the folder has no such file."""
    from netguide.rulebook.folder import RuleFolder

    folder = folder if isinstance(folder, RuleFolder) else RuleFolder(folder)
    if not folder.exists(name):
        return None, None, [], b""
    try:
        data, locator = folder.load(name)
    except YamlLoadError as exc:
        return None, None, [exc.problem], b""
    try:
        return model.model_validate(data), locator, [], locator.content
    except ValidationError as exc:
        from netguide.rulebook.problems import pydantic_problems

        return None, locator, pydantic_problems(exc, locator, model), locator.content


def parse_when(raw: Any, keypath: tuple, locator: Locator, problems: list[Problem]):
    """A condition of the rule-file language, its problems appended to `problems`."""
    from netguide import conditions

    if raw == conditions.ALWAYS_WORD:  # `always`, as a fallback rule's `when`: every patient
        return conditions.ALWAYS
    cond, cond_problems = conditions.parse_condition(raw, keypath, locator)
    problems += cond_problems
    return cond
