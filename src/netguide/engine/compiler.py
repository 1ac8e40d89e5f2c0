"""Rulebook -> durable_rules rulesets: pure, deterministic, and checked against the engine's known limits.

Each rule becomes one engine rule whose single pattern starts with the positive discriminator
{"t": "patient"} (a pattern that could match the session's hidden state fact would loop), followed by the
rule's tests in negation normal form. A patient is asserted as ONE fact whose fields are:
- each known scalar fact under its own name (enums as text, booleans as 1/0, numbers without exponents);
- for a test "fact is one of {a, b, ...}", a membership field `<fact>__in_<digest>` = 1/0, because the engine
  has no set test and would expand an `$or` of equalities into one alternative per value (fan-out, and an
  `$or` of 15 or more groups is rejected);
- for a list fact, `<fact>__has_<CODE>` = 1/0 per code the rules test, and `<fact>__count` (for `known`);
  absent facts are absent fields, which every engine comparison treats as false: that is Kleene's UNKNOWN.

Checked when a rulebook is compiled (each limit measured, see shared/spec/durable-rules-notes.md):
fan-out (more than 64 sibling tests true at once aborts a patient with error 303, more than 512 distinct
siblings hang create_ruleset), alternatives per rule (an `$or` of 15+ groups is rejected), fields per fact
(252), and field-name hash collisions (the engine compares field names by a 32-bit djb2 hash only).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from json.encoder import encode_basestring_ascii
from typing import Any

from netguide import conditions
from netguide.conditions import All, AnyOf, Condition, Test
from netguide.errors import Problem, RulebookError
from netguide.rulebook.loader import LoadedRule, Rulebook
from netguide.vocabulary import BOOL, ENUM, FACTS, LIST, NUMBER, NUMBER_DECIMALS

DISCRIMINATOR = ("t", "patient")
# Every ruleset also holds one rule of the engine adapter's own, matched only by the fact it asserts to warm a new
# session: so an action has started in every session before it is ever deleted (delete_state on a session where
# none started frees uninitialised memory), whatever the rules match.
WARMUP_RULE, WARMUP_DISCRIMINATOR = "netguide_warmup", ("t", "warmup")
RESERVED_FIELDS = ("id", "sid", "t")
# One rule alternative is one path below the discriminator; 64 true siblings abort a patient at run time.
MAX_ALTERNATIVES_PER_RULESET = 63
MAX_ALTERNATIVES_PER_RULE = 14
MAX_FIELDS_PER_FACT = 252


def field_hash(name: str) -> int:
    """The engine's hash of a field name (djb2 over the UTF-8 bytes, 32-bit), see rules/src/rules/json.c."""
    h = 5381
    for byte in name.encode("utf-8"):
        b = byte - 256 if byte > 127 else byte  # the C code adds a (signed) char
        h = (h * 33 + b) & 0xFFFFFFFF
    return h


