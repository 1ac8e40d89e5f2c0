"""The shipped rulebook end to end: examples, repeated and concurrent evaluation give stable answers."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml

import netguide
from netguide.proving.scenarios import load_scenarios
from needs import ROOT

REPO = ROOT


def _patients() -> list[dict]:
    patients = [yaml.safe_load(p.read_text()) for p in sorted((REPO / "examples").glob("*.yaml"))]
    patients += [s.patient for s in load_scenarios(REPO / "scenarios")]
    return patients


@pytest.mark.parametrize("path", sorted((REPO / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_each_example_gets_a_cited_answer(path: Path):
    """Every shipped example patient gets at least one recommendation, each with a quote and a section."""
    ev = netguide.evaluate(yaml.safe_load(path.read_text()))
    assert ev.recommendations
    assert all(r.citations and all(c.quote and c.section for c in r.citations) for r in ev.recommendations)


def test_3000_evaluations_in_a_row_give_the_same_answers():
    """Evaluating the scenario patients over and over (3,000 evaluations) never changes an answer."""
    patients = _patients()
    first = [netguide.evaluate(p).to_dict() for p in patients]
    n = 0
    while n < 3000:
        for p, expected in zip(patients, first):
            assert netguide.evaluate(p).to_dict() == expected
            n += 1


def test_8_threads_at_once_give_the_answers_of_one_thread():
    """8 threads evaluating the same patients concurrently agree with sequential evaluation, without error."""
    patients = _patients()
    expected = [netguide.evaluate(p).to_dict() for p in patients]
    errors: list[BaseException] = []
    mismatches: list[int] = []

    def work() -> None:
        try:
            for i, p in enumerate(patients):
                if netguide.evaluate(p).to_dict() != expected[i]:
                    mismatches.append(i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and mismatches == []
