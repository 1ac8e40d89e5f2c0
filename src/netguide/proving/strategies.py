"""Hypothesis strategies for patients: valid (complete or partial, narrowed by site, grade, setting,
differentiation), invalid (one bad field, named), hostile (anything at all), and contradictory (a known
consistency finding).

Facts are those of the contract vocabulary (netguide.vocabulary.FACTS); an absent key means the fact is
unknown. Numbers favour the thresholds the rules test (Ki-67 3, 10, 20 and just above 20) besides arbitrary
values. Used by tests/acceptance/test_properties.py and tests/unit/proving/test_reference.py; needs the `test` extra (hypothesis).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st

from netguide.consistency import NOT_SYSTEMIC, THORACIC
from netguide.proving.samples import (
    BAD_KEYS,
    CODES,
    COMMON_CODES,
    HOSTILE_SCALARS,
    KI67_EDGES,
    LONG_STRINGS,
    integer_edges,
    nested,
)
from netguide.vocabulary import BOOL, ENUM, FACTS, INTEGER, LIST, NUMBER

NON_STR_KEYS = tuple(k for k in BAD_KEYS if not isinstance(k, str))
STR_BAD_KEYS = tuple(k for k in BAD_KEYS if isinstance(k, str))
GEP_SITES = tuple(s for s in FACTS["primary_site"].values if s not in THORACIC)


def fact_values(name: str) -> st.SearchStrategy[Any]:
    """Every valid value of one fact: enum values, booleans, in-range numbers (edges first), code lists."""
    spec = FACTS[name]
    if spec.type == ENUM:
        return st.sampled_from(spec.values)
    if spec.type == BOOL:
        return st.booleans()
    lo, hi = spec.range or (0, 100)
    if spec.type == INTEGER:
        return st.one_of(st.sampled_from(integer_edges(lo, hi)), st.integers(int(lo), int(hi)))
    if spec.type == NUMBER:
        return st.one_of(st.sampled_from(KI67_EDGES),
                         st.floats(lo, hi, allow_nan=False, allow_infinity=False),
                         st.integers(int(lo), int(hi)))
    if spec.type == LIST:
        return st.lists(st.one_of(st.sampled_from(COMMON_CODES), st.sampled_from(CODES)), max_size=5)
    raise AssertionError(spec.type)


def _narrowed(fact: str, want: str | Iterable[str]) -> st.SearchStrategy[str]:
    choices = (want,) if isinstance(want, str) else tuple(want)
    bad = [c for c in choices if c not in FACTS[fact].values]
    if bad or not choices:
        raise ValueError(f"{fact}: {bad or choices} not among {FACTS[fact].values}")
    return st.sampled_from(choices)


@st.composite
def patients(draw: st.DrawFn, complete: bool = False, site: str | Iterable[str] | None = None,
             grade: str | Iterable[str] | None = None, setting: str | Iterable[str] | None = None,
             differentiation: str | Iterable[str] | None = None) -> dict[str, Any]:
    """A valid patient (a dict of facts that parse_patient accepts): every fact present when `complete`,
    otherwise any subset; `site`, `grade`, `setting` and `differentiation` (one value or several) fix
    primary_site, grade, treatment_setting and differentiation to those values."""
    fixed = {fact: _narrowed(fact, want) for fact, want in (
        ("primary_site", site), ("grade", grade), ("treatment_setting", setting),
        ("differentiation", differentiation)) if want is not None}
    out: dict[str, Any] = {}
    for name in FACTS:
        if name in fixed:
            out[name] = draw(fixed[name])
        elif complete or draw(st.booleans()):
            out[name] = draw(fact_values(name))
    return out


def _bad_values(name: str) -> st.SearchStrategy[Any]:
    """Values parse_patient must refuse for this fact (None is not among them: None means unknown)."""
    spec = FACTS[name]
    wrong_type = st.sampled_from([[], {}, {"value": 1}, b"x", (1,)])
    if spec.type == ENUM:
        return st.one_of(
            st.text(max_size=20).filter(lambda s: s not in spec.values),
            st.sampled_from([v.upper() for v in spec.values if v.upper() not in spec.values] or ["??"]),
            st.sampled_from([v + " " for v in spec.values]),
            st.integers(), st.booleans(), st.floats(), wrong_type)
    if spec.type == BOOL:
        return st.one_of(st.sampled_from(["yes", "no", "true", "false", 0, 1, 1.0, "1"]), st.integers(),
                         st.text(max_size=10), wrong_type)
    lo, hi = spec.range or (0, 100)
    out_of_range = st.one_of(st.sampled_from([lo - 1, hi + 1, 10**30, -(10**30)]),
                             st.floats(max_value=lo - 0.001, allow_nan=False),
                             st.floats(min_value=hi + 0.001, allow_nan=False))
    not_number = st.sampled_from(["10", "", True, False, math.nan, math.inf, -math.inf, [1], {"a": 1}])
    if spec.type == INTEGER:
        return st.one_of(out_of_range, not_number, st.sampled_from([0.5, 1.5, 2.0, 3.25]),
                         st.integers(max_value=int(lo) - 1), st.integers(min_value=int(hi) + 1))
    if spec.type == NUMBER:
        return st.one_of(out_of_range, not_number)
    if spec.type == LIST:
        return st.one_of(st.sampled_from(CODES),  # a bare code, not a list
                         st.lists(st.text(max_size=12).filter(lambda s: s not in CODES), min_size=1, max_size=3),
                         st.sampled_from([[1], [None], [["SSA"]], ["ssa"], ["SSA", "NOPE"], {"SSA": True}, 7]))
    raise AssertionError(spec.type)


@st.composite
def invalid_patients(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """(facts, bad_field): a valid patient with exactly one bad entry, a wrong value for a fact or a key that
    is not a fact; parse_patient must raise PatientFactError with a problem on `bad_field` (for a list item,
    `bad_field[i]`)."""
    facts = draw(patients())
    if draw(st.integers(0, 9)) == 0:
        key = draw(st.one_of(st.sampled_from(["ki_67", "Grade", "site", "stage ", "kras", ""]),
                             st.text(max_size=15)).filter(lambda k: k not in FACTS))
        facts[key] = draw(fact_values(draw(st.sampled_from(sorted(FACTS)))))
        return facts, key
    name = draw(st.sampled_from(sorted(FACTS)))
    facts[name] = draw(_bad_values(name))
    return facts, name


@st.composite
def _hostile_value(draw: st.DrawFn) -> Any:
    which = draw(st.integers(0, 4))
    if which == 0:
        return draw(st.sampled_from(HOSTILE_SCALARS + LONG_STRINGS))
    if which == 1:
        return nested(draw(st.sampled_from([2, 50, 1_000, 20_000])), draw(st.sampled_from(["list", "dict"])))
    if which == 2:
        return draw(st.lists(st.sampled_from(HOSTILE_SCALARS + CODES), max_size=5))
    if which == 3:
        return [draw(st.sampled_from(CODES))] * draw(st.sampled_from([1_000, 100_000]))
    return draw(st.one_of(st.integers(), st.floats(), st.text(max_size=30), st.binary(max_size=10)))


@st.composite
def hostile_inputs(draw: st.DrawFn) -> Any:
    """Anything a caller might pass to evaluate(): non-dict tops, non-str keys, NaN / inf / huge numbers,
    wrong types, 100,000-character strings, long lists, deeply nested lists and dicts, mixed with valid facts.
    evaluate() must answer or raise PatientFactError, never anything else."""
    which = draw(st.integers(0, 3))
    if which == 0:  # not a mapping at all
        return draw(st.one_of(st.sampled_from(HOSTILE_SCALARS), _hostile_value(),
                              st.builds(lambda p: list(p.items()), patients())))
    facts: dict[Any, Any] = draw(patients())
    if which == 1:  # non-str keys
        key = draw(st.sampled_from(NON_STR_KEYS))
        facts[key] = draw(st.one_of(_hostile_value(), st.sampled_from(["G1", "pancreas"])))
        return facts
    for _ in range(draw(st.integers(1, 3))):  # hostile values on real facts, or long / odd keys
        key = draw(st.one_of(st.sampled_from(sorted(FACTS)), st.sampled_from(STR_BAD_KEYS)))
        facts[key] = draw(_hostile_value())
    return facts


CONTRADICTIONS: tuple[str, ...] = (
    "grade-ki67-mismatch", "histology-site-mismatch", "grade-differentiation-mismatch", "setting-stage-mismatch",
    "setting-resection-mismatch", "failed-not-given", "lines-therapies-mismatch",
)


@st.composite
def contradictory_patients(draw: st.DrawFn, code: str | None = None) -> tuple[dict[str, Any], str]:
    """(facts, finding_code): a valid patient with a contradiction netguide.consistency reports under
    `finding_code` (one of CONTRADICTIONS; random unless `code` is given); the rest of the patient is arbitrary."""
    code = code or draw(st.sampled_from(CONTRADICTIONS))
    f = draw(patients())
    if code == "grade-ki67-mismatch":
        grade = draw(st.sampled_from(["G1", "G2", "G3"]))
        f["grade"] = grade
        if grade == "G1":
            f["ki67_percent"] = draw(st.one_of(st.sampled_from([3, 3.0, 10, 20.000001, 100]), st.floats(3, 100)))
        elif grade == "G2":
            f["ki67_percent"] = draw(st.one_of(st.sampled_from([0, 2.999999, 20.000001, 100]),
                                               st.floats(0, 2.999999), st.floats(20.000001, 100)))
        else:
            f["ki67_percent"] = draw(st.one_of(st.sampled_from([0, 3, 10, 20, 20.0]), st.floats(0, 20)))
        if f.get("primary_site") in THORACIC:
            if draw(st.booleans()):
                del f["primary_site"]
            else:
                f["primary_site"] = draw(st.sampled_from(GEP_SITES))
    elif code == "histology-site-mismatch":
        f["lung_histology"] = draw(fact_values("lung_histology"))
        f["primary_site"] = draw(st.sampled_from(GEP_SITES))
    elif code == "grade-differentiation-mismatch":
        f["differentiation"] = "poor"
        f["grade"] = draw(st.sampled_from(["G1", "G2"]))
    elif code == "setting-stage-mismatch":
        f["treatment_setting"], f["stage"] = "advanced", "localized"
    elif code == "setting-resection-mismatch":
        f["treatment_setting"], f["resection_status"] = draw(st.sampled_from(
            [("adjuvant", "not_resected"), ("neoadjuvant", "R0"), ("neoadjuvant", "R1")]))
    elif code == "failed-not-given":
        prior = draw(st.lists(st.sampled_from(CODES), max_size=4))
        extra = draw(st.sampled_from([c for c in CODES if c not in prior]))
        f["prior_therapies"] = prior
        f["failed_therapies"] = draw(st.lists(st.sampled_from(prior), max_size=2)) + [extra] if prior else [extra]
    elif code == "lines-therapies-mismatch":
        systemic = [c for c in CODES if c not in NOT_SYSTEMIC]
        f["prior_systemic_lines"] = 0
        f["prior_therapies"] = draw(st.lists(st.sampled_from(CODES), max_size=3)) + [draw(st.sampled_from(systemic))]
    else:
        raise ValueError(f"unknown finding code {code!r}; expected one of {CONTRADICTIONS}")
    return f, code
