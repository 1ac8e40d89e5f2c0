"""The compiler: rule conditions to the engine's JSON, and every engine limit checked when a rulebook is compiled
(fan-out, field-name hashes, number formats, alternatives), not at every evaluation."""

from __future__ import annotations

from pathlib import Path

import pytest

from netguide import conditions
from netguide.engine.compiler import MAX_ALTERNATIVES_PER_RULESET, FactEncoder, compile_rulebook, field_hash, number_json
from netguide.errors import RulebookError
from netguide.evaluation import Runtime
from netguide.rulebook.loader import load_rulebook
from needs import TESTS
from tiny_rulebooks import one_rule_book



BASIC = TESTS / "data" / "rulebooks" / "basic"


def test_every_compiled_pattern_starts_with_the_patient_discriminator():
    """A positive discriminator comes first in every pattern, so no rule can match the hidden state fact."""
    from netguide.engine.compiler import WARMUP_RULE

    compiled = compile_rulebook(load_rulebook(BASIC))
    for rs in compiled.rulesets:
        assert rs.definition[WARMUP_RULE]["all"][0]["m"] == {"t": "warmup"}  # the adapter's own, a discriminator too
        for name, rule in rs.definition.items():
            if name == WARMUP_RULE:
                continue
            pattern = rule["all"][0]["m"]
            first = pattern["$and"][0] if "$and" in pattern else pattern
            assert first == {"t": "patient"}


def test_the_compiler_splits_rulebooks_to_keep_fan_out_small(tmp_path: Path):
    """150 rules that all fire for one patient are split into rulesets of at most 63 alternatives, and all fire."""
    rules = "".join(
        f"  - id: many.r{i}\n    title: Rule number {i}\n    status: draft\n    when: {{ki67_percent: {{above: {i / 10}}}}}\n"
        f"    then: {{kind: option, interventions: [CAPTEM], statement: Test statement number {i}.}}\n"
        f"    evidence: [{{section: test, quote: A quote long enough to pass.}}]\n" for i in range(150))
    rules += ("  - id: many.fallback\n    title: fallback\n    status: draft\n    when: always\n    fallback: true\n"
              "    then: {kind: insufficient_evidence, statement: Test fallback statement.}\n"
              "    evidence: [{section: test, quote: A quote long enough to pass.}]\n")
    (tmp_path / "many.yaml").write_text("format: 1\narea: Many rules\nrules:\n" + rules)
    (tmp_path / "rulebook.yaml").write_text('version: "t"\nfiles: [many.yaml]\n')
    book = load_rulebook(tmp_path)
    rt = Runtime.build(book)
    assert all(rs.alternatives <= MAX_ALTERNATIVES_PER_RULESET for rs in rt.compiled.rulesets)
    assert len(rt.compiled.rulesets) >= 3
    assert rt.engine.fire({"ki67_percent": 99}) == {r.id for r in book.rules}


@pytest.mark.parametrize("x", [1e-05, 1e-06, 0.000001, 99.999999, 20.000001, 1e-7, 0.0, 100.0, 3, 12.5])
def test_numbers_are_written_without_exponents(x):
    """Every number the adapter writes is plain decimal text the engine reads back exactly."""
    text = number_json(x)
    assert "e" not in text.lower() and float(text) == pytest.approx(round(x, 6), abs=0)


def test_field_names_are_hashed_like_the_engine():
    """field_hash is the engine's djb2: it reproduces the hashes hard-coded in the C source."""
    assert field_hash("$lt") == 193419881 and field_hash("when") == 2090866807 and field_hash("$and") == 2087876700


def test_colliding_field_names_are_refused_at_compile_time():
    """Two engine field names with one hash ('Az' and 'BY') are reported when a rulebook is compiled."""
    from netguide.engine.compiler import _check_fields

    class Colliding(FactEncoder):
        def fields(self):
            return ["id", "sid", "t", "Az", "BY"]

    problems = _check_fields(Colliding())
    assert [p.code for p in problems] == ["field-hash-collision"]


def test_the_vocabulary_field_names_do_not_collide():
    """The engine field names of the shipped vocabulary have distinct hashes (checked again at every compile)."""
    names = FactEncoder().fields()
    assert len({field_hash(n) for n in names}) == len(names)


