"""`netguide serve` and `netguide feedback` without a server: a missing extra, a file that is no feedback database."""
from __future__ import annotations

import sys
from pathlib import Path

from netguide.cli import main


def test_serve_without_the_extra_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the serve extra were not installed
    assert main(["serve", "--local"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'pip install -e ".[serve]"' in err and "uvicorn" in err


def test_feedback_summary_of_a_file_that_is_no_database(tmp_path: Path, capsys):
    p = tmp_path / "notes.sqlite3"
    p.write_text("not a database " * 100)
    assert main(["feedback", "summary", "--db", str(p)]) == 1
    assert "is not a netguide feedback database" in capsys.readouterr().err
    assert main(["feedback", "summary", "--db", str(tmp_path / "none.sqlite3")]) == 2
