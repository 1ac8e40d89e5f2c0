"""The review's text, and verbatim-quote verification against it.

The extracted text wraps lines and hyphenates words across them ("estab-\\nlished"). A quote is verbatim if
it appears in the text once whitespace runs are folded to one space and each line-wrap hyphen is either
dropped (a word split by the wrap) or kept (a real hyphen that fell at the end of a line, "multi-\\nkinase").
Nothing else is repaired.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .errors import Problem

DEFAULT_SOURCE = Path("../shared/source/zappi-2023-jcm-12-717.txt")
_WRAP = "\x01"  # stands for a hyphen at a line end: matches "-" or nothing


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
        s, j = self._norm, 0
        while j < len(q):
            if i >= len(s):
                return False
            if s[i] == _WRAP:
                if q[j] == "-":
                    j += 1
                i += 1
                continue
            if s[i] != q[j]:
                return False
            i += 1
            j += 1
        return True


def _find_all(s: str, ch: str):
    i = s.find(ch)
    while i != -1:
        yield i
        i = s.find(ch, i + 1)


@lru_cache(maxsize=4)
def load_source(path: str) -> SourceText:
    return SourceText.from_file(path)


def check_quotes(book, source: SourceText) -> list[Problem]:
    """A problem for every citation quote of the rulebook that is not verbatim in the source."""
    problems = []
    for r in book.rules:
        for i, cite in enumerate(r.rule.evidence):
            if not source.contains(cite.quote):
                short = cite.quote if len(cite.quote) < 70 else cite.quote[:67] + "..."
                problems.append(Problem("quote-not-verbatim", f"quote not found in {source.path}: {short!r}",
                                        r.location("evidence", i, "quote"), field="quote", value=cite.quote))
    return problems
