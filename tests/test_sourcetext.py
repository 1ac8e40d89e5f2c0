"""Verbatim quote verification: only line-wrap hyphenation and whitespace are repaired."""
from netguide.sourcetext import SourceText

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