def engine_number(x: float | int) -> float | int:
    """A number the engine's JSON parser reads exactly (it rejects exponents such as 1e-05)."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        return x
    if float(x).is_integer():
        return int(x)
    return round(float(x), NUMBER_DECIMALS)


def number_json(x: float | int) -> str:
    v = engine_number(x)
    if isinstance(v, int):
        return str(v)
    text = format(v, f".{NUMBER_DECIMALS}f").rstrip("0")
    return text + "0" if text.endswith(".") else text


def _digest(values) -> str:
    return hashlib.sha1("|".join(sorted(map(str, values))).encode()).hexdigest()[:8]


def _membership_field(fact: str, values: frozenset) -> str:
    return f"{fact}__in_{_digest(values)}"


def _code_group(cond: Condition) -> tuple[str, frozenset, bool] | None:
    """'includes any of [codes]' (an `any` of `has` tests on one list fact), or its negation 'excludes all of'
    (an `all` of `lacks` tests): one precomputed field instead of one engine alternative per code."""
    items = getattr(cond, "items", ())
    if len(items) < 2 or not all(isinstance(t, Test) for t in items):
        return None
    facts = {t.fact for t in items}
    ops = {t.op for t in items}
    if len(facts) != 1 or ops not in ({"has"}, {"lacks"}):
        return None
    if isinstance(cond, AnyOf) and ops == {"has"}:
        return facts.pop(), frozenset(t.value for t in items), True
    if isinstance(cond, All) and ops == {"lacks"}:
        return facts.pop(), frozenset(t.value for t in items), False
    return None


def engine_alternatives(cond: Condition) -> int:
    """How many alternatives the engine expands a compiled condition (in negation normal form) into."""
    if isinstance(cond, Test) or _code_group(cond) is not None:
        return 1
    counts = [engine_alternatives(i) for i in cond.items]
    if isinstance(cond, All):
        out = 1
        for c in counts:
            out *= c
        return out
    return sum(counts)


@dataclass(frozen=True)
class Membership:
    fact: str
    values: frozenset
    field: str


@dataclass
class FactEncoder:
    """Turns a patient's known facts into the one engine fact the compiled rules test."""

    memberships: dict[str, Membership] = field(default_factory=dict)  # by field name
    code_groups: dict[str, tuple[str, frozenset]] = field(default_factory=dict)  # field -> (list fact, codes)
    list_codes: dict[str, set[str]] = field(default_factory=dict)  # list fact -> codes tested

    def fields(self) -> list[str]:
        names = list(RESERVED_FIELDS)
        names += [f for f, spec in FACTS.items() if spec.type != LIST]
        names += list(self.memberships)
        names += list(self.code_groups)
        for fact, codes in sorted(self.list_codes.items()):
            names.append(f"{fact}__count")
            names += [f"{fact}__has_{c}" for c in sorted(codes)]
        return names

    def __post_init__(self) -> None:
        self._plan: dict[str, tuple] | None = None
        self._texts: dict[str, tuple] | None = None

    def _encoding_plan(self) -> dict[str, tuple]:
        """Per fact, what encode() writes for it, worked out once (the compiler has filled the tables by the first
        patient): (type, the fields derived from its value). Each tuple keeps the order of the tables it comes
        from, so a patient's fields, and its JSON text, are exactly what walking the tables would give."""
        if self._plan is None:
            by_fact: dict[str, list[tuple[str, frozenset]]] = {}
            for m in self.memberships.values():
                by_fact.setdefault(m.fact, []).append((m.field, m.values))
            plan: dict[str, tuple] = {}
            for name, spec in FACTS.items():
                if spec.type == LIST:
                    has = tuple((f"{name}__has_{code}", code) for code in self.list_codes.get(name, ()))
                    groups = tuple((fname, codes) for fname, (fact, codes) in self.code_groups.items() if fact == name)
                    plan[name] = (LIST, f"{name}__count", has, groups)
                else:
                    plan[name] = (spec.type, tuple(by_fact.get(name, ())))
            self._plan = plan
        return self._plan

    def encode(self, facts: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self._encode_into(out, facts)
        return out

    def _encode_into(self, out: dict[str, Any], facts: dict[str, Any]) -> bool:
        """Add the engine fields of `facts` to `out`; True when a number fact is a float so small that json.dumps
        would write it with an exponent (1e-05), which the engine's parser rejects."""
        plan = self._plan if self._plan is not None else self._encoding_plan()
        tiny = False
        for name, value in facts.items():
            entry = plan[name]
            kind = entry[0]
            if kind == LIST:
                out[entry[1]] = len(value)
                for fname, code in entry[2]:
                    out[fname] = 1 if code in value else 0
                for fname, codes in entry[3]:
                    out[fname] = 1 if codes.intersection(value) else 0
                continue
            if kind == BOOL:
                out[name] = 1 if value else 0
            elif type(value) is float:
                number = out[name] = engine_number(value)
                if kind == NUMBER and type(number) is float and 0 < abs(number) < 1e-4:
                    tiny = True
            else:
                out[name] = value
            for fname, values in entry[1]:
                out[fname] = 1 if value in values else 0
        return tiny

    def to_json(self, fact_id: str, sid: str, facts: dict[str, Any]) -> str:
        """The engine fact as JSON text, numbers written without exponents: exactly the compact json.dumps of
        {id, sid, t, **encode(facts)}, put together from pieces written once per fact and value (_text_plan);
        any value the pieces do not cover takes the general path."""
        text = self._fast_text(fact_id, sid, facts)
        return text if text is not None else self._general_text(fact_id, sid, facts)

    def _general_text(self, fact_id: str, sid: str, facts: dict[str, Any]) -> str:
        record = {"id": fact_id, "sid": sid, DISCRIMINATOR[0]: DISCRIMINATOR[1]}
        if self._encode_into(record, facts):
            # json.dumps would write 1e-05, which the engine's parser rejects: write such numbers by hand
            parts = [f"{json.dumps(k)}:{number_json(v) if type(v) is float else json.dumps(v)}" for k, v in record.items()]
            return "{" + ",".join(parts) + "}"
        return _COMPACT_JSON(record)

    def _text_plan(self) -> dict[str, tuple]:
        """Per fact, the JSON pieces of its fields: for an enum or a boolean the whole text of every value (its
        field and the membership fields it sets); for a number its key and each membership's two texts; for a
        list its count key and each code field's two texts. Written by the same encoder as _general_text."""
        if self._texts is None:
            plan: dict[str, tuple] = {}
            for name, entry in self._encoding_plan().items():
                spec = FACTS[name]
                kind = entry[0]
                if kind == LIST:
                    has = tuple((code, _pair(fname)) for fname, code in entry[2])
                    groups = tuple((codes, _pair(fname)) for fname, codes in entry[3])
                    plan[name] = (LIST, _COMPACT_JSON(entry[1]) + ":", has, groups)
                elif kind in (ENUM, BOOL):
                    values = spec.values if kind == ENUM else (True, False)
                    whole = {}
                    for v in values:
                        fields: dict[str, Any] = {}
                        self._encode_into(fields, {name: v})
                        whole[v] = _COMPACT_JSON(fields)[1:-1]
                    plan[name] = (kind, whole)
                else:
                    plan[name] = (kind, _COMPACT_JSON(name) + ":", tuple((values, _pair(fname))
                                                                         for fname, values in entry[1]))
            self._texts = plan
        return self._texts

    def _fast_text(self, fact_id: str, sid: str, facts: dict[str, Any]) -> str | None:
        plan = self._texts if self._texts is not None else self._text_plan()
        if type(fact_id) is not str or type(sid) is not str:
            return None
        parts = ['{"id":' + _json_str(fact_id) + ',"sid":' + _json_str(sid) + _DISCRIMINATOR_TEXT]
        add = parts.append
        for name, value in facts.items():
            entry = plan[name]
            kind = entry[0]
            if kind == LIST:
                add(entry[1] + int.__repr__(len(value)))
                for code, (yes, no) in entry[2]:
                    add(yes if code in value else no)
                for codes, (yes, no) in entry[3]:
                    add(yes if codes.intersection(value) else no)
                continue
            if kind == ENUM or kind == BOOL:
                piece = entry[1].get(value) if type(value) in (str, bool) else None
                if piece is None:
                    return None
                add(piece)
                continue
            vt = type(value)
            if vt is int:
                add(entry[1] + int.__repr__(value))
            elif vt is float:
                number = engine_number(value)
                if type(number) is int:
                    add(entry[1] + int.__repr__(number))
                elif 0 < abs(number) < 1e-4 or not math.isfinite(number):
                    return None  # written by hand (no exponent) on the general path
                else:
                    add(entry[1] + float.__repr__(number))
            else:
                return None
            for values, (yes, no) in entry[2]:
                add(yes if value in values else no)
        return ",".join(parts) + "}"


def _pair(field_name: str) -> tuple[str, str]:
    """The JSON texts of a 1/0 field: ('"name":1', '"name":0')."""
    key = _COMPACT_JSON(field_name) + ":"
    return key + "1", key + "0"


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":")).encode  # json.dumps(..., separators=(",", ":")), built once
_json_str = encode_basestring_ascii  # how that encoder writes a string
_DISCRIMINATOR_TEXT = "," + _COMPACT_JSON({DISCRIMINATOR[0]: DISCRIMINATOR[1]})[1:-1]