def test_a_rule_with_too_many_alternatives_is_refused(tmp_path: Path):
    """An `any` expanding into 15 or more alternatives is reported at the rule's `when`, before the engine sees it."""
    anys = ", ".join(f"{{ecog_ps: {i % 5}}}" for i in range(4))
    (tmp_path / "wide.yaml").write_text(
        "format: 1\narea: Wide\nrules:\n  - id: wide.r\n    title: A wide rule\n    status: draft\n"
        f"    when: {{all: [{{any: [{anys}]}}, {{any: [{{grade: G1}}, {{grade: G2}}, {{grade: G3}}, {{stage: advanced}}]}}]}}\n"
        "    then: {kind: option, interventions: [CAPTEM], statement: Test statement text.}\n"
        "    evidence: [{section: test, quote: A quote long enough to pass.}]\n"
        "  - id: wide.fallback\n    title: fallback\n    status: draft\n    when: always\n    fallback: true\n"
        "    then: {kind: insufficient_evidence, statement: Test fallback statement.}\n"
        "    evidence: [{section: test, quote: A quote long enough to pass.}]\n")
    (tmp_path / "rulebook.yaml").write_text('version: "t"\nfiles: [wide.yaml]\n')
    with pytest.raises(RulebookError) as exc:
        compile_rulebook(load_rulebook(tmp_path))
    assert "too-many-alternatives" in str(exc.value) and "wide.yaml:7" in str(exc.value)


def test_alternatives_count_the_engine_expansion():
    """Lists of values and 'includes any of' are one alternative each; each other `any` branch multiplies."""
    from netguide.engine.compiler import engine_alternatives

    def alts(raw):
        parsed, problems = conditions.parse_condition(raw)
        assert not problems
        return engine_alternatives(conditions.negation_normal_form(parsed))

    assert alts({"grade": ["G1", "G2"], "primary_site": ["lung", "thymus"]}) == 1
    assert alts({"failed_therapies": {"includes": ["SSA", "PRRT", "EVEROLIMUS", "SUNITINIB"]}}) == 1
    assert alts({"failed_therapies": {"excludes": ["SSA", "PRRT"]}}) == 1
    assert alts({"any": [{"grade": "G1"}, {"grade": "G2"}],
                 "all": [{"any": [{"bulky_disease": True}, {"symptomatic": True}, {"stage": "advanced"}]}]}) == 6


def test_a_threshold_finer_than_six_decimals_is_refused_at_compile_time(tmp_path: Path):
    """Patients' numbers are kept to 6 decimals, so `above: 0.0000001` would silently act as `above: 0`."""
    with pytest.raises(RulebookError) as exc:
        compile_rulebook(one_rule_book(tmp_path, "{ki67_percent: {above: 0.0000001}}"))
    assert "number-precision" in str(exc.value) and "n.yaml:7" in str(exc.value)


def test_the_engine_fact_text_is_the_plain_encoding():
    """FactEncoder.to_json, put together from pieces written once per fact and value, writes exactly what json.dumps
    of {id, sid, t, **encode(facts)} writes (and what its general path writes, for values the pieces do not cover),
    and numbers below 1e-4 without an exponent (the engine refuses 1e-05)."""
    import json
    import random

    from netguide.engine.compiler import engine_number
    from netguide.engine.runtime import runtime_for
    from netguide.patient import parse_patient
    from netguide.proving.samples import random_patient

    encoder = runtime_for(None).compiled.encoder
    rng = random.Random(5)
    for i in range(2000):
        facts = parse_patient(random_patient(rng)).known_facts()
        record = {"id": f"p{i}", "sid": "s", "t": "patient", **encoder.encode(facts)}
        assert encoder.to_json(f"p{i}", "s", facts) == json.dumps(record, separators=(",", ":"))
        assert encoder.to_json(f"p{i}", "s", facts) == encoder._general_text(f"p{i}", "s", facts)
    for odd in ({"ki67_percent": 12.0}, {"ki67_percent": 1e-7}, {"ecog_ps": 2.0}, {"bulky_disease": 1},
                {"grade": True}, {"prior_therapies": ("SSA",)}):
        record = {"id": "x", "sid": "s", "t": "patient", **encoder.encode(odd)}
        assert encoder.to_json("x", "s", odd) == encoder._general_text("x", "s", odd)
        if "ki67_percent" not in odd or odd["ki67_percent"] >= 1e-4:
            assert encoder.to_json("x", "s", odd) == json.dumps(record, separators=(",", ":"))
    text = encoder.to_json("p", "s", {"ki67_percent": 0.00005, "grade": "G1"})
    assert "e-" not in text and '"ki67_percent":0.00005' in text and json.loads(text)["ki67_percent"] == 0.00005
    assert engine_number(0.00005) == 0.00005
