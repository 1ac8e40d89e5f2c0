"""Verbatim quote verification (only line-wrap hyphenation and whitespace are repaired), and where the review's
text is found."""
import os
from pathlib import Path

from netguide.rulebook.quotes import (DEFAULT_SOURCE, SOURCE_ENV, SourceText, find_source, repository_root,
                                 review_text_not_found)

TEXT = "the estab-\nlished antiproliferative  activity\nand a multi-\nkinase inhibitor (5-\nFU) done."


def test_a_word_split_at_a_line_end_is_joined():
    """'estab-\\nlished' matches 'established'."""
    assert SourceText(TEXT).contains("the established antiproliferative activity")


def test_a_real_hyphen_at_a_line_end_is_kept():
    """'multi-\\nkinase' matches 'multi-kinase', and '5-\\nFU' matches '5-FU'."""
    s = SourceText(TEXT)
    assert s.contains("a multi-kinase inhibitor (5-FU) done.")
    assert s.contains("a multikinase inhibitor")


def test_whitespace_runs_fold():
    """Line breaks and repeated spaces match one space."""
    assert SourceText(TEXT).contains("antiproliferative activity and a")


def test_anything_else_is_not_repaired():
    """A changed word, a changed character, or an empty quote is not verbatim."""
    s = SourceText(TEXT)
    assert not s.contains("the established antiproliferative effect")
    assert not s.contains("The established")
    assert not s.contains("   ")


# ------------------------------------------------------------------------------------------ finding the review's text

def test_an_explicit_source_is_the_only_place_looked_at(tmp_path: Path):
    """--source PATH is used alone: when it is missing, nothing else is silently used instead."""
    review = tmp_path / "r.txt"
    review.write_text("text")
    assert find_source(review, environ={SOURCE_ENV: "/elsewhere"}).path == review
    missing = find_source(tmp_path / "none.txt", environ={})
    assert missing.path is None and missing.tried == (str(tmp_path / "none.txt"),)


def test_the_environment_variable_comes_next_and_alone(tmp_path: Path):
    """NETGUIDE_SOURCE names the text when --source is not given; a wrong one is reported, not replaced."""
    review = tmp_path / "r.txt"
    review.write_text("text")
    assert find_source(None, environ={SOURCE_ENV: str(review)}).path == review
    wrong = find_source(None, environ={SOURCE_ENV: str(tmp_path / "none.txt")})
    assert wrong.path is None and wrong.given_by == SOURCE_ENV
    assert SOURCE_ENV in review_text_not_found(wrong).message


def test_the_default_is_relative_to_the_repository_then_the_working_folder(tmp_path: Path, monkeypatch):
    """Without either, the review is looked for beside the repository (whatever the working folder), then
    relative to the working folder."""
    monkeypatch.chdir(tmp_path)
    found = find_source(None, environ={})
    root = repository_root()
    assert root is not None
    assert found.tried == (os.path.normpath(root / DEFAULT_SOURCE), os.path.normpath(Path.cwd() / DEFAULT_SOURCE))
    if (root / DEFAULT_SOURCE).is_file():
        assert found.path is not None and found.given_by == "default"


def test_the_not_found_problem_says_exactly_how_to_give_the_text():
    """review-text-not-found names --source, NETGUIDE_SOURCE, the default place and --no-quotes."""
    p = review_text_not_found(find_source(None, environ={SOURCE_ENV: "/no/such/review.txt"}))
    assert p.code == "review-text-not-found"
    for words in ("--source PATH", "NETGUIDE_SOURCE=PATH", "place it at", "--no-quotes", "/no/such/review.txt"):
        assert words in p.message
