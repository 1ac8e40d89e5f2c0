"""Each quote inside its paragraph of the review: paragraphs, headings, the quote's place, wrap hyphens."""
from __future__ import annotations

from netguide.book.context import ReviewText

TEXT = """ Abstract: A short abstract of a review about neuroendocrine tumours.

1. Introduction

Somatostatin analogues are the mainstay of treatment, and this sen-
tence wraps across a line. Chemotherapy is reserved to select cases of well-
differentiated tumours. A third sentence follows.

Another paragraph speaks of well-differentiated tumours on one line.

3.1. Results
3.1.1. Current Evidence

• STZ-Based Regimens

Streptozotocin was the first drug
approved for this disease.
"""


def test_a_quote_is_found_in_its_paragraph_with_what_stands_around_it():
    ctx = ReviewText(TEXT).context("Chemotherapy is reserved to select cases of well-differentiated tumours.")
    assert ctx.heading == "1. Introduction"
    assert ctx.before == "Somatostatin analogues are the mainstay of treatment, and this sentence wraps across a line. "
    assert ctx.quote == "Chemotherapy is reserved to select cases of well-differentiated tumours."
    assert ctx.after == " A third sentence follows."


def test_headings_stacked_and_bullet_subheadings():
    ctx = ReviewText(TEXT).context("Streptozotocin was the first drug approved")
    assert ctx.heading == "3.1.1. Current Evidence \u2014 STZ-Based Regimens"
    assert ReviewText(TEXT).context("A short abstract").heading == "Abstract"


def test_a_real_hyphen_at_a_line_end_is_kept_in_the_context_a_split_word_is_joined():
    text = ReviewText("Chemotherapy in well-\ndifferentiated tumours, once estab-\nlished, stays. Here.\n\n"
                      "Printed on one line: well-differentiated.\n")
    ctx = text.context("Here.")
    assert ctx.before == "Chemotherapy in well-differentiated tumours, once established, stays. "


def test_a_quote_in_no_single_paragraph_has_no_context():
    assert ReviewText(TEXT).context("A third sentence follows. Another paragraph speaks") is None
    assert ReviewText(TEXT).context("not in the text at all") is None
