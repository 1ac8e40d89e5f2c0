"""'Did you mean' for names and values: case slips, typos, and dropped separators ('ki_67' -> 'ki67_percent')."""
from __future__ import annotations

import difflib
from collections.abc import Iterable


def _squash(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def suggest(value: object, choices: Iterable[str]) -> str | None:
    """The choice `value` most likely meant, or None when nothing is close."""
    if not isinstance(value, str) or not value.strip():
        return None
    options = list(choices)
    squashed = {_squash(c): c for c in options}
    key = _squash(value)
    if key in squashed:
        return squashed[key]
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if close:
        return close[0]
    if len(key) >= 3:
        starts = sorted(c for s, c in squashed.items() if s.startswith(key) or key.startswith(s))
        if len(starts) == 1:
            return starts[0]
    return None
