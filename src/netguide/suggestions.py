"""'Did you mean' for names and values: case slips, typos, and dropped separators ('ki_67' -> 'ki67_percent')."""
from __future__ import annotations

import difflib
from collections.abc import Iterable


def _squash(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


# Drug names a record writes for what vocabulary.yaml codes by class or regimen (its own definitions: "SSA: somatostatin
# analogue", "CAPTEM: capecitabine + temozolomide", ...). Spelling alone would send LANREOTIDE to TEM_LANREOTIDE, a
# chemotherapy combination, for an SSA (issue 9 finding 15).
DRUG_NAMES: dict[str, str] = {
    "lanreotide": "SSA", "octreotide": "SSA", "pasireotide": "SSA", "somatuline": "SSA", "sandostatin": "SSA",
    "somatostatinanalogue": "SSA", "somatostatinanalog": "SSA",
    "lutetium": "PRRT", "177lu": "PRRT", "lu177": "PRRT", "lutathera": "PRRT", "dotatate": "PRRT",
    "177ludotatate": "PRRT", "177luoctreotate": "PRRT", "177luedotreotide": "PRRT",
    "temozolomide": "TEM", "capecitabine": "CAP", "streptozotocin": "STZ", "streptozocin": "STZ",
    "capecitabinetemozolomide": "CAPTEM", "capox": "XELOX", "dacarbazine": "DTIC", "doxorubicin": "DOXO",
    "cisplatinetoposide": "PE", "carboplatinetoposide": "PE", "platinumetoposide": "PE", "interferon": "IFN_ALPHA",
    "interferonalfa": "IFN_ALPHA", "surgery": "SURGERY", "resection": "SURGERY", "radioembolisation": "TARE",
    "radioembolization": "TARE", "sirt": "TARE", "y90": "TARE",
}


def suggest(value: object, choices: Iterable[str]) -> str | None:
    """The choice `value` most likely meant, or None when nothing is close."""
    if not isinstance(value, str) or not value.strip():
        return None
    options = list(choices)
    squashed = {_squash(c): c for c in options}
    key = _squash(value)
    if key in squashed:
        return squashed[key]
    if DRUG_NAMES.get(key) in options:  # a drug's name, for the code of its class or regimen
        return DRUG_NAMES[key]
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
    if close:
        return close[0]
    if len(key) >= 3:
        starts = sorted(c for s, c in squashed.items() if s.startswith(key) or key.startswith(s))
        if len(starts) == 1:
            return starts[0]
    return None
