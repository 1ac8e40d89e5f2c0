"""`netguide diff`: rules added, removed and changed said in clinical words, the scenarios whose outcome changes and the
share of sampled patients whose answer changes, between folders and between git revisions."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from needs import ROOT
from netguide.errors import UsageError
from netguide.proving.impact.compare import compare_rules
from netguide.proving.impact.outcomes import sample_impact
from netguide.proving.impact.sides import open_side
from netguide.rulebook.loader import load_rulebook

BOOK = """format: 1
area: Test area
rules:
  - id: t.chemo
    title: Chemotherapy for G3
    status: draft
    when: {grade: G3, primary_site: pancreas}
    then: {kind: option, interventions: [CAPTEM], statement: CAPTEM is one option here.}
    evidence: [{section: "3.2", quote: A quote long enough to pass., references: [24]}]
  - id: t.gone
    title: A rule the edit removes
    status: draft
    when: {grade: G1}
    then: {kind: not_recommended, interventions: [CHEMOTHERAPY], statement: No chemotherapy for G1 tumours.}
    evidence: [{section: "3.1", quote: Another quote long enough.}]
  - id: t.fallback
    title: fallback
    status: draft
    when: always
    fallback: true
    then: {kind: insufficient_evidence, statement: Test fallback statement.}
    evidence: [{section: test, quote: A quote long enough to pass.}]
"""

SCENARIOS = """format: 1
scenarios:
  - name: g3_pancreas_gets_captem
    patient: {grade: G3, primary_site: pancreas, ki67_percent: 30}
    expect: [{rule: t.chemo, kind: option}]
    quote: A quote long enough to pass.
  - name: g3_stomach_gets_nothing
    patient: {grade: G3, primary_site: stomach}
    forbid: [{rule: t.chemo}]
    quote: A quote long enough to pass.
