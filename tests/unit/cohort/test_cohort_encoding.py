"""The cohort's fast answer line is json.dumps({"row": ..., **to_dict()}) byte for byte, and a worker falls back to
the slow line when the two ever differ (a change to results.py the fast encoder does not know)."""
from __future__ import annotations

import json
import random

from netguide.cohort import worker
from netguide.cohort.encoding import LineEncoder, slow_line
from netguide.errors import PatientFactError
from netguide.evaluation import evaluate, runtime_for
from netguide.proving.samples import random_patient, realistic_record


def _evaluations(n: int = 300) -> list:
    rng = random.Random(21)
    out = []
    for i in range(n):
        patient = realistic_record(rng, ("advanced", "adjuvant", "neoadjuvant")[i % 3]) if i % 2 else random_patient(rng)
        try:
            out.append(evaluate(patient))
        except PatientFactError:
            pass
    return out


def test_the_fast_line_is_the_slow_line_and_reuse_does_not_change_it():
    evs = _evaluations()
    enc = LineEncoder()
    first = [enc.line(i, ev) for i, ev in enumerate(evs)]
    assert first == [slow_line(i, ev) for i, ev in enumerate(evs)]
    assert [enc.line(i, ev) for i, ev in enumerate(evs)] == first  # with every part already kept
    assert json.loads(first[0]) == {"row": 0, **evs[0].to_dict()}


def test_a_worker_uses_the_slow_line_when_the_fast_one_disagrees(monkeypatch):
    monkeypatch.setattr(LineEncoder, "agrees", lambda self, evs: False)
    assert worker._line_encoder(runtime_for(None), evaluate) is slow_line
    monkeypatch.undo()
    assert worker._line_encoder(runtime_for(None), evaluate) is not slow_line


def test_steps_and_parts_kept_by_value_and_identity_encode_as_to_dict_does(monkeypatch):
    """Values that are equal as keys but not as JSON (1, 1.0 and True; 0.0 and -0.0), lists, None, a step whose
    field is not text, and stores small enough to be cleared over and over: every line is still the slow one."""
    from dataclasses import replace

    from netguide import results
    from netguide.cohort import encoding

    monkeypatch.setattr(encoding, "MAX_KEPT", 7)
    monkeypatch.setattr(encoding, "MAX_BY_ID", 5)
    base = evaluate({"differentiation": "well", "primary_site": "pancreas", "grade": "G2", "ki67_percent": 14,
                     "treatment_setting": "advanced", "progression": "progressive"})
    step = base.trace[-1]
    values = [1, 1.0, True, 0.0, -0.0, 0, False, None, "G1", ["SSA", "PRRT"], [], ["SSA"], 2.5, 10**30]
    enc = LineEncoder()
    for i in range(60):
        facts = {"a": values[i % len(values)], "b": values[(i * 5 + 3) % len(values)]}
        steps = (replace(step, facts=facts), replace(step, facts={}),
                 replace(step, detail=f"detail {i % 4}", outcome=("shown", "not_shown")[i % 2]),
                 replace(step, facts={"nested": [["x"]]}), replace(step, detail=i))
        ev = results.Evaluation(base.recommendations, base.missing_facts, base.findings, base.rulebook_version,
                                steps, base.derived_facts)
        assert enc.line(i, ev) == slow_line(i, ev), facts


def test_answer_sections_are_kept_within_their_byte_bound_and_lines_stay_exact(monkeypatch):
    """A worker over a million patients keeps whole answer sections (~18 KB each); their store is bounded by bytes,
    not entries, so memory stays flat. With a bound a few sections wide it is cleared over and over, never exceeded,
    and every line is still the slow one."""
    from netguide.cohort import encoding

    evs = _evaluations(120)
    bound = 60_000
    monkeypatch.setattr(encoding, "MAX_SECTION_BYTES", bound)
    enc = LineEncoder()
    peak = 0
    for i, ev in enumerate(evs):
        assert enc.line(i, ev) == slow_line(i, ev)
        assert enc._group_bytes == sum(len(text) for _, text in enc._groups.values())
        peak = max(peak, enc._group_bytes)
        assert enc._group_bytes <= bound
    assert peak > bound // 2 and len(enc._groups) < len(evs), "the bound was never reached"
