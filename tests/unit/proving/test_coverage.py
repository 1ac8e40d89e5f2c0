"""Coverage: every inventory item encoded or declined, every rule, silent area and declined item exercised."""
from __future__ import annotations

from pathlib import Path

import yaml

from netguide.proving.coverage import compute_coverage
from netguide.rulebook.loader import load_rulebook
from netguide.proving.scenarios import load_scenarios
from needs import TESTS

HERE = TESTS
REPO = HERE.parent
INVENTORY = REPO / "review" / "inventory.yaml"  # the project's own copy
BASIC = HERE / "data" / "rulebooks" / "basic"

FIXTURE_INVENTORY = {
    "items": [{"id": "item-a", "kind": "option"}, {"id": "item-b", "kind": "evidence"}, {"id": "item-c", "kind": "option"}],
    "silent_areas": [{"topic": "something the review does not say"}],
}


def _book_with(tmp_path: Path, encodes: dict[str, list[str]], declined: str = "") -> Path:
    text = (BASIC / "features.yaml").read_text()
    for rid, refs in encodes.items():
        marker = f"  - id: {rid}\n"
        text = text.replace(marker, marker + f"    encodes: [{', '.join(refs)}]\n")
    (tmp_path / "features.yaml").write_text(text)
    (tmp_path / "rulebook.yaml").write_text((BASIC / "rulebook.yaml").read_text())
    if declined:
        (tmp_path / "declined.yaml").write_text(declined)
    return tmp_path


def test_uncovered_items_rules_and_silent_areas_are_each_reported(tmp_path: Path):
    """An item neither encoded nor declined, a silent area without a rule, a rule without a scenario: each reported."""
    book = load_rulebook(_book_with(tmp_path, {"features.exception_bulky": ["item-a"]}))
    cov = compute_coverage(book, load_scenarios(HERE / "data" / "scenarios_basic" / "scenarios"), FIXTURE_INVENTORY)
    text = "\n".join(cov.problems)
    assert "item 'item-b' is neither encoded by a rule nor declined" in text
    assert "silent-01 (something the review does not say) is answered by no rule" in text
    assert "rule features.site_thoracic is exercised by no scenario" in text
    assert "item-a" not in text  # encoded, and its rule is exercised by basic_bulky_exception
    assert not cov.complete


def test_declined_items_need_a_reason_and_a_scenario(tmp_path: Path):
    """A declined item counts as accounted for, but still needs a scenario that covers it."""
    declined = "format: 1\ndeclined:\n  - item: item-b\n    reason: figures only, carried by another rule\n"
    book = load_rulebook(_book_with(tmp_path, {"features.exception_bulky": ["item-a", "item-c"],
                                               "features.fallback": ["silent-01"]}, declined))
    cov = compute_coverage(book, load_scenarios(HERE / "data" / "scenarios_basic" / "scenarios"), FIXTURE_INVENTORY)
    text = "\n".join(cov.problems)
    assert "declined item 'item-b' has no scenario" in text
    assert "neither encoded" not in text
    assert "silent-01 (something the review does not say) is exercised by no scenario" in text


def test_unknown_references_are_reported(tmp_path: Path):
    """`encodes` naming an item the inventory does not have is a problem, not a silent no-op."""
    book = load_rulebook(_book_with(tmp_path, {"features.grade_g3": ["item-zz"]}))
    cov = compute_coverage(book, [], FIXTURE_INVENTORY)
    assert any("encodes 'item-zz'" in p for p in cov.problems)


def test_the_shipped_rules_cover_the_whole_review():
    """82/82 inventory items encoded or declined; every rule, silent area and declined item exercised by a scenario."""
    inventory = yaml.safe_load(INVENTORY.read_text())
    cov = compute_coverage(load_rulebook(REPO / "rules"), load_scenarios(REPO / "scenarios"), inventory)
    assert cov.problems == []
    s = cov.summary()
    assert s["items_accounted"] == s["items"] == 82 and s["silent_answered"] == s["silent_areas"] == 21
    assert s["scenarios"] >= 120
