"""Loading and checking rule files: shipped rules are valid, each deliberate mistake is reported at its line."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from netguide.errors import RulebookError
from netguide.rulebook.loader import check_rulebook, load_rulebook
from netguide.rulebook.quotes import SourceText, check_quotes

from needs import QUOTE_FIXTURE, REVIEW, TESTS, needs_review

HERE = TESTS
REPO = HERE.parent
INVALID = HERE / "data" / "invalid_rules"


def _expected(case: Path) -> tuple[int, int, str]:
    header = (case / "bad.yaml").read_text().splitlines()[0]
    m = re.match(r"# expect: (\d+):(\d+) ([a-z-]+)", header)
    assert m, f"{case}/bad.yaml must start with '# expect: LINE:COL code'"
    return int(m[1]), int(m[2]), m[3]


def test_shipped_rules_load_with_no_problem():
    """Every rule file clinicians sign loads with zero problems."""
    book, problems = check_rulebook(REPO / "rules")
    assert problems == [], "\n".join(map(str, problems))
    assert book is not None and len(book.rules) > 0


@needs_review
def test_every_shipped_quote_is_verbatim_in_the_review():
    """Every citation quote of the shipped rules appears verbatim in the review (hyphenation and whitespace aside)."""
    book = load_rulebook(REPO / "rules")
    assert check_quotes(book, SourceText.from_file(REVIEW)) == []


@pytest.mark.parametrize("case", sorted(p for p in INVALID.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_each_deliberate_mistake_is_reported_at_its_line(case: Path):
    """Each broken fixture is reported with the code and the line:column its header names."""
    line, col, code = _expected(case)
    book, problems = check_rulebook(case)
    if book is not None:  # quotes against the review when it is beside the repository, else our own fixture text
        problems = check_quotes(book, SourceText.from_file(REVIEW or QUOTE_FIXTURE))
    found = [(p.location.line, p.location.column, p.code) for p in problems if p.location]
    assert (line, col, code) in found, "\n".join(map(str, problems))
    assert all(p.location.path.endswith("bad.yaml") for p in problems if p.code == code)


def test_unknown_fact_comes_with_a_suggestion():
    """A misspelt fact is named with the fact it most likely meant."""
    _, problems = check_rulebook(INVALID / "unknown_fact")
    assert [p.suggestion for p in problems if p.code == "unknown-fact"] == ["ki67_percent"]


def test_load_rulebook_raises_with_every_problem():
    """load_rulebook refuses a broken rulebook and the error lists the problem with its file:line."""
    with pytest.raises(RulebookError) as exc:
        load_rulebook(INVALID / "unknown_value")
    assert "bad.yaml:9:19: unknown-value" in str(exc.value)


def test_problems_from_several_files_are_all_reported(tmp_path: Path):
    """Problems are collected across files, not stopped at the first."""
    for name in ("unknown_fact", "unknown_kind"):
        (tmp_path / f"{name}.yaml").write_text((INVALID / name / "bad.yaml").read_text().replace("bad.", f"{name}."))
    (tmp_path / "rulebook.yaml").write_text('version: "t"\nfiles: [unknown_fact.yaml, unknown_kind.yaml]\n')
    _, problems = check_rulebook(tmp_path)
    assert {p.code for p in problems} >= {"unknown-fact", "unknown-kind"}
    assert {Path(p.location.path).name for p in problems} == {"unknown_fact.yaml", "unknown_kind.yaml"}


def test_an_unlisted_rule_file_is_a_problem(tmp_path: Path):
    """A rule file not listed in rulebook.yaml is reported, so no file is silently ignored."""
    src = HERE / "data" / "rulebooks" / "basic"
    for p in src.iterdir():
        (tmp_path / p.name).write_text(p.read_text())
    (tmp_path / "extra.yaml").write_text("format: 1\n")
    _, problems = check_rulebook(tmp_path)
    assert [p.code for p in problems] == ["unlisted-file"]


def test_a_rulebook_without_fallback_is_refused(tmp_path: Path):
    """Without a `when: always` fallback some valid patient could get no answer: the loader refuses it."""
    src = HERE / "data" / "rulebooks" / "basic"
    (tmp_path / "rulebook.yaml").write_text((src / "rulebook.yaml").read_text())
    text = (src / "features.yaml").read_text()
    (tmp_path / "features.yaml").write_text(text[: text.index("  - id: features.fallback")])
    _, problems = check_rulebook(tmp_path)
    assert [p.code for p in problems] == ["no-fallback"]


def test_version_carries_a_content_hash_that_follows_the_files(tmp_path: Path):
    """rulebook_version changes when any rule file's content changes."""
    src = HERE / "data" / "rulebooks" / "basic"
    for p in src.iterdir():
        (tmp_path / p.name).write_text(p.read_text())
    before = load_rulebook(tmp_path).version_string
    f = tmp_path / "features.yaml"
    f.write_text(f.read_text().replace("Test statement for a list test.", "Test statement for a list test (edited)."))
    after = load_rulebook(tmp_path).version_string
    assert before.split("+")[0] == after.split("+")[0] == "test-1"
    assert before != after


