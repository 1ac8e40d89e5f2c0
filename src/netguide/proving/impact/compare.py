"""Rules added, removed and changed between two rulebooks, each change said in clinical words: which condition,
which conclusion, which quote. "Changed" means changed in clinical meaning (rulebook.signoff.meaning, the same parts
a sign-off fingerprints); a retitled or re-commented rule is listed apart, as edited."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from netguide.conditions.plain import intervention_words, plain_text
from netguide.rulebook.signoff import PARTS, meaning


@dataclass(frozen=True)
class RuleChange:
    rule_id: str
    parts: tuple[str, ...]  # which parts of the meaning changed: condition, conclusion, evidence
    said: tuple[str, ...]  # each change in words
    where: str  # the rule in the new rulebook, file:line

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "parts": list(self.parts), "changes": list(self.said), "location": self.where}


@dataclass(frozen=True)
class RuleDiff:
    added: tuple[tuple[str, str, str], ...] = ()  # (rule id, its conclusion in words, file:line)
    removed: tuple[tuple[str, str, str], ...] = ()
    changed: tuple[RuleChange, ...] = ()
    edited: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # (rule id, keys) changed without meaning

    def to_dict(self) -> dict[str, Any]:
        return {"added": [{"rule_id": r, "conclusion": c, "location": w} for r, c, w in self.added],
                "removed": [{"rule_id": r, "conclusion": c, "location": w} for r, c, w in self.removed],
                "changed": [c.to_dict() for c in self.changed],
                "edited_without_change_of_meaning": [{"rule_id": r, "keys": list(k)} for r, k in self.edited]}


def conclusion_words(loaded) -> str:
    then = loaded.rule.then
    codes = [intervention_words(c) for c in then.interventions] + list(then.trials)
    return then.kind + (": " + ", ".join(codes) if codes else "")


def condition_words(loaded) -> str:
    text = plain_text(loaded.when_condition or loaded.condition)
    if loaded.exception is not None:
        text += f"; unless {plain_text(loaded.exception)}"
    return text


def _said(old, new) -> list[str]:
    a, b = meaning(old), meaning(new)
    out: list[str] = []
    if a["condition"] != b["condition"]:
        if a["condition"]["when"] != b["condition"]["when"]:
            out.append(f"condition: was “{plain_text(old.when_condition or old.condition)}”, now "
                       f"“{plain_text(new.when_condition or new.condition)}”")
        if a["condition"]["unless"] != b["condition"]["unless"]:
            was = plain_text(old.exception) if old.exception is not None else "none"
            now = plain_text(new.exception) if new.exception is not None else "none"
            out.append(f"exception (unless): was “{was}”, now “{now}”")
        if a["condition"]["provided"] != b["condition"]["provided"]:
            out.append(f"provided that: was “{a['condition']['provided']}”, now “{b['condition']['provided']}”")
    ca, cb = a["conclusion"], b["conclusion"]
    if ca["kind"] != cb["kind"]:
        out.append(f"conclusion: was {ca['kind']}, now {cb['kind']}")
    for key, what in (("interventions", "interventions"), ("trials", "trials"), ("overrides", "overrides"),
                      ("shown_with", "shown with")):
        gone, came = sorted(set(ca[key]) - set(cb[key])), sorted(set(cb[key]) - set(ca[key]))
        if gone or came:
            words = intervention_words if key in ("interventions", "shown_with") else str
            out.append(f"{what}: " + "; ".join(
                ([f"added {', '.join(map(words, came))}"] if came else [])
                + ([f"removed {', '.join(map(words, gone))}"] if gone else [])))
    if ca["statement"] != cb["statement"]:
        out.append(f"statement: now “{cb['statement']}”")
    if ca["fallback"] != cb["fallback"]:
        out.append(f"fallback: now {cb['fallback']}")
    qa = {c["quote"]: c for c in a["evidence"]}
    qb = {c["quote"]: c for c in b["evidence"]}
    for q in qb.keys() - qa.keys():
        out.append(f"evidence: quote added ({qb[q]['section']}): “{q}”")
    for q in qa.keys() - qb.keys():
        out.append(f"evidence: quote removed ({qa[q]['section']}): “{q}”")
    for q in qa.keys() & qb.keys():
        for key in ("section", "references", "figures"):
            if qa[q][key] != qb[q][key]:
                out.append(f"evidence: {key} of “{q[:60]}{'…' if len(q) > 60 else ''}” was {qa[q][key]}, now {qb[q][key]}")
    if [c["quote"] for c in a["evidence"]] != [c["quote"] for c in b["evidence"]] and qa.keys() == qb.keys():
        out.append("evidence: the quotes are in another order (the first is the one an answer shows first)")
    return out


_NOT_MEANING = ("title", "notes", "encodes", "status", "review")


def compare_rules(old_book, new_book) -> RuleDiff:
    old, new = old_book.by_id, new_book.by_id
    added = tuple((r, conclusion_words(new[r]), new[r].where) for r in new if r not in old)
    removed = tuple((r, conclusion_words(old[r]), old[r].where) for r in old if r not in new)
    changed, edited = [], []
    for rid in (r for r in new if r in old):
        a, b = meaning(old[rid]), meaning(new[rid])
        parts = tuple(p for p in PARTS if a[p] != b[p])
        if parts:
            changed.append(RuleChange(rid, parts, tuple(_said(old[rid], new[rid])), new[rid].where))
        else:
            keys = tuple(k for k in _NOT_MEANING if getattr(old[rid].rule, k) != getattr(new[rid].rule, k))
            if keys:
                edited.append((rid, keys))
    return RuleDiff(added, removed, tuple(changed), tuple(edited))
