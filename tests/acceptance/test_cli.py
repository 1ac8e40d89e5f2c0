"""The command line end to end: exit codes 0/1/2/3/4/130, text and JSON output, closed and broken streams, and
no traceback for a user error."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from needs import QUOTE_FIXTURE, REVIEW, ROOT, TESTS, needs_review

REPO = ROOT
DATA = TESTS / "data"
BASIC = DATA / "rulebooks" / "basic"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netguide", *args], capture_output=True, text=True, cwd=REPO,
                          input=stdin, timeout=120)


def test_evaluate_prints_a_cited_answer(tmp_path: Path):
    """`netguide evaluate` on a valid patient exits 0 and prints each recommendation with its quote."""
    p = tmp_path / "p.yaml"
    p.write_text("grade: G2\nbulky_disease: true\n")
    r = run("evaluate", str(p), "--rules", str(BASIC), "--trace")
    assert r.returncode == 0, r.stderr
    assert "OPTION: CHEMOTHERAPY   [features.exception_bulky]" in r.stdout and "\u201c" in r.stdout
    assert "features.general_no_chemo [overridden]" in r.stdout


def test_evaluate_json_is_to_dict(tmp_path: Path):
    """`--format json` prints Evaluation.to_dict() for a JSON patient file."""
    p = tmp_path / "p.json"
    p.write_text(json.dumps({"grade": "G3"}))
    r = run("evaluate", str(p), "--rules", str(BASIC), "--format", "json")
    assert r.returncode == 0
    data = json.loads(r.stdout)
    assert data["recommendations"][0]["rule_id"] == "features.grade_g3"


@pytest.mark.parametrize("content", ['{"grade": "G4", "ki_67": 3}', "grade: [G3\n", "- a list\n"])
def test_invalid_input_exits_1_with_a_clear_message_and_no_traceback(tmp_path: Path, content: str):
    """Invalid facts, malformed YAML or a non-mapping: exit 1, a message naming the problem, no traceback."""
    p = tmp_path / "bad.yaml"
    p.write_text(content)
    r = run("evaluate", str(p), "--rules", str(BASIC))
    assert r.returncode == 1
    assert "Traceback" not in r.stderr + r.stdout
    assert "bad.yaml" in r.stderr


def test_invalid_input_in_json_mode_lists_the_problems(tmp_path: Path):
    """In JSON mode, invalid facts give a JSON list of problems naming field, value and what is allowed."""
    p = tmp_path / "bad.json"
    p.write_text('{"grade": "g3"}')
    r = run("evaluate", str(p), "--rules", str(BASIC), "--format", "json")
    assert r.returncode == 1
    (problem,) = json.loads(r.stdout)["problems"]
    assert problem["field"] == "grade" and problem["value"] == "g3" and problem["suggestion"] == "G3"


def test_patient_from_standard_input():
    """`-` reads the patient from standard input."""
    r = run("evaluate", "-", "--rules", str(BASIC), stdin="grade: G3\n")
    assert r.returncode == 0 and "features.grade_g3" in r.stdout


@pytest.mark.parametrize("args", [[], ["evaluate"], ["evaluate", "/no/such/file.yaml"], ["frobnicate"],
                                  ["evaluate", "x.yaml", "--format", "xml"]])
def test_usage_errors_exit_2(args):
    """Missing arguments, unknown commands or options, and missing files are usage errors (exit 2)."""
    r = run(*args)
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_check_is_clean_on_a_valid_rulebook():
    """`netguide check` exits 0 on a valid rulebook (quotes verified against the review, or our fixture text)."""
    r = run("check", "--rules", str(BASIC), "--scenarios", str(DATA / "scenarios_basic" / "scenarios"),
            "--source", str(REVIEW or QUOTE_FIXTURE))
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_reports_a_deliberate_mistake_at_its_line_and_exits_1():
    """`netguide check` prints file:line:col: code: message and exits 1."""
    r = run("check", "--rules", str(DATA / "invalid_rules" / "unknown_fact"))
    assert r.returncode == 1
    assert "unknown_fact/bad.yaml:9:7: unknown-fact: 'ki_67' is not a patient fact (did you mean 'ki67_percent'?)" in r.stdout


def test_check_json_lists_structured_problems():
    """`netguide check --format json` gives each problem's code, location, field and suggestion."""
    r = run("check", "--rules", str(DATA / "invalid_rules" / "unknown_intervention"), "--format", "json")
    data = json.loads(r.stdout)
    assert r.returncode == 1 and not data["ok"]
    (p,) = data["problems"]
    assert p["code"] == "unknown-intervention" and p["location"]["line"] == 12 and p["suggestion"] == "CAPTEM"