SCENARIO_TEXT = """scenarios:
  - name: s_one
    patient: {grade: G2}
    expect:
      - {KEY_EXPECT: x.y}
    KEY_TOP: []
    quote: A quote long enough to pass.
"""


@pytest.mark.parametrize("expect_key,top_key,wanted", [
    ("rulez", "forbid", ("rulez", "rule")),
    ("rule", "expekt", ("expekt", "expect")),
    ("rule", "forbd", ("forbd", "forbid")),
])
def test_scenario_files_get_their_own_keys_as_suggestions(tmp_path: Path, expect_key, top_key, wanted):
    """An unknown key in a scenario file is answered with the scenario file's keys, not a rule file's
    ('rulez' -> 'rule', never 'rules')."""
    from netguide.errors import ScenarioError
    from netguide.proving.scenarios import load_scenario_file

    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO_TEXT.replace("KEY_EXPECT", expect_key).replace("KEY_TOP", top_key))
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    unknown = [p for p in info.value.problems if p.code == "unknown-key"]
    assert [(p.field, p.suggestion) for p in unknown] == [wanted]


@pytest.mark.parametrize("name,text,wanted", [
    ("rules.yaml", "format: 1\narea: An area\nrules:\n  - id: rules.a\n    title: A title\n    status: draft\n"
     "    whn: {grade: G2}\n    then: {kind: option, statement: A statement long enough.}\n"
     "    evidence: [{section: s, quote: A quote long enough to pass.}]\n", ("whn", "when")),
    ("rules.yaml", "format: 1\narea: An area\nrules:\n  - id: rules.a\n    title: A title\n    status: draft\n"
     "    when: {grade: G2}\n    then: {kind: option, statment: A statement long enough.}\n"
     "    evidence: [{section: s, quote: A quote long enough to pass.}]\n", ("statment", "statement")),
    ("implications.yaml", "format: 1\nimplications:\n  - id: a\n    title: A title\n    when: {grade: G1}\n"
     "    thn: {differentiation: well}\n    because: a reason long enough\n", ("thn", "then")),
])
def test_rule_and_side_files_get_their_own_keys_as_suggestions(tmp_path: Path, name, text, wanted):
    (tmp_path / "rulebook.yaml").write_text(f"version: '1'\nfiles: [{'rules.yaml'}]\n")
    if name != "rules.yaml":
        (tmp_path / "rules.yaml").write_text(
            "format: 1\narea: An area\nrules:\n  - id: rules.fallback\n    title: A title\n    status: draft\n"
            "    when: always\n    fallback: true\n    then: {kind: insufficient_evidence, statement: A statement.}\n"
            "    evidence: [{section: s, quote: A quote long enough to pass.}]\n")
    (tmp_path / name).write_text(text)
    _, problems = check_rulebook(tmp_path)
    unknown = [p for p in problems if p.code == "unknown-key"]
    assert [(p.field, p.suggestion) for p in unknown] == [wanted], problems