@dataclass(frozen=True)
class CompiledRuleset:
    name: str
    definition: dict[str, Any]  # rule name -> {"all": [{"m": pattern}]}
    rule_ids: dict[str, str]  # engine rule name -> netguide rule id
    alternatives: int

    def json(self) -> str:
        return self.text

    @cached_property
    def text(self) -> str:
        """The ruleset's JSON, made once: an engine rebuilds its rulesets from it after an interrupted sequence.
        Numbers are written as the engine's parser reads them (json.dumps writes 0.00001 as 1e-05, refused)."""
        return _engine_json(self.definition)


def _engine_json(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_engine_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_engine_json(v) for v in value) + "]"
    if type(value) is float:
        return number_json(value)
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class CompiledRulebook:
    rulesets: tuple[CompiledRuleset, ...]
    encoder: FactEncoder
    rulebook_version: str


class _Compiler:
    def __init__(self) -> None:
        self.encoder = FactEncoder()

    def expression(self, cond: Condition) -> dict[str, Any] | None:
        """Engine JSON for a condition in negation normal form (None for the empty conjunction)."""
        if isinstance(cond, Test):
            return self.atom(cond)
        group = _code_group(cond)
        if group is not None:
            fact, codes, present = group
            fname = f"{fact}__any_{_digest(codes)}"
            self.encoder.code_groups[fname] = (fact, codes)
            return {fname: 1 if present else 0}
        parts = [p for p in (self.expression(i) for i in cond.items) if p is not None]
        if isinstance(cond, All):
            if not parts:
                return None
            return parts[0] if len(parts) == 1 else {"$and": parts}
        if isinstance(cond, AnyOf):  # never empty: the condition parser refuses `any: []`
            return parts[0] if len(parts) == 1 else {"$or": parts}
        raise AssertionError(f"not in negation normal form: {cond!r}")

    def atom(self, t: Test) -> dict[str, Any]:
        spec = FACTS[t.fact]
        op = t.op
        if spec.type == LIST:
            if op in ("has", "lacks"):
                self.encoder.list_codes.setdefault(t.fact, set()).add(t.value)
                return {f"{t.fact}__has_{t.value}": 1 if op == "has" else 0}
            if op in ("empty", "nonempty"):
                self.encoder.list_codes.setdefault(t.fact, set())  # declares the __count field
                return {f"{t.fact}__count": 0} if op == "empty" else {"$gt": {f"{t.fact}__count": 0}}
            return self._presence(f"{t.fact}__count", op)
        if op in ("known", "unknown"):
            return self._presence(t.fact, op)
        if op in ("in", "not_in"):
            fname = _membership_field(t.fact, t.value)
            self.encoder.memberships[fname] = Membership(t.fact, t.value, fname)
            return {fname: 1 if op == "in" else 0}
        value = self._value(t.value, spec.type)
        if op == "eq":
            return {t.fact: value}
        return {"$" + {"ne": "neq", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}[op]: {t.fact: value}}

    @staticmethod
    def _presence(fname: str, op: str) -> dict[str, Any]:
        return {"$ex" if op == "known" else "$nex": {fname: 1}}

    @staticmethod
    def _value(v: Any, kind: str) -> Any:
        if kind == BOOL:
            return 1 if v else 0
        if isinstance(v, (int, float)):
            return engine_number(v)
        return v


