"""The review's text, and verbatim-quote verification against it.

The extracted text wraps lines and hyphenates words across them ("estab-\\nlished"). A quote is verbatim if
it appears in the text once whitespace runs are folded to one space and each line-wrap hyphen is either
dropped (a word split by the wrap) or kept (a real hyphen that fell at the end of a line, "multi-\\nkinase").
Nothing else is repaired.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from netguide.errors import NetguideError, Problem

# Where the review's text is looked for, in order: --source PATH; the NETGUIDE_SOURCE variable; DEFAULT_SOURCE
# relative to the repository root (the folder holding rules/), so the answer does not depend on where netguide
# is run from; then relative to the working directory.
DEFAULT_SOURCE = Path("../shared/source/zappi-2023-jcm-12-717.txt")
SOURCE_ENV = "NETGUIDE_SOURCE"
_WRAP = "\x01"  # stands for a hyphen at a line end: matches "-" or nothing


@dataclass(frozen=True)
class SourceLookup:
    """Where the review's text was found (`path`, None when nowhere) and every place looked at, in order."""

    path: Path | None
    tried: tuple[str, ...]
    given_by: str  # "--source", SOURCE_ENV, or "default"


def find_source(explicit: str | Path | None = None, environ: Mapping[str, str] | None = None) -> SourceLookup:
    """Look for the review's text: `explicit` (--source) alone when given, else $NETGUIDE_SOURCE alone when set
    (a path that is wrong must not be replaced silently by another copy), else the default places."""
    env = os.environ if environ is None else environ
    if explicit:
        return _first([Path(explicit)], "--source")
    if env.get(SOURCE_ENV):
        return _first([Path(env[SOURCE_ENV])], SOURCE_ENV)
    candidates = []
    root = repository_root()
    if root is not None:
        candidates.append(Path(os.path.normpath(root / DEFAULT_SOURCE)))
    candidates.append(Path(os.path.normpath(Path.cwd() / DEFAULT_SOURCE)))
    return _first(list(dict.fromkeys(candidates)), "default")


def _first(candidates: list[Path], given_by: str) -> SourceLookup:
    found = next((p for p in candidates if p.is_file()), None)
    return SourceLookup(found, tuple(str(p) for p in candidates), given_by)


def repository_root() -> Path | None:
    """The folder holding the shipped rules/ (rulebook.default_rules_dir), or None outside a source tree."""
    from netguide.rulebook.loader import default_rules_dir

    try:
        return default_rules_dir().parent
    except NetguideError:
        return None


def review_text_not_found(lookup: SourceLookup) -> Problem:
    """The problem `check` reports when the quotes cannot be verified: where it looked, and exactly how to give
    the text."""
    root = repository_root()
    place = os.path.normpath(root / DEFAULT_SOURCE) if root is not None else str(DEFAULT_SOURCE)
    if lookup.given_by == SOURCE_ENV:
        where = f"at {lookup.tried[0]}, the path {SOURCE_ENV} gives"
    else:
        where = f"(looked at: {'; '.join(lookup.tried)})"
    return Problem("review-text-not-found",
                   f"the review's text was not found {where}, so no quote was verified; give it with --source PATH, "
                   f"or set {SOURCE_ENV}=PATH, or place it at {place}; or pass --no-quotes to check without it",
                   field="source", allowed=f"--source PATH, {SOURCE_ENV}=PATH, or the file at {place}")


def normalise(text: str) -> str:
    text = re.sub(r"-[ \t]*\r?\n\s*", _WRAP, text)
    return re.sub(r"\s+", " ", text)


class SourceText:
    """The review's text, ready for quote look-ups."""

    def __init__(self, text: str, path: str = "<source>"):
        self.path = path
        self._norm = normalise(text)
        self._plain = self._norm.replace(_WRAP, "")

    @classmethod
    def from_file(cls, path: Path | str) -> "SourceText":
        p = Path(path)
        return cls(p.read_text(encoding="utf-8"), str(p))

    def contains(self, quote: str) -> bool:
        q = re.sub(r"\s+", " ", quote).strip()
        if not q:
            return False
        if q in self._plain or q in self._norm:
            return True
        return any(self._match_at(i, q) for i in _find_all(self._norm, q[0]))

    def _match_at(self, i: int, q: str) -> bool:
        return match_end(self._norm, i, q) is not None


def match_end(s: str, i: int, q: str) -> int | None:
    """Where quote `q` ends in the normalised text `s` if it starts at s[i] (a wrap marker standing for "-" or
    nothing), else None. The review book places each quote in its paragraph with it."""
    j = 0
    while j < len(q):
        if i >= len(s):
            return None
        if s[i] == _WRAP:
            if q[j] == "-":
                j += 1
            i += 1
            continue
        if s[i] != q[j]:
            return None
        i += 1
        j += 1
    return i


def _find_all(s: str, ch: str):
    i = s.find(ch)
    while i != -1:
        yield i
        i = s.find(ch, i + 1)


@lru_cache(maxsize=4)
def check_quotes(book, source: SourceText) -> list[Problem]:
    """A problem for every citation quote of the rulebook that is not verbatim in the source."""
    problems = []
    for r in book.rules:
        for i, cite in enumerate(r.rule.evidence):
            if not source.contains(cite.quote):
                short = cite.quote if len(cite.quote) < 70 else cite.quote[:67] + "..."
                problems.append(Problem("quote-not-verbatim", f"quote not found in {source.path}: {short!r}",
                                        r.location("evidence", i, "quote"), field="quote", value=cite.quote))
    for imp in getattr(book, "implications", ()):
        for cite in imp.spec.evidence:
            if not source.contains(cite.quote):
                short = cite.quote if len(cite.quote) < 70 else cite.quote[:67] + "..."
                problems.append(Problem("quote-not-verbatim", f"quote not found in {source.path}: {short!r}",
                                        imp.location, field="quote", value=cite.quote))
    return problems
