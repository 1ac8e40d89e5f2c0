"""Safe YAML loading that remembers where every key and item came from.

The data stays plain (dicts, lists, scalars); a Locator beside it maps a key path, such as a pydantic
error `loc`, to file:line:column, so errors in data files point at the line a person must edit.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Location, Problem

KeyPath = tuple[Any, ...]


class Locator:
    """Maps key paths of one YAML document to 1-based (line, column)."""

    def __init__(self, path: str, marks: dict[KeyPath, tuple[int, int]]):
        self.path = path
        self._marks = marks

    def find(self, keypath: KeyPath) -> Location:
        """The location of the longest known prefix of `keypath` (the file itself if none)."""
        kp = tuple(keypath)
        while kp:
            if kp in self._marks:
                line, col = self._marks[kp]
                return Location(self.path, line, col)
            kp = kp[:-1]
        line, col = self._marks.get((), (1, 1))
        return Location(self.path, line, col)


def _walk(node: yaml.Node, path: KeyPath, marks: dict[KeyPath, tuple[int, int]], display: str) -> None:
    marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            # PyYAML keeps the last of two equal keys and drops the first without a word: in a rule file that is
            # a condition or a note lost, so a repeated key is an error.
            if key_node.value in first_seen:
                raise YamlLoadError(Problem(
                    "duplicate-key", f"'{key_node.value}' is given twice in this mapping (first at line "
                    f"{first_seen[key_node.value]}); the first would be silently ignored",
                    Location(display, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                    field=str(key_node.value), value=key_node.value))
            first_seen[key_node.value] = key_node.start_mark.line + 1
            child = path + (key_node.value,)
            # A key's errors point at the key itself: that is the line an author reads and edits.
            marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _walk(value_node, child, marks, display)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), marks, display)


class YamlLoadError(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def load_text(text: str, path: str) -> tuple[Any, Locator]:
    """Parse YAML text with the safe loader; raise YamlLoadError (with line) when it is malformed."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        msg = " ".join(filter(None, [exc.context, exc.problem])) or "malformed YAML"
        raise YamlLoadError(Problem("yaml-syntax", msg, loc)) from None
    except yaml.YAMLError as exc:
        raise YamlLoadError(Problem("yaml-syntax", str(exc), Location(path))) from None
    marks: dict[KeyPath, tuple[int, int]] = {}
    if root is not None:
        _walk(root, (), marks, path)
    return data, Locator(path, marks)


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load(path: Path | str, display: str | None = None) -> tuple[Any, Locator]:
    """Read and parse one YAML file; `display` is the path shown in messages (default: as given)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlLoadError(Problem("unreadable-file", str(exc), Location(display or str(p)))) from None
    return load_text(text, display or str(p))
