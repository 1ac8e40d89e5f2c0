"""Sign-off that notices change: a fingerprint of each rule's clinical meaning, the review state of every rule, the
signed rules whose meaning changed since, and `netguide signoff` writing a sign-off into its rule file.

The fingerprint hashes what a clinician signs, not how it is written: the parsed condition (so reordering the facts
of a `when`, the values of a list, or re-wrapping a folded statement changes nothing), the conclusion and how it
combines with other rules, and the evidence. Comments, `notes`, `title`, `encodes` and layout are not part of it.
Each of the three parts has its own hash, so a stale sign-off can say which part changed.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netguide.conditions import All, Condition, Not, Test
from netguide.errors import Location, Problem, UsageError

PARTS = ("condition", "conclusion", "evidence")


def _canonical_condition(cond: Condition | None) -> Any:
    """A condition as plain data that does not depend on how it was written: conjuncts and alternatives sorted."""
    if cond is None:
        return None
    if isinstance(cond, Test):
        value = cond.value
        if isinstance(value, frozenset):
            value = sorted(map(str, value))
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        return ["test", cond.fact, cond.op, value]
    if isinstance(cond, Not):
        return ["not", _canonical_condition(cond.item)]
    items = sorted((_canonical_condition(i) for i in cond.items), key=lambda x: json.dumps(x, sort_keys=True))
    return ["all" if isinstance(cond, All) else "any", items]


def _words(text: str | None) -> str | None:
    return " ".join(text.split()) if text is not None else None


def meaning(loaded) -> dict[str, Any]:
    """The parts of a rule's clinical meaning, as plain data (what the fingerprint hashes; `netguide diff` compares
    the same parts)."""
    rule = loaded.rule
    then = rule.then
    return {
        "condition": {"when": _canonical_condition(loaded.when_condition or loaded.condition),
                      "unless": _canonical_condition(loaded.exception), "provided": _words(rule.provided)},
        "conclusion": {"kind": then.kind, "interventions": sorted(then.interventions), "trials": sorted(then.trials),
                       "statement": _words(then.statement), "overrides": sorted(rule.overrides),
                       "shown_with": sorted(rule.shown_with), "fallback": rule.fallback},
        "evidence": [{"section": _words(c.section), "quote": _words(c.quote), "references": sorted(c.references),
                      "figures": _words(c.figures)} for c in rule.evidence],
    }


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[:12]


def part_hashes(loaded) -> dict[str, str]:
    m = meaning(loaded)
    return {part: _hash(m[part]) for part in PARTS}


def fingerprint(loaded) -> str:
    """`condition <hash>, conclusion <hash>, evidence <hash>` of the rule as it is now."""
    hashes = part_hashes(loaded)
    return ", ".join(f"{part} {hashes[part]}" for part in PARTS)


def parse_fingerprint(text: str) -> dict[str, str]:
    return dict(piece.split(" ", 1) for piece in text.split(", "))


@dataclass(frozen=True)
class SignoffState:
    """A rule's review state: draft, reviewed or signed; by whom and when; and whether its meaning changed since."""

    rule_id: str
    status: str
    by: str | None
    date: str | None
    signed_fingerprint: str | None
    current_fingerprint: str
    changed_parts: tuple[str, ...]  # the parts whose hash differs from the signed one (empty when unchanged)
    location: Location

    @property
    def changed(self) -> bool:
        """Reviewed or signed, and its meaning is no longer what was reviewed."""
        return self.status != "draft" and bool(self.changed_parts)

    @property
    def incomplete(self) -> bool:
        """Reviewed or signed with no record of who, when and what."""
        return self.status != "draft" and self.signed_fingerprint is None

    @property
    def label(self) -> str:
        if self.incomplete:
            return f"{self.status}, not recorded"
        if self.changed:
            return f"{self.status} by {self.by} on {self.date}, changed since ({', '.join(self.changed_parts)})"
        if self.status == "draft":
            return "draft" + (f" (last reviewed by {self.by} on {self.date})" if self.by else "")
        return f"{self.status} by {self.by} on {self.date}"

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "status": self.status, "by": self.by, "date": self.date,
                "signed_fingerprint": self.signed_fingerprint, "current_fingerprint": self.current_fingerprint,
                "changed": self.changed, "changed_parts": list(self.changed_parts), "location": str(self.location)}


def signoff_state(loaded) -> SignoffState:
    rule = loaded.rule
    current = fingerprint(loaded)
    review = rule.review
    changed: tuple[str, ...] = ()
    if review is not None:
        signed, now = parse_fingerprint(review.fingerprint), part_hashes(loaded)
        changed = tuple(p for p in PARTS if signed.get(p) != now[p])
    where = loaded.location("review") if review is not None else loaded.location("status")
    return SignoffState(rule.id, rule.status, review.by if review else None, review.date if review else None,
                        review.fingerprint if review else None, current, changed, where)


