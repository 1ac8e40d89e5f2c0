"""The feedback store: which card (by its uuid) said what rule under which rulebook, and what the clinician did with it
(accepted, overridden, with the override reason's code). SQLite, so it survives a restart and needs no server.

No patient identifier is ever stored: no patient or encounter id, no user id, no free-text comment (a comment can
name a patient); a card is known only by the random uuid the service gave it.
"""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    uuid TEXT PRIMARY KEY, service TEXT NOT NULL, rule_id TEXT NOT NULL, rulebook_version TEXT NOT NULL,
    indicator TEXT NOT NULL, issued_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, card_uuid TEXT NOT NULL, service TEXT NOT NULL, rule_id TEXT NOT NULL,
    rulebook_version TEXT NOT NULL, outcome TEXT NOT NULL, override_code TEXT, override_display TEXT,
    outcome_at TEXT, received_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_rule ON feedback (rule_id);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class FeedbackStore:
    """One SQLite file; safe across the service's worker threads (one connection, one lock)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        # WAL: a reader (netguide feedback summary) never blocks the service; NORMAL: durable at each checkpoint,
        # and a card issued just before a power cut is the worst loss
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def issued(self, service: str, cards: Iterable[tuple[str, str, str, str]]) -> None:
        """Record the cards of one answer: (uuid, rule id, rulebook version, indicator)."""
        rows = [(u, service, r, v, i, _now()) for u, r, v, i in cards]
        with self._lock:  # one transaction per answer, not one per card
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT OR IGNORE INTO cards VALUES (?, ?, ?, ?, ?, ?)", rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def card(self, uuid: str) -> tuple[str, str, str] | None:
        with self._lock:
            row = self._db.execute("SELECT service, rule_id, rulebook_version FROM cards WHERE uuid = ?",
                                   (uuid,)).fetchone()
        return tuple(row) if row else None  # type: ignore[return-value]

    def record(self, card_uuid: str, service: str, rule_id: str, version: str, outcome: str,
               override_code: str | None, override_display: str | None, outcome_at: str | None) -> None:
        with self._lock:
            self._db.execute("INSERT INTO feedback (card_uuid, service, rule_id, rulebook_version, outcome, "
                             "override_code, override_display, outcome_at, received_at) VALUES (?,?,?,?,?,?,?,?,?)",
                             (card_uuid, service, rule_id, version, outcome, override_code, override_display,
                              outcome_at, _now()))

    def close(self) -> None:
        with self._lock:
            self._db.close()


@dataclass(frozen=True)
class RuleFeedback:
    rule_id: str
    cards: int
    accepted: int
    overridden: int
    reasons: dict[str, int] = field(default_factory=dict)  # override reason (code: display) -> count

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "cards": self.cards, "accepted": self.accepted,
                "overridden": self.overridden, "override_reasons": dict(self.reasons)}


@dataclass(frozen=True)
class FeedbackSummary:
    """Overrides per rule, most overridden first: where clinicians disagree with the rules (or the record)."""

    db: str
    rules: tuple[RuleFeedback, ...]
    versions: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"db": self.db, "rulebook_versions": list(self.versions), "rules": [r.to_dict() for r in self.rules]}


def summarize(path: str | Path) -> FeedbackSummary:
    """Read-only summary of a feedback database."""
    db = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        cards = dict(db.execute("SELECT rule_id, COUNT(*) FROM cards GROUP BY rule_id").fetchall())
        outcomes: dict[str, dict[str, int]] = {}
        for rule, outcome, n in db.execute("SELECT rule_id, outcome, COUNT(*) FROM feedback GROUP BY rule_id, outcome"):
            outcomes.setdefault(rule, {})[outcome] = n
        reasons: dict[str, dict[str, int]] = {}
        for rule, code, display, n in db.execute(
                "SELECT rule_id, override_code, override_display, COUNT(*) FROM feedback WHERE outcome = 'overridden' "
                "GROUP BY rule_id, override_code, override_display"):
            key = f"{code}: {display}" if code else "(no reason given)"
            reasons.setdefault(rule, {})[key] = n
        versions = tuple(v for (v,) in db.execute("SELECT DISTINCT rulebook_version FROM cards ORDER BY 1"))
    finally:
        db.close()
    rules = [RuleFeedback(r, cards.get(r, 0), outcomes.get(r, {}).get("accepted", 0),
                          outcomes.get(r, {}).get("overridden", 0), reasons.get(r, {}))
             for r in set(cards) | set(outcomes)]
    rules.sort(key=lambda r: (-r.overridden, -r.cards, r.rule_id))
    return FeedbackSummary(str(path), tuple(rules), versions)


def render_summary(s: FeedbackSummary, **_: Any) -> str:
    out = [f"feedback in {s.db} (rulebook {', '.join(s.versions) or '-'})"]
    if not s.rules:
        out.append("no cards issued yet")
    for r in s.rules:
        out.append(f"  {r.rule_id}: {r.cards} card{'s' if r.cards != 1 else ''}, {r.accepted} accepted, "
                   f"{r.overridden} overridden")
        for reason, n in sorted(r.reasons.items(), key=lambda kv: -kv[1]):
            out.append(f"      {n} x {reason}")
    return "\n".join(out) + "\n"
