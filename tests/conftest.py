"""Shared test setup: hypothesis profiles and the rulebooks the property and differential tests run on.

The default "dev" profile runs 100 examples per property (what `pytest` and CI run); HYPOTHESIS_PROFILE=ci runs
25, derandomized; HYPOTHESIS_PROFILE=long runs 2,000 (the long run of the properties, README).
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from netguide.rulebook.loader import check_rulebook, load_rulebook

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_RULES = ROOT / "rules"
BASIC_RULES = ROOT / "tests" / "data" / "rulebooks" / "basic"

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=_QUIET)
settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=_QUIET, derandomize=True,
                          print_blob=True)
settings.register_profile("long", max_examples=2_000, deadline=None, suppress_health_check=_QUIET, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# The parse cache (rulebook/parse_cache.py) of this run in a folder of its own, for the CLI subprocesses too: the
# suite loads thousands of throw-away rules folders, which have no place in the user's ~/.cache.
if "NETGUIDE_CACHE_DIR" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="netguide-test-cache-")
    os.environ["NETGUIDE_CACHE_DIR"] = _cache
    atexit.register(shutil.rmtree, _cache, True)


@pytest.fixture(scope="session")
def shipped_rulebook():
    """The shipped rules (rules/), loaded once; the test is skipped, with the load errors, if they do not load."""
    book, problems = check_rulebook(SHIPPED_RULES)
    if book is None:
        shown = "; ".join(str(p) for p in problems[:5])
        pytest.skip(f"the shipped rules do not load ({len(problems)} problems): {shown}")
    return book


@pytest.fixture(scope="session")
def basic_rulebook():
    """tests/data/rulebooks/basic: one rule per language feature."""
    return load_rulebook(BASIC_RULES)