def compile_rulebook(book: Rulebook) -> CompiledRulebook:
    """Compile every rule; raise RulebookError when the rulebook would break one of the engine's limits."""
    compiler = _Compiler()
    problems: list[Problem] = []
    compiled_rules: list[tuple[LoadedRule, str, dict[str, Any], int]] = []
    for r in book.rules:
        problems += _precision_problems(r)
        nnf = conditions.negation_normal_form(r.condition)
        alts = engine_alternatives(nnf)
        if alts > MAX_ALTERNATIVES_PER_RULE:
            problems.append(Problem("too-many-alternatives",
                                    f"'{r.id}' expands into {alts} alternatives; the engine accepts at most "
                                    f"{MAX_ALTERNATIVES_PER_RULE} (write lists of values instead of 'any' where you can)",
                                    r.location("when")))
            continue
        expr = compiler.expression(nnf)
        tests: list[dict[str, Any]] = [{DISCRIMINATOR[0]: DISCRIMINATOR[1]}]
        if expr is not None:
            tests += expr["$and"] if "$and" in expr else [expr]
        pattern = {"$and": tests} if len(tests) > 1 else tests[0]
        compiled_rules.append((r, _engine_rule_name(r), pattern, alts))
    problems += _check_fields(compiler.encoder)
    if problems:
        raise RulebookError(problems)
    rulesets = _partition(compiled_rules, book.content_hash)
    return CompiledRulebook(tuple(rulesets), compiler.encoder, book.version_string)