def signoff_states(book) -> list[SignoffState]:
    return [signoff_state(r) for r in book.rules]


def signoff_problems(book) -> list[Problem]:
    """What `netguide check` reports: every reviewed or signed rule whose meaning changed since, or whose sign-off
    was never recorded."""
    problems = []
    for s in signoff_states(book):
        if s.incomplete:
            problems.append(Problem(
                "signoff-not-recorded", f"rule '{s.rule_id}' is {s.status}, but who, when and what was reviewed is "
                "not recorded", s.location, field="review",
                suggestion=f"netguide signoff {s.rule_id} --by NAME" + (" --state reviewed" if s.status == "reviewed" else "")))
        elif s.changed:
            problems.append(Problem(
                "changed-since-signoff", f"rule '{s.rule_id}' was {s.status} by {s.by} on {s.date}, but its "
                f"{' and '.join(s.changed_parts)} changed since: have it reviewed again, then run `netguide signoff "
                f"{s.rule_id} --by NAME`, or set its status back to draft", s.location, field="review",
                value=s.signed_fingerprint, allowed=s.current_fingerprint))
    return problems


# ------------------------------------------------------------------------------------------- writing a sign-off

_STATUS_LINE = re.compile(r"^(?P<head>\s*status:[ \t]*)(?P<value>[A-Za-z_]+)(?P<tail>[ \t]*(#.*)?)$")


def record_signoff(book, rule_id: str, by: str, state: str = "signed", date: str | None = None) -> Path:
    """Write `status: <state>` and `review: {by, date, fingerprint}` into the rule's file, changing no other line
    (comments and layout stay); return the file written. The file is re-read before it is replaced: if anything but
    the rule's status and review would change, nothing is written."""
    from netguide.rulebook.schema import ReviewRecord, STATUSES
    from netguide.rulebook.source import load_text

    if state not in STATUSES[1:]:
        raise UsageError(f"--state {state!r}: a sign-off records 'reviewed' or 'signed'")
    loaded = book.by_id.get(rule_id)
    if loaded is None:
        from netguide.suggestions import suggest

        hint = suggest(rule_id, book.by_id)
        raise UsageError(f"no rule '{rule_id}'" + (f" (did you mean '{hint}'?)" if hint else ""))
    by = " ".join(by.split())
    date = date or _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    try:
        record = ReviewRecord(by=by, date=date, fingerprint=fingerprint(loaded))
    except Exception as exc:  # pydantic's message names the field
        raise UsageError(f"invalid sign-off: {_first_error(exc)}") from None
    path = book.directory / Path(loaded.path).name
    original = path.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    status_line = loaded.location("status").line - 1
    m = _STATUS_LINE.match(lines[status_line].rstrip("\r\n"))
    if m is None or loaded.location("status").column != len(m["head"]) - len(m["head"].lstrip()) + 1:
        raise UsageError(f"{loaded.location('status')}: the rule's status is not on a line of its own "
                         "(`status: draft`), so it cannot be edited without changing the layout; write it that way first")
    newline = "\r\n" if lines[status_line].endswith("\r\n") else "\n"
    indent = m["head"][: len(m["head"]) - len(m["head"].lstrip())]
    lines[status_line] = f"{m['head']}{state}{m['tail']}{newline}"
    review_line = (f"{indent}review: {{by: {json.dumps(record.by, ensure_ascii=False)}, date: \"{record.date}\", "
                   f"fingerprint: \"{record.fingerprint}\"}}{newline}")
    kp = ("rules", loaded.index_in_file, "review")
    if kp in loaded.locator:
        start = loaded.locator.find(kp).line - 1
        end = _block_end(lines, start)
        lines[start:end] = [review_line]
    else:
        lines.insert(status_line + 1, review_line)
    text = "".join(lines)
    _verify_only_signoff_changed(original, text, str(path), loaded.index_in_file, load_text)
    _replace(path, text)
    return path


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        e = errors()[0]
        return f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {e.get('input')!r})"
    return str(exc)


def _block_end(lines: list[str], start: int) -> int:
    """The line after the key at `start` and its value (the lines indented deeper than the key)."""
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while end < len(lines):
        stripped = lines[end].strip()
        if stripped and len(lines[end]) - len(lines[end].lstrip()) <= indent:
            break
        end += 1
    while end > start + 1 and not lines[end - 1].strip():  # blank lines after the block belong to the layout
        end -= 1
    return end


def _verify_only_signoff_changed(before: str, after: str, shown: str, index: int, load_text) -> None:
    old, _ = load_text(before, shown)
    new, _ = load_text(after, shown)
    for data in (old, new):
        for key in ("status", "review"):
            data["rules"][index].pop(key, None)
    if old != new:
        raise UsageError(f"{shown}: recording the sign-off would change more than the rule's status and review; "
                         "nothing was written")


def _replace(path: Path, text: str) -> None:
    """Write the file whole or not at all (a crash midway must not leave half a rule file), keeping its mode."""
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