def test_check_with_a_missing_source_is_a_usage_error():
    """`--source` naming no file is a usage error."""
    assert run("check", "--rules", str(BASIC), "--source", "/no/such/review.txt").returncode == 2


def test_scenarios_command_summarises_and_fails_on_a_failing_case():
    """`netguide scenarios` prints failures at their lines and a summary; exit 1 when a case fails."""
    r = run("scenarios", "--dir", str(DATA / "scenarios_basic" / "scenarios"), "--rules", str(BASIC))
    assert r.returncode == 1
    assert "scenarios: 1 passed, 1 failed, 1 known gaps" in r.stdout
    assert "features.yaml:13:9: expected" in r.stdout


def test_scenarios_k_selects_by_name():
    """`-k` selects scenarios by name, as pytest -k does."""
    r = run("scenarios", "--dir", str(DATA / "scenarios_basic" / "scenarios"), "--rules", str(BASIC), "-k", "bulky")
    assert r.returncode == 0 and "1 passed, 0 failed" in r.stdout


def test_explain_shows_a_rule_and_suggests_on_a_typo():
    """`netguide explain` renders a rule; a near-miss id is a usage error with a suggestion."""
    r = run("explain", "features.exception_bulky", "--rules", str(BASIC))
    assert r.returncode == 0 and "overrides: features.general_no_chemo" in r.stdout
    r = run("explain", "features.exception_bulkyy", "--rules", str(BASIC))
    assert r.returncode == 2 and "did you mean 'features.exception_bulky'" in r.stderr


def test_schema_for_rule_files_is_json_schema():
    """`netguide schema rules` prints a JSON Schema editors can use."""
    r = run("schema", "rules")
    schema = json.loads(r.stdout)
    assert r.returncode == 0 and "rules" in schema["properties"]


@pytest.mark.parametrize("args, summary", [
    (("differential", "--patients", "300", "--seed", "2"), "mismatches: 0"),
    (("fuzz", "--count", "300", "--seed", "2"), "failures: 0"),
])
def test_long_run_commands_are_on_the_command_line(args, summary):
    """`netguide differential` and `netguide fuzz` run from the command line on the shipped rules and exit 0
    with their summary (the long runs are the same commands with larger counts, README 'Proving the rule base')."""
    r = run(*args)
    assert r.returncode == 0, r.stdout + r.stderr
    assert summary in r.stdout


# ------------------------------------------------------------------------------------------ exit codes 3, 4, 130

PATIENT = "grade: G3\nprimary_site: pancreas\ndifferentiation: well\ntreatment_setting: advanced\n"

HAS_REVIEW = REVIEW is not None


