"""A rulebook on the engine: compiled once, and one engine per rulebook per process, built on first use.

The C engine (durable_rules) is imported only when a runtime is built, so `import netguide`, `netguide check` and
`netguide schema` never load it.
"""
from __future__ import annotations

import os
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from netguide.engine.compiler import CompiledRulebook, compile_rulebook
from netguide.rulebook.loader import Rulebook, load_rulebook

if TYPE_CHECKING:
    from netguide.engine.adapter import Engine


@dataclass(frozen=True)
class Runtime:
    """A loaded rulebook, compiled and on the engine: built once, shared by every evaluation."""

    rulebook: Rulebook
    compiled: CompiledRulebook
    engine: "Engine"

    @classmethod
    def build(cls, book: Rulebook) -> "Runtime":
        from netguide.engine.adapter import (
            Engine,  # the C engine loads here, on the first evaluation
        )

        compiled = compile_rulebook(book)
        return cls(book, compiled, Engine(compiled))


# Rules folders loaded by path, once per process; the runtime of each Rulebook object, for as long as it lives.
_books_by_folder: dict[str, Rulebook] = {}
_runtime_of_book: "weakref.WeakKeyDictionary[Rulebook, Runtime]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _new_lock_after_fork() -> None:
    # Another thread may have held the lock (loading a rulebook) when the process forked: the child would wait
    # for a thread it does not have.
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_after_fork)

RulebookLike = Union[Runtime, Rulebook, Path, str, None]


def runtime_for(rulebook: RulebookLike = None) -> Runtime:
    """The Runtime for a rulebook: a Runtime as given; a Rulebook's own (built on first use); a rules folder
    (default: the shipped rules) loaded once per process and then reused."""
    if isinstance(rulebook, Runtime):
        return rulebook
    with _lock:
        if isinstance(rulebook, Rulebook):
            book = rulebook
        else:
            key = str(Path(rulebook).resolve()) if rulebook is not None else ""
            if key not in _books_by_folder:
                _books_by_folder[key] = load_rulebook(rulebook)
            book = _books_by_folder[key]
        runtime = _runtime_of_book.get(book)
        if runtime is None:
            runtime = _runtime_of_book[book] = Runtime.build(book)
        return runtime


def cached_books() -> dict[str, Any]:
    """The rules folders loaded so far in this process (for tests and diagnostics)."""
    return dict(_books_by_folder)
