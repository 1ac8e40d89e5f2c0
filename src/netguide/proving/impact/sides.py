"""One side of a comparison: the rulebook and scenarios of a git revision, or of a folder on disk.

A revision is read with `git archive` into a temporary folder that lives as long as the Side, so every message
still points at a real file; a folder is a rules folder (holding rulebook.yaml) or a repository holding rules/.
"""
from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netguide.errors import UsageError
from netguide.rulebook.loader import RULEBOOK_MANIFEST, Rulebook, default_rules_dir, load_rulebook


@dataclass
class Side:
    label: str  # what the user typed, and the commit it resolved to
    rulebook: Rulebook
    scenarios_dir: Path | None
    _keep: Any = field(default=None, repr=False)  # the temporary folder of a revision, removed with the Side


def _git(repo: Path, *args: str, binary: bool = False) -> Any:
    try:
        r = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, timeout=120, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed, so a revision cannot be read; give two rules folders") from None
    if r.returncode != 0:
        return None
    return r.stdout if binary else r.stdout.decode("utf-8", "replace").strip()


def open_side(spec: str, rules: str | None = None) -> Side:
    """The rulebook and scenarios `spec` names: a folder, or a git revision of the repository holding the rules."""
    path = Path(spec)
    if path.is_dir():
        rules_dir = path if (path / RULEBOOK_MANIFEST).is_file() else path / "rules"
        if not (rules_dir / RULEBOOK_MANIFEST).is_file():
            raise UsageError(f"{spec}: neither a rules folder (with {RULEBOOK_MANIFEST}) nor a folder holding rules/")
        scenarios = rules_dir.parent / "scenarios"
        return Side(spec, load_rulebook(rules_dir), scenarios if scenarios.is_dir() else None)
    base = Path(rules).resolve() if rules else default_rules_dir()
    top = _git(base, "rev-parse", "--show-toplevel")
    if not top:
        raise UsageError(f"{spec!r} is not a folder, and {base} is not in a git repository to read a revision from")
    commit = _git(Path(top), "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
    if not commit:
        raise UsageError(f"{spec!r} is neither a folder nor a revision of the repository at {top}")
    rel = base.relative_to(Path(top).resolve()).as_posix()
    scen_rel = (Path(rel).parent / "scenarios").as_posix().lstrip("./") or "scenarios"
    paths = [rel] + ([scen_rel] if _git(Path(top), "cat-file", "-e", f"{commit}:{scen_rel}") is not None else [])
    archive = _git(Path(top), "archive", "--format=tar", commit, *paths, binary=True)
    if archive is None:
        raise UsageError(f"revision {spec} has no {rel}/ folder")
    tmp = tempfile.TemporaryDirectory(prefix=f"netguide-{commit[:8]}-")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp.name, filter="data")
    root = Path(tmp.name)
    scenarios = root / scen_rel if (root / scen_rel).is_dir() else None
    return Side(f"{spec} ({commit[:10]})", load_rulebook(root / rel), scenarios, tmp)
