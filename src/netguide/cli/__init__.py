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

One job per module: main (exit codes), parser, commands, output.
"""
from .commands import (  # noqa: F401
    _FIELD,
    COMMANDS,
    _check_scenario_quotes,
    _located,
    _read_patient,
    _source_text,
    cmd_check,
    cmd_evaluate,
    cmd_explain,
    cmd_scenarios,
    cmd_schema,
)
from .main import _run, main  # noqa: F401
from .output import (  # noqa: F401
    EXIT_OK,
    _discard_unwritten_output,
    _error,
    _GuardedOutput,
    _json_refusal,
    _print_json,
    _print_problems,
    _refuse,
    _unicode_ok,
)
from .parser import TOOL_COMMANDS, build_parser  # noqa: F401
