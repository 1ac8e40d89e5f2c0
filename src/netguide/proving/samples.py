"""Random patient facts and hostile values, shared by `netguide differential`, `netguide fuzz` and the
hypothesis strategies (netguide.proving.strategies), so every generator favours the same thresholds and codes.

Plain `random.Random(seed)` here (fast, reproducible from a seed, no test dependency); netguide.proving.strategies
builds hypothesis strategies from the same constants.
"""
from __future__ import annotations

import math
import random
from typing import Any

from netguide.vocabulary import BOOL, ENUM, FACTS, INTEGER, INTERVENTIONS, LIST, NUMBER

CODES: tuple[str, ...] = tuple(INTERVENTIONS)
# Codes the rules name in includes / excludes, drawn more often than the rest.
COMMON_CODES: tuple[str, ...] = ("SSA", "EVEROLIMUS", "SUNITINIB", "PRRT", "CAPTEM", "TEM", "STZ_5FU", "PE",
                                 "FOLFOX", "CHEMOTHERAPY", "SURGERY", "CAPTEM_PRRT", "STZ", "TARE")
# Ki-67 values at and around every threshold the rules and the consistency checks use (3, 10, 20 %).
KI67_EDGES: tuple[float, ...] = (0, 0.0, 1.5, 2.999999, 3, 3.0, 3.000001, 9.999999, 10, 10.0, 10.000001,
                                 19.999999, 20, 20.0, 20.000001, 21, 55.5, 99.999999, 100)
# Integer values at the rules' thresholds (ECOG 2, first line 0, one earlier line 1).
INTEGER_EDGES: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 10, 20)
# Facts that decide which branch of the rules applies: known more often, so that deep rules are reached.
BRANCH_FACTS: tuple[str, ...] = ("differentiation", "primary_site", "grade", "treatment_setting", "stage")


def integer_edges(lo: float, hi: float) -> tuple[int, ...]:
    return tuple(x for x in INTEGER_EDGES if lo <= x <= hi)


def random_value(rng: random.Random, name: str) -> Any:
    """One valid value of a fact: thresholds and edges often, arbitrary in-range values otherwise."""
    spec = FACTS[name]
    if spec.type == ENUM:
        if name == "differentiation":
            return "well" if rng.random() < 0.85 else "poor"
        return rng.choice(spec.values)
    if spec.type == BOOL:
        return rng.random() < 0.5
    lo, hi = spec.range or (0, 100)
    if spec.type == INTEGER:
        return rng.choice(integer_edges(lo, hi)) if rng.random() < 0.6 else rng.randint(int(lo), int(hi))
    if spec.type == NUMBER:
        r = rng.random()
        return rng.choice(KI67_EDGES) if r < 0.6 else rng.uniform(lo, hi) if r < 0.9 else rng.randint(int(lo), int(hi))
    if spec.type == LIST:
        pool = COMMON_CODES if rng.random() < 0.7 else CODES
        return [rng.choice(pool) for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 5)))]
    raise AssertionError(spec.type)


def random_patient(rng: random.Random) -> dict[str, Any]:
    """A valid patient: branch facts known 85 % of the time, every other fact with a probability drawn per
    patient (from nearly none to nearly all known)."""
    density = rng.random()
    return {name: random_value(rng, name) for name in FACTS
            if rng.random() < (0.85 if name in BRANCH_FACTS else density)}


def nested(depth: int, kind: str) -> Any:
    """'SSA' inside `depth` levels of lists (kind 'list') or of {'grade': ...} mappings (kind 'dict')."""
    value: Any = "SSA"
    for _ in range(depth):
        value = [value] if kind == "list" else {"grade": value}
    return value


