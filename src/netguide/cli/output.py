"""Writing results: standard output guarded so a closed pipe is told from a bug, JSON and problem lists, and the exit codes."""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from netguide.errors import (
    OutputError,
    Problem,
    capped,
    summary_line,
)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL, EXIT_OUTPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130


class _GuardedOutput:
    """Standard output whose write errors are OutputError, so a closed pipe is told apart from a netguide bug
    (an OSError anywhere else is one)."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            raise OutputError(exc.strerror or str(exc)) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            raise OutputError(exc.strerror or str(exc)) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _unicode_ok() -> bool:
    """Whether standard output can show the characters netguide prints (curly quotes, >=, dashes)."""
    try:
        "\u201c\u201d\u2265\u2014\u2299".encode(getattr(sys.stdout, "encoding", None) or "utf-8")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=not _unicode_ok()))


def _error(message: str) -> None:
    """A message on standard error, which may itself be closed: then it is lost, never a second failure."""
    if sys.stderr is None:
        return
    try:
        print(message, file=sys.stderr)
    except (OSError, ValueError):
        pass


def _print_problems(problems: list[Problem], fmt: str, what: str, notes: list[str] | None = None,
                    extra: dict[str, Any] | None = None) -> None:
    if fmt == "json":
        _print_json({"ok": not problems, "problem_count": len(problems),
                     "problems": [p.to_dict() for p in capped(problems)], **(extra or {})})
        return
    for p in capped(problems):
        print(p)
    for note in notes or []:
        print(note)
    print(summary_line(problems, what) if problems else "ok: no problems")


def _refuse(args: argparse.Namespace, title: str, shown: str, problems: list[Problem]) -> int:
    """Input refused: JSON on stdout with --format json, else the problems on stderr; exit 1."""
    if getattr(args, "format", "text") == "json":
        _print_json({"error": title, "problems": [p.to_dict() for p in capped(problems)]})
    else:
        listed = capped(problems)
        n = len(problems)
        _error(f"{shown}: {title} ({n} problem{'s' if n != 1 else ''}):\n" + "\n".join(f"  {p}" for p in listed))
    return EXIT_PROBLEMS


def _json_refusal(title: str, problems: list[Problem]) -> int:
    try:
        _print_json({"error": title, "problems": [p.to_dict() for p in capped(problems)]})
        sys.stdout.flush()
    except OutputError as exc:
        _error(f"netguide: error: could not write the output: {exc}")
        _discard_unwritten_output()
        return EXIT_OUTPUT
    return EXIT_PROBLEMS


def _discard_unwritten_output() -> None:
    """Point the standard output descriptor at /dev/null, so the interpreter's final flush of what could not be
    written does not fail again (and turn exit 4 into 120) after netguide has already said why."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.__stdout__.fileno() if sys.__stdout__ is not None else 1)
        os.close(fd)
    except (OSError, ValueError, AttributeError):
        pass
