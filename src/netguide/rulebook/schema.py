"""The schema of one rule file (rules/<area>.yaml), as pydantic models.

YAML keys are exactly these field names, so a pydantic error `loc` is the YAML key path and points at the
line to edit. `when` is parsed by netguide.conditions, which knows the facts and their types.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from netguide.vocabulary import INTERVENTIONS, KINDS, TRIALS

RULE_ID_PATTERN = r"^[a-z0-9_]+\.[a-z0-9_]+$"
STATUSES = ("draft", "reviewed", "signed")

InterventionCode = Literal[tuple(INTERVENTIONS)]  # type: ignore[valid-type]
Kind = Literal[tuple(KINDS)]  # type: ignore[valid-type]
TrialNumber = Literal[tuple(TRIALS)]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CitationSpec(_Strict):
    """A passage of the review that supports the rule."""

    section: str = Field(min_length=1, description="The review's section, e.g. '3.1.4 Role of Chemotherapy in Neoadjuvant/Adjuvant Setting'")
    quote: str = Field(min_length=10, description="A verbatim passage of the review (line-wrap hyphenation repaired)")
    references: list[int] = Field(default_factory=list, description="The review's bracketed reference numbers, e.g. [24]")
    figures: str | None = Field(default=None, description="Study figures that back the conclusion, e.g. 'ORR 40%, mPFS 22.7 months [24]'")

    @field_validator("references")
    @classmethod
    def _refs_in_range(cls, refs: list[int]) -> list[int]:
        bad = [r for r in refs if not 1 <= r <= 107]
        if bad:
            raise ValueError(f"reference numbers must be the review's own, 1 to 107; got {bad}")
        return refs


# A sign-off's fingerprint: one hash per part of the rule's clinical meaning, so `netguide check` can say which part
# changed (rulebook.signoff computes it).
FINGERPRINT_PATTERN = r"^condition [0-9a-f]{12}, conclusion [0-9a-f]{12}, evidence [0-9a-f]{12}$"


class ReviewRecord(_Strict):
    """Who reviewed or signed the rule, when, and the fingerprint of what they read (written by `netguide signoff`)."""

    by: str = Field(min_length=2, max_length=120, pattern=r"^[^\n\r]+$", description="The clinician's name")
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="The day of the review, YYYY-MM-DD, in quotes")
    fingerprint: str = Field(pattern=FINGERPRINT_PATTERN, description="The rule's clinical meaning when it was "
                             "reviewed: condition, conclusion and evidence hashes (not comments or layout)")


class Conclusion(_Strict):
    """What the rule concludes for a patient it applies to."""

    kind: Kind = Field(description="One of the contract's recommendation kinds")
    interventions: list[InterventionCode] = Field(default_factory=list)
    trials: list[TrialNumber] = Field(default_factory=list)
    statement: str = Field(min_length=10, description="One plain sentence for a clinician")


class Rule(_Strict):
    """One rule: when it applies, what it concludes, and why."""

    id: str = Field(pattern=RULE_ID_PATTERN, description="<file stem>.<slug>, stable forever")
    title: str = Field(min_length=5)
    status: Literal[STATUSES] = Field(description="draft, reviewed (by a clinician) or signed")  # type: ignore[valid-type]
    review: ReviewRecord | None = Field(default=None, description="Who reviewed or signed it, when, and the "
                                        "fingerprint of its meaning then (`netguide signoff` writes it)")
    when: Any = Field(description="The patient facts under which the rule applies (see rules/README.md)")
    unless: Any = Field(default=None, description="An exception: the facts under which the rule does not apply. While "
                        "they are unknown the rule's advice is shown, marked provisional (see rules/README.md)")
    provided: str | None = Field(default=None, min_length=5, description="With `unless`: what must be true for the "
                                 "advice to stand, in plain words (shown as 'provided that ...')")
    then: Conclusion
    evidence: list[CitationSpec] = Field(min_length=1)
    encodes: list[str] = Field(default_factory=list, description="Ids of review-inventory items (or silent-NN areas) this rule carries")
    overrides: list[str] = Field(default_factory=list, description="Rules this exception withdraws from the answer when it fires")
    shown_with: list[InterventionCode] = Field(default_factory=list, description="Shown only when the answer proposes, or the team considers, one of these")
    fallback: bool = Field(default=False, description="Answers only when no other rule (other than trials) does")
    notes: str | None = Field(default=None, description="The author's reasoning on an ambiguity, for reviewers")


class RuleFile(_Strict):
    """One clinical area's rules."""

    format: Literal[1]
    area: str = Field(min_length=3)
    summary: str | None = None
    rules: list[Rule] = Field(min_length=1)


class DeclinedItem(_Strict):
    """An inventory item netguide does not turn into a recommendation of its own, and why."""

    item: str
    reason: str = Field(min_length=10)
    carried_by: list[str] = Field(default_factory=list, description="Rules whose citations carry this item's figures")


class DeclinedFile(_Strict):
    format: Literal[1]
    declined: list[DeclinedItem]
