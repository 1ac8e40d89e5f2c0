"""What an intervention needs before it is proposed (rules/prerequisites.yaml), declared once for every rule.

A prerequisite names interventions and the condition under which it is known to be unmet (`unmet_when`, the
condition language, three-valued). When that condition is TRUE for a patient, no rule's proposal names those
interventions: evaluation.assemble() withdraws them, as it withdraws a therapy that already failed, and the trace
says why. An unknown fact never withdraws anything.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from netguide.errors import Problem
from netguide.rulebook.schema import CitationSpec, InterventionCode
from netguide.rulebook.sidefiles import (
    SideFileSpec,
    SideItem,
    SideItemSpec,
    load_model,
    parse_when,
)

PREREQUISITES_FILE = "prerequisites.yaml"


class PrerequisiteSpec(SideItemSpec):
    interventions: list[InterventionCode] = Field(min_length=1)
    unmet_when: Any
    because: str = Field(min_length=10)
    evidence: list[CitationSpec] = Field(default_factory=list)


class PrerequisiteFileSpec(SideFileSpec):
    prerequisites: list[PrerequisiteSpec] = Field(default_factory=list)


@dataclass(frozen=True)
class Prerequisite(SideItem):
    """`condition` is its `unmet_when`; `holds` tells that the prerequisite is known to be unmet."""


def load_prerequisites(root: Path) -> tuple[list[Prerequisite], list[Problem], bytes]:
    spec, locator, problems, content = load_model(root, PREREQUISITES_FILE, PrerequisiteFileSpec)
    if spec is None:
        return [], problems, content
    out = []
    for i, pre in enumerate(spec.prerequisites):
        cond = parse_when(pre.unmet_when, ("prerequisites", i, "unmet_when"), locator, problems)
        if cond is not None:
            out.append(Prerequisite(pre, cond, locator.find(("prerequisites", i))))
    return out, problems, content


def not_to_propose(prerequisites: list[Prerequisite], facts: dict[str, Any]) -> dict[str, str]:
    """Intervention -> why it is not proposed for this patient (a therapy that failed, or an unmet prerequisite)."""
    out = {code: "already failed" for code in facts.get("failed_therapies") or ()}
    for pre in prerequisites:
        if pre.holds(facts):
            for code in pre.spec.interventions:
                out.setdefault(code, f"{pre.spec.title} ({pre.id})")
    return out
