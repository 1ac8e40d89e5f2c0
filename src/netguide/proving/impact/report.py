"""The impact of an edit as data (ImpactResult, with to_dict for --format json and the book's page) and as text."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from netguide.reporting import text_reporter

from .compare import RuleDiff, compare_rules
from .outcomes import (
    SampleImpact,
    ScenarioChange,
    fact_space_patients,
    realistic_patients,
    sample_impact,
    scenario_changes,
)


@dataclass(frozen=True)
class ImpactResult:
    old: str
    new: str
    old_version: str
    new_version: str
    rules: RuleDiff
    scenarios_run: int
    scenarios: tuple[ScenarioChange, ...]
    samples: tuple[SampleImpact, ...]
    seed: int

    @property
    def newly_failing(self) -> list[ScenarioChange]:
        return [s for s in self.scenarios if s.before == "passed" and s.after == "failed"]

    def to_dict(self) -> dict[str, Any]:
        return {"old": {"side": self.old, "rulebook_version": self.old_version},
                "new": {"side": self.new, "rulebook_version": self.new_version},
                "rules": self.rules.to_dict(),
                "scenarios": {"run": self.scenarios_run, "changed": [s.to_dict() for s in self.scenarios],
                              "newly_failing": len(self.newly_failing)},
                "patients": [s.to_dict() for s in self.samples], "seed": self.seed}


def impact(old_side, new_side, patients: int = 10_000, realistic: int = 3_000, seed: int = 1) -> ImpactResult:
    old, new = old_side.rulebook, new_side.rulebook
    run, changes = scenario_changes(new_side.scenarios_dir or old_side.scenarios_dir, old, new)
    samples = []
    if patients:
        samples.append(sample_impact("the fact space the rules test (each fact absent or at a value the rules tell "
                                     "apart, independently)", fact_space_patients(old, new, patients, seed), old, new))
    if realistic:
        samples.append(sample_impact("realistic, partially documented referral records (advanced, adjuvant and "
                                     "neoadjuvant questions)", realistic_patients(realistic, seed), old, new))
    return ImpactResult(old_side.label, new_side.label, old.version_string, new.version_string,
                        compare_rules(old, new), run, tuple(changes), tuple(samples), seed)


SHOWN_SCENARIOS = 25  # the newly failing are always shown


def _facts(p: dict[str, Any]) -> str:
    return json.dumps(p, sort_keys=True, ensure_ascii=False)


@text_reporter(ImpactResult)
def render_impact(r: ImpactResult) -> str:
    d = r.rules
    out = [f"old: {r.old}  rulebook {r.old_version}", f"new: {r.new}  rulebook {r.new_version}", "",
           f"rules: {len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed in meaning, "
           f"{len(d.edited)} edited without a change of meaning"]
    for rid, concl, where in d.added:
        out.append(f"  + {rid}  ({concl})  {where}")
    for rid, concl, where in d.removed:
        out.append(f"  - {rid}  ({concl})")
    for c in d.changed:
        out.append(f"  ~ {c.rule_id}  [{', '.join(c.parts)} changed]  {c.where}")
        out += [f"      {line}" for line in c.said]
    for rid, keys in d.edited:
        out.append(f"  . {rid}  (only {', '.join(keys)})")
    out += ["", f"scenarios: {len(r.scenarios)} of {r.scenarios_run} change outcome or answer; "
            f"{len(r.newly_failing)} newly failing"]
    # One line per scenario (its `vary` variants counted together) and change; --format json lists every variant.
    groups: dict[tuple, list[str]] = {}
    for s in r.scenarios:
        groups.setdefault((s.location, s.name.split("[")[0], s.before, s.after, s.removed, s.added), []).append(s.name)
    shown = 0
    for (location, name, before, after, removed, added), names in groups.items():
        if shown == SHOWN_SCENARIOS and not (before == "passed" and after == "failed"):
            continue
        shown += 1
        verdict = f"{before} -> {after}" if before != after else f"still {after}, answer changed"
        variants = f" ({len(names)} variants)" if len(names) > 1 else ""
        out.append(f"  {location}: {name}{variants}  ({verdict})")
        out += [f"      - {i}" for i in removed] + [f"      + {i}" for i in added]
    if len(groups) > shown:
        out.append(f"  ... and {len(groups) - shown} more whose answer changed but not their verdict (--format json "
                   "lists them all)")
    for s in r.samples:
        out += ["", f"patients: {s.changed:,} of {s.patients:,} ({100 * s.share:.2f} %) get a different answer",
                f"  sample: {s.sample}, seed {r.seed}"]
        for g in s.groups:
            out.append(f"  {g.count:,} patients:")
            out += [f"      - {i}" for i in g.removed] + [f"      + {i}" for i in g.added]
            out.append(f"      e.g. {_facts(g.example)}")
    return "\n".join(out)
