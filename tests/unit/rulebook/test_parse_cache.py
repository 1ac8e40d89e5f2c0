"""The parse cache gives exactly what parsing gives, and never an answer from other bytes or another parser."""
from __future__ import annotations

import marshal
import os
import shutil
from pathlib import Path

import pytest

from netguide.rulebook import parse_cache
from netguide.rulebook.loader import load_rulebook
from netguide.rulebook.parse_cache import load_cached
from netguide.rulebook.source import YamlLoadError, load

SHIPPED = Path(__file__).resolve().parents[3] / "rules"
TEXT = "rules:\n  - id: a\n    when: {grade: G1}\n    note: 12.5\n"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    where = tmp_path / "cache"
    monkeypatch.setenv(parse_cache.ENV, str(where))
    return where


def _entries(where: Path) -> list[Path]:
    return sorted((where / "parsed").glob("*.marshal")) if (where / "parsed").exists() else []


def _no_parsing(monkeypatch):
    def refuse(*_a, **_k):
        raise AssertionError("parsed although an entry for these bytes exists")
    monkeypatch.setattr(parse_cache, "load_bytes", refuse)


def test_a_second_load_reads_the_entry_and_gives_what_parsing_gives(cache, tmp_path, monkeypatch):
    f = tmp_path / "a.yaml"
    f.write_text(TEXT)
    parsed, parsed_loc = load(f, "a.yaml")
    first, _ = load_cached(f, "a.yaml")
    assert len(_entries(cache)) == 1
    _no_parsing(monkeypatch)
    data, loc = load_cached(f, "a.yaml")
    assert data == parsed == first
    assert type(data["rules"][0]["note"]) is float
    assert loc.content == f.read_bytes() == parsed_loc.content
    for keypath in [(), ("rules",), ("rules", 0, "when", "grade"), ("rules", 0, "note"), ("nowhere", 3)]:
        assert loc.find(keypath) == parsed_loc.find(keypath)


def test_a_changed_file_is_parsed_again_and_overwrites_its_entry(cache, tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text(TEXT)
    load_cached(f, "a.yaml")
    f.write_text(TEXT.replace("G1", "G2"))
    data, _ = load_cached(f, "a.yaml")
    assert data["rules"][0]["when"] == {"grade": "G2"}
    assert len(_entries(cache)) == 1  # one entry per file, not one per version


def test_the_same_bytes_under_another_name_are_not_taken_from_the_entry(cache, tmp_path):
    f = tmp_path / "a.yaml"
    f.write_text(TEXT)
    load_cached(f, "a.yaml")
    _, loc = load_cached(f, "elsewhere/a.yaml")
    assert loc.find(("rules",)).path == "elsewhere/a.yaml"


def test_a_refused_file_is_never_cached_and_is_refused_again_at_its_line(cache, tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("rules:\n  - grade: 012\n")
    for _ in range(2):
        with pytest.raises(YamlLoadError) as err:
            load_cached(f, "bad.yaml")
        assert err.value.problems[0].code == "ambiguous-number"
        assert err.value.problems[0].location.line == 2
    assert _entries(cache) == []


@pytest.mark.parametrize("damage", [b"", b"x" * 10, None])
def test_a_damaged_or_foreign_entry_is_ignored(cache, tmp_path, damage):
    f = tmp_path / "a.yaml"
    f.write_text(TEXT)
    load_cached(f, "a.yaml")
    (entry,) = _entries(cache)
    blob = entry.read_bytes()
    entry.write_bytes(blob[:32] + b"\x00garbage" if damage is None else damage)  # the right key, bad data
    data, _ = load_cached(f, "a.yaml")
    assert data == load(f, "a.yaml")[0]


def test_an_entry_written_by_another_parser_is_not_used(cache, tmp_path, monkeypatch):
    f = tmp_path / "a.yaml"
    f.write_text(TEXT)
    load_cached(f, "a.yaml")
    monkeypatch.setattr(parse_cache, "_parser_key", b"\x01" * 32)  # as after an edit of source.py
    calls = []
    real = parse_cache.load_bytes
    monkeypatch.setattr(parse_cache, "load_bytes", lambda *a: calls.append(a) or real(*a))
    load_cached(f, "a.yaml")
    assert len(calls) == 1


@pytest.mark.parametrize("off", ["off", "", "0", "none"])
def test_turned_off_it_writes_nothing(tmp_path, monkeypatch, off):
    monkeypatch.setenv(parse_cache.ENV, off)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    f = tmp_path / "a.yaml"
    f.write_text(TEXT)
    assert load_cached(f, "a.yaml")[0] == load(f, "a.yaml")[0]
    assert parse_cache.cache_dir() is None
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_where_it_lives_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv(parse_cache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert parse_cache.cache_dir() == tmp_path / "xdg" / "netguide"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert parse_cache.cache_dir() == tmp_path / "home" / ".cache" / "netguide"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes through permissions")
def test_a_folder_that_cannot_be_written_is_no_error(tmp_path, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    monkeypatch.setenv(parse_cache.ENV, str(ro / "cache"))
    f = tmp_path / "a.yaml"
    f.write_text(TEXT)
    assert load_cached(f, "a.yaml")[0] == load(f, "a.yaml")[0]


def test_a_cache_path_that_is_a_file_is_no_error(tmp_path, monkeypatch):
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")  # works as root too: nothing can be made below a file
    monkeypatch.setenv(parse_cache.ENV, str(blocker))
    f = tmp_path / "a.yaml"
    f.write_text(TEXT)
    assert load_cached(f, "a.yaml")[0] == load(f, "a.yaml")[0]


def test_the_shipped_rulebook_from_the_cache_is_the_rulebook_parsed(cache, monkeypatch):
    parsed = load_rulebook(SHIPPED)
    assert _entries(cache)  # the load above wrote them
    _no_parsing(monkeypatch)
    cached = load_rulebook(SHIPPED)
    assert cached.version_string == parsed.version_string  # the content hash of the same bytes
    assert [(r.id, r.condition_text, r.where) for r in cached.rules] == [
        (r.id, r.condition_text, r.where) for r in parsed.rules]


def test_patient_files_never_go_through_it(cache, tmp_path, capsys):
    """A patient's facts have no business in a cache folder: `netguide evaluate FILE` caches the rules only."""
    from netguide.cli.main import main

    f = tmp_path / "patient.yaml"
    f.write_text("differentiation: well\nprimary_site: pancreas\ngrade: G2\ntreatment_setting: advanced\n")
    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED, rules)  # a folder no earlier test has loaded in this process
    assert main(["evaluate", str(f), "--rules", str(rules), "--format", "json"]) == 0
    assert "recommendations" in capsys.readouterr().out
    written = _entries(cache)
    assert written  # the rules were cached ...
    assert not any(parse_cache._entry(cache, f, d) in written for d in (str(f), "patient.yaml", f.name))
    patient = load(f, "patient.yaml")[0]
    assert all(marshal.loads(e.read_bytes()[32:])[0] != patient for e in written)  # ... and not the patient
