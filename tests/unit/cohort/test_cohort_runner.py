"""`netguide cohort` end to end: the output is byte for byte what one-at-a-time evaluate() gives, in input order,
whatever the backend (in process, a pool started by forkserver, spawn or fork, a dask LocalCluster of 2 worker
processes) and the chunking; invalid rows are error answers with their row and field; re-runs are identical."""
from __future__ import annotations

import json
import multiprocessing
import random
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from netguide.cohort import run_cohort
from netguide.errors import PatientFactError
from netguide.evaluation import evaluate
from netguide.proving.samples import realistic_record

N = 240
CHUNK = 37  # several chunks per worker, the last one short


def _records() -> list[dict]:
    rng = random.Random(13)
    recs = []
    for i in range(N):
        rec = realistic_record(rng, rng.choice(("advanced", "advanced", "adjuvant", "neoadjuvant")))
        if i % 3 == 0:
            rec["treatment_given"] = rng.sample(["CAPTEM", "SSA", "EVEROLIMUS", "PRRT", "OBSERVATION", "PE"], 1)
        recs.append(rec)
    recs[10]["grade"] = "G4"  # invalid rows: an unknown value, an unknown fact, a bad treatment code
    recs[50]["ki67"] = 5
    recs[51]["treatment_given"] = ["CAPTM"]
    return recs


