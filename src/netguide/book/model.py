"""The review book as data: every page's content gathered from the rulebook, the scenarios, the inventory, the rules
README and the review's text, as plain dicts a template renders. Nothing here writes HTML."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netguide import conditions
from netguide.conditions.plain import intervention_words, phrases, plain, plain_text
from netguide.rulebook.signoff import signoff_state
from netguide.vocabulary import KINDS

from .context import ReviewText

# The rules README's sections each whole-book page shows (by heading; a page takes the section and its subsections).
COMBINE_SECTIONS = ("How rules combine", "Order of an answer", "`unless`", "How the evaluation treats failed therapies")
DECISIONS_SECTION = "Decisions"


@dataclass
class BookData:
    version: str
    areas: list[dict[str, Any]]
    rules: list[dict[str, Any]]  # every rule row, in rulebook order
    scenarios: list[dict[str, Any]]
    combine: dict[str, Any]
    decisions_markdown: str | None
    declined: list[dict[str, Any]]
    implications: list[dict[str, Any]]
    invariants: list[dict[str, Any]]
    prerequisites: list[dict[str, Any]]
    coverage: dict[str, Any] | None
    review_found: bool
    review_note: str | None
    signoff: dict[str, int]
    diff: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def scenario_anchor(name: str) -> str:
    return "sc-" + slug(name)


def area_page(path: str) -> str:
    return f"area-{Path(path).stem}.html"


def _plain_tree(cond) -> Any:
    """The plain-words tree as nested dicts for the template: {"text"} or {"join": all|any, "items": [...]}."""
    def walk(p):
        if isinstance(p, str):
            return {"text": p}
        kind, parts = p
        return {"join": kind, "items": [walk(x) for x in parts]}
    return walk(plain(cond))


def fact_label(fact: str) -> str:
    return phrases()[fact]["label"]


def _citation(c, review: ReviewText | None) -> dict[str, Any]:
    quote = " ".join(c.quote.split())
    ctx = review.context(quote) if review is not None else None
    return {"section": c.section, "quote": quote, "references": list(c.references), "figures": c.figures,
            "context": None if ctx is None else {"heading": ctx.heading, "before": ctx.before, "after": ctx.after}}


def _scenarios_by_rule(scenarios) -> tuple[dict[str, list[dict]], list[dict[str, Any]]]:
    from netguide.proving.scenarios import distinct

    by_rule: dict[str, list[dict]] = defaultdict(list)
    rows = []
    for s in distinct(scenarios):
        spec = s.spec
        row = {"name": spec.name, "anchor": scenario_anchor(spec.name), "location": str(s.location),
               "description": getattr(spec, "description", None), "patient": dict(spec.patient),
               "vary": {k: list(v) for k, v in (spec.vary or {}).items()} if getattr(spec, "vary", None) else {},
               "expect": [m.describe() for m in spec.expect], "forbid": [m.describe() for m in spec.forbid],
               "quote": getattr(spec, "quote", None), "independent": "/independent/" in str(s.location)}
        rows.append(row)
        for how, matchers in (("expect", spec.expect), ("forbid", spec.forbid)):
            for m in matchers:
                if m.rule and not any(x["name"] == spec.name and x["how"] == how for x in by_rule[m.rule]):
                    by_rule[m.rule].append({"name": spec.name, "anchor": row["anchor"], "how": how})
    return by_rule, rows


def _rule_row(r, review, tested_by, changed_in_diff) -> dict[str, Any]:
    rule = r.rule
    then = rule.then
    state = signoff_state(r)
    when = r.when_condition or r.condition
    return {
        "id": rule.id, "title": rule.title, "page": area_page(r.path), "location": r.where,
        "when_plain": _plain_tree(when), "when_text": plain_text(when), "when_formal": conditions.describe(when),
        "unless_plain": _plain_tree(r.exception) if r.exception is not None else None,
        "unless_text": plain_text(r.exception) if r.exception is not None else None,
        "unless_formal": conditions.describe(r.exception) if r.exception is not None else None,
        "provided": " ".join(rule.provided.split()) if rule.provided else None,
        "kind": then.kind, "kind_meaning": KINDS[then.kind],
        "interventions": [{"code": c, "words": intervention_words(c)} for c in then.interventions],
        "trials": list(then.trials), "statement": " ".join(then.statement.split()),
        "overrides": list(rule.overrides), "shown_with": list(rule.shown_with), "fallback": rule.fallback,
        "evidence": [_citation(c, review) for c in rule.evidence],
        "tested_by": tested_by,
        "waits_on": [{"fact": f, "label": fact_label(f)} for f in sorted(conditions.facts_of(when))],
        "confirm": [{"fact": f, "label": fact_label(f)} for f in sorted(conditions.facts_of(r.exception))]
        if r.exception is not None else [],
        "notes": " ".join(rule.notes.split()) if rule.notes else None,
        "encodes": list(rule.encodes),
        "signoff": {"status": state.status, "label": state.label, "by": state.by, "date": state.date, "changed": state.changed,
                    "incomplete": state.incomplete, "fingerprint": state.current_fingerprint,
                    "changed_parts": list(state.changed_parts)},
        "changed_in_diff": changed_in_diff.get(rule.id),
    }


def markdown_sections(text: str, titles: tuple[str, ...], drop_heading: bool = False) -> str:
    """The sections of a Markdown text whose heading contains one of `titles`, each with its subsections, each
    section's headings shifted so it opens at level 2 (the page has its own h1); `drop_heading` leaves out the
    sections' own headings (the page's h1 says it)."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(#+) (.*)$", lines[i])
        if m and any(t in m[2] for t in titles):
            level = len(m[1])
            j = i + 1
            while j < len(lines):
                n = re.match(r"^(#+) ", lines[j])
                if n and len(n[1]) <= level:
                    break
                j += 1
            shift = 2 - level - (1 if drop_heading else 0)  # the first level kept opens at h2
            out += _shift_headings(lines[i + 1:j] if drop_heading else lines[i:j], shift) + [""]
            i = j
        else:
            i += 1
    return "\n".join(out)


