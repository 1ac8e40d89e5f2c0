"""Hostile data files through every door: rule folders, scenario folders and patient files are refused at once
(under the generous 5 s guard), as a Problem at file:line, with exit code 1 from the command line."""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from netguide import cli
from netguide.errors import RulebookError, ScenarioError
from netguide.rulebook.loader import check_rulebook, load_rulebook
from netguide.proving.scenarios import load_scenarios
from needs import TESTS

HERE = TESTS
HOSTILE = HERE / "data" / "hostile"
BASIC = HERE / "data" / "rulebooks" / "basic"
SCENARIOS = HERE / "data" / "scenarios_basic" / "scenarios"
GUARD_S = 5  # a generous guard against hangs, not a benchmark


def _rulebook_copy(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(BASIC, root)
    return root


def _codes(problems) -> set[str]:
    return {p.code for p in problems}


# ------------------------------------------------------------------------------------------ rule folders

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_a_rules_folder_is_refused_without_blocking(tmp_path: Path):
    """A FIFO named like a rule file (listed in rulebook.yaml) is not-a-file at once; reading it would hang."""
    root = _rulebook_copy(tmp_path)
    os.mkfifo(root / "pipe.yaml")
    (root / "rulebook.yaml").write_text('version: "t"\nfiles: [features.yaml, pipe.yaml]\n')
    start = time.perf_counter()
    book, problems = check_rulebook(root)
    assert book is None and "not-a-file" in _codes(problems)
    assert time.perf_counter() - start < GUARD_S


@pytest.mark.parametrize("make", ["folder", "symlink-loop"])
def test_a_rules_folder_entry_that_is_no_file_is_a_problem(tmp_path: Path, make: str):
    """A folder named x.yaml or a symlink loop among the rule files is a problem, not an internal error."""
    root = _rulebook_copy(tmp_path)
    if make == "folder":
        (root / "x.yaml").mkdir()
    else:
        (root / "x.yaml").symlink_to(root / "x.yaml")
    (root / "rulebook.yaml").write_text('version: "t"\nfiles: [features.yaml, x.yaml]\n')
    book, problems = check_rulebook(root)
    assert book is None and _codes(problems) & {"not-a-file", "unreadable-file"}, problems


@pytest.mark.parametrize("which", ["rulebook.yaml", "declined.yaml"])
def test_the_manifest_and_declined_file_go_through_the_same_door(tmp_path: Path, which: str):
    """rulebook.yaml and declined.yaml are read by the same hardened loader as the rule files."""
    root = _rulebook_copy(tmp_path)
    shutil.copy(HOSTILE / "billion_laughs.yaml", root / which)
    start = time.perf_counter()
    book, problems = check_rulebook(root)
    assert book is None and "yaml-too-large" in _codes(problems), problems
    assert time.perf_counter() - start < GUARD_S


def test_a_hostile_rule_file_is_refused_at_its_line(tmp_path: Path):
    """A rule file with a recursive alias is a yaml-alias problem at its line; load_rulebook raises RulebookError."""
    root = _rulebook_copy(tmp_path)
    (root / "features.yaml").write_text("format: 1\narea: x\nrules: &r [*r]\n")
    with pytest.raises(RulebookError) as exc:
        load_rulebook(root)
    (p,) = [p for p in exc.value.problems if p.code == "yaml-alias"]
    assert p.location.line == 3 and p.location.path.endswith("features.yaml")


def test_the_content_hash_is_of_the_bytes_parsed(tmp_path: Path):
    """The rulebook's content hash comes from the one read of each file (unchanged files, unchanged hash)."""
    root = _rulebook_copy(tmp_path)
    assert load_rulebook(root).content_hash == load_rulebook(BASIC).content_hash


# ------------------------------------------------------------------------------------------ scenario folders

@pytest.mark.parametrize("fixture,code", [("billion_laughs.yaml", "yaml-too-large"),
                                          ("recursive_alias.yaml", "yaml-alias"), ("octal.yaml", "ambiguous-number")])
def test_a_hostile_scenario_file_is_refused(tmp_path: Path, fixture: str, code: str):
    """Scenario files are read by the same door: a hostile one is a ScenarioError at its line, at once."""
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder)
    shutil.copy(HOSTILE / fixture, folder / fixture)
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as exc:
        load_scenarios(folder)
    assert code in _codes(exc.value.problems)
    assert time.perf_counter() - start < GUARD_S


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_a_scenarios_folder_is_refused(tmp_path: Path):
    """A FIFO among the scenario files is not-a-file, at once."""
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder)
    os.mkfifo(folder / "pipe.yaml")
    (folder / "dir.yaml").mkdir()
    start = time.perf_counter()
    with pytest.raises(ScenarioError) as exc:
        load_scenarios(folder)
    assert [p.code for p in exc.value.problems] == ["not-a-file", "not-a-file"]
    assert time.perf_counter() - start < GUARD_S


# ------------------------------------------------------------------------------------------ patient files, through the CLI

