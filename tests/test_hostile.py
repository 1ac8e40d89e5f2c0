"""Hostile data files through every door: rule folders, scenario folders and patient files are refused at once
(under the generous 5 s guard), as a Problem at file:line, with exit code 1 from the command line."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from netguide.errors import RulebookError, ScenarioError
from netguide.rulebook import check_rulebook, load_rulebook
from netguide.scenarios import load_scenarios

HERE = Path(__file__).parent
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
