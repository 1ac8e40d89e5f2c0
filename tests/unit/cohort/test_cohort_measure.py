"""The concordance as a FHIR R4 MeasureReport, checked against the R4 element rules of every element it uses:
cardinalities and types (MeasureReport, group, population, stratifier, stratum, Period, CodeableConcept, Coding,
Quantity), the required codes (status, type, measure-population), the invariants ele-1 (a value or children), per-1
(start <= end), mrp-1 (no groups in data-collection) and mrp-2 (a stratum is a value or components), and the
populations' proportion arithmetic."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from netguide.cohort import run_cohort
from netguide.cohort.measure import POPULATION_SYSTEM, measure_report

COHORT = Path(__file__).resolve().parents[2] / "data" / "cohort" / "concordance.csv"

MEASURE_POPULATION_CODES = {"initial-population", "numerator", "numerator-exclusion", "denominator",
                            "denominator-exclusion", "denominator-exception", "measure-population",
                            "measure-population-exclusion", "measure-observation"}
URI = re.compile(r"\S+")
DATE_TIME = re.compile(r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])"
                       r"(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|"
                       r"14:00)))?)?)?")
CODE = re.compile(r"[^\s]+(\s[^\s]+)*")


def _keys(obj: dict, allowed: set[str], where: str) -> None:
    extra = set(obj) - allowed
    assert not extra, f"{where}: elements R4 does not define here: {extra}"


def _no_empty(value, where: str = "MeasureReport") -> None:
    """ele-1 and FHIR JSON: no null, no empty array or object, no empty string."""
    assert value is not None and value != "" and value != [] and value != {}, f"{where}: empty"
    if isinstance(value, dict):
        for k, v in value.items():
            _no_empty(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_empty(v, f"{where}[{i}]")


def _coding(c: dict, where: str) -> None:
    _keys(c, {"system", "version", "code", "display", "userSelected"}, where)
    assert URI.fullmatch(c.get("system", "x")) and CODE.fullmatch(c.get("code", "x")), where


def _concept(cc: dict, where: str) -> None:
    _keys(cc, {"coding", "text"}, where)
    assert isinstance(cc.get("coding", []), list)
    for i, c in enumerate(cc.get("coding", [])):
        _coding(c, f"{where}.coding[{i}]")
    assert "text" not in cc or isinstance(cc["text"], str)


def _quantity(q: dict, where: str) -> None:
    _keys(q, {"value", "comparator", "unit", "system", "code"}, where)
    assert isinstance(q["value"], (int, float)) and not isinstance(q["value"], bool), where


def _populations(pops: list, where: str) -> dict[str, int]:
    counts = {}
    for i, p in enumerate(pops):
        w = f"{where}.population[{i}]"
        _keys(p, {"code", "count", "subjectResults"}, w)
        _concept(p["code"], w + ".code")
        coding = p["code"]["coding"][0]
        assert coding["system"] == POPULATION_SYSTEM and coding["code"] in MEASURE_POPULATION_CODES, w
        assert isinstance(p["count"], int) and not isinstance(p["count"], bool) and p["count"] >= 0, w
        counts[coding["code"]] = p["count"]
    return counts


def _proportion(counts: dict[str, int], score: dict | None, where: str) -> None:
    """Proportion scoring: numerator over the denominator less exclusions and exceptions."""
    assert counts["denominator"] <= counts["initial-population"], where
    base = counts["denominator"] - counts["denominator-exclusion"] - counts["denominator-exception"]
    assert 0 <= counts["numerator"] <= base, where
    if base:
        assert score is not None and score["value"] == pytest.approx(counts["numerator"] / base, abs=1e-4), where
    else:
        assert score is None, where


def validate_r4_measure_report(mr: dict) -> None:
    _no_empty(mr)
    _keys(mr, {"resourceType", "id", "meta", "implicitRules", "language", "text", "contained", "extension",
               "modifierExtension", "identifier", "status", "type", "measure", "subject", "date", "reporter", "period",
               "improvementNotation", "group", "evaluatedResource"}, "MeasureReport")
    assert mr["resourceType"] == "MeasureReport"
    assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", mr["id"])
    assert mr["status"] in {"complete", "pending", "error"}  # 1..1, required binding
    assert mr["type"] in {"individual", "subject-list", "summary", "data-collection"}  # 1..1, required binding
    assert isinstance(mr["measure"], str) and URI.fullmatch(mr["measure"])  # canonical, 1..1
    period = mr["period"]  # 1..1
    _keys(period, {"id", "extension", "start", "end"}, "period")
    for k in ("start", "end"):
        if k in period:
            assert DATE_TIME.fullmatch(period[k]), f"period.{k}"
    if "start" in period and "end" in period:
        assert period["start"] <= period["end"]  # per-1 (same precision here)
    for ext in period.get("extension", []):
        _keys(ext, {"url"} | {k for k in ext if k.startswith("value")}, "period.extension")
        assert URI.fullmatch(ext["url"]) and sum(k.startswith("value") for k in ext) == 1
    if "improvementNotation" in mr:
        _concept(mr["improvementNotation"], "improvementNotation")
    if mr["type"] == "data-collection":
        assert "group" not in mr  # mrp-1
    for g, group in enumerate(mr.get("group", [])):
        w = f"group[{g}]"
        _keys(group, {"id", "extension", "code", "population", "measureScore", "stratifier"}, w)
        _concept(group["code"], w + ".code")
        counts = _populations(group["population"], w)
        _proportion(counts, group.get("measureScore"), w)
        if "measureScore" in group:
            _quantity(group["measureScore"], w + ".measureScore")
        for s, strat in enumerate(group.get("stratifier", [])):
            ws = f"{w}.stratifier[{s}]"
            _keys(strat, {"id", "extension", "code", "stratum"}, ws)
            for c in strat.get("code", []):
                _concept(c, ws + ".code")
            total = dict.fromkeys(counts, 0)
            for t, stratum in enumerate(strat.get("stratum", [])):
                wt = f"{ws}.stratum[{t}]"
                _keys(stratum, {"id", "extension", "value", "component", "population", "measureScore"}, wt)
                assert ("value" in stratum) != ("component" in stratum), wt  # mrp-2
                _concept(stratum["value"], wt + ".value")
                sc = _populations(stratum["population"], wt)
                _proportion(sc, stratum.get("measureScore"), wt)
                for k, v in sc.items():
                    total[k] += v
            assert total == counts, f"{ws}: the strata add up to the group"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    res = run_cohort(COHORT, tmp_path_factory.mktemp("m") / "a.jsonl", jobs=1)
    return res.concordance


def test_the_measure_report_keeps_the_r4_rules(report):
    mr = measure_report(report)
    validate_r4_measure_report(mr)
    validate_r4_measure_report(measure_report(report, ("2024-01", "2024-12-31")))
    json.dumps(mr)  # JSON-ready


def test_populations_are_the_concordance_counts(report):
    """The adjuvant G1-G2 GEP rule (hand-derived in test_cohort_concordance): 4 applied, 1 of them provisional,
    2 of the 3 definite concordant."""
    mr = measure_report(report)
    group = next(g for g in mr["group"] if g["code"]["text"] ==
                 "adjuvant_neoadjuvant.adjuvant_gep_g12_not_recommended")
    counts = {p["code"]["coding"][0]["code"]: p["count"] for p in group["population"]}
    assert counts == {"initial-population": 4, "denominator": 4, "denominator-exclusion": 1,
                      "denominator-exception": 0, "numerator": 2}
    assert group["measureScore"] == {"value": 0.6667}
    strata = {s["value"]["text"] for s in group["stratifier"][0]["stratum"]}
    assert strata == {"pancreas G2", "small_intestine G1"}


def test_the_validator_catches_what_it_checks(report):
    mr = measure_report(report)
    for broken in (dict(mr, status="final"), dict(mr, period={}), dict(mr, type="data-collection"),
                   {k: v for k, v in mr.items() if k != "measure"}, dict(mr, extra=1)):
        with pytest.raises((AssertionError, KeyError)):
            validate_r4_measure_report(broken)


def test_no_timestamp_and_the_same_bytes_twice(report):
    assert "date" not in measure_report(report)
    assert json.dumps(measure_report(report)) == json.dumps(measure_report(report))
