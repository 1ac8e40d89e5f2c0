"""Sign-off that notices change: the fingerprint follows a rule's clinical meaning and nothing else, `signoff` writes
only the rule's status and review lines, and `check` reports every signed rule whose meaning changed since."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from needs import ROOT
from netguide.errors import UsageError
from netguide.rulebook.loader import load_rulebook
from netguide.rulebook.signoff import fingerprint, record_signoff, signoff_problems, signoff_state

RULE = """format: 1
area: Test area
rules:
  # a comment a clinician wrote, which must survive a sign-off
  - id: t.rule
    title: A rule
    status: draft   # trailing comment
    when:
      grade: G2
      primary_site: [pancreas, lung]
    then:
      kind: option
      interventions: [CAPTEM, STZ_5FU]
      statement: >-
        Test statement text
        folded over two lines.
    evidence:
      - {section: "3.1", quote: A quote long enough to pass., references: [24]}
    notes: why the author chose this
  - id: t.fallback
    title: fallback
    status: draft
    when: always
    fallback: true
    then: {kind: insufficient_evidence, statement: Test fallback statement.}
    evidence: [{section: test, quote: A quote long enough to pass.}]
"""


def book_of(tmp_path: Path, text: str = RULE, name: str = "t"):
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    (folder / "t.yaml").write_text(text)
    (folder / "rulebook.yaml").write_text('version: "t"\nfiles: [t.yaml]\n')
    return load_rulebook(folder)


def fp(tmp_path: Path, text: str, name: str) -> str:
    return fingerprint(book_of(tmp_path, text, name).by_id["t.rule"])


@pytest.mark.parametrize("edit", [
    ("  # a comment a clinician wrote, which must survive a sign-off\n", ""),          # a comment
    ("notes: why the author chose this", "notes: another reason entirely"),           # the author's notes
    ("title: A rule", "title: A retitled rule"),                                       # the title
    ("primary_site: [pancreas, lung]", "primary_site: [lung, pancreas]"),             # the order of values
    ("      grade: G2\n      primary_site: [pancreas, lung]\n",
     "      primary_site: [pancreas, lung]\n      grade: G2\n"),                        # the order of facts
    ("interventions: [CAPTEM, STZ_5FU]", "interventions: [STZ_5FU, CAPTEM]"),          # the order of regimens
    ("        Test statement text\n        folded over two lines.",
     "        Test statement text folded\n        over two lines."),                  # how a statement wraps
])
def test_the_fingerprint_ignores_what_is_not_clinical_meaning(tmp_path: Path, edit):
    assert RULE.count(edit[0]) == 1
    assert fp(tmp_path, RULE.replace(*edit), "b") == fp(tmp_path, RULE, "a")


@pytest.mark.parametrize("edit, part", [
    (("grade: G2", "grade: G1"), "condition"),
    (("primary_site: [pancreas, lung]", "primary_site: [pancreas]"), "condition"),
    (("kind: option", "kind: preferred"), "conclusion"),
    (("interventions: [CAPTEM, STZ_5FU]", "interventions: [CAPTEM]"), "conclusion"),
    (("folded over two lines.", "folded over three lines."), "conclusion"),
    (("references: [24]", "references: [25]"), "evidence"),
    (("quote: A quote long enough to pass., r", "quote: Another quote long enough., r"), "evidence"),
])
def test_the_fingerprint_changes_with_the_part_that_changed(tmp_path: Path, edit, part):
    before = dict(p.split(" ") for p in fp(tmp_path, RULE, "a").split(", "))
    after = dict(p.split(" ") for p in fp(tmp_path, RULE.replace(*edit), "b").split(", "))
    assert [p for p in before if before[p] != after[p]] == [part]


def test_signoff_changes_only_the_status_line_and_adds_the_review(tmp_path: Path):
    book = book_of(tmp_path)
    path = record_signoff(book, "t.rule", "Dr  Ada Lovelace", "signed", "2026-12-01")
    before, after = RULE.splitlines(), path.read_text().splitlines()
    assert len(after) == len(before) + 1
    i = before.index("    status: draft   # trailing comment")
    assert after[i] == "    status: signed   # trailing comment"
    assert after[i + 1].startswith('    review: {by: "Dr Ada Lovelace", date: "2026-12-01", fingerprint: "condition ')
    assert after[:i] + after[i + 2:] == before[:i] + before[i + 1:]
    state = signoff_state(load_rulebook(path.parent).by_id["t.rule"])
    assert (state.status, state.by, state.date, state.changed) == ("signed", "Dr Ada Lovelace", "2026-12-01", False)


def test_signing_again_replaces_the_review_even_when_written_as_a_block(tmp_path: Path):
    book = book_of(tmp_path)
    record_signoff(book, "t.rule", "Dr A", "reviewed", "2026-11-01")
    folder = tmp_path / "t"
    text = (folder / "t.yaml").read_text()
    line = next(ln for ln in text.splitlines() if ln.startswith("    review:"))
    fpr = line.split('fingerprint: "')[1].rstrip('"}')
    block = f'    review:\n      by: Dr A\n      date: "2026-11-01"\n      fingerprint: "{fpr}"'
    (folder / "t.yaml").write_text(text.replace(line, block))
    record_signoff(load_rulebook(folder), "t.rule", "Dr B", "signed", "2026-12-01")
    after = (folder / "t.yaml").read_text()
    assert after.count("review:") == 1 and "Dr A" not in after and 'by: "Dr B"' in after
    assert after.replace(next(ln for ln in after.splitlines() if ln.startswith("    review:")) + "\n", "") \
        .replace("status: signed", "status: draft") == RULE


def test_check_reports_a_signed_rule_whose_condition_changed(tmp_path: Path):
    path = record_signoff(book_of(tmp_path), "t.rule", "Dr A", "signed", "2026-12-01")
    assert signoff_problems(load_rulebook(path.parent)) == []
    path.write_text(path.read_text().replace("grade: G2", "grade: G3"))
    (problem,) = signoff_problems(load_rulebook(path.parent))
    assert problem.code == "changed-since-signoff" and "'t.rule'" in problem.message
    assert "its condition changed" in problem.message and "Dr A" in problem.message
    assert problem.location.line == 8  # the review line, just under the status


def test_a_draft_rule_with_an_old_review_is_not_reported(tmp_path: Path):
    path = record_signoff(book_of(tmp_path), "t.rule", "Dr A", "signed", "2026-12-01")
    path.write_text(path.read_text().replace("grade: G2", "grade: G3").replace("status: signed", "status: draft"))
    state = signoff_state(load_rulebook(path.parent).by_id["t.rule"])
    assert signoff_problems(load_rulebook(path.parent)) == [] and state.label.startswith("draft (last reviewed by Dr A")


def test_a_signed_rule_without_a_record_is_reported(tmp_path: Path):
    book = book_of(tmp_path, RULE.replace("status: draft   #", "status: signed   #"))
    (problem,) = signoff_problems(book)
    assert problem.code == "signoff-not-recorded" and problem.suggestion == "netguide signoff t.rule --by NAME"


@pytest.mark.parametrize("kwargs, message", [
    ({"rule_id": "t.rul"}, "did you mean 't.rule'"),
    ({"by": "x\n"}, "by"),
    ({"by": ""}, "by"),
    ({"date": "1 December"}, "date"),
    ({"state": "draft"}, "reviewed' or 'signed"),
])
def test_a_bad_signoff_is_refused_and_writes_nothing(tmp_path: Path, kwargs, message):
    book = book_of(tmp_path)
    args = {"rule_id": "t.rule", "by": "Dr A", "state": "signed", "date": "2026-12-01", **kwargs}
    with pytest.raises(UsageError, match=message):
        record_signoff(book, **args)
    assert (tmp_path / "t" / "t.yaml").read_text() == RULE


def test_a_rule_written_in_flow_style_is_not_edited(tmp_path: Path):
    text = RULE.replace("  - id: t.fallback\n    title: fallback\n    status: draft\n",
                        "  - {id: t.fallback, title: fallback, status: draft,\n     ") \
        .replace("    when: always\n    fallback: true\n    then: {kind: insufficient_evidence, statement: Test fallback "
                 "statement.}\n    evidence: [{section: test, quote: A quote long enough to pass.}]\n",
                 "when: always, fallback: true, then: {kind: insufficient_evidence, statement: Test fallback "
                 "statement.}, evidence: [{section: test, quote: A quote long enough to pass.}]}\n")
    book = book_of(tmp_path, text)
    with pytest.raises(UsageError, match="not on a line of its own"):
        record_signoff(book, "t.fallback", "Dr A")
    assert (tmp_path / "t" / "t.yaml").read_text() == text


def test_signoff_then_an_edit_then_check_on_a_copy_of_the_shipped_rules(tmp_path: Path):
    """The issue's done-when: edit one rule's condition in a scratch copy; check reports it as changed since sign-off."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "netguide", *args, "--rules", str(rules)], capture_output=True,
                              text=True, timeout=120)

    r = cli("signoff", "g3.platinum_etoposide", "--by", "Dr Ada Lovelace")
    assert r.returncode == 0, r.stderr
    assert cli("check", "--no-quotes").returncode == 0
    g3 = rules / "g3.yaml"
    text = g3.read_text()
    start = text.index("id: g3.platinum_etoposide")
    g3.write_text(text[:start] + text[start:].replace("grade: G3", "grade: G2", 1))
    r = cli("check", "--no-quotes")
    assert r.returncode == 1
    assert "changed-since-signoff: rule 'g3.platinum_etoposide' was signed by Dr Ada Lovelace" in r.stdout
    assert "its condition changed since" in r.stdout
