"""main(): parse, run the command, and map every outcome (success, problems, usage, output, interrupt, bug) to its exit code."""
from __future__ import annotations

from netguide.reporting import CommandOutcome, render

import argparse
import importlib
import sys
import traceback

from netguide.errors import (
    NetguideError,
    OutputError,
    PatientFactError,
    RulebookError,
    ScenarioError,
    UsageError,
)

from .commands import COMMANDS
from .output import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_INTERRUPTED,
    EXIT_OUTPUT,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    _discard_unwritten_output,
    _error,
    _GuardedOutput,
    _json_refusal,
)
from .parser import FAMILY_COMMANDS, TOOL_COMMANDS, build_parser


def main(argv: list[str] | None = None) -> int:
    if sys.stdout is None:  # started with stdout closed (`netguide ... >&-`): nothing could ever be written
        _error("netguide: error: standard output is closed; nothing could be written")
        return EXIT_OUTPUT
    stdout = sys.stdout
    try:  # a character the terminal cannot show becomes '?' rather than a crash (JSON escapes it instead)
        stdout.reconfigure(errors="replace")
    except (AttributeError, ValueError, OSError):
        pass
    sys.stdout = _GuardedOutput(stdout)
    try:
        return _run(argv)
    finally:
        sys.stdout = stdout


def _report(outcome: CommandOutcome | int, args: argparse.Namespace) -> int:
    """Print a command's result with the reporter its --format names; its exit code (a legacy int passes through)."""
    if isinstance(outcome, int):
        return outcome
    fmt = getattr(args, "format", "text")
    print(render(outcome.result, fmt, **(outcome.options if fmt == "text" else {})), end="")
    return EXIT_OK if outcome.ok else EXIT_PROBLEMS


def _run(argv: list[str] | None) -> int:
    args: argparse.Namespace | None = None
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
            sys.stdout.flush()
            return int(exc.code or 0)
        if not args.command:
            parser.print_usage(sys.stderr)
            return EXIT_USAGE
        if args.command in TOOL_COMMANDS:
            code = _report(importlib.import_module(f"netguide.proving.{TOOL_COMMANDS[args.command][0]}").run(args),
                           args)
        elif args.command in FAMILY_COMMANDS:
            code = _report(importlib.import_module(FAMILY_COMMANDS[args.command][0]).run(args), args)
        else:
            code = _report(COMMANDS[args.command](args), args)
        sys.stdout.flush()  # a closed pipe shows here at the latest, while the exit code can still say so
        return code
    except OutputError as exc:
        _error(f"netguide: error: could not write the output: {exc}")
        _discard_unwritten_output()
        return EXIT_OUTPUT
    except UsageError as exc:
        _error(f"netguide {args.command if args else ''}: error: {exc}")
        return EXIT_USAGE
    except (RulebookError, ScenarioError, PatientFactError) as exc:
        if args is not None and getattr(args, "format", "text") == "json":
            title = {RulebookError: "invalid rule files", ScenarioError: "invalid scenario files"}.get(
                type(exc), "invalid patient facts")
            return _json_refusal(title, exc.problems)
        _error(str(exc))
        return EXIT_PROBLEMS
    except NetguideError as exc:
        _error(f"netguide: {exc}")
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        _error("netguide: interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # an internal bug: one line, the traceback only on request
        if args is not None and args.debug:
            traceback.print_exc()
        else:
            _error(f"netguide: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        return EXIT_INTERNAL
