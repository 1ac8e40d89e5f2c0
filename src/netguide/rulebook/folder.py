"""A rules folder: its files on disk, or the same files as texts in memory (mutation testing loads each mutated
rulebook this way, with no temporary folder). Every file is read through the hardened loader (rulebook.source)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from netguide.rulebook.parse_cache import load_cached
from netguide.rulebook.source import Locator, display_path, load_text


class RuleFolder:
    def __init__(self, root: Path | str, texts: Mapping[str, str] | None = None):
        self.root = Path(root)
        self.texts = dict(texts) if texts is not None else None  # name -> text: the whole folder, nothing on disk

    def display(self, name: str) -> str:
        return display_path(self.root / name)

    def exists(self, name: str) -> bool:
        if self.texts is not None:
            return name in self.texts
        return os.path.lexists(self.root / name)  # a folder, a FIFO or a broken link there is refused by load()

    def yaml_names(self) -> set[str]:
        if self.texts is not None:
            return {n for n in self.texts if n.endswith(".yaml")}
        return {p.name for p in self.root.glob("*.yaml")}

    def load(self, name: str) -> tuple[Any, Locator]:
        if self.texts is not None:
            key = (self.display(name), self.texts[name])
            if key not in _PARSED:  # a mutation run loads the same unchanged texts once per mutant
                if len(_PARSED) > 64:
                    _PARSED.clear()
                _PARSED[key] = load_text(self.texts[name], self.display(name))
            return _PARSED[key]
        return load_cached(self.root / name, self.display(name))


# Parsed texts by (display path, text). Parsing is pure and the loader never changes the data it is given.
_PARSED: dict[tuple[str, str], tuple[Any, Locator]] = {}
