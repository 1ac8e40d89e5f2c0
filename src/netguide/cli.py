"""The `netguide` command line: results come from the library, reporters render them, exit codes come from here.

Exit codes: 0 success; 1 invalid input, rule-file problems or failing scenarios; 2 usage errors.
An unexpected error prints one line (the traceback only with --debug).
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

from .errors import NetguideError, PatientFactError, Problem, RulebookError, ScenarioError, summary_line

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """The command line itself is wrong (exit 2)."""


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _print_problems(problems: list[Problem], fmt: str, what: str) -> None:
    if fmt == "json":
        _print_json({"ok": not problems, "problems": [p.to_dict() for p in problems]})
        return
    for p in problems:
        print(p)
    print(summary_line(problems, what) if problems else "ok: no problems")


def cmd_check(args: argparse.Namespace) -> int:
    from .rulebook import check_rulebook
    from .sourcetext import DEFAULT_SOURCE, SourceText, check_quotes

    book, problems = check_rulebook(args.rules)
    source_path = Path(args.source) if args.source else DEFAULT_SOURCE
    if book is not None:
        if not source_path.is_file():
            if args.source:
                raise UsageError(f"--source: no such file: {args.source}")
            print(f"note: review text not found at {source_path}; quotes not verified (pass --source PATH)",
                  file=sys.stderr)
        else:
            problems += check_quotes(book, SourceText.from_file(source_path))
            problems += _check_scenario_quotes(args, SourceText.from_file(source_path))
    if args.format == "text" and book is not None and not problems:
        print(f"{len(book.rules)} rules in {len(book.files)} files, rulebook {book.version_string}")
    _print_problems(problems, args.format, "rule")
    return EXIT_PROBLEMS if problems else EXIT_OK


def _check_scenario_quotes(args: argparse.Namespace, source) -> list[Problem]:
    try:
        from .scenarios import scenario_quote_problems
    except ImportError:
        return []
    return scenario_quote_problems(args.scenarios, source)


def _read_patient(path: str) -> Any:
    from .yamlsource import YamlLoadError, load_text

    if path == "-":
        text, shown = sys.stdin.read(), "<stdin>"
    else:
        p = Path(path)
        if not p.is_file():
            raise UsageError(f"no such patient file: {path}")
        try:
            text, shown = p.read_text(encoding="utf-8"), path
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {path}: {exc}") from None
    try:
        data, _ = load_text(text, shown)  # YAML's safe loader reads JSON too
    except YamlLoadError as exc:
        raise PatientFactError([exc.problem]) from None
    return data


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluation import evaluate
    from .reporting import render_evaluation

    data = _read_patient(args.patient)
    try:
        ev = evaluate(data, args.rules)
    except PatientFactError as exc:
        if args.format == "json":
            _print_json({"error": "invalid patient facts", "problems": [p.to_dict() for p in exc.problems]})
        else:
            print(f"{args.patient}: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.format == "json":
        _print_json(ev.to_dict())
    else:
        print(render_evaluation(ev, trace=args.trace, quotes=not args.no_quotes), end="")
    return EXIT_OK


def cmd_scenarios(args: argparse.Namespace) -> int:
    from .scenarios import load_scenarios, render_result, run_scenario, select

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
    from . import conditions
    from .rulebook import load_rulebook

    book = load_rulebook(args.rules)
    r = book.by_id.get(args.rule_id)
    if r is None:
        from .suggestions import suggest

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
    from .patient import Patient
    from .rulefile import RuleFile
    from .scenarios import ScenarioFileSpec

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
    p.add_argument("--source", help="the review's text (default: ../shared/source/zappi-2023-jcm-12-717.txt)")

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
        importlib.import_module(f"netguide.{module}").add_arguments(p)

    p = sub.add_parser("schema", help="print a JSON Schema (for editors) of rule files, patients or scenario files")
    p.add_argument("what", choices=("rules", "patient", "scenarios"))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not args.command:
        parser.print_usage(sys.stderr)
        return EXIT_USAGE
    try:
        if args.command in TOOL_COMMANDS:
            return importlib.import_module(f"netguide.{TOOL_COMMANDS[args.command][0]}").run(args)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"netguide {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RulebookError as exc:
        print(exc, file=sys.stderr)
        return EXIT_PROBLEMS
    except (PatientFactError, ScenarioError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_PROBLEMS
    except NetguideError as exc:
        print(f"netguide: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # an internal bug: one line, the traceback only on request
        if args.debug:
            traceback.print_exc()
        else:
            print(f"netguide: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                  file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