def _expected(recs: list[dict]) -> bytes:
    """The output as one-at-a-time evaluate() gives it, each line its to_dict() with the row number."""
    lines = []
    for row, rec in enumerate(recs, start=1):
        facts = {k: v for k, v in rec.items() if k != "treatment_given"}
        try:
            data = {"row": row, **evaluate(facts).to_dict()}
        except PatientFactError as exc:
            data = {"row": row, "error": "invalid patient facts", "problems": [p.to_dict() for p in exc.problems]}
        if row == 52:  # its facts are valid; its treatment code is not
            data = {"row": row, "error": "invalid patient facts", "problems": [
                {"code": "unknown-intervention", "message": "treatment_given[0]: not an intervention code",
                 "field": "treatment_given[0]", "value": "CAPTM", "allowed": "an intervention code of vocabulary.yaml",
                 "suggestion": "CAPTEM"}]}
        lines.append(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
    return "".join(lines).encode("utf-8")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cohort")
    recs = _records()
    path = folder / "patients.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path, _expected(recs)


def test_in_process_output_is_one_at_a_time_evaluate(cohort, tmp_path):
    path, expected = cohort
    res = run_cohort(path, tmp_path / "a.jsonl", jobs=1, chunk_size=CHUNK)
    assert (tmp_path / "a.jsonl").read_bytes() == expected
    assert (res.records, res.invalid) == (N, 3)
    assert [row for row, _ in res.errors] == [11, 51, 52]
    assert res.invalid_fields == {"grade": 1, "ki67": 1, "treatment_given": 1}


@pytest.mark.parametrize("method", ["forkserver", "spawn", "fork"])
def test_a_pool_of_two_gives_the_same_bytes(cohort, tmp_path, method):
    """Whatever the start method (fork included: the parent has a warm engine that forked workers inherit)."""
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available here")
    path, expected = cohort
    evaluate({"grade": "G1"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork in a process with threads
        res = run_cohort(path, tmp_path / "b.jsonl", jobs=2, chunk_size=CHUNK, start_method=method)
    assert (tmp_path / "b.jsonl").read_bytes() == expected
    assert res.backend == "pool" and res.invalid == 3


def test_a_dask_local_cluster_of_two_workers_gives_the_same_bytes(cohort, tmp_path):
    pytest.importorskip("distributed")
    path, expected = cohort
    serial = run_cohort(path, tmp_path / "s.jsonl", jobs=1, chunk_size=CHUNK)
    res = run_cohort(path, tmp_path / "d.jsonl", jobs=2, backend="dask", chunk_size=CHUNK)
    assert (tmp_path / "d.jsonl").read_bytes() == expected
    assert res.concordance.to_dict() == serial.concordance.to_dict()


def test_the_concordance_does_not_depend_on_the_backend_or_the_chunks(cohort, tmp_path):
    path, _ = cohort
    a = run_cohort(path, tmp_path / "a.jsonl", jobs=1, chunk_size=1000)
    b = run_cohort(path, tmp_path / "b.jsonl", jobs=2, chunk_size=CHUNK)
    assert a.concordance.to_dict() == b.concordance.to_dict() and a.with_treatment == N // 3 - 1


def test_parquet_out_and_in_round_trip_and_rerun_identically(cohort, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    path, expected = cohort
    run_cohort(path, tmp_path / "a.parquet", jobs=1, chunk_size=CHUNK)
    run_cohort(path, tmp_path / "b.parquet", jobs=2, chunk_size=CHUNK)
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    table = pq.read_table(tmp_path / "a.parquet")
    assert table.column("row").to_pylist() == list(range(1, N + 1))
    assert ("\n".join(table.column("answer").to_pylist()) + "\n").encode() == expected
    assert table.column("valid").to_pylist().count(False) == 3
    # a Parquet input with typed columns answers as its JSONL twin does
    import pyarrow as pa

    recs = [json.loads(line) for line in path.read_text().splitlines()][:60]
    del recs[50]  # the unknown column 'ki67' is refused for the whole file
    names = sorted({k for r in recs for k in r})
    pq.write_table(pa.Table.from_pydict({n: [r.get(n) for r in recs] for n in names}), tmp_path / "in.parquet")
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    run_cohort(tmp_path / "in.parquet", tmp_path / "p.jsonl", jobs=1)
    run_cohort(tmp_path / "in.jsonl", tmp_path / "j.jsonl", jobs=1)
    assert (tmp_path / "p.jsonl").read_bytes() == (tmp_path / "j.jsonl").read_bytes()


def test_csv_input_answers_as_its_jsonl_twin(tmp_path):
    csv_text = ("primary_site,grade,ki67_percent,treatment_setting,bulky_disease,prior_therapies,ecog_ps\n"
                "pancreas,G2,14,advanced,true,SSA;EVEROLIMUS,1\n"
                "small_intestine,G1,,advanced,,[],\n"
                "pancreas,G3,12,5,advanced,,,\n")
    (tmp_path / "p.csv").write_text(csv_text.replace("12,5", "\"12,5\""), encoding="utf-8")
    res = run_cohort(tmp_path / "p.csv", tmp_path / "out.jsonl", jobs=1)
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    first = evaluate({"primary_site": "pancreas", "grade": "G2", "ki67_percent": 14, "treatment_setting": "advanced",
                      "bulky_disease": True, "prior_therapies": ["SSA", "EVEROLIMUS"], "ecog_ps": 1}).to_dict()
    second = evaluate({"primary_site": "small_intestine", "grade": "G1", "treatment_setting": "advanced",
                       "prior_therapies": []}).to_dict()
    assert lines[0] == {"row": 1, **first} and lines[1] == {"row": 2, **second}
    assert lines[2]["row"] == 3 and lines[2]["problems"][0]["field"] == "ki67_percent"
    assert "decimal comma" in lines[2]["problems"][0]["message"] and res.invalid == 1


def test_the_command_reports_rows_exits_1_and_writes_the_reports(tmp_path):
    data = Path(__file__).resolve().parents[2] / "data" / "cohort" / "concordance.csv"
    out, conc, mr = tmp_path / "a.jsonl", tmp_path / "c.json", tmp_path / "m.json"
    proc = subprocess.run([sys.executable, "-m", "netguide", "cohort", str(data), "--out", str(out), "--jobs", "1",
                           "--concordance", str(conc), "--measure-report", str(mr), "--period", "2024-01-01/2024-12-31"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr  # one invalid row; every other row is still answered
    assert "invalid rows: 1" in proc.stdout and "row 8: grade: 'G4' is not allowed" in proc.stdout
    assert "per primary site and grade" in proc.stdout and proc.stderr == ""  # no progress bar off a terminal
    assert len(out.read_text().splitlines()) == 9
    assert json.loads(conc.read_text())["records_with_treatment"] == 7
    assert json.loads(mr.read_text())["period"] == {"start": "2024-01-01", "end": "2024-12-31"}
    again = subprocess.run([sys.executable, "-m", "netguide", "cohort", str(data), "--out", str(tmp_path / "b.jsonl"),
                            "--jobs", "2", "--format", "json"], capture_output=True, text=True, timeout=300)
    assert (tmp_path / "b.jsonl").read_bytes() == out.read_bytes()
    summary = json.loads(again.stdout)
    assert summary["invalid_rows"][0]["row"] == 8 and summary["concordance"]["records_with_treatment"] == 7


@pytest.mark.parametrize("argv, message", [
    (["missing.csv"], "no such input file"),
    (["{data}", "--backend", "dask", "--scheduler"], "expected one argument"),
    (["{data}", "--scheduler", "tcp://x:1"], "--scheduler is for --backend dask"),
    (["{bad}"], "'grde' (did you mean 'grade'?)"),
])
def test_usage_and_input_errors_are_one_clear_line(tmp_path, argv, message):
    (tmp_path / "bad.csv").write_text("grde\nG1\n", encoding="utf-8")
    (tmp_path / "ok.csv").write_text("grade\nG1\n", encoding="utf-8")
    argv = [a.format(data=tmp_path / "ok.csv", bad=tmp_path / "bad.csv") for a in argv]
    proc = subprocess.run([sys.executable, "-m", "netguide", "cohort", *argv, "--out", str(tmp_path / "o.jsonl")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode in (1, 2) and message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_no_progress_bar_off_a_terminal(monkeypatch):
    """The bar is for a person at a terminal; a pipe, a file or a CI log gets nothing."""
    from netguide.cohort import runner

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert runner._progress(True) is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert runner._progress(False) is None
    bar = runner._progress(True)
    assert bar is not None
    bar.close()


def test_fhir_records_answer_as_evaluate_fhir_does_in_process_and_in_a_pool(tmp_path: Path):
    """FHIR input (a Bundle a line): each answer is the evaluation of netguide.fhir's mapping with the caller's
    setting, one at a time or in a pool of 2; a record netguide.fhir refuses is an error answer naming the element."""
    from netguide.fhir import evaluate_fhir

    root = Path(__file__).resolve().parents[3]
    bundles = [json.loads(p.read_text()) for p in sorted((root / "tests" / "data" / "fhir_independent").glob("*.json"))]
    bad = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Observation", "id": "x", "code": {"coding": [{"system": "http://loinc.org", "code": "29593-1"}]},
        "valueQuantity": {"value": "fourteen"}}}]}
    src = tmp_path / "registry.fhir.ndjson"
    src.write_text("".join(json.dumps(b) + "\n" for b in bundles + [bad]))
    want = [json.dumps({"row": i, **evaluate_fhir(b, "advanced").evaluation.to_dict()}, ensure_ascii=False,
                       separators=(",", ":")) for i, b in enumerate(bundles, 1)]
    for jobs in (1, 2):
        out = tmp_path / f"answers{jobs}.jsonl"
        result = run_cohort(src, out, jobs=jobs, chunk_size=7, setting="advanced")
        lines = out.read_text(encoding="utf-8").splitlines()
        assert lines[:len(bundles)] == want
        error = json.loads(lines[-1])
        assert error["row"] == len(bundles) + 1 and "valueQuantity.value" in error["problems"][0]["message"]
        assert result.invalid == 1
