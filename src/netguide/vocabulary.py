"""The contract vocabulary: fact names and types, recommendation kinds, intervention codes, trial numbers.

Loaded once from the packaged copy of shared/spec/vocabulary.yaml (plus netguide's marked additions).
This module holds names only; no clinical logic lives here.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

ENUM, NUMBER, INTEGER, BOOL, LIST = "enum", "number", "integer", "bool", "list"


@dataclass(frozen=True)
class FactSpec:
    """One patient fact: its name, type, allowed values (enum/list) or range (number/integer)."""

    name: str
    type: str
    values: tuple[str, ...] = ()
    range: tuple[float, float] | None = None
    meaning: str = ""

    def allowed(self) -> str:
        """A short human description of what the fact accepts."""
        if self.type == ENUM:
            return "one of: " + ", ".join(self.values)
        if self.type == LIST:
            return "a list of intervention codes (e.g. SSA, CAPTEM), [] for none"
        if self.type == BOOL:
            return "true or false"
        lo, hi = self.range or (None, None)
        word = "a whole number" if self.type == INTEGER else "a number"
        return f"{word} from {_num(lo)} to {_num(hi)}"


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else str(x)


def _load() -> dict[str, Any]:
    text = resources.files("netguide").joinpath("data/vocabulary.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


_RAW = _load()

INTERVENTIONS: dict[str, str] = dict(_RAW["interventions"])
KINDS: dict[str, str] = dict(_RAW["kinds"])
TRIALS: tuple[str, ...] = tuple(_RAW["trials"])


def _fact(name: str, spec: dict[str, Any]) -> FactSpec:
    kind = spec["type"]
    values: tuple[str, ...] = ()
    if kind == ENUM:
        values = tuple(str(v) for v in spec["values"])
    elif kind == LIST:
        values = tuple(INTERVENTIONS)
    rng = tuple(spec["range"]) if "range" in spec else None
    return FactSpec(name, kind, values, rng, str(spec.get("meaning", "")))


FACTS: dict[str, FactSpec] = {name: _fact(name, spec) for name, spec in _RAW["facts"].items()}

# Order in which an evaluation lists recommendations: what changes the whole answer first,
# then what to do, then what to avoid and watch, then where to go for more.
KIND_ORDER: tuple[str, ...] = (
    "out_of_scope",
    "recommended",
    "preferred",
    "option",
    "not_recommended",
    "caution",
    "insufficient_evidence",
    "refer_mdt",
    "clinical_trial",
)
assert set(KIND_ORDER) == set(KINDS), "KIND_ORDER must list every kind of the vocabulary"

# Kinds whose interventions are put forward to the patient: cautions and advice travel with these.
PROPOSING_KINDS = frozenset({"recommended", "preferred", "option", "clinical_trial"})
# A treatment proposal: what the review puts forward for this patient (a trial is counted apart).
TREATMENT_KINDS = frozenset({"recommended", "preferred", "option"})
# Kinds that favour an intervention, set against not_recommended when looking for contradictions.
FAVOURING_KINDS = ("recommended", "preferred")
NOT_RECOMMENDED = "not_recommended"

# Numbers are kept to this many decimal places: by the patient model, in the engine's JSON, in rule thresholds and in
# the analysed fact space, so the engine, the reference and every report see one value.
NUMBER_DECIMALS = 6


def keep_decimals(x: float | int) -> float | int:
    return x if isinstance(x, int) else round(x, NUMBER_DECIMALS)
