"""The `netguide` command line: results come from the library, reporters render them, exit codes come from here.

Exit codes:
    0    success
    1    invalid input (a patient or data file refused, invalid facts), rule-file problems, failing checks or
         scenarios
    2    usage errors (an unknown option, a missing argument, a patient file that does not exist)
    3    internal error: a netguide bug (one line on stderr; the traceback with --debug)
    4    the output could not be written (standard output closed, a broken pipe, a full disk)
    130  interrupted (Ctrl-C)

Results go to standard output, messages to standard error; with --format json, problems with the input are JSON
on standard output too ({"error": ..., "problems": [...]}). Where standard output cannot show a character (an
ASCII locale, PYTHONIOENCODING=ascii) text prints '?' for it and JSON is written with \\u escapes, so it stays
exact.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

from netguide.errors import (  # noqa: F401  (UsageError, OutputError: callers import them here too)
    Location,
    NetguideError,
    OutputError,
    UsageError,
    PatientFactError,
    Problem,
    RulebookError,
    ScenarioError,
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


def cmd_check(args: argparse.Namespace) -> int:
    from netguide.engine.compiler import compile_rulebook
    from netguide.rulebook.loader import check_rulebook
    from netguide.rulebook.quotes import (
        SourceText,
        check_quotes,
        find_source,
        review_text_not_found,
    )

    book, problems = check_rulebook(args.rules)
    notes: list[str] = []
    quotes: dict[str, Any] = {"verified": False, "source": None}
    if book is not None:
        # A rulebook that loads can still be one the engine cannot run (an `any` of 15 alternatives): compiling it
        # here is what evaluate() would do first, so check does not say ok to rules that fail every patient.
        try:
            compile_rulebook(book)
        except RulebookError as exc:
            problems += exc.problems
        if args.no_quotes:
            notes.append("quotes: not verified (--no-quotes)")
        else:
            lookup = find_source(args.source)
            if lookup.path is None and args.source:
                raise UsageError(f"--source: no such file: {args.source}")
            if lookup.path is None:
                problems.append(review_text_not_found(lookup))
                notes.append("quotes: NOT verified: the review's text was not found")
            else:
                source = _source_text(SourceText, lookup.path)
                problems += check_quotes(book, source)
                problems += _check_scenario_quotes(args, source)
                quotes = {"verified": True, "source": str(lookup.path)}
                notes.append(f"quotes: verified against {lookup.path}")
    if args.format == "text" and book is not None and not problems:
        print(f"{len(book.rules)} rules in {len(book.files)} files, rulebook {book.version_string}")
    _print_problems(problems, args.format, "rule", notes, {"quotes": quotes})
    return EXIT_PROBLEMS if problems else EXIT_OK


def _source_text(cls: Any, path: Path) -> Any:
    try:
        return cls.from_file(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the review's text {path}: {exc}") from None


def _check_scenario_quotes(args: argparse.Namespace, source) -> list[Problem]:
    try:
        from netguide.proving.scenarios import scenario_quote_problems
    except ImportError:
        return []
    return scenario_quote_problems(args.scenarios, source)


def _read_patient(path: str) -> tuple[Any, Any, str]:
    """(data, locator, name shown) of the patient file, or of standard input for '-'; a file may be a pipe
    (<(cat p.yaml), /dev/stdin). Raises YamlLoadError for a refused file, UsageError for one that does not exist."""
    from netguide.rulebook.source import MAX_FILE_BYTES, YamlLoadError, load, load_bytes

    if path == "-":
        shown = "<stdin>"
        if sys.stdin is None:
            raise YamlLoadError(Problem("unreadable-file", "standard input is closed; give a patient file, or pipe "
                                        "the patient in", Location(shown)))
        try:
            stream = getattr(sys.stdin, "buffer", None)
            raw = stream.read(MAX_FILE_BYTES + 1) if stream is not None else sys.stdin.read().encode("utf-8")
        except (OSError, ValueError) as exc:
            raise YamlLoadError(Problem("unreadable-file", f"standard input cannot be read: {exc}",
                                        Location(shown))) from None
        data, locator = load_bytes(raw, shown)
        return data, locator, shown
    try:
        data, locator = load(path, path, pipes=True)
    except YamlLoadError as exc:
        if exc.problem.code == "no-such-file":
            raise UsageError(f"no such patient file: {path}") from None
        raise
    return data, locator, path


_FIELD = re.compile(r"(?P<name>[^\[]+)(?:\[(?P<index>\d+)\])?")


def _located(problem: Problem, locator: Any) -> Problem:
    """A patient problem placed at the line of its fact in the file (when the file has that fact)."""
    m = _FIELD.fullmatch(problem.field or "")
    if problem.location is not None or not m or (m["name"],) not in locator:
        return problem
    keypath = (m["name"],) + ((int(m["index"]),) if m["index"] else ())
    return dataclasses.replace(problem, location=locator.find(keypath))


def cmd_evaluate(args: argparse.Namespace) -> int:
    from netguide.evaluation import evaluate
    from netguide.reporting import render_evaluation
    from netguide.rulebook.source import YamlLoadError

    try:
        data, locator, shown = _read_patient(args.patient)
    except YamlLoadError as exc:
        return _refuse(args, "invalid patient file", args.patient if args.patient != "-" else "<stdin>",
                       [exc.problem])
    try:
        ev = evaluate(data, args.rules)
    except PatientFactError as exc:
        return _refuse(args, "invalid patient facts", shown, [_located(p, locator) for p in exc.problems])
    if args.format == "json":
        _print_json(ev.to_dict())
    else:
        print(render_evaluation(ev, trace=args.trace, quotes=not args.no_quotes), end="")
    return EXIT_OK


def cmd_scenarios(args: argparse.Namespace) -> int:
    from netguide.proving.scenarios import (
        load_scenarios,
        render_result,
        run_scenario,
        select,
    )

    if not Path(args.dir).is_dir():
        raise UsageError(f"no such scenarios folder: {args.dir}")
    scenarios = select(load_scenarios(args.dir), args.k)
    if not scenarios:
        raise UsageError(f"no scenario matches -k {args.k!r}" if args.k else f"no scenarios in {args.dir}")
    passed = failed = xfailed = xpassed = 0
    results = []
    for sc in scenarios:
        res = run_scenario(sc, args.rules)
        gap = sc.spec.known_gap
        if gap and not res.passed:
            xfailed += 1
        elif gap:
            xpassed += 1
            results.append((sc, f"{sc.location}: scenario '{sc.name}' passes but is marked known_gap: remove the marker"))
        elif res.passed:
            passed += 1
        else:
            failed += 1
            results.append((sc, render_result(res)))
    if args.format == "json":
        _print_json({"passed": passed, "failed": failed, "known_gaps": xfailed, "fixed_gaps": xpassed,
                     "failures": [{"scenario": sc.name, "location": str(sc.location), "report": text}
                                  for sc, text in results]})
    else:
        for _, text in results:
            print(text + "\n")
        extra = f", {xfailed} known gaps" if xfailed else ""
        extra += f", {xpassed} fixed gaps still marked" if xpassed else ""
        print(f"scenarios: {passed} passed, {failed + xpassed} failed{extra}")
    return EXIT_PROBLEMS if failed or xpassed else EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from netguide import conditions
    from netguide.rulebook.loader import load_rulebook

    book = load_rulebook(args.rules)
    r = book.by_id.get(args.rule_id)
    if r is None:
        from netguide.suggestions import suggest

        hint = suggest(args.rule_id, book.by_id)
        raise UsageError(f"no rule '{args.rule_id}'" + (f" (did you mean '{hint}'?)" if hint else ""))
    rule = r.rule
    if args.format == "json":
        _print_json({"id": rule.id, "location": str(r.location()), "condition": conditions.describe(r.condition),
                     **rule.model_dump(exclude={"id", "when"})})
        return EXIT_OK
    print(f"{rule.id}  ({r.location()}, {rule.status})\n  {rule.title}")
    print(f"  when: {conditions.describe(r.condition)}")
    codes = ", ".join(rule.then.interventions + rule.then.trials)
    print(f"  then: {rule.then.kind}" + (f" {codes}" if codes else "") + f"\n        {rule.then.statement}")
    for key in ("overrides", "shown_with", "encodes"):
        if getattr(rule, key):
            print(f"  {key}: {', '.join(getattr(rule, key))}")
    for c in rule.evidence:
        print(f"  evidence ({c.section}) {c.references or ''}: \u201c{c.quote}\u201d")
        if c.figures:
            print(f"    figures: {c.figures}")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from netguide.patient import Patient
    from netguide.proving.scenarios import ScenarioFileSpec
    from netguide.rulebook.schema import RuleFile

    model = {"rules": RuleFile, "patient": Patient, "scenarios": ScenarioFileSpec}[args.what]
    _print_json(model.model_json_schema())
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": cmd_check, "evaluate": cmd_evaluate, "scenarios": cmd_scenarios, "explain": cmd_explain,
    "schema": cmd_schema,
}

# Commands that live in their own module: name -> (module, help). Each module has add_arguments() and run().
TOOL_COMMANDS = {
    "coverage": ("coverage", "review-inventory items -> rules -> scenarios; fails when anything is uncovered"),
    "analyze": ("analysis", "explore the fact space the rules test: gaps, contradictions, unreachable rules"),
    "mutate": ("mutation", "mutation testing of the rule files against the scenario suite"),
    "differential": ("differential", "the durable_rules path against the reference evaluator on random patients"),
    "fuzz": ("fuzzing", "random valid, invalid and hostile inputs through evaluate(): no crash, no leak"),
    "records": ("records", "realistic partially documented records: who gets a treatment proposal, and why not"),
}


def _rules_and_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", help="rules folder (default: the shipped rules)")
    p.add_argument("--format", choices=("text", "json"), default="text")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netguide", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("check", help="load and check every rule file; verify quotes against the review")
    _rules_and_format(p)
    p.add_argument("--scenarios", default="scenarios", help="scenarios folder whose quotes are verified too")
    p.add_argument("--source", help="the review's text (default: $NETGUIDE_SOURCE, else "
                   "../shared/source/zappi-2023-jcm-12-717.txt beside the repository, else from the working folder)")
    p.add_argument("--no-quotes", action="store_true", help="do not verify quotes (check says so in its summary)")

    p = sub.add_parser("evaluate", help="evaluate one patient's facts (YAML or JSON file, - for stdin)")
    p.add_argument("patient")
    _rules_and_format(p)
    p.add_argument("--trace", action="store_true", help="show which rule fired on which facts")
    p.add_argument("--no-quotes", action="store_true", help="leave the review's quotes out of the text")

    p = sub.add_parser("scenarios", help="run the scenario suite and print a summary")
    _rules_and_format(p)
    p.add_argument("--dir", default="scenarios", help="scenarios folder (default: scenarios)")
    p.add_argument("-k", help="run only scenarios whose name contains this text")

    p = sub.add_parser("explain", help="show one rule: condition, conclusion, evidence")
    p.add_argument("rule_id")
    _rules_and_format(p)

    for name, (module, help_text) in TOOL_COMMANDS.items():
        p = sub.add_parser(name, help=help_text)
        importlib.import_module(f"netguide.proving.{module}").add_arguments(p)

    p = sub.add_parser("schema", help="print a JSON Schema (for editors) of rule files, patients or scenario files")
    p.add_argument("what", choices=("rules", "patient", "scenarios"))
    return parser


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
            code = importlib.import_module(f"netguide.proving.{TOOL_COMMANDS[args.command][0]}").run(args)
        else:
            code = COMMANDS[args.command](args)
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
