"""Concordance: how the treatment actually given (the cohort column `treatment_given`) compares with each answer.

Counted only for valid records whose treatment is recorded. Per rule (the rules that propose, kinds recommended,
preferred and option, and the rules that advise against, kind not_recommended; trials, cautions, referrals and
silent areas propose no treatment to compare) and per stratum of primary site and grade (grade, else the lung
histology of a thoracic NET, else `unrecorded`; a derived grade counts, as evaluate() used it):

- applied: patients whose answer shows the rule;
- received_proposed: of those, given one of the interventions the rule proposes;
- received_advised_against: given one the rule advises against;
- received_failed: given a therapy the record lists in failed_therapies;
- received_alternative: given none of the rule's interventions but one that another definite proposal of the same
  answer puts forward (a choice among the options, not a departure from the evidence);
- concordant: the treatment follows the rule: given one of its proposals (proposing rules) or none of what it
  advises against (not_recommended rules).

A provisional recommendation (its exception undecided: "provided that ...") is counted apart, under `provisional`,
never mixed with definite advice. The FHIR MeasureReport (netguide.cohort.measure) is built from the same counts.

A code matches a proposal when it is the proposed code, or the proposal is a class (CHEMOTHERAPY, ALKYLATING_BASED,
OXALIPLATIN_BASED) that, by vocabulary.yaml's meanings, contains it: "adjuvant chemotherapy is not recommended"
applies to CAPTEM given. A class given (CHEMOTHERAPY) does not match a specific regimen proposed (CAPTEM): which
regimen was given is then not known.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from netguide.reporting import text_reporter
from netguide.vocabulary import INTERVENTIONS, NOT_RECOMMENDED, TREATMENT_KINDS

# vocabulary.yaml's classes by their meanings ("any oxaliplatin-based chemotherapy (FOLFOX, XELOX, GEMOX)", "any
# alkylating-agent chemotherapy (TEM, CAPTEM, STZ-based, DTIC)", "systemic chemotherapy of any regimen"): each
# regimen whose definition names such an agent. Immunotherapy, targeted agents, SSA, PRRT alone, surgery and
# locoregional therapy are not chemotherapy; a combination that adds chemotherapy to them is.
OXALIPLATIN_BASED = frozenset({"FOLFOX", "XELOX", "GEMOX", "FOLFOX_BEV", "XELOX_BEV"})
ALKYLATING_BASED = frozenset({
    "STZ", "STZ_5FU", "STZ_DOXO", "FAS", "STZ_CAP", "STZ_CAP_CDDP", "STZ_CYCLOPHOSPHAMIDE", "STZ_5FU_BEV", "STZ_S1",
    "STZ_5FU_CDDP", "TEM", "CAPTEM", "TEM_METRONOMIC", "TEM_LANREOTIDE", "TEM_TAS102", "CAPTEM_PRRT", "CAPTEM_TARE",
    "CAPTEM_BEV", "TEM_THALIDOMIDE", "TEM_BEV", "TEM_EVEROLIMUS", "DTIC"})
NOT_CHEMOTHERAPY = frozenset({"CHEMOTHERAPY", "SSA", "EVEROLIMUS", "SUNITINIB", "PRRT", "IFN_ALPHA", "SURGERY", "TARE",
                              "OBSERVATION"})
CHEMOTHERAPY = frozenset(INTERVENTIONS) - NOT_CHEMOTHERAPY
CLASSES: dict[str, frozenset[str]] = {"CHEMOTHERAPY": CHEMOTHERAPY, "ALKYLATING_BASED": ALKYLATING_BASED | {
    "ALKYLATING_BASED"}, "OXALIPLATIN_BASED": OXALIPLATIN_BASED | {"OXALIPLATIN_BASED"}}

COMPARED_KINDS = TREATMENT_KINDS | {NOT_RECOMMENDED}
RULE_COUNTS = ("applied", "received_proposed", "received_advised_against", "received_failed", "received_alternative",
               "concordant")
STRATUM_COUNTS = ("patients", "received_proposed", "received_advised_against", "received_failed", "no_proposal")
UNRECORDED = "unrecorded"


def matches(proposed: Iterable[str], given: Iterable[str]) -> bool:
    """Whether a given code is one proposed, or a member of a proposed class."""
    given = tuple(given)
    for code in proposed:
        members = CLASSES.get(code)
        for g in given:
            if g == code or (members is not None and g in members):
                return True
    return False


def stratum_of(facts: dict[str, Any]) -> tuple[str, str]:
    site = facts.get("primary_site") or UNRECORDED
    grade = facts.get("grade") or facts.get("lung_histology") or UNRECORDED
    return str(site), str(grade)


def tally_answer(tally: Counter, ev: Any, facts: dict[str, Any], given: tuple[str, ...]) -> None:
    """Add one patient's counts to `tally` (a Counter keyed by tuples, so chunks merge by addition in any order).
    `facts` are the facts evaluate() used (given and derived)."""
    site, grade = stratum_of(facts)
    failed = tuple(facts.get("failed_therapies") or ())
    got_failed = matches(failed, given)
    definite = [r for r in ev.recommendations if r.kind in TREATMENT_KINDS and not r.provisional]
    provisional = [r for r in ev.recommendations if r.kind in TREATMENT_KINDS and r.provisional]
    against = [r for r in ev.recommendations if r.kind == NOT_RECOMMENDED and not r.provisional]
    against_p = [r for r in ev.recommendations if r.kind == NOT_RECOMMENDED and r.provisional]
    for rec in ev.recommendations:
        if rec.kind not in COMPARED_KINDS:
            continue
        key = ("rule", rec.rule_id, rec.kind, site, grade, rec.provisional)
        tally[key + ("applied",)] += 1
        if got_failed:
            tally[key + ("received_failed",)] += 1
        hit = matches(rec.interventions, given)
        if rec.kind == NOT_RECOMMENDED:
            if hit:
                tally[key + ("received_advised_against",)] += 1
            else:
                tally[key + ("concordant",)] += 1
        elif hit:
            tally[key + ("received_proposed",)] += 1
            tally[key + ("concordant",)] += 1
        elif any(matches(o.interventions, given) for o in definite if o.rule_id != rec.rule_id):
            tally[key + ("received_alternative",)] += 1
    for prov, props, advised in ((False, definite, against), (True, provisional, against_p)):
        key = ("stratum", site, grade, prov)
        if not prov:
            tally[key + ("patients",)] += 1
            if got_failed:
                tally[key + ("received_failed",)] += 1
            if not definite and not provisional:
                tally[key + ("no_proposal",)] += 1
        if any(matches(r.interventions, given) for r in props):
            tally[key + ("received_proposed",)] += 1
        if any(matches(r.interventions, given) for r in advised):
            tally[key + ("received_advised_against",)] += 1


@dataclass
class RuleRow:
    rule_id: str
    kind: str
    definite: dict[str, int]
    provisional: dict[str, int]
    strata: list[dict[str, Any]] = field(default_factory=list)  # per site and grade, both parts

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "kind": self.kind, "definite": self.definite,
                "provisional": self.provisional, "strata": self.strata}


@dataclass
class ConcordanceReport:
    """The concordance of a cohort: per rule and per stratum, definite and provisional apart (module docstring)."""

    rulebook_version: str
    records: int
    with_treatment: int
    rules: list[RuleRow]
    strata: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"report": "netguide-concordance", "format": 1, "rulebook_version": self.rulebook_version,
                "records_evaluated": self.records, "records_with_treatment": self.with_treatment,
                "definitions": DEFINITIONS, "rules": [r.to_dict() for r in self.rules], "strata": self.strata}


DEFINITIONS = {
    "applied": "patients with a recorded treatment whose answer shows the rule",
    "received_proposed": "given an intervention the rule (or, per stratum, any definite proposal) puts forward",
    "received_advised_against": "given an intervention the rule (or, per stratum, any not_recommended advice) "
                                "advises against",
    "received_failed": "given a therapy the record lists in failed_therapies",
    "received_alternative": "given none of the rule's interventions but one another definite proposal of the same "
                            "answer puts forward",
    "concordant": "given one of the rule's proposals, or none of what it advises against",
    "no_proposal": "the answer proposes no treatment (advice against, tumour board, silent area, out of scope)",
    "provisional": "the same counts for advice shown provided that an undecided exception does not hold",
}


def _counts(names: tuple[str, ...], tally: Counter, key: tuple) -> dict[str, int]:
    return {n: tally.get(key + (n,), 0) for n in names}


def build_report(tally: Counter, rulebook_version: str, records: int, rule_order: dict[str, int]) -> ConcordanceReport:
    """The report from a merged tally; rules in rulebook order (`rule_order`: rule id -> index), strata sorted."""
    rule_keys: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for key in tally:
        if key[0] == "rule":
            rule_keys.setdefault((key[1], key[2]), set()).add((key[3], key[4]))
    rows = []
    for (rid, kind), strata in sorted(rule_keys.items(), key=lambda kv: (rule_order.get(kv[0][0], 1 << 30), kv[0])):
        total_d: Counter = Counter()
        total_p: Counter = Counter()
        per = []
        for site, grade in sorted(strata):
            d = _counts(RULE_COUNTS, tally, ("rule", rid, kind, site, grade, False))
            p = _counts(RULE_COUNTS, tally, ("rule", rid, kind, site, grade, True))
            total_d.update(d)
            total_p.update(p)
            per.append({"primary_site": site, "grade": grade, "definite": d, "provisional": p})
        rows.append(RuleRow(rid, kind, {n: total_d[n] for n in RULE_COUNTS}, {n: total_p[n] for n in RULE_COUNTS},
                            per))
    strata_keys = sorted({(k[1], k[2]) for k in tally if k[0] == "stratum"})
    strata = [{"primary_site": s, "grade": g,
               "definite": _counts(STRATUM_COUNTS, tally, ("stratum", s, g, False)),
               "provisional": _counts(("received_proposed", "received_advised_against"), tally,
                                      ("stratum", s, g, True))}
              for s, g in strata_keys]
    with_treatment = sum(s["definite"]["patients"] for s in strata)
    return ConcordanceReport(rulebook_version, records, with_treatment, rows, strata)


def _share(n: int, d: int) -> str:
    return f"{n:,} ({100 * n / d:.1f} %)" if d and n else f"{n:,}"


def _counts_line(c: dict[str, int], proposing: bool) -> str:
    n = c["applied"]
    parts = [f"applied {n:,}"]
    if proposing:
        parts += [f"given it {_share(c['received_proposed'], n)}",
                  f"given another proposed option {_share(c['received_alternative'], n)}"]
    else:
        parts.append(f"given it anyway {_share(c['received_advised_against'], n)}")
    parts += [f"given a failed therapy {_share(c['received_failed'], n)}",
              f"concordant {_share(c['concordant'], n)}"]
    return "; ".join(parts)


@text_reporter(ConcordanceReport)
def render_concordance(report: ConcordanceReport, **_: Any) -> str:
    out = [f"concordance with rulebook {report.rulebook_version}: {report.with_treatment:,} of "
           f"{report.records:,} evaluated records give the treatment received",
           "", "per rule (provisional advice, shown \"provided that ...\", counted apart):"]
    for r in report.rules:
        proposing = r.kind != NOT_RECOMMENDED
        out.append(f"  {r.rule_id} ({r.kind}{': advises against' if not proposing else ''})")
        if r.definite["applied"]:
            out.append("    " + _counts_line(r.definite, proposing))
        if r.provisional["applied"]:
            out.append("    provisional: " + _counts_line(r.provisional, proposing))
    if not report.rules:
        out.append("  (no proposing or advising-against rule applied to a patient with a recorded treatment)")
    out += ["", "per primary site and grade (each patient once, whatever rules applied):"]
    for s in report.strata:
        d, p = s["definite"], s["provisional"]
        n = d["patients"]
        line = (f"  {s['primary_site']} {s['grade']}: {n:,} patient{'s' if n != 1 else ''}; given a proposed therapy "
                f"{_share(d['received_proposed'], n)}; given one advised against {_share(d['received_advised_against'], n)}; "
                f"given a failed therapy {_share(d['received_failed'], n)}; no treatment proposed {_share(d['no_proposal'], n)}")
        if p["received_proposed"] or p["received_advised_against"]:
            line += (f"; provisional: given a proposed therapy {_share(p['received_proposed'], n)}, one advised "
                     f"against {_share(p['received_advised_against'], n)}")
        out.append(line)
    return "\n".join(out)