def _shift_headings(lines: list[str], shift: int) -> list[str]:
    fenced = False
    out = []
    for line in lines:
        fenced ^= line.startswith("```")
        if not fenced and re.match(r"^#+ ", line):
            level = len(line) - len(line.lstrip("#"))
            line = "#" * max(2, level + shift) + line[level:]
        out.append(line)
    return out


def gather(book, scenarios, inventory: dict[str, Any] | None, review: ReviewText | None,
           review_note: str | None, diff: dict[str, Any] | None = None) -> BookData:
    by_rule, scenario_rows = _scenarios_by_rule(scenarios)
    changed_in_diff: dict[str, Any] = {}
    if diff:
        for c in diff["rules"]["changed"]:
            changed_in_diff[c["rule_id"]] = {"how": "changed", "changes": c["changes"]}
        for a in diff["rules"]["added"]:
            changed_in_diff[a["rule_id"]] = {"how": "added", "changes": []}
    rows = [_rule_row(r, review, by_rule.get(r.id, []), changed_in_diff) for r in book.rules]
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r, row in zip(book.rules, rows):
        by_file[r.path].append(row)
    areas = []
    for path in book.files:
        data, _ = _area_header(path)
        areas.append({"file": path, "page": area_page(path), "title": data.get("area", Path(path).stem),
                      "summary": " ".join(str(data.get("summary") or "").split()) or None, "rules": by_file[path]})
    readme = book.directory / "README.md"
    readme_text = readme.read_text(encoding="utf-8") if readme.is_file() else None
    combine = {
        "markdown": markdown_sections(readme_text, COMBINE_SECTIONS) if readme_text else None,
        "exceptions": [{"id": row["id"], "page": row["page"], "overrides": row["overrides"]} for row in rows if row["overrides"]],
        "fallbacks": [{"id": row["id"], "page": row["page"], "kind": row["kind"]} for row in rows if row["fallback"]],
        "cautions": [{"id": row["id"], "page": row["page"], "with": [i["code"] for i in row["interventions"]]
                      + row["shown_with"]} for row in rows if row["kind"] == "caution" or row["shown_with"]],
        "provisional": [{"id": row["id"], "page": row["page"], "provided": row["provided"], "unless": row["unless_text"]}
                        for row in rows if row["unless_text"]],
    }
    decisions = markdown_sections(readme_text, (DECISIONS_SECTION,), drop_heading=True) if readme_text else None
    inventory_items = {it["id"]: it for it in (inventory or {}).get("items", [])}
    declined = []
    for d in (book.declined.declined if book.declined else []):
        item = inventory_items.get(d.item, {})
        declined.append({"item": d.item, "reason": " ".join(d.reason.split()), "carried_by": list(d.carried_by),
                         "statement": " ".join(str(item.get("statement", "")).split()) or None,
                         "section": item.get("section")})
    implications = [{"id": i.id, "title": i.spec.title, "when": plain_text(i.condition),
                     "when_formal": conditions.describe(i.condition), "then": dict(i.then),
                     "because": " ".join(i.spec.because.split()), "location": i.where,
                     "evidence": [_citation(c, review) for c in i.spec.evidence]} for i in book.implications]
    invariants = [{"id": i.id, "title": i.spec.title, "for": plain_text(i.condition), "location": i.where,
                   "requires": _invariant_requires(i.spec), "evidence": [_citation(c, review) for c in i.spec.evidence]}
                  for i in book.invariants]
    prerequisites = [{"id": p.id, "title": p.spec.title, "location": p.where,
                      "interventions": [intervention_words(c) for c in p.spec.interventions],
                      "unmet_when": plain_text(p.condition), "because": " ".join(p.spec.because.split())}
                     for p in book.prerequisites]
    coverage = _coverage(book, scenarios, inventory) if inventory else None
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["signoff"]["status"]] += 1
        counts["changed"] += row["signoff"]["changed"]
    return BookData(book.version_string, areas, rows, scenario_rows, combine, decisions, declined, implications,
                    invariants, prerequisites, coverage, review is not None, review_note, dict(counts), diff)


