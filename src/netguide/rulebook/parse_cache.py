"""Parsed rulebook files kept on disk between processes, as Python keeps bytecode: a new process that loads an
unchanged rules folder reads each file's data from the cache instead of running PyYAML's pure-Python parser
(measured: 0.5 s of the 0.55 s a first evaluate() took, most of a cold start; reading the cache takes a few ms).

What is kept is exactly what `source.load` returns for a file that loaded: its data and its key-path marks (the
bytes stay the file's own, re-read every time). An entry is used only when it was made from the same bytes, shown
under the same path, by the same parser: its key is a hash of the file's bytes, the displayed path (which decides
YAML or JSON, and appears in every location) and the code that parses (source.py itself, PyYAML's version,
Python's). Anything else — a changed file, an edited parser, a missing, truncated or foreign entry — parses the
file again, as if there were no cache. A file that is refused is never cached, so its error is found again each
time, at its line.

Only rules folders use it (rule files, rulebook.yaml, declined.yaml, the side files): never a patient's file,
whose facts have no business in a cache folder. One entry per file path, overwritten when the file changes, so
the folder does not grow with edits. Where: $NETGUIDE_CACHE_DIR, else $XDG_CACHE_HOME/netguide, else
~/.cache/netguide; NETGUIDE_CACHE_DIR=off (or empty) turns it off. A folder that cannot be written is no error:
the file is parsed, as without a cache.
"""
from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from netguide.rulebook import source
from netguide.rulebook.source import Locator, load_bytes, read_bytes

ENV = "NETGUIDE_CACHE_DIR"
_OFF = {"", "0", "off", "no", "none", "false"}
_FORMAT = b"netguide parse cache 1"
_parser_key: bytes | None = None


def cache_dir() -> Path | None:
    """The folder entries live in, or None when the cache is turned off."""
    value = os.environ.get(ENV)
    if value is not None:
        return None if value.strip().lower() in _OFF else Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "netguide"


def _parser() -> bytes:
    """A hash of everything that turns bytes into data: an edited source.py (an editable install keeps its version
    number) must not read entries its predecessor wrote."""
    global _parser_key
    if _parser_key is None:
        h = hashlib.sha256(_FORMAT)
        h.update(Path(source.__file__).read_bytes())
        h.update(yaml.__version__.encode())
        h.update(sys.version.encode())
        _parser_key = h.digest()
    return _parser_key


def _entry(where: Path, path: Path, display: str) -> Path:
    name = hashlib.sha256(f"{os.path.abspath(path)}\0{display}".encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return where / "parsed" / f"{name}.marshal"


def load_cached(path: Path, display: str) -> tuple[Any, Locator]:
    """source.load(path, display), read from the cache when an entry for these very bytes exists."""
    raw = read_bytes(path, display)  # the same checks as load(): a regular file, within the size cap
    where = cache_dir()
    if where is None:
        return load_bytes(raw, display)
    h = hashlib.sha256(_parser())
    h.update(display.encode("utf-8", "surrogatepass") + b"\0")
    h.update(raw)
    key = h.digest()
    entry = _entry(where, path, display)
    try:
        blob = entry.read_bytes()
        if blob[:32] == key:
            data, marks = marshal.loads(blob[32:])
            if type(marks) is dict:
                return data, Locator(display, marks, raw)
    except (OSError, ValueError, EOFError, TypeError):  # no entry, or one that is not ours: parse
        pass
    data, locator = load_bytes(raw, display)
    try:
        payload = marshal.dumps((data, locator._marks))
    except ValueError:  # a value marshal cannot keep (none today: the loader builds plain data only)
        return data, locator
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        # Written whole and then renamed: a reader in another process sees the old entry or the new, never half.
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(key + payload)
            os.replace(tmp, entry)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:  # read-only home, full disk: the cache is an optimisation, the data are already here
        pass
    return data, locator