"""


def write(root: Path, rules: str, scenarios: str = SCENARIOS) -> Path:
    (root / "rules").mkdir(parents=True, exist_ok=True)
    (root / "scenarios").mkdir(exist_ok=True)
    (root / "rules" / "t.yaml").write_text(rules)
    (root / "rules" / "rulebook.yaml").write_text('version: "t"\nfiles: [t.yaml]\n')
    (root / "scenarios" / "t.yaml").write_text(scenarios)
    return root / "rules"


def edited(text: str = BOOK) -> str:
    text = text.replace("when: {grade: G3, primary_site: pancreas}", "when: {grade: G3, primary_site: [pancreas, stomach]}")
    text = text.replace("title: Chemotherapy for G3", "title: Chemotherapy for G3 NET")
    start = text.index("  - id: t.gone")
    end = text.index("  - id: t.fallback")
    added = ("  - id: t.new\n    title: A new rule\n    status: draft\n    when: {grade: G2}\n"
             "    then: {kind: refer_mdt, statement: Discuss at the tumour board.}\n"
             "    evidence: [{section: \"4\", quote: A third quote long enough.}]\n")
    return text[:start] + added + text[end:]


def test_rules_added_removed_and_changed_in_clinical_words(tmp_path: Path):
    old = load_rulebook(write(tmp_path / "a", BOOK))
    new = load_rulebook(write(tmp_path / "b", edited().replace("references: [24]", "references: [25]")))
    d = compare_rules(old, new)
    assert [a[0] for a in d.added] == ["t.new"] and d.added[0][1] == "refer_mdt"
    assert [r[0] for r in d.removed] == ["t.gone"]
    assert d.removed[0][1] == "not_recommended: CHEMOTHERAPY (systemic chemotherapy of any regimen)"
    (change,) = d.changed
    assert change.rule_id == "t.chemo" and change.parts == ("condition", "evidence")
    assert change.said[0] == ("condition: was “grade G3 and a primary in the pancreas”, now “grade G3 and a primary "
                              "in the pancreas or stomach”")
    assert "evidence: references of “A quote long enough to pass.” was [24], now [25]" in change.said
    assert d.edited == ()  # the retitle is inside a rule whose meaning changed


def test_a_retitled_rule_is_edited_not_changed(tmp_path: Path):
    old = load_rulebook(write(tmp_path / "a", BOOK))
    new = load_rulebook(write(tmp_path / "b", BOOK.replace("title: Chemotherapy for G3", "title: Chemo for G3")))
    d = compare_rules(old, new)
    assert (d.added, d.removed, d.changed, d.edited) == ((), (), (), (("t.chemo", ("title",)),))


def test_the_patients_whose_answer_changes_are_counted_and_grouped(tmp_path: Path):
    old = load_rulebook(write(tmp_path / "a", BOOK))
    new = load_rulebook(write(tmp_path / "b", edited()))
    patients = [{"grade": "G3", "primary_site": "stomach"}, {"grade": "G3", "primary_site": "stomach", "ki67_percent": 40},
                {"grade": "G3", "primary_site": "pancreas"}, {"grade": "G1"}, {"grade": "G2"}, {}]
    s = sample_impact("hand-picked", patients, old, new)
    assert (s.patients, s.changed) == (6, 4)
    first = s.groups[0]
    assert first.count == 2 and first.example == {"grade": "G3", "primary_site": "stomach"}
    assert first.added == ("t.chemo → option: CAPTEM",) and first.removed == ("t.fallback → insufficient_evidence",)


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netguide", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_diff_between_two_folders_names_rule_scenarios_and_share(tmp_path: Path):
    a, b = write(tmp_path / "a", BOOK), write(tmp_path / "b", edited())
    r = cli("diff", str(a), str(b), "--format", "json", "--patients", "300", "--records", "0")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [c["rule_id"] for c in out["rules"]["changed"]] == ["t.chemo"]
    (changed,) = out["scenarios"]["changed"]
    assert (changed["scenario"], changed["before"], changed["after"]) == ("g3_stomach_gets_nothing", "passed", "failed")
    assert out["scenarios"]["newly_failing"] == 1
    (sample,) = out["patients"]
    assert sample["patients"] == 300 and 0 < sample["changed"] < 300


def test_diff_between_git_revisions(tmp_path: Path):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    write(repo, BOOK)

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
    (repo / "rules" / "t.yaml").write_text(edited())
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "second")
    r = cli("diff", "HEAD~1", "HEAD", "--rules", str(repo / "rules"), "--patients", "200", "--records", "0")
    assert r.returncode == 0, r.stderr
    assert "rules: 1 added, 1 removed, 1 changed in meaning" in r.stdout
    assert "~ t.chemo  [condition changed]" in r.stdout
    assert "g3_stomach_gets_nothing  (passed -> failed)" in r.stdout
    assert r.stdout.startswith("old: HEAD~1 (")


def test_an_unknown_revision_is_a_usage_error(tmp_path: Path):
    with pytest.raises(UsageError, match="neither a folder nor a revision"):
        open_side("no-such-revision-anywhere", str(ROOT / "rules")) if (ROOT / ".git").exists() else \
            open_side("no-such-revision-anywhere", str(write(tmp_path, BOOK)))


def test_the_done_when_edit_of_a_shipped_rule(tmp_path: Path):
    """Editing one rule's condition in a scratch copy of the shipped rules: diff names the rule, the scenarios that
    now fail and the share of patients whose answer changes."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    g3 = tmp_path / "rules" / "g3.yaml"
    text = g3.read_text()
    start = text.index("id: g3.platinum_etoposide\n")
    g3.write_text(text[:start] + text[start:].replace("treatment_setting: advanced",
                                                       "treatment_setting: advanced\n      ecog_ps: {at_most: 2}", 1))
    r = cli("diff", str(ROOT / "rules"), str(tmp_path / "rules"), "--format", "json", "--patients", "1000",
            "--records", "500")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    (change,) = out["rules"]["changed"]
    assert change["rule_id"] == "g3.platinum_etoposide" and change["parts"] == ["condition"]
    assert "ECOG performance status at most 2" in change["changes"][0]
    failing = {s["scenario"] for s in out["scenarios"]["changed"] if s["after"] == "failed"}
    assert "g3_pannet_first_line_options_unranked" in failing  # expects PE for a G3 panNET with no ECOG recorded
    assert all(0 < s["changed"] < s["patients"] for s in out["patients"])
