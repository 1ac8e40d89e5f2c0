"""Clinical invariants (rules/invariants.yaml): statements that must hold in the answer for every patient.

Each says for whom it holds (`for`, the condition language, on the facts the rules ran on: given and derived) and
what the answer must then do: `propose` every listed intervention (some recommended, preferred, option or trial
conclusion names it, unless it already failed), `never_propose` any listed one (or, for `never_propose_from`, any code of a list fact such as
failed_therapies), `require_kind` one conclusion of that kind, `forbid_rule` a rule (the "no advice" fallback,
say), or `forbid_beside_provisional` a rule shown beside provisional advice. A hypothesis property checks them in CI (tests/acceptance/test_invariants.py); `netguide analyze` checks them over the
explored fact space and prints a counterexample patient for each one broken.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from netguide.errors import Problem
from netguide.rulebook.schema import CitationSpec, InterventionCode, Kind
from netguide.rulebook.sidefiles import (
    SideFileSpec,
    SideItem,
    SideItemSpec,
    load_model,
    parse_when,
)
from netguide.vocabulary import FACTS, LIST, PROPOSING_KINDS

INVARIANTS_FILE = "invariants.yaml"


class InvariantSpec(SideItemSpec):
    applies: Any = Field(alias="for", description="the patients it holds for (condition language, or always)")
    propose: list[InterventionCode] = Field(default_factory=list)
    never_propose: list[InterventionCode] = Field(default_factory=list)
    never_propose_from: str | None = Field(default=None, description="a list fact whose codes are never proposed")
    require_kind: Kind | None = None
    forbid_rule: list[str] = Field(default_factory=list)
    forbid_beside_provisional: list[str] = Field(default_factory=list, description="rules never shown beside "
                                                 "provisional advice (the 'no advice' fallback)")
    evidence: list[CitationSpec] = Field(min_length=1)


class InvariantFileSpec(SideFileSpec):
    invariants: list[InvariantSpec] = Field(default_factory=list)


@dataclass(frozen=True)
class Invariant(SideItem):
    """`condition` is its `for`."""

    def applies_to(self, facts: dict[str, Any]) -> bool:
        return self.holds(facts)

    def could_break(self, facts: dict[str, Any]) -> bool:
        """Applies, and is not vacuous for these facts (a never_propose_from over an empty or absent list is)."""
        s = self.spec
        if s.never_propose_from and not (s.propose or s.never_propose or s.require_kind or s.forbid_rule):
            if not facts.get(s.never_propose_from):
                return False
        return self.applies_to(facts)

    def broken_by(self, facts: dict[str, Any], ev) -> str | None:
        """Why the answer `ev` for `facts` breaks this invariant, or None when it holds (or does not apply)."""
        if not self.applies_to(facts):
            return None
        proposed = {i for r in ev.recommendations if r.kind in PROPOSING_KINDS for i in r.interventions}
        s = self.spec
        failed = set(facts.get("failed_therapies") or ())  # a failed therapy is never proposed again, so not owed
        missing = [i for i in s.propose if i not in proposed and i not in failed]
        if missing:
            return f"does not propose {', '.join(missing)}"
        never = set(s.never_propose) | set(facts.get(s.never_propose_from) or () if s.never_propose_from else ())
        if never & proposed:
            return f"proposes {', '.join(sorted(never & proposed))}"
        if s.require_kind and not any(r.kind == s.require_kind for r in ev.recommendations):
            return f"has no {s.require_kind} conclusion"
        shown = {r.rule_id for r in ev.recommendations} & set(s.forbid_rule)
        if shown:
            return f"shows {', '.join(sorted(shown))}"
        provisional = [r.rule_id for r in ev.recommendations if r.provisional]
        beside = {r.rule_id for r in ev.recommendations} & set(s.forbid_beside_provisional)
        if provisional and beside:
            return f"shows {', '.join(sorted(beside))} beside provisional advice ({', '.join(provisional)})"
        return None


def load_invariants(root: Path) -> tuple[list[Invariant], list[Problem], bytes]:
    spec, locator, problems, content = load_model(root, INVARIANTS_FILE, InvariantFileSpec)
    if spec is None:
        return [], problems, content
    out = []
    for i, inv in enumerate(spec.invariants):
        if inv.never_propose_from is not None and (inv.never_propose_from not in FACTS
                                                   or FACTS[inv.never_propose_from].type != LIST):
            problems.append(Problem("invalid-value", f"never_propose_from: '{inv.never_propose_from}' is not a list "
                                    "fact", locator.find(("invariants", i, "never_propose_from")),
                                    field="never_propose_from", allowed="failed_therapies, prior_therapies"))
        cond = parse_when(inv.applies, ("invariants", i, "for"), locator, problems)
        if cond is not None:
            out.append(Invariant(inv, cond, locator.find(("invariants", i))))
    return out, problems, content


def violations(invariants: list[Invariant], facts: dict[str, Any], ev) -> list[tuple[Invariant, str]]:
    """Every invariant the answer `ev` breaks for the facts the rules ran on, with why."""
    out = []
    for inv in invariants:
        why = inv.broken_by(facts, ev)
        if why:
            out.append((inv, why))
    return out