def _generated(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


PATIENT_CASES = [
    # (file or generator, code, line)
    ("billion_laughs.yaml", "yaml-too-large", 6),
    ("recursive_alias.yaml", "yaml-alias", 3),
    ("merge_key.yaml", "yaml-merge-key", 4),
    ("set.yaml", "unordered-collection", 3),
    ("octal.yaml", "ambiguous-number", 3),
    ("duplicate_key.json", "duplicate-key", 4),
    ("nan.json", "non-finite-number", 2),
    ("latin1.yaml", "not-utf8", 2),
    (lambda: "grade: G2\nx: " + "[" * 10_000 + "]" * 10_000 + "\n", "yaml-too-deep", 2),
    (lambda: "grade: G2\nx: " + "[" * 3_000 + "]" * 3_000 + "\n", "yaml-too-deep", 2),
    (lambda: "grade: G2\nx: " + "{a: " * 3_000 + "1" + "}" * 3_000 + "\n", "yaml-too-deep", 2),
    (lambda: "grade: G2\nprior_systemic_lines: " + "7" * 5_000 + "\n", "number-too-large", 2),
    (lambda: "grade: G2\nprior_therapies: [" + ",".join(["SSA"] * 1_000_000) + "]\n", "file-too-large", 0),
    (lambda: "grade: G2\nprior_therapies: [" + ",".join(["SSA"] * 200_000) + "]\n", "yaml-too-large", 2),
    (lambda: "grade: G2\nki67_percent: 1:05\n", "ambiguous-number", 2),
    (lambda: "grade: G2\nki67_percent: 0x0e\n", "ambiguous-number", 2),
    (lambda: "grade: G2\nki67_percent: 0b1100\n", "ambiguous-number", 2),
    (lambda: "grade: G2\nki67_percent: 1_2.5\n", "ambiguous-number", 2),
]


@pytest.mark.parametrize("case,code,line", PATIENT_CASES,
                         ids=[c if isinstance(c, str) else f"{code}-{i}" for i, (c, code, _) in enumerate(PATIENT_CASES)])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_hostile_patient_file_is_exit_1_with_a_located_problem(tmp_path: Path, capsys, case, code, line, fmt):
    """Each hostile patient file: exit 1, the problem's code at its line (stderr for text, stdout JSON for
    --format json), at once; never exit 3, a traceback, a MemoryError or a silently changed value."""
    if isinstance(case, str):
        path = HOSTILE / case
    else:
        path = _generated(tmp_path, "p.yaml", case())
    start = time.perf_counter()
    rc = cli.main(["evaluate", str(path), "--rules", str(BASIC), "--format", fmt])
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    assert rc == 1, out + err
    if fmt == "json":
        (p,) = json.loads(out)["problems"]
        assert p["code"] == code and p.get("location", {}).get("line", 0) == line, p
    else:
        where = f"{path}:{line}:" if line else f"{path}: {code}"
        assert f"{code}:" in err and where in err, err
    assert elapsed < GUARD_S


# ------------------------------------------------------------------------------------------ rule and scenario folders, through the CLI

def _fifo_rule(root: Path) -> tuple[str, int]:
    os.mkfifo(root / "pipe.yaml")
    (root / "rulebook.yaml").write_text('version: "t"\nfiles: [features.yaml, pipe.yaml]\n')
    return "not-a-file", 0


def _loop_rule(root: Path) -> tuple[str, int]:
    (root / "x.yaml").symlink_to(root / "x.yaml")
    (root / "rulebook.yaml").write_text('version: "t"\nfiles: [features.yaml, x.yaml]\n')
    return "unreadable-file", 0


def _folder_rule(root: Path) -> tuple[str, int]:
    (root / "x.yaml").mkdir()
    (root / "rulebook.yaml").write_text('version: "t"\nfiles: [features.yaml, x.yaml]\n')
    return "not-a-file", 0


def _laughing_manifest(root: Path) -> tuple[str, int]:
    shutil.copy(HOSTILE / "billion_laughs.yaml", root / "rulebook.yaml")
    return "yaml-too-large", 6


def _recursive_rules(root: Path) -> tuple[str, int]:
    (root / "features.yaml").write_text("format: 1\narea: x\nrules: &r [*r]\n")
    return "yaml-alias", 3


def _deep_declined(root: Path) -> tuple[str, int]:
    (root / "declined.yaml").write_text("format: 1\ndeclined: " + "[" * 3_000 + "]" * 3_000 + "\n")
    return "yaml-too-deep", 2


def _octal_rule(root: Path) -> tuple[str, int]:
    text = (root / "features.yaml").read_text().replace("{above: 10}", "{above: 010}")
    (root / "features.yaml").write_text(text)
    return "ambiguous-number", 19


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("make", [_fifo_rule, _loop_rule, _folder_rule, _laughing_manifest, _recursive_rules,
                                  _deep_declined, _octal_rule], ids=lambda f: f.__name__.strip("_"))
def test_check_on_a_hostile_rules_folder_is_exit_1_at_once(tmp_path: Path, capsys, make):
    """`netguide check` on a rules folder with a FIFO, a symlink loop, a folder, billion laughs, a recursive
    alias, 3,000-deep nesting or an octal number: exit 1 with the code (at its line), at once, never exit 3."""
    root = _rulebook_copy(tmp_path)
    code, line = make(root)
    start = time.perf_counter()
    rc = cli.main(["check", "--rules", str(root), "--no-quotes", "--format", "json"])
    elapsed = time.perf_counter() - start
    out = capsys.readouterr().out
    assert rc == 1, out
    found = [(p["code"], p.get("location", {}).get("line", 0)) for p in json.loads(out)["problems"]]
    assert (code, line) in found, found
    assert elapsed < GUARD_S


def test_scenarios_on_a_hostile_folder_is_exit_1(tmp_path: Path, capsys):
    """`netguide scenarios` on a folder with a billion-laughs file: exit 1, the problem as JSON with
    --format json, at once."""
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder)
    shutil.copy(HOSTILE / "billion_laughs.yaml", folder / "laughs.yaml")
    start = time.perf_counter()
    rc = cli.main(["scenarios", "--dir", str(folder), "--rules", str(BASIC), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 1 and data["error"] == "invalid scenario files"
    assert [(p["code"], p["location"]["line"]) for p in data["problems"]] == [("yaml-too-large", 6)]
    assert time.perf_counter() - start < GUARD_S
