"""The argument parser: one parent parser for the options commands share, the commands, and the proving tools by name."""
from __future__ import annotations

import argparse
import importlib

from netguide.reporting import REPORT_FORMATS


# Proving tools, each a module of netguide.proving with SHARED_OPTIONS, add_arguments() and run():
# name -> (module, help).
TOOL_COMMANDS = {
    "coverage": ("coverage", "review-inventory items -> rules -> scenarios; fails when anything is uncovered"),
    "analyze": ("analysis", "explore the fact space the rules test: gaps, contradictions, unreachable rules"),
    "mutate": ("mutation", "mutation testing of the rule files against the scenario suite"),
    "differential": ("differential", "the durable_rules path against the reference evaluator on random patients"),
    "fuzz": ("fuzzing", "random valid, invalid and hostile inputs through evaluate(): no crash, no leak"),
    "records": ("records", "realistic partially documented records: who gets a treatment proposal, and why not"),
    "diff": ("impact", "the impact of an edit: rules changed in clinical words, scenarios and patients whose answer changes"),
}
# Commands of a family folder, each a module with SHARED_OPTIONS, add_arguments() and run() like the proving tools:
# name -> (module, help).
FAMILY_COMMANDS = {
    "book": ("netguide.book.command", "write the review book: a static site of every rule with its evidence in "
             "context, scenarios, sign-off and coverage"),
    "cohort": ("netguide.cohort.command", "a whole registry: one answer per record, and the concordance of the "
               "treatment given"),
}
DESCRIPTION = "netguide: executable, cited decision support for chemotherapy in well-differentiated NET (Zappi et al. 2023)"


def _shared_options() -> dict[str, argparse.ArgumentParser]:
    """The options several commands take, declared once each (argparse parent parsers)."""
    parents = {name: argparse.ArgumentParser(add_help=False) for name in ("rules", "format", "seed", "scenarios")}
    parents["rules"].add_argument("--rules", help="rules folder (default: the shipped rules)")
    parents["format"].add_argument("--format", choices=REPORT_FORMATS, default="text", help="text (default) or json")
    parents["seed"].add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parents["scenarios"].add_argument("--scenarios", "--dir", dest="scenarios", default="scenarios",
                                      help="scenarios folder (default: scenarios; --dir is the same)")
    return parents


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netguide", description=DESCRIPTION)
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    shared = _shared_options()

    def command(name: str, help_text: str, *options: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, parents=[shared[o] for o in options])

    p = command("check", "load and check every rule file; verify quotes against the review", "rules", "format",
                "scenarios")
    p.add_argument("--source", help="the review's text (default: $NETGUIDE_SOURCE, else "
                   "../shared/source/zappi-2023-jcm-12-717.txt beside the repository, else from the working folder)")
    p.add_argument("--no-quotes", action="store_true", help="do not verify quotes (check says so in its summary)")

    p = command("evaluate", "evaluate one patient's facts (YAML or JSON file, - for stdin), or a FHIR R4 Bundle "
                "(JSON) or NDJSON record", "rules", "format")
    p.add_argument("patient")
    p.add_argument("--setting", choices=("adjuvant", "neoadjuvant", "advanced"),
                   help="for a FHIR record: the treatment setting asked about (never read from a code)")
    p.add_argument("--trace", action="store_true", help="show which rule fired on which facts")
    p.add_argument("--no-quotes", action="store_true", help="leave the review's quotes out of the text")

    p = command("scenarios", "run the scenario suite and print a summary", "rules", "format", "scenarios")
    p.add_argument("-k", help="run only scenarios whose name contains this text")

    p = command("explain", "show one rule: condition, conclusion, evidence", "rules", "format")
    p.add_argument("rule_id")

    for name, (module, help_text) in TOOL_COMMANDS.items():
        tool = importlib.import_module(f"netguide.proving.{module}")
        tool.add_arguments(command(name, help_text, *tool.SHARED_OPTIONS))

    p = command("signoff", "record that a clinician reviewed or signed a rule, with the fingerprint of its meaning",
                "rules", "format")
    p.add_argument("rule_id")
    p.add_argument("--by", required=True, help="the clinician's name")
    p.add_argument("--state", choices=("signed", "reviewed"), default="signed", help="signed (default) or reviewed")
    p.add_argument("--date", help="the day of the review, YYYY-MM-DD (default: today, UTC)")

    # the interfaces: the CDS Hooks service and its feedback (netguide.service.server; imports nothing heavy here)
    from netguide.service.server import add_arguments as service_arguments

    service_arguments(sub, shared)

    for name, (module, help_text) in FAMILY_COMMANDS.items():
        family = importlib.import_module(module)
        family.add_arguments(command(name, help_text, *family.SHARED_OPTIONS))

    p = command("schema", "print a JSON Schema (for editors) of rule files, patients or scenario files")
    p.add_argument("what", choices=("rules", "patient", "scenarios"))
    return parser
