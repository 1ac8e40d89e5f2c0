"""Each quote inside its paragraph of the review: the paragraph's text, the quote's place in it, and the heading of
the section it stands under, so a reviewer reads the rule's evidence in the review's own context.

A quote is matched as `rulebook.quotes` verifies it (whitespace folded, a line-wrap hyphen dropped or kept); the
paragraph around it is shown with wrap hyphens dropped, the quote itself exactly as the rule cites it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from netguide.rulebook.quotes import _WRAP, match_end, normalise

_HEADING = re.compile(r"^(Abstract|Keywords|\d+(\.\d+)*\.? [A-Z][^.]{2,120})$")


@dataclass(frozen=True)
class QuoteContext:
    heading: str | None  # the section heading the paragraph stands under
    before: str
    quote: str
    after: str


class ReviewText:
    """The review's text as paragraphs (blank-line separated), for quotes in context."""

    def __init__(self, text: str, path: str = "<review>"):
        self.path = path
        self.paragraphs: list[tuple[str | None, str]] = []  # (heading, normalised paragraph)
        section = sub = None
        self._words: set[str] = set()  # the words of the text as printed within a line, to tell real hyphens
        for block in re.split(r"\n[ \t]*\n", text):
            lines = [ln.strip() for ln in block.strip().splitlines() if ln.strip()]
            if not lines:
                continue
            # Headings stand alone ("3.1. Role ...", "3.1.1. Current ..."), or open their first paragraph
            # ("Abstract: ..."); a short bullet line is a sub-heading ("• STZ-Based Regimens").
            while lines and _HEADING.match(lines[0].split(":", 1)[0] if lines[0].startswith(("Abstract:", "Keywords:"))
                                           else lines[0]):
                head = lines[0].split(":", 1)
                section, sub = (head[0] if lines[0].startswith(("Abstract:", "Keywords:")) else lines[0]), None
                rest = head[1].strip() if lines[0].startswith(("Abstract:", "Keywords:")) else ""
                lines = ([rest] if rest else []) + lines[1:]
            if len(lines) == 1 and lines[0].startswith("\u2022") and len(lines[0]) < 80:
                sub = lines[0].lstrip("\u2022 ").strip()
                continue
            if not lines:
                continue
            norm = normalise("\n".join(lines)).strip()
            self._words.update(re.findall(r"[\w-]+", norm.replace(_WRAP, "\x00")))
            self.paragraphs.append(((section + (f" \u2014 {sub}" if sub else "")) if section else None, norm))

    @classmethod
    def from_file(cls, path: Path | str) -> "ReviewText":
        p = Path(path)
        return cls(p.read_text(encoding="utf-8"), str(p))

    def context(self, quote: str) -> QuoteContext | None:
        """The quote in its paragraph, or None when no single paragraph holds it."""
        q = " ".join(quote.split())
        if not q:
            return None
        for heading, norm in self.paragraphs:
            start = norm.find(q[0])
            while start != -1:
                end = match_end(norm, start, q)
                if end is not None:
                    return QuoteContext(heading, self._unwrap(norm[:start]), quote.strip(), self._unwrap(norm[end:]))
                start = norm.find(q[0], start + 1)
        return None


    def _unwrap(self, text: str) -> str:
        """Line-wrap hyphens resolved: kept where the review prints the hyphenated word within a line elsewhere
        ("well-differentiated"), dropped otherwise (a word the typesetter split: "estab-lished")."""
        def one(m: re.Match) -> str:
            left, right = m[1], m[2]
            return f"{left}-{right}" if f"{left}-{right}" in self._words and f"{left}{right}" not in self._words \
                else f"{left}{right}"
        return re.sub(r"([\w-]*)\x01([\w-]*)", one, text).replace(_WRAP, "")