def _precision_problems(r: LoadedRule) -> list[Problem]:
    """A threshold finer than the 6 decimals patients are kept to would be rounded into another threshold."""
    out = []
    for t in conditions.tests_of(r.condition):
        v = t.value
        if type(v) is float and round(v, NUMBER_DECIMALS) != v:
            out.append(Problem("number-precision", f"'{r.id}': {t.fact} threshold {v!r} has more than {NUMBER_DECIMALS} "
                               f"decimal places; patients' numbers are kept to {NUMBER_DECIMALS}, so it would act as "
                               f"{round(v, NUMBER_DECIMALS)!r}", r.location("when"), field=t.fact, value=v,
                               allowed=f"a number with at most {NUMBER_DECIMALS} decimal places"))
    return out


def _engine_rule_name(r: LoadedRule) -> str:
    return f"r{r.index:04d}_{r.id.replace('.', '__')}"


def _partition(rules: list[tuple[LoadedRule, str, dict[str, Any], int]], content_hash: str) -> list[CompiledRuleset]:
    """Pack rules, in order, into rulesets of at most MAX_ALTERNATIVES_PER_RULESET alternatives each."""
    out: list[CompiledRuleset] = []
    current: dict[str, Any] = {}
    ids: dict[str, str] = {}
    total = 0

    def flush() -> None:
        nonlocal current, ids, total
        if current:
            current[WARMUP_RULE] = {"all": [{"m": {WARMUP_DISCRIMINATOR[0]: WARMUP_DISCRIMINATOR[1]}}]}
            out.append(CompiledRuleset(f"netguide_{content_hash}_{len(out)}", current, ids, total))
        current, ids, total = {}, {}, 0

    for r, name, pattern, alts in rules:
        if total + alts > MAX_ALTERNATIVES_PER_RULESET:
            flush()
        current[name] = {"all": [{"m": pattern}]}
        ids[name] = r.id
        total += alts
    flush()
    return out


def _check_fields(encoder: FactEncoder) -> list[Problem]:
    names = encoder.fields()
    problems = []
    if len(names) > MAX_FIELDS_PER_FACT:
        problems.append(Problem("too-many-fields", f"a patient fact would have {len(names)} fields; the engine "
                                f"accepts at most {MAX_FIELDS_PER_FACT}"))
    seen: dict[int, str] = {}
    for n in names:
        h = field_hash(n)
        if h in seen and seen[h] != n:
            problems.append(Problem("field-hash-collision", f"engine field names '{seen[h]}' and '{n}' have the same "
                                    f"hash {h}; the engine would treat them as one field", value=n))
        seen.setdefault(h, n)
    return problems
