"""The mapping table (data/fhir_mapping.yaml) loaded and checked: every row's source is one the mapper reads, every
system an alias of the file, every fact and value one of vocabulary.yaml's, every regimen an intervention code.
A bad table is refused at file:line with the allowed values (the rule files' loader does the same for rules)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from netguide.errors import Location, Problem, ProblemsError, capped
from netguide.rulebook.source import load as load_yaml
from netguide.suggestions import suggest
from netguide.vocabulary import ENUM, FACTS, INTEGER, INTERVENTIONS, NUMBER

SOURCES = ("condition.morphology", "observation.morphology", "condition.code", "condition.bodySite", "condition.profile",
           "observation.grade", "observation.ki67", "observation.ecog", "observation.disease_status",
           "observation.tnm_m", "observation.tnm_n", "medication.ingredient", "medication.status_reason")
# The facts a FHIR record may give: these the table's rows may name. treatment_setting is never among them (the
# question asked comes from the hook context or the caller), nor the therapy lists (the medications section does).
VALUE = "value"  # `gives: {ki67_percent: value}`: the Observation's own value
# A fallback source answers a fact only when no primary source does (ICD-10-CM C7A.0 after an ICD-O-3 morphology).
FALLBACK_SOURCES = frozenset({"condition.code"})
PROFILE_SYSTEM = "urn:netguide:canonical"  # the table's system for rows naming a profile (Resource.meta.profile)
MORPHOLOGY_EXTENSION = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"


class MappingTableError(ProblemsError):
    """The mapping table is invalid; `problems` names each row and key at file:line."""

    def __init__(self, problems: list[Problem]):
        self.problems = capped(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class Row:
    id: str
    sources: tuple[str, ...]
    system: str  # the system's URL
    codes: tuple[str, ...]
    gives: dict[str, Any]
    unmapped: str = ""
    only_if: dict[str, tuple[str, ...]] = field(default_factory=dict)
    note: str = ""
    where: str = ""  # file:line of the row
    withholds: tuple[str, ...] = ()
    finding: str = ""

    def specificity(self, code: str) -> int | None:
        """How closely this row names `code`: None when it does not; an exact code beats any prefix, a longer
        prefix a shorter one."""
        best = None
        for c in self.codes:
            if c.endswith("*"):
                if code.startswith(c[:-1]):
                    best = max(best or 0, len(c) - 1)
            elif c == code:
                return 10_000
        return best


@dataclass(frozen=True, eq=False)  # eq=False: hashable by identity, so the index below may be cached on it
class MappingTable:
    rows: tuple[Row, ...]
    systems: dict[str, str]
    observations: dict[tuple[str, str], str]  # (system URL, code) -> source
    agents: dict[tuple[str, str], str]  # (system URL, code) -> agent
    agent_notes: dict[str, str]
    regimens: tuple[tuple[frozenset[str], str], ...]  # agent set -> intervention code
    failure_reasons: frozenset[tuple[str, str]]
    path: str

    @cached_property
    def _by_source(self) -> dict[tuple[str, str], tuple[Row, ...]]:
        out: dict[tuple[str, str], list[Row]] = {}
        for r in self.rows:
            for s in r.sources:
                out.setdefault((s, r.system), []).append(r)
        return {k: tuple(v) for k, v in out.items()}

    def rows_for(self, source: str, system: str | None, code: str | None) -> list[tuple[int, Row]]:
        """The rows naming `code` of `system` at `source`, each with how specifically (Row.specificity)."""
        if not system or not code:
            return []
        out = []
        for r in self._by_source.get((source, system), ()):
            s = r.specificity(code)
            if s is not None:
                out.append((s, r))
        return out

    def regimen_of(self, agents: frozenset[str]) -> str | None:
        for combo, code in self.regimens:
            if combo == agents:
                return code
        return None

    def alias(self, url: str) -> str:
        return next((a for a, u in self.systems.items() if u == url), url)


def default_mapping_path() -> Path:
    return Path(str(resources.files("netguide").joinpath("data/fhir_mapping.yaml")))


@lru_cache(maxsize=4)
def load_mapping(path: str | None = None) -> MappingTable:
    """The mapping table (default: the packaged one), checked; raises MappingTableError listing every problem."""
    file = Path(path) if path else default_mapping_path()
    data, locator = load_yaml(file, str(file))
    problems: list[Problem] = []

    def bad(keys: tuple, message: str, allowed: str | None = None, value: Any = None, hint: str | None = None):
        problems.append(Problem("invalid-value", message, locator.find(keys) if keys in locator else
                                Location(str(file)), value=value, allowed=allowed, suggestion=hint))

    if not isinstance(data, dict) or data.get("format") != 1:
        raise MappingTableError([Problem("invalid-file", "the mapping table is a mapping with format: 1",
                                         Location(str(file)))])
    systems = {str(k): str(v) for k, v in (data.get("systems") or {}).items()}

    def system_of(keys: tuple, alias: Any) -> str:
        if alias not in systems:
            bad(keys, f"unknown code system alias {alias!r}", "one of: " + ", ".join(systems), alias,
                suggest(str(alias), systems))
            return ""
        return systems[alias]

    observations: dict[tuple[str, str], str] = {}
    for i, o in enumerate(data.get("observations") or []):
        if o.get("source") not in SOURCES:
            bad(("observations", i, "source"), f"unknown source {o.get('source')!r}", ", ".join(SOURCES))
        observations[(system_of(("observations", i, "system"), o.get("system")), str(o.get("code")))] = o.get("source")

    rows: list[Row] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("rows") or []):
        at = ("rows", i)
        rid = str(raw.get("id", ""))
        if not rid or rid in seen:
            bad(at + ("id",), f"row {i}: a unique id is required", value=rid)
        seen.add(rid)
        srcs = raw.get("source")
        srcs = tuple(srcs) if isinstance(srcs, list) else (srcs,)
        for s in srcs:
            if s not in SOURCES:
                bad(at + ("source",), f"{rid}: unknown source {s!r}", ", ".join(SOURCES), s, suggest(str(s), SOURCES))
        codes = raw.get("codes")
        if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
            bad(at + ("codes",), f"{rid}: codes must be a non-empty list of strings (quote codes such as \"8240/3\")")
            codes = []
        gives = raw.get("gives", {})
        unmapped = raw.get("unmapped", "")
        if ("gives" in raw) == bool(unmapped):
            bad(at, f"{rid}: give exactly one of gives (facts) or unmapped (the reason it is not mapped)")
        for fact, value in (gives or {}).items():
            _check_fact(bad, at + ("gives", fact), rid, fact, value)
        only_if = {}
        for fact, values in (raw.get("only_if") or {}).items():
            vals = tuple(values) if isinstance(values, list) else (values,)
            for v in vals:
                _check_fact(bad, at + ("only_if", fact), rid, fact, v)
            only_if[fact] = vals
        rows.append(Row(rid, srcs, system_of(at + ("system",), raw.get("system")), tuple(codes), dict(gives or {}),
                        str(unmapped or ""), only_if, str(raw.get("note", "") or ""),
                        str(locator.find(at)) if at in locator else str(file),
                        tuple(str(f) for f in raw.get("withholds") or ()), str(raw.get("finding", "") or "")))
        for f in raw.get("withholds") or ():
            if f not in FACTS:
                bad(at + ("withholds",), f"{rid}: {f!r} is not a fact of vocabulary.yaml", None, f, suggest(str(f), FACTS))

    agents: dict[tuple[str, str], str] = {}
    notes: dict[str, str] = {}
    for name, spec in (data.get("agents") or {}).items():
        for alias, codes in spec.items():
            if alias == "note":
                notes[name] = str(codes)
                continue
            url = system_of(("agents", name, alias), alias)
            for c in codes:
                agents[(url, str(c))] = name
    known_agents = set(agents.values())
    regimens: list[tuple[frozenset[str], str]] = []
    for code, combos in (data.get("regimens") or {}).items():
        if code not in INTERVENTIONS:
            bad(("regimens", code), f"regimen {code!r} is not an intervention code of vocabulary.yaml", None, code,
                suggest(str(code), INTERVENTIONS))
        for combo in combos:
            for a in combo:
                if a not in known_agents:
                    bad(("regimens", code), f"regimen {code}: unknown agent {a!r}", ", ".join(sorted(known_agents)),
                        a, suggest(str(a), known_agents))
            regimens.append((frozenset(combo), code))
    sets = [c for c, _ in regimens]
    if len(sets) != len(set(sets)):
        bad(("regimens",), "two regimens have the same set of agents: a set must name one regimen")
    failures = frozenset((system_of(("failure_reasons", a), a), str(c))
                         for a, codes in (data.get("failure_reasons") or {}).items() for c in codes)
    if problems:
        raise MappingTableError(problems)
    return MappingTable(tuple(rows), systems, observations, agents, notes, tuple(regimens), failures, str(file))


def _check_fact(bad, keys: tuple, rid: str, fact: Any, value: Any) -> None:
    if fact not in FACTS:
        bad(keys, f"{rid}: {fact!r} is not a fact of vocabulary.yaml", "the facts of vocabulary.yaml", fact,
            suggest(str(fact), FACTS))
        return
    if fact in ("treatment_setting", "prior_therapies", "failed_therapies", "considered_therapies"):
        bad(keys, f"{rid}: {fact} never comes from a code row (the setting comes from the hook context or the "
            "caller; therapies from the medications)", value=fact)
        return
    spec = FACTS[fact]
    if value == VALUE:
        if spec.type not in (NUMBER, INTEGER):
            bad(keys, f"{rid}: 'value' (the resource's own value) is for number facts; {fact} is {spec.type}")
        return
    if spec.type == ENUM and value not in spec.values:
        bad(keys, f"{rid}: {value!r} is not a value of {fact}", spec.allowed(), value, suggest(str(value), spec.values))
