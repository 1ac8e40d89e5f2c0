"""`netguide records`: answers for realistic, partially documented referral records (netguide.proving.samples).

Each record is a well-differentiated NET of known site with its grade or carcinoid histology and every other fact
written down with probability 1/2 (samples.realistic_record). The run reports the share of records given a positive
treatment proposal (a recommended, preferred or option conclusion naming an intervention; trials are counted apart),
definite or only provisional, and gives every record without a definite one a declared reason:

- provisional: the advice stands provided that ..., waiting on the facts named (the most common: the history);
- all_failed: what the rules would propose has failed or lacks its prerequisite (the trace says withdrawn_*);
- advised_against (not_recommended), out_of_scope, silent (insufficient_evidence), tumour_board (refer_mdt): the
  review's own answer;
- unexplained: none of these. A run with any unexplained record exits 1.

    netguide records [--records 5000] [--seed 1] [--setting advanced] [--format text|json]
"""
from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from netguide.reporting import CommandOutcome, text_reporter
from netguide.vocabulary import TREATMENT_KINDS

REASONS = ("provisional", "all_failed", "advised_against", "out_of_scope", "silent", "tumour_board", "unexplained")
SHOWN_EXAMPLES = 3


# The options it shares with other commands (netguide.cli.parser declares them once).
SHARED_OPTIONS = ("rules", "format", "seed")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--records", type=int, default=5000, help="how many records (default 5000)")
    parser.add_argument("--setting", default="advanced", choices=("advanced", "adjuvant", "neoadjuvant"),
                        help="the question asked of every record (default advanced)")


def proposals(ev) -> list:
    return [r for r in ev.recommendations if r.kind in TREATMENT_KINDS and r.interventions]


def reason(ev) -> tuple[str, str]:
    """Why a record got no definite treatment proposal: (reason, detail)."""
    props = proposals(ev)
    if props:  # all provisional
        facts = sorted({f for r in props for f in r.confirm})
        return "provisional", "waiting on " + ", ".join(facts)
    withdrawn = [t.rule_id for t in ev.trace if t.outcome.startswith("withdrawn")]
    if withdrawn:
        return "all_failed", "withdrawn: " + ", ".join(withdrawn)
    kinds = {r.kind for r in ev.recommendations}
    for kind, why in (("out_of_scope", "out_of_scope"), ("refer_mdt", "tumour_board"),
                      ("not_recommended", "advised_against"), ("insufficient_evidence", "silent")):
        if kind in kinds:
            return why, ", ".join(r.rule_id for r in ev.recommendations if r.kind == kind)
    return "unexplained", ", ".join(f"{r.kind}:{r.rule_id}" for r in ev.recommendations)


@dataclass
class RecordsReport:
    records: int
    seed: int
    setting: str
    rulebook: str
    with_proposal: int = 0
    with_definite_proposal: int = 0
    with_trial: int = 0
    reasons: Counter = field(default_factory=Counter)
    details: Counter = field(default_factory=Counter)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.records, "seed": self.seed, "setting": self.setting, "rulebook": self.rulebook,
                "with_proposal": self.with_proposal, "with_definite_proposal": self.with_definite_proposal,
                "with_trial": self.with_trial, "without_definite_proposal": dict(self.reasons),
                "details": {k: v for k, v in self.details.most_common()}, "examples": self.examples}


def run_records(n: int, seed: int, setting: str = "advanced", rules: str | None = None) -> RecordsReport:
    from netguide.evaluation import evaluate, runtime_for
    from netguide.proving.samples import realistic_record

    rt = runtime_for(rules)
    rng = random.Random(seed)
    report = RecordsReport(n, seed, setting, rt.rulebook.version_string)
    for _ in range(n):
        rec = realistic_record(rng, setting)
        ev = evaluate(rec, rt)
        props = proposals(ev)
        report.with_proposal += bool(props)
        report.with_trial += any(r.kind == "clinical_trial" for r in ev.recommendations)
        if any(not r.provisional for r in props):
            report.with_definite_proposal += 1
            continue
        why, detail = reason(ev)
        report.reasons[why] += 1
        report.details[f"{why}: {detail}"] += 1
        shown = report.examples.setdefault(why, [])
        if len(shown) < SHOWN_EXAMPLES:
            shown.append(rec)
    return report


@text_reporter(RecordsReport)
def render(report: RecordsReport) -> str:
    n = report.records or 1
    out = [f"rulebook {report.rulebook}; {report.records} realistic {report.setting} records, seed {report.seed}",
           f"with a positive treatment proposal: {report.with_proposal} ({100 * report.with_proposal / n:.1f} %)",
           f"  of which definite: {report.with_definite_proposal} ({100 * report.with_definite_proposal / n:.1f} %)",
           f"with a clinical trial named: {report.with_trial} ({100 * report.with_trial / n:.1f} %)",
           f"without a definite proposal: {n - report.with_definite_proposal if report.records else 0}"]
    for why in REASONS:
        if report.reasons[why]:
            out.append(f"  {why}: {report.reasons[why]}")
    if report.details:
        out.append("most common reasons:")
        out += [f"  {count:5d}  {detail}" for detail, count in report.details.most_common(8)]
    for why, recs in report.examples.items():
        out.append(f"example ({why}): {json.dumps(recs[0], sort_keys=True)}")
    return "\n".join(out)


def run(args: argparse.Namespace) -> CommandOutcome:
    report = run_records(args.records, args.seed, args.setting, args.rules)
    return CommandOutcome(report, not report.reasons["unexplained"])
