"""The command line end to end: exit codes 0/1/2, text and JSON output, and no traceback for a user error."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
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
    """`netguide check` exits 0 on a valid rulebook."""
    r = run("check", "--rules", str(BASIC), "--scenarios", str(DATA / "scenarios_basic" / "scenarios"))
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
