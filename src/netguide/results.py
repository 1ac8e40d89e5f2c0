"""What an evaluation returns: frozen, plain data with to_dict() for JSON callers."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Citation:
    """A passage of the review: its section, a verbatim quote, the review's reference numbers, study figures."""

    section: str
    quote: str
    references: tuple[int, ...] = ()
    figures: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"section": self.section, "quote": self.quote, "references": list(self.references),
                "figures": self.figures}


@dataclass(frozen=True)
class Recommendation:
    """One conclusion of one rule for this patient."""

    rule_id: str
    kind: str
    interventions: tuple[str, ...]
    trials: tuple[str, ...]
    statement: str
    citations: tuple[Citation, ...]
    title: str = ""
    # Interventions the rule names that are not proposed to this patient: they already failed, or a prerequisite is
    # known to be unmet (rules/prerequisites.yaml); the trace says which. The statement, the review's words, still
    # names them.
    withdrawn_interventions: tuple[str, ...] = ()
    # Provisional advice: the rule's exception (`unless`) cannot be decided because facts are not recorded. The advice
    # stands provided that `provided_that` is true; `confirm` names the facts to record, `withdrawn_if` the values that
    # would withdraw it. Definite advice has provisional False and the three empty.
    provisional: bool = False
    confirm: tuple[str, ...] = ()
    provided_that: str = ""
    withdrawn_if: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "kind": self.kind, "interventions": list(self.interventions),
                "trials": list(self.trials), "statement": self.statement, "title": self.title,
                "citations": [c.to_dict() for c in self.citations],
                "withdrawn_interventions": list(self.withdrawn_interventions),
                "provisional": self.provisional, "confirm": list(self.confirm), "provided_that": self.provided_that,
                "withdrawn_if": self.withdrawn_if}


@dataclass(frozen=True)
class MissingFact:
    """A fact that is not known and would let these rules decide (fire or not)."""

    fact: str
    rules: tuple[str, ...]
    allowed: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "rules": list(self.rules), "allowed": self.allowed}


@dataclass(frozen=True)
class Finding:
    """A consistency warning about the input facts (they were still evaluated as given)."""

    code: str
    message: str
    facts: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "facts": list(self.facts)}


@dataclass(frozen=True)
class DerivedFact:
    """A fact the record did not give but its other facts settle (rules/implications.yaml)."""

    fact: str
    value: Any
    implication: str  # the implication's id
    from_facts: tuple[str, ...]  # the known facts it was derived from
    why: str  # the vocabulary meaning or the review's sentence it rests on

    def to_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, list) else self.value  # JSON data of its own, not the answer's
        return {"fact": self.fact, "value": value, "implication": self.implication,
                "from_facts": list(self.from_facts), "why": self.why}


_ATOMIC = (str, int, float, bool, type(None))  # asdict returns these as they are (copy.deepcopy's atomic types)


@dataclass(frozen=True)
class TraceStep:
    """Why a rule fired: the facts it tested, its condition, and what became of its conclusion."""

    rule_id: str
    outcome: str  # derived (an implication) | shown | provisional | overridden | withdrawn_failed | withdrawn_prerequisite | not_shown |
    # fallback_not_needed
    facts: dict[str, Any]
    condition: str
    location: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        # What dataclasses.asdict gives (every list copied, nothing shared with the step), written out: asdict
        # walks and deep-copies every value, 7x slower. Facts hold scalars and lists of codes; anything else
        # takes asdict's own path, so the output is the same whatever a caller put in a step.
        if not (type(self.facts) is dict and type(self.rule_id) is str and type(self.outcome) is str
                and type(self.condition) is str and type(self.location) is str and type(self.detail) is str):
            return asdict(self)
        facts = {}
        for name, value in self.facts.items():
            kind = type(value)
            if kind is list and all([type(v) is str for v in value]):
                value = value[:]
            elif kind not in _ATOMIC:
                return asdict(self)
            facts[name] = value
        return {"rule_id": self.rule_id, "outcome": self.outcome, "facts": facts, "condition": self.condition,
                "location": self.location, "detail": self.detail}


@dataclass(frozen=True)
class Evaluation:
    """The answer for one patient."""

    recommendations: tuple[Recommendation, ...]
    missing_facts: tuple[MissingFact, ...]
    findings: tuple[Finding, ...]
    rulebook_version: str
    trace: tuple[TraceStep, ...] = field(default=())
    derived_facts: tuple[DerivedFact, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "rulebook_version": self.rulebook_version,
            "recommendations": [r.to_dict() for r in self.recommendations],
            "missing_facts": [m.to_dict() for m in self.missing_facts],
            "findings": [f.to_dict() for f in self.findings],
            "derived_facts": [d.to_dict() for d in self.derived_facts],
            "trace": [t.to_dict() for t in self.trace],
            # the same recommendations grouped by the question each answers, for a display (netguide.answer)
            "answer": [{"key": g.key, "question": g.question, "items": [i.to_dict() for i in g.items]}
                       for g in self.answer_groups()],
        }

    def answer_groups(self):
        from netguide.answer import group_answer  # answer builds on these results

        return group_answer(self)

    def __getstate__(self) -> dict[str, Any]:
        # Pickled (a process pool's result, copy.copy) with every field computed: a deferred value does not travel.
        for name in _COMPUTED_ON_READ:
            getattr(self, name)
        return dict(self.__dict__)


class Deferred:
    """A field value computed when first read (see _ComputedOnRead): evaluate() gives missing_facts this way,
    since many callers never read them."""

    __slots__ = ("compute",)

    def __init__(self, compute: Callable[[], Any]):
        self.compute = compute


class _ComputedOnRead:
    """A dataclass field that may be given as a Deferred: the first read computes and keeps the value, so every
    read, ==, repr, to_dict(), dataclasses.replace/asdict and pickling see exactly the value an eager field would
    hold. A data descriptor: the frozen dataclass's own __init__ stores through it."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        try:
            value = obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None
        if type(value) is Deferred:
            value = obj.__dict__[self.name] = value.compute()
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = value


_COMPUTED_ON_READ = ("missing_facts",)
for _name in _COMPUTED_ON_READ:  # after @dataclass, which must not take the descriptor for a default
    setattr(Evaluation, _name, _ComputedOnRead(_name))
