"""Whether a mutant can be told from the original: a patient on whom the two conditions differ, or a proof that none exists."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from netguide import conditions

from .operators import Mutant


def _engine_condition(raw_rule: dict) -> conditions.Condition | None:
    """What the engine tests for a raw rule: `when`, and its `unless` not known to hold (None when invalid)."""
    when, _ = conditions.parse_condition(raw_rule["when"], ("when",))
    if when is None or raw_rule.get("unless") is None:
        return when
    unless, _ = conditions.parse_condition(raw_rule["unless"], ("unless",))
    return None if unless is None else conditions.with_exception(when, unless)


def distinguishing_patient(m: Mutant, datas: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """A patient for whom the mutated rule's condition and the original's differ (for drop_intervention: one
    for whom the rule fires), as ("differs" | "fires", facts); ("equivalent", None) when no patient can tell
    them apart (proved over the candidate values of both conditions, see netguide.proving.analysis)."""
    from netguide.proving.analysis import alternatives, fact_space, witness

    name = Path(m.file).name
    index = m.edit[1]
    before = _engine_condition(datas[name]["rules"][index])
    after = _engine_condition(m.apply(datas[name])["rules"][index])
    if before is None or after is None:
        return "invalid", None
    space = fact_space([before, after])
    goals = [before] if m.operator == "drop_intervention" else [
        conditions.All((before, conditions.not_true(after))), conditions.All((after, conditions.not_true(before)))]
    for goal in goals:
        for alt in alternatives(goal) or []:
            w = witness(alt, space)
            if w is not None:
                return ("fires" if m.operator == "drop_intervention" else "differs"), \
                    {k: (list(v) if isinstance(v, tuple) else v) for k, v in w.items()}
    return "equivalent", None
