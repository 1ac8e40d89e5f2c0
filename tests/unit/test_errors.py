"""Every problem code the source writes is in the one table of codes (netguide.errors.PROBLEM_CODES)."""
from __future__ import annotations

import re

from needs import ROOT

from netguide.errors import PROBLEM_CODES

# Where the source writes a problem code: Problem("code", ...), self.problem("code", ...), {"code": "code"}, and the
# codes chosen by a conditional or a table.
_WRITTEN = re.compile(r'(?:Problem|problem)\("([a-z-]+)"|"code": "([a-z-]+)"|\("(unknown-[a-z]+)"'
                      r'|code = "([a-z-]+)"(?: if [^\n]* else "([a-z-]+)")?')


def test_every_problem_code_written_is_in_the_table():
    written = set()
    for path in (ROOT / "src" / "netguide").rglob("*.py"):
        for groups in _WRITTEN.findall(path.read_text()):
            written |= {g for g in groups if g}
    assert len(written) > 30  # the pattern still finds them
    assert sorted(written - set(PROBLEM_CODES)) == []


def test_every_code_in_the_table_says_what_it_means():
    assert all(len(meaning) > 10 for meaning in PROBLEM_CODES.values())