# Built once and never mutated by evaluate(), so they can be shared between inputs.
DEEP: tuple[Any, ...] = tuple(nested(d, k) for d in (50, 1_000, 20_000) for k in ("list", "dict"))
LONG_STRINGS: tuple[str, ...] = ("x" * 100_000, "G1" * 50_000, "pancreas" * 12_500, "SSA," * 25_000)
LONG_LISTS: tuple[list[str], ...] = (["SSA"] * 100_000, list(CODES) * 2_000)
HOSTILE_SCALARS: tuple[Any, ...] = (
    math.nan, math.inf, -math.inf, 10**30, -(10**30), 10**400, 1e308, -1e-308, 5e-324, 0.1 + 0.2, -0.0, 2**63,
    2**64 + 1, "", " ", "\x00", "G1\x00", "\ud800", "𝔾𝟙", "G1 ", "g1", b"G1", bytearray(b"G1"), 1j, None, True,
    False, object(), frozenset({"SSA"}), {"SSA"}, ("SSA",), range(3), Ellipsis, [], {}, [None], [math.nan],
    {"G1": 1},
)
HOSTILE: tuple[Any, ...] = HOSTILE_SCALARS + LONG_STRINGS + LONG_LISTS + DEEP
# Keys that are not facts: wrong types, near misses, very long, control characters, lone surrogates.
BAD_KEYS: tuple[Any, ...] = (1, 1.5, None, True, ("grade",), b"grade", frozenset(), -0.0, "x" * 100_000,
                             "grade\x00", "Grade", "ki_67", "__class__", "", "\ud800")


GEP_SITES: tuple[str, ...] = ("pancreas", "small_intestine", "stomach", "duodenum", "colorectal", "appendix",
                              "other_gep", "unknown_primary")
SYSTEMIC_CODES: tuple[str, ...] = ("SSA", "EVEROLIMUS", "SUNITINIB", "PRRT", "CAPTEM", "TEM", "STZ_5FU", "FOLFOX",
                                   "PE", "XELOX", "FAS", "TEM_LANREOTIDE")


def realistic_record(rng: random.Random, setting: str = "advanced") -> dict[str, Any]:
    """A referral record as a tumour board gets it: a well-differentiated NET of known site with its grade (GEP) or
    carcinoid histology (lung, thymus), the question asked, and every other fact written down with probability 1/2;
    the treatment history consistent (failed therapies among those given, lines counted from them)."""
    site = rng.choice(GEP_SITES + ("lung", "thymus"))
    rec: dict[str, Any] = {"differentiation": "well", "primary_site": site, "treatment_setting": setting}
    if site in ("lung", "thymus"):
        rec["lung_histology"] = rng.choice(FACTS["lung_histology"].values)
        ki67 = rng.uniform(0.5, 20)
    else:
        rec["grade"] = rng.choice(("G1", "G2", "G3"))
        ki67 = {"G1": rng.uniform(0, 2.9), "G2": rng.uniform(3, 20), "G3": rng.uniform(20.1, 60)}[rec["grade"]]
    given = rng.sample(SYSTEMIC_CODES, rng.choice((0, 0, 1, 1, 2, 3)))
    failed = [c for c in given if rng.random() < 0.7]
    history = {"prior_therapies": given, "failed_therapies": failed, "prior_systemic_lines": len(given)}
    optional = {"ki67_percent": round(ki67, 1), "stage": "advanced", "progression": rng.choice(FACTS["progression"].values),
                "bulky_disease": rng.random() < 0.3, "symptomatic": rng.random() < 0.3,
                "functioning": rng.random() < 0.2, "shrinkage_needed": rng.random() < 0.2,
                "liver_dominant_metastases": rng.random() < 0.4, "sstr_imaging": rng.choice(("positive", "negative")),
                "mgmt_status": rng.choice(FACTS["mgmt_status"].values), "ecog_ps": rng.choice((0, 1, 1, 2, 3)),
                "renal_impairment": rng.random() < 0.1, **history}
    rec.update({k: v for k, v in optional.items() if rng.random() < 0.5})
    return rec