def _area_header(path: str) -> tuple[dict[str, Any], Any]:
    from netguide.rulebook.source import load

    return load(path)


def _invariant_requires(spec) -> list[str]:
    out = []
    if spec.propose:
        out.append("proposes " + ", ".join(map(intervention_words, spec.propose)))
    if spec.never_propose:
        out.append("never proposes " + ", ".join(map(intervention_words, spec.never_propose)))
    if spec.never_propose_from:
        out.append(f"never proposes anything in {fact_label(spec.never_propose_from)}")
    if spec.require_kind:
        out.append(f"gives at least one {spec.require_kind} conclusion")
    if spec.forbid_rule:
        out.append("never shows " + ", ".join(spec.forbid_rule))
    if spec.forbid_beside_provisional:
        out.append("never shows " + ", ".join(spec.forbid_beside_provisional) + " beside provisional advice")
    return out


def _coverage(book, scenarios, inventory) -> dict[str, Any]:
    from netguide.proving.coverage import compute_coverage

    cov = compute_coverage(book, scenarios, inventory)
    items = []
    for it in inventory.get("items", []):
        v = cov.items[it["id"]]
        items.append({"id": it["id"], "kind": it.get("kind"), "statement": " ".join(str(it.get("statement", "")).split()),
                      "section": it.get("section"), "rules": v["rules"], "declined": v["declined"],
                      "scenarios": [{"name": n, "anchor": scenario_anchor(n)} for n in v["scenarios"]]})
    silent = [{"id": sid, "topic": v["topic"], "rules": v["rules"],
               "scenarios": [{"name": n, "anchor": scenario_anchor(n)} for n in v["scenarios"]]}
              for sid, v in cov.silent.items()]
    return {"summary": cov.summary(), "items": items, "silent": silent, "problems": cov.problems}
