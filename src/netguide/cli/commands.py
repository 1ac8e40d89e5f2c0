"""The commands that are not proving tools: check, evaluate, scenarios, explain, schema. Each returns its exit code."""
from __future__ import annotations

import argparse
import dataclasses
import re
import sys
from pathlib import Path
from typing import Any, Callable

from netguide.errors import (
    Location,
    PatientFactError,
    Problem,
    RulebookError,
    UsageError,
)

from .output import EXIT_OK, EXIT_PROBLEMS, _print_json, _print_problems, _refuse


def cmd_check(args: argparse.Namespace) -> int:
    from netguide.engine.compiler import compile_rulebook
    from netguide.rulebook.loader import check_rulebook
    from netguide.rulebook.quotes import (
        SourceText,
        check_quotes,
        find_source,
        review_text_not_found,
    )

    from netguide.rulebook.signoff import signoff_problems

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
        problems += signoff_problems(book)  # a signed rule whose meaning changed since must be reviewed again
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
    from netguide.proving.scenarios import scenario_quote_problems

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
    from netguide.fhir import FhirInputError, evaluate_fhir, is_fhir
    from netguide.reporting import render, render_evaluation
    from netguide.rulebook.source import YamlLoadError

    shown = args.patient if args.patient != "-" else "<stdin>"
    try:
        if args.patient.endswith(".ndjson"):
            data, locator = _read_ndjson(args.patient), None
        else:
            data, locator, shown = _read_patient(args.patient)
    except YamlLoadError as exc:
        return _refuse(args, "invalid patient file", shown, [exc.problem])
    except FhirInputError as exc:
        return _refuse(args, "invalid FHIR record", shown, exc.problems)
    if locator is None or is_fhir(data):
        # A FHIR record: its facts are mapped by data/fhir_mapping.yaml; the question asked (the treatment setting)
        # is the caller's, never read from a code.
        try:
            fe = evaluate_fhir(data, args.setting, args.rules, setting_from="the caller (--setting)")
        except FhirInputError as exc:
            return _refuse(args, "invalid FHIR record", shown, exc.problems)
        except PatientFactError as exc:
            return _refuse(args, "invalid patient facts", shown, exc.problems)
        print(render(fe, args.format, **({"trace": args.trace, "quotes": not args.no_quotes}
                                         if args.format == "text" else {})), end="")
        return EXIT_OK
    if args.setting is not None:
        raise UsageError("--setting is for a FHIR record; a facts file gives treatment_setting itself")
    try:
        ev = evaluate(data, args.rules)
    except PatientFactError as exc:
        return _refuse(args, "invalid patient facts", shown, [_located(p, locator) for p in exc.problems])
    if args.format == "json":
        _print_json(ev.to_dict())
    else:
        print(render_evaluation(ev, trace=args.trace, quotes=not args.no_quotes), end="")
    return EXIT_OK


def _read_ndjson(path: str) -> Any:
    """The resources of an NDJSON file (one FHIR resource a line), parsed; UsageError when it does not exist."""
    from netguide.fhir import read_ndjson
    from netguide.fhir.parse import MAX_NDJSON_BYTES
    from netguide.rulebook.source import YamlLoadError

    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_NDJSON_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"no such patient file: {path}") from None
    except OSError as exc:
        raise YamlLoadError(Problem("unreadable-file", f"cannot read: {exc.strerror or exc}", Location(path))) from None
    if len(raw) > MAX_NDJSON_BYTES:
        raise YamlLoadError(Problem("file-too-large", f"larger than {MAX_NDJSON_BYTES // 2**20} MiB: one patient's "
                                    "record is smaller", Location(path)))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise YamlLoadError(Problem("unreadable-file", "not UTF-8 text", Location(path))) from None
    return read_ndjson(text, path)


def cmd_scenarios(args: argparse.Namespace) -> int:
    from netguide.proving.scenarios import (
        load_scenarios,
        render_result,
        run_scenario,
        select,
    )

    if not Path(args.scenarios).is_dir():
        raise UsageError(f"no such scenarios folder: {args.scenarios}")
    scenarios = select(load_scenarios(args.scenarios), args.k)
    if not scenarios:
        raise UsageError(f"no scenario matches -k {args.k!r}" if args.k else f"no scenarios in {args.scenarios}")
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
    from netguide.rulebook.signoff import signoff_state

    print(f"{rule.id}  ({r.location()}, {signoff_state(r).label})\n  {rule.title}")
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


def cmd_signoff(args: argparse.Namespace) -> int:
    from netguide.rulebook.loader import load_rulebook
    from netguide.rulebook.signoff import record_signoff, signoff_state

    book = load_rulebook(args.rules)  # an invalid rulebook is refused: nobody signs a rule that does not load
    path = record_signoff(book, args.rule_id, args.by, args.state, args.date)
    state = signoff_state(load_rulebook(path.parent).by_id[args.rule_id])  # as written, read back
    if args.format == "json":
        _print_json({"written": str(path), **state.to_dict()})
    else:
        print(f"{args.rule_id}: {state.label}\n  {state.current_fingerprint}\n  written to {path}")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from netguide.patient import Patient
    from netguide.proving.scenarios import ScenarioFileSpec
    from netguide.rulebook.schema import RuleFile

    model = {"rules": RuleFile, "patient": Patient, "scenarios": ScenarioFileSpec}[args.what]
    _print_json(model.model_json_schema())
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from netguide.service.server import run_serve

    return run_serve(args)


def cmd_feedback(args: argparse.Namespace) -> int:
    from netguide.service.server import run_feedback

    return run_feedback(args)


COMMANDS: dict[str, Callable[[argparse.Namespace], Any]] = {
    "check": cmd_check, "evaluate": cmd_evaluate, "scenarios": cmd_scenarios, "explain": cmd_explain,
    "schema": cmd_schema, "signoff": cmd_signoff, "serve": cmd_serve, "feedback": cmd_feedback,
}
