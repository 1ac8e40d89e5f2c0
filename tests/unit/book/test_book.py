"""`netguide book` end to end on small rulebooks: every page written, the version on each, quotes in their paragraph
when the review's text is given and a note saying how to add it when not, a changed sign-off flagged, a diff page."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from needs import QUOTE_FIXTURE, ROOT, TESTS

BASIC = TESTS / "data" / "rulebooks" / "basic"
SCENARIOS = TESTS / "data" / "scenarios_basic"
PAGES = {"index.html", "combine.html", "decisions.html", "declined.html", "implications.html", "coverage.html",
         "scenarios.html", "area-features.html"}


def book(out: Path, *args: str, source: str | None = None, rules: Path = BASIC) -> subprocess.CompletedProcess:
    env = {**os.environ, "NETGUIDE_SOURCE": source or str(out / "no-review-here.txt")}
    return subprocess.run([sys.executable, "-m", "netguide", "book", "--out", str(out), "--rules", str(rules),
                           "--scenarios", str(SCENARIOS), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


def test_every_page_is_written_with_the_version(tmp_path: Path):
    r = book(tmp_path / "b")
    assert r.returncode == 0, r.stderr
    pages = {p.name for p in (tmp_path / "b").glob("*.html")}
    assert pages == PAGES
    version = re.search(r"rulebook (\S+)$", r.stdout.splitlines()[0])[1]
    for name in pages:
        assert f"rulebook {version}" in (tmp_path / "b" / name).read_text()
    assert (tmp_path / "b" / "static" / "book.css").read_text().count("@media print") == 1


def test_without_the_review_text_quotes_stand_alone_and_a_note_says_how_to_add_it(tmp_path: Path):
    r = book(tmp_path / "b")
    assert "note: The review's text was not found" in r.stdout
    html = (tmp_path / "b" / "area-features.html").read_text()
    assert "--source PATH, or set NETGUIDE_SOURCE=PATH" in html
    assert '<blockquote><mark class="quote">In G1-G2 NETs, chemotherapy is not the first choice' in html
    assert "in-context" not in html


def test_with_the_review_text_each_quote_is_marked_inside_its_paragraph(tmp_path: Path):
    r = book(tmp_path / "b", source=str(QUOTE_FIXTURE))
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "b" / "area-features.html").read_text()
    assert "The review's text was not found" not in html
    # the sentence before the quote, with its line-wrap hyphen resolved, then the quote marked
    assert ("its sentences wrap across lines as a journal&#39;s text does, with doubled spaces here and there. "
            '<mark class="quote">In G1-G2 NETs, chemotherapy is not the first choice') in html


def test_a_rule_changed_since_sign_off_is_flagged_and_a_diff_page_names_it(tmp_path: Path):
    rules = tmp_path / "rules"
    shutil.copytree(BASIC, rules)
    signed = subprocess.run([sys.executable, "-m", "netguide", "signoff", "features.grade_g3", "--by", "Dr A",
                             "--rules", str(rules), "--date", "2026-12-01"], capture_output=True, text=True, cwd=ROOT)
    assert signed.returncode == 0, signed.stderr
    text = (rules / "features.yaml").read_text()
    (rules / "features.yaml").write_text(text.replace("when: {grade: G3}", "when: {grade: [G2, G3]}", 1))
    r = book(tmp_path / "b", "--diff", str(BASIC), "--patients", "200", rules=rules)
    assert r.returncode == 0, r.stderr
    assert "changed since sign-off: features.grade_g3" in r.stdout
    area = (tmp_path / "b" / "area-features.html").read_text()
    row = area[area.index('<tr id="features.grade_g3"'):area.index("</tr>", area.index('<tr id="features.grade_g3"'))]
    assert 'class="changed in-diff"' in row and "Changed since sign-off</strong> (condition)" in row
    assert "signed by Dr A on 2026-12-01" in row
    index = (tmp_path / "b" / "index.html").read_text()
    assert "Changed since sign-off: review again" in index
    diff = (tmp_path / "b" / "diff.html").read_text()
    assert "Changed <a href=\"area-features.html#features.grade_g3\">features.grade_g3</a> (condition)" in diff
    assert "now “grade G2 or G3”" in diff
