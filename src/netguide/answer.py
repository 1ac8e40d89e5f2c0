"""An answer a clinician reads at a glance: the recommendations grouped by the question each one answers, with
conclusions of the same kind and interventions merged (every statement and citation kept).

Plain data built from an Evaluation; the text reporter renders it. Nothing here decides anything: which rules are
shown, provisional or withdrawn is the evaluation's; this only sorts and merges what it returned.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netguide.results import Citation, Evaluation, Recommendation

# Interventions that name a kind of treatment rather than a chemotherapy regimen: a conclusion about these answers
# "is treatment indicated, and which kind", one about a regimen answers "which regimen".
TREATMENT_CLASSES = frozenset({"CHEMOTHERAPY", "SSA", "EVEROLIMUS", "SUNITINIB", "PRRT", "SURGERY", "TARE",
                               "OBSERVATION", "IFN_ALPHA"})

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("indication", "Is treatment indicated, and which kind?"),
    ("regimens", "Which chemotherapy regimens?"),
    ("cautions", "Cautions"),
    ("silent", "Where the review gives no answer"),
    ("trials", "Clinical trials"),
)


def question_of(rec: Recommendation) -> str:
    """The question a recommendation answers (a key of QUESTIONS)."""
    if rec.kind == "clinical_trial":
        return "trials"
    if rec.kind == "caution":
        return "cautions"
    if rec.kind == "insufficient_evidence":
        return "silent"
    if rec.kind in ("out_of_scope", "refer_mdt") or set(rec.interventions) <= TREATMENT_CLASSES:
        return "indication"
    return "regimens"


@dataclass(frozen=True)
class AnswerItem:
    """One conclusion as the clinician reads it: a kind and its interventions, said by one or more rules."""

    kind: str
    interventions: tuple[str, ...]
    trials: tuple[str, ...]
    statements: tuple[str, ...]
    rule_ids: tuple[str, ...]
    citations: tuple[Citation, ...]
    provisional: bool  # every merged rule's advice is provisional
    provided_that: tuple[str, ...]  # what must be true, for each provisional rule
    confirm: tuple[str, ...]  # the facts to record that would settle it
    withdrawn_interventions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "interventions": list(self.interventions), "trials": list(self.trials),
                "statements": list(self.statements), "rule_ids": list(self.rule_ids),
                "citations": [c.to_dict() for c in self.citations], "provisional": self.provisional,
                "provided_that": list(self.provided_that), "confirm": list(self.confirm),
                "withdrawn_interventions": list(self.withdrawn_interventions)}


@dataclass(frozen=True)
class AnswerGroup:
    key: str
    question: str
    items: tuple[AnswerItem, ...]


def _merge(recs: list[Recommendation]) -> AnswerItem:
    first = recs[0]
    if len(recs) == 1:  # most items: one rule's conclusion, as it is (the general case below, written out)
        provisional = first.provisional
        return AnswerItem(
            first.kind, first.interventions, first.trials, (first.statement,), (first.rule_id,),
            tuple(first.citations), provisional,
            (first.provided_that,) if provisional and first.provided_that else (),
            tuple(dict.fromkeys(first.confirm)) if provisional else (),
            tuple(dict.fromkeys(first.withdrawn_interventions)))
    citations: list[Citation] = []
    for r in recs:
        citations += [c for c in r.citations if c not in citations]
    return AnswerItem(
        first.kind, first.interventions, first.trials,
        tuple(dict.fromkeys(r.statement for r in recs)), tuple(r.rule_id for r in recs), tuple(citations),
        all(r.provisional for r in recs),
        tuple(dict.fromkeys(r.provided_that for r in recs if r.provisional and r.provided_that)),
        tuple(dict.fromkeys(f for r in recs if r.provisional for f in r.confirm)),
        tuple(dict.fromkeys(i for r in recs for i in r.withdrawn_interventions)))


def _group(recs: tuple[Recommendation, ...]) -> tuple[AnswerGroup, ...]:
    by_question: dict[str, dict[tuple, list[Recommendation]]] = {key: {} for key, _ in QUESTIONS}
    for r in recs:
        key = (r.kind, frozenset(r.interventions), frozenset(r.trials), r.provisional)
        by_question[question_of(r)].setdefault(key, []).append(r)
    return tuple(AnswerGroup(key, text, tuple(_merge(recs) for recs in by_question[key].values()))
                 for key, text in QUESTIONS if by_question[key])


# Answers already grouped, by the identities of their recommendations. Recommendations are the rulebook's own
# objects (evaluation keeps withdrawn and provisional ones on their rule too), shared by every patient shown them, so
# patients who get the same advice share one grouping (frozen data, like the recommendations themselves). An entry
# holds its recommendations, so no id in a key can be reused while the entry lives. Bounded: the combinations are
# many (7,686 distinct in 40,000 realistic records), and a hand-built Evaluation's objects are its own.
_GROUPED: dict[tuple[int, ...], tuple[tuple[Recommendation, ...], tuple[AnswerGroup, ...]]] = {}
MAX_GROUPED = 10_000


def group_answer(ev: Evaluation) -> tuple[AnswerGroup, ...]:
    """The recommendations by question, in the evaluation's order; within a question, those with the same kind,
    interventions and trials merged into one item (definite and provisional advice are never merged: a definite
    statement must not read as provisional, nor the reverse)."""
    recs = tuple(ev.recommendations)  # the entry's own, whatever sequence a hand-built Evaluation was given
    key = tuple(map(id, recs))
    entry = _GROUPED.get(key)
    if entry is not None:
        return entry[1]
    groups = _group(recs)
    if len(_GROUPED) >= MAX_GROUPED:
        _GROUPED.clear()
    _GROUPED[key] = (recs, groups)
    return groups
