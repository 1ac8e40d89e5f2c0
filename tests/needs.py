"""What a few tests need from outside the repository, and how to provide it when it is missing.

The review's text is the publisher's and never in the repository; the contract (shared/spec) is the outside test
suites'. Everything else a test needs is in the repository (the review inventory and notes are in review/)."""
from __future__ import annotations

from pathlib import Path

import pytest

from netguide.rulebook.quotes import find_source

TESTS = Path(__file__).resolve().parent  # tests/: its data/ is the fixtures
ROOT = TESTS.parent  # the repository
REVIEW = find_source(None).path  # $NETGUIDE_SOURCE, else ../shared/source/ beside the repository
HOW_TO_PROVIDE_REVIEW = ("needs the review's text (Zappi et al. 2023, the publisher's, not in this repository): set "
                         "NETGUIDE_SOURCE=/path/to/zappi-2023-jcm-12-717.txt, or put the file at "
                         "../shared/source/zappi-2023-jcm-12-717.txt beside the repository")
needs_review = pytest.mark.skipif(REVIEW is None, reason=HOW_TO_PROVIDE_REVIEW)

CONTRACT = ROOT.parent / "shared" / "spec"
needs_contract = pytest.mark.skipif(
    not (CONTRACT / "vocabulary.yaml").is_file(),
    reason="needs the contract (shared/spec/vocabulary.yaml and contract.md): put the shared/ folder beside the "
           "repository")

# A text of our own for the quote checker's tests: hyphenation across a line wrap, spacing, a sentence each.
QUOTE_FIXTURE = ROOT / "tests" / "data" / "quote_fixture.txt"
