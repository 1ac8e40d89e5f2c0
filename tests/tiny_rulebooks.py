"""Rulebooks written by a test, in a temporary folder: the smallest rulebook that shows one behaviour."""
from __future__ import annotations

from pathlib import Path

from netguide.rulebook.loader import load_rulebook


def one_rule_book(tmp_path: Path, when: str):
    (tmp_path / "n.yaml").write_text(
        "format: 1\narea: Numbers\nrules:\n  - id: n.r\n    title: A threshold\n    status: draft\n"
        f"    when: {when}\n"
        "    then: {kind: option, interventions: [CAPTEM], statement: Test statement text.}\n"
        "    evidence: [{section: test, quote: A quote long enough to pass.}]\n"
        "  - id: n.fallback\n    title: fallback\n    status: draft\n    when: always\n    fallback: true\n"
        "    then: {kind: insufficient_evidence, statement: Test fallback statement.}\n"
        "    evidence: [{section: test, quote: A quote long enough to pass.}]\n")
    (tmp_path / "rulebook.yaml").write_text('version: "t"\nfiles: [n.yaml]\n')
    return load_rulebook(tmp_path)