def _patient(tmp_path: Path, text: str = PATIENT, name: str = "p.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_closed_stdout_is_exit_4_with_a_message(tmp_path: Path):
    """`netguide evaluate p.yaml >&-`: nothing can be written, so exit 4 and say so on stderr (it was exit 0)."""
    r = subprocess.run([sys.executable, "-m", "netguide", "evaluate", str(_patient(tmp_path)), "--rules", str(BASIC)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=120,
                       preexec_fn=lambda: os.close(1))
    assert r.returncode == 4 and "standard output is closed" in r.stderr


def test_a_broken_pipe_is_exit_4_not_an_internal_error(tmp_path: Path):
    """Output into a pipe whose reader has gone: exit 4 with one line on stderr, no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        r = subprocess.run([sys.executable, "-m", "netguide", "evaluate", str(_patient(tmp_path)), "--rules",
                            str(BASIC)], stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=REPO, timeout=120)
    finally:
        os.close(write_end)
    assert r.returncode == 4, r.stderr
    assert "could not write the output" in r.stderr and "Traceback" not in r.stderr and "Exception ignored" not in r.stderr


def test_closed_stdin_is_an_input_problem(tmp_path: Path):
    """`netguide evaluate - <&-`: exit 1 with a problem saying standard input is closed (it was exit 3)."""
    r = subprocess.run([sys.executable, "-m", "netguide", "evaluate", "-", "--rules", str(BASIC)],
                       capture_output=True, text=True, cwd=REPO, timeout=120, preexec_fn=lambda: os.close(0))
    assert r.returncode == 1 and "standard input is closed" in r.stderr and "internal error" not in r.stderr


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_an_ascii_only_stdout_degrades_instead_of_crashing(tmp_path: Path, fmt: str):
    """With PYTHONIOENCODING=ascii the answer (curly quotes, >=) still prints: text with '?' in place of what the
    terminal cannot show, JSON with \\u escapes and otherwise identical (it was an internal error)."""
    p = str(_patient(tmp_path))
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    r = subprocess.run([sys.executable, "-m", "netguide", "evaluate", p, "--format", fmt], capture_output=True,
                       cwd=REPO, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    r.stdout.decode("ascii")  # nothing but ASCII was written
    if fmt == "json":
        assert json.loads(r.stdout) == json.loads(run("evaluate", p, "--format", "json").stdout)
    else:
        assert b"?" in r.stdout and b"RECOMMENDED" in r.stdout


def test_interrupt_is_130_and_an_internal_error_is_3_in_one_line(monkeypatch, capsys):
    """Ctrl-C exits 130; an unexpected exception (a netguide bug) exits 3 with one line, no traceback."""
    from netguide import cli

    def interrupted(args):
        raise KeyboardInterrupt

    def buggy(args):
        raise RuntimeError("boom")

    monkeypatch.setitem(cli.COMMANDS, "schema", interrupted)
    assert cli.main(["schema", "rules"]) == 130
    monkeypatch.setitem(cli.COMMANDS, "schema", buggy)
    assert cli.main(["schema", "rules"]) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err


# ------------------------------------------------------------------------------------------ patient files: pipes, folders, bytes

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_patient_file_may_be_a_pipe(tmp_path: Path):
    """`netguide evaluate <(cat p.yaml)` reads the pipe (it was 'no such patient file')."""
    fifo = tmp_path / "patient"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "w") as f:
            f.write("grade: G3\n")

    t = threading.Thread(target=writer)
    t.start()
    try:
        r = run("evaluate", str(fifo), "--rules", str(BASIC))
    finally:
        t.join(10)
    assert r.returncode == 0 and "features.grade_g3" in r.stdout, r.stderr


def test_dev_stdin_as_the_patient_path():
    """/dev/stdin is a patient path like any other."""
    r = run("evaluate", "/dev/stdin", "--rules", str(BASIC), stdin="grade: G3\n")
    assert r.returncode == 0 and "features.grade_g3" in r.stdout, r.stderr


def test_a_folder_as_the_patient_is_refused_clearly(tmp_path: Path):
    """A folder named x.yaml is not-a-file, exit 1 (it was an internal error)."""
    (tmp_path / "x.yaml").mkdir()
    r = run("evaluate", str(tmp_path / "x.yaml"), "--rules", str(BASIC))
    assert r.returncode == 1 and "not-a-file" in r.stderr and "internal error" not in r.stderr


def test_a_symlink_loop_as_the_patient_is_refused_clearly(tmp_path: Path):
    """A symlink loop is unreadable-file, exit 1 (it was an internal error)."""
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    r = run("evaluate", str(loop), "--rules", str(BASIC))
    assert r.returncode == 1 and "unreadable-file" in r.stderr and "internal error" not in r.stderr


def test_non_utf8_bytes_are_exit_1_from_a_file_and_from_stdin(tmp_path: Path):
    """The same Latin-1 bytes give the same not-utf8 problem with its byte offset, from a file or from stdin
    (they were exit 2 and exit 1)."""
    raw = b"grade: G2\nprimary_site: pancr\xe9as\n"
    p = tmp_path / "l.yaml"
    p.write_bytes(raw)
    from_file = subprocess.run([sys.executable, "-m", "netguide", "evaluate", str(p), "--rules", str(BASIC)],
                               capture_output=True, cwd=REPO, timeout=120)
    from_stdin = subprocess.run([sys.executable, "-m", "netguide", "evaluate", "-", "--rules", str(BASIC)],
                                capture_output=True, cwd=REPO, timeout=120, input=raw)
    for r, name in ((from_file, b"l.yaml"), (from_stdin, b"<stdin>")):
        assert r.returncode == 1 and b"not-utf8" in r.stderr and b"byte offset 29" in r.stderr and name in r.stderr


@pytest.mark.parametrize("content,code,line", [("grade: [G3\n", "yaml-syntax", 2),
                                               ("ki67_percent: 012\n", "ambiguous-number", 1),
                                               ("grade: G2\na: &a [*a]\n", "yaml-alias", 2)])
def test_file_problems_in_json_mode_are_json_on_stdout(tmp_path: Path, content: str, code: str, line: int):
    """With --format json a refused file is {"error", "problems"} on stdout, exit 1 (it was text on stderr)."""
    r = run("evaluate", str(_patient(tmp_path, content)), "--rules", str(BASIC), "--format", "json")
    data = json.loads(r.stdout)
    assert r.returncode == 1 and data["error"] == "invalid patient file" and data["problems"][0]["code"] == code
    assert data["problems"][0]["location"]["line"] == line


def test_json_on_stdin_is_read_as_json():
    """Standard input starting with { is JSON: a duplicate key is refused at its line, not silently last-wins."""
    r = run("evaluate", "-", "--rules", str(BASIC), "--format", "json", stdin='{"grade": "G2",\n "grade": "G3"}')
    (p,) = json.loads(r.stdout)["problems"]
    assert r.returncode == 1 and (p["code"], p["location"]["line"]) == ("duplicate-key", 2)


def test_invalid_facts_are_placed_at_their_line(tmp_path: Path):
    """A patient problem read from a file carries the line of its fact."""
    r = run("evaluate", str(_patient(tmp_path, "grade: G2\nprior_therapies: [SSA, captem]\n")), "--rules",
            str(BASIC), "--format", "json")
    (p,) = json.loads(r.stdout)["problems"]
    assert (p["field"], p["location"]["line"], p["location"]["column"]) == ("prior_therapies[1]", 2, 24)


def test_json_errors_do_not_echo_patient_text(tmp_path: Path):
    """An unknown key's value (a name, a record number) appears nowhere in the output, text or JSON."""
    p = _patient(tmp_path, "grade: G2\npatient_name: John Smith\nmrn: '00123456'\nprimary_site: Smith John\n")
    for fmt in ("text", "json"):
        r = run("evaluate", str(p), "--rules", str(BASIC), "--format", fmt)
        assert r.returncode == 1 and "John" not in r.stdout + r.stderr and "00123456" not in r.stdout + r.stderr


# ------------------------------------------------------------------------------------------ check: the compiler and the review

@pytest.mark.parametrize("case", ["any_of_15", "product_4x4"])
def test_check_fails_on_rules_the_engine_cannot_run(case: str):
    """A rule whose condition expands into more alternatives than the engine accepts loads, but check compiles
    the rulebook and fails at the rule's line (it said ok, and every evaluate failed)."""
    folder = DATA / "uncompilable" / case
    line, col, code = (folder / "bad.yaml").read_text().splitlines()[0].split()[2].split(":") + [
        (folder / "bad.yaml").read_text().splitlines()[0].split()[3]]
    r = run("check", "--rules", str(folder), "--no-quotes")
    assert r.returncode == 1
    assert f"bad.yaml:{line}:{col}: {code}:" in r.stdout


def test_check_without_the_review_text_is_not_ok(tmp_path: Path):
    """When the review's text cannot be found, check exits 1 with review-text-not-found on stdout, saying how
    to give it; --no-quotes checks without it and says so."""
    env = {**os.environ, "NETGUIDE_SOURCE": str(tmp_path / "missing.txt")}
    args = [sys.executable, "-m", "netguide", "check", "--rules", str(BASIC)]
    r = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, timeout=120, env=env)
    assert r.returncode == 1 and "review-text-not-found" in r.stdout
    assert "--source PATH" in r.stdout and "NETGUIDE_SOURCE" in r.stdout and "--no-quotes" in r.stdout
    assert "ok: no problems" not in r.stdout
    r = subprocess.run(args + ["--no-quotes"], capture_output=True, text=True, cwd=tmp_path, timeout=120, env=env)
    assert r.returncode == 0 and "quotes: not verified (--no-quotes)" in r.stdout


@needs_review
def test_check_finds_the_review_from_any_working_folder(tmp_path: Path):
    """Run from outside the repository, check still finds the review beside the repository and fails a
    falsified quote (it passed with only a note on stderr)."""
    env = {k: v for k, v in os.environ.items() if k != "NETGUIDE_SOURCE"}
    r = subprocess.run([sys.executable, "-m", "netguide", "check", "--rules",
                        str(DATA / "invalid_rules" / "quote_not_verbatim")], capture_output=True, text=True,
                       cwd=tmp_path, timeout=120, env=env)
    assert r.returncode == 1 and "quote-not-verbatim" in r.stdout


@needs_review
def test_netguide_source_names_the_review(tmp_path: Path):
    """NETGUIDE_SOURCE points check at the review's text; the summary says which file verified the quotes."""
    review = REPO.parent / "shared" / "source" / "zappi-2023-jcm-12-717.txt"
    env = {**os.environ, "NETGUIDE_SOURCE": str(review)}
    r = subprocess.run([sys.executable, "-m", "netguide", "check", "--rules", str(BASIC), "--scenarios",
                        str(DATA / "scenarios_basic" / "scenarios")], capture_output=True, text=True, cwd=tmp_path,
                       timeout=120, env=env)
    assert r.returncode == 0 and f"quotes: verified against {review}" in r.stdout, r.stdout + r.stderr
